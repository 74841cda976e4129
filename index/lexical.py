"""BM25 over stored chunks in tantivy, with the shared Vietnamese normalization.

tantivy rather than bm25s (which cannot add documents: every write meant a rebuild
from every chunk) or SQLite FTS5 (40x slower per question at 10,000 chunks, having to
score every chunk that shares a word with the question): see `benchmarks/lexical.py`.
Chunks are indexed under the terms `lexical_terms` gives them, split on spaces, so
accent-free forms ("~soc"), figures ("7,41%") and expanded abbreviations stay whole;
questions are looked up by `query_terms`. The index lives in a directory (or in
memory) and is changed a document at a time: `LexicalCache` decides what changes.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import tantivy

from index.record import StoredChunk
from index.weights import BM25
from ingest.normalize import lexical_terms, query_terms

# tantivy's writer keeps this much memory for documents before it flushes a segment.
_WRITER_HEAP = 50_000_000
# tantivy is asked for this many times the chunks wanted; BM25 then ranks them. With 2,
# the best 40 were those of 10 times as many candidates for all of 405 questions (the
# bundled set and 300 UIT questions) over the UIT chunks and 3,000 synthetic ones.
_CANDIDATES = 2
# How long a catch-up waits for another process's writer before giving up.
_LOCK_WAIT_S = 60.0


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("doc_id", stored=False, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("terms", tokenizer_name="whitespace", index_option="freq")
    builder.add_bytes_field("chunk", stored=True, indexed=False)
    return builder.build()


def _encode(chunk: StoredChunk, terms: list[str]) -> bytes:
    # Term counts, not the terms (a question reads a few counts of each candidate), as
    # "term<TAB>count<TAB>...": a JSON object took ten times longer to read back.
    counts = "\t".join(f"{term}\t{n}" for term, n in Counter(terms).items())
    return json.dumps(
        [*dataclasses.astuple(chunk), len(terms), counts], ensure_ascii=False
    ).encode()


def _decode(data: bytes) -> tuple[StoredChunk, int, dict[str, str]]:
    *fields, length, counts = json.loads(data)
    parts = counts.split("\t")
    return StoredChunk(*fields), length, dict(zip(parts[::2], parts[1::2], strict=True))


class LexicalIndex:
    """One tantivy index of chunks; `path` None keeps it in memory."""

    def __init__(self, path: Path | None) -> None:
        if path is None:
            self._index = tantivy.Index(_schema())
        else:
            path.mkdir(parents=True, exist_ok=True)
            self._index = tantivy.Index(_schema(), path=str(path), reuse=True)
        self._schema = self._index.schema
        self._searcher = self._index.searcher()
        # Terms per document (all its chunks): the average chunk length BM25 needs.
        self.lengths: dict[str, int] = {}

    @classmethod
    def of(cls, chunks: Iterable[StoredChunk]) -> LexicalIndex:
        """An index in memory holding just these chunks (tests, benchmarks)."""
        index = cls(None)
        index.apply(index.writer(), [], list(chunks))
        return index

    def writer(self) -> tantivy.IndexWriter:
        """The index's one writer; waits while another process holds it."""
        deadline = time.monotonic() + _LOCK_WAIT_S
        while True:
            try:
                return self._index.writer(heap_size=_WRITER_HEAP, num_threads=1)
            except ValueError as error:
                if "LockBusy" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def apply(
        self,
        writer: tantivy.IndexWriter,
        dropped: Iterable[str],
        added: Sequence[StoredChunk],
    ) -> None:
        """Drop every chunk of the `dropped` documents and add `added`, in one commit."""
        for doc_id in dropped:
            writer.delete_documents_by_term("doc_id", doc_id)
            self.lengths.pop(doc_id, None)
        for chunk in added:
            terms = lexical_terms(chunk.text)
            spaced = " ".join(terms)
            document = tantivy.Document()
            document.add_text("doc_id", chunk.doc_id)
            document.add_text("terms", spaced)
            document.add_bytes("chunk", _encode(chunk, terms))
            writer.add_document(document)
            self.lengths[chunk.doc_id] = self.lengths.get(chunk.doc_id, 0) + len(terms)
        writer.commit()
        self.reload()

    def clear(self, writer: tantivy.IndexWriter) -> None:
        writer.delete_all_documents()
        writer.commit()
        self.lengths = {}
        self.reload()

    def reload(self) -> None:
        """See what has been committed since, by this process or another."""
        self._index.reload()
        self._searcher = self._index.searcher()

    @property
    def size(self) -> int:
        return self._searcher.num_docs

    def idf(self, term: str) -> float:
        """Rarity of a term across chunks; answer selection weighs question words by it."""
        n = self._searcher.num_docs
        df = min(self._searcher.doc_freq("terms", term), n)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(
        self, query: str, k: int, allowed: set[str] | None = None
    ) -> list[tuple[StoredChunk, float]]:
        """Best chunks for the query; `allowed` limits them to some document ids."""
        terms = query_terms(query)
        if not terms or k <= 0 or (allowed is not None and not allowed):
            return []
        searcher = self._searcher
        should = tantivy.Occur.Should
        query_object = tantivy.Query.boolean_query(
            [(should, tantivy.Query.term_query(self._schema, "terms", t)) for t in terms]
        )
        if allowed is not None:
            only = tantivy.Query.term_set_query(self._schema, "doc_id", sorted(allowed))
            query_object = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, query_object),
                    (tantivy.Occur.Must, tantivy.Query.const_score_query(only, 0.0)),
                ]
            )
        hits = searcher.search(query_object, k * _CANDIDATES).hits
        found = self._score(terms, [_decode(searcher.doc(at)["chunk"][0]) for _, at in hits])
        # Equal scores in chunk id order, as a rebuilt index would give them.
        return sorted(found, key=lambda pair: (-pair[1], pair[0].chunk_id))[:k]

    def _score(
        self, terms: list[str], candidates: list[tuple[StoredChunk, int, dict[str, str]]]
    ) -> list[tuple[StoredChunk, float]]:
        """BM25 as bm25s computed it (Lucene's form, its k1 and b), which the fusion
        weights were tuned with; tantivy's own (k1 = 1.2) only picks the candidates."""
        n = self._searcher.num_docs
        average = max(sum(self.lengths.values()) / max(n, 1), 1e-9)
        weights = Counter(terms)  # a repeated question term counts again, as in bm25s
        probes = [(term, times * self.idf(term)) for term, times in weights.items()]
        scored = []
        for chunk, length, counts in candidates:
            norm = BM25.k1 * (1 - BM25.b + BM25.b * length / average)
            score = 0.0
            for term, weight in probes:
                found = counts.get(term)
                if found:
                    tf = int(found)
                    score += weight * tf / (tf + norm)
            if score > 0:
                scored.append((chunk, score))
        return scored
