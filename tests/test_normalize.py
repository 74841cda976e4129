"""One normalization for indexing and querying: NFC/NFD, tone placement, case, accents."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from ingest.normalize import (
    canonical_tones,
    fold,
    has_diacritics,
    lexical_terms,
    query_terms,
    strip_diacritics,
    words,
)


def test_old_and_new_tone_placement_fold_to_one_form():
    assert fold("hoà bình") == fold("hòa bình") == "hòa bình"
    assert fold("Uỷ ban") == fold("Ủy ban") == "ủy ban"
    assert fold("Thuỷ") == fold("Thủy")
    assert fold("khoẻ") == fold("khỏe")


def test_qu_and_closed_syllables_keep_their_tone_where_it_is():
    assert canonical_tones("quý") == "quý"
    assert canonical_tones("hoàn thành") == "hoàn thành"
    assert canonical_tones("hoạch") == "hoạch"


def test_nfd_input_folds_like_nfc():
    text = "Sóc Trăng hoà nhập"
    assert fold(unicodedata.normalize("NFD", text)) == fold(text)


def test_stripping_diacritics_gives_what_people_type_without_accents():
    assert strip_diacritics("Đà Nẵng, Sóc Trăng") == "Da Nang, Soc Trang"
    assert not has_diacritics("Soc Trang") and has_diacritics("Sóc Trăng")


def test_numbers_dates_and_percentages_stay_whole_words():
    assert words("đạt 7,41% GRDP; 1.880 tổ; ngày 17/10/2022") == [
        "đạt", "7,41%", "grdp", "1.880", "tổ", "ngày", "17/10/2022",
    ]  # fmt: skip


def test_a_question_without_accents_is_looked_up_by_accent_free_terms_only():
    assert query_terms("Soc Trang") == ["~soc", "~trang"]
    assert query_terms("Sóc Trăng") == ["sóc", "trăng", "~soc", "~trang"]


@given(st.text())
def test_folding_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


def test_a_passage_is_indexed_under_both_forms_of_every_abbreviation_it_uses():
    terms = lexical_terms("Chỉ số chuyển đổi số (DTI) và dịch vụ công trực tuyến của UBND")
    # Overlapping long forms each count: "chuyển đổi số" inside "chỉ số chuyển đổi số",
    # "dịch vụ công" inside "dịch vụ công trực tuyến".
    for short in ("dti", "cđs", "dvc", "dvctt", "ubnd"):
        assert short in terms
    assert "ủy" in terms and "~uy" in terms


def test_an_abbreviation_inside_a_longer_word_does_not_count():
    assert "tổng" not in lexical_terms("Mã GRDPX và UBNDS không phải viết tắt")


@given(st.text(alphabet="aeouyAEOUYqhnđ \u0300\u0301\u0303\u0309\u0323.,"))
def test_tone_placement_does_not_depend_on_the_words_around(text):
    # Tones are moved word by word: a text folds to the concatenation of its parts.
    assert canonical_tones(text + " " + text) == canonical_tones(text) + " " + canonical_tones(text)
