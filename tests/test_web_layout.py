"""The layout, built without a server or the model: its endpoints, element ids and static files.

The API endpoint names come from the handlers' names and the order events are
registered in; browser tests and API clients rely on them, so they are pinned here.
"""

from __future__ import annotations

import pytest

from assistant.settings import Settings
from assistant.web.layout import build_app
from assistant.web.statics import static_text
from tests.web_samples import empty_assistant

ENDPOINTS = [
    *["respond", "respond_1", "lambda", "respond_2", "lambda_1", "respond_3", "lambda_2"],
    *["respond_4", "lambda_3", "respond_5", "new_conversation", "new_conversation_1"],
    *["select_turn", "like", "open_cited", "open_picked", "useful_feedback"],
    *["not_useful_feedback", "upload", "lambda_4", "show_targets", "show_chart", "remove"],
    *["show_targets_1", "show_chart_1", "on_load", "show_targets_2", "show_chart_2"],
    *["open_library_row", "show_targets_3", "show_chart_3", "show_targets_4", "show_chart_4"],
    *["show_targets_5", "show_chart_5", "open_bar", "open_target", "ask"],
]
ELEMENT_IDS = {
    *["tabs", "chatbot", "question", "send", "province", "new-chat", "export", "comment"],
    *["useful", "not-useful", "feedback-status", "answer-panel", "doc-picker", "doc-view"],
    *["library-table", "upload-files", "upload", "upload-report", "remove-picker"],
    *["remove-report", "targets-province", "targets-indicator", "targets-sort"],
    *["targets-table", "targets-count", "targets-export", "account", "targets-chart"],
    *["chart-notes", "chart-export"],
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app over an empty index, answering lexically: no model is loaded."""
    data = tmp_path_factory.mktemp("layout")
    return build_app(empty_assistant(data), Settings(data_dir=data))


def test_endpoints_keep_their_names_and_only_ask_is_public(app):
    assert [fn.api_name for fn in app.fns.values()] == ENDPOINTS
    public = [fn.api_name for fn in app.fns.values() if fn.api_visibility != "undocumented"]
    assert public == ["ask"]
    ask = app.get_api_info()["named_endpoints"]["/ask"]
    assert [p["parameter_name"] for p in ask["parameters"]] == ["question", "province", "k"]
    assert [p["parameter_default"] for p in ask["parameters"][1:]] == ["Tất cả", Settings().k]


def test_every_element_id_is_there_once(app):
    ids = [c["props"].get("elem_id") for c in app.get_config_file()["components"]]
    assert set(ids) >= ELEMENT_IDS
    assert all(ids.count(elem_id) == 1 for elem_id in ELEMENT_IDS)


def test_css_and_js_come_from_the_static_files(app):
    components = [c["props"] for c in app.get_config_file()["components"]]
    props = {p["elem_id"]: p for p in components if p.get("elem_id")}
    assert props["answer-panel"]["js_on_load"] == static_text("panel.js")
    assert "trigger('cite'" in static_text("panel.js")
    assert props["doc-view"]["js_on_load"] == static_text("doc.js")
    assert props["chart-notes"]["js_on_load"] == static_text("panel.js")
    header = next(p["value"] for p in components if "<style>" in str(p.get("value")))
    assert f"<style>{static_text('app.css')}</style>" in header
    assert "#targets-table [role=gridcell]" in static_text("app.css")
