"""Question files: one JSON object a line, each checked field by field.

Every mistake is reported rather than skipped, naming the file, line and field: a
silently dropped question or key fact would make the totals look better than they are.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


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


Fail = Callable[[str, str], QuestionFileError]


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read a JSONL question file, refusing bad input with the file, line and field.

    Blank lines are ignored, a UTF-8 BOM is accepted, and a question without `id`
    gets `q{line}`. Unknown fields are ignored so files may carry notes of their own.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise QuestionFileError(path, None, None, f"cannot read: {error.strerror}") from error
    data = data.removeprefix(b"\xef\xbb\xbf")

    questions: list[EvalQuestion] = []
    seen_ids: set[str] = set()
    seen_turns: dict[tuple[str, int], int] = {}
    for number, raw in enumerate(data.split(b"\n"), start=1):
        item = _read_line(raw, path, number)
        if item is _BLANK:
            continue
        question = _parse_question(item, path, number)
        if question.id in seen_ids:
            # Sets converted from SQuAD reuse a passage's id for all its
            # questions; the line number keeps each result addressable.
            question = dataclasses.replace(question, id=f"{question.id}#L{number}")
        seen_ids.add(question.id)
        _check_turn_is_new(question, seen_turns, path)
        questions.append(question)
    if not questions:
        raise QuestionFileError(path, None, None, "no questions")
    return questions


_BLANK = object()


def _read_line(raw: bytes, path: Path, number: int) -> Any:
    """The line's JSON value, or `_BLANK` for a line of whitespace."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise QuestionFileError(path, number, None, f"not UTF-8 ({error.reason})") from error
    if not text.strip():
        return _BLANK
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        reason = f"invalid JSON: {error.msg} (column {error.colno})"
        raise QuestionFileError(path, number, None, reason) from error


def _check_turn_is_new(
    question: EvalQuestion, seen_turns: dict[tuple[str, int], int], path: Path
) -> None:
    """Refuse a second line for the same turn of a conversation, naming the first."""
    if question.conversation is None or question.turn is None:
        return
    key = (question.conversation, question.turn)
    if key in seen_turns:
        reason = (
            f"turn {question.turn} of conversation {question.conversation!r} "
            f"already on line {seen_turns[key]}"
        )
        raise QuestionFileError(path, question.line, "turn", reason)
    seen_turns[key] = question.line


def _parse_question(item: Any, path: Path, line: int) -> EvalQuestion:
    """One question from the JSON value of line `line`, each field checked in turn."""

    def fail(field: str, reason: str) -> QuestionFileError:
        return QuestionFileError(path, line, field, reason)

    if not isinstance(item, dict):
        raise QuestionFileError(path, line, None, f"expected a JSON object, got {_json_type(item)}")
    non_empty = "must be a non-empty string, got {type}"
    question = _field(item, "question", _is_text, non_empty, fail, required=True, null_ok=False)
    qid = _field(item, "id", _is_text, non_empty, fail, default=f"q{line}")
    key_facts = _parse_key_facts(item.get("key_facts"), fail)
    sources = _field(
        item, "sources", _is_names, "must be a list of file names (strings)", fail, default=[]
    )
    boolean = "must be true or false, got {type}"
    answerable = _field(item, "answerable", _is_bool, boolean, fail, default=True, null_ok=False)
    reference = _field(item, "reference_answer", _is_str, "must be a string, got {type}", fail)
    conversation = _field(item, "conversation", _is_name, non_empty, fail)
    turn = _field(item, "turn", _is_int, "must be an integer, got {type}", fail)
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


_ABSENT = object()


def _field(
    item: dict[str, Any],
    name: str,
    valid: Callable[[Any], bool],
    reason: str,
    fail: Fail,
    *,
    default: Any = None,
    null_ok: bool = True,
    required: bool = False,
) -> Any:
    """`item[name]` when valid; `default` when absent (or null, where `null_ok`).

    `reason` may hold `{type}`, replaced by the JSON type of the value refused.
    """
    value = item.get(name, _ABSENT)
    if value is _ABSENT and required:
        raise fail(name, "missing")
    if value is _ABSENT or (value is None and null_ok):
        return default
    if not valid(value):
        raise fail(name, reason.format(type=_json_type(value)))
    return value


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_names(value: Any) -> bool:
    return isinstance(value, list) and all(_is_name(name) for name in value)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_key_facts(value: Any, fail: Fail) -> tuple[tuple[str, ...], ...]:
    """`key_facts` as a tuple of groups of alternatives; () when absent."""
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
    """The JSON name of a value's type, for messages: "a string", "null", ..."""
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
