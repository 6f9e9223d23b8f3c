"""Derive extract/data/gazetteer.tsv, the compact gazetteer Jiyi ships, from sfyc23's region.csv.

Usage: python tools/make_gazetteer.py [REGION_CSV] [OUT_TSV]
The output is deterministic (source order, duplicates dropped), so a re-run changes nothing.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data" / "gazetteer" / "sfyc23_china_region" / "region.csv"
OUTPUT = ROOT / "extract" / "data" / "gazetteer.tsv"
COLUMNS = ["name", "kind", "province", "city", "county", "latitude", "longitude"]
HEADER = """\
# Jiyi gazetteer: Chinese provinces, cities and counties with coordinates (WGS84, 2 decimals).
# Derived by tools/make_gazetteer.py from sfyc23/China-zip-code-latitude-and-longitude
# (region.csv @be1fcfb), MIT licence, Copyright (c) 2019 Thunder Bouble. Pre-2010 divisions.
# kind: province (incl. municipalities, SARs), city (prefecture level), county (county level:
# counties, districts, county-level cities, banners). A province's coordinates are its capital's.
"""
# The source lumps Hong Kong, Macao and Taiwan under one pseudo-province "港澳台".
SAR = {"香港": "香港特别行政区", "澳门": "澳门特别行政区"}
TAIWAN = "台湾省"


def rows_from(source: Path) -> list[list[str]]:
    out: list[list[str]] = []
    seen: set[tuple[str, str, str]] = set()

    def add(name: str, kind: str, province: str, city: str, county: str, lon: str, lat: str) -> None:
        key = (province, city, county)
        if key not in seen:  # the source repeats a few rows (香港, 沈阳 铁西区 with another's coords)
            seen.add(key)
            out.append([name, kind, province, city, county, f"{float(lat):.2f}", f"{float(lon):.2f}"])

    with open(source, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            province, city, county = row["province"].strip(), row["city"].strip(), row["county"].strip()
            lon, lat = row["longitude"], row["latitude"]
            if province == "港澳台":
                if county in SAR:
                    add(SAR[county], "province", SAR[county], "", "", lon, lat)
                    continue
                if (TAIWAN, "", "") not in seen:  # the first Taiwan row is 台北市, the capital
                    add(TAIWAN, "province", TAIWAN, "", "", lon, lat)
                if county.endswith("市"):
                    add(county, "city", TAIWAN, county, "", lon, lat)
                else:
                    add(county, "county", TAIWAN, "", county, lon, lat)
                continue
            if (province, "", "") not in seen:  # each province lists its capital first
                add(province, "province", province, "", "", lon, lat)
            if county == city:
                if city != province:  # 北京市 is the province row already
                    add(city, "city", province, city, "", lon, lat)
                continue
            add(county, "county", province, city, county, lon, lat)
    return out


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else SOURCE
    output = Path(argv[2]) if len(argv) > 2 else OUTPUT
    if not source.is_file():
        print(f"region.csv not found at {source}; pass its path as the first argument", file=sys.stderr)
        return 2
    rows = rows_from(source)
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "w", encoding="utf-8", newline="\n") as out:
        out.write(HEADER)
        out.write("\t".join(COLUMNS) + "\n")
        for row in rows:
            out.write("\t".join(row) + "\n")
    print(f"{len(rows)} places written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
