"""Every JiyiError survives pickling: graph/sparql.py's query child sends them to the parent
through a multiprocessing Pipe, and an error that cannot be rebuilt there surfaces as a TypeError
instead of its code and fix."""

from __future__ import annotations

import inspect
import pickle

import pytest

from jiyi import errors

ERRORS = [cls for _, cls in inspect.getmembers(errors, inspect.isclass)
          if issubclass(cls, errors.JiyiError) and cls.__module__ == errors.__name__]


def test_the_list_covers_the_module():
    assert {cls.__name__ for cls in ERRORS} >= {"JiyiError", "ConfigError", "WorkspaceBusy"}


@pytest.mark.parametrize("cls", ERRORS, ids=lambda cls: cls.__name__)
def test_an_error_round_trips_through_pickle(cls):
    error = cls("E424", "SPARQL syntax error: 期望 `{`", "fix the query")
    error.extra = "set after construction"  # attributes added later travel too
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert (copy.code, copy.message, copy.fix, copy.exit_code) == ("E424", "SPARQL syntax error: 期望 `{`", "fix the query",
                                                                   cls.exit_code)
    assert str(copy) == str(error) and copy.args == error.args
    assert copy.extra == "set after construction"
