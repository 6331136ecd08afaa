"""Properties over generated programs (hypothesis; hypothesmith for arbitrary Python).

1. A program with no OpenAI use comes out unchanged, even when it holds look-alikes that
   trip the rules' text triggers (a local `OpenAI` class, a variable named `openai`, another
   library's `OpenAI`, `OPENAI_API_KEY` in a string), so the `ast` triage and the rules run.
2. Generated OpenAI client code (every import form, keyword arguments in any order and
   layout, constructions nested in assignments, returns, calls, dicts, defaults, `with`,
   lambdas and comprehensions, comments between arguments, streaming requests) comes out
   parsing with LibCST and `ast`, and a second run changes nothing.
3. The same client code framed by arbitrary generated Python (hypothesmith) keeps both.

Example counts are kept small so the file runs in well under half a minute, and the examples
are the same on every run; `FW_MIGRATE_EXAMPLES_SCALE=50` multiplies the counts and draws new
examples each time, for a bug hunt.
"""

from __future__ import annotations

import ast
import os

import libcst
import pytest

pytest.importorskip("hypothesis")
hypothesmith = pytest.importorskip("hypothesmith")

from hypothesis import HealthCheck, assume, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from helpers import migrate  # noqa: E402

# Generated programs are odd on purpose (`1()`, `"a"[0]()`): Python warns, the engine must not care.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

# No example database (hypothesis keeps only a self-ignored cache in .hypothesis/). The same
# examples on every run, so CI is never flaky; FW_MIGRATE_EXAMPLES_SCALE=50 multiplies the
# counts and draws fresh examples each time, for a bug hunt.
SCALE = max(1, int(os.environ.get("FW_MIGRATE_EXAMPLES_SCALE", "1")))
FAST = settings(max_examples=120 * SCALE, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                derandomize="FW_MIGRATE_EXAMPLES_SCALE" not in os.environ)
SMALL = settings(FAST, max_examples=50 * SCALE)


def parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def assert_parses_and_is_stable(code: str) -> str:
    outcome = migrate(code, "generated.py")
    libcst.parse_module(outcome.code)
    ast.parse(outcome.code)
    again = migrate(outcome.code, "generated.py")
    assert again.code == outcome.code, "a second run changed the code again"
    assert again.changes == []
    return outcome.code


# --- 1. no OpenAI use: nothing changes ---------------------------------------------------------

LOOK_ALIKES = [
    "class OpenAI:\n    def __init__(self, **kwargs):\n        self.kwargs = kwargs\n\n\nclient = OpenAI(api_key='k')\n",
    "from mylib.llm import OpenAI, AsyncOpenAI\n\nclient = OpenAI(api_key='k', base_url='https://example.com')\n",
    "from mylib import Client\n\nclient = Client(timeout=3)\n",
    "openai = object()\nsetattr(openai, 'api_key', 'k')\n",
    "import os\n\nnote = 'set OPENAI_API_KEY before running'\nhome = os.getenv('HOME')\n",
    "def describe():\n    \"\"\"Not the openai package: just a word in a docstring.\"\"\"\n    return 'openai'\n",
    "# from openai import OpenAI  (commented out)\nvalue = 1\n",
    "import mylib as openai\n\nopenai.configure(verbose=True)\n",
]


@FAST
@given(st.lists(st.sampled_from(LOOK_ALIKES), min_size=1, max_size=4), hypothesmith.from_grammar())
@example(["class OpenAI:\n    pass\n\n\nx = OpenAI()\n"], "")
def test_program_without_openai_use_is_unchanged(look_alikes, generated):
    code = "\n".join(look_alikes) + "\n" + generated
    assume(parses(code))
    outcome = migrate(code, "plain.py")
    assert outcome.code == code
    assert outcome.changes == []


@SMALL
@given(hypothesmith.from_grammar())
def test_arbitrary_program_is_unchanged(generated):
    assume(parses(generated))
    outcome = migrate(generated, "plain.py")
    assert outcome.code == generated and outcome.changes == []


# --- 2. generated OpenAI client code ------------------------------------------------------------

# (import lines, the expression that names the client class)
IMPORT_FORMS = [
    (["import openai"], "openai.OpenAI"),
    (["import openai"], "openai.AsyncOpenAI"),
    (["import openai"], "openai.Client"),
    (["import openai as oa"], "oa.OpenAI"),
    (["from openai import OpenAI"], "OpenAI"),
    (["from openai import AsyncOpenAI"], "AsyncOpenAI"),
    (["from openai import OpenAI as Fast"], "Fast"),
    (["from openai import *"], "OpenAI"),
    (["import os", "from openai import OpenAI"], "OpenAI"),
]

API_KEYS = [
    None,
    'os.getenv("OPENAI_API_KEY")',
    'os.environ["OPENAI_API_KEY"]',
    'os.environ.get("OPENAI_API_KEY", "")',
    '"sk-proj-' + "Zq3" * 16 + '"',
    "KEY",
    "settings.OPENAI_API_KEY",
    'os.environ["FIREWORKS_API_KEY"]',
]
BASE_URLS = [
    None,
    '"https://api.openai.com/v1"',
    "'https://api.openai.com/v1/'",
    'os.getenv("OPENAI_BASE_URL")',
    '"https://api.fireworks.ai/inference"',
    '"https://api.fireworks.ai/inference/v1"',
    '"http://localhost:8000/v1"',
    "URL",
]
OTHER_KWARGS = ['organization="org-123"', 'project="proj_1"', "timeout=30", "max_retries=2", "**options",
                'default_headers={"X-Team": "ml"}']
COMMENTS = ["", "  # the key", "  # noqa", "  # fw-migrate: ignore"]


@st.composite
def construction(draw, cls: str) -> str:
    """`cls(...)` with a drawn set of keyword arguments, on one line or one per line."""
    args = []
    key = draw(st.sampled_from(API_KEYS))
    url = draw(st.sampled_from(BASE_URLS))
    if key:
        args.append(f"api_key={key}")
    if url:
        args.append(f"base_url={url}")
    args += draw(st.lists(st.sampled_from(OTHER_KWARGS), unique=True, max_size=3))
    args = draw(st.permutations(args))
    if len(args) > 1 and "**options" in args:  # ** must come last
        args = [a for a in args if a != "**options"] + ["**options"]
    if not args or draw(st.booleans()):
        return f"{cls}({', '.join(args)})"
    trailing = draw(st.booleans())
    lines = []
    for i, arg in enumerate(args):
        comma = "," if i < len(args) - 1 or trailing else ""
        comment = draw(st.sampled_from(COMMENTS[:3]))  # a suppression mid-call is for the fixtures
        lines.append(f"    {arg}{comma}{comment}")
    return f"{cls}(\n" + "\n".join(lines) + "\n)"


def indent(text: str, by: str = "    ") -> str:
    return "\n".join(by + line if line.strip() else line for line in text.splitlines())


NESTINGS = [
    "client = {c}",
    "def make_client():\n    return {c}",
    "async def make_client():\n    client = {c}\n    return client",
    "clients = {{'main': {c}}}",
    "register({c})",
    "class Service:\n    client = {c}",
    "def handler(client={c}):\n    return client",
    "with {c} as client:\n    pass",
    "factory = lambda: {c}",
    "pool = [{c} for _ in range(2)]",
    "client = {c} if ready else None",
]

REQUESTS = [
    "",
    'reply = client.chat.completions.create(model="gpt-4o", messages=[{{"role": "user", "content": "hi"}}])',
    (
        'stream = client.chat.completions.create(model="gpt-4o-mini", messages=[], stream=True)\n'
        "for chunk in stream:\n    print(chunk.choices[0].delta.content or '', end='')"
    ),
    'reply = client.chat.completions.create(\n    model=MODEL,  # from settings\n    messages=[],\n    max_tokens=64,\n)',
    'text = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="x", stream=True)',
    'vectors = client.embeddings.create(model="text-embedding-3-small", input=["a"])',
]


@st.composite
def client_program(draw) -> str:
    imports, cls = draw(st.sampled_from(IMPORT_FORMS))
    pieces = []
    if draw(st.booleans()):
        pieces.append('"""A module that talks to a model."""')
    if draw(st.booleans()):
        pieces.append("from __future__ import annotations")
    pieces += imports
    pieces.append("")
    count = draw(st.integers(min_value=1, max_value=3))
    for _ in range(count):
        nesting = draw(st.sampled_from(NESTINGS))
        code = nesting.replace("{c}", "\x00").replace("{{", "{").replace("}}", "}")
        made = draw(construction(cls))
        # a multi-line construction keeps the indentation of the line it sits on
        line_start = code.rfind("\n", 0, code.index("\x00")) + 1
        pad = " " * (len(code[line_start:]) - len(code[line_start:].lstrip()))
        code = code.replace("\x00", made.replace("\n", "\n" + pad))
        if draw(st.booleans()):
            pieces.append("# a comment before the statement")
        pieces.append(code)
        request = draw(st.sampled_from(REQUESTS)).replace("{{", "{").replace("}}", "}")
        if request and nesting.startswith("client = "):
            pieces.append(request)
        pieces.append("")
    program = "\n".join(pieces) + "\n"
    if "os." in program and "import os" not in imports:  # valid programs import what they use
        program = program.replace(imports[0], "import os\n" + imports[0], 1)
    return program


@FAST
@given(client_program())
@example('from openai import OpenAI\n\nclient = OpenAI()\n')
@example('import openai as oa\n\ndef f(client=oa.OpenAI(\n    timeout=30,  # slow\n)):\n    return client\n')
def test_client_code_parses_and_is_stable(code):
    assume(parses(code))
    migrated = assert_parses_and_is_stable(code)
    if "OpenAI()" in code.replace(" ", ""):  # a bare construction is always pointed at Fireworks
        assert "api.fireworks.ai" in migrated


# --- 3. client code framed by arbitrary Python ----------------------------------------------------

@SMALL
@given(client_program(), hypothesmith.from_grammar(), st.booleans())
def test_client_code_inside_arbitrary_python_is_stable(client, generated, generated_first):
    code = (generated + "\n" + client) if generated_first else (client + "\n" + generated)
    assume(parses(code))
    assert_parses_and_is_stable(code)


def test_env_read_without_import_os_is_stable():
    code = 'import openai\n\nclient = openai.OpenAI()\n\nother = openai.OpenAI(base_url=os.getenv("OPENAI_BASE_URL"))\n'
    assert_parses_and_is_stable(code)


@pytest.mark.parametrize("separator", ["\x85", "\u2028", "\x1e\x85"], ids=["NEL", "LS", "RS+NEL"])
def test_line_separators_inside_comments_do_not_hide_code(separator):
    code = (f"import openai\n# menu{separator} of the day\nclient = openai.OpenAI()\n"
            'reply = client.chat.completions.create(model="gpt-4o", messages=[])\n')
    migrated = assert_parses_and_is_stable(code)
    assert "api.fireworks.ai" in migrated and '"gpt-4o"' not in migrated
