"""The hybrid searcher as a langchain retriever, for use in any langchain chain."""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from index.retrieve import Hit, Mode, Searcher


class HybridRetriever(BaseRetriever):
    """Documents carry the passage text and what a citation needs in their metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    searcher: Searcher
    k: int
    mode: Mode
    province: str | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        hits = self.searcher.search(query, k=self.k, mode=self.mode, province=self.province)
        return [
            Document(
                page_content=hit.chunk.text,
                id=hit.chunk.chunk_id,
                metadata=_metadata(hit),
            )
            for hit in hits
        ]


def _metadata(hit: Hit) -> dict[str, object]:
    return {
        "source": hit.document.source,
        "title": hit.document.title,
        "date": hit.document.date,
        "provinces": list(hit.document.provinces),
        "doc_id": hit.chunk.doc_id,
        "chunk_id": hit.chunk.chunk_id,
        "start": hit.chunk.start,
        "end": hit.chunk.end,
        "page": hit.chunk.page,
        "score": hit.score,
    }
