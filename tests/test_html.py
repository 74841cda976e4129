"""Web pages through trafilatura: the article without its menus, metadata from the page."""

from __future__ import annotations

from ingest.chunk import approximate_tokens
from ingest.load import load_file
from ingest.pipeline import ChunkingOptions, prepare_file

OPTIONS = ChunkingOptions(max_bytes=10_000_000, max_tokens=480, overlap_tokens=64)
PARAGRAPHS = (
    "Tỉnh Sóc Trăng đặt mục tiêu đến năm 2025 có 80% hồ sơ thủ tục hành chính được xử lý "
    "trực tuyến toàn trình trên Cổng dịch vụ công quốc gia.",
    "Theo Sở Thông tin và Truyền thông, năm 2023 tỉnh đã tiếp nhận 125.000 hồ sơ trực tuyến, "
    "tăng 37% so với năm 2022, nhờ hạ tầng số được đầu tư đồng bộ.",
    "Ủy ban nhân dân tỉnh yêu cầu các sở, ngành và địa phương tiếp tục rà soát, cắt giảm "
    "thủ tục, đẩy mạnh thanh toán trực tuyến và số hóa kết quả giải quyết thủ tục.",
)
PAGE = f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<title>Sóc Trăng đẩy mạnh dịch vụ công trực tuyến - Báo Sóc Trăng</title>
<meta name="author" content="Vũ Thị Hiếu Đông">
<meta property="article:published_time" content="2024-05-07T08:30:00+07:00">
<meta property="og:title" content="Sóc Trăng đẩy mạnh dịch vụ công trực tuyến">
</head><body>
<header><nav><ul>
<li><a href="/">Trang chủ</a></li><li><a href="/tin-tuc">Tin tức</a></li>
<li><a href="/kinh-te">Kinh tế</a></li><li><a href="/chinh-tri">Chính trị</a></li>
</ul></nav></header>
<main><article>
<h1>Sóc Trăng đẩy mạnh dịch vụ công trực tuyến</h1>
{"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}
<table><tr><th>Chỉ tiêu</th><th>Mục tiêu</th><th>Năm</th></tr>
<tr><td>Tỷ lệ thanh toán trực tuyến</td><td>60%</td><td>2025</td></tr></table>
</article></main>
<aside><h3>Tin tức liên quan</h3><ul>
<li><a href="/a">Tin tức: Cần Thơ khánh thành cầu Vàm Cống mới</a></li>
<li><a href="/b">Hậu Giang ra mắt trung tâm điều hành thông minh</a></li></ul></aside>
<footer>Bản quyền © Báo Sóc Trăng. Liên hệ quảng cáo.</footer>
</body></html>"""


def write_page(tmp_path):
    path = tmp_path / "trang.html"
    path.write_text(PAGE, encoding="utf-8")
    return path


def test_the_article_is_kept_and_the_navigation_is_not(tmp_path):
    loaded = load_file(write_page(tmp_path), max_bytes=OPTIONS.max_bytes)
    assert loaded.kind == "html"
    for paragraph in PARAGRAPHS:
        assert paragraph in loaded.text
    for furniture in ("Trang chủ", "Kinh tế", "Cần Thơ khánh thành", "Bản quyền"):
        assert furniture not in loaded.text


def test_no_navigation_link_becomes_a_chunk(tmp_path):
    prepared = prepare_file(write_page(tmp_path), OPTIONS, measure=approximate_tokens)
    for chunk in prepared.chunks:
        assert "Tin tức" not in chunk.text
        assert "Chính trị" not in chunk.text
    assert any(PARAGRAPHS[0] in chunk.text for chunk in prepared.chunks)


def test_title_date_and_author_come_from_the_page_metadata(tmp_path):
    prepared = prepare_file(write_page(tmp_path), OPTIONS, measure=approximate_tokens)
    assert prepared.meta.title == "Sóc Trăng đẩy mạnh dịch vụ công trực tuyến"
    assert prepared.meta.date == "7/5/2024"
    assert prepared.meta.byline == "Vũ Thị Hiếu Đông"
    assert prepared.meta.provinces[0] == "Sóc Trăng"


def test_a_table_row_stays_one_line_and_is_read_as_a_target(tmp_path):
    prepared = prepare_file(write_page(tmp_path), OPTIONS, measure=approximate_tokens)
    assert "Tỷ lệ thanh toán trực tuyến | 60% | 2025" in prepared.loaded.text.split("\n")
    rows = {t.quote: t for t in prepared.targets}
    payment = rows["Tỷ lệ thanh toán trực tuyến | 60% | 2025"]
    assert (payment.target, payment.deadline) == ("60%", "2025")
    assert rows and all(t.province == "Sóc Trăng" for t in prepared.targets)
