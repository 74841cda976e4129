"""Settings: defaults, then ASSISTANT_* variables, then command-line flags."""

from pathlib import Path

import pytest

from assistant.settings import Settings


def test_defaults_put_everything_under_the_data_directory():
    settings = Settings.load(env={})
    assert settings.db_path == Path(".data/chroma")
    assert settings.models_dir == Path(".data/models")
    assert settings.embedding_model == "multilingual-e5-small"


def test_environment_overrides_defaults_and_flags_override_the_environment():
    env = {"ASSISTANT_DB": "/tmp/a", "ASSISTANT_K": "7", "ASSISTANT_MAX_FILE_MB": "1.5"}
    settings = Settings.load(env=env)
    assert (settings.db_path, settings.k, settings.max_bytes) == (Path("/tmp/a"), 7, 1572864)
    assert Settings.load(env=env, db=Path("/tmp/b"), k=None).db_path == Path("/tmp/b")
    assert Settings.load(env=env, k=None).k == 7


def test_a_malformed_variable_is_named_in_the_error():
    with pytest.raises(ValueError, match="ASSISTANT_K='many'"):
        Settings.load(env={"ASSISTANT_K": "many"})


def test_embedding_form_comes_from_the_environment_and_is_checked():
    assert Settings.load(env={}).embedding_form == "auto"
    env = {"ASSISTANT_EMBEDDING_FORM": "fp32"}
    assert Settings.load(env=env).embedding_form == "fp32"
    assert Settings.load(env=env, embedding_form="onnx-int8").embedding_form == "onnx-int8"
    with pytest.raises(ValueError, match="ASSISTANT_EMBEDDING_FORM='int4'"):
        Settings.load(env={"ASSISTANT_EMBEDDING_FORM": "int4"})
