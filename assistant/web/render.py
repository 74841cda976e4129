"""HTML for the answer panel, the chat, the document view and short messages.

Every value that comes from a document or a user goes through `esc`; see the
package docstring for why that is the only defence.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.record import RECOGNISED_NOTE
from assistant.web.filters import filter_conflict
from index.record import StoredDocument

if TYPE_CHECKING:
    from assistant.web.uploads import UploadResult

NOT_FOUND_HEADING = "Không tìm thấy câu trả lời"
RELATED_HEADING = "Đoạn liên quan để tham khảo"
# Characters of the surrounding paragraph shown on each side of a quote.
CONTEXT_CHARS = 320
RELATED_CHARS = 480
DOCUMENT_GONE = '<div class="vd-doc vd-empty">Tài liệu này không còn trong thư viện.</div>'
_UPLOAD_MARKS = {"ok": ("vd-ok", "✓"), "same": ("vd-same", "="), "bad": ("vd-bad", "✗")}


def esc(text: Any) -> str:
    """Escaped text with line breaks kept."""
    return html.escape("" if text is None else str(text), quote=True).replace("\n", "<br>")


def message_html(css: str, text: str) -> str:
    """A one-line status message (css: vd-ok, vd-bad, vd-note), its text escaped."""
    return f'<p class="{css}">{esc(text)}</p>'


@dataclass(frozen=True)
class DocumentView:
    """A stored document with its text, as the document view and the quotes need it."""

    doc: StoredDocument
    text: str


Lookup = Callable[[str], DocumentView | None]


def _spans(view: DocumentView) -> list[tuple[int, int]]:
    blocks = [(int(s), int(e)) for s, e in view.doc.blocks]
    return blocks or [(0, len(view.text))]


def passage_html(
    view: DocumentView | None, start: int, end: int, quote: str, *, context: bool = True
) -> str:
    """The quote marked inside its paragraph(s), trimmed to CONTEXT_CHARS each side.

    Without `context` (related passages, which are whole chunks) the passage
    alone is shown, cut after RELATED_CHARS.
    """
    if not context:
        if len(quote) > RELATED_CHARS:
            cut = quote[:RELATED_CHARS]
            quote = (cut[: cut.rfind(" ")] if " " in cut else cut) + "…"
        return f"<mark>{esc(quote)}</mark>"
    if view is None or view.text[start:end] != quote:
        return f"<mark>{esc(quote)}</mark>"
    text = view.text
    touching = [(s, e) for s, e in _spans(view) if s < end and e > start]
    lo = min([start] + [s for s, _ in touching])
    hi = max([end] + [e for _, e in touching])
    before, after = text[lo:start], text[end:hi]
    if len(before) > CONTEXT_CHARS:
        cut = before[-CONTEXT_CHARS:]
        before = "…" + cut[cut.find(" ") + 1 :] if " " in cut else "…" + cut
    if len(after) > CONTEXT_CHARS:
        cut = after[:CONTEXT_CHARS]
        after = (cut[: cut.rfind(" ")] if " " in cut else cut) + "…"
    return f"{esc(before)}<mark>{esc(quote)}</mark>{esc(after)}"


def _cite_attrs(cite: Mapping[str, Any]) -> str:
    return (
        f'data-doc="{html.escape(str(cite["doc_id"]), quote=True)}" '
        f'data-start="{int(cite["start"])}" data-end="{int(cite["end"])}"'
    )


def _meta_line(cite: Mapping[str, Any]) -> str:
    parts = []
    if cite.get("date"):
        parts.append(f"Ngày {esc(cite['date'])}")
    if cite.get("provinces"):
        parts.append(esc(", ".join(cite["provinces"])))
    if cite.get("page"):
        parts.append(f"trang {int(cite['page'])}")
    if cite.get("recognised"):
        parts.append(RECOGNISED_NOTE)
    parts.append(f'<span class="vd-file">{esc(cite["source"])}</span>')
    return " · ".join(parts)


def _answer_text_html(answer: str, markers: Mapping[int, Mapping[str, Any]]) -> str:
    out = []
    for i, piece in enumerate(re.split(r"\[(\d+)\]", answer)):
        if i % 2 == 0:
            out.append(esc(piece))
        elif int(piece) in markers:
            cite = markers[int(piece)]
            out.append(
                f'<button type="button" class="vd-marker" {_cite_attrs(cite)} '
                f'title="Xem đoạn trích trong tài liệu">[{int(piece)}]</button>'
            )
        else:
            out.append(esc(f"[{piece}]"))
    return "".join(out)


def _sources_html(cites: Sequence[Mapping[str, Any]], abstained: bool, lookup: Lookup) -> str:
    """The numbered sources (or, for an abstention, the related passages) under an answer."""
    if abstained:
        parts = [
            f'<h4 class="vd-sub">{RELATED_HEADING}</h4>'
            '<p class="vd-note">Các đoạn này không phải là câu trả lời, '
            "chỉ gần với câu hỏi.</p>"
        ]
    else:
        parts = ['<h4 class="vd-sub">Nguồn trích dẫn</h4>']
    parts.append(f'<ol class="vd-sources{" vd-related" if abstained else ""}">')
    for cite in cites:
        view = lookup(str(cite["doc_id"]))
        start, end = int(cite["start"]), int(cite["end"])
        label = "" if abstained else f"[{int(cite['marker'])}] "
        parts.append(
            f'<li class="vd-source">'
            f'<button type="button" class="vd-title" {_cite_attrs(cite)} '
            f'title="Mở tài liệu">{esc(label)}{esc(cite["title"])}</button>'
            f'<div class="vd-meta">{_meta_line(cite)}</div>'
            f'<blockquote class="vd-context">'
            f"{passage_html(view, start, end, cite['quote'], context=not abstained)}"
            f"</blockquote></li>"
        )
    parts.append("</ol>")
    return "".join(parts)


def answer_html(turn: Mapping[str, Any] | None, lookup: Lookup) -> str:
    """The answer panel for one answer record (`AnswerRecord.to_json()`)."""
    if not turn:
        return (
            '<div class="vd-panel vd-empty">Đặt câu hỏi để xem câu trả lời và các nguồn trích '
            "dẫn. Bấm vào [số] hoặc tên nguồn để mở tài liệu.</div>"
        )
    abstained = bool(turn.get("abstained"))
    cites = list(turn.get("related") if abstained else turn.get("citations")) or []
    markers = {int(c["marker"]): c for c in cites} if not abstained else {}
    parts = [f'<div class="vd-panel {"vd-abstained" if abstained else "vd-answered"}">']
    parts.append(f'<div class="vd-question">Câu hỏi: {esc(turn.get("question"))}</div>')
    if turn.get("resolved_question"):
        parts.append(f'<div class="vd-resolved">Hiểu là: {esc(turn["resolved_question"])}</div>')
    if abstained:
        parts.append(f'<h3 class="vd-heading vd-warn">⚠ {NOT_FOUND_HEADING}</h3>')
    else:
        parts.append('<h3 class="vd-heading">Trả lời</h3>')
        if turn.get("short_answer"):
            parts.append(f'<p class="vd-short"><strong>{esc(turn["short_answer"])}</strong></p>')
    parts.append(f'<p class="vd-text">{_answer_text_html(turn.get("answer", ""), markers)}</p>')
    if turn.get("notice"):
        parts.append(f'<p class="vd-notice">{esc(turn["notice"])}</p>')
    if cites:
        parts.append(_sources_html(cites, abstained, lookup))
    parts.append("</div>")
    return "".join(parts)


def chat_messages(turns: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The Chatbot's value: escaped HTML, shown with render_markdown=False."""
    messages = []
    for turn in turns:
        messages.append({"role": "user", "content": esc(turn["question"])})
        if turn.get("abstained"):
            content = f'<strong class="vd-warn">{NOT_FOUND_HEADING}.</strong><br>' + esc(
                turn["answer"]
            )
        else:
            sources = "<br>".join(
                f"[{int(c['marker'])}] {esc(c['title'])} ({esc(c['source'])})"
                for c in turn.get("citations", [])
            )
            content = esc(turn["answer"])
            if sources:
                content += f'<br><span class="vd-chat-sources">Nguồn:<br>{sources}</span>'
        messages.append({"role": "assistant", "content": content})
    return messages


def _document_meta(doc: StoredDocument) -> str:
    meta = []
    if doc.date:
        meta.append(f"Ngày {esc(doc.date)}")
    if doc.byline:
        meta.append(esc(doc.byline))
    if doc.provinces:
        meta.append(esc(", ".join(doc.provinces)))
    meta.append(f'<span class="vd-file">{esc(doc.source)}</span>')
    return " · ".join(meta)


def document_html(
    view: DocumentView | None, start: int | None = None, end: int | None = None
) -> str:
    """The whole cleaned document, its blocks in order, with [start, end) marked."""
    if view is None:
        return (
            '<div class="vd-doc vd-empty">Chọn một tài liệu hoặc bấm vào một nguồn trích dẫn.</div>'
        )
    doc, text = view.doc, view.text
    marking = start is not None and end is not None and 0 <= start < end <= len(text)
    spans = _spans(view)
    if marking and not any(s < end and e > start for s, e in spans):
        spans = sorted([*spans, (start, end)])
    parts = [
        '<div class="vd-doc">',
        f'<h3 class="vd-doc-title">{esc(doc.title)}</h3>',
        f'<div class="vd-meta">{_document_meta(doc)}</div>',
    ]
    if marking:
        parts.append('<div class="vd-note">Đoạn được trích dẫn được tô vàng.</div>')
    page = None
    first = True
    for s, e in spans:
        number = doc.page_at(s)
        if number is not None and number != page:
            parts.append(f'<div class="vd-page">Trang {number}</div>')
            page = number
        if marking and s < end and e > start:  # type: ignore[operator]
            lo, hi = max(s, start), min(e, end)  # type: ignore[type-var]
            mark_id = ' id="vd-target" class="vd-target"' if first else ' class="vd-target"'
            first = False
            body = f"{esc(text[s:lo])}<mark{mark_id}>{esc(text[lo:hi])}</mark>{esc(text[hi:e])}"
        else:
            body = esc(text[s:e])
        parts.append(f'<p class="vd-block">{body}</p>')
    parts.append("</div>")
    return "".join(parts)


def upload_report_html(results: Iterable[UploadResult]) -> str:
    """One line per uploaded file, marked ✓ (indexed), = (nothing new) or ✗ (refused)."""
    lines = []
    for result in results:
        css, icon = _UPLOAD_MARKS[result.status]
        lines.append(
            f'<li class="{css}">{icon} <strong>{esc(result.name)}</strong>: '
            f"{esc(result.message)}</li>"
        )
    return '<ul class="vd-results">' + "".join(lines) + "</ul>"


def panel_html(turn: Mapping[str, Any] | None, lookup: Lookup) -> str:
    """The answer panel, led by a note when the province filter excluded the asked province."""
    note = None
    if turn:
        asked = turn.get("resolved_question") or turn.get("question") or ""
        note = filter_conflict(asked, turn.get("province_filter"))
    lead = f'<div class="vd-filter-note" role="alert">⚠ {esc(note)}</div>' if note else ""
    return lead + answer_html(turn, lookup)


def account_html(username: str | None) -> str:
    """Who is logged in and the logout link; empty without logins."""
    if not username:
        return ""
    return (
        f'<span class="vd-user">Đang đăng nhập: <strong>{esc(username)}</strong></span> '
        '<a class="vd-logout" id="logout" href="logout">Đăng xuất</a>'
    )
