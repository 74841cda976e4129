"""The one settings object: defaults, then ASSISTANT_* environment variables, then CLI flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from index.e5_build import DEFAULT_MODEL_NAME
from index.e5_onnx import EMBEDDING_FORMS

PREFIX = "ASSISTANT_"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path(".data")
    db: Path | None = None
    chroma_url: str | None = None
    embedding_model: str = DEFAULT_MODEL_NAME
    device: str | None = None
    embedding_form: str = "auto"
    chunk_tokens: int = 256
    chunk_overlap: int = 48
    max_file_mb: float = 20.0
    retrieval: str = "hybrid"
    k: int = 5
    llm_url: str | None = None
    llm_model: str | None = None
    users: str | None = None

    def __post_init__(self) -> None:
        if self.embedding_form not in EMBEDDING_FORMS:
            raise ValueError(
                f"{PREFIX}EMBEDDING_FORM={self.embedding_form!r} is not one of "
                + ", ".join(EMBEDDING_FORMS)
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
        """Environment over defaults, then flags that were given (None means not given)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for spec in fields(cls):
            raw = env.get(PREFIX + spec.name.upper())
            if raw not in (None, ""):
                values[spec.name] = _convert(spec.name, raw, spec.type)
        settings = cls(**values)
        given = {key: value for key, value in flags.items() if value is not None}
        return replace(settings, **given)


def _convert(name: str, raw: str, kind: Any) -> Any:
    text = str(kind)
    try:
        if "Path" in text:
            return Path(raw)
        if text.startswith("int"):
            return int(raw)
        if text.startswith("float"):
            return float(raw)
    except ValueError as error:
        raise ValueError(f"{PREFIX}{name.upper()}={raw!r} is not a valid {text}") from error
    return raw
