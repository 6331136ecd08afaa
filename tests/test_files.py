"""Discovery: .gitignore, skipped folders, excludes, explicit files, symbolic links."""

from __future__ import annotations

import os
from pathlib import Path

from migrate.files import discover


def names(found, root: Path) -> list[str]:
    return sorted(os.path.relpath(os.path.abspath(f), root) for f in found.files)


def touch(path: Path, text: str = "import openai\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_walk_takes_py_and_pyi_and_skips_the_usual_folders(tmp_path):
    touch(tmp_path / "a.py")
    touch(tmp_path / "stubs" / "b.pyi")
    touch(tmp_path / "notes.txt")
    for skipped in (".git/x.py", "node_modules/y.py", "build/z.py", "dist/d.py", "__pycache__/c.py", ".tox/t.py"):
        touch(tmp_path / skipped)
    touch(tmp_path / "myenv" / "pyvenv.cfg", "home = /usr\n")
    touch(tmp_path / "myenv" / "lib" / "site.py")
    touch(tmp_path / "pkg.egg-info" / "e.py")
    assert names(discover([str(tmp_path)]), tmp_path) == ["a.py", "stubs/b.pyi"]


def test_gitignore_nested_and_from_repository_root(tmp_path):
    (tmp_path / ".git").mkdir()
    touch(tmp_path / ".gitignore", "generated/\n*_pb2.py\n")
    touch(tmp_path / "src" / ".gitignore", "local_*.py\n!local_keep.py\n")
    touch(tmp_path / "src" / "app.py")
    touch(tmp_path / "src" / "api_pb2.py")
    touch(tmp_path / "src" / "local_debug.py")
    touch(tmp_path / "src" / "local_keep.py")
    touch(tmp_path / "src" / "generated" / "g.py")
    # walking only src/ still honours the root .gitignore
    found = discover([str(tmp_path / "src")])
    assert names(found, tmp_path) == ["src/app.py", "src/local_keep.py"]
    assert names(discover([str(tmp_path / "src")], respect_gitignore=False), tmp_path) == [
        "src/api_pb2.py", "src/app.py", "src/generated/g.py", "src/local_debug.py", "src/local_keep.py",
    ]


def test_exclude_globs(tmp_path):
    touch(tmp_path / "keep.py")
    touch(tmp_path / "legacy" / "old.py")
    touch(tmp_path / "pkg" / "thing_test.py")
    found = discover([str(tmp_path)], exclude=("legacy/", "*_test.py"))
    assert names(found, tmp_path) == ["keep.py"]


def test_explicit_file_is_always_processed(tmp_path):
    ignored = touch(tmp_path / "build" / "script.py")
    touch(tmp_path / ".gitignore", "build/\n")
    found = discover([str(ignored)], exclude=("script.py",))
    assert names(found, tmp_path) == ["build/script.py"]


def test_missing_path_is_an_error(tmp_path):
    found = discover([str(tmp_path / "missing")])
    assert found.files == [] and found.errors == [(str(tmp_path / "missing"), "no such file or folder")]


def test_file_link_inside_tree_is_processed_once_at_its_target(tmp_path):
    target = touch(tmp_path / "real.py")
    (tmp_path / "alias.py").symlink_to(target)
    found = discover([str(tmp_path)])
    assert names(found, tmp_path) == ["real.py"]


def test_links_out_of_the_tree_and_folder_loops_are_not_followed(tmp_path):
    outside = touch(tmp_path / "outside" / "secret.py")
    tree = tmp_path / "tree"
    touch(tree / "a.py")
    (tree / "out.py").symlink_to(outside)
    (tree / "loop").symlink_to(tree, target_is_directory=True)
    found = discover([str(tree)])
    assert names(found, tree) == ["a.py"]
    reasons = dict((os.path.basename(p), why) for p, why in found.skipped)
    assert reasons["out.py"] == "symbolic link leads out of the tree"
    assert reasons["loop"] == "folder link not followed"


def test_results_are_sorted_and_unique(tmp_path):
    for name in ("b.py", "a.py", "c/d.py"):
        touch(tmp_path / name)
    found = discover([str(tmp_path), str(tmp_path / "a.py")])
    assert names(found, tmp_path) == ["a.py", "b.py", "c/d.py"]
