"""The Gradio layout: the chat, library and targets tabs, and which handler each event runs.

Citations are clickable: the answer panel is a `gr.HTML` whose `js_on_load`
(static/panel.js) turns a click on any element with `data-doc` into a custom
`cite` event carrying the document id and the character range, and
`Handlers.open_cited` renders that document with the range highlighted.
Events are registered in a fixed order: Gradio names the undocumented API
endpoints after the handlers (`/respond`, `/upload`...), numbering repeats.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from assistant.answer import Assistant
from assistant.settings import Settings
from assistant.web.filters import ALL_PROVINCES, province_choices
from assistant.web.handlers import Handlers, ask_endpoint
from assistant.web.library import LIBRARY_HEADERS, Library, library_rows
from assistant.web.render import answer_html, document_html
from assistant.web.statics import PRIVATE, static_text
from assistant.web.targets_tab import TargetsTab, refresh_targets, targets_tab, wire_targets
from assistant.web.uploads import mb
from index.weights import RETRIEVAL

# Events of one kind (e.g. questions) the app runs at once; more wait in the queue.
CONCURRENCY = 4
# Sample questions under the chat box: each is answered by the bundled articles
# (tests/test_web_samples.py asks them); the second follows up on the first.
EXAMPLES = (
    "Sóc Trăng đặt chỉ tiêu kinh tế số bao nhiêu phần trăm GRDP?",
    "Còn Tuyên Quang thì sao?",
    "Ứng dụng dùng chung của Tây Ninh tên là gì và có bao nhiêu tài khoản đăng ký?",
    "Tuyên Quang đã đầu tư bao nhiêu điểm cầu phục vụ công tác chỉ đạo điều hành?",
)
FOLLOW_UPS = {EXAMPLES[1]: EXAMPLES[0]}
# Gradio's cached files (uploads, downloads): checked hourly, removed after a day.
DELETE_CACHE = (3600, 86400)


@dataclass(frozen=True)
class ChatTab:
    chatbot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    examples: list[gr.Button]
    province: gr.Dropdown
    k: gr.Slider
    new_chat: gr.Button
    download: gr.DownloadButton
    comment: gr.Textbox
    useful: gr.Button
    not_useful: gr.Button
    feedback_status: gr.HTML
    panel: gr.HTML
    doc_picker: gr.Dropdown
    doc_view: gr.HTML


@dataclass(frozen=True)
class LibraryTab:
    account: gr.HTML
    admin_note: gr.Markdown
    table: gr.Dataframe
    manage: gr.Column
    files: gr.File
    upload: gr.Button
    upload_report: gr.HTML
    remove_picker: gr.Dropdown
    remove: gr.Button
    remove_report: gr.HTML


def build_app(assistant: Assistant, settings: Settings) -> gr.Blocks:
    """The Gradio Blocks app over one assistant; `serve.site` puts it behind the login."""
    handlers = Handlers(Library(assistant, settings), settings)
    handlers.library.remove_orphans()
    with gr.Blocks(
        title="Trợ lý tài liệu", analytics_enabled=False, delete_cache=DELETE_CACHE
    ) as app:
        with gr.Row(elem_id="header"):
            gr.HTML(
                f"<style>{static_text('app.css')}</style><h1 style='margin:0'>Trợ lý tài liệu</h1>"
                "<p class='vd-note' style='margin:2px 0 0'>Hỏi đáp tiếng Việt trên các tài liệu "
                "trong thư viện; mỗi câu trả lời kèm trích dẫn nguồn.</p>",
                js_on_load=None,
                scale=4,
            )
            account = gr.HTML("", js_on_load=None, elem_id="account", scale=1)
        turns = gr.State([])
        selected = gr.State(-1)
        with gr.Tabs(elem_id="tabs") as tabs:
            with gr.Tab("Hỏi đáp", id="chat"):
                chat = _chat_tab(handlers.library, settings)
            with gr.Tab("Thư viện", id="library"):
                library = _library_tab(handlers.library, settings, account)
            with gr.Tab("Chỉ tiêu", id="targets"):
                targets = targets_tab(handlers.library)
        _wire_chat(handlers, chat, turns, selected)
        _wire_library(app, handlers, library, targets, chat, tabs)
        wire_targets(handlers, targets, [chat.doc_view, chat.doc_picker, tabs])
        gr.api(ask_endpoint(handlers), api_name="ask")
    app.queue(default_concurrency_limit=CONCURRENCY)
    return app


def _chat_tab(library: Library, settings: Settings) -> ChatTab:
    # On a phone, app.css lays the question, then the answer, then the rest out in
    # one column (by these ids), so the answer is right under the question.
    with gr.Row(equal_height=False, elem_id="chat-row"):
        with gr.Column(scale=5, elem_id="chat-col"):
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
            with gr.Row(elem_id="ask-row"):
                question = gr.Textbox(
                    show_label=False,
                    placeholder=f"Nhập câu hỏi, ví dụ: {EXAMPLES[3]}",
                    lines=1,
                    max_lines=4,
                    max_length=settings.max_question_chars,
                    scale=8,
                    elem_id="question",
                    autofocus=True,
                )
                send = gr.Button("Gửi", variant="primary", scale=1, elem_id="send")
            gr.Markdown("**Câu hỏi mẫu** (bấm để hỏi):")
            with gr.Row():
                examples = [gr.Button(text, size="sm", variant="secondary") for text in EXAMPLES]
            with gr.Row():
                province = gr.Dropdown(
                    province_choices(),
                    value=ALL_PROVINCES,
                    label="Lọc theo tỉnh/thành",
                    elem_id="province",
                )
                k = gr.Slider(
                    1, RETRIEVAL.max_k, value=settings.k, step=1, label="Số đoạn tìm kiếm (k)"
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
                comment = gr.Textbox(label="Nhận xét (không bắt buộc)", lines=2, elem_id="comment")
                with gr.Row():
                    useful = gr.Button("Hữu ích", size="sm", elem_id="useful")
                    not_useful = gr.Button("Không hữu ích", size="sm", elem_id="not-useful")
                feedback_status = gr.HTML("", js_on_load=None, elem_id="feedback-status")
        with gr.Column(scale=6, elem_id="answer-col"):
            panel = gr.HTML(
                answer_html(None, library.view),
                label="Câu trả lời và nguồn",
                js_on_load=static_text("panel.js"),
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
                js_on_load=static_text("doc.js"),
                elem_id="doc-view",
                max_height=560,
                container=True,
                padding=True,
            )
    return ChatTab(
        chatbot,
        question,
        send,
        examples,
        province,
        k,
        new_chat,
        download,
        comment,
        useful,
        not_useful,
        feedback_status,
        panel,
        doc_picker,
        doc_view,
    )


def _library_tab(library: Library, settings: Settings, account: gr.HTML) -> LibraryTab:
    admin_note = gr.Markdown("", visible=False)
    table = gr.Dataframe(
        library_rows(library.documents()),
        headers=LIBRARY_HEADERS,
        datatype=["str", "str", "str", "number", "str", "str", "str"],
        interactive=False,
        column_widths=["32%", "9%", "6%", "7%", "10%", "14%", "22%"],
        label="Tài liệu đã lập chỉ mục (bấm vào một dòng để đọc tài liệu)",
        elem_id="library-table",
        wrap=True,
    )
    with gr.Column() as manage:
        gr.Markdown(
            f"### Tải lên tài liệu\nNhận tệp .txt, .md, .pdf, .html, tối đa "
            f"{mb(settings.max_bytes)} MB mỗi tệp. Tài liệu trả lời được ngay sau "
            "khi lập chỉ mục."
        )
        files = gr.File(
            label="Chọn tệp", file_count="multiple", type="filepath", elem_id="upload-files"
        )
        upload = gr.Button("Tải lên và lập chỉ mục", variant="primary", elem_id="upload")
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
            remove = gr.Button("Xóa tài liệu", variant="stop", scale=1)
        remove_report = gr.HTML("", js_on_load=None, elem_id="remove-report")
    return LibraryTab(
        account,
        admin_note,
        table,
        manage,
        files,
        upload,
        upload_report,
        remove_picker,
        remove,
        remove_report,
    )


def _wire_chat(handlers: Handlers, chat: ChatTab, turns: gr.State, selected: gr.State) -> None:
    outputs = [chat.chatbot, turns, selected, chat.panel, chat.question, chat.download]
    inputs = [chat.question, turns, chat.province, chat.k]
    chat.send.click(handlers.respond, inputs, outputs, **PRIVATE)
    chat.question.submit(handlers.respond, inputs, outputs, **PRIVATE)
    for button, text in zip(chat.examples, EXAMPLES, strict=True):
        # The lambda only binds the example's text, which becomes the question.
        button.click(lambda t=text: t, None, chat.question, queue=False, **PRIVATE).then(
            handlers.respond, inputs, outputs, **PRIVATE
        )
    chat.new_chat.click(handlers.new_conversation, None, outputs, **PRIVATE)
    chat.chatbot.clear(handlers.new_conversation, None, outputs, **PRIVATE)
    chat.chatbot.select(handlers.select_turn, [turns], [selected, chat.panel], **PRIVATE)
    chat.chatbot.like(handlers.like, [turns], None, **PRIVATE)
    chat.panel.cite(handlers.open_cited, None, [chat.doc_view, chat.doc_picker], **PRIVATE)
    chat.doc_picker.input(handlers.open_picked, [chat.doc_picker], [chat.doc_view], **PRIVATE)
    feedback_inputs = [turns, selected, chat.comment]
    feedback_outputs = [chat.comment, chat.feedback_status]
    chat.useful.click(handlers.useful_feedback, feedback_inputs, feedback_outputs, **PRIVATE)
    chat.not_useful.click(
        handlers.not_useful_feedback, feedback_inputs, feedback_outputs, **PRIVATE
    )


def _wire_library(
    app: gr.Blocks,
    handlers: Handlers,
    library: LibraryTab,
    targets: TargetsTab,
    chat: ChatTab,
    tabs: gr.Tabs,
) -> None:
    """Uploads, removals and page loads change the library, so the targets tab follows."""
    outputs = [library.table, library.remove_picker, chat.doc_picker]
    upload_outputs = [library.upload_report, *outputs]
    remove_outputs = [library.remove_report, *outputs]
    load_outputs = [*outputs, library.manage, library.admin_note, library.account]
    uploaded = library.upload.click(handlers.upload, [library.files], upload_outputs, **PRIVATE)
    # The lambda empties the file picker.
    refresh_targets(handlers, targets, uploaded.then(lambda: None, None, library.files, **PRIVATE))
    removed = library.remove.click(
        handlers.remove, [library.remove_picker], remove_outputs, **PRIVATE
    )
    refresh_targets(handlers, targets, removed)
    refresh_targets(handlers, targets, app.load(handlers.on_load, None, load_outputs, **PRIVATE))
    library.table.select(
        handlers.open_library_row, None, [chat.doc_view, chat.doc_picker, tabs], **PRIVATE
    )
