"""The framework rules' shared pieces: the Claude map, the framework-native setting, the prefilter,
and the engine-level behaviour the snapshot fixtures cannot show (rules run together)."""

from __future__ import annotations

import sys
from importlib.resources import files

import pytest
from helpers import migrate

from migrate.model_map import FIREWORKS_MODELS, ModelMap, claude_lookup
from migrate.runner import PREFILTER
from migrate.settings import SettingsError, from_mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KIMI = FIREWORKS_MODELS + "kimi-k2p5"
GPT_OSS_120B = FIREWORKS_MODELS + "gpt-oss-120b"


@pytest.mark.parametrize(
    ("claude_id", "target"),
    [
        ("claude-sonnet-4-5-20250929", KIMI),
        ("claude-opus-4-1", KIMI),
        ("claude-3-5-sonnet-20241022", KIMI),
        ("claude-3-7-sonnet-latest", KIMI),
        ("claude-3-5-haiku-latest", GPT_OSS_120B),
        ("claude-haiku-4-5", GPT_OSS_120B),
        ("claude-3-sonnet-20240229", FIREWORKS_MODELS + "deepseek-v3p2"),
    ],
)
def test_claude_ids_resolve_by_family(claude_id, target):
    assert claude_lookup(claude_id).target == target


def test_claude_lookup_does_not_guess():
    assert claude_lookup("claude-next-9") is None
    assert claude_lookup("gpt-4o") is None  # OpenAI ids belong to the main map
    assert claude_lookup("anthropic/claude-3-opus") is None  # routed ids are never mapped
    assert ModelMap.load().lookup("claude-sonnet-4") is None  # and Claude ids are not in the main map


def test_user_entry_for_a_claude_id_wins():
    models = ModelMap.load(flags=["claude-sonnet-4=kimi-k2-thinking"])
    assert claude_lookup("claude-sonnet-4-5", models).target == FIREWORKS_MODELS + "kimi-k2-thinking"
    assert claude_lookup("claude-opus-4", models).target == KIMI  # other families keep the default


def test_claude_map_data_is_well_formed():
    data = tomllib.loads((files("migrate") / "data" / "claude_models.toml").read_text("utf-8"))
    assert set(data) == {"meta", "models"}
    for key, entry in data["models"].items():
        assert key.startswith("claude-"), key
        assert entry["target"].startswith(FIREWORKS_MODELS), key
        assert entry["kind"] == "chat" and entry["note"].startswith("Judgment call"), key


@pytest.mark.parametrize(("given", "expected"), [(True, True), (False, False), ("true", True), ("False", False)])
def test_framework_native_setting(given, expected):
    assert from_mapping({"framework-native": given}, "test").framework_native is expected


def test_framework_native_rejects_other_values():
    with pytest.raises(SettingsError, match="framework-native"):
        from_mapping({"framework-native": "yes"}, "test")


@pytest.mark.parametrize(
    "source",
    [
        b"import anthropic\nanthropic.Anthropic()\n",
        b"from litellm import completion\n",
        b"from langchain.chat_models import ChatOpenAI\n",
        b"from llama_index.llms.openai import OpenAI\n",
        b"import instructor\n",
        b"from agents import Agent, Runner\n",
    ],
)
def test_prefilter_lets_framework_files_through(source):
    assert PREFILTER(source)


def test_prefilter_still_drops_unrelated_files():
    assert not PREFILTER(b"import requests\n\nagents = []  # travel agents\nprint(agents)\n")


def test_framework_rules_keep_positions_for_later_rules():
    """A rule that only notes must hand the next rules a tree whose statements they can place:
    LiteLLM notes the model variable on line 7 without changing anything, and model_names'
    change in the same statement must still be on the user's line 8."""
    text = (
        "import litellm\n"
        "from openai import OpenAI\n"
        "\n"
        "client = OpenAI()\n"
        "\n"
        "def ask(name):\n"
        "    return [litellm.completion(model=name, messages=[]),\n"
        "            client.chat.completions.create(model='gpt-4o', messages=[])]\n"
    )
    outcome = migrate(text, select=["litellm", "model_names"])
    assert [n.code for n in outcome.notes if n.rule == "litellm"] == ["FW753"]
    assert [c.line for c in outcome.changes if c.rule == "model_names"] == [8]


def test_azure_then_model_map_agree():
    """Azure reports the deployment; model_names, which runs later, may map the same literal:
    the note must not contradict the rewritten code."""
    text = (
        "import os\n"
        "from openai import AzureOpenAI\n"
        "client = AzureOpenAI(api_version='2024-02-01', azure_endpoint=os.environ['AZURE_OPENAI_ENDPOINT'])\n"
        "client.chat.completions.create(model='gpt-4o', messages=[])\n"
    )
    outcome = migrate(text)
    assert "AzureOpenAI" not in outcome.code and "api_version" not in outcome.code
    assert "from openai import OpenAI" in outcome.code
    deployment = [n for n in outcome.notes if n.code == "FW702"]
    assert deployment and "if it serves gpt-4o" in deployment[0].message


def test_v0_azure_setup_end_to_end():
    """Every rule together on an openai 0.x Azure setup: a working Fireworks setup for 0.28."""
    text = (
        "import os\n"
        "import openai\n"
        "openai.api_type = 'azure'\n"
        "openai.api_base = os.getenv('AZURE_OPENAI_ENDPOINT')\n"
        "openai.api_version = '2023-05-15'\n"
        "openai.api_key = os.getenv('AZURE_OPENAI_KEY')\n"
        "r = openai.ChatCompletion.create(engine='prod-chat', messages=[])\n"
        "s = openai.ChatCompletion.create(engine='gpt-4', messages=[])\n"
    )
    outcome = migrate(text)
    code = outcome.code
    assert "openai.api_type = 'openai'" in code
    assert "openai.api_base = 'https://api.fireworks.ai/inference/v1'" in code
    assert "openai.api_key = os.environ['FIREWORKS_API_KEY']" in code
    assert "api_version" not in code and "engine=" not in code
    assert "model='prod-chat'" in code  # a deployment name: reported, not mapped
    assert "model='accounts/fireworks/models/deepseek-v3p2'" in code  # named like a model: mapped by that name
    assert [n.line for n in outcome.notes if n.code == "FW711"] == [7, 8]
    assert migrate(code).code == code
