"""Discovery: turn the paths a user names into the sorted list of files to migrate.

Walks folders honouring `.gitignore` files (from the repository root down), skips version
control, virtual environments, build output, caches and `--exclude` globs, and keeps the
file kinds in `KINDS` (Python, `.ipynb` notebooks) and env files (`.env`, `.env.example`,
`.env.sample`, any `.env.*`). A file named on the command line is always taken. A `.env`
that `.gitignore` lists (the usual case: it holds someone's real keys) is therefore left
alone by a walk; a committed `.env.example` is migrated.

Symbolic links: directory links are never followed (a target inside the tree is walked
anyway, one outside is not ours, and loops cannot happen); a file link is processed once,
at its target, when the target lies inside one of the given roots.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

KINDS = {".py": "python", ".pyi": "python", ".ipynb": "notebook"}

SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".bzr", ".venv", "venv", ".tox", ".nox", "__pycache__",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints", "node_modules",
        "build", "dist", "site-packages", ".eggs", ".fw-migrate-cache",
    }
)


def kind_of(path: str) -> str | None:
    """"python", "notebook", "env" (`.env`, `.env.example`, `.env.*`) or None: not ours."""
    name = os.path.basename(path)
    kind = KINDS.get(os.path.splitext(name)[1])
    if kind is None and (name == ".env" or name.startswith(".env.")):
        return "env"
    return kind


@dataclass
class Discovery:
    files: list[str] = field(default_factory=list)  # display paths, sorted, unique
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why), for --verbose
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, why): exit 2


def _is_virtualenv(path: str) -> bool:
    return os.path.exists(os.path.join(path, "pyvenv.cfg"))


def _display(path: str, cwd: str) -> str:
    rel = os.path.relpath(path, cwd)
    return path if rel.startswith("..") else rel


def _git_root(directory: str) -> str | None:
    for folder in (directory, *map(str, Path(directory).parents)):
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
    return None


class _Ignores:
    """The .gitignore specs in force for one folder: a chain from the repository root."""

    def __init__(self, chain: tuple[tuple[str, pathspec.PathSpec], ...] = ()):
        self.chain = chain

    def enter(self, directory: str) -> _Ignores:
        gitignore = os.path.join(directory, ".gitignore")
        try:
            with open(gitignore, encoding="utf-8", errors="replace") as handle:
                spec = pathspec.GitIgnoreSpec.from_lines(handle)
        except OSError:
            return self
        return _Ignores((*self.chain, (directory, spec)))

    def ignored(self, path: str, is_dir: bool) -> bool:
        verdict = False
        for base, spec in self.chain:
            rel = os.path.relpath(path, base).replace(os.sep, "/")
            if is_dir:
                rel += "/"
            result = spec.check_file(rel).include
            if result is not None:  # a deeper .gitignore overrides a shallower one
                verdict = result
        return verdict


def discover(paths: list[str], exclude: tuple[str, ...] = (), respect_gitignore: bool = True,
             env_files: bool = True) -> Discovery:
    """`env_files=False` (setting `env-files = false`): walks leave env files out."""
    cwd = os.getcwd()
    found = Discovery()
    roots = [os.path.realpath(p) for p in paths if os.path.isdir(p)]
    excludes = pathspec.GitIgnoreSpec.from_lines(exclude) if exclude else None
    seen: set[str] = set()

    def inside_roots(real: str) -> bool:
        return any(real == root or real.startswith(root + os.sep) for root in roots)

    def wanted(name: str) -> bool:
        kind = kind_of(name)
        return kind is not None and (env_files or kind != "env")

    def take(real: str) -> None:
        if real not in seen:
            seen.add(real)
            found.files.append(_display(real, cwd))

    def excluded(path: str, root: str, is_dir: bool) -> bool:
        if excludes is None:
            return False
        rel = os.path.relpath(path, root).replace(os.sep, "/") + ("/" if is_dir else "")
        return excludes.match_file(rel) or excludes.match_file(os.path.basename(path))

    def walk(directory: str, root: str, ignores: _Ignores) -> None:
        if respect_gitignore:
            ignores = ignores.enter(directory)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            found.errors.append((_display(directory, cwd), f"cannot list folder: {exc.strerror}"))
            return
        for entry in entries:
            path = entry.path
            if entry.is_symlink():
                try:
                    points_to_folder = entry.is_dir()
                except OSError:  # a link to itself, or a loop of links: nothing to follow
                    found.skipped.append((_display(path, cwd), "symbolic link loop"))
                    continue
                if points_to_folder:
                    found.skipped.append((_display(path, cwd), "folder link not followed"))
                    continue
                if not wanted(entry.name) or excluded(path, root, False):
                    continue
                real = os.path.realpath(path)
                if not os.path.isfile(real):
                    found.skipped.append((_display(path, cwd), "broken symbolic link"))
                elif inside_roots(real):
                    take(real)
                else:
                    found.skipped.append((_display(path, cwd), "symbolic link leads out of the tree"))
                continue
            if entry.is_dir(follow_symlinks=False):
                name = entry.name
                if name in SKIP_DIRS or name.endswith(".egg-info") or _is_virtualenv(path):
                    continue
                if excluded(path, root, True) or (respect_gitignore and ignores.ignored(path, True)):
                    continue
                walk(path, root, ignores)
            elif entry.is_file(follow_symlinks=False) and wanted(entry.name):
                if excluded(path, root, False) or (respect_gitignore and ignores.ignored(path, False)):
                    continue
                take(path)

    for given in paths:
        if os.path.isdir(given):
            root = os.path.realpath(given)
            ignores = _Ignores()
            if respect_gitignore:
                # .gitignore files above the named folder, up to the repository root, apply too.
                top = _git_root(root)
                if top is not None and top != root:
                    for folder in reversed(Path(root).parents):
                        folder_s = str(folder)
                        if folder_s == top or folder_s.startswith(top + os.sep):
                            ignores = ignores.enter(folder_s)
            walk(root, root, ignores)
        elif os.path.isfile(given):
            take(os.path.realpath(given))  # named explicitly: always processed
        elif os.path.lexists(given):
            found.errors.append((given, "not a regular file or folder"))
        else:
            found.errors.append((given, "no such file or folder"))
    found.files.sort()
    return found
