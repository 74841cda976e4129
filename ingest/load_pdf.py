"""PDFs into text: the text layer where a page has one, OCR where it has none.

Page text is reflowed into paragraphs (`ingest.pdf_reflow`), a drawn table's
rows each become a line of cells (`ingest.pdf_tables`), and every page
keeps its range, so that answers can cite pages. A document with any page
recognised by OCR is of kind "pdf-ocr" and keeps each page's confidence.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from ingest.document import LoadError, Page
from ingest.normalize import nfc
from ingest.ocr import MIN_PAGE_CONFIDENCE, OcrUnavailable, recognise_pages
from ingest.pdf_reflow import reflow_pages
from ingest.pdf_tables import with_tables

# A page whose text layer holds fewer visible characters than this is an image
# with at most a page number's text: it is read by OCR instead.
MIN_LAYER_CHARS = 5


@dataclass(frozen=True)
class PdfText:
    text: str
    pages: tuple[Page, ...]
    kind: str
    confidences: tuple[float | None, ...]
    notes: tuple[str, ...]


def pdf_text(path: Path, raw: bytes) -> PdfText:
    """The document's text, pages, kind, OCR confidences and what the user should hear."""
    layer = with_tables(raw, _text_layer(path, raw))
    missing = [n for n, text in enumerate(layer, start=1) if _visible(text) < MIN_LAYER_CHARS]
    texts: list[str] = list(layer)
    confidences: list[float | None] = [None] * len(layer)
    notes: list[str] = []
    if missing:
        try:
            recognised = recognise_pages(raw, missing)
        except OcrUnavailable as exc:
            if len(missing) == len(layer):
                raise LoadError(path, "no_text", f"the PDF has no text layer and {exc}") from exc
            notes.append(f"pages {_numbers(missing)} have no text layer and were left out: {exc}")
            recognised = []
        for page in recognised:
            confidences[page.number - 1] = page.confidence
            if page.confidence >= MIN_PAGE_CONFIDENCE:
                texts[page.number - 1] = page.text
            else:
                texts[page.number - 1] = ""
                notes.append(
                    f"page {page.number} was left out: its text was recognised with "
                    f"{page.confidence:.0f}% confidence, under the {MIN_PAGE_CONFIDENCE:.0f}% floor"
                )
    text, pages = reflow_pages(texts)
    if not text.strip():
        found = "; ".join(notes) or "OCR found no text on its pages"
        raise LoadError(path, "no_text", f"the PDF has no text layer and {found}")
    return PdfText(
        text=text,
        pages=pages,
        kind="pdf-ocr" if missing and any(c is not None for c in confidences) else "pdf",
        confidences=tuple(confidences) if missing else (),
        notes=tuple(notes),
    )


def lowest_confidence(confidences: Sequence[float | None]) -> float | None:
    """The confidence of the least certain recognised page kept in the text, or None.

    Pages under the floor were left out, so their confidence says nothing about
    the text a reader gets; the weakest page that is there bounds how far it can
    be trusted.
    """
    kept = [c for c in confidences if c is not None and c >= MIN_PAGE_CONFIDENCE]
    return min(kept, default=None)


def left_out_pages(confidences: Sequence[float | None]) -> list[int]:
    """The 1-based pages recognised under the confidence floor, and so left out."""
    return [
        n for n, c in enumerate(confidences, start=1) if c is not None and c < MIN_PAGE_CONFIDENCE
    ]


def _visible(text: str) -> int:
    return len("".join(text.split()))


def _numbers(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers)


def _text_layer(path: Path, raw: bytes) -> list[str]:
    try:
        reader = PdfReader(io.BytesIO(raw))
        # An empty user password opens PDFs that only restrict printing or
        # copying with an owner password; those are readable and should load.
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise FileNotDecryptedError("needs a password")
        return [nfc(page.extract_text()) for page in reader.pages]
    except FileNotDecryptedError:
        raise LoadError(
            path, "encrypted_pdf", "the PDF is encrypted and needs a password"
        ) from None
    except DependencyError as exc:
        raise LoadError(
            path, "encrypted_pdf", f"the PDF is encrypted with a cipher this install lacks: {exc}"
        ) from exc
    except Exception as exc:  # pypdf raises many exception types on damaged files
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise LoadError(path, "corrupt_pdf", f"the PDF is corrupt or not a PDF: {detail}") from exc
