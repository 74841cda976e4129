"""The default answerer: pick the sentences of the retrieved passages that answer.

It needs no language model, is deterministic, and cannot invent a figure,
because every answer sentence is a verbatim quote of a document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from assistant.question import Intent, content_words, intent_of, is_stopword
from index.retrieve import Hit
from index.weights import SELECTION, SENTENCE_SCORE
from ingest.normalize import has_diacritics, lexical_terms, strip_diacritics, words
from ingest.sentences import split_sentences

_NUMBER = re.compile(r"\d")
_DATE = re.compile(r"\b\d{1,2}/\d{1,2}(?:/\d{4})?\b|\bnăm \d{4}\b|\b(?:19|20)\d{2}\b")
_DOCNO = re.compile(r"\b\d+[-/][A-ZĐ]+(?:[-/][A-ZĐ0-9]+)*\b")
_NAME = re.compile(r"(?:\b[A-ZĐÂĂÊÔƠƯ][\wÀ-ỹ]*\s){1,3}[A-ZĐÂĂÊÔƠƯ][\wÀ-ỹ]*")


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    rank: int
    start: int
    end: int
    text: str
    coverage: float
    score: float
    terms: frozenset[str]


def topic_terms(question: str) -> list[str]:
    """The question's lexical terms without the words that only shape a question."""
    found = content_words(question)
    bare = ["~" + strip_diacritics(w) for w in found]
    return found + bare if has_diacritics(question) else bare


def candidates(
    question: str,
    hits: list[Hit],
    idf: Callable[[str], float],
    preferred_docs: set[str] = frozenset(),
    satisfied: frozenset[str] = frozenset(),
) -> list[Candidate]:
    """Every sentence of the retrieved chunks, scored as an answer to the question.

    `satisfied` terms (a province the retrieved documents are about, say) are
    not required of a sentence: articles rarely repeat their province's name
    in the sentence that holds the figure.
    """
    terms = [t for t in dict.fromkeys(topic_terms(question)) if t not in satisfied]
    total = sum(idf(t) for t in terms) or 1.0
    intent = intent_of(question)
    bigrams = _bigrams(question)
    seen: set[tuple[str, int]] = set()
    found: list[Candidate] = []
    for rank, hit in enumerate(hits):
        for span in split_sentences(hit.chunk.text):
            start, end = hit.chunk.start + span.start, hit.chunk.start + span.end
            if (hit.chunk.doc_id, start) in seen:
                continue
            seen.add((hit.chunk.doc_id, start))
            text = hit.chunk.text[span.start : span.end]
            have = _terms_of(text)
            matched = [t for t in terms if t in have]
            coverage = sum(idf(t) for t in matched) / total
            score = _score(
                coverage,
                phrase=_bigram_share(bigrams, text),
                intent=_answers_intent(intent, text),
                rank=rank,
                preferred=hit.chunk.doc_id in preferred_docs,
                heading=_is_heading(text, hit.document.title),
            )
            found.append(
                Candidate(hit, rank, start, end, text, coverage, score, frozenset(matched))
            )
    return sorted(found, key=lambda c: -c.score)


def _score(
    coverage: float, *, phrase: float, intent: float, rank: int, preferred: bool, heading: bool
) -> float:
    """A sentence's score from its parts, weighted as index/weights.py's SentenceScore says."""
    w = SENTENCE_SCORE
    score = (
        coverage
        + w.phrase * phrase
        + w.intent * intent
        + w.rank / (1 + rank)
        + (w.province if preferred else 0.0)
    )
    return score * (w.heading if heading else 1.0)


def select(
    found: list[Candidate],
    limit: int = SELECTION.sentences,
    spread: tuple[set[str], ...] = (),
) -> list[Candidate]:
    """The best sentence, plus close runners-up that add something it lacks.

    `spread` holds document sets (one per province the question names) that
    should each be represented, for questions comparing provinces.
    """
    if not found:
        return []
    chosen = [found[0]]
    for docs in spread:
        if not any(c.hit.chunk.doc_id in docs for c in chosen):
            best = next((c for c in found if c.hit.chunk.doc_id in docs), None)
            if best is not None and best.coverage > 0:
                chosen.append(best)
    covered = set().union(*(c.terms for c in chosen))
    for candidate in found[1:]:
        if len(chosen) >= limit:
            break
        if candidate in chosen or candidate.score < SELECTION.runner_up * found[0].score:
            continue
        if candidate.terms - covered:
            chosen.append(candidate)
            covered |= candidate.terms
    return chosen[:limit]


@lru_cache(maxsize=50_000)
def _terms_of(text: str) -> frozenset[str]:
    """Passages come back question after question; fold each once."""
    return frozenset(lexical_terms(text))


def _is_heading(text: str, title: str) -> bool:
    """Titles and headings repeat the question's words but answer nothing."""
    if text == title:
        return True
    return (
        not _NUMBER.search(text)
        and text[-1] not in '.!?…:;"”)'
        and len(text.split()) <= SENTENCE_SCORE.heading_words
    )


def _bigrams(question: str) -> list[str]:
    bare = [strip_diacritics(w) for w in words(question)]
    return [f"{a} {b}" for a, b in pairwise(bare) if not (is_stopword(a) and is_stopword(b))]


def _bigram_share(bigrams: list[str], text: str) -> float:
    if not bigrams:
        return 0.0
    bare = " ".join(strip_diacritics(w) for w in words(text))
    return sum(1 for b in bigrams if b in bare) / len(bigrams)


def _answers_intent(intent: Intent, text: str) -> float:
    checks = [
        (intent.number, _NUMBER.search(text)),
        (intent.date, _DATE.search(text)),
        (intent.document, _DOCNO.search(text)),
        (intent.person, _NAME.search(text)),
    ]
    asked = [bool(found) for wanted, found in checks if wanted]
    return sum(asked) / len(asked) if asked else 0.0
