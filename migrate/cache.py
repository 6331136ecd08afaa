"""A cache of results keyed by file content, settings and tool version (like ruff's).

A second `--check` on an unchanged tree then reads each candidate file, hashes it and
answers from the cache instead of parsing it. One JSON file per (version, settings,
cross-file links) combination under `.fw-migrate-cache/`, which holds its own `.gitignore`,
is safe to delete, and is bypassed with `--no-cache`. Only what a result needs is stored:
status, changes and notes (whose messages are already masked), never source code or keys.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict

from migrate import __version__
from migrate.results import Change, FileResult, Note

CACHE_DIR = ".fw-migrate-cache"


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def code_fingerprint() -> str:
    """The tool's own files (size and mtime): an edited rule in a checkout empties the cache."""
    package = os.path.dirname(os.path.abspath(__file__))
    parts = []
    for folder, _, names in os.walk(package):
        for name in sorted(names):
            if name.endswith((".py", ".toml")):
                stat = os.stat(os.path.join(folder, name))
                parts.append(f"{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return digest("|".join(sorted(parts)).encode())


class Cache:
    def __init__(self, folder: str):
        self.folder = folder
        self.file = ""
        self.entries: dict[str, dict] = {}
        self.digests: dict[str, str] = {}
        self.dirty = False

    def attach(self, job) -> None:
        """Load the entries made with these settings and these cross-file links."""
        key = repr((code_fingerprint(), job.settings.fingerprint(), sorted(job.links.feeds), sorted(job.links.env_names)))
        self.file = os.path.join(self.folder, __version__, f"{digest(key.encode())}.json")
        try:
            with open(self.file, encoding="utf-8") as handle:
                loaded = json.load(handle)
            self.entries = loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError):
            self.entries = {}  # no cache yet, or a damaged one: start afresh

    def lookup(self, path: str, data: bytes, mode: str) -> FileResult | None:
        content_digest = self.digests[path] = digest(data)
        entry = self.entries.get(path)
        if not entry or entry.get("digest") != content_digest:
            return None
        # A pending change needs the new code to show a diff or to write it: only --check
        # can answer it from the cache.
        if entry["status"] == "changed" and mode != "check":
            return None
        return FileResult(
            path,
            entry["status"],
            [Change(**c) for c in entry["changes"]],
            [Note(**n) for n in entry["notes"]],
        )

    def store(self, result: FileResult) -> None:
        content_digest = self.digests.get(result.path)
        if content_digest is None or result.status not in ("unchanged", "changed") or result.written:
            return  # errors are retried; a written file has new content anyway
        self.entries[result.path] = {
            "digest": content_digest,
            "status": result.status,
            "changes": [asdict(c) for c in result.changes],
            "notes": [asdict(n) for n in result.notes],
        }
        self.dirty = True

    def save(self) -> None:
        if not self.dirty or not self.file:
            return
        try:
            os.makedirs(os.path.dirname(self.file), exist_ok=True)
            ignore = os.path.join(self.folder, ".gitignore")
            if not os.path.exists(ignore):
                with open(ignore, "w", encoding="utf-8") as handle:
                    handle.write("# Created by fw-migrate; safe to delete.\n*\n")
            handle, temp = tempfile.mkstemp(dir=os.path.dirname(self.file), suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(self.entries, out)
            os.replace(temp, self.file)
        except OSError:
            pass  # a read-only tree still gets its report; the cache is only a speed-up
