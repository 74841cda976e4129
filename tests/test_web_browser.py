"""The running app: through gradio_client and in a real headless Chromium (slow).

Chromium is Debian's (`make browser`); without it these tests are skipped. The
screenshots the README shows (chat, library, targets chart) are rewritten in
docs/screenshots/ when UPDATE_SCREENSHOTS=1, else written to test-output/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from assistant.components import chunking_options
from assistant.settings import Settings
from assistant.targets_table import COLUMNS, HEADERS
from assistant.web.filters import ALL_PROVINCES
from assistant.web.layout import build_app
from assistant.web.render import NOT_FOUND_HEADING, RELATED_HEADING
from assistant.web.serve import serving
from assistant.web.targets_view import ALL_INDICATORS, target_rows
from tests.conftest import ARTICLES, ROOT, free_port
from tests.web_samples import XSS_IMG, XSS_LINK, XSS_SCRIPT

SHOTS = ROOT / "test-output" / "screenshots"
README_SHOTS = ROOT / "docs" / "screenshots" if os.environ.get("UPDATE_SCREENSHOTS") else SHOTS
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


def _settings(data_dir: Path, users: str | None = None) -> Settings:
    return Settings(data_dir=data_dir, users=users, port=free_port())


@pytest.fixture(scope="module")
def corpus_app(corpus_assistant, tmp_path_factory):
    settings = _settings(tmp_path_factory.mktemp("app-data"))
    with serving(build_app(corpus_assistant, settings), settings) as url:
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
    settings = _settings(data)
    assert ingest_paths([ARTICLES], store, embedder, chunking_options(settings)).ok
    assistant = Assistant(Searcher(store, embedder), k=settings.k, retrieval=settings.retrieval)
    with serving(build_app(assistant, settings), settings) as url:
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


def _readme_shot(page, name: str) -> None:
    """A screenshot for the README: what is in view, small."""
    README_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(README_SHOTS / f"{name}.png"), scale="css")


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
    expect(files).not_to_contain_text("Đang tải lên")


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
    page.locator("#chatbot").get_by_role("button", name="Hữu ích", exact=True).first.click()
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
    assert headers == HEADERS

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
    header = table.locator("[role=columnheader]").nth(HEADERS.index("Kết quả"))
    header.hover()
    header.get_by_role("button", name="Open cell menu").click()
    page.get_by_text("Sắp xếp giảm dần", exact=True).click()
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


def _log_in(page, url: str, name: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("Tên đăng nhập").fill(name)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


@pytest.mark.slow
def test_logins_in_vietnamese_and_library_changes_for_admins_only(corpus_assistant, page, tmp_path):
    from gradio_client import Client, handle_file
    from playwright.sync_api import expect

    settings = _settings(tmp_path / "data", users="an:mat-khau:admin,binh:123")
    note = tmp_path / "ghi-chu.txt"
    note.write_text("Ghi chú thử.", encoding="utf-8")
    with serving(build_app(corpus_assistant, settings), settings) as url:
        _log_in(page, url, "binh", "sai")
        expect(page.get_by_role("alert")).to_have_text("Sai tên đăng nhập hoặc mật khẩu.")
        assert page.evaluate("document.documentElement.lang") == "vi"
        assert "Login" not in page.content() and "Incorrect" not in page.content()
        _log_in(page, url, "binh", "123")
        page.wait_for_selector("#question textarea")
        expect(page.locator("html")).to_have_attribute("lang", "vi")
        expect(page.locator("#account")).to_contain_text("binh")
        page.get_by_role("tab", name="Thư viện").click()
        expect(page.get_by_text("Chỉ quản trị viên mới được tải lên")).to_be_visible()
        assert page.locator("#upload").count() == 0 or not page.locator("#upload").is_visible()
        _shot(page, "07-non-admin")
        page.locator("#account").get_by_role("link", name="Đăng xuất").click()
        expect(page.get_by_role("alert")).to_have_text("Bạn đã đăng xuất.")
        page.goto(url)
        expect(page.get_by_role("button", name="Đăng nhập")).to_be_visible()

        # An admin sees the upload area, in Vietnamese.
        _log_in(page, url, "an", "mat-khau")
        page.wait_for_selector("#question textarea")
        page.get_by_role("tab", name="Thư viện").click()
        files = page.locator("#upload-files")
        expect(files).to_contain_text("Thả tệp vào đây")
        expect(files).to_contain_text("Bấm để chọn tệp")
        expect(files).not_to_contain_text("Drop File")
        expect(files).not_to_contain_text("Click to Upload")

        client = Client(url, auth=("binh", "123"), verbose=False)
        with pytest.raises(Exception):  # noqa: B017 (the raw upload route refuses first)
            client.predict([handle_file(str(note))], api_name="/upload")
        assert client.predict(SOC_TRANG, ALL_PROVINCES, 5, api_name="/ask")["abstained"] is False
        with pytest.raises(Exception, match="Câu hỏi quá dài"):
            client.predict(
                "x" * (Settings().max_question_chars + 1), ALL_PROVINCES, 5, api_name="/ask"
            )
    assert not (settings.data_dir / "uploads").exists()


@pytest.mark.slow
def test_library_row_opens_the_document_and_the_chart_its_sentences(corpus_app, page):
    from playwright.sync_api import expect

    url, _ = corpus_app
    page.set_viewport_size({"width": 1280, "height": 860})
    _open(page, url)
    _ask(page, SOC_TRANG)
    _readme_shot(page, "chat")
    page.get_by_role("tab", name="Thư viện").click()
    table = page.locator("#library-table")
    headers = [_squash(h) for h in table.locator("[role=columnheader]").all_inner_texts()]
    assert headers[:4] == ["Tiêu đề", "Loại", "Trang", "Số đoạn"]
    row = table.locator("[role=row][data-index]").filter(has_text="tuyen-quang-chinh-quyen")
    expect(row).to_contain_text("Văn bản")
    _readme_shot(page, "library")
    row.get_by_role("gridcell").first.click()
    expect(page.get_by_role("tab", name="Hỏi đáp")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#doc-view")).to_contain_text("Tuyên Quang")
    expect(page.locator("#doc-picker input")).to_have_value(re.compile("tuyen-quang"))

    page.get_by_role("tab", name="Chỉ tiêu").click()
    _choose(page, "targets-indicator", "kinh tế số / GRDP", typed="kinh tế số")
    chart = page.locator("#targets-chart img")
    expect(chart).to_be_visible()
    notes = page.locator("#chart-notes li")
    expect(notes.first).to_contain_text("[1]")
    page.locator("#chart-box").scroll_into_view_if_needed()
    _readme_shot(page, "targets-chart")
    with page.expect_download() as download:
        page.click("#chart-export")
    assert Path(download.value.path()).read_bytes().startswith(b"\x89PNG")
    soc_trang = notes.filter(has_text="Sóc Trăng").first
    quote = _squash(soc_trang.locator("q").inner_text())
    soc_trang.locator("button.vd-bar").click()
    expect(page.get_by_role("tab", name="Hỏi đáp")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#doc-view mark#vd-target")).to_be_visible()
    marked = _squash(" ".join(page.locator("#doc-view mark").all_inner_texts()))
    assert marked == quote
    assert page.dialogs == []


@pytest.mark.slow
def test_phone_layout_and_the_filter_note(corpus_app, browser):
    from playwright.sync_api import expect

    url, _ = corpus_app
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        _open(page, url)
        _choose(page, "province", "Tuyên Quang")
        _ask(page, SOC_TRANG)
        note = page.locator("#answer-panel .vd-filter-note")
        expect(note).to_contain_text("Tuyên Quang")
        expect(note).to_contain_text("Sóc Trăng")
        question = page.locator("#question").bounding_box()
        panel = page.locator("#answer-panel").bounding_box()
        assert 0 <= panel["y"] - (question["y"] + question["height"]) < 150
        assert panel["width"] <= 390
        _shot(page, "10-phone-chat")
        page.get_by_role("tab", name="Chỉ tiêu").click()
        table = page.locator("#targets-table")
        expect(table.locator("[role=row][data-index='0']")).to_be_visible()
        # Cells keep whole words: the table scrolls sideways, its first column pinned.
        row = table.locator("[role=row][data-index='0'] [role=gridcell]")
        widths = [cell.bounding_box()["width"] for cell in row.all()]
        heads = [h.bounding_box()["width"] for h in table.locator("[role=columnheader]").all()]
        assert min(widths) >= 90 and widths == pytest.approx(heads, abs=1)
        before = row.first.bounding_box()["x"], row.nth(1).bounding_box()["x"]
        table.locator(".virtual-table-viewport").evaluate("el => { el.scrollLeft = 300; }")
        page.wait_for_timeout(300)
        assert row.first.bounding_box()["x"] == pytest.approx(before[0], abs=1)
        assert row.nth(1).bounding_box()["x"] < before[1] - 200
        _shot(page, "11-phone-targets")
    finally:
        context.close()
