"""Importing the embedding modules loads no deep-learning library.

Every CLI command imports the settings, which read ``DEFAULT_MODEL_NAME`` and
``EMBEDDING_FORMS``; commands that never embed (``sources``, ``targets``, lexical ``ask``)
must not pay seconds and hundreds of MiB for torch.  A fresh interpreter is the only place
to see what an import pulls in: this test process has loaded them all already.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = (
    "torch", "transformers", "sentence_transformers", "onnxruntime", "onnx", "gradio",
    "langchain_openai",
)  # fmt: skip
# index.embed itself, the homes of DEFAULT_MODEL_NAME and EMBEDDING_FORMS, and the CLI,
# which every command (sources, targets, help, ingest --if-empty ...) imports.
LIGHT = ("index.embed", "index.e5_build", "index.e5_onnx", "assistant.cli")


def test_embedding_modules_load_no_heavy_library() -> None:
    code = "\n".join(
        [
            "import sys",
            *(f"import {module}" for module in LIGHT),
            f"print(*[name for name in {HEAVY!r} if name in sys.modules])",
        ]
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == []


def test_the_cli_loads_no_file_format_reader_until_a_file_needs_it() -> None:
    code = (
        "import sys, assistant.cli; "
        "print(*[m for m in ('trafilatura', 'pypdf', 'docx', 'pypdfium2') if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == []
