"""The README's map of the code matches the code: every module listed, none that is gone."""

import re

from tests.conftest import ROOT

PACKAGES = ("ingest", "index", "assistant")


def _section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## How it fits together", 1)[1].split("\n## ", 1)[0]


def _listed(package: str) -> set[str]:
    """The modules in the README's table for `package`, as paths inside the package."""
    table = _section().split(f"`{package}/` —", 1)[1].split("\n\n`", 1)[0]
    return set(re.findall(r"^\| `([\w/]+\.py)` \|", table, flags=re.MULTILINE))


def _modules(package: str) -> set[str]:
    root = ROOT / package
    return {
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.name != "__init__.py" and "__pycache__" not in path.parts
    }


def test_every_module_is_in_the_readme_and_every_listed_module_exists():
    for package in PACKAGES:
        assert _listed(package) == _modules(package), package


def test_no_module_outgrows_its_job():
    """The design rule: no module over about 400 lines."""
    for package in PACKAGES:
        for name in _modules(package):
            lines = (ROOT / package / name).read_text(encoding="utf-8").count("\n")
            assert lines <= 420, f"{package}/{name} has {lines} lines"
