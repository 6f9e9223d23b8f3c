"""Users of the internal app: salted scrypt hashes in WORKSPACE/users.json, checked by `jiyi users`."""

from __future__ import annotations

import json
import stat

import pytest
from typer.testing import CliRunner

from jiyi.apps.users import add_user, check_password, list_users, remove_user, users_file
from jiyi.cli import app
from jiyi.errors import JiyiError
from jiyi.workspace import Workspace

PASSWORD = "长征 two thousand li"


@pytest.fixture
def ws(tmp_path):
    result = CliRunner().invoke(app, ["init", str(tmp_path / "ws")])
    assert result.exit_code == 0, result.output
    return Workspace(tmp_path / "ws")


def test_the_file_keeps_a_salted_hash_never_the_password(ws):
    add_user(ws, "li", "researcher", PASSWORD)
    add_user(ws, "wang", "curator", PASSWORD)
    text = users_file(ws).read_text(encoding="utf-8")
    assert PASSWORD not in text and "two thousand" not in text
    users = json.loads(text)["users"]
    assert users["li"]["salt"] != users["wang"]["salt"]
    assert users["li"]["hash"] != users["wang"]["hash"]  # same password, different salt → different hash
    assert stat.S_IMODE(users_file(ws).stat().st_mode) == 0o600
    assert not list(users_file(ws).parent.glob(".users.json.*"))  # no temporary file left behind


def test_only_the_right_password_signs_in(ws):
    add_user(ws, "li", "curator", PASSWORD)
    assert check_password(ws, "li", PASSWORD).role == "curator"
    assert check_password(ws, "li", PASSWORD + " ") is None
    assert check_password(ws, "nobody", PASSWORD) is None
    remove_user(ws, "li")
    assert check_password(ws, "li", PASSWORD) is None


@pytest.mark.parametrize("name, role, password, code", [
    ("li", "admin", PASSWORD, "E803"),
    ("li si", "researcher", PASSWORD, "E802"),
    ("li", "researcher", "short", "E804"),
])
def test_bad_users_are_refused_with_the_fix(ws, name, role, password, code):
    with pytest.raises(JiyiError) as refused:
        add_user(ws, name, role, password)
    assert refused.value.code == code and refused.value.fix
    assert not users_file(ws).exists()


def test_a_taken_name_needs_replace(ws):
    add_user(ws, "li", "researcher", PASSWORD)
    with pytest.raises(JiyiError, match="exists"):
        add_user(ws, "li", "curator", PASSWORD)
    add_user(ws, "li", "curator", PASSWORD + "!", replace=True)
    assert check_password(ws, "li", PASSWORD + "!").role == "curator"


def test_a_damaged_file_is_an_error_naming_it(ws):
    users_file(ws).write_text("{not json", encoding="utf-8")
    with pytest.raises(JiyiError, match="users.json"):
        list_users(ws)


def test_the_command_line(ws):
    runner = CliRunner()
    added = runner.invoke(app, ["users", "add", "zhang", "--role", "curator", "--password-stdin", "-w", str(ws.root)],
                          input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    assert runner.invoke(app, ["users", "list", "-w", str(ws.root)]).output == "zhang\tcurator\n"
    again = runner.invoke(app, ["users", "add", "zhang", "--role", "researcher", "--password-stdin", "-w", str(ws.root)],
                          input=PASSWORD + "\n")
    assert again.exit_code != 0 and "--replace" in again.output
    assert check_password(ws, "zhang", PASSWORD).role == "curator"
    assert runner.invoke(app, ["users", "remove", "zhang", "-w", str(ws.root)]).exit_code == 0
    assert runner.invoke(app, ["users", "list", "-w", str(ws.root)]).output == ""
