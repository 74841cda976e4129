"""Chunks are whole sentences whose offsets always point back into the text."""

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chunk import _split_long, approximate_tokens, chunk_document, regions
from ingest.document import Chunk, Span
from ingest.sentences import split_paragraphs, split_sentences

VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
)
alphabet = st.sampled_from(list(VIETNAMESE + VIETNAMESE.upper() + ' .,;:!?…"“”()%/-\n0123456789'))


def chunks_of(text: str, blocks: list[Span], max_tokens: int, overlap: int) -> tuple[Chunk, ...]:
    return chunk_document(
        text,
        split_paragraphs(text, blocks),
        max_tokens=max_tokens,
        overlap_tokens=overlap,
        measure=approximate_tokens,
    )


def blocks_of(text: str) -> list[Span]:
    spans = []
    offset = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = offset + line.index(stripped)
            spans.append(Span(start, start + len(stripped)))
        offset += len(line) + 1
    return spans


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=alphabet, max_size=600), st.integers(8, 80), st.integers(0, 7))
def test_every_chunk_is_an_exact_slice_of_the_document(text, max_tokens, overlap):
    chunks = chunks_of(text, blocks_of(text), max_tokens, overlap)
    for number, chunk in enumerate(chunks):
        assert chunk.index == number
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text == chunk.text.strip() and chunk.text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=alphabet, max_size=600))
def test_chunks_cover_every_word_of_the_blocks(text):
    blocks = blocks_of(text)
    chunks = chunks_of(text, blocks, 20, 4)
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    for block in blocks:
        for pos in range(block.start, block.end):
            assert text[pos].isspace() or pos in covered


def test_numbers_dates_and_document_numbers_stay_inside_one_sentence():
    text = (
        "Năm 2022, kinh tế số chiếm 7,41% GRDP, đạt 1,18 triệu tài khoản. "
        "Có 1.880 tổ công nghệ số theo Nghị quyết 07-NQ/TU ngày 27/10/2021 và "
        "Quyết định 713/QĐ-UBND, Kế hoạch 184/KH-UBND. "
        "Sở TT&TT và UBND TP. Tây Ninh ký ngày 17/10. "
        "Ông nói: “Phải làm ngay.” Sau đó v.v. và kết thúc!"
    )
    sentences = [text[s.start : s.end] for s in split_sentences(text)]
    assert sentences == [
        "Năm 2022, kinh tế số chiếm 7,41% GRDP, đạt 1,18 triệu tài khoản.",
        "Có 1.880 tổ công nghệ số theo Nghị quyết 07-NQ/TU ngày 27/10/2021 và "
        "Quyết định 713/QĐ-UBND, Kế hoạch 184/KH-UBND.",
        "Sở TT&TT và UBND TP. Tây Ninh ký ngày 17/10.",
        "Ông nói: “Phải làm ngay.”",
        "Sau đó v.v. và kết thúc!",
    ]


def test_a_chunk_holds_whole_sentences_up_to_the_limit_with_overlap():
    text = " ".join(f"Câu số {n} nói về chuyển đổi số của tỉnh." for n in range(30))
    chunks = chunks_of(text, [Span(0, len(text))], 60, 20)
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.text.startswith("Câu số") and chunk.text.endswith("tỉnh.")
        assert approximate_tokens(chunk.text) <= 60 + len(split_sentences(chunk.text))
    assert chunks[1].start < chunks[0].end, "consecutive chunks overlap by a sentence"


def test_chunks_never_cross_removed_furniture():
    text = "Đoạn một nói về mục tiêu.\nLượt xem: 365\nĐoạn hai nói về kết quả."
    body = [Span(0, 25), Span(text.index("Đoạn hai"), len(text))]
    chunks = chunks_of(text, body, 200, 0)
    assert [c.text for c in chunks] == ["Đoạn một nói về mục tiêu.", "Đoạn hai nói về kết quả."]


def test_paragraphs_separated_only_by_blank_lines_form_one_region():
    text = "Đoạn một.\n\nĐoạn hai."
    paragraphs = split_paragraphs(text, [Span(0, 9), Span(11, 20)])
    assert regions(text, paragraphs) == [[Span(0, 9), Span(11, 20)]]


def test_a_sentence_longer_than_the_limit_is_cut_at_word_boundaries():
    text = " ".join(["từ"] * 100) + "."
    chunks = chunks_of(text, [Span(0, len(text))], 20, 0)
    assert len(chunks) > 1
    assert all(approximate_tokens(c.text) <= 20 for c in chunks)
    assert " ".join(c.text for c in chunks) == text


def test_a_sentence_ending_in_the_word_so_is_not_an_abbreviation():
    text = "Đạt 8/10 chỉ tiêu về nhận thức số. Đại diện Sở phát biểu."
    assert [text[s.start : s.end] for s in split_sentences(text)] == [
        "Đạt 8/10 chỉ tiêu về nhận thức số.",
        "Đại diện Sở phát biểu.",
    ]


@given(
    st.lists(st.text(alphabet="aăbcdđeêoôơ", min_size=1, max_size=12), min_size=1, max_size=80),
    st.integers(min_value=1, max_value=40),
)
def test_long_sentences_are_cut_into_the_longest_runs_of_words_that_fit(words, limit):
    text = " ".join(words)
    pieces = [text[p.start : p.end] for p in _split_long(text, Span(0, len(text)), limit, len)]
    assert " ".join(pieces) == text
    for n, piece in enumerate(pieces):
        assert len(piece) <= limit or " " not in piece
        if n + 1 < len(pieces):
            assert len(piece + " " + pieces[n + 1].split()[0]) > limit


def test_a_very_long_line_is_measured_a_linear_number_of_times():
    """A line without sentence stops (a table dump, OCR text) is cut piece by piece; no probe
    reaches further than `max_tokens` words, or each piece would measure half the line again."""
    text = " ".join(["số"] * 20_000)
    measured = []

    def counting(piece: str) -> int:
        measured.append(len(piece))
        return len(piece.split())

    pieces = _split_long(text, Span(0, len(text)), 50, counting)
    assert len(pieces) == 400
    assert sum(measured) < 20 * len(text)
