"""Detect and decode the encodings Chinese archives arrive in: BOMs, UTF-8, UTF-16, GB18030, Big5."""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
from dataclasses import dataclass

# The 1,000 most frequent characters of jieba's dictionary (weighted by word frequency),
# then the traditional forms of those that have one (OpenCC's STCharacters). Text decoded
# with the right legacy codec is mostly these; the wrong codec gives rare characters.
COMMON_SIMPLIFIED = (
    '一是人了不在有大中国和为这上他个地年来我会以到时要出的生学说道民家子也成行下们于后就发自之对得主长可过天作分方用多你着部能市等业全里工公经本都而高政法面门动日进区事代那去心小同北定开产前其军还然起种所'
    '如现理机体表力好外与文当两实重新三么只山水关明从化平建又制南内西没此将员名手最东头者月间无安看见各城十相但已些正口通想度加第她合院物性战由位常点海意场武使次二向治因立数样身情入原问把路被并利石老教万知'
    '级量任江及应省资委务元美特期世湖回系比气汉总展电科金先声提品设或义王社很统处四首共马形己儿司太目基领队直计别女权话少流命至报米给打变果书清活几州华解议更称程今决张导术府才保交放管结师便走达族反再题色五'
    '京河接条规式县白它改风光运信受什组听布百济党指论强做取技黄神选记斯真却职号界件花类何眼兵传带空干农边据集联古广完质阳难增历史专官每住商即步认车台林必死游举线言皇土团收考求德叫近备研争非具李众连调感转笑'
    '革该持始英克士尔让拉思根格造较际亲单朝红型价校约器字段周亚深候则功属积快图火千准究往极育装许参半令吃观鱼精办像帝八复影告远群包整构料随划算象容示投势热值夫网望源息语股铁断派速怎需片爱律纪支早况病境证编'
    '越局推满且列觉服双未居除乐企引标确织初青志率项飞球节察龙响药站施均消客失轻存低甚般击曾防请离落显罗营足素视护副食创余照兴占巴虽洲村费易试星木黑左宝置跟央识维采六底宫房音环案批切斗富乡另倒若按查故突责严'
    '桥模仅胜杀围席态破承招杨负层须父供续状域似依银范修找九致密终血旅钱赛独细效玉冲获习医演毛尽脸弹楼艺航陆右协七攻镇检写苏宗章注阿抗弟坐验封紧劳户优财养适陈喜卫排射哥油刻留急降念云微伤例景拿绝阶座刘刚害印'
    '亿沙母酒助闻超审待压升送监策略限竟香配藏敌呢差仍兰温园树征善波哪词岛止预怕继皮执味份角草男普答益谁船惊核街夏宣掌田久著画辑奇尼剑吧谈背免孩礼材愿洋春架筑括晚乱乎讲尚良友临激刀夜室既敢邦挥昌板胡欧福港叶'
    '简苦担句岁荆贵娘守辖威宜衣帮块堂额错剧充欢够孙班呼阵销坚练脚退读测吴希宁换版异某顾曲楚典朱毒菜判救宋茶洪含顺啊鲜败货矿端兄归冷忙买险康评肉吗厂永哈沉散遗停笔假输牛洞松渐顶训录否述毕督控丰献姑忽爷互亮纳'
    '襄登咱钟伯臣雄季脑介鄂召饭暗扩祖齐短烈赶牌恩诉移诗础露届蒙静喝盘卖植授伊湾博痛减穿逐秘庭陵固禁票灵杂姓泽吸侧庆妈遇追甲馆补唐炮沿殿刺怪彩俄旧警索岸轮妇载靠附毫怀软骨探雷旁罪枪牙迎序慢盛雨墙恶谷顿危稳熟'
)
COMMON_TRADITIONAL = (
    '瞭國爲這個箇來會時齣學說傢們於後發髮對長過業裏經麪門動進區衕開產軍還種現機體錶與當噹兩實麼隻祇關從製內沒將員東頭間無見閤戰點場嚮曏數樣問並併萬級應資務迴係繫氣漢總電聲設義統處馬兒領隊計別彆權話報給變書'
    '幾華議稱決張導術朮纔結師達題條規縣牠風運組聽佈濟黨論強黃選記卻職號類傳帶幹乾農邊據聯廣質陽難歷曆專認車臺檯颱遊舉線團糰備爭衆連調轉該剋爾讓較際親單紅價約週賙亞則屬積圖韆準極裝許參蔘喫觀魚辦復複覆遠羣構'
    '隨劃勢熱伕網語鐵斷愛紀況證証編侷滿覺雙樂標確織誌項飛節龍響藥葯輕擊請離顯羅營視護創餘興佔雖費試寶識維採寀宮環鬥鄉責嚴橋僅勝殺圍蓆態楊負層須鬚續狀銀範脩緻終錢賽獨細衝沖獲穫習醫盡儘臉彈樓藝陸協鎮檢寫蘇甦'
    '囌註驗緊勞戶優財養適陳衛唸雲傷絕階劉剛億聞審壓昇監敵蘭溫園樹徵詞島預繼執誰驚覈畫輯劍談揹禮願築亂講臨揮闆鬍衚歐葉簡擔歲荊貴孃轄幫塊額錯劇歡夠孫陣銷堅練腳讀測吳寧甯換異顧麴硃順鮮敗貨礦歸買險評嗎廠遺筆輸'
    '鬆漸頂訓錄彔畢豐獻爺納鍾鐘鈡腦飯闇擴齊趕訴詩礎屆矇濛懞靜盤賣灣減祕靈雜澤側慶媽館補綵舊輪婦載懷軟槍牆惡噁穀頓穩'
)
_COMMON = frozenset(COMMON_SIMPLIFIED + COMMON_TRADITIONAL)
# Punctuation Chinese text is full of, outside the full-width block.
_CJK_PUNCTUATION = frozenset("、。〃〈〉《》「」『』【】〔〕〖〗〝〞“”‘’—…·・")

# Checked in this order: UTF-32's little-endian BOM starts with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),  # reported as utf-8-sig: UTF-8, BOM dropped
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# The legacy encodings raced against each other; cp950 and big5hkscs are Big5 as
# Windows and Hong Kong extend it, tried only when plain Big5 fails.
_LEGACY = ("gb18030", "big5", "cp950", "big5hkscs")
_BIG5_FAMILY = {"big5", "cp950", "big5hkscs"}
# Below this share of plausible characters a decoding is taken to be noise, not text.
MIN_PLAUSIBLE = 0.6
_SAMPLE = 20_000  # characters scored; enough to decide, and big files stay fast


@dataclass(frozen=True)
class Decoded:
    """Decoded text and how: the codec used and how sure detection was."""

    text: str
    encoding: str  # a Python codec name: utf-8, utf-8-sig, utf-16-le, gb18030, big5 …
    confidence: float  # 1.0 for a BOM, valid UTF-8 or a declared encoding; else the plausibility score


class UndecodableError(ValueError):
    """The bytes are not text in the declared encoding, or in any encoding Jiyi detects."""

    def __init__(self, reason: str, byte_offset: int | None, line: int | None, detected: str | None = None):
        super().__init__(reason if line is None else f"{reason} (line {line}, byte {byte_offset})")
        self.reason = reason
        self.byte_offset = byte_offset  # None when no byte is to blame, e.g. an unknown encoding name
        self.line = line  # 1-based
        self.detected = detected  # what detection makes of the bytes, to suggest as the fix


def decode_bytes(data: bytes, *, declared: str | None = None) -> Decoded:
    """Decode `data` strictly as `declared`, or detect: BOM, UTF-8, UTF-16, then GB18030 vs Big5."""
    if declared and declared.strip().lower() != "auto":
        return _decode_declared(data, declared.strip())
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return Decoded(_strict(data[len(bom):], codec, len(bom)), codec, 1.0)
    try:
        return Decoded(data.decode("utf-8"), "utf-8", 1.0)
    except UnicodeDecodeError as exc:
        utf8_error = exc
    best = _best_guess(data)
    if best is None:
        offset = utf8_error.start
        looks = "looks like binary data" if data.count(0) or _controls(data) else "no Chinese encoding gives plausible text"
        raise UndecodableError(
            f"not UTF-8 (byte {offset}), UTF-16, GB18030 or Big5: {looks}", offset, data[:offset].count(b"\n") + 1)
    return best


def _decode_declared(data: bytes, declared: str) -> Decoded:
    codec = declared.lower().replace("_", "-")
    if codec in ("utf-8", "utf8"):
        codec = "utf-8-sig"  # a UTF-8 byte-order mark is always accepted
    try:
        codecs.lookup(codec)
        return Decoded(data.decode(codec), codec, 1.0)
    except LookupError:
        raise UndecodableError(f"unknown encoding {declared!r}", None, None) from None
    except UnicodeDecodeError as exc:
        try:
            detected = decode_bytes(data).encoding
        except UndecodableError:
            detected = None
        line = data[: exc.start].decode(codec, errors="replace").count("\n") + 1
        raise UndecodableError(f"not valid {declared} at byte {exc.start}", exc.start, line, detected) from None


def _strict(data: bytes, codec: str, skipped: int) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(codec, errors="replace").count("\n") + 1
        offset = exc.start + skipped
        raise UndecodableError(f"has a {codec} byte-order mark but is not valid {codec} at byte {offset}",
                               offset, line) from None


def _best_guess(data: bytes) -> Decoded | None:
    """The most plausible strict decoding among UTF-16 (no BOM) and the legacy Chinese encodings."""
    candidates: list[tuple[float, str, str]] = []
    if len(data) % 2 == 0:
        # ASCII in UTF-16 puts a NUL in the high byte of each code unit: the odd bytes
        # for little-endian, the even ones for big-endian. Only a hint (一 is U+4E00, a NUL
        # the other way round), so both are scored; the hint breaks ties.
        even, odd = data[0::2].count(0), data[1::2].count(0)
        candidates += _scored(data, ["utf-16-le", "utf-16-be"] if odd >= even else ["utf-16-be", "utf-16-le"])
    for codec in _LEGACY:
        if codec in ("cp950", "big5hkscs") and any(c in _BIG5_FAMILY for _, c, _ in candidates):
            continue
        candidates += _scored(data, [codec])
    if not candidates:
        return None
    # Ties go to the earlier candidate: GB18030 before Big5, as mainland archives are the bulk.
    score, codec, text = max(candidates, key=lambda c: c[0])
    return Decoded(text, codec, round(score, 3)) if score >= MIN_PLAUSIBLE else None


def _scored(data: bytes, codecs_: list[str]) -> list[tuple[float, str, str]]:
    found = []
    for codec in codecs_:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        found.append((plausibility(text[:_SAMPLE]), codec, text))
    return found


def plausibility(text: str) -> float:
    """Share of the non-space characters that a Chinese archive's text is made of."""
    total = weight = 0.0
    for ch in text:
        if ch in " \t\n\r":
            continue
        total += 1
        if ch in _COMMON or " " < ch < "\x7f" or ch in _CJK_PUNCTUATION or "\uff01" <= ch <= "\uff5e" or ch == "\u3000":
            weight += 1
        elif "\u4e00" <= ch <= "\u9fff":
            weight += 0.4  # a real character, but a rarer one: wrong codecs produce many of these
        elif ch > "\xa0" and ch < "\u3000" and unicodedata.category(ch)[0] in "LNPS":
            weight += 0.3  # accented Latin, Greek, symbols: possible, not typical
        # controls, private use, Hangul and Yi syllables, surrogate look-alikes: what wrong codecs make
    return weight / total if total else 1.0


def _controls(data: bytes) -> int:
    return sum(1 for b in data[:4096] if b < 0x20 and b not in b"\t\n\r\x0c")


# C0 controls but \t and \n (\r is made \n first), DEL, C1 controls. A regex, not str.translate:
# translate walks every character in Python-level lookups, 5x slower on a big catalogue.
_STORAGE_DROP = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_for_storage(text: str) -> str:
    """Drop NUL and other C0/C1 control characters (keeping \\n and \\t) and make line endings \\n."""
    # Controls come from old systems' field separators and escape codes; they break CSV,
    # JSON consumers and XML (RDF/XML, IIIF) downstream and carry no meaning for a reader.
    return _STORAGE_DROP.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


# Files larger than this are never held in memory whole: detection looks at this much of
# the start, then the chosen codec is checked over the whole file chunk by chunk.
SAMPLE_BYTES = 1 << 20
_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileEncoding:
    """How to read a file as a stream: skip `bom` bytes, then decode with `codec`."""

    codec: str  # as decode_bytes reports it (utf-8-sig for UTF-8 with a BOM)
    bom: int  # length of the byte-order mark to skip, 0 when there is none or the codec reads it itself

    @property
    def reading_codec(self) -> str:
        return "utf-8" if self.codec == "utf-8-sig" and self.bom else self.codec


def detect_file_encoding(path, *, declared: str | None = None) -> FileEncoding:
    """The encoding of the file at `path`, checked over every byte, with memory bounded by a chunk.

    Small files go through decode_bytes as they are. Larger ones are detected from their
    first SAMPLE_BYTES and then checked to the end, so a bad byte at 900 MB is still found
    (and located) before a single row is read.
    """
    with open(path, "rb") as handle:
        head = handle.read(SAMPLE_BYTES + 1)
    auto = not declared or declared.strip().lower() == "auto"
    if len(head) <= SAMPLE_BYTES:
        try:
            codec = decode_bytes(head, declared=declared).encoding
        except UndecodableError as exc:
            raise (auto and _damaged(path, head)) or exc from None
        return FileEncoding(codec, _bom_length(head, codec))
    if not auto:
        return _checked_declared(path, head, declared.strip())
    for bom, codec in _BOMS:
        if head.startswith(bom):
            found = FileEncoding(codec, len(bom))
            error = _stream_error(path, found)
            if error:
                raise UndecodableError(f"has a {codec} byte-order mark but is not valid {codec} at byte {error.byte_offset}",
                                       error.byte_offset, error.line)
            return found
    utf8_error = _stream_error(path, FileEncoding("utf-8", 0))
    if utf8_error is None:
        return FileEncoding("utf-8", 0)
    # Score the legacy codecs on the sample cut at a line end, where no character is split.
    best = _best_guess(head[: head.rfind(b"\n") + 1] or head)
    if best is not None:
        guessed = FileEncoding(best.encoding, 0)
        error = _stream_error(path, guessed)
        if error is None:
            return guessed
        raise UndecodableError(f"reads as {best.encoding} at first but is not valid {best.encoding} at byte "
                               f"{error.byte_offset}", error.byte_offset, error.line)
    raise _damaged(path, head) or UndecodableError(
        f"not UTF-8 (byte {utf8_error.byte_offset}), UTF-16, GB18030 or Big5: no Chinese encoding gives plausible text",
        utf8_error.byte_offset, utf8_error.line)


def _damaged(path, sample: bytes) -> UndecodableError | None:
    """The first bad byte of a file that a legacy codec reads but for a few bytes, located; None if none does.

    One cut double-byte character or a cell pasted from another file should be reported
    where it is, not as "line 1: not UTF-8".
    """
    if any(sample.startswith(bom) for bom, _ in _BOMS):
        return None
    score, codec = max((plausibility(sample.decode(codec, errors="replace")[:_SAMPLE]), codec)
                       for codec in ("gb18030", "big5"))
    error = _stream_error(path, FileEncoding(codec, 0)) if score >= MIN_PLAUSIBLE else None
    if error is None:
        return None
    return UndecodableError(f"reads as {codec} but is not valid {codec} at byte {error.byte_offset}",
                            error.byte_offset, error.line)


def _checked_declared(path, head: bytes, declared: str) -> FileEncoding:
    codec = declared.lower().replace("_", "-")
    if codec in ("utf-8", "utf8"):
        codec = "utf-8-sig"
    try:
        codecs.lookup(codec)
    except LookupError:
        raise UndecodableError(f"unknown encoding {declared!r}", None, None) from None
    found = FileEncoding(codec, _bom_length(head, codec))
    error = _stream_error(path, found)
    if error is None:
        return found
    try:
        detected = detect_file_encoding(path).codec
    except UndecodableError:
        detected = None
    raise UndecodableError(f"not valid {declared} at byte {error.byte_offset}", error.byte_offset, error.line, detected)


def _bom_length(head: bytes, codec: str) -> int:
    """Bytes of a byte-order mark that decoding with `codec` would otherwise keep as U+FEFF."""
    for bom, bom_codec in _BOMS:
        if head.startswith(bom):
            return len(bom) if bom_codec == codec else 0
    return 0


def _stream_error(path, encoding: FileEncoding) -> UndecodableError | None:
    """The first byte `encoding` cannot decode, located by byte and line; None when the whole file decodes."""
    decoder = codecs.getincrementaldecoder(encoding.reading_codec)(errors="strict")
    offset, line = encoding.bom, 1
    with open(path, "rb") as handle:
        handle.seek(encoding.bom)
        while True:
            chunk = handle.read(_CHUNK)
            pending = decoder.getstate()[0]  # bytes of a character split across the previous chunk's end
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                data = pending + chunk
                before = data[: exc.start].decode(encoding.reading_codec, errors="replace")
                bad = offset - len(pending) + exc.start
                return UndecodableError(f"not valid {encoding.codec}", bad, line + before.count("\n"))
            if not chunk:
                return None
            line += text.count("\n")
            offset += len(chunk)


def open_text(path, encoding: FileEncoding):
    """The file as a text stream in `encoding`, lines split at \\n, \\r\\n or \\r and left untranslated."""
    handle = open(path, "rb")
    handle.seek(encoding.bom)
    return io.TextIOWrapper(handle, encoding=encoding.reading_codec, newline="")
