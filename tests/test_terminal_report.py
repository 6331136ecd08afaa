"""The text report: statistics by rule and severity, per-file lines on small runs, diff colours, the progress bar."""

from __future__ import annotations

import io
import re

from click.testing import CliRunner

from migrate.cli import command
from migrate.report import SMALL_RUN_LINES, Reporter
from migrate.results import Change, FileResult, Note

APP = 'from openai import OpenAI\n\nclient = OpenAI(organization="org-1")\n'


def invoke(*args):
    return CliRunner().invoke(command, ["--no-cache", *args], catch_exceptions=False)


def tree(tmp_path, count: int):
    for index in range(count):
        (tmp_path / f"app{index:03}.py").write_text(APP)
    return tmp_path


def test_small_run_prints_lines_by_file_then_statistics(tmp_path):
    result = invoke("--check", str(tree(tmp_path, 2)))
    lines = result.stdout.splitlines()
    assert lines[0].endswith("app000.py: would change")
    assert any(line.endswith("app001.py:3: client: OpenAI(...): base_url set to Fireworks, api_key reads "
                             "FIREWORKS_API_KEY, organization removed") for line in lines)
    # then a blank line, the counts by rule and kind, and the summary
    tail = lines[lines.index(""):]
    assert tail[1:] == ["2  client  change", "2  client  info     FW106",
                        "2 files scanned; 0 skipped by the prefilter; 2 would change; 0 errors; notes: 2 info"]


def test_large_run_prints_only_statistics_unless_verbose(tmp_path):
    count = SMALL_RUN_LINES // 3 + 1  # three lines a file: more than SMALL_RUN_LINES in all
    tree(tmp_path, count)
    result = invoke("--check", str(tmp_path))
    assert "would change" not in result.stdout.split("\n")[0]
    assert result.stdout.splitlines() == [
        f"{count}  client  change", f"{count}  client  info     FW106",
        f"({3 * count} lines by file not shown: more than {SMALL_RUN_LINES}; --verbose shows them)",
        f"{count} files scanned; 0 skipped by the prefilter; {count} would change; 0 errors; notes: {count} info"]
    verbose = invoke("--check", "--verbose", str(tmp_path)).stdout
    assert verbose.count(": would change\n") == count and f"{count}  client  change" in verbose
    assert "not shown" not in verbose


def test_errors_are_shown_on_a_large_run(tmp_path):
    tree(tmp_path, SMALL_RUN_LINES)
    (tmp_path / "broken.py").write_text("from openai import OpenAI\nOpenAI(\n")
    result = invoke("--check", str(tmp_path))
    assert "broken.py: error: cannot parse" in result.stderr
    assert result.exit_code == 2


def test_statistics_group_by_rule_then_kind():
    reporter = Reporter("check", out=io.StringIO())
    notes = [Note("model_names", "FW304", 1, 1, "warning", "m"), Note("client", "FW106", 1, 1, "info", "m"),
             Note("model_names", "FW303", 2, 1, "error", "m"), Note("model_names", "FW304", 3, 1, "warning", "m")]
    reporter.file(FileResult("a.py", "changed", [Change("model_names", 1, "x"), Change("client", 2, "y")], notes))
    assert reporter.statistics() == [
        "1  client       change", "1  client       info     FW106",
        "1  model_names  change", "1  model_names  error    FW303", "2  model_names  warning  FW304"]


def test_diff_colours_read_on_dark_and_light_backgrounds(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    out = io.StringIO()
    reporter = Reporter("diff", out=out, err=io.StringIO(), color=True)
    reporter._diff("--- a/app.py\n+++ b/app.py\n@@ -1 +1 @@\n-old\n+new\n context\n")
    lines = out.getvalue().splitlines()
    assert lines[0] == "\x1b[1m--- a/app.py\x1b[0m"
    assert lines[2] == "\x1b[35m@@ -1 +1 @@\x1b[0m"  # magenta: cyan fades on white
    assert lines[3] == "\x1b[91m-old\x1b[0m"  # bright red: plain red is dark on dark themes
    assert lines[4] == "\x1b[32m+new\x1b[0m"
    assert lines[5] == " context"


def test_no_colour_and_no_progress_when_piped(tmp_path):
    tree(tmp_path, 3)
    result = invoke("--diff", str(tmp_path))
    assert "\x1b" not in result.output and "parsing" not in result.stderr


class Clock:
    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def terminal():
    from rich.console import Console

    return Console(file=io.StringIO(), force_terminal=True, width=120, color_system=None)


def test_progress_bar_names_the_file_being_parsed(capsys):
    import sys

    from migrate.progress import with_progress

    files = [f"src/file{index}.py" for index in range(5)]
    console = terminal()
    reporter = Reporter("check", out=io.StringIO(), err=sys.stderr)
    seen = []
    for result in with_progress((FileResult(p, "unchanged") for p in files), files, reporter, console=console,
                                clock=Clock(0.3), delay=0.5):
        seen.append(result.path)
        print(f"{result.path}: line from the report", file=reporter.err)  # goes above the bar
    assert seen == files  # every result passes through, in order
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", console.file.getvalue())
    assert "parsing" in shown and "src/file2.py" in shown and "3/5" in shown
    assert "src/file0.py" not in shown.split("parsing")[1]  # the bar starts after the delay, at file 2
    assert "src/file3.py: line from the report" in shown  # printed through the bar's console
    assert reporter.err is sys.stderr  # given back when the bar is gone
    assert capsys.readouterr().err.startswith("src/file0.py: line from the report")  # before the bar: as is


def test_no_progress_bar_on_a_short_run():
    from migrate.progress import with_progress

    files = ["a.py", "b.py"]
    console = terminal()
    results = list(with_progress((FileResult(p, "unchanged") for p in files), files, Reporter("check"),
                                 console=console, clock=Clock(0.01), delay=0.5))
    assert len(results) == 2 and console.file.getvalue() == ""


def test_progress_only_for_the_text_report_on_a_terminal(monkeypatch):
    from migrate.cli import RunOptions, _progress_wanted
    from migrate.settings import from_mapping

    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr("sys.stderr", Tty())
    assert _progress_wanted(RunOptions(), from_mapping({}, "t"), 10)
    for output_format in ("json", "sarif", "github", "markdown"):
        assert not _progress_wanted(RunOptions(), from_mapping({"output-format": output_format}, "t"), 10)
    assert not _progress_wanted(RunOptions(quiet=True), from_mapping({}, "t"), 10)
    monkeypatch.setenv("CI", "true")
    assert not _progress_wanted(RunOptions(), from_mapping({}, "t"), 10)


def test_readme_example_is_the_real_report(monkeypatch):
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ fw-migrate --check examples/\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(root)
    output = invoke("--check", "examples/").stdout
    for line in block.splitlines():
        if line != "...":
            assert line.split(" ... ")[0] in output, line
    assert output.endswith(block.split("\n\n", 1)[1])  # the counts and the summary, exactly
