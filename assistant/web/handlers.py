"""The Python side of every event of the app, as methods of one object over the library.

The layout passes these bound methods to Gradio; a method's name is also its
event's API name (`/upload`, `/respond`...), so names stay as they are. Tests
call them directly, without Blocks or a server. Gradio finds the `gr.Request`,
`gr.SelectData` and progress parameters by annotation and default value, so
every annotation here must resolve at run time (no TYPE_CHECKING imports).
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.utils import get_upload_folder

from assistant import targets_table
from assistant.settings import Settings
from assistant.web.chart import CHART_HINT, NO_FIGURES, chart_notes_html, chart_rows, write_chart
from assistant.web.export import FeedbackLog, export_markdown, feedback_record, session_folder
from assistant.web.filters import ALL_PROVINCES, k_value, province_filter
from assistant.web.library import Library, library_rows, pick_document
from assistant.web.logins import is_admin, parse_users
from assistant.web.render import (
    DOCUMENT_GONE,
    account_html,
    answer_html,
    chat_messages,
    document_html,
    message_html,
    panel_html,
    upload_report_html,
)
from assistant.web.targets_view import (
    ALL_INDICATORS,
    indicator_choices,
    pick_target,
    target_document_html,
    target_rows,
    target_table,
)
from assistant.web.uploads import upload_files

# One answer record as the chat keeps it: `AnswerRecord.to_json()`.
Turn = dict[str, Any]
# The longest question answered (characters): longer ones would hold a worker for
# seconds. To become the setting `max_question_chars`.
# Gradio injects a progress tracker into the handler that declares this default.
PROGRESS = gr.Progress()
# Downloads (the conversation, the targets CSV), one folder per browser session.
EXPORTS = Path(tempfile.gettempdir()) / "vn-docs-assistant-exports"
_NOTHING_TO_RATE = "Chưa có câu trả lời nào để góp ý."
_NOT_ADMIN_NOTE = (
    "Chỉ quản trị viên mới được tải lên hoặc xóa tài liệu. Bạn vẫn có thể xem thư viện và hỏi đáp."
)


def _username(request: gr.Request | None) -> str | None:
    return getattr(request, "username", None) if request is not None else None


def _session(request: gr.Request | None) -> str | None:
    return getattr(request, "session_hash", None)


def check_question(question: str, limit: int) -> str:
    """The question, stripped; raises gr.Error (a Vietnamese message) when it is too long."""
    question = (question or "").strip()
    if len(question) > limit:
        size, cap = (f"{n:,}".replace(",", ".") for n in (len(question), limit))
        raise gr.Error(
            f"Câu hỏi quá dài: {size} ký tự, tối đa {cap} ký tự. Hãy rút gọn câu hỏi.",
            title="Câu hỏi quá dài",
        )
    return question


def discard_temporary(paths: list[Path]) -> None:
    """Delete Gradio's temporary copies of uploaded files once they are stored (or refused).

    Only files inside Gradio's upload folder are touched, never a caller's own files.
    """
    temporary = Path(get_upload_folder()).resolve()
    for path in paths:
        if path.resolve().is_relative_to(temporary):
            path.unlink(missing_ok=True)


def _turn_of(index: Any) -> int:
    """The turn of a chat message index: a question and its answer are two messages."""
    index = index[0] if isinstance(index, list | tuple) else index
    return int(index) // 2


class Handlers:
    """The app's event handlers over one library, its logins and its feedback log."""

    def __init__(self, library: Library, settings: Settings, exports: Path = EXPORTS) -> None:
        self.library = library
        self.settings = settings
        self.users = parse_users(settings.users)
        self.feedback = FeedbackLog(settings.data_dir / "feedback.jsonl")
        self.exports = exports

    # -- chat

    def ask(self, question: str, province: str | None, k: Any) -> Turn:
        """One question without history: the record `assistant ask --json` prints."""
        k = k_value(k, self.settings.k)
        question = check_question(question, self.settings.max_question_chars)
        return self.library.ask(question, (), province_filter(province), k).to_json()

    def respond(
        self,
        question: str | None,
        turns: list[Turn] | None,
        province: str | None,
        k: float | None,
        request: gr.Request,
    ) -> tuple[Any, ...]:
        """Answer the question with the earlier ones as history: chat, turns, panel, export."""
        question = check_question(question or "", self.settings.max_question_chars)
        turns = list(turns or [])
        if not question:
            return tuple(gr.skip() for _ in range(6))
        history = [t["question"] for t in turns]
        k = k_value(k, self.settings.k)
        record = self.library.ask(question, history, province_filter(province), k)
        turns.append({**record.to_json(), "province_filter": province_filter(province)})
        path = session_folder(self.exports, _session(request)) / "hoi-dap.md"
        path.write_text(export_markdown(turns), encoding="utf-8")
        return (
            chat_messages(turns),
            turns,
            len(turns) - 1,
            panel_html(turns[-1], self.library.view),
            "",
            gr.DownloadButton(value=str(path), interactive=True),
        )

    def new_conversation(self) -> tuple[Any, ...]:
        return (
            [],
            [],
            -1,
            answer_html(None, self.library.view),
            "",
            gr.DownloadButton(value=None, interactive=False),
        )

    def select_turn(self, turns: list[Turn] | None, evt: gr.SelectData) -> tuple[Any, Any]:
        """A click on a chat message shows its turn's answer in the panel."""
        turn = _turn_of(evt.index)
        if not turns or not 0 <= turn < len(turns):
            return gr.skip(), gr.skip()
        return turn, panel_html(turns[turn], self.library.view)

    # -- documents

    def open_cited(self, evt: gr.EventData) -> tuple[str, gr.Dropdown]:
        """The panel's `cite` event: the cited document with the quoted range marked."""
        doc_id = str(getattr(evt, "doc_id", "") or "")
        start, end = getattr(evt, "start", None), getattr(evt, "end", None)
        view = self.library.view(doc_id)
        try:
            start, end = int(start), int(end)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            start = end = None
        picker = gr.Dropdown(choices=self.library.choices(), value=doc_id if view else None)
        if view is None:
            return DOCUMENT_GONE, picker
        return document_html(view, start, end), picker

    def open_picked(self, doc_id: str | None) -> str:
        return document_html(self.library.view(doc_id) if doc_id else None)

    def open_library_row(self, evt: gr.SelectData) -> tuple[Any, ...]:
        """A click on a library row: that document in the chat tab's document view."""
        row = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        doc = pick_document(self.library.documents(), row, getattr(evt, "row_value", None))
        if doc is None:
            return gr.skip(), gr.skip(), gr.skip()
        view = self.library.view(doc.doc_id)
        picker = gr.Dropdown(choices=self.library.choices(), value=doc.doc_id if view else None)
        return document_html(view) if view else DOCUMENT_GONE, picker, gr.Tabs(selected="chat")

    # -- targets

    def show_targets(
        self, province: str | None, indicator: str | None, sort: str | None, request: gr.Request
    ) -> tuple[Any, ...]:
        """The targets tab for its filters: table, rows kept, indicators, count, CSV."""
        docs = self.library.documents()
        choices = indicator_choices(docs, province)
        indicator = indicator if indicator in choices else ALL_INDICATORS
        rows = target_rows(docs, province, indicator, sort or "province")
        path = session_folder(self.exports, _session(request)) / "chi-tieu.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            targets_table.write_csv(rows, out)
        if rows:
            count = message_html("vd-note", f"{len(rows)} dòng.")
        else:
            count = message_html("vd-note", "Không có chỉ tiêu nào khớp bộ lọc.")
        return (
            target_table(rows),
            rows,
            gr.Dropdown(choices=choices, value=indicator),
            count,
            gr.DownloadButton(value=str(path), interactive=bool(rows)),
        )

    def show_chart(
        self, rows: list[dict[str, Any]] | None, indicator: str | None, request: gr.Request
    ) -> tuple[Any, ...]:
        """The chart of the indicator chosen in the targets tab: image, notes, PNG download."""
        if not indicator or indicator == ALL_INDICATORS:
            note = message_html("vd-note", CHART_HINT)
            return gr.Image(None, visible=False), note, gr.DownloadButton(None, interactive=False)
        bars = chart_rows(rows or [])
        if not bars:
            note = message_html("vd-note", NO_FIGURES)
            return gr.Image(None, visible=False), note, gr.DownloadButton(None, interactive=False)
        path = session_folder(self.exports, _session(request)) / "bieu-do-chi-tieu.png"
        write_chart(bars, indicator, path)
        return (
            gr.Image(str(path), visible=True),
            chart_notes_html(bars),
            gr.DownloadButton(value=str(path), interactive=True),
        )

    def open_bar(self, evt: gr.EventData) -> tuple[Any, ...]:
        """A click on a chart's numbered sentence: its document, in the chat tab."""
        return (*self.open_cited(evt), gr.Tabs(selected="chat"))

    def open_target(self, rows: list[dict[str, Any]] | None, evt: gr.SelectData) -> tuple[Any, ...]:
        """A click on a targets row: its document at the sentence, in the chat tab."""
        row = pick_target(rows or [], evt.index, getattr(evt, "row_value", None))
        if row is None:
            return gr.skip(), gr.skip(), gr.skip()
        doc_id = str(row.get("doc_id") or "")
        view = self.library.view(doc_id)
        picker = gr.Dropdown(choices=self.library.choices(), value=doc_id if view else None)
        return target_document_html(view, row), picker, gr.Tabs(selected="chat")

    # -- feedback

    def save_feedback(
        self,
        turns: list[Turn] | None,
        selected: int | None,
        rating: str,
        comment: str | None,
        request: gr.Request | None,
    ) -> tuple[Any, str]:
        """Record a rating of the answer being viewed (the last one if none is selected)."""
        turns = turns or []
        index = selected if isinstance(selected, int) and 0 <= selected < len(turns) else -1
        if not turns:
            gr.Warning(_NOTHING_TO_RATE)
            return gr.skip(), message_html("vd-note", _NOTHING_TO_RATE)
        turn = turns[index]
        self.feedback.append(feedback_record(turn, rating, comment or "", _username(request)))
        gr.Info("Cảm ơn bạn đã góp ý!")
        label = "hữu ích" if rating == "useful" else "không hữu ích"
        return "", message_html(
            "vd-ok", f"Đã ghi góp ý ({label}) cho câu hỏi: “{turn['question']}”."
        )

    def useful_feedback(
        self,
        turns: list[Turn] | None,
        selected: int | None,
        comment: str | None,
        request: gr.Request,
    ) -> tuple[Any, str]:
        return self.save_feedback(turns, selected, "useful", comment, request)

    def not_useful_feedback(
        self,
        turns: list[Turn] | None,
        selected: int | None,
        comment: str | None,
        request: gr.Request,
    ) -> tuple[Any, str]:
        return self.save_feedback(turns, selected, "not_useful", comment, request)

    def like(self, turns: list[Turn] | None, evt: gr.LikeData, request: gr.Request) -> None:
        """The chat's thumbs: a rating without comment of the turn liked or disliked."""
        turn = _turn_of(evt.index)
        if evt.liked in (None, "") or not turns or not 0 <= turn < len(turns):
            return
        rating = "useful" if evt.liked in (True, "Like") else "not_useful"
        self.feedback.append(feedback_record(turns[turn], rating, "", _username(request)))

    # -- library

    def library_state(self) -> tuple[list[list[Any]], gr.Dropdown, gr.Dropdown]:
        """The library table and both document dropdowns, after a change."""
        choices = self.library.choices()
        return (
            library_rows(self.library.documents()),
            gr.Dropdown(choices=choices, value=None),
            gr.Dropdown(choices=choices),
        )

    def on_load(self, request: gr.Request) -> tuple[Any, ...]:
        """A page load: the library as it is now; upload and removal for admins only."""
        username = _username(request)
        admin = is_admin(self.users, username)
        note = "" if admin else _NOT_ADMIN_NOTE
        return (
            *self.library_state(),
            gr.Column(visible=admin),
            gr.Markdown(note, visible=bool(note)),
            account_html(username if self.users else None),
        )

    def upload(
        self, files: list[str] | None, request: gr.Request, progress: gr.Progress = PROGRESS
    ) -> tuple[Any, ...]:
        if not is_admin(self.users, _username(request)):
            raise gr.Error("Chỉ quản trị viên mới được tải lên tài liệu.")
        paths = [Path(str(f)) for f in (files or [])]
        if not paths:
            return (message_html("vd-note", "Chưa chọn tệp nào."), *self.library_state())
        progress(0, desc="Đang kiểm tra tệp…")
        ingest = functools.partial(
            self.library.ingest,
            progress=lambda items: progress.tqdm(items, desc="Đang lập chỉ mục", unit="tệp"),
        )
        results = upload_files(paths, self.library.uploads, ingest, self.settings.max_bytes)
        discard_temporary(paths)
        return (upload_report_html(results), *self.library_state())

    def remove(self, doc_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        if not is_admin(self.users, _username(request)):
            raise gr.Error("Chỉ quản trị viên mới được xóa tài liệu.")
        if not doc_id:
            return (message_html("vd-note", "Chọn một tài liệu để xóa."), *self.library_state())
        doc = self.library.remove(str(doc_id))
        if doc:
            message = message_html("vd-ok", f"Đã xóa: {doc.title} ({doc.source})")
        else:
            message = message_html("vd-bad", "Tài liệu không còn trong thư viện.")
        return (message, *self.library_state())


def ask_endpoint(handlers: Handlers) -> Callable[..., dict]:
    """The `/ask` API function; its signature, with this app's k as default, is what clients see."""
    default_k = k_value(handlers.settings.k, handlers.settings.k)

    def ask_api(question: str, province: str = ALL_PROVINCES, k: int = default_k) -> dict:
        """Answer one question; returns the record that `assistant ask --json` prints."""
        return handlers.ask(question, province, k)

    return ask_api
