"""Who may sign in to the internal app, and in which role: WORKSPACE/users.json.

    jiyi users add NAME --role researcher|curator     (asks for the password twice)
    jiyi users list | remove NAME

Each password is kept only as an scrypt hash with a random salt of its own, so the file
reveals no password and two users with the same password get different hashes. The file
lives at the workspace's root, outside build/ (a clean rebuild keeps it) and never under
build/public/; it is written whole to a temporary file and renamed, readable by its owner
only (mode 0600).

Roles decide the pages of the internal app: a researcher queries the graph (console,
explorer, internal items); a curator may also review extraction (accept, reject, merge).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from jiyi.errors import JiyiError
from jiyi.workspace import Workspace

ROLES = ("researcher", "curator")
MIN_PASSWORD = 10
NAME = re.compile(r"^[\w.@-]{1,64}$")  # letters (any script), digits, _ . @ -
# scrypt's cost: 2**14 rounds of 8-block mixing, ~16 MB and some 50 ms a check — slow for
# someone guessing from a stolen file, unnoticeable for a person signing in.
SCRYPT = {"n": 2**14, "r": 8, "p": 1}


@dataclass(frozen=True)
class User:
    name: str
    role: str

    @property
    def is_curator(self) -> bool:
        return self.role == "curator"


def users_file(ws: Workspace) -> Path:
    return ws.root / "users.json"


def _hash(password: str, salt: bytes, cost: dict[str, int]) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, maxmem=64 * 2**20, dklen=32, **cost)


def read_users(ws: Workspace) -> dict[str, dict]:
    path = users_file(ws)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        users = data["users"]
        if not isinstance(users, dict):
            raise TypeError("users is not a mapping")
        return users
    except (ValueError, KeyError, TypeError) as error:
        raise JiyiError("E801", f"{ws.relative(path)}: not a users file Jiyi wrote ({error})",
                        "restore it from a backup, or move it away and add the users again") from None


def _write_users(ws: Workspace, users: dict[str, dict]) -> None:
    path = users_file(ws)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"version": 1, "users": users}, out, ensure_ascii=False, indent=2, sort_keys=True)
            out.write("\n")
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def add_user(ws: Workspace, name: str, role: str, password: str, *, replace: bool = False) -> User:
    """Store `name` with `role` and a salted hash of `password`; refuses a taken name unless `replace`."""
    if not NAME.match(name):
        raise JiyiError("E802", f"{name!r} is not a usable user name",
                        "use 1–64 letters, digits, _ . @ or -, without spaces")
    if role not in ROLES:
        raise JiyiError("E803", f"unknown role {role!r}", f"use one of: {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise JiyiError("E804", f"the password is shorter than {MIN_PASSWORD} characters",
                        "choose a longer one; a phrase of a few words is easy to remember")
    users = read_users(ws)
    if name in users and not replace:
        raise JiyiError("E805", f"user {name!r} exists already",
                        f"pass --replace to set a new role or password for {name}, or choose another name")
    salt = secrets.token_bytes(16)
    users[name] = {"role": role, "salt": salt.hex(), "scrypt": SCRYPT, "hash": _hash(password, salt, SCRYPT).hex()}
    _write_users(ws, users)
    return User(name, role)


def remove_user(ws: Workspace, name: str) -> None:
    users = read_users(ws)
    if name not in users:
        raise JiyiError("E806", f"no user {name!r}", "`jiyi users list` shows who there is")
    del users[name]
    _write_users(ws, users)


def list_users(ws: Workspace) -> list[User]:
    return [User(name, entry.get("role", "")) for name, entry in sorted(read_users(ws).items())]


def check_password(ws: Workspace, name: str, password: str) -> User | None:
    """The user when `password` is theirs, else None (an unknown name costs the same time as a wrong password)."""
    entry = read_users(ws).get(name)
    salt = bytes.fromhex(entry["salt"]) if entry else secrets.token_bytes(16)
    cost = entry.get("scrypt", SCRYPT) if entry else SCRYPT
    computed = _hash(password, salt, cost)
    if entry is None or entry.get("role") not in ROLES:
        return None
    return User(name, entry["role"]) if hmac.compare_digest(computed, bytes.fromhex(entry["hash"])) else None
