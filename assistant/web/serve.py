"""Serving the app: the options `launch` gets, and the `assistant serve` entry point."""

from __future__ import annotations

from typing import Any

from assistant.components import build_assistant
from assistant.settings import Settings
from assistant.web.layout import build_app
from assistant.web.logins import make_auth, parse_users


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


def serve(settings: Settings) -> None:
    """Build the assistant from the settings and serve the app until interrupted."""
    options = launch_options(settings)  # malformed ASSISTANT_USERS fails before the model loads
    assistant = build_assistant(settings)
    app = build_app(assistant, settings)
    app.launch(server_name=settings.host, server_port=settings.port, **options)
