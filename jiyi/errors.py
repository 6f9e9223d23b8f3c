"""Errors a user can meet: each carries a code, what is wrong, where, and how to fix it."""

from __future__ import annotations


class JiyiError(Exception):
    """An error shown to the user as `E001 what: fix`, never as a traceback."""

    exit_code = 1

    def __init__(self, code: str, message: str, fix: str):
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.code} {self.message}\n  fix: {self.fix}"


class ConfigError(JiyiError):
    """jiyi.toml or the workspace itself is wrong; nothing was built."""

    exit_code = 2


class WorkspaceBusy(JiyiError):
    """Another build holds the workspace; nothing was touched, so trying again later is safe."""

    exit_code = 3
