"""Logins: the `ASSISTANT_USERS` list, the check `launch(auth=...)` runs, and admin rights."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class User:
    name: str
    password: str
    admin: bool = False


def parse_users(spec: str | None) -> dict[str, User]:
    """`user:password[:admin]` pairs separated by commas, or a file with one pair a line.

    A value naming an existing file is read as that file (blank lines and
    lines starting with `#` are ignored); anything else is the pairs form.
    Raises ValueError for malformed entries or a user named twice.
    """
    if spec is None or not spec.strip():
        return {}
    text = spec.strip()
    path = Path(text).expanduser()
    if ":" not in text or path.is_file():
        try:
            entries = path.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise ValueError(f"ASSISTANT_USERS: cannot read the users file {text!r}") from error
        entries = [line for line in entries if not line.strip().startswith("#")]
    else:
        entries = text.split(",")
    users: dict[str, User] = {}
    for entry in (e.strip() for e in entries):
        if not entry:
            continue
        name, sep, password = entry.partition(":")
        name = name.strip()
        admin = password.endswith(":admin")
        if admin:
            password = password[: -len(":admin")]
        if not sep or not name or not password:
            raise ValueError(f"ASSISTANT_USERS: {name or entry!r} is not user:password[:admin]")
        if name in users:
            raise ValueError(f"ASSISTANT_USERS: user {name!r} is listed twice")
        users[name] = User(name, password, admin)
    return users


def make_auth(users: Mapping[str, User]) -> Callable[[str, str], bool] | None:
    """The login check for `launch(auth=...)`, or None when logins are off."""
    if not users:
        return None

    def check(username: str, password: str) -> bool:
        user = users.get(username)
        expected = user.password if user else "\0"
        ok = hmac.compare_digest(expected.encode(), (password or "").encode())
        return user is not None and ok

    return check


def is_admin(users: Mapping[str, User], username: str | None) -> bool:
    """Without logins everyone manages the library; with them, only admins do."""
    if not users:
        return True
    user = users.get(username or "")
    return bool(user and user.admin)
