"""The answering logic over hand-built hits: no embedding model, no Chroma.

Three short articles stand in for the store. Each is cut into passages at its blank
lines, with offsets into the article's text, so every citation can be checked against
the text exactly as a stored document's would be.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import pytest

from assistant.answer import NOT_COVERED, NOT_FOUND, NOT_FOUND_FOR, RELATED, draft_answer
from assistant.coverage import (
    Asked,
    asked_quantity,
    asked_unit,
    best_coverage,
    holds_name,
    names_asked,
    states_quantity_of,
)
from assistant.extractive import Candidate, candidates, select
from assistant.question import content_words, intent_of, is_follow_up, resolve
from assistant.record import passage_citation, span_citation
from index.lexical import LexicalIndex
from index.record import StoredChunk, StoredDocument
from index.retrieve import Hit, documents_about, fuse, prefer
from index.weights import FUSION, SELECTION, SENTENCE_SCORE
from ingest.document import Span
from ingest.sentences import split_paragraphs
from ingest.targets import extract_targets
from tests.conftest import ROOT

ARTICLES = {
    "soc-trang": (
        "Kinh tế số Sóc Trăng",
        ("Sóc Trăng",),
        "Kinh tế số Sóc Trăng\n\n"
        "Những con số ấn tượng\n\n"
        "Đến cuối năm 2023, cáp quang đã phủ 100% hộ dân toàn tỉnh Sóc Trăng. "
        "Kinh tế số năm 2022 của tỉnh đạt 7,41% GRDP (so với chỉ tiêu đặt ra là 20%).\n\n"
        "Tháng 10/2023, có 644.136 người có tài khoản thanh toán trực tuyến.",
    ),
    "tuyen-quang": (
        "Tuyên Quang xây dựng chính quyền điện tử",
        ("Tuyên Quang",),
        "Tuyên Quang xây dựng chính quyền điện tử\n\n"
        "Tuyên Quang phấn đấu đến năm 2025 kinh tế số chiếm 20% GRDP.\n\n"
        "Tỉnh có 1.880 tổ công nghệ số cộng đồng.",
    ),
    "tay-ninh": (
        "Tây Ninh đẩy mạnh chuyển đổi số",
        ("Tây Ninh", "Sóc Trăng", "Tuyên Quang"),
        "Tây Ninh đẩy mạnh chuyển đổi số\n\n"
        "Ứng dụng Tây Ninh Smart có hơn 132.000 tài khoản.\n\n"
        "Tỉnh học hỏi kinh nghiệm của Sóc Trăng và Tuyên Quang.",
    ),
}
DIGITAL_ECONOMY = "Sóc Trăng đặt chỉ tiêu kinh tế số bao nhiêu phần trăm GRDP?"
FIGURE = "Kinh tế số năm 2022 của tỉnh đạt 7,41% GRDP (so với chỉ tiêu đặt ra là 20%)."


def _starts(text: str) -> list[int]:
    """Where each passage starts: the article is cut at its blank lines."""
    starts, start = [], 0
    for passage in text.split("\n\n"):
        start = text.index(passage, start)
        starts.append(start)
        start += len(passage)
    return starts


def _pages(text: str) -> tuple[tuple[int, int, int], ...]:
    """One page per passage, with a page break just before FIGURE where it occurs."""
    breaks = [*sorted({*_starts(text), text.find(FIGURE)} - {-1}), len(text)]
    return tuple((n, a, b) for n, (a, b) in enumerate(pairwise(breaks), 1))


def _document(doc_id: str) -> StoredDocument:
    title, provinces, text = ARTICLES[doc_id]
    blocks = (Span(0, len(text)),)
    targets = extract_targets(text, split_paragraphs(text, blocks), f"{doc_id}.txt", provinces)
    return StoredDocument(
        doc_id=doc_id,
        source=f"{doc_id}.txt",
        path=f"data/articles/{doc_id}.txt",
        title=title,
        date="2023-12-01",
        byline=None,
        provinces=provinces,
        merged_provinces=provinces,
        content_hash="0" * 16,
        generation="g1",
        ingested_at="2024-01-01T00:00:00+00:00",
        kind="text",
        chunk_count=len(text.split("\n\n")),
        pages=_pages(text),
        blocks=((0, len(text)),),
        targets=targets,
    )


def _chunks(doc_id: str) -> list[StoredChunk]:
    text = ARTICLES[doc_id][2]
    document = DOCUMENTS[doc_id]
    return [
        StoredChunk(
            chunk_id=f"{doc_id}:g1:{index}",
            doc_id=doc_id,
            source=document.source,
            index=index,
            start=start,
            end=start + len(passage),
            text=passage,
            page=document.page_at(start),
        )
        for index, (start, passage) in enumerate(
            zip(_starts(text), text.split("\n\n"), strict=True)
        )
    ]


DOCUMENTS = {doc_id: _document(doc_id) for doc_id in ARTICLES}
CHUNKS = {c.chunk_id: c for doc_id in ARTICLES for c in _chunks(doc_id)}
IDF = LexicalIndex.of(CHUNKS.values()).idf


def hits(*chunk_ids: str) -> list[Hit]:
    """Hits in the given rank order, scored 1, 1/2, 1/3, ..."""
    return [
        Hit(CHUNKS[cid], 1 / n, DOCUMENTS[CHUNKS[cid].doc_id]) for n, cid in enumerate(chunk_ids, 1)
    ]


ALL = hits(*CHUNKS)


def draft(question: str, found: list[Hit], *, history=(), province=None, closeness=None):
    resolved = resolve(question, list(history))
    return draft_answer(
        question, resolved, found, DOCUMENTS, IDF, province=province, closeness=closeness
    )


def near(words: str, cosine: float, rest: float):
    """A stand-in for the dense model: `cosine` for sentences holding `words`, else `rest`."""
    return lambda texts: [cosine if words in t else rest for t in texts]


def exact(citations) -> None:
    for c in citations:
        text = ARTICLES[c.doc_id][2]
        assert text[c.start : c.end] == c.quote
        assert c.source == f"{c.doc_id}.txt" and c.title == DOCUMENTS[c.doc_id].title


# --- question.py ----------------------------------------------------------------------


def test_intent_names_what_the_question_asks_for():
    assert intent_of(DIGITAL_ECONOMY).number
    assert intent_of("Nghị quyết được ban hành khi nào?").date
    assert intent_of("Nghị quyết được ban hành khi nào?").document
    assert intent_of("Ai là chủ tịch tỉnh?").person
    assert intent_of("Tây Ninh làm gì?") == intent_of("")


def test_content_words_drop_the_words_that_only_shape_a_question():
    assert content_words(DIGITAL_ECONOMY) == [
        "sóc", "trăng", "đặt", "chỉ", "tiêu", "kinh", "tế", "số", "grdp",
    ]  # fmt: skip
    assert content_words("Soc Trang dat chi tieu bao nhieu phan tram?") == [
        "soc", "trang", "dat", "chi", "tieu",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("question", "follows"),
    [
        ("Còn Tuyên Quang thì sao?", True),
        ("Con Tuyen Quang thi sao?", True),
        ("Ứng dụng đó có bao nhiêu tài khoản?", True),
        ("Tuyên Quang?", True),
        (DIGITAL_ECONOMY, False),
        ("Tây Ninh có bao nhiêu tài khoản Tây Ninh Smart?", False),
    ],
)
def test_follow_ups_are_told_from_standalone_questions(question, follows):
    assert is_follow_up(question) is follows


def test_a_follow_up_asks_the_previous_question_about_the_new_province():
    assert resolve("Còn Tuyên Quang thì sao?", [DIGITAL_ECONOMY]) == (
        "Tuyên Quang đặt chỉ tiêu kinh tế số bao nhiêu phần trăm GRDP?"
    )
    unaccented = "Soc Trang dat chi tieu kinh te so bao nhieu?"
    assert resolve("Còn Tuyên Quang thì sao?", [unaccented]) == (
        "Tuyên Quang dat chi tieu kinh te so bao nhieu?"
    )


def test_a_follow_up_without_a_new_province_adds_to_the_previous_question():
    previous = "Tây Ninh có ứng dụng gì?"
    assert resolve("Ứng dụng đó có bao nhiêu tài khoản?", [previous]) == (
        "Tây Ninh có ứng dụng gì; ứng dụng đó có bao nhiêu tài khoản?"
    )


def test_a_follow_up_of_a_follow_up_resolves_through_the_history():
    history = [DIGITAL_ECONOMY, "Còn Tuyên Quang thì sao?"]
    assert resolve("Còn Tây Ninh thì sao?", history).startswith("Tây Ninh đặt chỉ tiêu")
    assert resolve(DIGITAL_ECONOMY, history) == DIGITAL_ECONOMY
    assert resolve("Còn Tuyên Quang thì sao?", []) == "Còn Tuyên Quang thì sao?"


# --- extractive.py --------------------------------------------------------------------


def test_every_sentence_is_a_candidate_with_offsets_into_the_document():
    found = candidates(DIGITAL_ECONOMY, ALL, IDF)
    assert len(found) == len({(c.hit.chunk.doc_id, c.start) for c in found}) == 11
    for c in found:
        assert ARTICLES[c.hit.chunk.doc_id][2][c.start : c.end] == c.text
    assert found[0].text == FIGURE
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)


def test_a_heading_that_repeats_the_question_ranks_below_the_sentence_that_answers():
    found = candidates("Kinh tế số của Sóc Trăng đạt bao nhiêu?", ALL, IDF)
    title = next(c for c in found if c.text == "Kinh tế số Sóc Trăng")
    assert found[0].text == FIGURE
    assert title.coverage > found[0].coverage


def test_sentences_of_preferred_documents_and_higher_ranks_score_more():
    question = "tỉnh đạt bao nhiêu"
    plain = candidates(question, hits("soc-trang:g1:2"), IDF)[0]
    preferred = candidates(question, hits("soc-trang:g1:2"), IDF, {"soc-trang"})[0]
    lower = candidates(question, hits("tay-ninh:g1:1", "soc-trang:g1:2"), IDF)
    lower = next(c for c in lower if c.hit.chunk.doc_id == "soc-trang")
    assert preferred.score == pytest.approx(plain.score + SENTENCE_SCORE.province)
    assert lower.score == pytest.approx(plain.score - SENTENCE_SCORE.rank / 2)


def test_satisfied_terms_are_not_asked_of_a_sentence():
    found = candidates(DIGITAL_ECONOMY, hits("soc-trang:g1:2"), IDF)
    figure = next(c for c in found if c.text == FIGURE)
    assert "~soc" not in figure.terms and figure.coverage < 1
    satisfied = frozenset({"sóc", "trăng", "~soc", "~trang"})
    found = candidates(DIGITAL_ECONOMY, hits("soc-trang:g1:2"), IDF, satisfied=satisfied)
    assert next(c for c in found if c.text == FIGURE).coverage > figure.coverage


def test_without_the_model_a_sentence_is_scored_on_the_questions_words_alone():
    for c in candidates(DIGITAL_ECONOMY, ALL, IDF):
        assert c.cosine is None and c.score == c.lexical


def test_the_dense_cosine_adds_its_weight_scaled_between_the_questions_candidates():
    question = "Tỉnh có bao nhiêu người dùng dịch vụ trực tuyến?"
    closeness = near("644.136", 0.86, 0.80)
    found = candidates(question, ALL, IDF, closeness=closeness)
    assert found[0].text.startswith("Tháng 10/2023") and found[0].cosine == 0.86
    assert found[0].score == pytest.approx(found[0].lexical + SENTENCE_SCORE.dense)
    for c in found[1:]:
        assert c.cosine == 0.80 and c.score == pytest.approx(c.lexical)
    # Only the order of the cosines counts: a uniform shift changes nothing.
    shifted = candidates(question, ALL, IDF, closeness=near("644.136", 0.96, 0.90))
    assert [c.score for c in shifted] == pytest.approx([c.score for c in found])
    flat = candidates(question, ALL, IDF, closeness=near("644.136", 0.8, 0.8))
    assert all(c.score == c.lexical for c in flat)


def test_a_runner_up_is_judged_without_the_best_sentences_dense_bonus():
    best = replace(_candidate("soc-trang", 1.0 + SENTENCE_SCORE.dense, "a"), lexical=1.0)
    runner = _candidate("tuyen-quang", SELECTION.runner_up + 0.01, "b")
    assert select([best, runner]) == [best, runner]


def test_a_question_no_sentence_is_close_to_is_not_answered():
    question = "Tháng 10/2023 có bao nhiêu người có tài khoản thanh toán trực tuyến?"
    far = SELECTION.min_cosine - 0.01
    answered = draft(question, ALL, closeness=near("644.136", SELECTION.min_cosine, far))
    assert not answered.record.abstained and "644.136" in answered.record.answer
    refused = draft(question, ALL, closeness=near("644.136", far, far - 0.05))
    assert refused.record.abstained and refused.record.answer.startswith(NOT_FOUND)
    assert refused.record.related and not refused.record.citations


def _coverage(question: str, chunk_ids, satisfied=()) -> float:
    return best_coverage(question, [CHUNKS[c].text for c in chunk_ids], IDF, satisfied)


def test_coverage_is_the_best_passages_share_of_the_topic():
    assert _coverage(DIGITAL_ECONOMY, ["soc-trang:g1:2"], ["sóc", "trăng"]) > 0.9
    assert _coverage(DIGITAL_ECONOMY, ["tay-ninh:g1:1"]) == 0.0
    assert _coverage("Giá vé máy bay đi Paris là bao nhiêu?", CHUNKS) == 0.0
    assert _coverage("bao nhiêu là gì?", CHUNKS) == 0.0


def test_a_syllable_alone_in_another_word_counts_weakly():
    # "kinh tế" stands in the passage, "số" does too but never as "tế số" or "số Sóc".
    text = "Kinh tế địa phương tăng; số hộ dân dùng cáp quang tăng."
    paired = best_coverage("kinh tế số", ["Kinh tế số tăng."], IDF, ())
    alone = best_coverage("kinh tế số", [text], IDF, ())
    assert paired == 1.0 and 0.5 < alone < 1.0


def test_accented_words_are_not_stopwords_of_their_bare_form():
    assert content_words("Thủ đô của nước Pháp là gì?") == ["thủ", "đô", "nước", "pháp"]
    assert content_words("thu do cua nuoc phap la gi") == ["thu", "nuoc", "phap"]


def test_a_how_many_question_needs_a_number_of_what_it_counts():
    assert asked_unit("Tây Ninh có bao nhiêu tổ công nghệ số?") == ("to", "cong")
    groups = asked_quantity("Tây Ninh có bao nhiêu tổ công nghệ số?")
    assert groups == Asked(("to", "cong"), None, False)
    assert states_quantity_of(groups, "Toàn tỉnh hiện có 1.871 tổ công nghệ số.")
    assert not states_quantity_of(groups, "Ứng dụng có hơn 132.000 tài khoản.")
    assert states_quantity_of(Asked(("%",), None, False), "Kinh tế số đạt 7,41% GRDP.")
    assert asked_unit("Kinh tế số chiếm bao nhiêu phần trăm GRDP?") == ("%",)
    assert asked_unit("Chỉ tiêu là bao nhiêu?") == ()
    assert asked_quantity("Chỉ tiêu là bao nhiêu?") is None


def test_the_word_before_how_many_is_followed_by_the_number_not_preceded():
    services = asked_quantity("Sóc Trăng cung cấp bao nhiêu dịch vụ công trực tuyến?")
    assert services == Asked(("dich", "vu"), "cap", False)
    assert not states_quantity_of(services, "Hệ thống được triển khai ở cả 3 cấp tỉnh, huyện, xã.")
    assert states_quantity_of(services, "Tỉnh cung cấp 1.200 dịch vụ công trực tuyến.")
    below = asked_quantity("Điểm trung bình dưới bao nhiêu điểm thì bị cảnh báo?")
    assert states_quantity_of(below, "Sinh viên có điểm trung bình dưới 4,0 bị cảnh báo.")


def test_an_ordinal_question_needs_a_rank():
    asked = asked_quantity("Nghị quyết được ban hành sau Đại hội lần thứ mấy?")
    assert asked == Asked((), None, True)
    assert asked_quantity("Tây Ninh xếp hạng bao nhiêu về DTI?") == Asked((), None, True)
    assert states_quantity_of(asked, "Sau Đại hội Đảng bộ tỉnh lần thứ XI, tỉnh ban hành...")
    assert states_quantity_of(asked, "Sóc Trăng đứng hạng 57.")
    assert states_quantity_of(asked, "Tỉnh xếp thứ hai cả nước.")
    assert not states_quantity_of(asked, "Bí thư xi măng thu hút đầu tư.")


def _candidate(doc_id: str, score: float, *terms: str) -> Candidate:
    hit = hits(f"{doc_id}:g1:1")[0]
    text = hit.chunk.text
    start = hit.chunk.start
    return Candidate(
        hit, 0, start, start + len(text), text, 0.5, score, score, frozenset(terms), None
    )


def test_runners_up_must_be_close_and_add_a_term_the_answer_lacks():
    best = _candidate("soc-trang", 1.0, "a")
    close_new = _candidate("tuyen-quang", SELECTION.runner_up + 0.01, "b")
    close_same = _candidate("tay-ninh", 0.95, "a")
    far_new = _candidate("tay-ninh", SELECTION.runner_up - 0.01, "c")
    # A budget the answer fills exactly: no filling (see test_selection.py), only the
    # runner-up rule.
    exact = len(best.text) + len(close_new.text)
    assert select([best, close_same, close_new, far_new], budget=exact) == [best, close_new]
    assert select([best, far_new], budget=0) == [best]
    assert select([]) == []
    many = [_candidate("tay-ninh", 1 - n / 100, str(n)) for n in range(6)]
    assert select(many) == many[: SELECTION.sentences]
    assert select(many, limit=1) == many[:1]


def test_a_comparison_takes_the_best_sentence_of_each_province():
    best = _candidate("soc-trang", 1.0, "a")
    other = _candidate("tuyen-quang", 0.2, "a")
    spread = ({"soc-trang"}, {"tuyen-quang"})
    assert select([best, other], spread=spread) == [best, other]
    unrelated = replace(other, coverage=0.0)
    assert select([best, unrelated], spread=spread) == [best]


# --- answer.py ------------------------------------------------------------------------


def test_the_answer_quotes_the_best_sentence_with_its_marker():
    # Not a target question (those are answered from the table): what the share was.
    result = draft("Kinh tế số của Sóc Trăng năm 2022 chiếm bao nhiêu phần trăm GRDP?", ALL)
    record = result.record
    assert not record.abstained and record.answerer == "extractive"
    assert record.answer == f"{FIGURE} [1]"
    (citation,) = record.citations
    assert citation.marker == 1 and citation.chunk_id == "soc-trang:g1:2"
    assert citation.page == 4 and citation.provinces == ("Sóc Trăng",)
    exact(record.citations)
    assert [c.chunk_id for c in record.contexts] == list(CHUNKS)
    assert record.related == [] and record.resolved_question is None
    assert result.rewordable


def test_a_question_about_a_province_is_answered_from_its_documents_only():
    found = hits("tuyen-quang:g1:1", "tay-ninh:g1:2", "soc-trang:g1:2")
    record = draft(DIGITAL_ECONOMY, found).record
    assert [c.doc_id for c in record.citations] == ["soc-trang"]
    assert [c.doc_id for c in record.contexts] == ["tuyen-quang", "tay-ninh", "soc-trang"]


def test_a_follow_up_is_answered_from_the_new_provinces_document():
    record = draft("Còn Tuyên Quang thì sao?", ALL, history=[DIGITAL_ECONOMY]).record
    assert record.resolved_question == resolve("Còn Tuyên Quang thì sao?", [DIGITAL_ECONOMY])
    assert not record.abstained
    assert record.citations[0].doc_id == "tuyen-quang" and "20% GRDP" in record.answer
    exact(record.citations)


def test_a_comparison_cites_both_provinces():
    question = "Sóc Trăng và Tuyên Quang đặt mục tiêu kinh tế số bao nhiêu phần trăm GRDP?"
    record = draft(question, ALL).record
    assert {c.doc_id for c in record.citations} == {"soc-trang", "tuyen-quang"}
    assert record.answer.count("[") == len(record.citations) == 2
    exact(record.citations)


def test_a_question_the_passages_do_not_cover_is_not_answered():
    result = draft("Giá vé máy bay đi Paris tháng này là bao nhiêu?", ALL)
    record = result.record
    assert record.abstained and record.citations == []
    assert record.answer == NOT_FOUND + " " + RELATED
    assert [c.chunk_id for c in record.related] == list(CHUNKS)[: SELECTION.related]
    assert [c.marker for c in record.related] == [1, 2, 3]
    exact(record.related)
    assert result.rewordable


def test_without_passages_the_answer_says_so_and_lists_nothing():
    result = draft(DIGITAL_ECONOMY, [])
    assert result.record.abstained
    assert result.record.answer == NOT_FOUND_FOR.format(places="Sóc Trăng")
    assert result.record.related == [] and not result.rewordable


def test_a_province_question_is_answered_from_its_documents_or_not_at_all():
    tuyen_quang = [h for h in ALL if h.chunk.doc_id == "tuyen-quang"]
    typed = "tay ninh co bao nhieu to cong nghe so cong dong"
    result = draft(typed, tuyen_quang)
    assert result.record.abstained and result.record.citations == []
    assert result.record.answer == NOT_FOUND_FOR.format(places="Tây Ninh") + " " + RELATED
    assert [c.doc_id for c in result.record.related] == ["tuyen-quang"] * len(tuyen_quang)


def test_a_province_no_document_is_about_is_named_in_the_abstention():
    result = draft("Đà Nẵng đặt mục tiêu kinh tế số bao nhiêu phần trăm GRDP?", ALL)
    assert result.record.abstained and result.record.citations == []
    assert result.record.answer == NOT_COVERED.format(places="Đà Nẵng") + " " + RELATED
    assert len(result.record.related) == SELECTION.related
    assert not result.rewordable


def test_a_document_is_about_the_provinces_it_names_most():
    # Tây Ninh's article names Sóc Trăng, then Tuyên Quang, less: an aside past the second.
    assert documents_about(DOCUMENTS, ("Tây Ninh",)) == {"tay-ninh"}
    assert documents_about(DOCUMENTS, ("Sóc Trăng",)) == {"soc-trang", "tay-ninh"}
    assert documents_about(DOCUMENTS, ("Tuyên Quang",)) == {"tuyen-quang"}
    assert documents_about(DOCUMENTS, ("Đà Nẵng", "Tây Ninh")) == {"tay-ninh"}


def test_a_province_filter_without_documents_says_so_plainly():
    record = draft(DIGITAL_ECONOMY, [], province="Đà Nẵng").record
    assert record.abstained and record.answer == NOT_COVERED.format(places="Đà Nẵng")


def test_list_questions_are_answered_from_the_targets_table_one_cited_line_per_row():
    result = draft("Tỉnh nào đặt mục tiêu kinh tế số 20% GRDP?", ALL)
    record = result.record
    assert record.answerer == "targets-table" and not record.abstained
    assert [c.doc_id for c in record.citations] == ["soc-trang", "tuyen-quang"]
    lines = record.answer.splitlines()
    assert (
        lines[1] == "- Sóc Trăng – kinh tế số / GRDP: mục tiêu 20%; đạt 7,41% (2022) – chưa đạt [1]"
    )
    assert lines[2].startswith("- Tuyên Quang – kinh tế số / GRDP: mục tiêu 20% đến 2025")
    assert all(c.chunk_id == "" and c.score == 1.0 for c in record.citations)
    exact(record.citations)
    assert not result.rewordable


def test_a_list_question_the_table_cannot_answer_falls_back_to_sentences():
    listing = draft("Liệt kê các chỉ tiêu của Tây Ninh", ALL).record
    assert listing.answerer == "targets-table"
    assert listing.answer.endswith("\n- Tây Ninh – tài khoản ứng dụng: đạt hơn 132.000 [1]")
    record = draft("Liệt kê các chỉ tiêu về hóa đơn điện tử", ALL).record
    assert record.answerer == "extractive"
    assert all(c.chunk_id for c in record.citations)


# --- citations and retrieval's pure parts ---------------------------------------------


def test_a_passage_citation_is_its_chunk_and_a_span_citation_its_span():
    hit = hits("soc-trang:g1:2")[0]
    passage = passage_citation(4, hit)
    assert (passage.marker, passage.quote, passage.start) == (4, hit.chunk.text, hit.chunk.start)
    assert passage.score == 1.0 and passage.page == 3
    text = ARTICLES["soc-trang"][2]
    start = text.index(FIGURE)
    span = span_citation(
        1,
        DOCUMENTS["soc-trang"],
        start=start,
        end=start + len(FIGURE),
        quote=FIGURE,
        chunk_id="soc-trang:g1:2",
        score=0.123456,
    )
    assert span.score == 0.1235 and span.page == 4 and span.doc_id == "soc-trang"
    exact([passage, span])


def _ranking(*chunk_ids: str) -> list[tuple[str, float]]:
    return [(cid, 1.0) for cid in chunk_ids]


def test_fusion_adds_each_lists_weighted_reciprocal_rank():
    dense = _ranking("soc-trang:g1:0", "tay-ninh:g1:1")
    lexical = _ranking("tay-ninh:g1:1", "soc-trang:g1:2")
    fused = fuse([(0.4, dense), (1.0, lexical)], rrf_k=2)
    assert [cid for cid, _ in fused] == ["tay-ninh:g1:1", "soc-trang:g1:2", "soc-trang:g1:0"]
    assert [score for _, score in fused] == pytest.approx([0.4 / 4 + 1 / 3, 1 / 4, 0.4 / 3])


def test_preferring_documents_moves_their_passages_first_in_their_own_order():
    ranking = _ranking("tay-ninh:g1:1", "soc-trang:g1:2", "tuyen-quang:g1:1", "soc-trang:g1:0")
    preferred = prefer(ranking, {"soc-trang"})
    assert [cid for cid, _ in preferred] == [
        "soc-trang:g1:2", "soc-trang:g1:0", "tay-ninh:g1:1", "tuyen-quang:g1:1",
    ]  # fmt: skip


def test_the_readme_states_the_weights_the_code_uses():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    fusion = f"(`k = {FUSION.rrf_k}`, dense weight {FUSION.dense}, lexical {FUSION.lexical})"
    assert fusion in readme
    assert f"at least {SELECTION.min_coverage:.0%}" in readme


def test_an_answer_leads_with_its_short_answer_and_an_abstention_has_none():
    answered = draft(DIGITAL_ECONOMY, ALL).record
    assert not answered.abstained and answered.short_answer
    assert "20%" in answered.short_answer and len(answered.short_answer) <= 80
    abstained = draft("Giá vé máy bay đi Paris tháng này là bao nhiêu?", ALL).record
    assert abstained.abstained and abstained.short_answer is None


def test_a_target_question_is_answered_from_the_cited_table_row():
    record = draft("Mục tiêu kinh tế số của Sóc Trăng là bao nhiêu?", ALL).record
    assert record.answerer == "targets-table" and not record.abstained
    assert [c.quote for c in record.citations] == [FIGURE]
    assert record.short_answer is not None and record.short_answer.startswith("20% (chỉ tiêu")
    exact(record.citations)


def test_a_number_may_stand_a_few_words_after_the_measure_asked():
    power = asked_quantity("Trung tâm dữ liệu có công suất bao nhiêu?")
    assert power == Asked((), "suat", False)
    assert states_quantity_of(power, "Trung tâm có công suất là khoảng 500 kW.")
    assert not states_quantity_of(power, "Trung tâm dữ liệu đặt tại thành phố Hạ Long.")


def test_a_machine_is_not_how_many_when_the_question_has_accents():
    assert asked_quantity("Instagram hỗ trợ cho máy điện thoại nào?") is None
    assert asked_quantity("may dien thoai") == Asked(("dien", "thoai"), None, False)


def test_a_follow_up_counts_what_its_own_part_asks():
    resolved = "Quảng Ninh đặt chỉ tiêu tỷ lệ là bao nhiêu; chỉ tiêu đó là cho năm nào?"
    assert asked_quantity(resolved) is None


def test_each_part_of_a_resolved_follow_up_is_compared_as_it_was_typed():
    resolved = "Ung dung Tay Ninh Smart co bao nhieu tai khoan; ứng dụng đó dành cho ai?"
    text = "Ứng dụng Tây Ninh Smart dành cho người dân và doanh nghiệp."
    assert best_coverage(resolved, [text], IDF, ()) > 0.8


def test_a_name_the_question_asks_about_must_be_named_by_a_passage():
    assert names_asked("Quảng Ninh xếp hạng bao nhiêu về chỉ số PCI năm 2022?") == ["PCI"]
    assert names_asked("Sóc Trăng có bao nhiêu trạm 5G?") == ["5G"]
    assert names_asked("Trí tuệ nhân tạo ChatGPT do công ty nào phát triển?") == ["ChatGPT"]
    assert names_asked("SÓC TRĂNG CÓ BAO NHIÊU TRẠM 5G?") == []  # all capitals
    assert names_asked("Bao nhie6i câu lạc bộ?") == []  # a typo, not a code
    assert not holds_name("5G", "Hạ tầng mạng 3G, 4G phủ 100% xã.")
    assert holds_name("5G", "Thử nghiệm mạng 5 G tại thành phố.")
    assert holds_name("GRDP", "kinh tế số chiếm 20% tổng sản phẩm trên địa bàn")
    assert holds_name("THCP", "TCHP học lại (TCHPHL): là tín chỉ học phí")  # one typo
    assert not holds_name("PCI", "chỉ số PAPI của tỉnh")  # three letters: exact only
