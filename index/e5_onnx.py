"""Which form the embedding model runs in, and the ONNX Runtime forms on sentence-transformers.

On CPU much of the PyTorch model's time goes to padding: sentence-transformers pads every
batch of 32 to its longest text, and attention grows with the square of that length.  On
the project's passages (102 tokens on average) the padded batches hold 1.4 times the
tokens of the texts and twice their attention work, and PyTorch's own int8 Linear layers
(``benchmarks/e5_torch_int8.py``) won only 1.14x.  So the local model also runs as ONNX
files under ``<model dir>/onnx/`` (built by ``index.e5_onnx_export``), with ONNX Runtime,
one text at its own length per call: ``model.onnx`` is float32 (cosine 1.0000 to PyTorch),
``model_qint8.onnx`` smoothed int8 (cosine above 0.997).

sentence-transformers' own ``backend="onnx"`` needs ``optimum-onnx``, whose only release
requires transformers < 4.58 (the project pins 5.24), so ``OnnxTransformer`` plugs the
session into sentence-transformers' ``Transformer`` module instead: tokenizer, prompts,
truncation, pooling and normalization stay sentence-transformers' own.

Importing this module loads neither torch nor ONNX Runtime: settings read
``EMBEDDING_FORMS`` from it.
"""

from __future__ import annotations

import functools
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.e5_build import DEFAULT_MODEL_NAME, PROMPTS

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

__all__ = [
    "EMBEDDING_FORMS",
    "ONNX_DIR",
    "ONNX_FILES",
    "choose_form",
    "cpu_has_vnni",
    "load_onnx_file",
    "load_onnx_model",
]

EMBEDDING_FORMS = ("auto", "fp32", "onnx-fp32", "onnx-int8")
"""How the embedding model can run: ``fp32`` is the PyTorch model; ``auto`` picks one."""

ONNX_DIR = "onnx"
"""Subdirectory of the model directory that holds the ONNX files and their record."""

ONNX_FILES: dict[str, str] = {"onnx-fp32": "model.onnx", "onnx-int8": "model_qint8.onnx"}
"""File of each ONNX form inside ``ONNX_DIR``."""


def cpu_has_vnni() -> bool:
    """Whether the CPU multiplies int8 with 32-bit accumulation (AVX512-VNNI, AVX-VNNI, AMX).

    Without it int8 kernels sum pairs of u8 x s8 products in 16 bits, which saturate unless
    activations are cut to 7 bits, and 7 bits cost too much accuracy (cosine 0.96).
    """
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return any(flag in flags for flag in ("avx512_vnni", "avx_vnni", "amx_int8"))


def choose_form(form: str, *, model_name: str, device: str) -> str:
    """The form to load: ``form`` itself, or for ``auto`` the fastest faithful one.

    ONNX forms exist only for the locally built default model and run only on CPU.  On a
    CPU with VNNI, ``auto`` is int8 ONNX (cosine to the engine stays above 0.99 there);
    without VNNI, ONNX Runtime's int8 products can saturate, so ``auto`` is float32 ONNX,
    which still skips the padding.  Elsewhere (CUDA, other models) it is PyTorch float32.
    """
    if form not in EMBEDDING_FORMS:
        raise ValueError(f"unknown embedding form {form!r}; choose one of {EMBEDDING_FORMS}")
    onnx_possible = model_name == DEFAULT_MODEL_NAME and device == "cpu"
    if form == "auto":
        if not onnx_possible:
            return "fp32"
        return "onnx-int8" if cpu_has_vnni() else "onnx-fp32"
    if form in ONNX_FILES and not onnx_possible:
        raise ValueError(f"form {form} exists only for {DEFAULT_MODEL_NAME} on cpu")
    if form == "onnx-int8" and not cpu_has_vnni():
        warnings.warn(
            "CPU lacks VNNI: int8 ONNX embeddings may stray from float32",
            RuntimeWarning,
            stacklevel=2,
        )
    return form


def load_onnx_model(
    model_dir: Path, form: str, *, threads: int | None = None
) -> SentenceTransformer:
    """A sentence-transformers model whose encoder is the ``form`` ONNX file of ``model_dir``.

    Loads the files ``index.e5_onnx_export.ensure_onnx_forms`` built; builds nothing.
    ``threads`` is how many texts of a batch run at once (see ``OnnxEncoder``), by default
    PyTorch's thread count, so one setting (``torch.set_num_threads`` or
    ``OMP_NUM_THREADS``) governs every form.
    """
    return load_onnx_file(Path(model_dir), f"{ONNX_DIR}/{ONNX_FILES[form]}", threads)


def load_onnx_file(model_dir: Path, file_name: str, threads: int | None) -> SentenceTransformer:
    """The modules ``ensure_e5_model`` saves (Transformer, mean Pooling, Normalize), on ONNX.

    ``file_name`` is relative to ``model_dir``, so the exporter can check its staged files.
    """
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling

    transformer = _onnx_transformer_type().load(
        str(model_dir),
        backend="onnx",
        model_kwargs={"file_name": file_name, "threads": threads or torch.get_num_threads()},
    )
    pooling = Pooling.load(str(model_dir), subfolder="1_Pooling")
    return SentenceTransformer(
        modules=[transformer, pooling, Normalize()], device="cpu", prompts=PROMPTS
    )


@functools.cache
def _onnx_transformer_type() -> type:
    """The ONNX Transformer class, defined on first use: importing this module loads no torch."""
    import onnxruntime as ort
    import torch
    from sentence_transformers.base.modules.transformer import Transformer

    class OnnxEncoder(torch.nn.Module):
        """An ONNX Runtime session standing in for transformers' ``BertModel``.

        Each text runs alone at its own length: no padding to compute, in the linear
        layers or in attention, and with dynamic int8 each text gets its own activation
        scale, so its embedding does not depend on which texts share its batch.  Padded
        positions come back as zeros, which the pooling masks out anyway.

        The texts are independent, so the session computes on one thread and ``threads``
        texts of a batch run at once (``run`` releases the GIL): no operator waits at a
        barrier for a second thread that a busy core may have descheduled, and no
        intra-op pool spins between calls, taking CPU from the rest of the process.  On
        the project's shared 2-core machine this matched 2 intra-op threads with spinning
        off and beat them with spinning on (24 vs 12.5 int8 passages/s).  A single query
        runs on the calling thread: 10.5 ms median there.
        """

        def __init__(self, path: Path, config: Any, threads: int) -> None:
            super().__init__()
            self.config = config
            self.path = path
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1
            self.session = ort.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
            self.pool = ThreadPoolExecutor(threads) if threads > 1 else None

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor | None = None,
            return_dict: bool = True,
        ) -> dict[str, torch.Tensor]:
            """``last_hidden_state`` of the batch; token types are all 0 in this model."""
            ids = input_ids.cpu().numpy()
            keeps = attention_mask.cpu().numpy().astype(bool)
            texts = [ids[row, keep][None] for row, keep in enumerate(keeps)]
            parallel = self.pool is not None and len(texts) > 1
            outputs = self.pool.map(self._encode, texts) if parallel else map(self._encode, texts)
            hidden = np.zeros((*ids.shape, self.config.hidden_size), dtype=np.float32)
            for row, (keep, output) in enumerate(zip(keeps, outputs, strict=True)):
                hidden[row, keep] = output
            return {"last_hidden_state": torch.from_numpy(hidden)}

        def _encode(self, tokens: np.ndarray) -> np.ndarray:
            feed = {"input_ids": tokens, "attention_mask": np.ones_like(tokens)}
            return self.session.run(None, feed)[0][0]

    class OnnxTransformer(Transformer):
        """sentence-transformers' ``Transformer`` with an ``OnnxEncoder`` as its model.

        Loaded with ``backend="onnx"``, as optimum's would be; ``model_kwargs`` takes
        optimum's ``file_name`` (relative to the model directory) and ``threads`` (see
        ``OnnxEncoder``).  Everything else about the module is sentence-transformers' own.
        """

        def _load_model(
            self,
            model_name_or_path: str,
            transformer_task: str,
            config: Any,
            backend: str,
            is_peft_model: bool,
            **model_kwargs: Any,
        ) -> torch.nn.Module:
            path = Path(model_name_or_path) / model_kwargs["file_name"]
            return OnnxEncoder(path, config, model_kwargs["threads"])

    return OnnxTransformer
