"""Generate a dense tree: every file mentions OpenAI, about a third need a change.

    python benchmarks/gen_dense.py OUT_DIR [--files 3000] [--seed 7]

The files are built from varied templates (clients in every import form, module-level
configuration, settings modules, services that receive a client, tests that mock it,
already-migrated code) padded with ordinary functions and classes, so that parse cost and
the share of files needing work look like a real application repository.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

NEEDS_CHANGE = [
    'from openai import OpenAI\n\nclient = OpenAI(timeout={n})\n',
    'import openai\n\nclient = openai.OpenAI(\n    api_key=os.environ.get("OPENAI_API_KEY"),\n    max_retries={n},\n)\n',
    'from openai import AsyncOpenAI as Async\n\naclient = Async(organization="org-{n}")\n',
    'import openai\n\nopenai.api_key = os.getenv("OPENAI_API_KEY")\n',
    'from openai import OpenAI\n\n\ndef make_client():\n    return OpenAI(base_url="https://api.openai.com/v1")\n',
]
NOTHING_TO_DO = [
    'from openai import OpenAI\n\nclient = OpenAI(base_url="https://api.fireworks.ai/inference/v1", api_key=os.environ["FIREWORKS_API_KEY"])\n',
    'from openai.types.chat import ChatCompletion\n\n\ndef first_text(response: ChatCompletion) -> str:\n    return response.choices[0].message.content or ""\n',
    '"""Helpers around an OpenAI-compatible client passed in by the caller."""\n\n\ndef ask(client, prompt):\n    return client.chat.completions.create(model="accounts/fireworks/models/kimi-k2p5", messages=[{{"role": "user", "content": prompt}}])\n',
    'from unittest import mock\n\n# The OpenAI client is mocked in these tests.\nPATCH_TARGET = "app.llm.client"\n',
    'import openai\n\n\ndef is_rate_limit(error: Exception) -> bool:\n    return isinstance(error, openai.RateLimitError)\n',
    'import openai\n\nLOG_PREFIX = "openai"\n\n\ndef version() -> str:\n    return openai.__version__\n',
]

FILLER_FUNCTION = '''

def {name}(items, factor={n}):
    """Scale and filter {name} records."""
    result = []
    for index, item in enumerate(items):
        if item is None or index % {m} == 0:
            continue
        value = item.get("value", 0) * factor
        if value > {n}:
            result.append({{"id": item["id"], "value": value, "tags": sorted(item.get("tags", []))}})
    return result
'''

FILLER_CLASS = '''

class {name}:
    """A small repository of {name} objects."""

    def __init__(self, store=None):
        self.store = store or {{}}
        self.hits = 0

    def get(self, key, default=None):
        self.hits += 1
        return self.store.get(key, default)

    def put(self, key, value):
        if not isinstance(key, str):
            raise TypeError(f"key must be str, not {{type(key).__name__}}")
        self.store[key] = value
        return value
'''


def make_file(rng: random.Random, index: int) -> str:
    template = rng.choice(NEEDS_CHANGE) if rng.random() < 0.34 else rng.choice(NOTHING_TO_DO)
    parts = ["import os\n", template.format(n=index % 97 + 3)]
    for block in range(rng.randint(4, 14)):
        filler = FILLER_FUNCTION if rng.random() < 0.6 else FILLER_CLASS
        parts.append(filler.format(name=f"item{index}_{block}", n=rng.randint(5, 500), m=rng.randint(2, 9)))
    return "".join(parts)


def generate(out: Path, files: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    for index in range(files):
        folder = out / f"pkg{index // 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"module_{index:05d}.py").write_text(make_file(rng, index), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    generate(args.out, args.files, args.seed)
    print(f"{args.files} files in {args.out}")


if __name__ == "__main__":
    main()
