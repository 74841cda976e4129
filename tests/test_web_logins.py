"""Logins: the users list in both forms, the login check, admin rights."""

from __future__ import annotations

import pytest

from assistant.web.logins import User, is_admin, make_auth, parse_users


def test_users_from_pairs_with_admin_flag():
    users = parse_users("an:mat-khau:admin, binh:pw:with:colons ,")
    assert users == {
        "an": User("an", "mat-khau", True),
        "binh": User("binh", "pw:with:colons", False),
    }


def test_users_from_file(tmp_path):
    path = tmp_path / "users.txt"
    path.write_text("# tài khoản\nquan-tri:bi-mat:admin\n\nkhach:123\n", encoding="utf-8")
    users = parse_users(str(path))
    assert users["quan-tri"].admin and not users["khach"].admin
    assert users["khach"].password == "123"


@pytest.mark.parametrize("spec", ["an", "an:", ":pw", "an:pw,an:pw2", "an::admin"])
def test_malformed_users_are_refused(spec, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="ASSISTANT_USERS"):
        parse_users(spec)


def test_login_check_and_admin_rights():
    assert parse_users(None) == {} and parse_users("  ") == {}
    assert make_auth({}) is None
    users = parse_users("an:1:admin,binh:2")
    check = make_auth(users)
    assert check("an", "1") and check("binh", "2")
    assert not check("an", "2") and not check("nobody", "1") and not check("binh", "")
    assert is_admin(users, "an") and not is_admin(users, "binh") and not is_admin(users, None)
    assert is_admin({}, None)
