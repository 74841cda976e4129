"""The web app: chat with cited answers, the cited documents, and the document library.

Everything shown in the browser that comes from a document or a user (titles,
quotes, questions, file names) is escaped here with `html.escape` before it
is put into HTML; no Markdown is rendered from it. `gr.HTML` inserts its value
with `innerHTML` unsanitized, so that escaping is the only defence and is
applied everywhere.

Citations are clickable: the answer panel is a `gr.HTML` whose `js_on_load`
turns a click on any element with `data-doc` into a custom `cite` event
carrying the document id and the character range, and the Python handler
renders that document with the range highlighted.

The targets tab lists the rows extracted at ingestion (`StoredDocument.targets`,
via `assistant.targets_table`); the rows shown are kept in a `gr.State`, so a
click on a table row (`gr.SelectData.index`) finds its document and sentence
and opens the same document view, with the sentence marked.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import html
import io
import json
import re
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gradio as gr

from assistant import targets_table
from assistant.answer import Assistant
from assistant.components import build_assistant, chunking_options, embedder_for
from assistant.settings import Settings
from index.indexer import IngestSummary, ingest_paths
from index.store import StoredDocument
from ingest.document import LoadError
from ingest.load import SUPPORTED_SUFFIXES
from ingest.normalize import fold, strip_diacritics
from ingest.provinces import all_names

ALL_PROVINCES = "Tất cả"
EXAMPLES = (
    "Sóc Trăng đặt chỉ tiêu kinh tế số bao nhiêu phần trăm GRDP?",
    "Tây Ninh có bao nhiêu tổ công nghệ số cộng đồng?",
    "Còn Tuyên Quang thì sao?",
)
NOT_FOUND_HEADING = "Không tìm thấy câu trả lời"
RELATED_HEADING = "Đoạn liên quan để tham khảo"
CONCURRENCY = 4
# Characters of the surrounding paragraph shown on each side of a quote.
CONTEXT_CHARS = 320
RELATED_CHARS = 480
_MAX_STEM = 100
# Gradio injects a progress tracker into the handler that declares this default.
PROGRESS = gr.Progress()

# ---------------------------------------------------------------------------
# Logins


@dataclass(frozen=True)
class User:
    name: str
    password: str
    admin: bool = False


def parse_users(spec: str | None) -> dict[str, User]:
    """`user:password[:admin]` pairs separated by commas, or a file with one pair a line.

    A value naming an existing file is read as that file (blank lines and
    lines starting with `#` are ignored); anything else is the pairs form.
    Raises ValueError for malformed entries or a user named twice.
    """
    if spec is None or not spec.strip():
        return {}
    text = spec.strip()
    path = Path(text).expanduser()
    if ":" not in text or path.is_file():
        try:
            entries = path.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise ValueError(f"ASSISTANT_USERS: cannot read the users file {text!r}") from error
        entries = [line for line in entries if not line.strip().startswith("#")]
    else:
        entries = text.split(",")
    users: dict[str, User] = {}
    for entry in (e.strip() for e in entries):
        if not entry:
            continue
        name, sep, password = entry.partition(":")
        name = name.strip()
        admin = password.endswith(":admin")
        if admin:
            password = password[: -len(":admin")]
        if not sep or not name or not password:
            raise ValueError(f"ASSISTANT_USERS: {name or entry!r} is not user:password[:admin]")
        if name in users:
            raise ValueError(f"ASSISTANT_USERS: user {name!r} is listed twice")
        users[name] = User(name, password, admin)
    return users


def make_auth(users: Mapping[str, User]) -> Callable[[str, str], bool] | None:
    """The login check for `launch(auth=...)`, or None when logins are off."""
    if not users:
        return None

    def check(username: str, password: str) -> bool:
        user = users.get(username)
        expected = user.password if user else "\0"
        ok = hmac.compare_digest(expected.encode(), (password or "").encode())
        return user is not None and ok

    return check


def is_admin(users: Mapping[str, User], username: str | None) -> bool:
    """Without logins everyone manages the library; with them, only admins do."""
    if not users:
        return True
    user = users.get(username or "")
    return bool(user and user.admin)


# ---------------------------------------------------------------------------
# Uploads

_UNSAFE = re.compile(r"[^\w.-]+")
_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(10)] + [f"lpt{i}" for i in range(10)]
)
_MAGIC = (
    (b"%PDF-", "PDF"),
    (b"PK\x03\x04", "tệp nén ZIP hoặc Office (docx, xlsx)"),
    (b"\xd0\xcf\x11\xe0", "tệp Office cũ (doc, xls)"),
    (b"\x89PNG", "ảnh PNG"),
    (b"\xff\xd8\xff", "ảnh JPEG"),
    (b"GIF8", "ảnh GIF"),
    (b"\x7fELF", "chương trình"),
    (b"Rar!", "tệp nén RAR"),
    (b"\x1f\x8b", "tệp nén gzip"),
)
_TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def safe_filename(name: str) -> str:
    """A plain file name to store an upload under: no folders, no hidden names, only [\\w.-].

    >>> safe_filename("../../etc/passwd.txt")
    'passwd.txt'
    """
    base = unicodedata.normalize("NFC", name.replace("\\", "/")).split("/")[-1]
    base = _UNSAFE.sub("_", base.strip()).lstrip("._-")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem.strip("._-")[:_MAX_STEM].rstrip("._-") or "tai-lieu"
    suffix = suffix.strip("._-").lower()
    if stem.lower().split(".")[0] in _RESERVED:
        stem = f"tai-lieu-{stem}"
    return f"{stem}.{suffix}" if suffix else stem


def unique_path(folder: Path, name: str, data: bytes) -> Path:
    """`folder/name`, or `name-2`, `name-3`... when another file already holds that name.

    An existing file with exactly these bytes is reused, so uploading the same
    file twice leaves one copy and one document.
    """
    stem, suffix = Path(name).stem, Path(name).suffix
    for n in range(1, 10_000):
        candidate = folder / (name if n == 1 else f"{stem}-{n}{suffix}")
        if not candidate.exists():
            return candidate
        if candidate.is_file() and candidate.read_bytes() == data:
            return candidate
    raise RuntimeError(f"no free name for {name} in {folder}")


class UploadError(LoadError):
    """A file refused before ingestion; `size` and `detail` feed the message."""

    def __init__(
        self, path: str, code: str, reason: str, *, size: int | None = None, detail: str = ""
    ) -> None:
        super().__init__(path, code, reason)
        self.size = size
        self.detail = detail


def check_content(name: str, data: bytes, max_bytes: int) -> None:
    """Refuse a file whose type, size or content is wrong for its extension; raises UploadError."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UploadError(name, "unsupported", f"unsupported file type {suffix or '(none)'}")
    if len(data) > max_bytes:
        raise UploadError(name, "too_large", "the file is too large", size=len(data))
    if not data.strip():
        raise UploadError(name, "empty", "the file is empty")
    if suffix == ".pdf":
        # The header may follow a little junk, as PDF readers accept.
        if b"%PDF-" not in data[:1024]:
            kind = _sniff(data)
            raise UploadError(
                name,
                "mismatch",
                "a .pdf that is not a PDF",
                detail=f"tệp có đuôi .pdf nhưng nội dung không phải PDF{_kind_note(kind)}",
            )
        return
    kind = _sniff(data)
    if kind:
        raise UploadError(
            name,
            "mismatch",
            f"a {suffix} file holding {kind}",
            detail=f"tệp có đuôi {suffix} nhưng nội dung là {kind}",
        )
    if not data.startswith(_TEXT_BOMS[1:]) and b"\x00" in data:
        raise UploadError(name, "binary", "not text: it contains NUL bytes")


def _sniff(data: bytes) -> str | None:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:16]
    return next((kind for magic, kind in _MAGIC if head.startswith(magic)), None)


def _kind_note(kind: str | None) -> str:
    return f" (có vẻ là {kind})" if kind else ""


def _mb(size: float) -> str:
    text = f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


_MESSAGES = {
    "missing": "Không tìm thấy tệp",
    "unreadable": "Không đọc được tệp",
    "unsupported": "Định dạng không được hỗ trợ (chỉ nhận .txt, .md, .pdf, .html)",
    "empty": "Tệp rỗng hoặc không có nội dung văn bản",
    "binary": "Tệp không phải văn bản",
    "corrupt_pdf": "PDF bị hỏng",
    "encrypted_pdf": "PDF được mã hóa, không đọc được",
    "no_text": "PDF không có lớp văn bản (có thể là bản scan)",
    "mismatch": "Nội dung tệp không khớp với đuôi tệp",
}


def error_message(error: LoadError, max_bytes: int) -> str:
    """A LoadError (or UploadError) in plain Vietnamese."""
    if error.code == "too_large":
        size = getattr(error, "size", None)
        if size is None:
            try:
                size = Path(error.path).stat().st_size
            except OSError:
                size = None
        shown = f"{_mb(size)} MB, " if size is not None else ""
        return f"Tệp quá lớn ({shown}giới hạn {_mb(max_bytes)} MB)"
    detail = getattr(error, "detail", "")
    if error.code == "mismatch" and detail:
        return f"Nội dung tệp không khớp với đuôi tệp: {detail}"
    return _MESSAGES.get(error.code, "Không xử lý được tệp")


def save_upload(source: Path, folder: Path, max_bytes: int) -> Path:
    """Check an uploaded file and copy it into `folder` under a safe, unused name."""
    name = safe_filename(source.name)
    try:
        size = source.stat().st_size
    except OSError as error:
        raise UploadError(name, "unreadable", "cannot read the upload") from error
    if size > max_bytes:
        raise UploadError(name, "too_large", "the file is too large", size=size)
    data = source.read_bytes()
    check_content(name, data, max_bytes)
    folder.mkdir(parents=True, exist_ok=True)
    target = unique_path(folder, name, data)
    if target.resolve().parent != folder.resolve():
        raise UploadError(name, "unreadable", "unsafe file name")
    if not target.exists():
        target.write_bytes(data)
    return target


# ---------------------------------------------------------------------------
# HTML, always from escaped text


def esc(text: Any) -> str:
    """Escaped text with line breaks kept."""
    return html.escape("" if text is None else str(text), quote=True).replace("\n", "<br>")


@dataclass(frozen=True)
class DocumentView:
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
    parts.append(f'<p class="vd-text">{_answer_text_html(turn.get("answer", ""), markers)}</p>')
    if turn.get("notice"):
        parts.append(f'<p class="vd-notice">{esc(turn["notice"])}</p>')
    if cites:
        if abstained:
            parts.append(
                f'<h4 class="vd-sub">{RELATED_HEADING}</h4>'
                '<p class="vd-note">Các đoạn này không phải là câu trả lời, '
                "chỉ gần với câu hỏi.</p>"
            )
        else:
            parts.append('<h4 class="vd-sub">Nguồn trích dẫn</h4>')
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
    meta = []
    if doc.date:
        meta.append(f"Ngày {esc(doc.date)}")
    if doc.byline:
        meta.append(esc(doc.byline))
    if doc.provinces:
        meta.append(esc(", ".join(doc.provinces)))
    meta.append(f'<span class="vd-file">{esc(doc.source)}</span>')
    parts = [
        '<div class="vd-doc">',
        f'<h3 class="vd-doc-title">{esc(doc.title)}</h3>',
        f'<div class="vd-meta">{" · ".join(meta)}</div>',
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


def library_rows(docs: Iterable[StoredDocument]) -> list[list[Any]]:
    return [
        [d.title, d.date or "—", ", ".join(d.provinces) or "—", d.chunk_count, d.source]
        for d in docs
    ]


# ---------------------------------------------------------------------------
# The targets table

ALL_INDICATORS = "Tất cả chỉ tiêu"
TARGET_FIELDS = (
    "province", "indicator", "target", "deadline", "achieved", "as_of", "status", "source",
)  # fmt: skip
TARGET_HEADERS = [
    "Tỉnh", "Chỉ tiêu", "Mục tiêu", "Thời hạn", "Kết quả", "Thời điểm", "Tình trạng", "Nguồn",
]  # fmt: skip
# (label, key) for the sort dropdown.
TARGET_SORTS = [("Tỉnh", "province"), ("Chỉ tiêu", "indicator"), ("Tình trạng", "status")]
# What needs attention first: missed, then reached, exceeded, unknown.
_STATUS_ORDER = {"chưa đạt": 0, "đạt": 1, "vượt": 2, "chưa rõ": 3}
_PROVINCE_ORDER = {name: i for i, name in enumerate(all_names())}


def _text_key(value: Any) -> tuple[str, str]:
    folded = fold("" if value is None else str(value))
    return strip_diacritics(folded), folded


def _target_key(sort: str) -> Callable[[Mapping[str, Any]], tuple]:
    def province(row: Mapping[str, Any]) -> tuple:
        name = row.get("province") or ""
        return (_PROVINCE_ORDER.get(name, len(_PROVINCE_ORDER)), _text_key(name))

    def place(row: Mapping[str, Any]) -> tuple:
        return (str(row.get("source") or ""), int(row.get("start") or 0))

    if sort == "indicator":
        return lambda r: (_text_key(r.get("indicator")), province(r), place(r))
    if sort == "status":
        return lambda r: (
            _STATUS_ORDER.get(r.get("status") or "", len(_STATUS_ORDER)),
            province(r),
            _text_key(r.get("indicator")),
            place(r),
        )
    return lambda r: (province(r), _text_key(r.get("indicator")), place(r))


def _indicator(value: str | None) -> str | None:
    value = (value or "").strip()
    return None if not value or value == ALL_INDICATORS else value


def target_rows(
    documents: Iterable[StoredDocument],
    province: str | None = None,
    indicator: str | None = None,
    sort: str = "province",
) -> list[dict[str, Any]]:
    """The rows for the filters, sorted by province, indicator or status.

    A province is an old or a merged name ("Cần Thơ" covers Sóc Trăng and Hậu
    Giang); `ALL_PROVINCES` or None means every province. An indicator chosen
    from `indicator_choices` matches exactly; any other text matches the
    indicators containing it, as `targets_table.rows` does.
    """
    docs = list(documents)
    province, indicator = _province(province), _indicator(indicator)
    found = targets_table.rows(docs, province)
    if indicator:
        exact = [r for r in found if r.get("indicator") == indicator]
        found = exact or targets_table.rows(docs, province, indicator)
    return sorted(found, key=_target_key(sort))


def indicator_choices(
    documents: Iterable[StoredDocument], province: str | None = None
) -> list[str]:
    """`ALL_INDICATORS`, then every indicator the rows of this province name, sorted."""
    names = {r["indicator"] for r in target_rows(documents, province) if r.get("indicator")}
    return [ALL_INDICATORS, *sorted(names, key=_text_key)]


def target_table(rows: Iterable[Mapping[str, Any]]) -> list[list[str]]:
    """The Dataframe's value: TARGET_FIELDS in order, "—" for an empty cell (plain text)."""
    return [
        [str(r.get(f)) if r.get(f) not in (None, "") else "—" for f in TARGET_FIELDS] for r in rows
    ]


def targets_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """The rows as CSV, with `targets_table.COLUMNS` as header, as `assistant targets --csv`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(targets_table.COLUMNS)
    writer.writerows([[r.get(c) for c in targets_table.COLUMNS] for r in rows])
    return out.getvalue()


def pick_target(
    rows: Sequence[Mapping[str, Any]], index: Any, row_value: Sequence[Any] | None = None
) -> Mapping[str, Any] | None:
    """The row that a click on the table meant: by index, checked against the cells shown.

    `row_value` (the clicked row's cells, from `gr.SelectData`) settles a stale
    or re-ordered index: the row whose cells match it wins.
    """
    if isinstance(index, list | tuple):
        index = index[0] if index else None
    try:
        index = int(index)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        index = -1
    shown = [str(v) for v in row_value] if row_value else None
    if 0 <= index < len(rows) and (shown is None or target_table([rows[index]])[0] == shown):
        return rows[index]
    if shown is not None:
        return next((r for r in rows if target_table([r])[0] == shown), None)
    return None


def target_document_html(view: DocumentView | None, row: Mapping[str, Any]) -> str:
    """The document of a targets row with its sentence marked; a note if it is gone or moved."""
    if view is None:
        return '<div class="vd-doc vd-empty">Tài liệu này không còn trong thư viện.</div>'
    quote = str(row.get("quote") or "")
    try:
        start, end = int(row["start"]), int(row["end"])
    except (KeyError, TypeError, ValueError):
        start = end = -1
    if start < 0 or (quote and view.text[start:end] != quote):
        found = view.text.find(quote) if quote else -1
        if found < 0:
            note = (
                '<div class="vd-note">Không tìm thấy câu này trong bản hiện tại của tài liệu.</div>'
            )
            return note + document_html(view)
        start, end = found, found + len(quote)
    return document_html(view, start, end)


def _md(text: Any) -> str:
    """Text made inert for Markdown: no links, HTML, emphasis or headings come from it."""
    value = "" if text is None else str(text)
    return re.sub(r"([\\`*_{}\[\]()<>#|!~])", r"\\\1", value).replace("\n", " ")


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
            where = [_md(cite["source"])]
            if cite.get("date"):
                where.append(_md(cite["date"]))
            if cite.get("page"):
                where.append(f"trang {int(cite['page'])}")
            if cite.get("provinces"):
                where.append(_md(", ".join(cite["provinces"])))
            label = "" if turn.get("abstained") else f"\\[{int(cite['marker'])}\\] "
            lines += [
                f"- {label}{_md(cite['title'])} ({'; '.join(where)})",
                f"  > {_md(cite['quote'])}",
                "",
            ]
    return "\n".join(lines).rstrip() + "\n"


def feedback_record(
    turn: Mapping[str, Any], rating: str, comment: str, user: str | None
) -> dict[str, Any]:
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


# ---------------------------------------------------------------------------
# The app

CSS = """
.vd-panel, .vd-doc { font-size: 15px; line-height: 1.55; }
.vd-empty { color: var(--body-text-color-subdued); padding: 12px; }
.vd-question { font-weight: 600; margin-bottom: 4px; }
.vd-resolved, .vd-note, .vd-meta { color: var(--body-text-color-subdued); font-size: 13px; }
.vd-heading { margin: 8px 0 4px; font-size: 17px; }
.vd-warn { color: #b45309; }
.vd-abstained { border-left: 4px solid #f59e0b; padding-left: 10px;
  background: rgba(245, 158, 11, 0.07); }
.vd-answered { border-left: 4px solid var(--color-accent); padding-left: 10px; }
.vd-sub { margin: 12px 0 4px; font-size: 15px; }
.vd-sources { padding-left: 18px; margin: 0; }
.vd-source { margin-bottom: 10px; }
.vd-related .vd-context { opacity: 0.85; }
.vd-panel button.vd-marker, .vd-panel button.vd-title {
  background: none !important; border: none !important; box-shadow: none !important;
  padding: 0 !important; margin: 0 !important; min-width: 0 !important;
  cursor: pointer; color: var(--color-accent) !important; font: inherit !important;
  font-weight: 600 !important; text-align: left; display: inline !important; line-height: inherit; }
.vd-panel button.vd-title { text-decoration: underline; font-size: 15px !important; }
.vd-panel button.vd-marker:hover, .vd-panel button.vd-title:hover { opacity: 0.75; }
.vd-context { margin: 4px 0 0; padding: 6px 10px;
  border-left: 3px solid var(--border-color-primary);
  background: var(--background-fill-secondary); font-size: 14px; }
.vd-panel mark, .vd-doc mark { background: #fde68a; color: #111; padding: 0 1px; }
.vd-doc mark.vd-target { outline: 2px solid #f59e0b; }
.vd-doc-title { margin: 0 0 4px; font-size: 18px; }
.vd-block { margin: 0 0 10px; }
.vd-page { margin: 14px 0 6px; font-size: 12px; color: var(--body-text-color-subdued);
  border-top: 1px dashed var(--border-color-primary); }
.vd-file { font-family: var(--font-mono); font-size: 12px; }
.vd-chat-sources { font-size: 13px; opacity: 0.8; }
.vd-results li { margin-bottom: 4px; }
#library-table td, #library-table th, #library-table td *, #library-table th *,
#library-table .cell-wrap, #library-table .cell-wrap *,
#targets-table .cell-wrap, #targets-table .cell-wrap * {
  font-family: var(--font) !important; }
#targets-table [role=gridcell] { cursor: pointer; }
.vd-ok { color: #15803d; } .vd-bad { color: #b91c1c; } .vd-same { color: #1d4ed8; }
"""

_PANEL_JS = """
if (!element.dataset.vdBound) {
  element.dataset.vdBound = '1';
  element.addEventListener('click', (event) => {
    const link = event.target.closest('[data-doc]');
    if (!link || !element.contains(link)) return;
    event.preventDefault();
    trigger('cite', {doc_id: link.dataset.doc, start: Number(link.dataset.start),
                     end: Number(link.dataset.end)});
  });
}
"""

_DOC_JS = """
// The view may be filled while its tab is still hidden (a click in the targets
// tab switches to it): wait until the mark is laid out, then bring it into view.
const reveal = (tries = 30) => {
  const mark = element.querySelector('#vd-target');
  if (!mark) return;
  if (mark.getClientRects().length === 0) {
    if (tries > 0) setTimeout(() => reveal(tries - 1), 100);
    return;
  }
  mark.scrollIntoView({block: 'center'});
};
watch('value', () => reveal());
reveal();
"""


class _Library:
    """The searcher's store, documents and texts, and the write lock for uploads and removals."""

    def __init__(self, assistant: Assistant, settings: Settings) -> None:
        self.assistant = assistant
        self.settings = settings
        self.searcher = assistant.searcher
        self.store = assistant.searcher.store
        self.uploads = settings.data_dir / "uploads"
        self.write_lock = threading.Lock()
        self._texts: dict[tuple[str, str], str] = {}
        self._texts_lock = threading.Lock()

    def documents(self) -> list[StoredDocument]:
        # One small read of the store's revision: what another process indexed shows up too.
        self.searcher.refresh()
        return sorted(self.searcher.documents.values(), key=lambda d: (d.title.lower(), d.source))

    def choices(self) -> list[tuple[str, str]]:
        return [(f"{d.title} — {d.source}", d.doc_id) for d in self.documents()]

    def view(self, doc_id: str) -> DocumentView | None:
        doc = self.searcher.documents.get(doc_id)
        if doc is None:
            return None
        key = (doc_id, doc.generation)
        with self._texts_lock:
            text = self._texts.get(key)
        if text is None:
            try:
                text = self.store.document_text(doc_id)
            except KeyError:
                return None
            with self._texts_lock:
                if len(self._texts) > 64:
                    self._texts.clear()
                self._texts[key] = text
        return DocumentView(doc, text)

    def ask(self, question: str, history: Sequence[str], province: str | None, k: int | None):
        # A document committed between the searcher's refresh and its query is
        # unknown to the searcher for a moment; asking again picks it up.
        for attempt in range(3):
            try:
                return self.assistant.ask(question, history=history, province=province, k=k)
            except KeyError:
                if attempt == 2:
                    raise
                self.searcher.refresh()
        raise AssertionError("unreachable")

    def embedder(self):
        return self.searcher.embedder or embedder_for(self.settings)

    def ingest(
        self, paths: list[Path], progress: Callable[[list], Iterable] = iter
    ) -> IngestSummary:
        with self.write_lock:
            summary = ingest_paths(
                paths,
                self.store,
                self.embedder(),
                chunking_options(self.settings),
                progress=progress,
            )
            self.searcher.refresh()
        return summary

    def remove(self, doc_id: str) -> StoredDocument | None:
        with self.write_lock:
            doc = self.store.get_document(doc_id)
            if doc is None:
                return None
            self.store.remove_document(doc_id)
            path = Path(doc.path) if doc.path else None
            if path and path.is_file() and path.resolve().parent == self.uploads.resolve():
                path.unlink()
            self.searcher.refresh()
        return doc


def _province(value: str | None) -> str | None:
    value = (value or "").strip()
    return None if not value or value == ALL_PROVINCES else value


def _k(value: Any, default: int) -> int:
    try:
        k = int(value)
    except (TypeError, ValueError):
        return default
    return min(max(k, 1), 50)


def _username(request: gr.Request | None) -> str | None:
    return getattr(request, "username", None) if request is not None else None


def build_app(assistant: Assistant, settings: Settings) -> gr.Blocks:
    """The Gradio Blocks app over one assistant; call `.launch(**launch_options(settings))`."""
    library = _Library(assistant, settings)
    users = parse_users(settings.users)
    feedback_path = settings.data_dir / "feedback.jsonl"
    feedback_lock = threading.Lock()
    exports = Path(tempfile.gettempdir()) / "vn-docs-assistant-exports"

    default_k = _k(settings.k, 5)

    def ask_api(question: str, province: str = ALL_PROVINCES, k: int = default_k) -> dict:
        """Answer one question; returns the record that `assistant ask --json` prints."""
        record = library.ask(question, (), _province(province), _k(k, settings.k))
        return record.to_json()

    def session_folder(request: gr.Request | None) -> Path:
        session = getattr(request, "session_hash", None) or "default"
        folder = exports / hashlib.sha256(str(session).encode()).hexdigest()[:16]
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def write_export(turns: list[dict], request: gr.Request | None) -> str | None:
        if not turns:
            return None
        path = session_folder(request) / "hoi-dap.md"
        path.write_text(export_markdown(turns), encoding="utf-8")
        return str(path)

    def respond(question, turns, province, k, request: gr.Request):
        question = (question or "").strip()
        turns = list(turns or [])
        if not question:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        history = [t["question"] for t in turns]
        record = library.ask(question, history, _province(province), _k(k, settings.k))
        turns.append(record.to_json())
        export = write_export(turns, request)
        return (
            chat_messages(turns),
            turns,
            len(turns) - 1,
            answer_html(turns[-1], library.view),
            "",
            gr.DownloadButton(value=export, interactive=True),
        )

    def new_conversation():
        return (
            [],
            [],
            -1,
            answer_html(None, library.view),
            "",
            gr.DownloadButton(value=None, interactive=False),
        )

    def select_turn(turns, evt: gr.SelectData):
        index = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        turn = int(index) // 2
        if not turns or not 0 <= turn < len(turns):
            return gr.skip(), gr.skip()
        return turn, answer_html(turns[turn], library.view)

    def open_cited(evt: gr.EventData):
        doc_id = str(getattr(evt, "doc_id", "") or "")
        start, end = getattr(evt, "start", None), getattr(evt, "end", None)
        view = library.view(doc_id)
        try:
            start, end = int(start), int(end)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            start = end = None
        picker = gr.Dropdown(choices=library.choices(), value=doc_id if view else None)
        if view is None:
            gone = '<div class="vd-doc vd-empty">Tài liệu này không còn trong thư viện.</div>'
            return gone, picker
        return document_html(view, start, end), picker

    def open_picked(doc_id):
        return document_html(library.view(doc_id) if doc_id else None)

    def show_targets(province, indicator, sort, request: gr.Request):
        """The targets tab for its filters: table, rows kept, indicators, count, CSV."""
        docs = library.documents()
        choices = indicator_choices(docs, province)
        indicator = indicator if indicator in choices else ALL_INDICATORS
        rows = target_rows(docs, province, indicator, sort or "province")
        path = session_folder(request) / "chi-tieu.csv"
        path.write_text(targets_csv(rows), encoding="utf-8")
        if rows:
            count = f'<p class="vd-note">{len(rows)} dòng.</p>'
        else:
            count = '<p class="vd-note">Không có chỉ tiêu nào khớp bộ lọc.</p>'
        return (
            target_table(rows),
            rows,
            gr.Dropdown(choices=choices, value=indicator),
            count,
            gr.DownloadButton(value=str(path), interactive=bool(rows)),
        )

    def open_target(rows, evt: gr.SelectData):
        row = pick_target(rows or [], evt.index, getattr(evt, "row_value", None))
        if row is None:
            return gr.skip(), gr.skip(), gr.skip()
        doc_id = str(row.get("doc_id") or "")
        view = library.view(doc_id)
        picker = gr.Dropdown(choices=library.choices(), value=doc_id if view else None)
        return target_document_html(view, row), picker, gr.Tabs(selected="chat")

    def save_feedback(turns, selected, rating, comment, request: gr.Request):
        turns = turns or []
        index = selected if isinstance(selected, int) and 0 <= selected < len(turns) else -1
        if not turns:
            gr.Warning("Chưa có câu trả lời nào để góp ý.")
            return gr.skip(), '<p class="vd-note">Chưa có câu trả lời nào để góp ý.</p>'
        entry = feedback_record(turns[index], rating, comment or "", _username(request))
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        with feedback_lock, feedback_path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
        gr.Info("Cảm ơn bạn đã góp ý!")
        label = "hữu ích" if rating == "useful" else "không hữu ích"
        question = esc(turns[index]["question"])
        return "", f'<p class="vd-ok">Đã ghi góp ý ({label}) cho câu hỏi: “{question}”.</p>'

    def like(turns, evt: gr.LikeData, request: gr.Request):
        index = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        turn = int(index) // 2
        if evt.liked in (None, "") or not turns or not 0 <= turn < len(turns):
            return
        liked = evt.liked in (True, "Like")
        entry = feedback_record(
            turns[turn], "useful" if liked else "not_useful", "", _username(request)
        )
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        with feedback_lock, feedback_path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def library_state():
        choices = library.choices()
        return (
            library_rows(library.documents()),
            gr.Dropdown(choices=choices, value=None),
            gr.Dropdown(choices=choices),
        )

    def on_load(request: gr.Request):
        admin = is_admin(users, _username(request))
        note = (
            ""
            if admin
            else "Chỉ quản trị viên mới được tải lên hoặc xóa tài liệu. "
            "Bạn vẫn có thể xem thư viện và hỏi đáp."
        )
        return (
            *library_state(),
            gr.Column(visible=admin),
            gr.Markdown(note, visible=bool(note)),
        )

    def upload(files, request: gr.Request, progress=PROGRESS):
        if not is_admin(users, _username(request)):
            raise gr.Error("Chỉ quản trị viên mới được tải lên tài liệu.")
        files = [Path(str(f)) for f in (files or [])]
        if not files:
            return (
                '<p class="vd-note">Chưa chọn tệp nào.</p>',
                *library_state(),
            )
        progress(0, desc="Đang kiểm tra tệp…")
        results = upload_files(
            files,
            library,
            settings.max_bytes,
            progress=lambda items: progress.tqdm(items, desc="Đang lập chỉ mục", unit="tệp"),
        )
        lines = [_result(*result) for result in results]
        report = '<ul class="vd-results">' + "".join(lines) + "</ul>"
        return (report, *library_state())

    def remove(doc_id, request: gr.Request):
        if not is_admin(users, _username(request)):
            raise gr.Error("Chỉ quản trị viên mới được xóa tài liệu.")
        if not doc_id:
            return ('<p class="vd-note">Chọn một tài liệu để xóa.</p>', *library_state())
        doc = library.remove(str(doc_id))
        message = (
            f'<p class="vd-ok">Đã xóa: {esc(doc.title)} ({esc(doc.source)})</p>'
            if doc
            else '<p class="vd-bad">Tài liệu không còn trong thư viện.</p>'
        )
        return (message, *library_state())

    provinces = [ALL_PROVINCES, *all_names()]
    with gr.Blocks(title="Trợ lý tài liệu", analytics_enabled=False) as app:
        gr.HTML(
            f"<style>{CSS}</style><h1 style='margin:0'>Trợ lý tài liệu</h1>"
            "<p class='vd-note' style='margin:2px 0 0'>Hỏi đáp tiếng Việt trên các tài liệu "
            "trong thư viện; mỗi câu trả lời kèm trích dẫn nguồn.</p>",
            js_on_load=None,
        )
        turns = gr.State([])
        selected = gr.State(-1)
        with gr.Tabs(elem_id="tabs") as tabs:
            with gr.Tab("Hỏi đáp", id="chat"), gr.Row(equal_height=False):
                with gr.Column(scale=5):
                    chatbot = gr.Chatbot(
                        label="Cuộc trò chuyện",
                        height=420,
                        render_markdown=False,
                        sanitize_html=True,
                        latex_delimiters=[],
                        buttons=["copy", "copy_all"],
                        elem_id="chatbot",
                        placeholder="Hãy đặt một câu hỏi về các tài liệu trong thư viện.",
                    )
                    with gr.Row():
                        question = gr.Textbox(
                            show_label=False,
                            placeholder="Nhập câu hỏi, ví dụ: Tây Ninh có bao nhiêu tổ "
                            "công nghệ số cộng đồng?",
                            lines=1,
                            max_lines=4,
                            scale=8,
                            elem_id="question",
                            autofocus=True,
                        )
                        send = gr.Button("Gửi", variant="primary", scale=1, elem_id="send")
                    gr.Markdown("**Câu hỏi mẫu** (bấm để hỏi):")
                    with gr.Row():
                        example_buttons = [
                            gr.Button(text, size="sm", variant="secondary") for text in EXAMPLES
                        ]
                    with gr.Row():
                        province = gr.Dropdown(
                            provinces,
                            value=ALL_PROVINCES,
                            label="Lọc theo tỉnh/thành",
                            elem_id="province",
                        )
                        k_slider = gr.Slider(
                            1,
                            20,
                            value=min(max(settings.k, 1), 20),
                            step=1,
                            label="Số đoạn tìm kiếm (k)",
                        )
                    with gr.Row():
                        new_chat = gr.Button("Cuộc trò chuyện mới", elem_id="new-chat")
                        download = gr.DownloadButton(
                            "Tải cuộc trò chuyện (Markdown)",
                            value=None,
                            interactive=False,
                            elem_id="export",
                        )
                    with gr.Accordion("Góp ý cho câu trả lời đang xem", open=False):
                        comment = gr.Textbox(
                            label="Nhận xét (không bắt buộc)", lines=2, elem_id="comment"
                        )
                        with gr.Row():
                            useful = gr.Button("Hữu ích", size="sm", elem_id="useful")
                            not_useful = gr.Button("Không hữu ích", size="sm", elem_id="not-useful")
                        feedback_status = gr.HTML("", js_on_load=None, elem_id="feedback-status")
                with gr.Column(scale=6):
                    panel = gr.HTML(
                        answer_html(None, library.view),
                        label="Câu trả lời và nguồn",
                        js_on_load=_PANEL_JS,
                        elem_id="answer-panel",
                        container=True,
                        padding=True,
                    )
                    doc_picker = gr.Dropdown(
                        library.choices(),
                        value=None,
                        label="Tài liệu",
                        info="Chọn một tài liệu để đọc toàn văn.",
                        elem_id="doc-picker",
                    )
                    doc_view = gr.HTML(
                        document_html(None),
                        js_on_load=_DOC_JS,
                        elem_id="doc-view",
                        max_height=560,
                        container=True,
                        padding=True,
                    )
            with gr.Tab("Thư viện", id="library"):
                admin_note = gr.Markdown("", visible=False)
                table = gr.Dataframe(
                    library_rows(library.documents()),
                    headers=["Tiêu đề", "Ngày", "Tỉnh/thành", "Số đoạn", "Tệp"],
                    datatype=["str", "str", "str", "number", "str"],
                    interactive=False,
                    column_widths=["38%", "12%", "16%", "8%", "26%"],
                    label="Tài liệu đã lập chỉ mục",
                    elem_id="library-table",
                    wrap=True,
                )
                with gr.Column() as manage:
                    gr.Markdown(
                        f"### Tải lên tài liệu\nNhận tệp .txt, .md, .pdf, .html, tối đa "
                        f"{_mb(settings.max_bytes)} MB mỗi tệp. Tài liệu trả lời được ngay sau "
                        "khi lập chỉ mục."
                    )
                    files = gr.File(
                        label="Chọn tệp",
                        file_count="multiple",
                        type="filepath",
                        elem_id="upload-files",
                    )
                    upload_button = gr.Button(
                        "Tải lên và lập chỉ mục", variant="primary", elem_id="upload"
                    )
                    upload_report = gr.HTML("", js_on_load=None, elem_id="upload-report")
                    gr.Markdown("### Xóa tài liệu")
                    with gr.Row():
                        remove_picker = gr.Dropdown(
                            library.choices(),
                            value=None,
                            label="Tài liệu cần xóa",
                            scale=4,
                            elem_id="remove-picker",
                        )
                        remove_button = gr.Button("Xóa tài liệu", variant="stop", scale=1)
                    remove_report = gr.HTML("", js_on_load=None, elem_id="remove-report")
            with gr.Tab("Chỉ tiêu", id="targets"):
                gr.Markdown(
                    "Các chỉ tiêu và kết quả nêu trong tài liệu đã lập chỉ mục, mỗi dòng gắn "
                    "với câu trong tài liệu. Bấm vào một dòng để mở tài liệu tại câu đó."
                )
                with gr.Row():
                    t_province = gr.Dropdown(
                        provinces,
                        value=ALL_PROVINCES,
                        label="Tỉnh/thành (tên cũ hoặc tên sau sáp nhập)",
                        elem_id="targets-province",
                        scale=3,
                    )
                    t_indicator = gr.Dropdown(
                        indicator_choices(library.documents()),
                        value=ALL_INDICATORS,
                        label="Chỉ tiêu",
                        elem_id="targets-indicator",
                        scale=4,
                    )
                    t_sort = gr.Dropdown(
                        TARGET_SORTS,
                        value="province",
                        label="Sắp xếp theo",
                        elem_id="targets-sort",
                        scale=2,
                    )
                initial = target_rows(library.documents())
                t_table = gr.Dataframe(
                    target_table(initial),
                    headers=TARGET_HEADERS,
                    datatype="str",
                    interactive=False,
                    column_widths=["11%", "23%", "9%", "8%", "11%", "10%", "9%", "19%"],
                    label="Chỉ tiêu và kết quả",
                    elem_id="targets-table",
                    wrap=True,
                    max_height=640,
                )
                t_rows = gr.State(initial)
                with gr.Row(equal_height=True):
                    t_count = gr.HTML("", js_on_load=None, elem_id="targets-count", scale=4)
                    t_export = gr.DownloadButton(
                        "Tải bảng (CSV)",
                        value=None,
                        interactive=False,
                        size="sm",
                        scale=1,
                        elem_id="targets-export",
                    )

        private = {"api_visibility": "undocumented"}
        chat_outputs = [chatbot, turns, selected, panel, question, download]
        chat_inputs = [question, turns, province, k_slider]
        send.click(respond, chat_inputs, chat_outputs, **private)
        question.submit(respond, chat_inputs, chat_outputs, **private)
        for button, text in zip(example_buttons, EXAMPLES, strict=True):
            button.click(lambda t=text: t, None, question, queue=False, **private).then(
                respond, chat_inputs, chat_outputs, **private
            )
        new_chat.click(new_conversation, None, chat_outputs, **private)
        chatbot.clear(new_conversation, None, chat_outputs, **private)
        chatbot.select(select_turn, [turns], [selected, panel], **private)
        chatbot.like(like, [turns], None, **private)
        panel.cite(open_cited, None, [doc_view, doc_picker], **private)
        doc_picker.input(open_picked, [doc_picker], [doc_view], **private)

        def useful_feedback(turns, selected, comment, request: gr.Request):
            return save_feedback(turns, selected, "useful", comment, request)

        def not_useful_feedback(turns, selected, comment, request: gr.Request):
            return save_feedback(turns, selected, "not_useful", comment, request)

        feedback_inputs = [turns, selected, comment]
        useful.click(useful_feedback, feedback_inputs, [comment, feedback_status], **private)
        not_useful.click(
            not_useful_feedback, feedback_inputs, [comment, feedback_status], **private
        )
        library_outputs = [table, remove_picker, doc_picker]
        target_inputs = [t_province, t_indicator, t_sort]
        target_outputs = [t_table, t_rows, t_indicator, t_count, t_export]
        upload_button.click(upload, [files], [upload_report, *library_outputs], **private).then(
            lambda: None, None, files, **private
        ).then(show_targets, target_inputs, target_outputs, **private)
        remove_button.click(
            remove, [remove_picker], [remove_report, *library_outputs], **private
        ).then(show_targets, target_inputs, target_outputs, **private)
        app.load(on_load, None, [*library_outputs, manage, admin_note], **private).then(
            show_targets, target_inputs, target_outputs, **private
        )
        for control in target_inputs:
            control.input(show_targets, target_inputs, target_outputs, **private)
        t_table.select(open_target, [t_rows], [doc_view, doc_picker, tabs], **private)
        gr.api(ask_api, api_name="ask")
    app.queue(default_concurrency_limit=CONCURRENCY)
    return app


def upload_files(
    files: Sequence[Path],
    library: _Library,
    max_bytes: int,
    progress: Callable[[list], Iterable] = iter,
) -> list[tuple[str, str, str, str]]:
    """Check, store and ingest uploaded files; one (css, icon, name, message) per file, in order.

    A refused or failed file never touches what is already indexed, and its
    stored copy is removed again.
    """
    results: dict[int, tuple[str, str, str, str]] = {}
    saved: dict[str, int] = {}
    for i, source in enumerate(files):
        try:
            target = save_upload(source, library.uploads, max_bytes)
        except LoadError as error:
            results[i] = ("vd-bad", "✗", source.name, error_message(error, max_bytes))
            continue
        if str(target) in saved:
            other = files[saved[str(target)]].name
            results[i] = ("vd-same", "=", source.name, f"trùng nội dung với {other}")
            continue
        saved[str(target)] = i
    summary = library.ingest([Path(p) for p in saved], progress) if saved else IngestSummary()
    index_of = {Path(p).name: i for p, i in saved.items()}
    for outcome, css, icon, text in (
        ("added", "vd-ok", "✓", "đã thêm vào thư viện"),
        ("updated", "vd-ok", "✓", "đã cập nhật"),
        ("skipped", "vd-same", "=", "đã có trong thư viện, không thay đổi"),
    ):
        for name in getattr(summary, outcome):
            i = index_of[name]
            shown = files[i].name
            stored = f" (lưu với tên {name})" if name != shown else ""
            results[i] = (css, icon, shown, text + stored)
    for error in summary.failed:
        failed = Path(error.path)
        i = saved.get(error.path, index_of.get(failed.name, -1))
        shown = files[i].name if i >= 0 else failed.name
        results[i] = ("vd-bad", "✗", shown, error_message(error, max_bytes))
        if failed.is_file() and failed.resolve().parent == library.uploads.resolve():
            failed.unlink()
    return [results[i] for i in sorted(results)]


def _result(css: str, icon: str, name: str, text: str) -> str:
    return f'<li class="{css}">{icon} <strong>{esc(name)}</strong>: {esc(text)}</li>'


def launch_options(settings: Settings) -> dict[str, Any]:
    """What `launch` needs besides host and port: logins, no share link, an upload cap."""
    users = parse_users(settings.users)
    return {
        "share": False,
        "auth": make_auth(users),
        "auth_message": "Đăng nhập để dùng trợ lý tài liệu." if users else None,
        # Files a little over the limit still reach the handler and get a Vietnamese
        # message; much larger ones are refused by Gradio before they are written.
        "max_file_size": settings.max_bytes * 2 + 1024 * 1024,
    }


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Build the assistant from the settings and serve the app until interrupted."""
    options = launch_options(settings)  # malformed ASSISTANT_USERS fails before the model loads
    assistant = build_assistant(settings)
    app = build_app(assistant, settings)
    app.launch(server_name=host, server_port=port, **options)
