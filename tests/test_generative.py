"""The generative answerer against a real OpenAI-compatible HTTP server on 127.0.0.1.

The server is a small `http.server` in a thread that answers POST
/v1/chat/completions with the reply each test scripts and records every
request, so the whole path runs for real: the prompt templates, ChatOpenAI,
the openai client and HTTP, then the checks on the reply.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from assistant.generative import (
    MODEL_FOUND_NOTHING,
    NOT_FOUND_TOKEN,
    REJECTED,
    SERVER_FAILED,
    GenerativeAnswerer,
    base_url,
    check_answer,
    format_passages,
    renumber,
)
from assistant.record import AnswerRecord, Citation, Context
from index.record import StoredChunk, StoredDocument
from index.retrieve import Hit
from tests.conftest import free_port

MODEL = "smollm2-135m-instruct"

# Three short articles; each hit's chunk is a slice of its document's text.
DOCUMENTS = {
    "quang-ninh": (
        "Kinh tế Quảng Ninh năm 2022",
        "2022-12-28",
        ("Quảng Ninh",),
        "Báo cáo kinh tế - xã hội cuối năm.\n"
        "Năm 2022, tổng sản phẩm trên địa bàn tỉnh Quảng Ninh (GRDP) tăng 10,28% so với "
        "năm 2021. Thu ngân sách nhà nước trên địa bàn đạt 51.000 tỷ đồng.",
    ),
    "dong-nai": (
        "Đồng Nai chậm giải ngân vốn đầu tư công",
        "2022-10-18",
        ("Đồng Nai",),
        "Sở Kế hoạch và Đầu tư cho biết:\n"
        "Tính đến ngày 17/10/2022, tỉnh Đồng Nai mới giải ngân được 1.880 tỷ đồng vốn đầu tư "
        "công, đạt 7,41% kế hoạch vốn năm.",
    ),
    "ha-noi": (
        "Dân số Hà Nội",
        None,
        ("Hà Nội",),
        "Thống kê dân số.\nDân số trung bình của Hà Nội năm 2022 ước đạt 8,4 triệu người.",
    ),
}


def _hit(doc_id: str, score: float) -> Hit:
    title, date, provinces, text = DOCUMENTS[doc_id]
    start = text.index("\n") + 1
    document = StoredDocument(
        doc_id=doc_id,
        source=f"{doc_id}.txt",
        path=f"data/articles/{doc_id}.txt",
        title=title,
        date=date,
        byline=None,
        provinces=provinces,
        merged_provinces=provinces,
        content_hash="0" * 16,
        generation="g1",
        ingested_at="2024-01-01T00:00:00+00:00",
        kind="text",
        chunk_count=1,
        pages=(),
        blocks=((0, len(text)),),
    )
    chunk = StoredChunk(
        chunk_id=f"{doc_id}:0",
        doc_id=doc_id,
        source=document.source,
        index=0,
        start=start,
        end=len(text),
        text=text[start:],
        page=None,
    )
    return Hit(chunk=chunk, score=score, document=document)


@pytest.fixture
def hits() -> list[Hit]:
    return [_hit("quang-ninh", 0.9), _hit("dong-nai", 0.8), _hit("ha-noi", 0.5)]


def _fallback(hits: list[Hit], *, abstained: bool = False) -> AnswerRecord:
    """What the extractive answerer would return for the same hits."""
    contexts = [
        Context(
            source=h.document.source,
            chunk_id=h.chunk.chunk_id,
            text=h.chunk.text,
            score=h.score,
            doc_id=h.chunk.doc_id,
            start=h.chunk.start,
            end=h.chunk.end,
        )
        for h in hits
    ]
    if abstained:
        return AnswerRecord(
            question="Ai là chủ tịch tỉnh Lào Cai?",
            answer="Tôi không tìm thấy thông tin trả lời câu hỏi này trong các tài liệu hiện có.",
            abstained=True,
            contexts=contexts,
            id="q-2",
        )
    hit = hits[1]
    sentence = hit.chunk.text
    citation = Citation(
        marker=1,
        source=hit.document.source,
        title=hit.document.title,
        date=hit.document.date,
        page=None,
        quote=sentence,
        start=hit.chunk.start,
        end=hit.chunk.end,
        chunk_id=hit.chunk.chunk_id,
        score=hit.score,
        doc_id=hit.chunk.doc_id,
        provinces=hit.document.provinces,
    )
    return AnswerRecord(
        question="Đồng Nai đã giải ngân bao nhiêu vốn đầu tư công?",
        answer=f"{sentence} [1]",
        abstained=False,
        citations=[citation],
        contexts=contexts,
        id="q-1",
        resolved_question="Tỉnh Đồng Nai đã giải ngân bao nhiêu vốn đầu tư công?",
    )


@dataclass
class Reply:
    content: str = ""
    status: int = 200
    delay: float = 0.0


@dataclass
class FakeServer:
    """The scripted replies, the recorded requests, and the server's address."""

    url: str
    replies: list[Reply] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


def _handler(state: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append(
                {"path": self.path, "headers": dict(self.headers), "json": json.loads(body)}
            )
            reply = state.replies.pop(0) if state.replies else Reply(status=503)
            if reply.delay:
                state.release.wait(reply.delay)
            if reply.status != 200:
                payload = {"error": {"message": "internal error", "type": "server_error"}}
            else:
                payload = {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": MODEL,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": reply.content},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                }
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the timeout test)

    return Handler


@pytest.fixture
def server() -> Iterator[FakeServer]:
    port = free_port()
    state = FakeServer(url=f"http://127.0.0.1:{port}")
    httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler(state))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _answer(server: FakeServer, content: str, hits: list[Hit], **kw: Any) -> AnswerRecord:
    server.replies.append(Reply(content=content))
    answerer = GenerativeAnswerer(server.url, MODEL)
    fallback = _fallback(hits, **kw)
    return answerer.answer(fallback.question, hits, fallback)


def test_good_answer_is_shown_with_renumbered_exact_citations(server, hits):
    reply = (
        "Tính đến ngày 17/10/2022, Đồng Nai đã giải ngân 1.880 tỷ đồng, đạt 7,41% kế hoạch [2]. "
        "Cùng năm, GRDP của Quảng Ninh tăng 10,28% [1], còn thu ngân sách đạt 51.000 tỷ đồng [1]."
    )
    fallback = _fallback(hits)
    server.replies.append(Reply(content=reply))
    record = GenerativeAnswerer(server.url, MODEL).answer(fallback.question, hits, fallback)

    assert record.answerer == "generative"
    assert record.abstained is False
    assert record.notice is None
    assert record.answer == (
        "Tính đến ngày 17/10/2022, Đồng Nai đã giải ngân 1.880 tỷ đồng, đạt 7,41% kế hoạch [1]. "
        "Cùng năm, GRDP của Quảng Ninh tăng 10,28% [2], còn thu ngân sách đạt 51.000 tỷ đồng [2]."
    )
    assert [c.marker for c in record.citations] == [1, 2]
    assert [c.doc_id for c in record.citations] == ["dong-nai", "quang-ninh"]
    for citation, hit in zip(record.citations, (hits[1], hits[0]), strict=True):
        document_text = DOCUMENTS[citation.doc_id][3]
        assert citation.quote == hit.chunk.text
        assert document_text[citation.start : citation.end] == citation.quote
        assert citation.chunk_id == hit.chunk.chunk_id
        assert citation.title == hit.document.title
        assert citation.date == hit.document.date
        assert citation.provinces == hit.document.provinces
    assert record.question == fallback.question
    assert record.contexts == fallback.contexts
    assert record.resolved_question == fallback.resolved_question
    assert record.id == fallback.id
    assert record.related == []
    # The fallback handed in is left as it was.
    assert fallback == _fallback(hits)


def test_request_holds_vietnamese_system_prompt_and_numbered_passages(server, hits):
    _answer(server, "Đồng Nai đã giải ngân 1.880 tỷ đồng [2].", hits)

    (request,) = server.requests
    assert request["path"] == "/v1/chat/completions"
    body = request["json"]
    assert body["model"] == MODEL
    assert body["temperature"] == 0
    assert body["max_tokens"] > 0
    system, user = body["messages"]
    assert system["role"] == "system"
    assert "tiếng Việt" in system["content"]
    assert "tối đa ba câu" in system["content"]
    assert NOT_FOUND_TOKEN in system["content"]
    assert user["role"] == "user"
    assert "[1] Kinh tế Quảng Ninh năm 2022 (2022-12-28)" in user["content"]
    assert "[2] Đồng Nai chậm giải ngân vốn đầu tư công (2022-10-18)" in user["content"]
    assert "[3] Dân số Hà Nội\nDân số trung bình" in user["content"]
    for hit in hits:
        assert hit.chunk.text in user["content"]
    assert "Câu hỏi: Đồng Nai đã giải ngân bao nhiêu vốn đầu tư công?" in user["content"]
    assert (
        user["content"].index("[1]") < user["content"].index("[2]") < user["content"].index("[3]")
    )


def test_figure_not_in_cited_passage_is_rejected(server, hits):
    # 1.900 is in no passage.
    record = _answer(server, "Đồng Nai đã giải ngân 1.900 tỷ đồng vốn đầu tư công [2].", hits)
    assert record.answerer == "extractive"
    assert record.notice == REJECTED
    assert record.answer == _fallback(hits).answer
    assert record.citations == _fallback(hits).citations


def test_figure_from_an_uncited_passage_is_rejected(server, hits):
    # 7,41% is written in passage [2], but the answer cites only [1].
    record = _answer(server, "GRDP của Quảng Ninh năm 2022 tăng 7,41% [1].", hits)
    assert record.answerer == "extractive"
    assert record.notice == REJECTED


def test_marker_pointing_nowhere_is_rejected(server, hits):
    record = _answer(server, "Dân số Hà Nội năm 2022 ước đạt 8,4 triệu người [4].", hits)
    assert record.answerer == "extractive"
    assert record.notice == REJECTED
    assert record.answer == _fallback(hits).answer


def test_answer_without_markers_is_rejected(server, hits):
    record = _answer(server, "Dân số Hà Nội năm 2022 ước đạt 8,4 triệu người.", hits)
    assert record.answerer == "extractive"
    assert record.notice == REJECTED


def test_server_error_falls_back_with_notice(server, hits):
    server.replies.append(Reply(status=500))
    fallback = _fallback(hits)
    record = GenerativeAnswerer(server.url, MODEL).answer(fallback.question, hits, fallback)
    assert record.answerer == "extractive"
    assert record.notice == SERVER_FAILED
    assert record.answer == fallback.answer
    assert len(server.requests) == 1  # max_retries=0: no second try


def test_server_timeout_falls_back_with_notice(server, hits):
    server.replies.append(Reply(content="Quá muộn [1].", delay=10.0))
    fallback = _fallback(hits)
    answerer = GenerativeAnswerer(server.url, MODEL, timeout=0.3)
    started = time.monotonic()
    record = answerer.answer(fallback.question, hits, fallback)
    # Well before the reply would come, with room for a loaded machine.
    assert time.monotonic() - started < 8.0
    assert record.answerer == "extractive"
    assert record.notice == SERVER_FAILED
    assert len(server.requests) == 1


def test_unreachable_server_falls_back_with_notice(hits):
    fallback = _fallback(hits)
    answerer = GenerativeAnswerer(f"http://127.0.0.1:{free_port()}/v1", MODEL, timeout=2.0)
    record = answerer.answer(fallback.question, hits, fallback)
    assert record.notice == SERVER_FAILED
    assert record.answer == fallback.answer


def test_not_found_keeps_extractive_answer_with_notice(server, hits):
    record = _answer(server, NOT_FOUND_TOKEN, hits)
    assert record.answerer == "extractive"
    assert record.notice == MODEL_FOUND_NOTHING
    assert record.answer == _fallback(hits).answer
    assert record.abstained is False


def test_not_found_with_abstaining_fallback_returns_it_unchanged(server, hits):
    record = _answer(server, f" {NOT_FOUND_TOKEN}.", hits, abstained=True)
    assert record == _fallback(hits, abstained=True)


def test_no_hits_returns_fallback_without_calling_the_server(server):
    fallback = _fallback([_hit("ha-noi", 0.1)], abstained=True)
    record = GenerativeAnswerer(server.url, MODEL).answer(fallback.question, [], fallback)
    assert record is fallback
    assert server.requests == []


@pytest.mark.parametrize(
    ("answer", "problems"),
    [
        ("Giải ngân đạt 7,41% kế hoạch [1].", []),
        ("Giải ngân đạt 7,41 phần trăm kế hoạch [1].", []),  # a trailing % is ignored
        ("Đến ngày 17/10/2022 đã giải ngân 1.880 tỷ đồng [1].", []),
        ("Đến ngày 17/10 đã giải ngân [1].", []),
        ("Trong năm 2022 đã giải ngân [1].", []),  # the year of a date
        ("Đã giải ngân 1880 tỷ đồng [1].", ["figures not in the cited passages: 1880"]),
        ("Đã giải ngân 7,4% kế hoạch [1].", ["figures not in the cited passages: 7,4"]),
        ("Đã giải ngân 41% kế hoạch [1].", ["figures not in the cited passages: 41"]),
        (
            "Đã giải ngân 1.880 tỷ đồng.",
            ["the answer cites no passage", "figures not in the cited passages: 1.880"],
        ),
        ("Đã giải ngân 1.880 tỷ đồng [1][3].", ["markers point to no passage: [3]"]),
        ("GRDP tăng 10,28% [2], giải ngân 1.880 tỷ đồng [1, 2].", []),
    ],
)
def test_check_answer(answer, problems):
    passages = [DOCUMENTS["dong-nai"][3], DOCUMENTS["quang-ninh"][3]]
    assert check_answer(answer, passages) == problems


def test_renumber_in_order_of_first_appearance():
    text, cited = renumber("A [3]. B [1, 3]. C [2][3].")
    assert text == "A [1]. B [2][1]. C [3][1]."
    assert cited == [3, 1, 2]


def test_format_passages_numbers_each_passage_with_title_and_date(hits):
    text = format_passages(hits)
    assert text.startswith("[1] Kinh tế Quảng Ninh năm 2022 (2022-12-28)\nNăm 2022,")
    assert "\n\n[3] Dân số Hà Nội\n" in text


def test_base_url_adds_v1_to_a_bare_address():
    assert base_url("http://127.0.0.1:8000") == "http://127.0.0.1:8000/v1"
    assert base_url("localhost:11434/") == "http://localhost:11434/v1"
    assert base_url("http://gpu:8000/v1/") == "http://gpu:8000/v1"
