"""The report for people to read: report.md (totals, then failures), report.json, report.png."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.evaluation.chart import write_chart
from assistant.evaluation.scoring import HIT_K, Result, cited_sources
from assistant.evaluation.totals import format_metric
from index.weights import SELECTION

# Characters of the answer shown for a failed question in report.md.
EXCERPT_CHARS = 240

# Rows of the totals table: metric, label, and the count it is measured over.
_TOTAL_ROWS: list[tuple[str, str, str]] = [
    ("key_facts", "Key facts (questions passing)", "answerable"),
    (
        "key_facts_within_length",
        f"Key facts in answers of at most {SELECTION.budget} characters",
        "answerable",
    ),
    ("key_fact_coverage", "Key facts (facts found)", "key_facts_total"),
    ("hit_at_1", "Retrieval hit@1", "retrieval_questions"),
    ("hit_at_5", f"Retrieval hit@{HIT_K}", "retrieval_questions"),
    ("mrr", "Retrieval MRR", "retrieval_questions"),
    ("cites_right_source", "Cites a right source", "cites_right_source_questions"),
    ("citation_integrity", "Citation integrity", "citations_checked"),
    ("abstention_accuracy", "Abstention accuracy", "questions"),
    ("false_abstention_rate", "False abstentions", "answerable"),
    ("missed_abstention_rate", "Missed abstentions", "unanswerable"),
    ("long_answer_rate", f"Answers over {SELECTION.budget} characters", "answered"),
    ("short_answer_coverage", "Short answers given", "answerable"),
    ("short_answer_precision", "Short answers holding the key facts", "short_answers"),
    ("latency_p50_ms", "Latency p50", "questions"),
    ("latency_p95_ms", "Latency p95", "questions"),
]
_MEASURED_OVER = {
    "answerable": "answerable questions",
    "unanswerable": "unanswerable questions",
    "questions": "questions",
    "key_facts_total": "key facts",
    "retrieval_questions": "questions with sources",
    "cites_right_source_questions": "answered questions with sources",
    "citations_checked": "citations",
    "short_answers": "short answers",
    "answered": "answered questions",
}


def write_report(
    results: Sequence[Result], summary: dict[str, Any], report_dir: Path, title: str
) -> list[Path]:
    """Write report.md, report.json and report.png into `report_dir`; return their paths."""
    report_dir.mkdir(parents=True, exist_ok=True)
    markdown = report_dir / "report.md"
    markdown.write_text(render_markdown(results, summary, title), encoding="utf-8")
    data = report_dir / "report.json"
    payload = {
        "title": title,
        "summary": summary,
        "questions": [result.to_dict() for result in results],
    }
    data.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    chart = report_dir / "report.png"
    latencies = [result.latency_ms for result in results]
    write_chart(latencies, summary, chart, _one_line(title))
    return [markdown, data, chart]


def render_markdown(results: Sequence[Result], summary: dict[str, Any], title: str) -> str:
    """The Markdown report: totals first, then every question that failed a check."""
    lines = [
        f"# {_one_line(title)}",
        "",
        f"{summary['questions']} questions: {summary['answerable']} answerable, "
        f"{summary['unanswerable']} unanswerable; {summary['abstained']} abstained.",
        "",
        "## Totals",
        "",
        "| Metric | Value | Measured over |",
        "| --- | ---: | --- |",
    ]
    for name, label, over in _TOTAL_ROWS:
        value = format_metric(name, summary.get(name))
        count = summary.get(over, 0)
        lines.append(f"| {label} | {value} | {count} {_MEASURED_OVER[over]} |")

    failed = [result for result in results if result.failed_checks]
    lines += ["", f"## Failed questions ({len(failed)})", ""]
    if not failed:
        lines.append("Every question passed every check.")
    else:
        lines += _failed_table(failed)
    return "\n".join(lines) + "\n"


def _failed_table(failed: Sequence[Result]) -> list[str]:
    """A row per failed question, then the citation problems found, if any."""
    lines = [
        "| Id | Question | Failed checks | Expected key facts | Answer | Cited sources |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for result in failed:
        cells = [
            result.question.id,
            result.question.question,
            ", ".join(result.failed_checks),
            _expected_facts(result),
            _excerpt(result.record.answer),
            ", ".join(cited_sources(result.record)) or "-",
        ]
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    details = [
        (result.question.id, problem) for result in failed for problem in result.citation_failures
    ]
    if details:
        lines += ["", "### Citation problems", ""]
        lines += [f"- {_one_line(qid)}: {_one_line(problem)}" for qid, problem in details]
    return lines


def _expected_facts(result: Result) -> str:
    """Key facts as `a or b; c`, the ones not found marked with ✗."""
    groups = result.question.key_facts
    if not groups:
        return "-" if result.question.answerable else "(unanswerable)"
    found = result.facts_found or (False,) * len(groups)
    return "; ".join(
        ("" if ok else "✗ ") + " or ".join(group) for group, ok in zip(groups, found, strict=True)
    )


def _excerpt(text: str) -> str:
    # Cut before escaping, so an escape is never split in half.
    text = _one_line(text)
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: one line, pipes and backslashes escaped."""
    return _one_line(text).replace("\\", "\\\\").replace("|", "\\|") or " "
