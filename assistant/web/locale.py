"""Gradio's own words (upload areas, table menus, chat buttons) in Vietnamese.

Gradio ships no Vietnamese and picks its language from the browser among the
ones it ships, so a Vietnamese browser gets English. `translations` is a
`gr.I18n` dictionary for the keys of Gradio's interface this app shows (any
other key falls back to English), and `head_script` switches the page to it
through Gradio's exported `changeLocale`, which also sets `<html lang="vi">`.
"""

from __future__ import annotations

import json
from pathlib import Path

import gradio as gr

LOCALE = "vi"
_WORDS = {
    "upload_text.click_to_upload": "Bấm để chọn tệp",
    "upload_text.drop_file": "Thả tệp vào đây",
    "upload_text.drop_csv": "Thả tệp CSV vào đây",
    "upload_text.drop_image": "Thả ảnh vào đây",
    "upload_text.paste_clipboard": "Dán từ bộ nhớ tạm",
    "file.uploading": "Đang tải lên...",
    "common.or": "hoặc",
    "common.clear": "Xóa",
    "common.download": "Tải xuống",
    "common.download_all": "Tải tất cả",
    "common.edit": "Sửa",
    "common.empty": "Trống",
    "common.error": "Lỗi",
    "common.loading": "Đang tải",
    "common.remove": "Bỏ",
    "common.settings": "Cài đặt",
    "common.share": "Chia sẻ",
    "common.submit": "Gửi",
    "common.undo": "Hoàn tác",
    "common.language": "Ngôn ngữ",
    "common.progress": "Tiến độ",
    "chatbot.copy_message": "Chép tin nhắn",
    "chatbot.copied_message": "Đã chép",
    "chatbot.like": "Hữu ích",
    "chatbot.dislike": "Không hữu ích",
    "chatbot.clear": "Xóa",
    "chatbot.retry": "Hỏi lại",
    "chatbot.undo": "Hoàn tác",
    "chatbot.edit": "Sửa",
    "chatbot.cancel": "Hủy",
    "chatbot.submit": "Gửi",
    "dataframe.sort_column": "Sắp xếp cột",
    "dataframe.sort_ascending": "Sắp xếp tăng dần",
    "dataframe.sort_descending": "Sắp xếp giảm dần",
    "dataframe.clear_sort": "Bỏ sắp xếp",
    "dataframe.filter": "Lọc",
    "dataframe.clear_filter": "Bỏ lọc",
    "dropdown.dropdown": "Danh sách chọn",
    "errors.use_via_api": "Dùng qua API",
    "status.queue_position": "Đang chờ: {position}",
}


def translations() -> dict[str, str]:
    """The Vietnamese words for Gradio's keys, flat ("upload_text.drop_file")."""
    return dict(_WORDS)


def core_module() -> str:
    """Gradio's front-end module that exports `changeLocale` (its file name is hashed)."""
    assets = Path(gr.__file__).parent / "templates" / "frontend" / "assets"
    found = sorted(assets.glob("core-*.js"))
    if len(found) != 1:
        raise RuntimeError(f"expected one core-*.js in {assets}, found {len(found)}")
    return f"assets/{found[0].name}"


def head_script() -> str:
    """A `<head>` script: once Gradio has set up its translations, switch to Vietnamese.

    Importing the module by the URL the page itself uses gives the same
    instance, so its language store is the page's.
    """
    module = json.dumps(core_module())
    return (
        "<script>(() => {"
        f"const core = new URL({module}, document.baseURI).href;"
        "const start = (tries) => {"
        "if (window.__gradio_session_hash__) {"
        f"import(core).then((m) => m.changeLocale({json.dumps(LOCALE)}));"
        "} else if (tries > 0) { setTimeout(() => start(tries - 1), 50); }"
        "};"
        "start(1200);"
        "})();</script>"
    )
