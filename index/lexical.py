"""BM25 over the chunks Chroma holds, with the shared Vietnamese normalization.

Built from the store rather than from files, so it always matches what the
dense half can return; rebuilt when the set of live documents changes.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, MutableMapping

import bm25s
import numpy as np

from index.record import StoredChunk
from ingest.normalize import lexical_terms, query_terms


class LexicalIndex:
    def __init__(
        self, chunks: Iterable[StoredChunk], folded: MutableMapping[str, str] | None = None
    ) -> None:
        """`folded` keeps each chunk's terms, space-joined, by chunk id across rebuilds.

        Folding is most of the cost of a rebuild, and a chunk id names one generation
        of one text, so an entry never goes stale: after a change only the new chunks
        are folded. Strings rather than lists, because a list of 300 small strings
        per chunk weighs ten times the text.
        """
        self.chunks = list(chunks)
        self._bm25 = bm25s.BM25()
        cache: MutableMapping[str, str] = {} if folded is None else folded
        terms = []
        for chunk in self.chunks:
            if chunk.chunk_id not in cache:
                cache[chunk.chunk_id] = " ".join(lexical_terms(chunk.text))
            terms.append(cache[chunk.chunk_id].split())
        self._df = Counter(term for chunk_terms in terms for term in set(chunk_terms))
        self._doc_ids = np.array([chunk.doc_id for chunk in self.chunks], dtype=object)
        if self.chunks:
            self._bm25.index(terms, show_progress=False)

    def idf(self, term: str) -> float:
        """Rarity of a term across chunks; answer selection weighs question words by it."""
        n = len(self.chunks)
        return math.log(1 + (n - self._df.get(term, 0) + 0.5) / (self._df.get(term, 0) + 0.5))

    def search(
        self, query: str, k: int, allowed: set[str] | None = None
    ) -> list[tuple[StoredChunk, float]]:
        """Best chunks for the query; `allowed` limits them to some document ids."""
        terms = query_terms(query)
        if not self.chunks or not terms:
            return []
        scores = self._bm25.get_scores(terms)
        if allowed is not None:
            scores = np.where(np.isin(self._doc_ids, list(allowed)), scores, 0.0)
        if k < len(scores):
            # Only the best k need sorting; a full sort of 100,000 scores costs more than BM25.
            best = np.argpartition(-scores, k - 1)[:k]
            best = best[np.lexsort((best, -scores[best]))]
        else:
            best = np.lexsort((np.arange(len(scores)), -scores))
        return [(self.chunks[i], float(scores[i])) for i in best if scores[i] > 0]
