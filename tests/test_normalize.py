"""One normalization for indexing and querying: NFC/NFD, tone placement, case, accents."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from ingest.normalize import (
    canonical_tones,
    fold,
    has_diacritics,
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
