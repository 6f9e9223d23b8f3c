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

    def __reduce__(self):
        # Pickle rebuilds an exception as cls(*self.args), and args holds only the one joined
        # string, so unpickling called __init__ without `message` and `fix` (a TypeError). Errors
        # cross process boundaries (graph/sparql.py's query child sends them through a Pipe),
        # so rebuild from the three constructor arguments, keeping any attributes set since.
        return (type(self), (self.code, self.message, self.fix), self.__dict__)


class ConfigError(JiyiError):
    """jiyi.toml or the workspace itself is wrong; nothing was built."""

    exit_code = 2


class WorkspaceBusy(JiyiError):
    """Another build holds the workspace; nothing was touched, so trying again later is safe."""

    exit_code = 3
