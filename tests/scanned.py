"""Scanned documents for the tests and the OCR benchmark: Vietnamese text drawn into images,
wrapped into an image-only PDF, as a scanner would produce it; and character accuracy."""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFilter, ImageFont

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
A4_300DPI = (2480, 3508)
MARGIN = 200
FONT_PX = 46  # 11 pt at 300 dpi

PAGES = (
    (
        "KẾ HOẠCH CHUYỂN ĐỔI SỐ TỈNH LÂM ĐỒNG NĂM 2025",
        "Tỉnh Lâm Đồng đặt mục tiêu đến năm 2026 có 85% hồ sơ thủ tục hành",
        "chính được tiếp nhận và giải quyết trực tuyến toàn trình, tỷ trọng",
        "kinh tế số đạt 20% GRDP và 100% xã, phường có hạ tầng cáp quang.",
        "Ủy ban nhân dân tỉnh giao Sở Khoa học và Công nghệ chủ trì, phối hợp",
        "với các sở, ngành và địa phương tổ chức thực hiện kế hoạch này.",
    ),
    (
        "Năm 2024, toàn tỉnh đã số hóa 1.250.000 hồ sơ, giấy tờ, kết quả giải",
        "quyết thủ tục hành chính; tỷ lệ người dân trưởng thành có chữ ký số",
        "đạt 45%. Chỉ số chuyển đổi số cấp tỉnh xếp thứ 18 trên 63 tỉnh, thành.",
        "Nguồn nhân lực công nghệ thông tin vẫn còn thiếu ở cấp xã, nhất là",
        "các xã vùng sâu, vùng xa, vùng đồng bào dân tộc thiểu số.",
    ),
)


def article_pages(
    count: int, lines_per_page: int = 38, width: int = 68
) -> tuple[tuple[str, ...], ...]:
    """`count` full pages of the bundled articles' text, wrapped as a typed page wraps it:
    real, varied Vietnamese, so no line repeats from page to page as a running head would."""
    articles = Path(__file__).resolve().parents[1] / "data" / "articles"
    words = " ".join(p.read_text(encoding="utf-8") for p in sorted(articles.glob("*.txt"))).split()
    lines: list[str] = []
    line = ""
    while len(lines) < count * lines_per_page:
        for word in words:
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = ""
            line = f"{line} {word}" if line else word
    return tuple(tuple(lines[n * lines_per_page : (n + 1) * lines_per_page]) for n in range(count))


def page_image(lines: tuple[str, ...], *, blur: float = 0.0) -> Image.Image:
    image = Image.new("L", A4_300DPI, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(DEJAVU), FONT_PX)
    for row, line in enumerate(lines):
        draw.text((MARGIN, MARGIN + row * int(FONT_PX * 1.6)), line, font=font, fill=0)
    return image.filter(ImageFilter.GaussianBlur(blur)) if blur else image


def scanned_pdf(pages: tuple[tuple[str, ...], ...] = PAGES, *, blur: float = 0.0) -> bytes:
    """An image-only PDF, one A4 page per tuple of lines, as from a 300 dpi scanner."""
    pdf = FPDF(unit="mm", format="A4")
    for lines in pages:
        pdf.add_page()
        buffer = io.BytesIO()
        page_image(lines, blur=blur).save(buffer, format="PNG")
        buffer.seek(0)
        pdf.image(buffer, x=0, y=0, w=210, h=297)
    return bytes(pdf.output())


def character_accuracy(found: str, truth: str) -> float:
    """1 - edit distance / length, over the texts with whitespace runs made single spaces."""
    a, b = " ".join(found.split()), " ".join(truth.split())
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            )
        previous = current
    return max(0.0, 1 - previous[-1] / max(1, len(b)))
