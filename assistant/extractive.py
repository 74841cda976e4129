"""The default answerer: pick the sentences of the retrieved passages that answer.

It needs no language model, is deterministic, and cannot invent a figure,
because every answer sentence is a verbatim quote of a document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from assistant.coverage import terms_of
from assistant.question import Intent, content_words, intent_of, is_stopword
from index.retrieve import Hit
from index.weights import SELECTION, SENTENCE_SCORE
from ingest.normalize import has_diacritics, strip_diacritics, words
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
    """What candidates are ordered by: `lexical` plus the dense model's share."""
    lexical: float
    """The score from the question's words alone."""
    terms: frozenset[str]
    cosine: float | None
    """The dense model's cosine to the question; None when it was not asked."""
    answers: float | None = None
    """The share of what the question asks for (a figure, a date, a document number, a
    name) that the sentence holds; None when the question asks for none of them."""


def topic_terms(question: str) -> list[str]:
    """The question's lexical terms without the words that only shape a question."""
    found = content_words(question)
    bare = ["~" + strip_diacritics(w) for w in found]
    return found + bare if has_diacritics(question) else bare


Closeness = Callable[[list[str]], Sequence[float]]
"""The dense model's cosine between the question and each of the given sentences."""


def candidates(
    question: str,
    hits: list[Hit],
    idf: Callable[[str], float],
    preferred_docs: set[str] = frozenset(),
    satisfied: frozenset[str] = frozenset(),
    closeness: Closeness | None = None,
) -> list[Candidate]:
    """Every sentence of the retrieved chunks, scored as an answer to the question.

    `satisfied` terms (a province the retrieved documents are about, say) are
    not required of a sentence: articles rarely repeat their province's name
    in the sentence that holds the figure. `closeness`, when given, adds the dense
    model's view: a sentence may answer in other words than the question's.
    """
    terms = [t for t in dict.fromkeys(topic_terms(question)) if t not in satisfied]
    total = sum(idf(t) for t in terms) or 1.0
    intent = intent_of(question)
    asks = intent.number or intent.date or intent.document or intent.person
    bigrams = _bigrams(question)
    found: list[Candidate] = []
    for rank, hit, start, text in _sentences(hits):
        matched = [t for t in terms if t in terms_of(text)]
        coverage = sum(idf(t) for t in matched) / total
        answers = _answers_intent(intent, text)
        lexical = _score(
            coverage,
            phrase=_bigram_share(bigrams, text),
            intent=answers,
            rank=rank,
            preferred=hit.chunk.doc_id in preferred_docs,
        ) * _heading_factor(text, hit.document.title)
        end = start + len(text)
        found.append(
            Candidate(
                hit,
                rank,
                start,
                end,
                text,
                coverage,
                lexical,
                lexical,
                frozenset(matched),
                None,
                answers if asks else None,
            )
        )
    found.sort(key=lambda c: -c.score)
    if closeness is not None and found:
        found = _with_closeness(found, closeness)
    return found


def _with_closeness(found: list[Candidate], closeness: Closeness) -> list[Candidate]:
    """The candidates with the dense model's cosine to the question added, scaled."""
    cosines = [float(c) for c in closeness([c.text for c in found])]
    w = SENTENCE_SCORE.dense
    scored = [
        replace(
            c,
            score=c.score + _heading_factor(c.text, c.hit.document.title) * w * near,
            cosine=cosine,
        )
        for c, cosine, near in zip(found, cosines, _spread(cosines), strict=True)
    ]
    return sorted(scored, key=lambda c: -c.score)


def _sentences(hits: list[Hit]) -> list[tuple[int, Hit, int, str]]:
    """Each sentence of the hits once (chunks overlap): its passage's rank, the hit, where
    it starts in its document, and its text."""
    seen: set[tuple[str, int]] = set()
    found = []
    for rank, hit in enumerate(hits):
        for span in split_sentences(hit.chunk.text):
            start = hit.chunk.start + span.start
            if (hit.chunk.doc_id, start) not in seen:
                seen.add((hit.chunk.doc_id, start))
                found.append((rank, hit, start, hit.chunk.text[span.start : span.end]))
    return found


def _spread(cosines: Sequence[float]) -> list[float]:
    """The cosines min-max scaled within this question: cosines of one model bunch in a
    narrow band that moves with the question, so only their order among the candidates
    says something."""
    low, high = min(cosines), max(cosines)
    if high - low < 1e-9:
        return [0.0] * len(cosines)
    return [(c - low) / (high - low) for c in cosines]


def _score(coverage: float, *, phrase: float, intent: float, rank: int, preferred: bool) -> float:
    """A sentence's score from the question's words, weighted as index/weights.py's
    SentenceScore says."""
    w = SENTENCE_SCORE
    return (
        coverage
        + w.phrase * phrase
        + w.intent * intent
        + w.rank / (1 + rank)
        + (w.province if preferred else 0.0)
    )


def select(
    found: list[Candidate],
    limit: int = SELECTION.sentences,
    spread: tuple[set[str], ...] = (),
    budget: int = SELECTION.budget,
) -> list[Candidate]:
    """The best sentence, the sentence after it when that one holds what it lacks, close
    runners-up that add something it lacks, and then the next best while the answer is
    short.

    `spread` holds document sets (one per province the question names) that
    should each be represented, for questions comparing provinces. `budget`: the most
    characters the answer may reach with runners-up and by filling (see `_filled`).
    """
    if not found:
        return []
    chosen = [found[0]]
    for docs in spread:
        if not any(c.hit.chunk.doc_id in docs for c in chosen):
            best = next((c for c in found if c.hit.chunk.doc_id in docs), None)
            if best is not None and best.coverage > 0:
                chosen.append(best)
    follower = _completing_follower(found)
    if follower is not None and follower not in chosen:
        chosen.insert(1, follower)
    covered = set().union(*(c.terms for c in chosen))
    size = sum(len(c.text) for c in chosen)
    for candidate in found[1:]:
        if len(chosen) >= limit:
            break
        # On the lexical score: min-max scaling hands the best sentence the whole dense
        # weight, which runners-up worded otherwise lack, though they complete its answer.
        if candidate in chosen or candidate.lexical < SELECTION.runner_up * found[0].lexical:
            continue
        if candidate.terms - covered and size + len(candidate.text) <= budget:
            chosen.append(candidate)
            covered |= candidate.terms
            size += len(candidate.text)
    return _joined(_filled(chosen[:limit], found, limit, budget))


def _completing_follower(found: list[Candidate]) -> Candidate | None:
    """The sentence right after the best one, when the best holds none of what the
    question asks for (a figure, a date, a name) and that one does: articles often name
    the subject in one sentence and give its figure in the next. Not when the best holds
    part of it: the next sentence's other figures then only blur the answer."""
    best = found[0]
    if best.answers is None or best.answers > 0:
        return None
    doc = best.hit.chunk.doc_id
    after = [c for c in found if c.hit.chunk.doc_id == doc and c.start >= best.end]
    follower = min(after, key=lambda c: c.start, default=None)
    if follower is None or not follower.answers:
        return None
    return follower


def _filled(
    chosen: list[Candidate], found: list[Candidate], limit: int, budget: int
) -> list[Candidate]:
    """`chosen` plus the next best sentences, in order, that score at least `filler` of the
    best one, while the answer has fewer than `limit` sentences and fits in `budget`
    characters: the best sentence by score is often not the one holding the answer, and
    a second or third close one costs the reader little."""
    size = sum(len(c.text) for c in chosen)
    floor = SELECTION.filler * found[0].score
    for candidate in found[1:]:
        if len(chosen) >= limit:
            break
        if candidate in chosen or candidate.score < floor:
            continue
        if size + len(candidate.text) <= budget:
            chosen.append(candidate)
            size += len(candidate.text)
    return chosen


def _joined(chosen: list[Candidate]) -> list[Candidate]:
    """The chosen sentences with neighbours in one passage quoted as one span, in the
    document's order, where the first of them stood: a fact told over two sentences reads
    whole only without a citation marker between them."""
    joined: list[Candidate] = []
    for candidate in chosen:
        for n, earlier in enumerate(joined):
            both = _adjacent(earlier, candidate) or _adjacent(candidate, earlier)
            if both is not None:
                joined[n] = both
                break
        else:
            joined.append(candidate)
    return joined


def _adjacent(first: Candidate, second: Candidate) -> Candidate | None:
    """`first` and `second` as one span when only white space parts them in a passage."""
    if first.hit.chunk.doc_id != second.hit.chunk.doc_id or first.end > second.start:
        return None
    for hit in (first.hit, second.hit):
        chunk = hit.chunk
        if chunk.start <= first.start and second.end <= chunk.end:
            between = chunk.text[first.end - chunk.start : second.start - chunk.start]
            if between.strip():
                return None
            return replace(
                first,
                hit=hit,
                end=second.end,
                text=chunk.text[first.start - chunk.start : second.end - chunk.start],
                coverage=max(first.coverage, second.coverage),
                score=max(first.score, second.score),
                lexical=max(first.lexical, second.lexical),
                terms=first.terms | second.terms,
            )
    return None


def _heading_factor(text: str, title: str) -> float:
    return SENTENCE_SCORE.heading if _is_heading(text, title) else 1.0


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
