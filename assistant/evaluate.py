"""The evaluation runner behind `assistant eval QUESTIONS.jsonl --out RESULTS.jsonl`.

A question file holds one JSON object a line; each question is asked through
the same `ask` function the CLI uses, every answer record is written out as it
arrives (so a crash half-way still leaves the answers so far), and each record
is scored:

* retrieval: hit@1, hit@5 and reciprocal rank of the first context whose file
  is one of the question's `sources`;
* key facts: every inner list of `key_facts` must have one string found in the
  answer, compared after `ingest.normalize.fold` (so NFD text, the old tone
  placement and case do not matter) and with whitespace collapsed;
* citations: whether an answered question cites one of its sources, and whether
  every citation's quote really is `document_text[start:end]`;
* abstention: whether the assistant declined exactly the unanswerable questions;
* latency from each record's `latency_ms`.

`summarize` turns the results into the totals, `check_thresholds` compares the
totals with the limits a CI job sets, and `write_report` writes a Markdown,
JSON and PNG report for people to read.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from assistant.record import AnswerRecord, Citation
from ingest.normalize import fold

# Thresholds a CI job may set, and which way each one points. Rates are fractions
# in [0, 1]; a "max" metric is one where smaller is better.
THRESHOLD_METRICS: dict[str, str] = {
    "key_facts": "min",
    "key_fact_coverage": "min",
    "hit_at_1": "min",
    "hit_at_5": "min",
    "mrr": "min",
    "cites_right_source": "min",
    "citation_integrity": "min",
    "abstention_accuracy": "min",
    "false_abstention_rate": "max",
    "missed_abstention_rate": "max",
    "latency_p50_ms": "max",
    "latency_p95_ms": "max",
}

# How far down the ranked contexts the looser retrieval metric looks.
HIT_K = 5
# Characters of the answer shown for a failed question in report.md.
EXCERPT_CHARS = 240


class QuestionFileError(ValueError):
    """A question file that cannot be used; the message names file, line and field.

    It subclasses ValueError so that callers that already turn ValueError into
    a usage error (as the CLI's settings handling does) show it as one.
    """

    def __init__(self, path: Path | str, line: int | None, field: str | None, reason: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        what = f"field '{field}': {reason}" if field else reason
        super().__init__(f"{where}: {what}")
        self.path = str(path)
        self.line = line
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class EvalQuestion:
    """One line of a question file.

    `key_facts` is a tuple of alternatives: the answer must contain at least
    one string of every inner tuple. `line` is kept so that reports and errors
    can point back at the file.
    """

    id: str
    question: str
    key_facts: tuple[tuple[str, ...], ...] = ()
    sources: tuple[str, ...] = ()
    answerable: bool = True
    reference_answer: str | None = None
    conversation: str | None = None
    turn: int | None = None
    line: int = 0


@dataclass(frozen=True)
class Result:
    """One asked question, its answer record (with `id` set) and its scores.

    A score is None where it does not apply, so that totals average only over
    the questions that measure it: retrieval needs an answerable question with
    sources, key facts an answerable question, and citing the right source an
    answered answerable question with sources.
    """

    question: EvalQuestion
    record: AnswerRecord
    history: tuple[str, ...]
    first_relevant_rank: int | None
    hit_at_1: bool | None
    hit_at_5: bool | None
    reciprocal_rank: float | None
    facts_found: tuple[bool, ...]
    key_facts_passed: bool | None
    cites_right_source: bool | None
    citations_checked: int
    citation_failures: tuple[str, ...]
    abstention_correct: bool

    @property
    def latency_ms(self) -> float:
        return self.record.latency_ms

    @property
    def failed_checks(self) -> list[str]:
        """The names of the checks this question failed; empty when it passed all."""
        failed = []
        if self.key_facts_passed is False:
            failed.append("key_facts")
        if not self.abstention_correct:
            failed.append("false_abstention" if self.question.answerable else "missed_abstention")
        if self.hit_at_5 is False:
            failed.append("hit_at_5")
        if self.cites_right_source is False:
            failed.append("cites_right_source")
        if self.citation_failures:
            failed.append("citation_integrity")
        return failed

    def to_dict(self) -> dict[str, Any]:
        """The per-question metrics written to report.json."""
        q = self.question
        return {
            "id": q.id,
            "line": q.line,
            "question": q.question,
            "conversation": q.conversation,
            "turn": q.turn,
            "history": list(self.history),
            "answerable": q.answerable,
            "abstained": self.record.abstained,
            "answer": self.record.answer,
            "key_facts": [list(group) for group in q.key_facts],
            "facts_found": list(self.facts_found),
            "key_facts_passed": self.key_facts_passed,
            "sources": list(q.sources),
            "retrieved_sources": [context.source for context in self.record.contexts],
            "cited_sources": _cited_sources(self.record),
            "first_relevant_rank": self.first_relevant_rank,
            "hit_at_1": self.hit_at_1,
            "hit_at_5": self.hit_at_5,
            "reciprocal_rank": self.reciprocal_rank,
            "cites_right_source": self.cites_right_source,
            "citations_checked": self.citations_checked,
            "citation_failures": list(self.citation_failures),
            "abstention_correct": self.abstention_correct,
            "latency_ms": self.latency_ms,
            "failed_checks": self.failed_checks,
        }


# ---------------------------------------------------------------------------
# Reading the question file


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read a JSONL question file, refusing bad input with the file, line and field.

    Every mistake is reported rather than skipped: a silently dropped question
    or key fact would make the totals look better than they are. Blank lines
    are ignored, a UTF-8 BOM is accepted, and a question without `id` gets
    `q{line}`. Unknown fields are ignored so files may carry notes of their own.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise QuestionFileError(path, None, None, f"cannot read: {error.strerror}") from error
    data = data.removeprefix(b"\xef\xbb\xbf")

    questions: list[EvalQuestion] = []
    seen_ids: dict[str, int] = {}
    seen_turns: dict[tuple[str, int], int] = {}
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise QuestionFileError(path, number, None, f"not UTF-8 ({error.reason})") from error
        if not text.strip():
            continue
        try:
            item = json.loads(text)
        except json.JSONDecodeError as error:
            reason = f"invalid JSON: {error.msg} (column {error.colno})"
            raise QuestionFileError(path, number, None, reason) from error
        question = _parse_question(item, path, number)
        if question.id in seen_ids:
            # Sets converted from SQuAD reuse a passage's id for all its
            # questions; the line number keeps each result addressable.
            question = dataclasses.replace(question, id=f"{question.id}#L{number}")
        seen_ids[question.id] = number
        if question.conversation is not None and question.turn is not None:
            key = (question.conversation, question.turn)
            if key in seen_turns:
                reason = (
                    f"turn {question.turn} of conversation {question.conversation!r} "
                    f"already on line {seen_turns[key]}"
                )
                raise QuestionFileError(path, number, "turn", reason)
            seen_turns[key] = number
        questions.append(question)
    if not questions:
        raise QuestionFileError(path, None, None, "no questions")
    return questions


def _parse_question(item: Any, path: Path, line: int) -> EvalQuestion:
    def fail(field: str, reason: str) -> QuestionFileError:
        return QuestionFileError(path, line, field, reason)

    if not isinstance(item, dict):
        raise QuestionFileError(path, line, None, f"expected a JSON object, got {_json_type(item)}")

    if "question" not in item:
        raise fail("question", "missing")
    question = item["question"]
    if not isinstance(question, str) or not question.strip():
        raise fail("question", f"must be a non-empty string, got {_json_type(question)}")

    qid = item.get("id")
    if qid is None:
        qid = f"q{line}"
    elif not isinstance(qid, str) or not qid.strip():
        raise fail("id", f"must be a non-empty string, got {_json_type(qid)}")

    key_facts = _parse_key_facts(item.get("key_facts"), fail)

    sources = item.get("sources")
    if sources is None:
        sources = []
    if not isinstance(sources, list) or not all(isinstance(s, str) and s for s in sources):
        raise fail("sources", "must be a list of file names (strings)")

    answerable = item.get("answerable", True)
    if not isinstance(answerable, bool):
        raise fail("answerable", f"must be true or false, got {_json_type(answerable)}")

    reference = item.get("reference_answer")
    if reference is not None and not isinstance(reference, str):
        raise fail("reference_answer", f"must be a string, got {_json_type(reference)}")

    conversation = item.get("conversation")
    if conversation is not None and (not isinstance(conversation, str) or not conversation):
        raise fail("conversation", f"must be a non-empty string, got {_json_type(conversation)}")

    turn = item.get("turn")
    if turn is not None and (not isinstance(turn, int) or isinstance(turn, bool)):
        raise fail("turn", f"must be an integer, got {_json_type(turn)}")
    if conversation is not None and turn is None:
        # Without a turn the order of a conversation would depend on line order,
        # which is easy to break when a file is sorted or merged.
        raise fail("turn", "required when 'conversation' is set")

    return EvalQuestion(
        id=qid,
        question=question,
        key_facts=key_facts,
        sources=tuple(sources),
        answerable=answerable,
        reference_answer=reference,
        conversation=conversation,
        turn=turn,
        line=line,
    )


def _parse_key_facts(
    value: Any, fail: Callable[[str, str], QuestionFileError]
) -> tuple[tuple[str, ...], ...]:
    if value is None:
        return ()
    example = 'e.g. [["20%"], ["2025", "năm 2025"]]'
    if not isinstance(value, list):
        raise fail("key_facts", f"must be a list of lists of strings, {example}")
    groups = []
    for index, group in enumerate(value):
        if not isinstance(group, list):
            reason = (
                f"must be a list of lists of strings, {example}; "
                f"item {index} is {_json_type(group)}"
            )
            raise fail("key_facts", reason)
        if not group:
            raise fail("key_facts", f"item {index} is an empty list, which no answer can match")
        if not all(isinstance(fact, str) and fact.strip() for fact in group):
            raise fail("key_facts", f"item {index} must hold only non-empty strings")
        groups.append(tuple(group))
    return tuple(groups)


def _json_type(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }
    if value is None:
        return "null"
    return names.get(type(value), type(value).__name__)


# ---------------------------------------------------------------------------
# Asking and scoring


def asking_order(questions: Sequence[EvalQuestion]) -> list[tuple[EvalQuestion, list[str]]]:
    """Each question with its history, in the order they are to be asked.

    Questions keep their file order, except that a conversation is asked as a
    whole, in turn order, where its first line appears: a follow-up only makes
    sense after the turns before it. The history of a turn is the texts of the
    earlier turns of its conversation.
    """
    conversations: dict[str, list[EvalQuestion]] = {}
    for question in questions:
        if question.conversation is not None:
            conversations.setdefault(question.conversation, []).append(question)

    order: list[tuple[EvalQuestion, list[str]]] = []
    for question in questions:
        if question.conversation is None:
            order.append((question, []))
            continue
        turns = conversations.pop(question.conversation, None)
        if turns is None:  # already asked with its first line
            continue
        turns.sort(key=lambda q: (q.turn is None, q.turn or 0))
        for index, turn in enumerate(turns):
            order.append((turn, [earlier.question for earlier in turns[:index]]))
    return order


def run(
    questions: Sequence[EvalQuestion],
    ask: Callable[[EvalQuestion, list[str]], AnswerRecord],
    out: Path,
    *,
    document_text: Callable[[str], str | None],
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> list[Result]:
    """Ask every question, write each answer record to `out` and score it.

    `out` gets one JSON line per question, in asking order (see `asking_order`),
    flushed as each answer arrives: an exception from `ask` propagates, and the
    answers before it are kept. `document_text` maps a citation's `doc_id` to
    the document's full text (None when unknown); texts are fetched once per
    document. `progress` may wrap the work list, e.g. with tqdm.
    """
    texts: dict[str, str | None] = {}

    def cached_text(doc_id: str) -> str | None:
        if doc_id not in texts:
            texts[doc_id] = document_text(doc_id)
        return texts[doc_id]

    work: Iterable[tuple[EvalQuestion, list[str]]] = asking_order(questions)
    if progress is not None:
        work = progress(work)
    results: list[Result] = []
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as stream:
        for question, history in work:
            # Copy rather than set the id: `ask` may hand back a shared record.
            record = dataclasses.replace(ask(question, list(history)), id=question.id)
            stream.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
            stream.flush()
            results.append(score(question, record, cached_text, history=history))
    return results


def score(
    question: EvalQuestion,
    record: AnswerRecord,
    document_text: Callable[[str], str | None],
    *,
    history: Sequence[str] = (),
) -> Result:
    """Score one answer record against its question."""
    measure_retrieval = question.answerable and bool(question.sources)
    wanted = {source_key(source) for source in question.sources}

    rank = None
    if measure_retrieval:
        rank = next(
            (
                position
                for position, context in enumerate(record.contexts, start=1)
                if source_key(context.source) in wanted
            ),
            None,
        )

    facts_found: tuple[bool, ...] = ()
    key_facts_passed = None
    if question.answerable:
        # An abstention answers nothing, even if its wording happens to hold a fact.
        facts_found = tuple(
            not record.abstained and any(contains_fact(record.answer, fact) for fact in group)
            for group in question.key_facts
        )
        key_facts_passed = not record.abstained and all(facts_found)

    cites_right = None
    if measure_retrieval and not record.abstained:
        cites_right = any(source_key(c.source) in wanted for c in record.citations)

    checked = [*record.citations, *record.related]
    failures = tuple(
        problem
        for citation in checked
        if (problem := citation_problem(citation, document_text(citation.doc_id))) is not None
    )

    return Result(
        question=question,
        record=record,
        history=tuple(history),
        first_relevant_rank=rank,
        hit_at_1=None if not measure_retrieval else rank == 1,
        hit_at_5=None if not measure_retrieval else rank is not None and rank <= HIT_K,
        reciprocal_rank=None if not measure_retrieval else (1 / rank if rank else 0.0),
        facts_found=facts_found,
        key_facts_passed=key_facts_passed,
        cites_right_source=cites_right,
        citations_checked=len(checked),
        citation_failures=failures,
        abstention_correct=record.abstained != question.answerable,
    )


def citation_problem(citation: Citation, text: str | None) -> str | None:
    """Why `citation` is not an exact span of its document, or None when it is."""
    label = f"[{citation.marker}] {citation.source}"
    if text is None:
        return f"{label}: document {citation.doc_id!r} not found"
    if not 0 <= citation.start <= citation.end <= len(text):
        return (
            f"{label}: span {citation.start}:{citation.end} lies outside "
            f"the document ({len(text)} characters)"
        )
    if text[citation.start : citation.end] != citation.quote:
        return f"{label}: quote differs from the document text at {citation.start}:{citation.end}"
    return None


def contains_fact(answer: str, fact: str) -> bool:
    """Whether `fact` occurs in `answer`, folded and with whitespace collapsed.

    A fact must stand on its own: "57" is not found in "2057" or "0,5787", nor
    "20%" in "120%", nor "20" in "20,5". Otherwise short numeric facts would
    pass on answers that state a different number.
    """
    return _fact_pattern(_comparable(fact)).search(_comparable(answer)) is not None


def _comparable(text: str) -> str:
    return " ".join(fold(text).split())


def _fact_pattern(fact: str) -> re.Pattern[str]:
    left = right = ""
    if fact[:1].isalnum():
        left = r"(?<![^\W_])(?<![\u0300-\u036f])"
        if fact[0].isdigit():
            left += r"(?<!\d[.,])"
    if fact[-1:].isalnum():
        right = r"(?![^\W_])(?![\u0300-\u036f])"
        if fact[-1].isdigit():
            right += r"(?![.,]\d)"
    return re.compile(left + re.escape(fact) + right)


def source_key(source: str) -> str:
    # Sources are file names; tolerate a path, NFD names (macOS) and case.
    return fold(PurePosixPath(source.replace("\\", "/")).name)


def _cited_sources(record: AnswerRecord) -> list[str]:
    return list(dict.fromkeys(citation.source for citation in record.citations))


# ---------------------------------------------------------------------------
# Totals and thresholds


def summarize(results: Sequence[Result]) -> dict[str, Any]:
    """The totals over all results; a rate is None when no question measures it."""
    answerable = [r for r in results if r.question.answerable]
    unanswerable = [r for r in results if not r.question.answerable]
    retrieval = [r for r in results if r.reciprocal_rank is not None]
    citing = [r for r in results if r.cites_right_source is not None]
    facts = [found for r in answerable for found in r.facts_found]
    checked = sum(r.citations_checked for r in results)
    invalid = sum(len(r.citation_failures) for r in results)
    false_abstentions = sum(r.record.abstained for r in answerable)
    missed_abstentions = sum(not r.record.abstained for r in unanswerable)
    latencies = [r.latency_ms for r in results]
    passed = sum(bool(r.key_facts_passed) for r in answerable)

    return {
        "questions": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "key_facts": _share(passed, len(answerable)),
        "key_facts_passed": passed,
        "key_fact_coverage": _share(sum(facts), len(facts)),
        "key_facts_found": sum(facts),
        "key_facts_total": len(facts),
        "retrieval_questions": len(retrieval),
        "hit_at_1": _share(sum(bool(r.hit_at_1) for r in retrieval), len(retrieval)),
        "hit_at_5": _share(sum(bool(r.hit_at_5) for r in retrieval), len(retrieval)),
        "mrr": _share(sum(r.reciprocal_rank or 0.0 for r in retrieval), len(retrieval)),
        "cites_right_source": _share(sum(bool(r.cites_right_source) for r in citing), len(citing)),
        "cites_right_source_questions": len(citing),
        "citation_integrity": _share(checked - invalid, checked),
        "citations_checked": checked,
        "citations_invalid": invalid,
        "abstention_accuracy": _share(sum(r.abstention_correct for r in results), len(results)),
        "abstained": sum(r.record.abstained for r in results),
        "false_abstentions": false_abstentions,
        "false_abstention_rate": _share(false_abstentions, len(answerable)),
        "missed_abstentions": missed_abstentions,
        "missed_abstention_rate": _share(missed_abstentions, len(unanswerable)),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
    }


def _share(part: float, whole: int) -> float | None:
    return part / whole if whole else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile with linear interpolation (numpy's default); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def check_thresholds(summary: dict[str, Any], thresholds: dict[str, float]) -> list[str]:
    """One readable line per threshold the summary misses; empty when all pass.

    Latencies and the abstention error rates are maximums, everything else a
    minimum (see THRESHOLD_METRICS). A metric the run could not measure (no
    question had sources, say) misses its threshold: a CI gate should not pass
    on a metric that was never computed. Unknown names, and rates given as
    percentages instead of fractions, raise ValueError up front.
    """
    unknown = sorted(set(thresholds) - set(THRESHOLD_METRICS))
    if unknown:
        known = ", ".join(THRESHOLD_METRICS)
        raise ValueError(f"unknown metric(s): {', '.join(unknown)} (known: {known})")
    for name, limit in thresholds.items():
        if not math.isfinite(limit):
            raise ValueError(f"threshold for {name} must be a finite number, got {limit}")
        if not name.endswith("_ms") and not 0 <= limit <= 1:
            raise ValueError(f"threshold for {name} is a fraction between 0 and 1, got {limit}")

    missed = []
    for name, limit in thresholds.items():
        value = summary.get(name)
        kind = THRESHOLD_METRICS[name]
        if value is None:
            missed.append(f"{name}: not measured in this run (threshold {_fmt(name, limit)})")
        elif kind == "min" and value < limit:
            missed.append(f"{name}: {_fmt(name, value)} is below the minimum {_fmt(name, limit)}")
        elif kind == "max" and value > limit:
            missed.append(f"{name}: {_fmt(name, value)} is above the maximum {_fmt(name, limit)}")
    return missed


def _fmt(name: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    if name.endswith("_ms"):
        return f"{value:.0f} ms"
    if name == "mrr":
        return f"{value:.3f}"
    return f"{value:.1%}"


# ---------------------------------------------------------------------------
# Reports

# Rows of the totals table: metric, label, and the count it is measured over.
_TOTAL_ROWS: list[tuple[str, str, str]] = [
    ("key_facts", "Key facts (questions passing)", "answerable"),
    ("key_fact_coverage", "Key facts (facts found)", "key_facts_total"),
    ("hit_at_1", "Retrieval hit@1", "retrieval_questions"),
    ("hit_at_5", f"Retrieval hit@{HIT_K}", "retrieval_questions"),
    ("mrr", "Retrieval MRR", "retrieval_questions"),
    ("cites_right_source", "Cites a right source", "cites_right_source_questions"),
    ("citation_integrity", "Citation integrity", "citations_checked"),
    ("abstention_accuracy", "Abstention accuracy", "questions"),
    ("false_abstention_rate", "False abstentions", "answerable"),
    ("missed_abstention_rate", "Missed abstentions", "unanswerable"),
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
}
# Bars in report.png: the rates where higher is better.
_CHART_RATES: list[tuple[str, str]] = [
    ("key_facts", "key\nfacts"),
    ("key_fact_coverage", "fact\ncoverage"),
    ("hit_at_1", "hit@1"),
    ("hit_at_5", f"hit@{HIT_K}"),
    ("mrr", "MRR"),
    ("cites_right_source", "right\nsource"),
    ("citation_integrity", "citation\nintegrity"),
    ("abstention_accuracy", "abstention\naccuracy"),
]


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
    _write_chart(results, summary, chart, title)
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
        value = _fmt(name, summary.get(name))
        count = summary.get(over, 0)
        lines.append(f"| {label} | {value} | {count} {_MEASURED_OVER[over]} |")

    failed = [result for result in results if result.failed_checks]
    lines += ["", f"## Failed questions ({len(failed)})", ""]
    if not failed:
        lines.append("Every question passed every check.")
    else:
        lines += [
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
                ", ".join(_cited_sources(result.record)) or "-",
            ]
            lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
        details = [
            (result.question.id, problem)
            for result in failed
            for problem in result.citation_failures
        ]
        if details:
            lines += ["", "### Citation problems", ""]
            lines += [f"- {_one_line(qid)}: {_one_line(problem)}" for qid, problem in details]
    return "\n".join(lines) + "\n"


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


def _write_chart(
    results: Sequence[Result], summary: dict[str, Any], path: Path, title: str
) -> None:
    # Imported here so that `assistant` commands that never draw a chart start fast;
    # Figure + FigureCanvasAgg draw with Agg without touching pyplot's global state.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 4.5))
    FigureCanvasAgg(figure)
    # A fixed layout: constrained layout would double the drawing time for no gain here.
    figure.subplots_adjust(left=0.06, right=0.98, bottom=0.16, top=0.86, wspace=0.22)
    rates, latency = figure.subplots(1, 2, width_ratios=[3, 2])

    labels = [label for _, label in _CHART_RATES]
    values = [summary.get(name) for name, _ in _CHART_RATES]
    bars = rates.bar(labels, [v or 0.0 for v in values], color="#4c72b0")
    for (name, _), bar, value in zip(_CHART_RATES, bars, values, strict=True):
        text = "n/a" if value is None else f"{value:.2f}" if name == "mrr" else f"{value:.0%}"
        rates.annotate(
            text,
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    rates.set_ylim(0, 1.1)
    rates.set_ylabel("share")
    rates.set_title("Rates (higher is better)")
    rates.tick_params(axis="x", labelsize=8)

    latencies = [result.latency_ms for result in results]
    if latencies:
        latency.hist(latencies, bins=min(20, max(1, len(latencies))), color="#55a868")
        for name, style in (("latency_p50_ms", "--"), ("latency_p95_ms", ":")):
            value = summary.get(name)
            if value is not None:
                label = f"{name.split('_')[1]} {value:.0f} ms"
                latency.axvline(value, color="black", linestyle=style, label=label)
        latency.legend(fontsize=8)
    else:
        latency.text(0.5, 0.5, "no answers", ha="center", va="center")
    latency.set_xlabel("latency (ms)")
    latency.set_ylabel("questions")
    latency.set_title("Latency")

    figure.suptitle(_one_line(title))
    figure.savefig(path, format="png", dpi=100)
