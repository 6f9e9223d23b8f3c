"""Labels in both scripts, pinyin and English, as the graph publishes them."""

from pyoxigraph import Literal

from jiyi.graph.labels import english, entity_labels, romanise, scripts, written_tag
from jiyi.model import EntityType


def tagged(labels: list[Literal]) -> dict[str, str]:
    return {label.language: label.value for label in labels}


def test_a_name_gets_both_scripts_pinyin_and_english():
    assert tagged(entity_labels("毛泽东", EntityType.PER)) == {
        "zh-hans": "毛泽东", "zh-hant": "毛澤東", "zh-latn-pinyin": "Máo Zédōng", "en": "Mao Zedong"}


def test_traditional_input_is_tagged_as_written_and_converted():
    assert written_tag("遵義會議") == "zh-Hant" and written_tag("遵义会议") == "zh-Hans"
    assert scripts("遵義會議") == ("遵义会议", "遵義會議")
    assert tagged(entity_labels("毛澤東", EntityType.PER))["zh-hans"] == "毛泽东"


def test_surnames_are_read_as_surnames():
    assert romanise("曾国藩", EntityType.PER) == "Zēng Guófān"  # not céng
    assert romanise("欧阳修", EntityType.PER) == "Ōuyáng Xiū"  # a two-character surname
    assert english("单雄信", EntityType.PER) == "Shan Xiongxin"


def test_pinyin_words_follow_the_orthography():
    assert romanise("延安", EntityType.LOC) == "Yán'ān"  # apostrophe before a syllable starting with a vowel
    assert romanise("中共中央政治局", EntityType.ORG) == "Zhōnggòng Zhōngyāng Zhèngzhìjú"
    assert romanise("遵义县", EntityType.LOC) == "Zūnyì Xiàn"


def test_english_only_where_english_romanises():
    assert english("遵义县", EntityType.LOC, in_gazetteer=True) == "Zunyi County"
    assert english("陕西", EntityType.LOC, in_gazetteer=True) == "Shaanxi"  # not Shanxi, which is 山西
    assert english("中华人民共和国", EntityType.LOC) == ""  # not a gazetteer place: translated, not romanised
    assert english("中共中央政治局", EntityType.ORG) == "" and "en" not in tagged(entity_labels("遵义会议", EntityType.EVENT))
