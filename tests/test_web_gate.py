"""The server around the app, without a browser or the model: the Vietnamese login page,
logout, the raw upload route for admins only, Gradio's words in Vietnamese, a taken port."""

from __future__ import annotations

import socket

import pytest
from fastapi.testclient import TestClient

from assistant.settings import Settings
from assistant.web.gate import COOKIE, LOGGED_OUT, UPLOAD_REFUSED, WRONG_LOGIN, site
from assistant.web.layout import build_app
from assistant.web.locale import core_module, head_script, translations
from assistant.web.serve import port_problem
from tests.web_samples import empty_assistant

HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("gate"), users="an:mk:admin,binh:123")


@pytest.fixture(scope="module")
def client(settings):
    app = site(build_app(empty_assistant(settings.data_dir), settings), settings)
    with TestClient(app, follow_redirects=False) as client:
        yield client


def _log_in(client: TestClient, name: str, password: str) -> None:
    client.cookies.clear()
    response = client.post("/login", data={"username": name, "password": password})
    assert response.status_code == 200 and response.json() == {"success": True}


def test_logged_out_visitors_get_the_vietnamese_login_page(client):
    client.cookies.clear()
    response = client.get("/", headers=HTML)
    assert response.status_code == 303 and response.headers["location"] == "login"
    page = client.get("/login").text
    assert '<html lang="vi">' in page and "Đăng nhập" in page and "Mật khẩu" in page
    assert "Login" not in page and "username" not in page.split("<form")[0]
    assert client.get("/config").status_code == 401


def test_wrong_password_is_told_in_vietnamese(client):
    client.cookies.clear()
    page = client.post("/login", data={"username": "binh", "password": "x"}, headers=HTML)
    assert page.status_code == 401 and WRONG_LOGIN in page.text and "Incorrect" not in page.text
    api = client.post("/login", data={"username": "nobody", "password": "123"})
    assert api.status_code == 401 and api.json()["detail"] == WRONG_LOGIN


def test_login_then_logout(client):
    client.cookies.clear()
    response = client.post("/login", data={"username": "binh", "password": "123"}, headers=HTML)
    assert response.status_code == 303 and COOKIE in response.cookies
    assert client.get("/", headers=HTML).status_code == 200
    assert client.get("/config").json()["username"] == "binh"
    out = client.get("/logout")
    assert out.status_code == 303 and out.headers["location"] == "login?out=1"
    assert LOGGED_OUT in client.get("/login?out=1").text
    assert client.get("/config").status_code == 401


def test_only_admins_may_post_to_the_raw_upload_route(client, settings):
    files = {"files": ("ghi-chu.txt", "Ghi chú thử.".encode(), "text/plain")}
    client.cookies.clear()
    assert client.post("/gradio_api/upload", files=files).status_code == 403
    _log_in(client, "binh", "123")
    refused = client.post("/gradio_api/upload", files=files)
    assert refused.status_code == 403 and refused.json()["detail"] == UPLOAD_REFUSED
    _log_in(client, "an", "mk")
    stored = client.post("/gradio_api/upload", files=files)
    assert stored.status_code == 200 and stored.json()[0].endswith("ghi-chu.txt")


def test_gradio_words_are_vietnamese_and_the_page_switches_to_them(client):
    words = translations()
    assert words["upload_text.drop_file"] == "Thả tệp vào đây"
    assert words["upload_text.click_to_upload"] == "Bấm để chọn tệp"
    assert words["common.or"] == "hoặc"
    script = head_script()
    assert core_module() in script and "changeLocale" in script and '"vi"' in script
    _log_in(client, "an", "mk")
    config = client.get("/config").json()
    assert config["i18n_translations"] == {"vi": words}
    assert core_module() in config["head"]
    assert config["footer_links"] == []


def test_a_taken_port_is_one_clear_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        problem = port_problem("127.0.0.1", port)
    assert problem is not None and "\n" not in problem
    assert f"cổng {port}" in problem and f"PORT={port + 1}" in problem
    assert port_problem("127.0.0.1", port) is None
