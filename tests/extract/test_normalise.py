"""normalise_text folds forms for matching and never moves a character, so offsets stay valid."""

import time

from hypothesis import given
from hypothesis import strategies as st

from jiyi.extract.normalise import normalise_text


def test_traditional_becomes_simplified():
    assert normalise_text("毛澤東在遵義會議上發言") == "毛泽东在遵义会议上发言"
    assert normalise_text("於1935年徵集的檔案") == "于1935年征集的档案"


def test_characters_simplified_text_also_uses_are_left_alone():
    assert normalise_text("乾隆年间，他着手著书，干部") == "乾隆年间,他着手著书,干部"


def test_full_width_forms_spaces_and_controls():
    assert normalise_text("１９３５年") == "1935年"
    assert normalise_text("ＡＢＣ（甲）：１") == "ABC(甲):1"
    assert normalise_text("遵义\u3000会议\xa0记录") == "遵义 会议 记录"
    assert normalise_text("a\x00b\x1bc\rd\x85e\x7f") == "a b c d e "
    assert normalise_text("第一行\n\t第二行") == "第一行\n\t第二行"


def test_look_alike_ideographs_fold_to_the_everyday_ones():
    # Kangxi radicals from PDF text layers, compatibility ideographs from Big5 conversions
    assert normalise_text("\u2f08民\uf900") == "人民豈".replace("豈", "岂")


def test_mixed_chinese_and_english_is_untouched_apart_from_the_mappings():
    text = "Mao Zedong (毛泽东) met Edgar Snow in 1936 at 保安; see pp. 12-15, ISBN 978-7-01."
    assert normalise_text(text) == text
    assert normalise_text("Edgar Snow 訪問 毛澤東，１９３６年") == "Edgar Snow 访问 毛泽东,1936年"


def test_offsets_on_the_result_point_at_the_original():
    original = "一九三五年一月，中共中央在遵義召開政治局擴大會議。"
    normalised = normalise_text(original)
    start = normalised.index("遵义")
    assert original[start : start + 2] == "遵義"


def test_speed_is_over_a_million_characters_a_second():
    text = "中華人民共和國檔案法　第一條 為了加強檔案管理，規範檔案收集。ＡＢＣ１２３\n" * 30_000
    normalise_text("warm up")
    began = time.perf_counter()
    normalise_text(text)
    assert len(text) / (time.perf_counter() - began) > 1_000_000


@given(st.text())
def test_length_is_kept_and_normalising_twice_changes_nothing(text):
    once = normalise_text(text)
    assert len(once) == len(text)
    assert normalise_text(once) == once


@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1))
def test_each_character_is_normalised_on_its_own(text):
    # what makes offsets safe: the result is the characters' results side by side
    assert normalise_text(text) == "".join(normalise_text(ch) for ch in text)
