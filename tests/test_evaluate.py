"""How the evaluation runner scores answer records and reports the totals.

The answer records are built by hand and handed back by a tiny `ask`, so these
tests need neither an index nor a model.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from matplotlib.image import imread

from assistant.evaluation.questions import EvalQuestion
from assistant.evaluation.report import write_report
from assistant.evaluation.runner import run_questions
from assistant.evaluation.scoring import Result, contains_fact
from assistant.evaluation.thresholds import check_thresholds, parse_thresholds
from assistant.evaluation.totals import summarize
from assistant.record import AnswerRecord, Citation, Context

DOCS = {
    "doc-st": "Sóc Trăng đặt mục tiêu kinh tế số chiếm 20% GRDP vào năm 2025.",
    "doc-tq": "Tuyên Quang có 1.871 tổ công nghệ số cộng đồng với 10.257 thành viên.",
}
SOURCES = {"doc-st": "soc-trang.txt", "doc-tq": "tuyen-quang.txt"}


def context(doc_id: str, rank_score: float = 0.5) -> Context:
    text = DOCS[doc_id]
    return Context(SOURCES[doc_id], f"{doc_id}#0", text, rank_score, doc_id, 0, len(text))


def citation(doc_id: str, phrase: str, *, quote: str | None = None, marker: int = 1) -> Citation:
    """A citation of `phrase` in the document; `quote` overrides the quoted text."""
    start = DOCS[doc_id].index(phrase)
    return Citation(
        marker=marker,
        source=SOURCES[doc_id],
        title=SOURCES[doc_id],
        date=None,
        page=None,
        quote=phrase if quote is None else quote,
        start=start,
        end=start + len(phrase),
        chunk_id=f"{doc_id}#0",
        score=0.5,
        doc_id=doc_id,
    )


def record(
    answer: str,
    *,
    abstained: bool = False,
    citations: list[Citation] | None = None,
    contexts: list[Context] | None = None,
    latency_ms: float = 100.0,
) -> AnswerRecord:
    return AnswerRecord(
        question="",
        answer=answer,
        abstained=abstained,
        citations=citations or [],
        contexts=contexts or [],
        latency_ms=latency_ms,
    )


def question(qid: str, text: str = "?", **fields) -> EvalQuestion:
    return EvalQuestion(id=qid, question=text, **fields)


def evaluate(
    tmp_path: Path, answers: dict[str, AnswerRecord], questions: list[EvalQuestion]
) -> list[Result]:
    """Run the questions through an `ask` that hands back `answers[question.id]`."""

    def ask(q: EvalQuestion, history: list[str]) -> AnswerRecord:
        return answers[q.id]

    return run_questions(questions, ask, tmp_path / "results.jsonl", document_text=DOCS.get)


# -- key facts ---------------------------------------------------------------


def test_key_fact_found_in_nfd_answer_with_old_tone_placement_and_other_case():
    answer = unicodedata.normalize("NFD", "Ủy ban tỉnh HOÀ BÌNH đã duyệt")
    assert contains_fact(answer, "ủy ban tỉnh hòa bình")
    assert contains_fact("UỶ BAN", "ủy ban")


def test_key_fact_found_across_collapsed_whitespace():
    assert contains_fact("đạt 7,41%\n  GRDP", "7,41% GRDP")
    assert contains_fact("ngày\u00a027/10/2021", "ngày 27/10/2021")


def test_key_fact_number_is_not_found_inside_another_number():
    assert not contains_fact("hạng 2057", "57")
    assert not contains_fact("chỉ số 0,5787", "57")
    assert not contains_fact("đạt 120%", "20%")
    assert not contains_fact("tăng 21 bậc", "1 bậc")
    assert not contains_fact("đạt 20,5%", "20")
    assert contains_fact("hạng 57.", "57")
    assert contains_fact("ngày 27/10/2021", "2021")


def test_question_passes_key_facts_only_when_every_group_has_a_match(tmp_path):
    facts = (("07-NQ/TU",), ("27/10/2021", "ngày 27 tháng 10 năm 2021"))
    questions = [
        question("both", key_facts=facts),
        question("alternative", key_facts=facts),
        question("one-missing", key_facts=facts),
    ]
    answers = {
        "both": record("Nghị quyết 07-nq/tu ngày 27/10/2021."),
        "alternative": record("Nghị quyết 07-NQ/TU, ban hành ngày 27 tháng 10 năm 2021."),
        "one-missing": record("Nghị quyết 07-NQ/TU."),
    }
    results = evaluate(tmp_path, answers, questions)
    assert [r.key_facts_passed for r in results] == [True, True, False]
    assert results[2].facts_found == (True, False)
    summary = summarize(results)
    assert summary["key_facts"] == pytest.approx(2 / 3)
    assert summary["key_fact_coverage"] == pytest.approx(5 / 6)
    assert (summary["key_facts_found"], summary["key_facts_total"]) == (5, 6)


def test_abstained_answer_fails_key_facts_even_when_its_text_holds_the_fact(tmp_path):
    questions = [question("q", key_facts=(("20%",),))]
    answers = {"q": record("Không chắc 20% là đúng.", abstained=True)}
    [result] = evaluate(tmp_path, answers, questions)
    assert result.key_facts_passed is False
    assert result.facts_found == (False,)


# -- follow-ups and the results file ----------------------------------------


def test_follow_up_history_is_passed_in_turn_order_whatever_the_file_order(tmp_path):
    questions = [
        question("c2", "Còn Tuyên Quang thì sao?", conversation="c", turn=2),
        question("alone", "Câu hỏi riêng"),
        question("c3", "Bao nhiêu thành viên?", conversation="c", turn=3),
        question("c1", "Sóc Trăng đặt mục tiêu gì?", conversation="c", turn=1),
    ]
    seen: list[tuple[str, list[str]]] = []

    def ask(q: EvalQuestion, history: list[str]) -> AnswerRecord:
        seen.append((q.id, history))
        return record("trả lời")

    run_questions(questions, ask, tmp_path / "out.jsonl", document_text=DOCS.get)
    assert seen == [
        ("c1", []),
        ("c2", ["Sóc Trăng đặt mục tiêu gì?"]),
        ("c3", ["Sóc Trăng đặt mục tiêu gì?", "Còn Tuyên Quang thì sao?"]),
        ("alone", []),
    ]


def test_results_file_has_one_record_per_question_with_its_id_and_unescaped_text(tmp_path):
    shared = record("Sóc Trăng đạt 20%")
    questions = [question("a"), question("b")]
    evaluate(tmp_path, {"a": shared, "b": shared}, questions)
    text = (tmp_path / "results.jsonl").read_text(encoding="utf-8")
    assert "Sóc Trăng" in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["id"] for line in lines] == ["a", "b"]
    assert next(iter(lines[0])) == "id"
    assert lines[0]["answer"] == "Sóc Trăng đạt 20%"
    assert shared.id is None  # the record `ask` returned is not modified


# -- retrieval ----------------------------------------------------------------


def test_hit_at_k_and_mrr_follow_the_rank_of_the_first_right_context(tmp_path):
    other = [context("doc-tq")] * 5
    questions = [
        question("rank1", sources=("soc-trang.txt",)),
        question("rank3", sources=("soc-trang.txt",)),
        question("rank6", sources=("soc-trang.txt",)),
        question("never", sources=("soc-trang.txt",)),
        question("no-sources"),
        question("unanswerable", sources=("soc-trang.txt",), answerable=False),
    ]
    answers = {
        "rank1": record("x", contexts=[context("doc-st"), *other]),
        "rank3": record("x", contexts=[*other[:2], context("doc-st"), context("doc-st")]),
        "rank6": record("x", contexts=[*other, context("doc-st")]),
        "never": record("x", contexts=other),
        "no-sources": record("x", contexts=other),
        "unanswerable": record("x", abstained=True, contexts=other),
    }
    results = evaluate(tmp_path, answers, questions)
    by_id = {r.question.id: r for r in results}
    assert [by_id[q].first_relevant_rank for q in ("rank1", "rank3", "rank6", "never")] == [
        1,
        3,
        6,
        None,
    ]
    assert by_id["no-sources"].hit_at_5 is None
    assert by_id["unanswerable"].reciprocal_rank is None

    summary = summarize(results)
    assert summary["retrieval_questions"] == 4
    assert summary["hit_at_1"] == pytest.approx(1 / 4)
    assert summary["hit_at_5"] == pytest.approx(2 / 4)
    assert summary["mrr"] == pytest.approx((1 + 1 / 3 + 1 / 6 + 0) / 4)


def test_source_names_compare_as_file_names_in_any_unicode_form(tmp_path):
    name = "hòa-bình.txt"
    nfd_path = "data/articles/" + unicodedata.normalize("NFD", name)
    ctx = Context(nfd_path, "c#0", "t", 0.5, "d", 0, 1)
    questions = [question("q", sources=(name,))]
    [result] = evaluate(tmp_path, {"q": record("x", contexts=[ctx])}, questions)
    assert result.hit_at_1 is True


# -- citations ----------------------------------------------------------------


def test_citation_integrity_catches_a_quote_that_does_not_match_the_document(tmp_path):
    good = citation("doc-st", "20% GRDP")
    bad = citation("doc-tq", "10.257 thành viên", quote="10.527 thành viên", marker=2)
    unknown = Citation(3, "x.txt", "x", None, None, "q", 0, 1, "x#0", 0.1, "missing-doc")
    outside = Citation(4, "soc-trang.txt", "t", None, None, "", 500, 500, "c", 0.1, "doc-st")
    questions = [question("ok"), question("broken")]
    answers = {
        "ok": record("a", citations=[good]),
        "broken": record("b", citations=[good, bad, unknown, outside]),
    }
    results = evaluate(tmp_path, answers, questions)
    assert results[0].citation_failures == ()
    problems = results[1].citation_failures
    assert len(problems) == 3
    assert "quote differs" in problems[0] and "[2] tuyen-quang.txt" in problems[0]
    assert "'missing-doc' not found" in problems[1]
    assert "outside the document" in problems[2]
    assert "citation_integrity" in results[1].failed_checks
    summary = summarize(results)
    assert (summary["citations_checked"], summary["citations_invalid"]) == (5, 3)
    assert summary["citation_integrity"] == pytest.approx(2 / 5)


def test_cites_right_source_counts_only_answered_answerable_questions(tmp_path):
    right = citation("doc-st", "20% GRDP")
    wrong = citation("doc-tq", "1.871")
    sources = ("soc-trang.txt",)
    questions = [
        question("right", sources=sources),
        question("wrong", sources=sources),
        question("none", sources=sources),
        question("abstained", sources=sources),
        question("unanswerable", sources=sources, answerable=False),
    ]
    answers = {
        "right": record("a", citations=[wrong, right]),
        "wrong": record("a", citations=[wrong]),
        "none": record("a"),
        "abstained": record("a", abstained=True),
        "unanswerable": record("a", abstained=True),
    }
    summary = summarize(evaluate(tmp_path, answers, questions))
    assert summary["cites_right_source_questions"] == 3
    assert summary["cites_right_source"] == pytest.approx(1 / 3)


# -- abstention and latency ---------------------------------------------------


def test_abstention_accuracy_counts_false_and_missed_abstentions(tmp_path):
    questions = [
        question("answered"),
        question("false-abstention"),
        question("abstained-right", answerable=False),
        question("missed-1", answerable=False),
        question("missed-2", answerable=False),
    ]
    answers = {
        "answered": record("a"),
        "false-abstention": record("không rõ", abstained=True),
        "abstained-right": record("không rõ", abstained=True),
        "missed-1": record("bịa"),
        "missed-2": record("bịa"),
    }
    results = evaluate(tmp_path, answers, questions)
    assert results[1].failed_checks[-1:] == ["false_abstention"]
    assert results[3].failed_checks == ["missed_abstention"]
    summary = summarize(results)
    assert summary["abstention_accuracy"] == pytest.approx(2 / 5)
    assert summary["false_abstentions"] == 1
    assert summary["false_abstention_rate"] == pytest.approx(1 / 2)
    assert summary["missed_abstentions"] == 2
    assert summary["missed_abstention_rate"] == pytest.approx(2 / 3)


def test_latency_percentiles_interpolate_between_answers(tmp_path):
    latencies = [100.0, 200.0, 300.0, 400.0, 1000.0]
    questions = [question(f"q{i}") for i in range(len(latencies))]
    answers = {f"q{i}": record("a", latency_ms=ms) for i, ms in enumerate(latencies)}
    summary = summarize(evaluate(tmp_path, answers, questions))
    assert summary["latency_p50_ms"] == pytest.approx(300.0)
    assert summary["latency_p95_ms"] == pytest.approx(400.0 + 0.8 * 600.0)


def test_rates_are_none_when_no_question_measures_them():
    summary = summarize([])
    assert summary["questions"] == 0
    assert summary["hit_at_5"] is None
    assert summary["latency_p95_ms"] is None


# -- thresholds -----------------------------------------------------------------


SUMMARY = {"key_facts": 0.7, "hit_at_5": 0.95, "mrr": 0.8, "latency_p95_ms": 2500.0}


def test_thresholds_all_met_give_no_lines():
    assert check_thresholds(SUMMARY, {"key_facts": 0.7, "hit_at_5": 0.9}) == []


def test_thresholds_missed_are_listed_one_line_each():
    missed = check_thresholds(SUMMARY, {"key_facts": 0.8, "hit_at_5": 0.9, "mrr": 0.85})
    assert missed == [
        "key_facts: 70.0% is below the minimum 80.0%",
        "mrr: 0.800 is below the minimum 0.850",
    ]


def test_latency_threshold_is_a_maximum():
    assert check_thresholds(SUMMARY, {"latency_p95_ms": 3000}) == []
    assert check_thresholds(SUMMARY, {"latency_p95_ms": 2000}) == [
        "latency_p95_ms: 2500 ms is above the maximum 2000 ms"
    ]


def test_threshold_on_an_unmeasured_metric_is_missed():
    [line] = check_thresholds(SUMMARY, {"citation_integrity": 1.0})
    assert line.startswith("citation_integrity: not measured")


def test_unknown_threshold_metric_raises_naming_it():
    with pytest.raises(ValueError, match=r"unknown metric.*hit_at_10"):
        check_thresholds(SUMMARY, {"hit_at_10": 0.5, "key_facts": 0.5})


def test_rate_threshold_given_as_a_percentage_raises():
    with pytest.raises(ValueError, match="fraction between 0 and 1"):
        check_thresholds(SUMMARY, {"key_facts": 80})


def test_thresholds_are_read_from_metric_equals_number():
    assert parse_thresholds(("key_facts=0.8", "latency_p95_ms=2000")) == {
        "key_facts": 0.8,
        "latency_p95_ms": 2000.0,
    }
    with pytest.raises(ValueError, match="'key_facts' is not METRIC=NUMBER"):
        parse_thresholds(("key_facts",))


# -- reports --------------------------------------------------------------------


def test_report_files_hold_the_totals_and_the_failed_questions(tmp_path):
    questions = [
        question("ok", key_facts=(("20%",),), sources=("soc-trang.txt",)),
        question(
            "bad",
            "Câu hỏi có | dấu gạch\nvà xuống dòng?",
            key_facts=(("10.257",),),
            sources=("tuyen-quang.txt",),
        ),
    ]
    answers = {
        "ok": record(
            "Mục tiêu 20% GRDP [1]",
            citations=[citation("doc-st", "20% GRDP")],
            contexts=[context("doc-st")],
            latency_ms=120.0,
        ),
        "bad": record(
            "Có 1.871 tổ | nhiều\nthành viên",
            citations=[citation("doc-tq", "1.871", quote="1.817")],
            contexts=[context("doc-st")],
            latency_ms=900.0,
        ),
    }
    results = evaluate(tmp_path, answers, questions)
    summary = summarize(results)
    paths = write_report(results, summary, tmp_path / "report", "Đánh giá thử")
    assert [p.name for p in paths] == ["report.md", "report.json", "report.png"]
    assert all(p.is_file() for p in paths)

    markdown = paths[0].read_text(encoding="utf-8")
    assert markdown.startswith("# Đánh giá thử\n")
    assert "| Key facts (questions passing) | 50.0% | 2 answerable questions |" in markdown
    assert "| Retrieval hit@1 | 50.0% |" in markdown
    assert "| Latency p95 | 861 ms | 2 questions |" in markdown
    assert "## Failed questions (1)" in markdown
    [row] = [line for line in markdown.splitlines() if line.startswith("| bad |")]
    assert "Câu hỏi có \\| dấu gạch và xuống dòng?" in row
    assert "Có 1.871 tổ \\| nhiều thành viên" in row
    assert "✗ 10.257" in row
    assert "tuyen-quang.txt" in row
    assert row.count(" | ") == 5  # six cells: the escaped pipes do not split any

    report = json.loads(paths[1].read_text(encoding="utf-8"))
    assert report["summary"] == summary
    assert [q["id"] for q in report["questions"]] == ["ok", "bad"]
    assert report["questions"][1]["failed_checks"] == [
        "key_facts",
        "hit_at_5",
        "citation_integrity",
    ]


def test_report_chart_is_a_valid_png(tmp_path):
    results = evaluate(tmp_path, {"q": record("a")}, [question("q")])
    _, _, chart = write_report(results, summarize(results), tmp_path, "t")
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width, _ = imread(chart).shape
    assert width > height > 100


def test_report_of_an_empty_run_is_still_written(tmp_path):
    paths = write_report([], summarize([]), tmp_path, "empty")
    assert "Every question passed every check." in paths[0].read_text(encoding="utf-8")
    assert paths[2].stat().st_size > 0
