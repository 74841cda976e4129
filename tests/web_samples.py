"""Sample documents, answer records and targets rows shared by the web app's tests.

The planted markup (XSS_*) must come out of every renderer as inert text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from assistant.answer import Assistant
from assistant.record import AnswerRecord, Citation
from assistant.settings import Settings
from assistant.web.render import DocumentView
from index.record import StoredDocument
from index.retrieve import Searcher
from index.store import Store, connect
from ingest.document import Target
from tests.conftest import ROOT

GOLD_TARGETS = ROOT / "tests" / "data" / "targets.jsonl"
XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_LINK = "[x](javascript:alert(1))"
MB = 1024 * 1024
EVIL_TITLE = f"{XSS_SCRIPT}{XSS_IMG} Tiêu đề"
EVIL_TEXT = (
    f"{EVIL_TITLE}\n\nĐoạn đầu {XSS_LINK} nói về kinh tế số. Kinh tế số đạt 7,41% GRDP {XSS_IMG}."
    " Câu sau cùng.\n\nĐoạn cuối."
)


def document(text: str, title: str, blocks, pages=()) -> DocumentView:
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


def evil_record(abstained: bool = False) -> dict:
    """An answer record (as the chat keeps it) whose question, title and quote carry markup."""
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


def lookup(doc_id: str) -> DocumentView | None:
    """The library's `view` for the one evil document, d1."""
    blocks = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", EVIL_TEXT)]
    return document(EVIL_TEXT, EVIL_TITLE, blocks) if doc_id == "d1" else None


def assert_inert(markup: str) -> None:
    lowered = markup.lower()
    assert "<script" not in lowered and "<img" not in lowered
    assert "onerror=" not in lowered.replace("onerror=&quot;", "")
    assert 'href="javascript' not in lowered and "<a " not in lowered


def stored(source: str, targets, provinces=(), text_len: int = 10_000) -> StoredDocument:
    """A stored document holding these targets rows (as the store hands them back)."""
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
        targets=tuple(Target(**row) for row in targets),
    )


def target_docs() -> list[StoredDocument]:
    """The hand-labelled rows of the bundled articles, as the store holds them."""
    by_source: dict[str, list[dict]] = {}
    for line in GOLD_TARGETS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        by_source.setdefault(row["source"], []).append(row)
    return [stored(source, rows) for source, rows in sorted(by_source.items())]


def empty_assistant(folder: Path) -> Assistant:
    """An assistant over a new, empty index that answers lexically: no model is loaded."""
    store = Store(connect(str(folder / "chroma")), Settings().embedding_model)
    return Assistant(Searcher(store, None), k=Settings().k, retrieval="lexical")
