"""Settings: defaults, then ASSISTANT_* variables, then command-line flags, all checked."""

import re
from dataclasses import fields
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.settings import Settings, SettingsError, env_name, flag_name, meaning
from tests.conftest import ROOT


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
    assert Settings.load(env=env, k="9").k == 9


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ASSISTANT_K": "many"}, "ASSISTANT_K='many' is not an integer"),
        ({"ASSISTANT_K": "0"}, "ASSISTANT_K='0' is not between 1 and 20"),
        ({"ASSISTANT_RETRIEVAL": "bm25"}, "ASSISTANT_RETRIEVAL='bm25' is not one of: hybrid"),
        ({"ASSISTANT_EMBEDDING_FORM": "int4"}, "ASSISTANT_EMBEDDING_FORM='int4' is not one of"),
        ({"ASSISTANT_DEVICE": "tpu"}, "ASSISTANT_DEVICE='tpu' is not one of: cpu, cuda"),
        ({"ASSISTANT_MAX_FILE_MB": "-1"}, "ASSISTANT_MAX_FILE_MB='-1' is not between"),
        ({"ASSISTANT_PORT": "http"}, "ASSISTANT_PORT='http' is not an integer"),
        ({"ASSISTANT_CHROMA_URL": "localhost:8000"}, "is not an http:// or https:// address"),
        ({"ASSISTANT_CHUNK_TOKENS": "40"}, "ASSISTANT_CHUNK_OVERLAP / --chunk-overlap=48 must"),
    ],
)
def test_a_bad_variable_is_named_in_the_error(env, message):
    with pytest.raises(SettingsError, match=re.escape(message)):
        Settings.load(env=env)


def test_a_bad_flag_is_named_in_the_error():
    with pytest.raises(SettingsError, match=re.escape("--k='50' is not between 1 and 20")):
        Settings.load(env={}, k="50")


def test_embedding_form_comes_from_the_environment_and_flags():
    assert Settings.load(env={}).embedding_form == "auto"
    env = {"ASSISTANT_EMBEDDING_FORM": "fp32"}
    assert Settings.load(env=env).embedding_form == "fp32"
    assert Settings.load(env=env, embedding_form="onnx-int8").embedding_form == "onnx-int8"


def test_the_cli_stops_on_a_bad_value_with_one_line_before_loading_anything():
    runner = CliRunner()
    result = runner.invoke(main, ["sources"], env={"ASSISTANT_RETRIEVAL": "bm25"})
    assert result.exit_code == 2
    assert "ASSISTANT_RETRIEVAL='bm25' is not one of: hybrid, dense, lexical" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(main, ["ask", "Câu hỏi?", "--k", "many"], env={})
    assert result.exit_code == 2
    assert "--k='many' is not an integer" in result.output


def _readme_table() -> dict[str, tuple[str, str, str]]:
    """The README's configuration table: variable -> (flag, default, meaning)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0].startswith("`ASSISTANT_"):
            rows[cells[0].strip("`")] = (cells[1].strip("`"), cells[2].strip("`"), cells[3])
    return rows


def _cli_flags() -> set[str]:
    return {
        opt
        for command in main.commands.values()
        for param in command.params
        if isinstance(param, click.Option)
        for opt in param.opts
    }


def test_the_readme_configuration_table_matches_the_settings_and_the_cli():
    table = _readme_table()
    assert set(table) == {env_name(spec.name) for spec in fields(Settings)}
    flags = _cli_flags()
    for spec in fields(Settings):
        flag, default, text = table[env_name(spec.name)]
        assert flag == (flag_name(spec.name) if flag_name(spec.name) in flags else "–"), spec.name
        assert default == ("–" if spec.default is None else str(spec.default)), spec.name
        assert text == meaning(spec.name), spec.name


def test_every_settings_flag_of_the_cli_is_a_settings_field():
    """A flag named like a setting must feed the setting, not a second default."""
    names = {flag_name(spec.name) for spec in fields(Settings)}
    for name, command in main.commands.items():
        given = command.make_context(name, [], resilient_parsing=True).params
        for param in command.params:
            if isinstance(param, click.Option) and set(param.opts) & names:
                assert given[param.name] is None, (name, param.opts)
