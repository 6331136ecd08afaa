"""The progress bar of a long run: on standard error, naming the file being parsed.

It appears only once the run has lasted `DELAY` seconds (a short run never flickers), on
the text report when standard error is a terminal (the command line decides that), and
never on standard output: `--diff > fix.patch` and the machine formats stay clean. The file
it names is the first one in path order without a result yet: the one being parsed when
there is one worker, the oldest one in flight with several (results come back in order).
While the bar is up, lines the report prints go above it; it disappears when the run ends.
"""

from __future__ import annotations

import sys
from time import perf_counter
from typing import Callable, Iterable, Iterator

from migrate.quoting import quote_path
from migrate.results import FileResult

DELAY = 0.5  # seconds before the bar shows
REFRESH = 0.1  # seconds between redraws (besides rich's own timer, which may miss a file)


def with_progress(results: Iterable[FileResult], files: list[str], reporter, *, console=None,
                  clock: Callable[[], float] = perf_counter, delay: float = DELAY) -> Iterator[FileResult]:
    started = clock()
    done: set[str] = set()
    position = 0
    bar = task = None
    drawn = 0.0
    saved = (reporter.out, reporter.err)
    try:
        for result in results:
            done.add(result.path)
            while position < len(files) and files[position] in done:
                position += 1
            if bar is None and position < len(files) and clock() - started >= delay:
                bar, task = _start(len(files), console)
                _redirect(reporter)
            if bar is not None:
                current = quote_path(files[position]) if position < len(files) else ""
                now = clock()
                bar.update(task, completed=len(done), file=current, refresh=now - drawn >= REFRESH)
                drawn = now if now - drawn >= REFRESH else drawn
            yield result
    finally:
        if bar is not None:
            bar.stop()
            reporter.out, reporter.err = saved


def _start(total: int, console):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Column

    stdout_too = hasattr(sys.stdout, "isatty") and sys.stdout.isatty()
    columns = (TextColumn("parsing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[file]}", markup=False, table_column=Column(no_wrap=True, overflow="ellipsis")))
    bar = Progress(*columns, console=console or Console(stderr=True), transient=True,
                   redirect_stdout=stdout_too, redirect_stderr=True)
    task = bar.add_task("files", total=total, file="")
    bar.start()
    return bar, task


def _redirect(reporter) -> None:
    """Point the report at the streams the bar now owns, so its lines print above the bar."""
    if reporter.err is getattr(sys.stderr, "rich_proxied_file", None):
        reporter.err = sys.stderr
    if reporter.out is getattr(sys.stdout, "rich_proxied_file", None):
        reporter.out = sys.stdout
