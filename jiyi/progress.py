"""Progress bars for long work: counts and rate on a terminal, silent when quiet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

T = TypeVar("T")


@dataclass
class Reporter:
    """Handed to every stage; the CLI makes a loud one, tests a quiet one."""

    quiet: bool = False

    def __post_init__(self) -> None:
        self.console = Console(stderr=True, quiet=self.quiet)

    def track(self, items: Iterable[T], label: str, total: int | None = None) -> Iterator[T]:
        """Yield items while drawing `label ━━━━ 12/40 3.1/s 0:00:04`."""
        if self.quiet:
            yield from items
            return
        if total is None and hasattr(items, "__len__"):
            total = len(items)  # type: ignore[arg-type]
        columns = (
            TextColumn("{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=self.console, transient=False) as bar:
            task = bar.add_task(label, total=total, rate="")
            for item in items:
                yield item
                bar.advance(task)
                speed = bar.tasks[0].speed
                bar.update(task, rate=f"{speed:,.1f}/s" if speed else "")

    def say(self, message: str) -> None:
        self.console.print(message)


QUIET = Reporter(quiet=True)
