"""What every part of the layout shares: the static/ files and the private-event option."""

from __future__ import annotations

from importlib import resources

# Events whose API endpoints only the app itself calls.
PRIVATE = {"api_visibility": "undocumented"}


def static_text(name: str) -> str:
    """A file of the package's static/ folder (CSS, JS, HTML), read when the app is built."""
    return (resources.files("assistant.web") / "static" / name).read_text(encoding="utf-8")
