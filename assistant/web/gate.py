"""The web server around the Gradio app: a Vietnamese login page, logout, and who may upload.

Gradio's own login page is English and its `/config` for a logged-out visitor
carries no translations, so logins are ours: `/login` (a plain HTML form, or a
form post from `gradio_client`, which gets JSON), `/logout`, and a session
cookie that `auth_dependency` turns into `gr.Request.username`. Gradio's raw
upload route (`/gradio_api/upload`) is refused to non-admins here, before a
byte is written. Without logins everyone is an admin and no page is guarded.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any
from urllib.parse import parse_qs

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from assistant.settings import Settings
from assistant.web.locale import head_script, translations
from assistant.web.logins import User, is_admin, make_auth, parse_users
from assistant.web.render import esc
from assistant.web.statics import static_text

COOKIE = "vd-session"
WRONG_LOGIN = "Sai tên đăng nhập hoặc mật khẩu."
LOGGED_OUT = "Bạn đã đăng xuất."
UPLOAD_REFUSED = "Chỉ quản trị viên mới được tải tệp lên."
# Paths a logged-out visitor may reach: the login page and what it needs.
_OPEN = ("/login", "/logout", "/favicon.ico")
# Gradio's raw upload route, relative to where the app is mounted.
UPLOAD_ROUTE = "/gradio_api/upload"

Scope = MutableMapping[str, Any]
Asgi = Callable[[Scope, Callable, Callable], Awaitable[None]]


class Sessions:
    """Session tokens of logged-in users, kept in memory: a restart logs everyone out."""

    def __init__(self) -> None:
        self._users: dict[str, str] = {}
        self._lock = threading.Lock()

    def open(self, username: str) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._users[token] = username
        return token

    def user(self, token: str | None) -> str | None:
        with self._lock:
            return self._users.get(token or "")

    def close(self, token: str | None) -> None:
        with self._lock:
            self._users.pop(token or "", None)


def login_page(message: str = "", kind: str = "bad", auth_message: str = "") -> str:
    """The login form, in Vietnamese; `message` (escaped) says why it is shown again."""
    page = static_text("login.html")
    note = f'<p class="{kind}" role="alert">{esc(message)}</p>' if message else ""
    intro = f"<p>{esc(auth_message)}</p>" if auth_message else ""
    return page.replace("{{intro}}", intro).replace("{{message}}", note)


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


async def _form(request: Request) -> dict[str, str]:
    """The posted form, url-encoded (what the page and gradio_client send)."""
    fields = parse_qs((await request.body()).decode("utf-8", "replace"))
    return {name: values[0] for name, values in fields.items()}


def add_login_routes(
    app: FastAPI, users: Mapping[str, User], sessions: Sessions, auth_message: str
) -> None:
    check = make_auth(users)

    @app.get("/login", include_in_schema=False)
    def show_login(out: str | None = None) -> HTMLResponse:
        if out:
            return HTMLResponse(login_page(LOGGED_OUT, "ok", auth_message))
        return HTMLResponse(login_page(auth_message=auth_message))

    @app.post("/login", include_in_schema=False)
    async def log_in(request: Request) -> Response:
        form = await _form(request)
        username = form.get("username", "").strip()
        if check is None or not check(username, form.get("password", "")):
            if _wants_html(request):
                page = login_page(WRONG_LOGIN, "bad", auth_message)
                return HTMLResponse(page, status_code=401)
            return JSONResponse({"detail": WRONG_LOGIN}, status_code=401)
        if _wants_html(request):
            response: Response = RedirectResponse("./", status_code=303)
        else:
            response = JSONResponse({"success": True})
        response.set_cookie(COOKIE, sessions.open(username), httponly=True, samesite="lax")
        return response

    @app.get("/logout", include_in_schema=False)
    def log_out(request: Request) -> RedirectResponse:
        sessions.close(request.cookies.get(COOKIE))
        response = RedirectResponse("login?out=1", status_code=303)
        response.delete_cookie(COOKIE)
        return response


def _cookie(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, token = part.strip().partition("=")
                if key == COOKIE:
                    return token
    return None


class Guard:
    """ASGI middleware: logged-out pages go to the login form; uploads need an admin."""

    def __init__(self, app: Asgi, users: Mapping[str, User], sessions: Sessions) -> None:
        self.app, self.users, self.sessions = app, users, sessions

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        user = self.sessions.user(_cookie(scope))
        if self.users and user is None and scope["method"] == "GET" and path in ("", "/"):
            await RedirectResponse("login", status_code=303)(scope, receive, send)
            return
        upload = scope["method"] == "POST" and path.rstrip("/").endswith(UPLOAD_ROUTE)
        if upload and not is_admin(self.users, user):
            await JSONResponse({"detail": UPLOAD_REFUSED}, status_code=403)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def site(blocks: gr.Blocks, settings: Settings) -> FastAPI:
    """The FastAPI app that serves `blocks` at / behind the Vietnamese login, for uvicorn."""
    users = parse_users(settings.users)
    sessions = Sessions()
    auth_message = "Đăng nhập để dùng trợ lý tài liệu."
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    if users:
        add_login_routes(app, users, sessions, auth_message)
    app.add_middleware(Guard, users=users, sessions=sessions)

    def current_user(request: Request) -> str | None:
        return sessions.user(request.cookies.get(COOKIE))

    return gr.mount_gradio_app(
        app,
        blocks,
        "/",
        server_name=settings.host,
        server_port=settings.port,
        auth_dependency=current_user if users else None,
        # Files a little over the limit still reach the handler and get a Vietnamese
        # message; much larger ones are refused by Gradio before they are written.
        max_file_size=settings.max_bytes * 2 + 1024 * 1024,
        i18n=gr.I18n(vi=translations()),
        head=head_script(),
        footer_links=[],
        ssr_mode=False,
    )
