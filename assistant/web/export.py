"""What leaves the app as files: the conversation as Markdown, the per-session download
folder, and the feedback log (one JSON line per rating)."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.web.render import NOT_FOUND_HEADING, RELATED_HEADING


def _md(text: Any) -> str:
    """Text made inert for Markdown: no links, HTML, emphasis or headings come from it."""
    value = "" if text is None else str(text)
    return re.sub(r"([\\`*_{}\[\]()<>#|!~])", r"\\\1", value).replace("\n", " ")


def _cite_lines(cite: Mapping[str, Any], label: str) -> list[str]:
    where = [_md(cite["source"])]
    if cite.get("date"):
        where.append(_md(cite["date"]))
    if cite.get("page"):
        where.append(f"trang {int(cite['page'])}")
    if cite.get("provinces"):
        where.append(_md(", ".join(cite["provinces"])))
    return [
        f"- {label}{_md(cite['title'])} ({'; '.join(where)})",
        f"  > {_md(cite['quote'])}",
        "",
    ]


def export_markdown(turns: Sequence[Mapping[str, Any]], *, now: datetime | None = None) -> str:
    """The conversation with its citations, as a Markdown document."""
    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    lines = ["# Cuộc trò chuyện với trợ lý tài liệu", "", f"Xuất lúc: {stamp}", ""]
    for n, turn in enumerate(turns, 1):
        lines += [f"## Câu hỏi {n}", "", f"**Hỏi:** {_md(turn['question'])}", ""]
        if turn.get("resolved_question"):
            lines += [f"*Hiểu là:* {_md(turn['resolved_question'])}", ""]
        if turn.get("abstained"):
            lines += [f"**{NOT_FOUND_HEADING}.** {_md(turn['answer'])}", ""]
            cites, heading = turn.get("related", []), f"**{RELATED_HEADING}:**"
        else:
            lines += [f"**Trả lời:** {_md(turn['answer'])}", ""]
            cites, heading = turn.get("citations", []), "**Nguồn:**"
        if cites:
            lines += [heading, ""]
        for cite in cites:
            label = "" if turn.get("abstained") else f"\\[{int(cite['marker'])}\\] "
            lines += _cite_lines(cite, label)
    return "\n".join(lines).rstrip() + "\n"


def session_folder(root: Path, session: str | None) -> Path:
    """A folder under `root` for one browser session's downloads, named by a hash of it.

    Sessions never see each other's files, and the session id never appears in a path.
    """
    folder = root / hashlib.sha256(str(session or "default").encode()).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def feedback_record(
    turn: Mapping[str, Any], rating: str, comment: str, user: str | None
) -> dict[str, Any]:
    """One feedback line: the rating with the question, answer and where its sources are."""
    cites = turn.get("related" if turn.get("abstained") else "citations", [])
    return {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "user": user,
        "rating": rating,
        "comment": comment.strip(),
        "question": turn.get("question"),
        "answer": turn.get("answer"),
        "abstained": bool(turn.get("abstained")),
        "citations": [
            {
                "marker": c.get("marker"),
                "source": c.get("source"),
                "title": c.get("title"),
                "page": c.get("page"),
                "start": c.get("start"),
                "end": c.get("end"),
            }
            for c in cites
        ],
    }


class FeedbackLog:
    """The feedback file; a lock keeps the lines of concurrent ratings whole."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, entry: Mapping[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
