"""The model_names rule beyond its snapshot fixtures: map overrides, links across files, the
prefilter, and running after the rules that edit the same lines."""

from __future__ import annotations

import dataclasses

from helpers import migrate

from migrate.engine import migrate_text
from migrate.facts import Links
from migrate.runner import PREFILTER
from migrate.settings import Settings

FW = "accounts/fireworks/models/"
ONLY = Settings(select=("model_names",))
REQUESTS = """\
from openai import OpenAI

client = OpenAI()
client.chat.completions.create(model="gpt-4o", messages=[])
client.chat.completions.create(model="gpt-4o-mini", messages=[])
client.chat.completions.create(model="gpt-4.1", messages=[])
"""


def run(text: str, settings: Settings = ONLY, links: Links | None = None):
    return migrate_text(text, "app.py", settings, links or Links())


def test_pyproject_entries_and_flags_override_the_default_map():
    settings = dataclasses.replace(
        ONLY, models=(("gpt-4o", FW + "x"),), model_flags=("gpt-4o-mini=accounts/fireworks/models/y",)
    )
    code = run(REQUESTS, settings).code
    assert f'model="{FW}x"' in code
    assert f'model="{FW}y"' in code
    assert f'model="{FW}deepseek-v3p2"' in code  # untouched entries keep the default


def test_a_flag_beats_a_pyproject_entry_and_tables_are_accepted():
    settings = dataclasses.replace(
        ONLY,
        models=(("gpt-4o", {"target": "kimi-k2p5", "note": "ours"}),),
        model_flags=("gpt-4o=accounts/fireworks/models/z",),
    )
    assert f'model="{FW}z"' in run(REQUESTS, settings).code


def test_a_bad_map_falls_back_to_the_default_instead_of_crashing():
    settings = dataclasses.replace(ONLY, models=(("gpt-4o", "gpt-4o-mini"),), model_flags=("no-equals-sign",))
    assert f'model="{FW}kimi-k2p5"' in run(REQUESTS, settings).code


def test_pyproject_table_entry_is_used_for_dated_snapshots():
    settings = dataclasses.replace(ONLY, models=(("gpt-4o", "fireworks/my-model"),))
    code = run('client.chat.completions.create(model="gpt-4o-2024-08-06")\n', settings).code
    assert f'"{FW}my-model"' in code


SETTINGS_MODULE = b'CHAT_MODEL = "gpt-4o"\nOTHER = "gpt-4o"\nclass Config:\n    summary_model = "gpt-4o-mini"\n'
USER = b"""\
from app import settings
from app.settings import CHAT_MODEL

client.chat.completions.create(model=CHAT_MODEL, messages=[])
client.chat.completions.create(
    messages=[{"role": "user", "content": summarize(text)}],
    model=settings.Config.summary_model,
)
llm = ChatOpenAI(model=settings.OTHER)
"""


def test_links_find_names_handed_to_model_in_requests_only():
    links = Links.scan([SETTINGS_MODULE, USER])
    assert links.model_feeds == {"CHAT_MODEL", "summary_model"}
    assert not Links.scan([b"client.chat.completions.create(model=model)\nx.create(model=self.model)\n"]).model_feeds


def test_a_settings_module_is_rewritten_when_another_file_hands_its_constant_to_model():
    links = Links.scan([SETTINGS_MODULE, USER])
    outcome = run(SETTINGS_MODULE.decode(), links=links)
    assert outcome.code.splitlines()[:4] == [
        f'CHAT_MODEL = "{FW}kimi-k2p5"',
        'OTHER = "gpt-4o"',  # only ChatOpenAI reads it: not a request
        "class Config:",
        f'    summary_model = "{FW}gpt-oss-120b"',
    ]
    assert run(SETTINGS_MODULE.decode()).code == SETTINGS_MODULE.decode()  # no links: nothing to go on


def test_a_local_of_a_function_is_never_linked_across_files():
    text = 'def f():\n    CHAT_MODEL = "gpt-4o"\n    return CHAT_MODEL\n'
    assert run(text, links=Links(model_feeds=frozenset({"CHAT_MODEL"}))).code == text


def test_the_prefilter_lets_through_files_that_only_name_models_or_make_requests():
    assert PREFILTER(b'CHAT_MODEL = "gpt-4o"\n')
    assert PREFILTER(b"EMBED = 'text-embedding-3-small'\n")
    assert PREFILTER(b"self.client.chat.completions.create(model=self.model)\n")
    assert PREFILTER(b'MODEL = "accounts/fireworks/models/deepseek-v4-pro"\n')
    assert not PREFILTER(b'"""The gpt-4o docs."""\nx = 1\n')


def test_rewrites_survive_the_client_rule_editing_the_same_lines():
    text = (
        "from openai import OpenAI\n"
        "\n"
        "client = OpenAI(\n"
        "    timeout=3,\n"
        ")\n"
        'MODEL = "gpt-4o"\n'
        'answer = OpenAI().chat.completions.create(model="gpt-4o-mini", messages=[]); again = "gpt-4o-mini"\n'
        "client.chat.completions.create(model=MODEL, messages=[])\n"
    )
    outcome = migrate(text, select=["client", "model_names"])
    assert f'MODEL = "{FW}kimi-k2p5"' in outcome.code
    assert 'base_url="https://api.fireworks.ai/inference/v1"' in outcome.code
    line = next(line for line in outcome.code.splitlines() if line.startswith("answer"))
    assert f'create(model="{FW}gpt-oss-120b"' in line and line.endswith('again = "gpt-4o-mini"')
    notes = {(n.code, n.line) for n in outcome.notes if n.rule == "model_names"}
    assert ("FW307", 7) in notes  # the second literal on the line is a mention, not a request


def test_every_note_code_is_documented_in_the_docstring():
    import inspect
    import re

    from migrate import rules

    doc = rules.docstring("model_names")
    source = inspect.getsource(inspect.getmodule(rules.load("model_names")))
    for code in set(re.findall(r'"(FW3\d\d)"', source)):
        assert code in doc, code


def test_a_run_links_a_settings_module_that_never_mentions_openai(tmp_path):
    from migrate.runner import Job
    from migrate.runner import run as run_files

    (tmp_path / "settings.py").write_text('CHAT_MODEL = "gpt-4o-mini"\nTITLE = "gpt-4o"\n')
    (tmp_path / "app.py").write_text(
        "from settings import CHAT_MODEL\n\n\ndef ask(client, messages):\n"
        "    return client.chat.completions.create(model=CHAT_MODEL, messages=messages)\n"
    )
    paths = [str(tmp_path / "app.py"), str(tmp_path / "settings.py")]
    results = {r.path: r for r in run_files(paths, Job(ONLY, "write"))}
    assert results[paths[1]].status == "changed"
    assert (tmp_path / "settings.py").read_text() == f'CHAT_MODEL = "{FW}gpt-oss-120b"\nTITLE = "gpt-4o"\n'
    assert results[paths[0]].status == "unchanged"


def test_a_key_of_your_own_map_that_does_not_look_like_an_openai_id():
    text = (
        "from openai import OpenAI\n\nDEPLOYMENT = 'prod-chat'\n\n\ndef ask(client):\n"
        "    return client.chat.completions.create(model=DEPLOYMENT, messages=[])\n"
    )
    settings = dataclasses.replace(ONLY, model_flags=("prod-chat=kimi-k2p5",))
    assert f"DEPLOYMENT = '{FW}kimi-k2p5'" in migrate(text, model_flags=["prod-chat=kimi-k2p5"]).code
    assert f"DEPLOYMENT = '{FW}kimi-k2p5'" in run(text, settings).code
    assert run(text).code == text
