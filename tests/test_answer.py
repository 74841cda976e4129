"""Answers in Vietnamese, backed by exact quotes, on the five bundled articles."""

from __future__ import annotations

import re
import unicodedata

import pytest

from assistant.answer import NOT_FOUND
from index.retrieve import MODES

SOC_TRANG = "soc-trang-cam-ket-nguoi-dung-dau.txt"
QUESTION = "Sóc Trăng đặt chỉ tiêu kinh tế số bao nhiêu phần trăm GRDP?"


def quotes_are_exact(record, store) -> None:
    for citation in [*record.citations, *record.related]:
        text = store.document_text(citation.doc_id)
        assert text[citation.start : citation.end] == citation.quote


def test_the_digital_economy_target_is_answered_with_both_figures_and_a_quote(
    corpus_assistant, corpus_store
):
    record = corpus_assistant.ask(QUESTION)
    assert not record.abstained
    assert "20%" in record.answer and "7,41%" in record.answer
    assert record.citations[0].source == SOC_TRANG
    assert "[1]" in record.answer
    quotes_are_exact(record, corpus_store)


def test_every_number_in_an_answer_appears_in_a_cited_passage(corpus_assistant):
    for question in (QUESTION, "Tây Ninh có bao nhiêu tài khoản Tây Ninh Smart?"):
        record = corpus_assistant.ask(question)
        cited = " ".join(c.quote for c in record.citations)
        for number in re.findall(r"\d+(?:[.,/]\d+)*%?", record.answer):
            if not re.fullmatch(r"\d", number):
                assert number in cited or f"[{number}]" in record.answer


@pytest.mark.parametrize(
    "question",
    [
        "Soc Trang dat chi tieu kinh te so bao nhieu phan tram GRDP?",
        unicodedata.normalize("NFD", QUESTION),
        "SÓC TRĂNG ĐẶT CHỈ TIÊU KINH TẾ SỐ BAO NHIÊU PHẦN TRĂM GRDP?",
    ],
)
def test_questions_without_diacritics_in_nfd_or_upper_case_get_the_same_answer(
    corpus_assistant, question
):
    record = corpus_assistant.ask(question)
    assert not record.abstained and "7,41%" in record.answer


def test_old_tone_placement_in_the_question_still_finds_the_passage(corpus_assistant):
    record = corpus_assistant.ask("Uỷ ban nhân dân tỉnh Quảng Ninh cho ý kiến về kế hoạch gì?")
    assert not record.abstained
    assert record.citations[0].source.startswith("quang-ninh")


def test_a_province_outside_the_documents_is_answered_with_an_abstention(corpus_assistant):
    record = corpus_assistant.ask("Đà Nẵng đặt mục tiêu kinh tế số bao nhiêu phần trăm GRDP?")
    assert record.abstained and record.citations == []
    assert "Đà Nẵng" in record.answer
    assert record.related, "nearest passages are offered as reading"


def test_a_question_outside_the_corpus_is_not_answered(corpus_assistant, corpus_store):
    record = corpus_assistant.ask("Giá vé máy bay từ Hà Nội đi Paris tháng này là bao nhiêu?")
    assert record.abstained
    assert record.answer.startswith(NOT_FOUND) or "không có thông tin" in record.answer
    quotes_are_exact(record, corpus_store)


def test_a_follow_up_asks_the_previous_question_about_the_new_province(corpus_assistant):
    record = corpus_assistant.ask("Còn Tuyên Quang thì sao?", history=[QUESTION])
    assert "Tuyên Quang" in (record.resolved_question or "")
    assert not record.abstained
    assert record.citations[0].source.startswith("tuyen-quang")
    assert "20%" in record.answer


def test_a_merged_province_name_finds_the_old_provinces_documents(corpus_assistant):
    record = corpus_assistant.ask(QUESTION, province="Cần Thơ")
    assert all(c.source == SOC_TRANG for c in record.contexts)
    assert not record.abstained


def test_the_province_filter_restricts_passages(corpus_assistant):
    record = corpus_assistant.ask("kết quả chuyển đổi số", province="Tây Ninh")
    assert record.contexts and all(c.source.startswith("tay-ninh") for c in record.contexts)


@pytest.mark.parametrize("mode", MODES)
def test_every_retrieval_mode_finds_the_article(corpus_assistant, mode):
    record = corpus_assistant.ask(QUESTION, retrieval=mode)
    assert record.contexts[0].source == SOC_TRANG


def test_list_questions_are_answered_from_the_targets_table_each_item_cited(
    corpus_assistant, corpus_store
):
    record = corpus_assistant.ask("Tỉnh nào đặt mục tiêu kinh tế số 20% GRDP?")
    assert record.answerer == "targets-table"
    sources = {c.source for c in record.citations}
    assert SOC_TRANG in sources and "tuyen-quang-chinh-quyen-dien-tu.txt" in sources
    assert record.answer.count("[") == len(record.citations)
    quotes_are_exact(record, corpus_store)

    listing = corpus_assistant.ask("Liệt kê các chỉ tiêu chuyển đổi số của Sóc Trăng")
    assert listing.citations and all(c.source == SOC_TRANG for c in listing.citations)


def test_the_record_has_the_documented_json_shape(corpus_assistant):
    data = corpus_assistant.ask(QUESTION).to_json()
    assert list(data)[:5] == ["id", "question", "answer", "abstained", "citations"]
    citation = data["citations"][0]
    for key in ("source", "title", "date", "page", "quote", "start", "end", "chunk_id", "score"):
        assert key in citation
    assert {"source", "chunk_id", "text", "score"} <= set(data["contexts"][0])
    assert data["latency_ms"] > 0


def test_the_searcher_serves_langchain_as_a_retriever(corpus_assistant, corpus_store):
    from index.langchain_retriever import HybridRetriever

    retriever = HybridRetriever(searcher=corpus_assistant.searcher, k=3, mode="hybrid")
    documents = retriever.invoke("kinh tế số chiếm 7,41% GRDP")
    assert len(documents) == 3
    first = documents[0]
    assert first.metadata["source"] == SOC_TRANG
    text = corpus_store.document_text(first.metadata["doc_id"])
    assert text[first.metadata["start"] : first.metadata["end"]] == first.page_content


def test_filtering_by_a_province_without_documents_says_so(corpus_assistant):
    record = corpus_assistant.ask(QUESTION, province="Đà Nẵng")
    assert record.abstained and "Đà Nẵng" in record.answer
