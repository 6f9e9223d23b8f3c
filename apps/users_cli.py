"""`jiyi users add|list|remove`: the people who may sign in to the internal app."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from jiyi.cli_common import WorkspaceOption, fail, workspace_or_fail
from jiyi.errors import JiyiError

from .users import ROLES, add_user, list_users, remove_user, users_file

users_app = typer.Typer(help="Users of the internal app (researchers, curators), kept in WORKSPACE/users.json "
                        "as salted scrypt hashes.", no_args_is_help=True)


@users_app.command("add")
def add(name: str = typer.Argument(..., help="The user name they sign in with."),
        role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
        password_stdin: bool = typer.Option(False, "--password-stdin",
                                            help="Read the password from the first line of stdin (for scripts)."),
        replace: bool = typer.Option(False, "--replace", help="Give an existing user a new role or password."),
        workspace: Path = WorkspaceOption) -> None:
    """Add a user; the password is asked twice (or read from stdin) and stored only as a salted hash."""
    ws, _ = workspace_or_fail(workspace)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = add_user(ws, name, role, password, replace=replace)
    except JiyiError as error:
        fail(error)
    typer.echo(f"{user.name} ({user.role}) → {ws.relative(users_file(ws))}")


@users_app.command("list")
def list_command(workspace: Path = WorkspaceOption) -> None:
    """One user per line: name, then role."""
    ws, _ = workspace_or_fail(workspace)
    try:
        users = list_users(ws)
    except JiyiError as error:
        fail(error)
    for user in users:
        typer.echo(f"{user.name}\t{user.role}")


@users_app.command("remove")
def remove(name: str = typer.Argument(...), workspace: Path = WorkspaceOption) -> None:
    """Remove a user: they can no longer sign in."""
    ws, _ = workspace_or_fail(workspace)
    try:
        remove_user(ws, name)
    except JiyiError as error:
        fail(error)
    typer.echo(f"removed {name}")
