"""Which provinces a question is about, however it was typed, and whose documents may answer it.

An official asking about one province must never read another province's figure as
this one's. Documents are scanned strictly for names (a lower-case "tay ninh" in running
text may be anything), but a question is short and about something: typed without
diacritics or without capitals, its words are read as a name when they spell one.
Every question is then rewritten with the canonical names, so the search, the follow-up
rules and the answerer all see the same provinces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from assistant.question import replace_name
from index.record import StoredDocument
from index.retrieve import Hit, documents_about
from ingest.normalize import has_diacritics, nfc
from ingest.provinces import find_provinces

_WORD = re.compile(r"[^\W\d_]+")


def question_provinces(question: str) -> tuple[str, ...]:
    """The provinces (old canonical names) a question names, typed however it was."""
    question = nfc(question)
    found = find_provinces(question)
    if found or not _typed_loosely(question):
        return found
    return find_provinces(_WORD.sub(lambda m: m.group(0).capitalize(), question))


def _typed_loosely(question: str) -> bool:
    """Without diacritics, or without capitals after the first letter: names lose their marks."""
    later = question[1:]
    return not has_diacritics(question) or not any(c.isupper() for c in later)


def with_canonical_names(question: str) -> str:
    """The question in NFC with each province it names written as its canonical name.

    "tay ninh co bao nhieu ..." becomes "Tây Ninh co bao nhieu ...": the lexical index
    matches the documents' spelling and the retriever's strict name scan finds it.
    Names already found as typed are left alone.
    """
    question = nfc(question)
    if find_provinces(question):
        return question
    for name in question_provinces(question):
        question = replace_name(question, name, name)
    return question


def allowed_documents(
    provinces: tuple[str, ...], documents: Mapping[str, StoredDocument]
) -> set[str] | None:
    """The documents that may answer a question about `provinces`; None when it names none."""
    if not provinces:
        return None
    return documents_about(documents, provinces)


def faithful_hits(hits: list[Hit], allowed: set[str] | None) -> list[Hit]:
    """The hits a question about provinces may be answered from: their documents only."""
    if allowed is None:
        return hits
    return [h for h in hits if h.chunk.doc_id in allowed]
