"""Places: a shipped gazetteer → coordinates and admin hierarchy, with historical names and ambiguity reported."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
GAZETTEER_FILE = DATA / "gazetteer.tsv"
HISTORICAL_FILE = DATA / "historical_places.tsv"

# A province or city outranks a same-named county: 遵义 in a text is the city far more often.
KIND_RANK = {"province": 3, "city": 2, "county": 1, "locality": 0}
# Suffixes dropped to get the short name texts use (遵义市 → 遵义, 广西壮族自治区 → 广西).
SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "省", "市", "县", "区", "盟", "旗")
ETHNIC = ("蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家", "哈尼",
          "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土",
          "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒",
          "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲",
          "门巴", "珞巴", "基诺")
ETHNIC_ENDINGS = sorted([e + "族" for e in ETHNIC] + list(ETHNIC), key=len, reverse=True)


@dataclass(frozen=True)
class Place:
    """One gazetteer place; admin runs from province down to the place itself."""

    name: str
    kind: str  # province, city, county, or locality (a town, village or site inside a county)
    admin: tuple[str, ...]
    latitude: float | None
    longitude: float | None
    alt_labels: tuple[str, ...] = ()  # other names it goes by, e.g. 北平 for 北京市
    note: str = ""  # e.g. "former name 北平" or "in 平山县; coordinates are the county's"

    @property
    def province(self) -> str:
        return self.admin[0] if self.admin else ""


@dataclass
class PlaceMatch:
    """The place a name most likely refers to, how sure that is, and what else it could be."""

    place: Place | None
    confidence: float
    candidates: list[Place] = field(default_factory=list)
    note: str = ""


def short_name(name: str) -> str:
    """遵义市 → 遵义, 禄劝彝族苗族自治县 → 禄劝, 新疆维吾尔自治区 → 新疆; "" when too short to be safe."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            stem = name[: -len(suffix)]
            if suffix.startswith("自治"):
                stripped = True
                while stripped:
                    stripped = False
                    for ending in ETHNIC_ENDINGS:
                        if stem.endswith(ending) and len(stem) - len(ending) >= 2:
                            stem, stripped = stem[: -len(ending)], True
                            break
            return stem
    return ""  # 富县 → 富 would match every 富 in a text


class Gazetteer:
    """Look places up by full, short or historical name; dictionaries are built once at load."""

    def __init__(self, places: list[Place], historical: list[tuple[str, str, str, str, str]] = ()):
        self.places = places
        self.by_name: dict[str, list[Place]] = {}
        self.by_short: dict[str, list[Place]] = {}
        self.provinces: dict[str, str] = {}  # 陕西 / 陕西省 → 陕西省
        for place in places:
            self.by_name.setdefault(place.name, []).append(place)
            short = short_name(place.name)
            if short and short != place.name:
                self.by_short.setdefault(short, []).append(place)
            if place.kind == "province":
                self.provinces[place.name] = place.name
                if short:
                    self.provinces[short] = place.name
        self.historical: dict[str, list[Place]] = {}
        for name, relation, target, province, note in historical:
            self.historical.setdefault(name, []).append(self._historical_place(name, relation, target, province, note))

    def _historical_place(self, name: str, relation: str, target: str, province: str, note: str) -> Place:
        found = [p for p in self.by_name.get(target, []) if not province or p.province == province]
        if len(found) != 1:
            raise ValueError(f"historical place {name}: target {target} ({province}) matches "
                             f"{len(found)} gazetteer places; name exactly one")
        modern = found[0]
        aside = f" ({note})" if note else ""
        if relation == "former name":
            return Place(modern.name, modern.kind, modern.admin, modern.latitude, modern.longitude,
                         alt_labels=(name,), note=f"former name {name}{aside}")
        if relation == "part of":
            return Place(name, "locality", modern.admin + (name,), modern.latitude, modern.longitude,
                         note=f"in {modern.name}; coordinates are those of {modern.name}{aside}")
        raise ValueError(f"historical place {name}: relation {relation!r} is neither 'former name' nor 'part of'")

    @classmethod
    def load(cls, path: Path = GAZETTEER_FILE, historical_path: Path | None = HISTORICAL_FILE) -> "Gazetteer":
        places = []
        for row in _read_tsv(path):
            admin = tuple(dict.fromkeys(p for p in (row["province"], row["city"], row["county"]) if p))
            places.append(Place(row["name"], row["kind"], admin, float(row["latitude"]), float(row["longitude"])))
        historical = []
        if historical_path is not None:
            historical = [(r["name"], r["relation"], r["target"], r.get("province") or "", r.get("note") or "")
                          for r in _read_tsv(historical_path)]
        return cls(places, historical)

    def province(self, name: str) -> str | None:
        """The full name of a province written either way (陕西 or 陕西省), else None."""
        return self.provinces.get(name.strip())

    def lookup(self, name: str) -> list[Place]:
        """Every place the name may mean: exact names, historical names, then short names."""
        name = name.strip()
        found = self.by_name.get(name, []) + self.historical.get(name, []) + self.by_short.get(name, [])
        if not found:
            # 贵州遵义, 陕西吴起县: a province written in front narrows the rest
            for prefix in sorted((p for p in self.provinces if name.startswith(p)), key=len, reverse=True):
                province = self.provinces[prefix]
                found = [p for p in self.lookup(name[len(prefix):]) if p.province == province]
                if found:
                    break
        unique: dict[tuple[str, tuple[str, ...]], Place] = {}
        for place in found:
            unique.setdefault((place.name, place.admin), place)
        return list(unique.values())

    def resolve_place(self, name: str, *, context_province: str | None = None,
                      context: tuple[str, ...] = ()) -> PlaceMatch:
        """The best place for a name, preferring the province in context, then places whose
        hierarchy holds another name in context (古田 beside 上杭县), then the larger kind."""
        candidates = self.lookup(name)
        if not candidates:
            return PlaceMatch(None, 0.0, [], f"not in gazetteer: {name}")
        if len(candidates) == 1:
            place = candidates[0]
            if place.kind == "county" and place.name != name.strip() and not place.alt_labels:
                # a county's short name is often a word or region too (东至 "east to", 江南)
                return PlaceMatch(place, 0.7, candidates, f"short name of {place.name}")
            return PlaceMatch(place, 0.9 if place.kind == "locality" else 0.95, candidates, place.note)
        province = self.province(context_province) if context_province else None
        names = set(context)

        def score(place: Place) -> tuple[int, int, int]:
            in_context = sum(1 for level in place.admin[:-1] if level in names)
            return (int(place.province == province), in_context, KIND_RANK.get(place.kind, 0))

        ranked = sorted(candidates, key=score, reverse=True)  # stable: gazetteer order breaks ties
        best, runner = score(ranked[0]), score(ranked[1])
        note = f"ambiguous: {len(candidates)} places named {name}"
        if best[:2] > runner[:2]:
            confidence, why = 0.8, "context"
        elif best > runner:
            # the others lying inside the pick (遵义县 in 遵义市) is a milder ambiguity
            nested = all(ranked[0].name in other.admin for other in ranked[1:])
            confidence, why = (0.75 if nested else 0.6), "kind"
        else:
            confidence, why = 0.4, "gazetteer order"
        return PlaceMatch(ranked[0], confidence, ranked, f"{note}; chose {'/'.join(ranked[0].admin)} by {why}")


def _read_tsv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The shipped gazetteer, loaded once per process."""
    return Gazetteer.load()
