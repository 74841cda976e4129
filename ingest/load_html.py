"""Web pages into their main text, with title, date and author from the page's metadata.

trafilatura finds the article among menus, link lists, sidebars and footers,
so a navigation link never becomes a passage of its own. Its tables come as
Markdown rows ("| Chỉ tiêu | 80% | 2025 |"); they are written as Word tables
are (`ingest.load_docx`), one row per line with cells joined by " | ".
"""

from __future__ import annotations

import re
from pathlib import Path

import trafilatura

from ingest.document import FileProperties, LoadError
from ingest.load_text import decode_text
from ingest.normalize import nfc

# Browsers look for a declared charset in the first 1024 bytes; so do we.
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([-\w.:]+)""", re.IGNORECASE)
_META_SCAN_BYTES = 1024
_BODY = re.compile(r"<body[\s>]", re.IGNORECASE)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TABLE_ROW = re.compile(r"^\|\s?(.*?)\s?\|$", re.MULTILINE)  # cells already joined by " | "
_TABLE_RULE = re.compile(r"^\|(?:\s*:?-+:?\s*\|)+\n?", re.MULTILINE)


def web_page_text(path: Path, raw: bytes) -> tuple[str, FileProperties]:
    """The page's main text, its title on the first line, and its metadata."""
    declared = _META_CHARSET.search(raw[:_META_SCAN_BYTES])
    markup = nfc(decode_text(path, raw, declared.group(1).decode("ascii") if declared else None))
    if not _BODY.search(markup):  # a saved fragment: trafilatura reads only whole pages
        markup = f"<html><body>{markup}</body></html>"
    body = trafilatura.extract(markup, include_tables=True, include_comments=False) or ""
    body = _TABLE_ROW.sub(r"\1", _TABLE_RULE.sub("", body)).strip()
    if not body:
        raise LoadError(path, "empty", "the page is empty: it has no main text")
    properties = _properties(markup)
    title = properties.title
    if title and not body.startswith(title):
        body = f"{title}\n\n{body}"
    return body, properties


def _properties(markup: str) -> FileProperties:
    found = trafilatura.extract_metadata(markup)
    if found is None:
        return FileProperties()
    date = _ISO_DATE.match(found.date or "")
    return FileProperties(
        title=_one_line(found.title),
        date=f"{int(date[3])}/{int(date[2])}/{date[1]}" if date else None,
        author=_one_line(found.author),
    )


def _one_line(value: str | None) -> str | None:
    return nfc(re.sub(r"\s+", " ", value).strip()) or None if value else None
