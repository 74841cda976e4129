"""The Gradio app: upload safety, escaping, export and logins (fast), then the real app in a
real headless Chromium and through gradio_client (slow)."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.app import (
    ALL_INDICATORS,
    ALL_PROVINCES,
    NOT_FOUND_HEADING,
    RELATED_HEADING,
    TARGET_FIELDS,
    TARGET_HEADERS,
    DocumentView,
    UploadError,
    User,
    answer_html,
    build_app,
    chat_messages,
    check_content,
    document_html,
    error_message,
    export_markdown,
    feedback_record,
    indicator_choices,
    is_admin,
    launch_options,
    make_auth,
    parse_users,
    pick_target,
    safe_filename,
    save_upload,
    target_document_html,
    target_rows,
    target_table,
    targets_csv,
    unique_path,
)
from assistant.record import AnswerRecord, Citation
from assistant.settings import Settings
from assistant.targets_table import COLUMNS
from index.store import StoredDocument
from ingest.document import LoadError
from ingest.normalize import fold, strip_diacritics
from ingest.provinces import all_names
from tests.conftest import ARTICLES, ROOT, free_port

SHOTS = ROOT / "test-output" / "screenshots"
GOLD_TARGETS = ROOT / "tests" / "data" / "targets.jsonl"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SOC_TRANG = "Sóc Trăng đặt chỉ tiêu kinh tế số bao nhiêu phần trăm GRDP?"
XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_LINK = "[x](javascript:alert(1))"
MB = 1024 * 1024

# ---------------------------------------------------------------------------
# Upload names and content


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../x.txt", "x.txt"),
        ("..\\..\\windows\\evil.txt", "evil.txt"),
        ("/etc/passwd", "passwd"),
        (".bashrc", "bashrc"),
        ("  .hidden.md", "hidden.md"),
        ("-rf.txt", "rf.txt"),
        ("Báo cáo\u202e\u200b năm 2024／final.PDF", "Báo_cáo_năm_2024_final.pdf"),
        ("Ba\u0301o ca\u0301o.txt", "Báo_cáo.txt"),  # decomposed tones are composed first
        ("tệp (1).txt", "tệp_1.txt"),
        ("CON.txt", "tai-lieu-CON.txt"),
        ("....", "tai-lieu"),
        ("", "tai-lieu"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


@pytest.mark.parametrize(
    "name", ["../../x.txt", "a/../../b.pdf", "\x00\x01bad.txt", "😀😀.md", "x" * 500 + ".html"]
)
def test_safe_filename_is_always_plain(name):
    safe = safe_filename(name)
    assert re.fullmatch(r"\w[\w.-]*", safe)
    assert "/" not in safe and "\\" not in safe and ".." not in safe.split(".")[0]
    assert len(safe) <= 110


def test_unique_path_avoids_collisions_and_reuses_identical_files(tmp_path):
    first = unique_path(tmp_path, "a.txt", b"one")
    assert first == tmp_path / "a.txt"
    first.write_bytes(b"one")
    assert unique_path(tmp_path, "a.txt", b"one") == first
    second = unique_path(tmp_path, "a.txt", b"two")
    assert second == tmp_path / "a-2.txt"


def test_save_upload_stores_under_a_safe_name_inside_the_folder(tmp_path):
    source = tmp_path / "in" / "..Báo cáo.txt"
    source.parent.mkdir()
    source.write_text("Nội dung bài viết.", encoding="utf-8")
    uploads = tmp_path / "uploads"
    saved = save_upload(source, uploads, MB)
    assert saved.parent == uploads and saved.name == "Báo_cáo.txt"
    assert saved.read_text(encoding="utf-8") == "Nội dung bài viết."
    other = tmp_path / "in" / "Báo cáo.txt"
    other.write_text("Bài khác.", encoding="utf-8")
    assert save_upload(other, uploads, MB).name == "Báo_cáo-2.txt"


def _code(name: str, data: bytes, limit: int = MB) -> str | None:
    try:
        check_content(name, data, limit)
    except UploadError as error:
        return error.code
    return None


def test_check_content_by_bytes_not_extension():
    assert _code("a.pdf", b"%PDF-1.7\n...") is None
    assert _code("a.pdf", b"\n%PDF-1.4\n...") is None
    assert _code("a.pdf", "Đây không phải PDF".encode()) == "mismatch"
    assert _code("a.txt", b"%PDF-1.7\n...") == "mismatch"
    assert _code("a.md", b"PK\x03\x04\x14\x00docx") == "mismatch"
    assert _code("a.html", b"\x89PNG\r\n\x1a\n") == "mismatch"
    assert _code("a.txt", b"abc\x00def") == "binary"
    assert _code("a.txt", "văn bản".encode("utf-16")) is None  # a BOM makes NULs legitimate
    assert _code("a.txt", "Văn bản tiếng Việt".encode()) is None
    assert _code("a.txt", b"  \n ") == "empty"
    assert _code("a.docx", b"PK\x03\x04") == "unsupported"
    assert _code("a.txt", b"x" * (MB + 1)) == "too_large"


def test_mismatch_message_says_what_the_file_is():
    with pytest.raises(UploadError) as caught:
        check_content("bao-cao.txt", b"%PDF-1.7\n", MB)
    message = error_message(caught.value, MB)
    assert "không khớp" in message and "PDF" in message


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("encrypted_pdf", "PDF được mã hóa, không đọc được"),
        ("no_text", "PDF không có lớp văn bản (có thể là bản scan)"),
        ("corrupt_pdf", "PDF bị hỏng"),
        ("binary", "Tệp không phải văn bản"),
        ("unsupported", "Định dạng không được hỗ trợ"),
        ("empty", "Tệp rỗng"),
        ("missing", "Không tìm thấy tệp"),
        ("unreadable", "Không đọc được tệp"),
        ("something_new", "Không xử lý được tệp"),
    ],
)
def test_error_messages_are_vietnamese(code, expected):
    assert error_message(LoadError("x.pdf", code, "english reason"), 20 * MB).startswith(expected)


def test_too_large_message_gives_size_and_limit(tmp_path):
    error = UploadError("big.pdf", "too_large", "too large", size=int(25.3 * MB))
    assert error_message(error, 20 * MB) == "Tệp quá lớn (25,3 MB, giới hạn 20 MB)"
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (3 * MB))
    loader_error = LoadError(big, "too_large", "the file is too large: 3,145,728 bytes")
    assert error_message(loader_error, int(1.5 * MB)) == "Tệp quá lớn (3 MB, giới hạn 1,5 MB)"


# ---------------------------------------------------------------------------
# Logins


def test_users_from_pairs_with_admin_flag():
    users = parse_users("an:mat-khau:admin, binh:pw:with:colons ,")
    assert users == {
        "an": User("an", "mat-khau", True),
        "binh": User("binh", "pw:with:colons", False),
    }


def test_users_from_file(tmp_path):
    path = tmp_path / "users.txt"
    path.write_text("# tài khoản\nquan-tri:bi-mat:admin\n\nkhach:123\n", encoding="utf-8")
    users = parse_users(str(path))
    assert users["quan-tri"].admin and not users["khach"].admin
    assert users["khach"].password == "123"


@pytest.mark.parametrize("spec", ["an", "an:", ":pw", "an:pw,an:pw2", "an::admin"])
def test_malformed_users_are_refused(spec, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="ASSISTANT_USERS"):
        parse_users(spec)


def test_login_check_and_admin_rights():
    assert parse_users(None) == {} and parse_users("  ") == {}
    assert make_auth({}) is None
    users = parse_users("an:1:admin,binh:2")
    check = make_auth(users)
    assert check("an", "1") and check("binh", "2")
    assert not check("an", "2") and not check("nobody", "1") and not check("binh", "")
    assert is_admin(users, "an") and not is_admin(users, "binh") and not is_admin(users, None)
    assert is_admin({}, None)
    options = launch_options(Settings(users="an:1:admin"))
    assert options["share"] is False and options["auth"]("an", "1")
    assert launch_options(Settings())["auth"] is None


# ---------------------------------------------------------------------------
# HTML and Markdown from documents and users


def _document(text: str, title: str, blocks, pages=()) -> DocumentView:
    doc = StoredDocument(
        doc_id="d1",
        source="bai-viet.txt",
        path="/x/bai-viet.txt",
        title=title,
        date="01/02/2024",
        byline=None,
        provinces=("Sóc Trăng",),
        merged_provinces=("Cần Thơ",),
        content_hash="h",
        generation="g",
        ingested_at="",
        kind="pdf" if pages else "text",
        chunk_count=1,
        pages=tuple(pages),
        blocks=tuple(blocks),
    )
    return DocumentView(doc, text)


EVIL_TITLE = f"{XSS_SCRIPT}{XSS_IMG} Tiêu đề"
EVIL_TEXT = (
    f"{EVIL_TITLE}\n\nĐoạn đầu {XSS_LINK} nói về kinh tế số. Kinh tế số đạt 7,41% GRDP {XSS_IMG}."
    " Câu sau cùng.\n\nĐoạn cuối."
)


def _evil_record(abstained: bool = False) -> dict:
    start = EVIL_TEXT.index("Kinh tế số đạt")
    end = EVIL_TEXT.index(" Câu sau cùng")
    cite = Citation(
        marker=1,
        source="bai-viet.txt",
        title=EVIL_TITLE,
        date="01/02/2024",
        page=2,
        quote=EVIL_TEXT[start:end],
        start=start,
        end=end,
        chunk_id="d1:g:0",
        score=1.0,
        doc_id="d1",
        provinces=("Sóc Trăng",),
    )
    record = AnswerRecord(
        question=f"Hỏi {XSS_IMG} {XSS_LINK}",
        answer="Không tìm thấy." if abstained else f"{cite.quote} [1]",
        abstained=abstained,
        citations=[] if abstained else [cite],
        related=[cite] if abstained else [],
    )
    return record.to_json()


def _lookup(doc_id: str) -> DocumentView | None:
    blocks = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", EVIL_TEXT)]
    return _document(EVIL_TEXT, EVIL_TITLE, blocks) if doc_id == "d1" else None


def _assert_inert(markup: str) -> None:
    lowered = markup.lower()
    assert "<script" not in lowered and "<img" not in lowered
    assert "onerror=" not in lowered.replace("onerror=&quot;", "")
    assert 'href="javascript' not in lowered and "<a " not in lowered


def test_answer_panel_escapes_and_links_citations():
    markup = answer_html(_evil_record(), _lookup)
    _assert_inert(markup)
    assert "&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;" in markup
    assert "&lt;script&gt;" in markup
    # The marker and the title open the document at the quoted range.
    record = _evil_record()
    cite = record["citations"][0]
    attrs = f'data-doc="d1" data-start="{cite["start"]}" data-end="{cite["end"]}"'
    assert markup.count(attrs) == 2 and 'class="vd-marker"' in markup
    # The quote is marked inside its paragraph, with the text around it.
    assert "<mark>Kinh tế số đạt 7,41% GRDP &lt;img" in markup
    assert "Đoạn đầu [x](javascript:alert(1)) nói về kinh tế số." in markup
    assert "Ngày 01/02/2024" in markup and "trang 2" in markup and "Sóc Trăng" in markup
    assert NOT_FOUND_HEADING not in markup


def test_abstained_answer_lists_related_passages_not_evidence():
    markup = answer_html(_evil_record(abstained=True), _lookup)
    _assert_inert(markup)
    assert "vd-abstained" in markup and NOT_FOUND_HEADING in markup
    assert RELATED_HEADING in markup and "Nguồn trích dẫn" not in markup
    assert 'class="vd-marker"' not in markup


def test_chat_messages_are_escaped():
    messages = chat_messages([_evil_record(), _evil_record(abstained=True)])
    assert [m["role"] for m in messages] == ["user", "assistant"] * 2
    for message in messages:
        _assert_inert(message["content"])
    assert messages[0]["content"].startswith("Hỏi &lt;img")
    assert NOT_FOUND_HEADING in messages[3]["content"]


def test_document_view_marks_the_range_in_the_whole_document():
    view = _lookup("d1")
    start = EVIL_TEXT.index("Kinh tế số đạt")
    end = EVIL_TEXT.index(" Câu sau cùng")
    markup = document_html(view, start, end)
    _assert_inert(markup)
    assert markup.count('<p class="vd-block">') == 3
    assert '<mark id="vd-target" class="vd-target">Kinh tế số đạt 7,41% GRDP &lt;img' in markup
    assert "Đoạn cuối." in markup
    unmarked = document_html(view)
    assert "<mark" not in unmarked and "Đoạn cuối." in unmarked
    assert "Chọn một tài liệu" in document_html(None)


def test_document_view_shows_pdf_pages():
    text = "Trang một.\n\nTrang hai có số liệu."
    view = _document(text, "PDF", [(0, 10), (12, len(text))], pages=[(1, 0, 12), (2, 12, 40)])
    markup = document_html(view, 12, 17)
    assert "Trang 1" in markup and "Trang 2" in markup
    assert '<mark id="vd-target" class="vd-target">Trang</mark>' in markup


def test_markdown_export_has_questions_answers_and_sources():
    turns = [_evil_record(), _evil_record(abstained=True)]
    text = export_markdown(turns, now=datetime(2025, 1, 2, tzinfo=UTC))
    assert text.startswith("# Cuộc trò chuyện với trợ lý tài liệu")
    assert "## Câu hỏi 1" in text and "## Câu hỏi 2" in text
    assert "**Trả lời:** Kinh tế số đạt 7,41% GRDP" in text
    assert "**Nguồn:**" in text and "bai-viet.txt; 01/02/2024; trang 2; Sóc Trăng" in text
    assert "  > Kinh tế số đạt 7,41% GRDP" in text
    assert f"**{NOT_FOUND_HEADING}.**" in text and f"**{RELATED_HEADING}:**" in text
    # Nothing from a document or question becomes a link, an image or raw HTML.
    assert not re.search(r"(?<!\\)[<\]]", text), "an unescaped < or ] would let Markdown act"
    assert "\\<img src=x" in text
    assert "\\[x\\]\\(javascript:alert\\(1\\)\\)" in text


def test_feedback_record_keeps_question_answer_and_sources():
    entry = feedback_record(_evil_record(), "useful", "  Rất tốt ", "an")
    assert entry["rating"] == "useful" and entry["comment"] == "Rất tốt" and entry["user"] == "an"
    assert entry["question"].startswith("Hỏi") and "7,41%" in entry["answer"]
    assert entry["citations"][0]["source"] == "bai-viet.txt"
    assert entry["timestamp"].endswith("+00:00")
    json.dumps(entry, ensure_ascii=False)


# ---------------------------------------------------------------------------
# The targets table


def _stored(source: str, targets, provinces=(), text_len: int = 10_000) -> StoredDocument:
    return StoredDocument(
        doc_id=f"id-{source}",
        source=source,
        path=f"/x/{source}",
        title=source,
        date=None,
        byline=None,
        provinces=tuple(provinces),
        merged_provinces=(),
        content_hash="h",
        generation="g",
        ingested_at="",
        kind="text",
        chunk_count=1,
        pages=(),
        blocks=((0, text_len),),
        targets=tuple(targets),
    )


def _target_docs() -> list[StoredDocument]:
    """The hand-labelled rows of the bundled articles, as the store holds them."""
    by_source: dict[str, list[dict]] = {}
    for line in GOLD_TARGETS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        by_source.setdefault(row["source"], []).append(row)
    return [_stored(source, rows) for source, rows in sorted(by_source.items())]


def test_target_table_has_the_vietnamese_columns_in_order():
    assert TARGET_HEADERS == [
        "Tỉnh", "Chỉ tiêu", "Mục tiêu", "Thời hạn", "Kết quả", "Thời điểm", "Tình trạng", "Nguồn",
    ]  # fmt: skip
    assert TARGET_FIELDS == (
        "province", "indicator", "target", "deadline", "achieved", "as_of", "status", "source",
    )  # fmt: skip
    assert COLUMNS[: len(TARGET_FIELDS)] == TARGET_FIELDS
    rows = target_rows(_target_docs(), "Sóc Trăng", "kinh tế số / GRDP")
    assert target_table(rows) == [
        [
            "Sóc Trăng", "kinh tế số / GRDP", "20%", "—", "7,41%", "2022", "chưa đạt",
            "soc-trang-cam-ket-nguoi-dung-dau.txt",
        ]
    ]  # fmt: skip
    assert rows[0]["doc_id"] == "id-soc-trang-cam-ket-nguoi-dung-dau.txt"


def test_a_merged_province_lists_the_rows_of_the_old_ones():
    docs = _target_docs()
    everything = target_rows(docs, ALL_PROVINCES)
    assert len(everything) == len(target_rows(docs)) == 42
    soc_trang = target_rows(docs, "Sóc Trăng")
    assert len(soc_trang) == 14 and {r["province"] for r in soc_trang} == {"Sóc Trăng"}
    # Sóc Trăng is part of Cần Thơ since 1 July 2025; the bundled articles name no other part.
    assert target_rows(docs, "Cần Thơ") == soc_trang
    assert target_rows(docs, "soc trang") == soc_trang
    assert {r["province"] for r in target_rows(docs, "Tuyên Quang")} == {"Tuyên Quang"}
    assert target_rows(docs, "Cà Mau") == []
    assert target_rows(docs, "Không phải tỉnh") == []


def test_indicator_filter_is_exact_for_a_chosen_indicator_and_partial_for_typed_text():
    docs = _target_docs()
    choices = indicator_choices(docs)
    assert choices[0] == ALL_INDICATORS
    assert len(choices) == len(set(choices)) and "xếp hạng DTI" in choices
    assert indicator_choices(docs, "Cần Thơ") == indicator_choices(docs, "Sóc Trăng")
    assert "xếp hạng DTI (số bậc tăng)" in indicator_choices(docs, "Sóc Trăng")
    assert "cán bộ, công chức được tập huấn" not in indicator_choices(docs, "Sóc Trăng")
    exact = target_rows(docs, None, "xếp hạng DTI")
    assert exact and {r["indicator"] for r in exact} == {"xếp hạng DTI"}
    typed = target_rows(docs, None, "DTI")
    assert {r["indicator"] for r in typed} >= {"xếp hạng DTI", "xếp hạng DTI (số bậc tăng)"}
    assert target_rows(docs, ALL_PROVINCES, ALL_INDICATORS) == target_rows(docs)


def test_target_rows_sort_by_province_indicator_or_status():
    docs = _target_docs()
    rank = {name: i for i, name in enumerate(all_names())}
    by_province = target_rows(docs, sort="province")
    provinces = [r["province"] for r in by_province]
    assert provinces == sorted(provinces, key=rank.__getitem__)
    assert provinces[0] == "Quảng Ninh" and provinces[-1] == "Tuyên Quang"
    by_status = [r["status"] for r in target_rows(docs, sort="status")]
    assert by_status[:2] == ["chưa đạt", "chưa đạt"] and by_status[-1] == "chưa rõ"
    assert by_status.index("đạt") < by_status.index("vượt") < by_status.index("chưa rõ")
    by_indicator = [r["indicator"] for r in target_rows(docs, sort="indicator")]
    assert by_indicator[0].startswith("báo cáo") and by_indicator[-1].startswith("xử lý")
    keys = [strip_diacritics(fold(name)) for name in by_indicator]
    assert keys == sorted(keys)


def test_targets_csv_has_the_english_columns_and_every_field():
    import csv
    import io

    rows = target_rows(_target_docs(), "Cần Thơ")
    text = targets_csv(rows)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    read = list(csv.reader(io.StringIO(text)))
    assert tuple(read[0]) == COLUMNS
    assert len(read) == len(rows) + 1
    records = list(csv.DictReader(io.StringIO(text)))
    row = next(r for r in records if r["achieved"] == "7,41%")
    assert (
        row["quote"]
        == "Kinh tế số năm 2022 của tỉnh đạt 7,41% GRDP (so với chỉ tiêu đặt ra là 20%)"
    )
    assert (row["start"], row["end"], row["deadline"]) == ("3482", "3557", "")
    assert row["province"] == "Sóc Trăng" and row["status"] == "chưa đạt"
    assert targets_csv([]).strip() == ",".join(COLUMNS)


def test_a_click_finds_its_row_by_index_or_by_the_cells_shown():
    rows = target_rows(_target_docs(), "Sóc Trăng")
    shown = target_table(rows)
    assert pick_target(rows, [3, 5]) is rows[3]
    assert pick_target(rows, [3, 0], shown[3]) is rows[3]
    # A stale or re-ordered index: the cells shown decide.
    assert pick_target(rows, [0, 1], shown[6]) is rows[6]
    assert pick_target(rows, 99) is None and pick_target([], [0, 0]) is None
    assert pick_target(rows, [0, 0], ["nothing"] * 8) is None
    assert pick_target(rows, None) is None


def test_a_targets_row_opens_its_document_at_the_sentence_escaped():
    quote = f"Kinh tế số đạt 7,41% GRDP {XSS_IMG}."
    start = EVIL_TEXT.index("Kinh tế số đạt")
    row = {"quote": quote, "start": start, "end": start + len(quote), "doc_id": "d1"}
    view = _lookup("d1")
    markup = target_document_html(view, row)
    _assert_inert(markup)
    assert '<mark id="vd-target" class="vd-target">Kinh tế số đạt 7,41% GRDP &lt;img' in markup
    # Offsets from an older version of the text: the sentence is found again.
    moved = target_document_html(view, {**row, "start": 3, "end": 3 + len(quote)})
    assert moved == markup
    gone = target_document_html(view, {**row, "quote": "Câu không còn trong tài liệu."})
    assert "Không tìm thấy câu này" in gone and "<mark" not in gone
    assert "không còn trong thư viện" in target_document_html(None, row)


# ---------------------------------------------------------------------------
# The running app: gradio_client and a real headless Chromium


@contextmanager
def _serving(app, **options) -> Iterator[str]:
    port = free_port()
    app.launch(
        prevent_thread_lock=True,
        server_name="127.0.0.1",
        server_port=port,
        quiet=True,
        **options,
    )
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


@pytest.fixture(scope="module")
def corpus_app(corpus_assistant, tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("app-data"))
    with _serving(build_app(corpus_assistant, settings)) as url:
        yield url, settings


@pytest.fixture(scope="module")
def upload_app(embedder, tmp_path_factory):
    """Its own store, so that uploads never reach the shared corpus store."""
    from assistant.answer import Assistant
    from index.indexer import ingest_paths
    from index.retrieve import Searcher
    from index.store import Store, connect

    data = tmp_path_factory.mktemp("upload-app")
    store = Store(connect(str(data / "chroma")), embedder.name)
    assert ingest_paths([ARTICLES], store, embedder).ok
    settings = Settings(data_dir=data)
    with _serving(
        build_app(
            Assistant(Searcher(store, embedder), k=settings.k, retrieval=settings.retrieval),
            settings,
        )
    ) as url:
        yield url, settings


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (make browser)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.set_default_timeout(60_000)
    expect.set_options(timeout=30_000)
    yield page
    context.close()


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#question textarea")


def _ask(page, question: str) -> str:
    from playwright.sync_api import expect

    page.fill("#question textarea", question)
    page.click("#send")
    expect(page.locator("#answer-panel .vd-question")).to_contain_text(question.strip())
    return page.inner_text("#answer-panel")


def _wait_uploaded(page, name: str) -> None:
    """Gradio shows a file's stem and extension apart, after an "Uploading" phase."""
    from playwright.sync_api import expect

    files = page.locator("#upload-files")
    expect(files).to_contain_text(name)
    expect(files).not_to_contain_text("Uploading")


def _squash(text: str) -> str:
    return " ".join(text.split())


def _choose(page, elem_id: str, option: str | re.Pattern, typed: str | None = None) -> None:
    """Pick an option of a gr.Dropdown, typing to narrow the list first."""
    box = page.locator(f"#{elem_id} input")
    box.click()
    if typed != "":
        box.fill(typed if typed is not None else str(option))
    page.get_by_role("option", name=option, exact=isinstance(option, str)).click()


def _target_row(page, text: str):
    """The targets table's body row showing `text` (the table is virtual: only rows in view)."""
    return page.locator("#targets-table [role=row][data-index]").filter(has_text=text)


@pytest.mark.slow
def test_api_returns_the_answer_record(corpus_app, corpus_assistant):
    from gradio_client import Client

    url, _ = corpus_app
    client = Client(url, verbose=False)
    record = client.predict(SOC_TRANG, ALL_PROVINCES, 5, api_name="/ask")
    expected = corpus_assistant.ask(SOC_TRANG, k=5).to_json()
    assert set(record) == set(expected)
    assert record["abstained"] is False and "7,41%" in record["answer"]
    for key in ("question", "answer", "abstained", "citations", "related", "resolved_question"):
        assert json.loads(json.dumps(record[key])) == json.loads(json.dumps(expected[key]))
    other = client.predict("Giá vàng hôm nay bao nhiêu?", "Sóc Trăng", 3, api_name="/ask")
    assert other["abstained"] is True and other["citations"] == []


@pytest.mark.slow
def test_chat_answer_citation_and_document_view(corpus_app, page):
    from playwright.sync_api import expect

    url, settings = corpus_app
    _open(page, url)
    for label in ("Hỏi đáp", "Thư viện", "Cuộc trò chuyện mới", "Gửi", "Lọc theo tỉnh/thành"):
        expect(page.get_by_text(label, exact=True).first).to_be_visible()
    placeholder = page.get_attribute("#question textarea", "placeholder")
    assert placeholder.startswith("Nhập câu hỏi")

    panel = _ask(page, SOC_TRANG)
    assert "20%" in panel and "7,41%" in panel
    assert page.locator("#answer-panel .vd-source").count() >= 1
    expect(page.locator("#chatbot")).to_contain_text("7,41%")
    quote = _squash(page.inner_text("#answer-panel .vd-context mark"))
    assert "7,41%" in quote
    _shot(page, "01-answer")

    # A marker opens the whole document with the quoted passage marked and in view.
    page.click("#answer-panel .vd-marker")
    target = page.locator("#doc-view mark#vd-target")
    expect(target).to_be_visible()
    marked = _squash(" ".join(page.locator("#doc-view mark").all_inner_texts()))
    assert marked == quote
    expect(target).to_be_in_viewport()
    assert page.locator("#doc-view .vd-block").count() > 3
    _shot(page, "02-document")

    # A follow-up (an example button) is read with the earlier question.
    page.get_by_role("button", name="Còn Tuyên Quang thì sao?").click()
    expect(page.locator("#answer-panel .vd-question")).to_contain_text("Còn Tuyên Quang")
    expect(page.locator("#answer-panel .vd-resolved")).to_contain_text("Tuyên Quang đặt chỉ tiêu")
    # An abstention looks different and lists related passages, not evidence.
    _ask(page, "Còn Cà Mau thì sao?")
    expect(page.locator("#answer-panel .vd-resolved")).to_contain_text("Cà Mau đặt chỉ tiêu")
    expect(page.locator("#answer-panel .vd-abstained")).to_contain_text(NOT_FOUND_HEADING)
    expect(page.locator("#answer-panel")).to_contain_text(RELATED_HEADING)
    _shot(page, "03-abstained")

    # Clicking an earlier answer in the chat shows it again; its Like is recorded.
    feedback = settings.data_dir / "feedback.jsonl"
    page.locator("#chatbot [data-testid=bot]").first.click()
    expect(page.locator("#answer-panel .vd-question")).to_contain_text(SOC_TRANG)
    page.locator("#chatbot").get_by_role("button", name="Like", exact=True).first.click()
    for _ in range(100):
        if feedback.exists():
            break
        page.wait_for_timeout(100)
    liked = json.loads(feedback.read_text(encoding="utf-8").splitlines()[-1])
    assert liked["rating"] == "useful" and liked["question"] == SOC_TRANG
    page.locator("#chatbot [data-testid=bot]").last.click()
    expect(page.locator("#answer-panel .vd-question")).to_contain_text("Còn Cà Mau")

    # Feedback on the answer being viewed, then the export of the conversation.
    page.get_by_text("Góp ý cho câu trả lời đang xem").click()
    page.fill("#comment textarea", "Nên có số liệu Cà Mau")
    page.click("#not-useful")
    expect(page.get_by_text("Đã ghi góp ý")).to_be_visible()
    lines = feedback.read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[-1])
    assert entry["rating"] == "not_useful" and entry["comment"] == "Nên có số liệu Cà Mau"
    assert entry["question"] == "Còn Cà Mau thì sao?" and entry["abstained"] is True
    with page.expect_download() as download:
        page.click("#export")
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert SOC_TRANG in exported and "7,41%" in exported and "**Nguồn:**" in exported
    assert "Còn Tuyên Quang thì sao?" in exported and f"**{NOT_FOUND_HEADING}.**" in exported

    page.click("#new-chat")
    expect(page.locator("#answer-panel .vd-empty")).to_be_visible()
    expect(page.locator("#chatbot")).not_to_contain_text("7,41%")
    _ask(page, "Tây Ninh có bao nhiêu tổ công nghệ số cộng đồng?")
    assert page.locator("#answer-panel .vd-resolved").count() == 0
    assert page.dialogs == []


@pytest.mark.slow
def test_targets_tab_filters_sorts_exports_and_opens_the_sentence(corpus_app, corpus_store, page):
    from playwright.sync_api import expect

    url, _ = corpus_app
    docs = corpus_store.list_documents()
    soc_trang = target_rows(docs, "Sóc Trăng")
    row = next(r for r in soc_trang if r["achieved"] == "7,41%")
    _open(page, url)
    page.get_by_role("tab", name="Chỉ tiêu").click()
    table = page.locator("#targets-table")
    expect(page.locator("#targets-count")).to_have_text(f"{len(target_rows(docs))} dòng.")
    headers = [_squash(h) for h in table.locator("[role=columnheader]").all_inner_texts()]
    assert headers == TARGET_HEADERS

    _choose(page, "targets-province", "Sóc Trăng")
    expect(page.locator("#targets-count")).to_have_text(f"{len(soc_trang)} dòng.")
    expect(table).not_to_contain_text("Quảng Ninh")
    expect(table).to_contain_text("7,41%")
    # The sort dropdown: what missed its target comes first.
    _choose(page, "targets-sort", "Tình trạng", typed="")
    expect(table.locator("[role=row][data-index='0']")).to_contain_text("chưa đạt")
    _shot(page, "08-targets")

    with page.expect_download() as download:
        page.click("#targets-export")
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    lines = exported.splitlines()
    assert lines[0] == ",".join(COLUMNS) and len(lines) == len(soc_trang) + 1
    assert row["quote"] in exported and "Quảng Ninh" not in exported

    # Gradio's own column sort re-orders the rows shown; a click still finds its row.
    header = table.locator("[role=columnheader]").nth(TARGET_HEADERS.index("Kết quả"))
    header.hover()
    header.get_by_role("button", name="Open cell menu").click()
    page.get_by_text("Sort descending", exact=True).click()
    _target_row(page, "7,41%").get_by_role("gridcell").nth(1).click()

    # The document view of the chat tab opens at the row's sentence, marked and in view.
    expect(page.get_by_role("tab", name="Hỏi đáp")).to_have_attribute("aria-selected", "true")
    target = page.locator("#doc-view mark#vd-target")
    expect(target).to_be_visible()
    marked = _squash(" ".join(page.locator("#doc-view mark").all_inner_texts()))
    assert marked == _squash(row["quote"]) and "7,41%" in marked
    expect(target).to_be_in_viewport()
    expect(page.locator("#doc-picker input")).to_have_value(re.compile(row["source"]))
    _shot(page, "09-targets-document")

    # Back in the tab, the filters are as they were.
    page.get_by_role("tab", name="Chỉ tiêu").click()
    expect(page.locator("#targets-count")).to_have_text(f"{len(soc_trang)} dòng.")
    assert page.dialogs == []


def _make_pdf(path: Path, lines: list[str]) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.set_font("DejaVu", size=12)
    pdf.add_page()
    for line in lines:
        pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


@pytest.mark.slow
def test_upload_then_ask_and_remove(upload_app, page, tmp_path):
    from playwright.sync_api import expect

    if not FONT.exists():
        pytest.skip(f"no {FONT} for Vietnamese text in the PDF (apt-get install fonts-dejavu-core)")
    url, settings = upload_app
    folder = tmp_path / "to-upload"
    folder.mkdir()
    (folder / "rung xanh.txt").write_text(
        "Hợp tác xã Rừng Xanh mở rộng vùng trồng quế\n\n"
        "Năm 2024, Hợp tác xã Rừng Xanh đã trồng mới 4.321 cây quế hữu cơ trên 12 héc-ta.\n\n"
        "Sản lượng vỏ quế xuất khẩu của hợp tác xã tăng gấp đôi so với năm trước.\n",
        encoding="utf-8",
    )
    _make_pdf(
        folder / "cau-song-ngoc.pdf",
        [
            "Dự án cầu Sông Ngọc hoàn thành",
            "",
            "Cầu Sông Ngọc có tổng vốn đầu tư 987 tỷ đồng và dài 1.250 mét.",
            "",
            "Công trình được khánh thành vào tháng 9 năm 2024.",
        ],
    )
    (folder / "gia-mao.pdf").write_text("Đây không phải PDF.", encoding="utf-8")
    (folder / "nhi-phan.txt").write_bytes(b"abc\x00\x01\x02def")

    _open(page, url)
    page.get_by_role("tab", name="Thư viện").click()
    expect(page.locator("#library-table")).to_contain_text("soc-trang-cam-ket-nguoi-dung-dau.txt")
    names = ["rung xanh.txt", "cau-song-ngoc.pdf", "gia-mao.pdf", "nhi-phan.txt"]
    page.set_input_files("#upload-files input[type=file]", [str(folder / n) for n in names])
    _wait_uploaded(page, "nhi-phan")
    page.click("#upload")
    results = page.locator("#upload-report li")
    expect(results).to_have_count(4)
    report = results.all_inner_texts()
    assert report[0].startswith("✓ rung xanh.txt: đã thêm vào thư viện (lưu với tên rung_xanh.txt)")
    assert report[1].startswith("✓ cau-song-ngoc.pdf: đã thêm vào thư viện")
    assert "gia-mao.pdf: Nội dung tệp không khớp với đuôi tệp" in report[2]
    assert report[3] == "✗ nhi-phan.txt: Tệp không phải văn bản"
    expect(page.locator("#library-table")).to_contain_text("cau-song-ngoc.pdf")
    table = page.inner_text("#library-table")
    assert "rung_xanh.txt" in table and "tay-ninh-lo-trinh-chuyen-doi-so.txt" in table
    stored = sorted(p.name for p in (settings.data_dir / "uploads").iterdir())
    assert stored == ["cau-song-ngoc.pdf", "rung_xanh.txt"]
    _shot(page, "04-upload")
    # The targets table took in the new document's row.
    page.get_by_role("tab", name="Chỉ tiêu").click()
    _choose(page, "targets-indicator", "cây quế hữu cơ", typed="cây quế")
    expect(page.locator("#targets-count")).to_have_text("1 dòng.")
    expect(_target_row(page, "4.321")).to_contain_text("rung_xanh.txt")

    page.get_by_role("tab", name="Hỏi đáp").click()
    panel = _ask(page, "Hợp tác xã Rừng Xanh trồng mới bao nhiêu cây quế?")
    assert "4.321" in panel and "rung_xanh.txt" in panel and NOT_FOUND_HEADING not in panel
    panel = _ask(page, "Cầu Sông Ngọc có tổng vốn đầu tư bao nhiêu?")
    assert "987 tỷ đồng" in panel and "cau-song-ngoc.pdf" in panel and "trang 1" in panel
    page.click("#answer-panel .vd-marker")
    expect(page.locator("#doc-view mark#vd-target")).to_contain_text("987 tỷ đồng")
    expect(page.locator("#doc-view")).to_contain_text("Trang 1")
    panel = _ask(page, SOC_TRANG)
    assert "7,41%" in panel  # what was indexed before is still there
    _shot(page, "05-upload-answers")

    page.get_by_role("tab", name="Thư viện").click()
    page.locator("#remove-picker input").click()
    page.get_by_role("option", name=re.compile("Hợp tác xã Rừng Xanh")).click()
    page.get_by_role("button", name="Xóa tài liệu").click()
    expect(page.locator("#remove-report")).to_contain_text("Đã xóa")
    expect(page.locator("#library-table")).not_to_contain_text("rung_xanh.txt")
    assert not (settings.data_dir / "uploads" / "rung_xanh.txt").exists()
    # ... and lost it again: the indicator is no longer offered, the filter is reset.
    page.get_by_role("tab", name="Chỉ tiêu").click()
    expect(page.locator("#targets-count")).not_to_have_text("1 dòng.")
    expect(page.locator("#targets-indicator input")).to_have_value(ALL_INDICATORS)
    page.locator("#targets-indicator input").fill("cây quế")
    expect(page.get_by_role("option", name="cây quế hữu cơ")).to_have_count(0)
    page.keyboard.press("Escape")
    page.get_by_role("tab", name="Hỏi đáp").click()
    panel = _ask(page, "Hợp tác xã Rừng Xanh trồng mới bao nhiêu cây quế?")
    assert "4.321" not in panel


@pytest.mark.slow
def test_planted_xss_renders_as_text(upload_app, page, tmp_path):
    from playwright.sync_api import expect

    url, _ = upload_app
    evil = tmp_path / "den-long.txt"
    evil.write_text(
        f"{XSS_SCRIPT}{XSS_IMG} Đèn lồng Phố Hội\n\n"
        f"Làng nghề Phố Hội làm 8.765 chiếc đèn lồng mỗi tháng {XSS_LINK} {XSS_SCRIPT}.\n",
        encoding="utf-8",
    )
    _open(page, url)
    page.get_by_role("tab", name="Thư viện").click()
    page.set_input_files("#upload-files input[type=file]", [str(evil)])
    _wait_uploaded(page, "den-long")
    page.click("#upload")
    expect(page.locator("#upload-report")).to_contain_text("đã thêm vào thư viện")
    expect(page.locator("#library-table")).to_contain_text(f"{XSS_SCRIPT}{XSS_IMG}")
    # The targets row of that sentence opens the document with the sentence marked, as text.
    page.get_by_role("tab", name="Chỉ tiêu").click()
    _choose(page, "targets-indicator", re.compile("đèn lồng"), typed="đèn lồng")
    _target_row(page, "8.765").get_by_role("gridcell").first.click()
    expect(page.locator("#doc-view mark#vd-target")).to_contain_text("8.765 chiếc đèn lồng")
    expect(page.locator("#doc-view mark#vd-target")).to_contain_text(XSS_SCRIPT)

    page.get_by_role("tab", name="Hỏi đáp").click()
    _ask(page, f"{XSS_IMG} {XSS_LINK}")
    page.get_by_text("Góp ý cho câu trả lời đang xem").click()
    page.fill("#comment textarea", XSS_SCRIPT)
    page.click("#useful")
    expect(page.locator("#feedback-status")).to_contain_text(
        f"Đã ghi góp ý (hữu ích) cho câu hỏi: “{XSS_IMG}"
    )
    panel = _ask(page, "Làng nghề Phố Hội làm bao nhiêu chiếc đèn lồng mỗi tháng?")
    assert "8.765" in panel and XSS_SCRIPT in panel and XSS_IMG in panel
    page.click("#answer-panel .vd-title")
    expect(page.locator("#doc-view mark#vd-target")).to_contain_text("8.765")
    expect(page.locator("#doc-view")).to_contain_text(XSS_IMG)
    expect(page.locator("#chatbot")).to_contain_text(XSS_IMG)
    expect(page.locator("#chatbot")).to_contain_text(XSS_LINK)
    page.wait_for_timeout(500)
    _shot(page, "06-xss")
    assert page.evaluate("window.__xss") is None
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    scripts = page.evaluate("[...document.scripts].map(s => s.textContent).join(' ')")
    assert "__xss" not in scripts
    assert page.dialogs == []


@pytest.mark.slow
def test_logins_limit_library_changes_to_admins(corpus_assistant, page, tmp_path):
    from gradio_client import Client, handle_file
    from playwright.sync_api import expect

    settings = Settings(data_dir=tmp_path / "data", users="an:mat-khau:admin,binh:123")
    note = tmp_path / "ghi-chu.txt"
    note.write_text("Ghi chú thử.", encoding="utf-8")
    with _serving(build_app(corpus_assistant, settings), **launch_options(settings)) as url:
        page.goto(url)
        page.get_by_label("username").fill("binh")
        page.get_by_label("password").fill("123")
        page.get_by_role("button", name=re.compile("login", re.IGNORECASE)).click()
        page.wait_for_selector("#question textarea")
        page.get_by_role("tab", name="Thư viện").click()
        expect(page.get_by_text("Chỉ quản trị viên mới được tải lên")).to_be_visible()
        assert page.locator("#upload").count() == 0 or not page.locator("#upload").is_visible()
        _shot(page, "07-non-admin")
        client = Client(url, auth=("binh", "123"), verbose=False)
        with pytest.raises(Exception, match="Chỉ quản trị viên"):
            client.predict([handle_file(str(note))], api_name="/upload")
        assert client.predict(SOC_TRANG, ALL_PROVINCES, 5, api_name="/ask")["abstained"] is False
    assert not (settings.data_dir / "uploads").exists()
