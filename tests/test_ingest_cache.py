"""`assistant ingest` leaves the lexical cache caught up, so the next question need not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.components import lexical_dir, open_store
from assistant.settings import Settings
from index.catalog import markers
from index.lexical_cache import LexicalCache
from tests.conftest import ARTICLES, ROOT

FILES = ("tay-ninh-lo-trinh-chuyen-doi-so.txt", "tuyen-quang-chinh-quyen-dien-tu.txt")
QUESTION = "Tây Ninh phấn đấu đến năm 2030 vào nhóm các tỉnh nào về chuyển đổi số?"


def run(*args: str):
    env = {"ASSISTANT_DATA_DIR": str(ROOT / ".data")}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in FILES:
        shutil.copy(ARTICLES / name, docs)
    return docs


def cache_files(path: Path) -> dict[str, bytes]:
    """The cache's state and tantivy's segment list: what any catch-up that changed it rewrites."""
    return {name: (path / name).read_bytes() for name in ("state.json", "meta.json")}


def test_ingest_leaves_the_cache_holding_every_document_it_wrote(tmp_path, folder, model_dir):
    db = tmp_path / "db"
    result = run("ingest", str(folder), "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "2 added" in result.output and "lexical" not in result.output

    settings = Settings(data_dir=model_dir, db=db)
    store = open_store(settings)
    path = lexical_dir(settings, store)
    wanted = markers(store.records())
    assert len(wanted) == len(FILES)
    assert LexicalCache(path).held == wanted
    assert LexicalCache(path).faults(store) == []

    before = cache_files(path)
    result = run("ask", QUESTION, "--db", str(db), "--json")
    assert result.exit_code == 0, result.output
    assert "tay-ninh-lo-trinh-chuyen-doi-so.txt" in result.output
    assert cache_files(path) == before


def test_a_cache_that_cannot_be_updated_does_not_fail_the_ingest(tmp_path, folder, model_dir):
    db = tmp_path / "db"
    # Where the cache would go is a file: tantivy cannot open it there.
    db.with_name("db-lexical").write_text("not a directory")
    result = run("ingest", str(folder), "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "2 added" in result.output
    assert "note: the lexical index was not updated" in result.output
    settings = Settings(data_dir=model_dir, db=db)
    assert len(open_store(settings).list_documents()) == len(FILES)


def test_reindex_leaves_the_cache_caught_up(tmp_path, folder, model_dir):
    db = tmp_path / "db"
    assert run("ingest", str(folder), "--db", str(db)).exit_code == 0
    settings = Settings(data_dir=model_dir, db=db)
    path = lexical_dir(settings, open_store(settings))
    shutil.rmtree(path)
    result = run("reindex", "--db", str(db))
    assert result.exit_code == 0, result.output
    store = open_store(settings)
    assert LexicalCache(path).held == markers(store.records())


def test_ingest_into_a_server_catches_up_this_machines_cache_of_it(
    tmp_path, folder, model_dir, empty_chroma_server
):
    data = tmp_path / "data"
    data.mkdir()
    (data / "models").symlink_to(model_dir / "models")  # the built model, the cache apart
    env = {"ASSISTANT_DATA_DIR": str(data)}
    ingest = ["ingest", str(folder), "--chroma-url", empty_chroma_server]
    result = CliRunner().invoke(main, ingest, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    settings = Settings(data_dir=data, chroma_url=empty_chroma_server)
    store = open_store(settings)
    path = lexical_dir(settings, store)
    assert path is not None and path.is_relative_to(data / "lexical")
    assert LexicalCache(path).held == markers(store.records())
