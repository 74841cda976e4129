"""The `assistant` command as users run it: exit codes, messages, JSON and CSV output."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.targets_table import COLUMNS
from tests.conftest import ARTICLES, ROOT

QUESTION = "Sóc Trăng đặt chỉ tiêu kinh tế số bao nhiêu phần trăm GRDP?"


@pytest.fixture(scope="module")
def db(tmp_path_factory, model_dir):
    """An index built through the command line, shared by this module's read-only tests."""
    path = tmp_path_factory.mktemp("cli") / "db"
    result = run("ingest", str(ARTICLES), "--db", str(path))
    assert result.exit_code == 0, result.output
    assert "5 added" in result.output
    return path


def run(*args: str):
    env = {"ASSISTANT_DATA_DIR": str(ROOT / ".data")}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_ingest_reports_each_bad_file_and_exits_non_zero(tmp_path, db):
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(ARTICLES / "tay-ninh-lo-trinh-chuyen-doi-so.txt", folder)
    (folder / "empty.md").write_text("   ")
    (folder / "scan.pdf").write_bytes(b"not a pdf at all")
    result = run("ingest", str(folder), str(tmp_path / "nowhere.txt"), "--db", str(tmp_path / "x"))
    assert result.exit_code == 1
    assert "empty.md" in result.output and "scan.pdf" in result.output
    assert "nowhere.txt" in result.output
    assert "1 added" in result.output and "3 failed" in result.output


def test_ingest_if_empty_leaves_a_filled_index_alone(db):
    result = run("ingest", str(ARTICLES), "--db", str(db), "--if-empty")
    assert result.exit_code == 0 and "already holds documents" in result.output


def test_sources_lists_documents_as_json(db):
    result = run("sources", "--db", str(db), "--json")
    records = [json.loads(line) for line in result.output.splitlines()]
    assert len(records) == 5
    assert {"source", "title", "date", "provinces", "chunks", "content_hash"} <= set(records[0])


def test_ask_prints_the_answer_record_as_json(db):
    result = run("ask", QUESTION, "--db", str(db), "--json")
    record = json.loads(result.output)
    assert "7,41%" in record["answer"] and not record["abstained"]
    assert record["citations"][0]["source"] == "soc-trang-cam-ket-nguoi-dung-dau.txt"


def test_ask_prints_a_readable_answer_with_its_sources(db):
    result = run("ask", QUESTION, "--db", str(db), "--retrieval", "lexical")
    assert "Nguồn:" in result.output and "[1]" in result.output


def test_targets_as_csv_has_the_documented_columns_in_order(db):
    result = run("targets", "--db", str(db), "--csv", "--province", "Cần Thơ")
    rows = list(csv.reader(io.StringIO(result.output)))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) > 3 and {row[0] for row in rows[1:]} == {"Sóc Trăng"}


def test_eval_writes_results_and_a_report_and_fails_on_a_missed_threshold(db, tmp_path):
    questions = tmp_path / "q.jsonl"
    lines = (ROOT / "tests" / "data" / "qa.jsonl").read_text(encoding="utf-8").splitlines()[:6]
    questions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, report = tmp_path / "out.jsonl", tmp_path / "report"
    args = ["eval", str(questions), "--out", str(out), "--report", str(report), "--db", str(db)]
    passed = run(*args, "--min-key-facts", "0.1")
    assert passed.exit_code == 0, passed.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 6
    assert {p.name for p in report.iterdir()} == {"report.md", "report.json", "report.png"}
    failed = run(*args, "--threshold", "latency_p95_ms=0.001")
    assert failed.exit_code == 1 and "latency_p95_ms" in failed.output


def test_eval_names_a_bad_question_file(tmp_path, db):
    questions = tmp_path / "bad.jsonl"
    questions.write_text('{"id": "x"}\n', encoding="utf-8")
    result = run("eval", str(questions), "--out", str(tmp_path / "o.jsonl"), "--db", str(db))
    assert result.exit_code == 2 and "bad.jsonl:1" in result.output and "question" in result.output


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs tesseract (make installs it)")
def test_ingest_says_which_scanned_pages_were_left_out(tmp_path, model_dir):
    import io

    from pypdf import PdfReader, PdfWriter

    from tests.scanned import PAGES, scanned_pdf

    writer = PdfWriter()
    for scan in (scanned_pdf(PAGES[:1]), scanned_pdf(PAGES[1:], blur=7)):
        for page in PdfReader(io.BytesIO(scan)).pages:
            writer.add_page(page)
    path = tmp_path / "ke-hoach-scan.pdf"
    with path.open("wb") as out:
        writer.write(out)
    result = run("ingest", str(path), "--db", str(tmp_path / "db"))
    assert result.exit_code == 0, result.output
    assert "note: ke-hoach-scan.pdf: page 2 was left out" in result.output
    assert "1 added" in result.output
