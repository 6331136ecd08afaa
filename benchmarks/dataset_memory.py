"""Show that `fw-migrate dataset check` runs in constant memory.

Generates a small and a large valid chat JSONL file in a temporary folder, checks each in a
fresh subprocess, and prints elapsed time, throughput and the child's peak RSS.  If the
check streams as it should, the peak RSS of the large run is close to the small one.

    python benchmarks/dataset_memory.py               # 2 MB vs ~200 MB
    python benchmarks/dataset_memory.py --size-mb 2000 --keep

Peak RSS comes from the rusage of each child (os.wait4, the per-child form of
resource.getrusage(RUSAGE_CHILDREN); the latter is a high-water mark over all children,
so it could not tell the two runs apart).  POSIX only.  Not run by the test suite.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
CHILD = "import sys; from migrate.dataset import dataset_cli; dataset_cli(sys.argv[1:])"

TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}}]
PIXEL = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(64))).decode()


def templates() -> list[str]:
    """A handful of sample shapes (plain, multi-turn weights, reasoning, tools, vision)."""

    def m(role, content, **extra):
        return {"role": role, "content": content, **extra}

    filler = "The quick brown fox jumps over the lazy dog. " * 12
    shapes = [
        {"messages": [m("system", "You are concise."), m("user", "Question @N@: " + filler), m("assistant", "Answer @N@. " + filler)]},
        {"messages": [m("user", "Hi @N@"), m("assistant", "Draft", weight=0), m("user", "Again"), m("assistant", "Final @N@. " + filler, weight=1)]},
        {"messages": [m("user", "Is @N@ even?"), m("assistant", "Let me see.", reasoning_content="Check the last digit of @N@. " + filler)]},
        {"messages": [m("user", "Look up @N@"),
                      {"role": "assistant", "content": None, "tool_calls": [{"id": "c@N@", "type": "function", "function": {"name": "lookup", "arguments": '{"q": "@N@"}'}}]},
                      m("tool", "result @N@", tool_call_id="c@N@"), m("assistant", "Found @N@. " + filler)], "tools": TOOLS},
        {"messages": [m("user", [{"type": "text", "text": "Describe image @N@"}, {"type": "image_url", "image_url": {"url": PIXEL}}]), m("assistant", "A pixel. " + filler)]},
    ]
    return [json.dumps(s) for s in shapes]  # "@N@" is replaced by each line's number


def generate(path: Path, size_bytes: int) -> int:
    shapes = templates()
    written = lines = 0
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        while written < size_bytes or lines < 3:
            chunk = "".join(shapes[(lines + i) % len(shapes)].replace("@N@", str(lines + i)) + "\n" for i in range(1000))
            f.write(chunk)
            written += len(chunk.encode())
            lines += 1000
    return lines


def measure(path: Path) -> tuple[float, float, int]:
    """Run `dataset check` on path in a child; return (seconds, peak RSS in MB, exit status)."""
    env = dict(os.environ, CI="1", PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, "check", "--quiet", str(path)],
                            env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4; tell Popen
    elapsed = time.perf_counter() - start
    rss_bytes = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    return elapsed, rss_bytes / MB, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=200, help="size of the large file (default 200)")
    parser.add_argument("--small-mb", type=float, default=2, help="size of the small file (default 2)")
    parser.add_argument("--dir", help="where to create the files (default: a new temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()

    folder = Path(args.dir or tempfile.mkdtemp(prefix="fw-dataset-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        for label, size in (("small", args.small_mb), ("large", args.size_mb)):
            path = folder / f"{label}.jsonl"
            t0 = time.perf_counter()
            lines = generate(path, int(size * MB))
            print(f"generated {path} ({path.stat().st_size / MB:,.1f} MB, {lines:,} samples) in {time.perf_counter() - t0:.1f}s")
            elapsed, rss, code = measure(path)
            rows.append((label, path.stat().st_size / MB, lines, elapsed, rss, code))
    finally:
        if not args.keep and not args.dir:
            for p in folder.glob("*.jsonl"):
                p.unlink()
            folder.rmdir()

    print(f"\n{'file':<6} {'size MB':>9} {'samples':>11} {'seconds':>8} {'MB/s':>7} {'peak RSS MB':>12} {'exit':>5}")
    for label, size, lines, elapsed, rss, code in rows:
        print(f"{label:<6} {size:>9,.1f} {lines:>11,} {elapsed:>8.2f} {size / elapsed:>7.1f} {rss:>12.1f} {code:>5}")
    (_, small_size, *_, small_rss, _), (_, large_size, *_, large_rss, _) = rows
    print(f"\n{large_size / small_size:,.0f}x the data, {large_rss / small_rss:.2f}x the peak memory "
          f"({large_rss - small_rss:+.1f} MB).")
    if any(row[-1] != 0 for row in rows):
        print("note: a check did not exit 0; the generated data should be valid", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
