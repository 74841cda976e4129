"""An optional generative answerer: a chat model on an OpenAI-compatible server.

It writes the answer from the retrieved passages (vLLM, llama.cpp's server and
Ollama all serve the same /v1/chat/completions API), and its answer is only
shown when it passes `check_answer`: every [n] marker points at a passage that
was given, and every figure it states is written, as is, in a passage it cites.
Otherwise, or when the server fails, the extractive answer stands, with a notice
saying why. The model cannot add a figure the documents do not hold.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from assistant.record import AnswerRecord, passage_citation

if TYPE_CHECKING:  # langchain loads in seconds; it is imported when an answerer is built
    from langchain_core.prompts import ChatPromptTemplate

    from index.retrieve import Hit

log = logging.getLogger(__name__)

PROMPTS = Path(__file__).resolve().parents[1] / "prompts"
NOT_FOUND_TOKEN = "KHÔNG_TÌM_THẤY"
# Local servers ignore the key, but the OpenAI client insists on one.
DUMMY_API_KEY = "not-needed"
# Enough for three sentences with markers; bounds a model that will not stop.
MAX_TOKENS = 512

REJECTED = (
    "Câu trả lời do mô hình ngôn ngữ tạo ra không vượt qua bước kiểm tra trích dẫn "
    "nên đã bị loại; dưới đây là câu trả lời trích nguyên văn từ tài liệu."
)
SERVER_FAILED = (
    "Máy chủ mô hình ngôn ngữ bị lỗi hoặc không phản hồi kịp; "
    "dưới đây là câu trả lời trích nguyên văn từ tài liệu."
)
MODEL_FOUND_NOTHING = (
    "Mô hình ngôn ngữ không tìm thấy câu trả lời trong các đoạn trích; "
    "dưới đây là câu trả lời trích nguyên văn từ tài liệu."
)

# [1], [2][3] and the grouped form [1, 3] some models write.
_MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
# A figure as written: 7,41%  1.880  17/10/2022  2022. A trailing '.' or ','
# is sentence punctuation, not part of the number.
_NUMBER = re.compile(r"\d+(?:[.,/]\d+)*%?")


def load_prompt() -> ChatPromptTemplate:
    """The system and user templates from prompts/; the user one takes {passages}, {question}."""
    from langchain_core.prompts import ChatPromptTemplate

    system = (PROMPTS / "answer_system.txt").read_text(encoding="utf-8")
    user = (PROMPTS / "answer_user.txt").read_text(encoding="utf-8")
    return ChatPromptTemplate.from_messages([("system", system), ("human", user)])


def format_passages(hits: list[Hit]) -> str:
    """The numbered passages [1]..[n] with each one's document title and date."""
    blocks = []
    for n, hit in enumerate(hits, 1):
        title = hit.document.title or hit.document.source
        heading = f"[{n}] {title}" + (f" ({hit.document.date})" if hit.document.date else "")
        blocks.append(f"{heading}\n{hit.chunk.text.strip()}")
    return "\n\n".join(blocks)


def markers(text: str) -> list[int]:
    """Every passage number cited in `text`, in order, repeats included."""
    return [int(part) for found in _MARKER.finditer(text) for part in re.split(r"[,;]", found[1])]


def numbers(text: str) -> list[str]:
    """The figures in `text` as written, a trailing % dropped; citation markers are not figures."""
    return [found.rstrip("%") for found in _NUMBER.findall(_MARKER.sub(" ", text))]


def passage_numbers(passage: str) -> set[str]:
    """The figures of a passage, plus the parts of its dates an answer may quote.

    From 17/10/2022 an answer may write 17/10, 10/2022 or the year 2022; a
    single day or month is not taken, as it would let almost any small number by.
    """
    found = set()
    for number in numbers(passage):
        found.add(number)
        parts = number.split("/")
        if len(parts) > 2:
            for i in range(len(parts)):
                for j in range(i + 2, len(parts) + 1):
                    found.add("/".join(parts[i:j]))
        if len(parts) > 1 and re.fullmatch(r"\d{4}", parts[-1]):
            found.add(parts[-1])
    return found


def check_answer(answer_text: str, passages: list[str]) -> list[str]:
    """The problems with a generated answer; an empty list means it may be shown.

    `passages[i]` is the text given to the model as [i + 1].
    """
    problems = []
    cited = markers(answer_text)
    if not cited:
        problems.append("the answer cites no passage")
    missing = sorted({n for n in cited if not 1 <= n <= len(passages)})
    if missing:
        problems.append("markers point to no passage: " + ", ".join(f"[{n}]" for n in missing))
    allowed: set[str] = set()
    for n in dict.fromkeys(cited):
        if 1 <= n <= len(passages):
            allowed |= passage_numbers(passages[n - 1])
    unsupported = [n for n in dict.fromkeys(numbers(answer_text)) if n not in allowed]
    if unsupported:
        problems.append("figures not in the cited passages: " + ", ".join(unsupported))
    return problems


def renumber(answer_text: str) -> tuple[str, list[int]]:
    """Markers renumbered 1.. in order of first appearance; returns the text and the old numbers.

    A grouped marker [3, 1] becomes adjacent ones, [1][2].
    """
    order: dict[int, int] = {}
    for n in markers(answer_text):
        order.setdefault(n, len(order) + 1)

    def rewrite(found: re.Match[str]) -> str:
        return "".join(f"[{order[int(part)]}]" for part in re.split(r"[,;]", found[1]))

    return _MARKER.sub(rewrite, answer_text), list(order)


def base_url(url: str) -> str:
    """The API root: a bare address (http://host:8000) gets the /v1 path these servers use."""
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = f"http://{url}"
    return url if urlparse(url).path else f"{url}/v1"


def is_not_found(text: str) -> bool:
    """Whether the model said the passages do not answer, however it spelled the token."""
    text = unicodedata.normalize("NFC", text).upper()
    bare = text.strip().strip(".!\"'`*").strip().replace(" ", "_")
    return NOT_FOUND_TOKEN in text or bare == NOT_FOUND_TOKEN


class GenerativeAnswerer:
    """Holds the chat model; `answer` never raises for a server's failure."""

    def __init__(self, url: str, model: str, *, timeout: float = 30.0) -> None:
        from langchain_openai import ChatOpenAI

        self.prompt = load_prompt()
        self.chat = ChatOpenAI(
            base_url=base_url(url),
            model=model,
            api_key=DUMMY_API_KEY,
            temperature=0,
            timeout=timeout,
            max_retries=0,
            # Local servers speak chat completions, not OpenAI's Responses API;
            # max_tokens goes in the body as is, since not all of them read
            # max_completion_tokens, the name ChatOpenAI would send.
            use_responses_api=False,
            extra_body={"max_tokens": MAX_TOKENS},
        )

    def generate(self, question: str, hits: list[Hit]) -> str:
        """The model's raw reply to the question over the numbered passages."""
        messages = self.prompt.format_messages(passages=format_passages(hits), question=question)
        reply = self.chat.invoke(messages)
        return unicodedata.normalize("NFC", str(reply.text)).strip()

    def answer(self, question: str, hits: list[Hit], fallback: AnswerRecord) -> AnswerRecord:
        """The generated answer if it checks out, else `fallback` with a notice saying why."""
        if not hits:
            return fallback
        try:
            text = self.generate(question, hits)
        except Exception as error:  # the server's failure must not fail the question
            log.warning("generative answerer: the server failed: %r", error)
            return _fallback(fallback, SERVER_FAILED)
        if is_not_found(text):
            return fallback if fallback.abstained else _fallback(fallback, MODEL_FOUND_NOTHING)
        problems = check_answer(text, [hit.chunk.text for hit in hits])
        if problems:
            log.warning("generative answer rejected (%s): %r", "; ".join(problems), text)
            return _fallback(fallback, REJECTED)
        text, cited = renumber(text)
        return AnswerRecord(
            question=fallback.question,
            answer=text,
            abstained=False,
            citations=[
                passage_citation(marker, hits[old - 1]) for marker, old in enumerate(cited, 1)
            ],
            contexts=list(fallback.contexts),
            id=fallback.id,
            resolved_question=fallback.resolved_question,
            answerer="generative",
        )


def _fallback(record: AnswerRecord, notice: str) -> AnswerRecord:
    joined = f"{record.notice} {notice}" if record.notice else notice
    return replace(record, notice=joined)
