"""Serving the app: the port check, the server, and the `assistant serve` entry point."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from assistant.settings import Settings
from assistant.web.logins import parse_users

# Gradio, uvicorn and the model's libraries take many seconds to import, so they are
# imported in the functions below: a taken port or bad logins are told at once.


def port_problem(host: str, port: int) -> str | None:
    """Why the app cannot listen on host:port (in one Vietnamese line), or None if it can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            return (
                f"Không mở được cổng {port} trên {host} ({error.strerror}): có thể một "
                f"chương trình khác đang dùng cổng này. Hãy chọn cổng khác, ví dụ "
                f"make run PORT={port + 1} hoặc assistant serve --port {port + 1}."
            )
    return None


def server(settings: Settings, app: object) -> Any:
    """A uvicorn server for `app` on the settings' host and port."""
    import uvicorn

    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level="warning", lifespan="on"
    )
    return uvicorn.Server(config)


@contextmanager
def serving(blocks: object, settings: Settings) -> Iterator[str]:
    """Serve the app in a background thread (tests, embedding); yields its URL."""
    from assistant.web.gate import site

    running = server(settings, site(blocks, settings))  # type: ignore[arg-type]
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not running.started:
        raise RuntimeError(f"the app did not start on {settings.host}:{settings.port}")
    try:
        yield f"http://{settings.host}:{settings.port}/"
    finally:
        running.should_exit = True
        thread.join(timeout=10)


def serve(settings: Settings) -> None:
    """Build the assistant from the settings and serve the app until interrupted.

    A malformed ASSISTANT_USERS or a port in use stops here, before the model loads.
    """
    try:
        parse_users(settings.users)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    problem = port_problem(settings.host, settings.port)
    if problem:
        raise click.ClickException(problem)
    from assistant.components import build_assistant
    from assistant.web.gate import site
    from assistant.web.layout import build_app

    blocks = build_app(build_assistant(settings), settings)
    click.echo(
        f"Trợ lý tài liệu đang chạy tại http://{settings.host}:{settings.port}/ (Ctrl+C để dừng)"
    )
    server(settings, site(blocks, settings)).run()
