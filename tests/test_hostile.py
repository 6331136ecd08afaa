"""Hostile and broken input: one line naming the file, the rest of the run going on, nothing lost.

Every test runs the real command line over a folder holding one good OpenAI file and one
hostile thing, and checks three things: the hostile file is named on exactly one output line
(an error, or with `--verbose` a skip), the good file is still migrated, and no byte of the
hostile file (or of anything outside the tree) changed, with no temporary file left behind.

Permissions: as root, `chmod` does not stop a write, so read-only files and folders are
tested twice: simulated (a monkeypatched `os.replace`/`open` raising PermissionError) and
for real in a forked child that drops to an unprivileged user before running fw-migrate.
"""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import signal
import stat
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate import runner
from migrate.cli import command

GOOD = "from openai import OpenAI\n\nclient = OpenAI()\n"
MIGRATED_MARK = b"api.fireworks.ai"
NOBODY = 65534


def fw(*args: str, cwd: Path):
    """Run the command line in `cwd` (one process, no cache): (exit code, every output line)."""
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(command, ["--no-color", "--no-cache", "-j", "1", *args], catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, (result.stdout + result.stderr).splitlines()


def naming(lines: list[str], name: str) -> list[str]:
    return [line for line in lines if line.startswith(f"{name}:") or f" {name}:" in line or f"/{name}:" in line]


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "good.py").write_text(GOOD)
    return root


def assert_good_migrated(root: Path) -> None:
    assert MIGRATED_MARK in (root / "good.py").read_bytes(), "the rest of the run did not go on"


def assert_one_error(lines: list[str], name: str, starts: str) -> str:
    found = naming(lines, name)
    assert len(found) == 1, f"expected one line naming {name}, got {found}"
    assert found[0].startswith(f"{name}: error: {starts}"), found[0]
    return found[0]


# --- broken files --------------------------------------------------------------------------

INVALID_UTF8 = b"import openai\nGREETING = '\xff\xfe caf\xe9'\nclient = openai.OpenAI()\n"
WRONG_COOKIE = b"# coding: ascii\nimport openai\nNAME = 'Andr\xc3\xa9'\nclient = openai.OpenAI()\n"
BROKEN = {
    "syntax_error": (b"import openai\nclient = openai.OpenAI(\n", "cannot parse: '(' was never closed at line 2"),
    "invalid_utf8": (INVALID_UTF8, "cannot decode as utf-8: byte %d " % INVALID_UTF8.index(0xFF)),
    "unknown_coding_cookie": (b"# -*- coding: klingon -*-\nimport openai\nclient = openai.OpenAI()\n",
                              "bad encoding declaration: unknown encoding: klingon"),
    "wrong_coding_cookie": (WRONG_COOKIE, "cannot decode as ascii: byte %d " % WRONG_COOKIE.index(0xC3)),
    "bom_and_latin1_cookie": (b"\xef\xbb\xbf# coding: latin-1\nimport openai\nclient = openai.OpenAI()\n",
                              "bad encoding declaration"),
    "nul_byte": (b"import openai\nclient = openai.OpenAI()\x00\n", "file contains a NUL byte"),
}


@pytest.mark.parametrize("case", sorted(BROKEN), ids=str)
def test_broken_file_is_one_error_line_and_untouched(tree, case):
    data, message = BROKEN[case]
    (tree / f"{case}.py").write_bytes(data)
    code, lines = fw(".", cwd=tree)
    assert code == 2
    line = assert_one_error(lines, f"{case}.py", message)
    assert "Traceback" not in "\n".join(lines) and len(line) < 200
    assert (tree / f"{case}.py").read_bytes() == data
    assert_good_migrated(tree)
    assert sorted(files_of(tree)) == sorted(["good.py", f"{case}.py"])


def test_broken_file_keeps_the_check_mode_going(tree):
    (tree / "syntax_error.py").write_bytes(BROKEN["syntax_error"][0])
    code, lines = fw("--check", ".", cwd=tree)
    assert code == 2  # errors win over pending changes
    assert_one_error(lines, "syntax_error.py", "cannot parse")
    assert naming(lines, "good.py")[0] == "good.py: would change"
    assert (tree / "good.py").read_text() == GOOD


def test_broken_notebook_is_one_error_line(tree):
    from migrate.files import kind_of

    if kind_of("x.ipynb") is None:
        pytest.skip("notebooks are not a discovered kind yet")
    data = b'{"cells": [{"cell_type": "code", "source": ["import openai\\n"'  # cut short
    (tree / "cut.ipynb").write_bytes(data)
    code, lines = fw(".", cwd=tree)
    assert code == 2
    assert len(naming(lines, "cut.ipynb")) == 1 and naming(lines, "cut.ipynb")[0].startswith("cut.ipynb: error: ")
    assert (tree / "cut.ipynb").read_bytes() == data
    assert_good_migrated(tree)


def test_empty_file_is_left_empty_without_error(tree):
    (tree / "empty.py").write_bytes(b"")
    code, lines = fw("--verbose", ".", cwd=tree)
    assert code == 0
    assert naming(lines, "empty.py") == ["empty.py: nothing to migrate (prefilter)"]
    assert (tree / "empty.py").read_bytes() == b""
    code, lines = fw("--check", "empty.py", cwd=tree)  # named on the command line too
    assert code == 0 and not naming(lines, "empty.py")


def test_fifo_is_never_opened(tree):
    """A named pipe called `*.py` would block a reader forever: a walk passes it by."""
    os.mkfifo(tree / "pipe.py")
    code, lines = fw(".", cwd=tree)
    assert code == 0 and not naming(lines, "pipe.py")
    assert_good_migrated(tree)
    code, lines = fw("pipe.py", "good.py", cwd=tree)  # named on the command line
    assert code == 2
    assert_one_error(lines, "pipe.py", "not a regular file or folder")


# --- a 50 MB file --------------------------------------------------------------------------

BIG = 50 * 1024 * 1024


def test_50mb_file_without_openai_is_prefiltered(tree):
    line = b"VALUES = [1, 2, 3]  # nothing to migrate here\n"
    data = line * (BIG // len(line) + 1)
    (tree / "big.py").write_bytes(data)
    del data
    before = (tree / "big.py").stat()
    code, lines = fw("--verbose", ".", cwd=tree)
    assert code == 0
    assert naming(lines, "big.py") == ["big.py: nothing to migrate (prefilter)"]
    after = (tree / "big.py").stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert_good_migrated(tree)


def test_50mb_file_importing_openai_goes_through_ast_quickly(tree):
    """Past the prefilter (it imports openai) but with nothing to rewrite: `ast` only, no LibCST."""
    filler = b"# " + b"x" * 98 + b"\n"
    data = b"import openai\n\nVERSION = openai.__version__\n" + filler * (BIG // len(filler))
    (tree / "big.py").write_bytes(data)
    started = time.perf_counter()
    code, lines = fw("--verbose", ".", cwd=tree)
    elapsed = time.perf_counter() - started
    assert code == 0, lines
    assert naming(lines, "big.py") == ["big.py: nothing to change"]
    assert (tree / "big.py").read_bytes() == data
    assert_good_migrated(tree)
    assert elapsed < 120, f"{elapsed:.1f} s for one 50 MB file with nothing to change"


@pytest.mark.skipif(not os.environ.get("FW_MIGRATE_SLOW_TESTS"), reason=(
    "slow: a 50 MB file with a client to rewrite goes through LibCST, about 5-10 s a megabyte here "
    "(parse, every rule's walk, AddImportsVisitor over the comment footer); set FW_MIGRATE_SLOW_TESTS=1"))
def test_50mb_file_with_an_openai_client_is_migrated(tree):
    filler = b"# " + b"x" * 98 + b"\n"
    data = GOOD.encode() + filler * (BIG // len(filler))
    (tree / "big.py").write_bytes(data)
    code, lines = fw(".", cwd=tree)
    assert code == 0, lines
    new = (tree / "big.py").read_bytes()
    assert MIGRATED_MARK in new[:1000]
    assert new.endswith(filler) and len(new) - len(data) < 200  # the tail came through whole


# --- symbolic links ------------------------------------------------------------------------

def test_symlink_loop_is_skipped(tree):
    (tree / "loop_a.py").symlink_to("loop_b.py")
    (tree / "loop_b.py").symlink_to("loop_a.py")
    (tree / "self.py").symlink_to("self.py")
    code, lines = fw("--verbose", ".", cwd=tree)
    assert code == 0
    for name in ("loop_a.py", "loop_b.py", "self.py"):
        assert naming(lines, name) == [f"{name}: skipped: symbolic link loop"]
    assert_good_migrated(tree)
    assert all((tree / name).is_symlink() for name in ("loop_a.py", "loop_b.py", "self.py"))


def test_folder_link_loop_is_not_followed(tree):
    (tree / "pkg").mkdir()
    (tree / "pkg" / "mod.py").write_text(GOOD)
    (tree / "pkg" / "again").symlink_to("..", target_is_directory=True)  # pkg/again -> tree
    code, lines = fw("--verbose", ".", cwd=tree)
    assert code == 0
    assert naming(lines, "pkg/again") == ["pkg/again: skipped: folder link not followed"]
    assert MIGRATED_MARK in (tree / "pkg" / "mod.py").read_bytes()
    assert_good_migrated(tree)


def test_links_out_of_the_tree_are_not_followed(tree, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "theirs.py").write_text(GOOD)
    (tree / "theirs.py").symlink_to(outside / "theirs.py")
    (tree / "vendor").symlink_to(outside, target_is_directory=True)
    code, lines = fw("--verbose", ".", cwd=tree)
    assert code == 0
    assert naming(lines, "theirs.py") == ["theirs.py: skipped: symbolic link leads out of the tree"]
    assert naming(lines, "vendor") == ["vendor: skipped: folder link not followed"]
    assert (outside / "theirs.py").read_text() == GOOD
    assert (tree / "theirs.py").is_symlink()  # the link itself is not replaced by a file
    assert_good_migrated(tree)


def test_broken_link_is_skipped(tree):
    (tree / "gone.py").symlink_to("nowhere.py")
    code, lines = fw("--verbose", ".", cwd=tree)
    assert code == 0
    assert naming(lines, "gone.py") == ["gone.py: skipped: broken symbolic link"]
    assert_good_migrated(tree)


# --- files that vanish mid-run -------------------------------------------------------------

def test_file_vanishing_before_it_is_read(tree, monkeypatch):
    import migrate.files

    (tree / "vanish.py").write_text(GOOD)
    discover = migrate.files.discover

    def discover_then_delete(*args, **kwargs):
        found = discover(*args, **kwargs)
        (tree / "vanish.py").unlink()
        return found

    monkeypatch.setattr(migrate.files, "discover", discover_then_delete)
    code, lines = fw(".", cwd=tree)
    assert code == 2
    assert_one_error(lines, "vanish.py", "cannot read: No such file or directory")
    assert not (tree / "vanish.py").exists()
    assert_good_migrated(tree)


def test_file_vanishing_before_it_is_written(tree, monkeypatch):
    (tree / "vanish.py").write_text(GOOD)
    migrate_text = runner.migrate_text

    def migrate_then_delete(text, path, *args, **kwargs):
        outcome = migrate_text(text, path, *args, **kwargs)
        if path.endswith("vanish.py"):
            os.unlink(path)
        return outcome

    monkeypatch.setattr(runner, "migrate_text", migrate_then_delete)
    code, lines = fw(".", cwd=tree)
    assert code == 2
    assert_one_error(lines, "vanish.py", "cannot write: No such file or directory")
    assert sorted(files_of(tree)) == ["good.py"]  # not brought back, no temporary file left
    assert_good_migrated(tree)


# --- read-only files and folders, full disks (simulated) ------------------------------------

def _fail_for(name: str, real, exc: OSError):
    def fake(src, dst, *args, **kwargs):
        if str(dst).endswith(name):
            raise exc
        return real(src, dst, *args, **kwargs)

    return fake


def test_read_only_file_simulated(tree, monkeypatch):
    (tree / "locked.py").write_text(GOOD)
    denied = PermissionError(errno.EACCES, "Permission denied")
    monkeypatch.setattr(runner.os, "replace", _fail_for("locked.py", os.replace, denied))
    code, lines = fw(".", cwd=tree)
    assert code == 2
    assert_one_error(lines, "locked.py", "cannot write: Permission denied")
    assert (tree / "locked.py").read_text() == GOOD
    assert sorted(files_of(tree)) == ["good.py", "locked.py"]
    assert_good_migrated(tree)


def test_unreadable_file_simulated(tree, monkeypatch):
    import builtins

    (tree / "hidden.py").write_text(GOOD)
    real_open = builtins.open

    def fake_open(file, *args, **kwargs):
        if str(file).endswith("hidden.py"):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    code, lines = fw(".", cwd=tree)
    assert code == 2
    assert_one_error(lines, "hidden.py", "cannot read: Permission denied")
    assert (tree / "hidden.py").read_text() == GOOD
    assert_good_migrated(tree)


def test_read_only_folder_simulated(tree, monkeypatch):
    (tree / "ro").mkdir()
    (tree / "ro" / "app.py").write_text(GOOD)
    mkstemp = tempfile.mkstemp

    def no_new_files(*args, dir=None, **kwargs):
        if dir is not None and os.path.basename(dir) == "ro":
            raise PermissionError(errno.EACCES, "Permission denied", dir)
        return mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(runner.tempfile, "mkstemp", no_new_files)
    code, lines = fw(".", cwd=tree)
    assert code == 2
    assert_one_error(lines, "ro/app.py", "cannot write: Permission denied")
    assert (tree / "ro" / "app.py").read_text() == GOOD
    assert_good_migrated(tree)


class _FullDisk(io.RawIOBase):
    """A file object for one temporary file: the first write fails with ENOSPC."""

    def __init__(self, fd: int):
        self.fd = fd

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def close(self) -> None:
        if not self.closed:
            os.close(self.fd)
        super().close()


def test_full_disk_keeps_the_original(tree, monkeypatch):
    (tree / "full.py").write_text(GOOD)
    original = (tree / "full.py").read_bytes()
    fdopen = os.fdopen

    def fdopen_full_for_one(fd, *args, **kwargs):
        if "full.py" in os.readlink(f"/proc/self/fd/{fd}"):
            return _FullDisk(fd)
        return fdopen(fd, *args, **kwargs)

    if not os.path.exists("/proc/self/fd"):
        pytest.skip("needs /proc to tell which file a descriptor is")
    monkeypatch.setattr(runner.os, "fdopen", fdopen_full_for_one)
    code, lines = fw(".", cwd=tree)
    assert code == 2
    assert_one_error(lines, "full.py", "cannot write: No space left on device")
    assert (tree / "full.py").read_bytes() == original
    assert sorted(files_of(tree)) == ["full.py", "good.py"]  # the half-written temp file is gone
    assert_good_migrated(tree)


# --- read-only files and folders, for real ----------------------------------------------------

def run_unprivileged(root: Path, args: list[str]) -> tuple[int, list[str]]:
    """fw-migrate over `root` as an unprivileged user (a forked child when we are root)."""
    if os.geteuid() != 0:
        return fw(*args, str(root), cwd=root.parent)
    warm = root.parent / "warm-up"  # import everything the run needs while we can still read it
    shutil.copytree(root, warm)
    fw(*args, str(warm), cwd=warm.parent)
    shutil.rmtree(warm)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 0
        try:
            signal.alarm(120)  # never hang the test run: the default action ends the child
            os.close(read_end)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            code, lines = fw(*args, str(root), cwd=root.parent)
            payload = json.dumps([code, lines]).encode()
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            payload = json.dumps([-1, [f"{exc.__class__.__name__}: {exc}"]]).encode()
            status = 1
        with os.fdopen(write_end, "wb") as out:
            out.write(payload)
        os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as handle:
        payload = handle.read()
    _, wait_status = os.waitpid(pid, 0)
    assert payload, f"the unprivileged run died (wait status {wait_status})"
    code, lines = json.loads(payload)
    if code == -1:
        pytest.skip(f"cannot run as an unprivileged user here: {lines[0]}")
    return code, lines


@pytest.fixture
def shared_tree():
    """A tree an unprivileged user can reach (pytest's tmp_path is private to root)."""
    base = Path(tempfile.mkdtemp(prefix="fw-hostile-"))
    base.chmod(0o755)
    root = base / "tree"
    root.mkdir()
    (root / "good.py").write_text(GOOD)
    yield root
    for folder, dirs, _ in os.walk(base):
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o755)
    shutil.rmtree(base)


def _give_away(root: Path) -> None:
    if os.geteuid() == 0:
        for path in [root, *root.rglob("*")]:
            os.chown(path, NOBODY, NOBODY, follow_symlinks=False)


def test_read_only_folder_for_real(shared_tree):
    root = shared_tree
    (root / "ro").mkdir()
    (root / "ro" / "app.py").write_text(GOOD)
    _give_away(root)
    (root / "ro").chmod(0o555)
    code, lines = run_unprivileged(root, [])
    assert code == 2, lines
    found = [line for line in lines if "ro/app.py" in line]
    assert len(found) == 1 and found[0].endswith("ro/app.py: error: cannot write: Permission denied"), found
    assert (root / "ro" / "app.py").read_text() == GOOD
    assert sorted(p.name for p in (root / "ro").iterdir()) == ["app.py"]
    assert MIGRATED_MARK in (root / "good.py").read_bytes()


def test_unlistable_folder_for_real(shared_tree):
    root = shared_tree
    (root / "private").mkdir()
    (root / "private" / "app.py").write_text(GOOD)
    _give_away(root)
    (root / "private").chmod(0o000)
    code, lines = run_unprivileged(root, [])
    assert code == 2, lines
    found = [line for line in lines if "private" in line]
    assert len(found) == 1 and found[0].endswith("private: error: cannot list folder: Permission denied"), found
    (root / "private").chmod(0o755)
    assert (root / "private" / "app.py").read_text() == GOOD
    assert MIGRATED_MARK in (root / "good.py").read_bytes()


def test_read_only_file_for_real(shared_tree):
    root = shared_tree
    (root / "locked.py").write_text(GOOD)
    _give_away(root)
    (root / "locked.py").chmod(0o444)
    code, lines = run_unprivileged(root, [])
    assert MIGRATED_MARK in (root / "good.py").read_bytes()
    assert (root / "locked.py").read_text() == GOOD, "a read-only file was rewritten"
    assert code == 2
    found = [line for line in lines if "locked.py" in line]
    assert len(found) == 1 and "locked.py: error: cannot write" in found[0], found


def test_read_only_file_for_real_keeps_its_mode(shared_tree):
    """Whatever the policy on read-only files, a file the run touches keeps its mode bits."""
    root = shared_tree
    (root / "locked.py").write_text(GOOD)
    _give_away(root)
    (root / "locked.py").chmod(0o444)
    run_unprivileged(root, [])
    assert stat.S_IMODE((root / "locked.py").stat().st_mode) == 0o444
    assert sorted(p.name for p in root.iterdir()) == ["good.py", "locked.py"]


# --- secrets ---------------------------------------------------------------------------------

def _fake_key(prefix: str, seed: int) -> str:
    """A key-shaped string, made at run time so that no key-like literal sits in this file."""
    import random

    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    chooser = random.Random(seed)
    return prefix + "".join(chooser.choice(alphabet) for _ in range(48))


FOUND_KEYS = {
    "client": _fake_key("sk-proj-", 1),  # OpenAI(api_key="...")
    "module": _fake_key("sk-", 2),  # openai.api_key = "..."
    "env": _fake_key("sk-proj-", 3),  # OPENAI_API_KEY=... in an env file
}
OTHER_KEYS = {
    "header": _fake_key("sk-", 4),  # a key in a construction the client rule rewrites
    "constant": _fake_key("sk-", 5),  # a module constant next to a rewritten line
}


def secret_tree(root: Path) -> None:
    root.mkdir()
    (root / "app.py").write_text(
        "import openai\nfrom openai import OpenAI\n\n"
        f'openai.api_key = "{FOUND_KEYS["module"]}"\n'
        f'client = OpenAI(api_key="{FOUND_KEYS["client"]}")\n'
    )
    (root / "other.py").write_text(
        "from openai import OpenAI\n\n"
        f'KEY = "{OTHER_KEYS["constant"]}"\n'
        f'other = OpenAI(default_headers={{"Authorization": "Bearer {OTHER_KEYS["header"]}"}})\n'
    )
    (root / "syntax.py").write_text(f'import openai\nopenai.api_key = "{FOUND_KEYS["module"]}"\nx = (\n')
    (root / ".env.example").write_text(f"OPENAI_API_KEY={FOUND_KEYS['env']}\n")


def everything_printed(root: Path, mode: str, output_format: str, cache: bool) -> str:
    old = os.getcwd()
    os.chdir(root)
    try:
        args = ["--no-color", "-j", "1", "--verbose", "--output-format", output_format, *([] if cache else ["--no-cache"])]
        if mode != "write":
            args.append(f"--{mode}")
        result = CliRunner().invoke(command, [*args, "."], catch_exceptions=False)
    finally:
        os.chdir(old)
    # Whatever the run left on disk besides the sources (a cache, a log) counts as output too.
    leftovers = [p.read_text(errors="replace") for p in root.rglob("*")
                 if p.is_file() and p.name not in ("app.py", "other.py", "syntax.py", ".env.example")]
    return "\n".join([result.stdout, result.stderr, *leftovers])


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
@pytest.mark.parametrize("mode", ["write", "diff", "check"])
def test_found_keys_are_never_printed_in_full(tmp_path, mode, output_format):
    from migrate.results import mask

    secret_tree(tmp_path / "tree")
    printed = everything_printed(tmp_path / "tree", mode, output_format, cache=True)
    for where, key in FOUND_KEYS.items():
        assert key not in printed, f"the {where} key was printed in full ({mode}, {output_format})"
        hidden = key[len(mask(key).rstrip("*")):]
        assert hidden[:10] not in printed and hidden[-10:] not in printed, f"part of the {where} key was printed"
    assert mask(FOUND_KEYS["client"]) in printed  # the finding is reported, masked
    if mode == "check":  # a second look, answered from the cache this time
        again = everything_printed(tmp_path / "tree", mode, output_format, cache=True)
        assert not any(key in again for key in FOUND_KEYS.values())


def test_key_shaped_strings_in_a_diff_are_masked(tmp_path):
    secret_tree(tmp_path / "tree")
    printed = everything_printed(tmp_path / "tree", "diff", "text", cache=False)
    for where, key in OTHER_KEYS.items():
        assert key not in printed, f"the {where} key was printed in full in the diff"
