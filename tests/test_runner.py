"""The runner keeps bytes, encodings and newlines, writes atomically and never raises."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from migrate import runner
from migrate.runner import Job, run
from migrate.settings import Settings

WRITE, CHECK, DIFF = Job(Settings(), "write"), Job(Settings(), "check"), Job(Settings(), "diff")
SOURCE = 'from openai import OpenAI\n\nclient = OpenAI()  # the client\n'
ADDED = 'base_url="https://api.fireworks.ai/inference/v1", api_key=os.environ["FIREWORKS_API_KEY"]'


def migrate_file(path: Path, job: Job = WRITE):
    results = list(run([str(path)], job))
    assert len(results) == 1
    return results[0]


def test_crlf_file_keeps_crlf(tmp_path):
    path = tmp_path / "crlf.py"
    path.write_bytes(SOURCE.replace("\n", "\r\n").encode())
    result = migrate_file(path)
    assert result.status == "changed"
    data = path.read_bytes()
    assert ADDED.encode() in data
    assert data.count(b"\r\n") == data.count(b"\n")  # every newline, the added import's too


def test_bom_is_kept(tmp_path):
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbf" + SOURCE.encode())
    migrate_file(path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    assert ADDED.encode() in data


def test_latin1_file_with_coding_cookie(tmp_path):
    path = tmp_path / "latin.py"
    text = "# -*- coding: latin-1 -*-\n" + SOURCE + 'GREETING = "¡olé, señor!"\n'
    path.write_bytes(text.encode("latin-1"))
    migrate_file(path)
    data = path.read_bytes()
    assert 'GREETING = "¡olé, señor!"'.encode("latin-1") in data
    assert ADDED.encode() in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # still latin-1, not re-encoded


def test_invalid_utf8_is_an_error_and_untouched(tmp_path):
    path = tmp_path / "bad.py"
    original = b"import openai\nx = '\xff\xfe'\n"
    path.write_bytes(original)
    result = migrate_file(path)
    assert result.status == "error" and "cannot decode as utf-8" in result.error
    assert path.read_bytes() == original


def test_syntax_error_is_reported_in_one_line(tmp_path):
    path = tmp_path / "syntax.py"
    path.write_text("import openai\nclient = openai.OpenAI(\n")
    result = migrate_file(path)
    assert result.status == "error" and result.error.startswith("cannot parse:")
    assert "\n" not in result.error


def test_unreadable_file_is_an_error(tmp_path, monkeypatch):
    path = tmp_path / "secret.py"
    path.write_text(SOURCE)
    real_open = open

    def fake_open(file, mode="r", *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", fake_open)
    result = migrate_file(path)
    assert result.status == "error" and result.error == "cannot read: Permission denied"


@pytest.mark.parametrize("job", [CHECK, DIFF], ids=["check", "diff"])
def test_dry_modes_never_write(tmp_path, job):
    path = tmp_path / "app.py"
    path.write_text(SOURCE)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    result = migrate_file(path, job)
    assert result.status == "changed" and not result.written
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert bool(result.diff) == (job is DIFF)


def test_unchanged_file_is_not_rewritten(tmp_path):
    path = tmp_path / "done.py"
    path.write_text('import os\nfrom openai import OpenAI\nclient = OpenAI(base_url="https://api.fireworks.ai/inference/v1", api_key=os.environ["FIREWORKS_API_KEY"])\n')
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    result = migrate_file(path)
    assert result.status == "unchanged"
    assert path.stat().st_mtime_ns == 1_000_000_000


def test_prefilter_skips_files_without_openai(tmp_path):
    path = tmp_path / "plain.py"
    path.write_text("def f():\n    return 1\n")
    assert migrate_file(path).status == "prefiltered"


def test_mode_bits_are_kept_and_no_temp_file_left(tmp_path):
    path = tmp_path / "tool.py"
    path.write_text(SOURCE)
    path.chmod(0o750)
    migrate_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o750
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tool.py"]


def test_failed_write_keeps_the_original(tmp_path, monkeypatch):
    path = tmp_path / "app.py"
    path.write_text(SOURCE)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runner.os, "replace", full_disk)
    result = migrate_file(path)
    assert result.status == "error" and result.error == "cannot write: No space left on device"
    assert path.read_text() == SOURCE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.py"]  # temp file removed


def test_rule_crash_becomes_an_error_result(tmp_path, monkeypatch):
    path = tmp_path / "app.py"
    path.write_text(SOURCE)

    def boom(*args, **kwargs):
        raise RuntimeError("rule bug")

    monkeypatch.setattr(runner, "migrate_text", boom)
    result = migrate_file(path)
    assert result.status == "error" and result.error == "internal error: RuntimeError: rule bug"
    assert path.read_text() == SOURCE


def test_notes_name_lines_of_the_written_file(tmp_path):
    path = tmp_path / "app.py"
    path.write_text('from openai import OpenAI\n\nclient = OpenAI(organization="org-1")\n')
    result = migrate_file(path)
    note = next(n for n in result.notes if n.code == "FW106")
    lines = path.read_text().splitlines()
    assert "client = OpenAI(" in lines[note.line - 1]  # `import os` moved it one line down
    assert note.line == 4


def test_diff_names_paths_and_marks_missing_final_newline(tmp_path):
    path = tmp_path / "nonl.py"
    path.write_text("from openai import OpenAI\nclient = OpenAI()")
    result = migrate_file(path, DIFF)
    assert "\\ No newline at end of file" in result.diff
    assert result.diff.splitlines()[0] == f"--- a/{str(path).lstrip('/')}"


PREFILTER_SAMPLES = [
    b"import openai\n",
    b"from OpenAI import x\n",  # the library words match in any case
    b"KEY = os.environ['OPENAI_API_KEY']\n",
    b"from langchain_openai import ChatOpenAI\n",
    b"MODEL = 'o3-mini'\n",
    b'MODEL = "o1"\n',
    b'INI = "o4=1\\n"\n',  # o4 here is no model id
    b'MODEL = "gpt-4o"\n',
    b"MODEL = 'GPT-4o'\n",  # a model id is matched as written: upper case is not an id
    b"self.client.chat.completions.create(model=m)\n",
    b"client.chat.completions.creator\n",  # not a request: `\b` after the method
    b"resp = call(stream = True)\n",
    b"resp = call(stream=true)\n",
    b"from agents import Agent\n",
    b"agents = []  # travel agents\n",
    b"The gpt-4o docs\n",
    b"\xff\xfe\x00o\x00p\x00e\x00n\x00a\x00i",  # UTF-16: no ASCII run, no match
    b"caf\xe9 = 'o1'\n",  # Latin-1 bytes before a match
    b"x = 1\n" * 1000,
    b"",
]


@pytest.mark.parametrize("data", PREFILTER_SAMPLES)
def test_prefilter_answers_the_same_with_re2_and_with_re(data):
    """google-re2 is the fast path; Python's `re` runs the same pattern when it is missing."""
    import re

    assert runner.PREFILTER.engine == "re2"
    assert runner.PREFILTER(data) == bool(re.search(runner.Prefilter.SOURCE, data))


def test_prefilter_falls_back_to_re_without_re2(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "re2", None)  # `import re2` now raises ImportError
    fallback = runner.Prefilter()
    assert fallback.engine == "re"
    assert [fallback(data) for data in PREFILTER_SAMPLES] == [runner.PREFILTER(data) for data in PREFILTER_SAMPLES]
    assert [fallback(data) for data in PREFILTER_SAMPLES[:4]] == [True] * 4
    assert not fallback(b"agents = []  # travel agents\n")


def test_prefilter_verdicts_on_model_ids():
    verdicts = {data: runner.PREFILTER(data) for data in PREFILTER_SAMPLES}
    assert verdicts[b'MODEL = "o1"\n'] and verdicts[b"MODEL = 'o3-mini'\n"] and verdicts[b'MODEL = "gpt-4o"\n']
    assert not verdicts[b'INI = "o4=1\\n"\n']
    assert not verdicts[b"MODEL = 'GPT-4o'\n"]
    assert not verdicts[b"The gpt-4o docs\n"]


LIBCST_PROBE = """
import sys
from migrate import rules
from migrate.engine import migrate_text
from migrate.settings import Settings

for name in rules.ALL_RULES:
    rules.load(name).triage  # every rule's LibCST-free part
before = sorted(m for m in sys.modules if m.startswith("libcst."))
outcome = migrate_text(sys.argv[1], "probe.py", Settings())
after = sorted(m for m in sys.modules if m.startswith("libcst."))
print(len(before), len(after), outcome.code != sys.argv[1])
"""


@pytest.mark.parametrize(("source", "expected"), [
    # mentions openai and passes every text trigger, but the `ast` triage finds nothing to do
    ("import openai\n\nprint(openai.__version__)\n", "0 0 False"),
    # a client to rewrite: now LibCST is loaded, and the file changes
    ("from openai import OpenAI\n\nclient = OpenAI()\n", "changed"),
])
def test_libcst_is_imported_only_when_a_file_needs_a_rewrite(source, expected):
    """Loading the rules and triaging a file leave LibCST unimported (rules/_lazy.py)."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", LIBCST_PROBE, source], capture_output=True, text=True, check=True)
    before, after, changed = result.stdout.split()
    assert before == "0"
    if expected == "changed":
        assert int(after) > 50 and changed == "True"
    else:
        assert f"{before} {after} {changed}" == expected
