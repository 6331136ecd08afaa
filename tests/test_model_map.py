"""Tests for migrate/model_map.py and migrate/data/models.toml."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import date, datetime
from fnmatch import fnmatchcase
from importlib.resources import files
from pathlib import Path

import pytest

from migrate.model_map import (
    HF_STYLE_EMBEDDING_IDS,
    KINDS,
    ModelMap,
    ModelMapError,
    format_table,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FW = "accounts/fireworks/models/"
KIMI = FW + "kimi-k2p5"
OSS120 = FW + "gpt-oss-120b"
OSS20 = FW + "gpt-oss-20b"
DSV3 = FW + "deepseek-v3p2"


@pytest.fixture(scope="module")
def mm() -> ModelMap:
    return ModelMap.load()


@pytest.fixture(scope="module")
def raw_toml() -> dict:
    text = (files("migrate") / "data" / "models.toml").read_text("utf-8")
    return tomllib.loads(text)


# -- resolution ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("openai_id", "key"),
    [
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),  # not gpt-4o
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o", "gpt-4o"),  # not gpt-4
        ("gpt-4-0613", "gpt-4"),
        ("gpt-4-32k-0613", "gpt-4"),
        ("gpt-4-turbo-2024-04-09", "gpt-4-turbo"),
        ("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini"),
        ("gpt-4.1-2025-04-14", "gpt-4.1"),
        ("o1-mini-2024-09-12", "o1-mini"),  # not o1
        ("o1-2024-12-17", "o1"),
        ("o1-preview", "o1"),
        ("o3-pro-2025-06-10", "o3-pro"),
        ("gpt-3.5-turbo-0125", "gpt-3.5-turbo"),
        ("gpt-3.5-turbo-instruct-0914", "gpt-3.5-turbo-instruct"),  # not gpt-3.5-turbo
        ("gpt-5-mini-2025-08-07", "gpt-5-mini"),
        ("gpt-5-2025-08-07", "gpt-5"),
        ("gpt-5.2", "gpt-5.*"),
        ("gpt-5.2-2025-12-11", "gpt-5.*"),
        ("gpt-5.4-mini", "gpt-5.*-mini"),  # longer wildcard match wins
        ("gpt-5.1-chat-latest", "gpt-5.*-chat-latest"),
        ("text-embedding-3-small", "text-embedding-3-small"),
        ("whisper-1", "whisper-1"),
        ("gpt-4o-mini-transcribe", "gpt-4o-mini-transcribe"),  # audio, not the chat model
    ],
)
def test_lookup_resolves_to_longest_key(mm: ModelMap, openai_id: str, key: str) -> None:
    found = mm.lookup(openai_id)
    assert found is not None
    assert found.openai_id == key


@pytest.mark.parametrize(
    "openai_id",
    [
        "gpt-4ox",  # no "-" boundary after gpt-4o / gpt-4
        "gpt-40",
        "gpt-4.5-preview",  # "." is not a boundary: not gpt-4
        "gpt-50",
        "gpt-5.x",  # "*" is digits only
        "o1x",
        "gpt",
        "",
        "-",
    ],
)
def test_lookup_only_matches_at_dash_boundary(mm: ModelMap, openai_id: str) -> None:
    assert mm.lookup(openai_id) is None


def test_default_targets_of_main_families(mm: ModelMap) -> None:
    assert mm.lookup("gpt-4o-2024-11-20").target == KIMI
    assert mm.lookup("gpt-4o-mini").target == OSS120
    assert mm.lookup("gpt-4-turbo").target == DSV3
    assert mm.lookup("gpt-3.5-turbo").target == OSS20
    assert mm.lookup("o4-mini").target == OSS120
    assert mm.lookup("o3").target == FW + "kimi-k2-thinking"
    assert mm.lookup("text-embedding-3-large").target == FW + "qwen3-embedding-8b"
    assert mm.lookup("text-embedding-ada-002").target == "nomic-ai/nomic-embed-text-v1.5"
    assert mm.lookup("davinci-002").kind == "completion"
    assert mm.lookup("o1-pro").kind == "reasoning"
    assert mm.lookup("gpt-5-chat-latest").kind == "chat"


def test_whisper_maps_to_whisper_v3_on_the_audio_host(mm: ModelMap) -> None:
    whisper = mm.lookup("whisper-1")
    assert whisper.target == FW + "whisper-v3"
    assert whisper.kind == "audio"
    assert whisper.base_url == "https://audio-prod.api.fireworks.ai/v1"
    assert "https://audio-prod.api.fireworks.ai/v1" in whisper.note


def test_literal_key_beats_wildcard_of_same_length() -> None:
    mm = ModelMap.load(flags=["gpt-5.2=accounts/me/models/mine"])
    assert mm.lookup("gpt-5.2-2025-12-11").target == "accounts/me/models/mine"
    assert mm.lookup("gpt-5.1").openai_id == "gpt-5.*"


# -- overrides -----------------------------------------------------------------------------


def test_precedence_flag_over_pyproject_over_default() -> None:
    py = {"gpt-4o": "accounts/me/models/from-pyproject", "o3": "accounts/me/models/o3"}
    mm = ModelMap.load(py, ["gpt-4o=accounts/me/models/from-flag"])
    assert mm.lookup("gpt-4o-2024-08-06").target == "accounts/me/models/from-flag"
    assert mm.lookup("gpt-4o").source == "flag"
    assert mm.lookup("o3").source == "pyproject"
    assert mm.lookup("o3").target == "accounts/me/models/o3"
    assert mm.lookup("gpt-4").source == "default"
    # A snapshot key still wins over its family, whatever the sources.
    assert mm.lookup("gpt-4o-mini").source == "default"


def test_later_flag_wins() -> None:
    mm = ModelMap.load(flags=["gpt-4o=first", "gpt-4o=second"])
    assert mm.lookup("gpt-4o").target == FW + "second"


def test_pyproject_accepts_pairs_as_stored_in_settings() -> None:
    mm = ModelMap.load((("gpt-4o", "accounts/me/models/x"),))
    assert mm.lookup("gpt-4o").target == "accounts/me/models/x"


def test_entries_and_format_table_report_sources() -> None:
    mm = ModelMap.load({"gpt-4": "a-slug"}, ["my-model=accounts/me/models/b"])
    sources = {m.openai_id: m.source for m in mm.entries()}
    assert sources["gpt-4"] == "pyproject"
    assert sources["my-model"] == "flag"
    assert sources["gpt-4o"] == "default"
    assert set(sources.values()) == {"default", "pyproject", "flag"}
    rows = format_table(mm)
    assert rows == sorted(rows)
    assert ("gpt-4", FW + "a-slug", "pyproject") in rows
    assert ("my-model", "accounts/me/models/b", "flag") in rows
    assert len(rows) == len(mm.entries()) == len(ModelMap.load().entries()) + 1


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("kimi-k2p5", KIMI),
        ("fireworks/qwen3-embedding-8b", FW + "qwen3-embedding-8b"),
        ("routers/glm-5p1-fast", "accounts/fireworks/routers/glm-5p1-fast"),
        ("accounts/fireworks/routers/glm-5p1-fast", "accounts/fireworks/routers/glm-5p1-fast"),
        ("accounts/me/models/ft-1", "accounts/me/models/ft-1"),
        ("nomic-ai/nomic-embed-text-v1", "nomic-ai/nomic-embed-text-v1"),
        ("  kimi-k2p5 ", KIMI),
        ("gpt-oss-120b", OSS120),  # an OpenAI-looking name that is also a Fireworks slug
    ],
)
def test_user_targets_are_expanded(written: str, expected: str) -> None:
    assert ModelMap.load(flags=[f"gpt-4o={written}"]).lookup("gpt-4o").target == expected
    assert ModelMap.load({"gpt-4o": written}).lookup("gpt-4o").target == expected


def test_inline_table_value_and_inheritance() -> None:
    mm = ModelMap.load(
        {
            "gpt-4o": {"target": "glm-5", "note": "ours"},
            "gpt-4o-mini": "glm-5",  # target changed: the default note no longer applies
            "whisper-1": "whisper-v3",  # same target: note and base_url kept
            "gpt-4-0613": "glm-5",  # new key: kind taken from the gpt-4 entry
            "my-embedder": {"target": "thenlper/gte-base", "kind": "embedding"},
            "new-thing": "glm-5",
        }
    )
    assert mm.lookup("gpt-4o").note == "ours"
    assert mm.lookup("gpt-4o").kind == "chat"
    assert mm.lookup("gpt-4o-mini").note is None
    assert mm.lookup("whisper-1").base_url == "https://audio-prod.api.fireworks.ai/v1"
    assert mm.lookup("whisper-1").note
    assert mm.lookup("gpt-4-0613").kind == "chat"
    assert mm.lookup("gpt-4-0314").source == "default"
    assert mm.lookup("my-embedder").kind == "embedding"
    assert mm.lookup("new-thing").kind == "chat"


def test_guessed_kinds_for_new_keys() -> None:
    mm = ModelMap.load(
        flags=["o9-mini=a", "text-embedding-9=b", "whisper-2=c", "text-curie-001=d"]
    )
    assert [mm.lookup(k).kind for k in ("o9-mini", "text-embedding-9", "whisper-2")] == [
        "reasoning",
        "embedding",
        "audio",
    ]
    assert mm.lookup("text-curie-001").kind == "completion"


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("gpt-4o", "--model 'gpt-4o': expected OPENAI=FIREWORKS"),
        ("=kimi-k2p5", "--model '=kimi-k2p5': OpenAI model name is empty"),
        ("gpt-4o=", "--model 'gpt-4o=': the Fireworks model is empty"),
        ("gpt-4o=kimi k2", "'gpt-4o=kimi k2': the Fireworks model 'kimi k2' contains whitespace"),
        ("accounts/fireworks/models/x=y", "the key is a Fireworks id"),
        ("openai/gpt-4o=y", "an OpenAI model name has no '/'"),
        ("gpt-4o=accounts/fireworks/kimi", "is not a full id"),
        ("gpt-4o=a//b", "empty path segment"),
        ("gpt-4o=a/b/c", "neither a model slug nor a full id"),
        ("gpt-4o=gpt-4o-mini", "'gpt-4o-mini' is an OpenAI model, not a Fireworks one"),
        ("gpt-4o=dall-e-3", "'dall-e-3' is an OpenAI model"),
    ],
)
def test_bad_flags(flag: str, message: str) -> None:
    with pytest.raises(ModelMapError) as info:
        ModelMap.load(flags=[flag])
    text = str(info.value)
    assert message in text
    assert text.startswith(f"--model '{flag}'")
    assert "\n" not in text


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"gpt-4o": 3}, "[tool.fw-migrate.models] 'gpt-4o': value must be a string"),
        ({"gpt-4o": {"note": "x"}}, "'gpt-4o': the table needs a string 'target'"),
        ({"gpt-4o": {"target": "x", "tagret": "y"}}, "'gpt-4o': unknown field 'tagret'"),
        ({"gpt-4o": {"target": "x", "kind": "vision"}}, "'gpt-4o': kind must be one of chat,"),
        ({"gpt-4o": {"target": "x", "note": 1}}, "'gpt-4o': note must be a string"),
        ({"": "x"}, "[tool.fw-migrate.models] '': OpenAI model name is empty"),
        ({"gpt 4o": "x"}, "'gpt 4o': the OpenAI model name contains whitespace"),
        ("gpt-4o=x", "[tool.fw-migrate.models]: must be a table"),
        ([("gpt-4o",)], "[tool.fw-migrate.models]: must be a table"),
    ],
)
def test_bad_pyproject_values(table: object, message: str) -> None:
    with pytest.raises(ModelMapError) as info:
        ModelMap.load(table)  # type: ignore[arg-type]
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_flags_must_not_be_a_bare_string() -> None:
    with pytest.raises(TypeError):
        ModelMap.load(flags="gpt-4o=x")  # type: ignore[arg-type]


# -- idempotence ---------------------------------------------------------------------------


def test_targets_are_never_mapped_again(mm: ModelMap) -> None:
    for entry in mm.entries():
        assert mm.lookup(entry.target) is None, entry
        assert mm.unsupported(entry.target) is None
        assert not mm.looks_like_openai_model(entry.target)


@pytest.mark.parametrize(
    "fw_id",
    [
        "accounts/fireworks/models/gpt-4o",
        "accounts/fireworks/routers/kimi-k2p6-fast",
        "accounts/me/models/gpt-4o-mini",
        "accounts/fireworks/models/accounts/fireworks/models/x",
    ],
)
def test_fireworks_ids_are_left_alone(mm: ModelMap, fw_id: str) -> None:
    assert ModelMap.is_fireworks_id(fw_id)
    assert mm.lookup(fw_id) is None
    assert mm.unsupported(fw_id) is None
    assert not mm.looks_like_openai_model(fw_id)


def test_is_fireworks_id_rejects_other_strings() -> None:
    assert not ModelMap.is_fireworks_id("gpt-4o")
    assert not ModelMap.is_fireworks_id("fireworks/qwen3-embedding-8b")
    assert not ModelMap.is_fireworks_id("nomic-ai/nomic-embed-text-v1.5")
    assert not ModelMap.is_fireworks_id(None)  # type: ignore[arg-type]


# -- unsupported families ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("openai_id", "feature"),
    [
        ("dall-e-3", "image generation"),
        ("gpt-image-1", "image generation"),
        ("tts-1-hd", "text-to-speech"),
        ("gpt-4o-mini-tts", "text-to-speech"),
        ("omni-moderation-latest", "moderation"),
        ("text-moderation-007", "moderation"),
        ("gpt-4o-realtime-preview-2024-12-17", "realtime API"),
        ("gpt-realtime", "realtime API"),
        ("computer-use-preview", "computer use"),
        ("gpt-4o-mini-search-preview-2025-03-11", "built-in web search"),
        ("gpt-4o-audio-preview", "audio input/output chat"),
        ("gpt-audio-mini", "audio input/output chat"),
        ("o4-mini-deep-research", "deep research"),
        ("ft:gpt-4o-mini:acme::abc123", "OpenAI fine-tuned model"),
    ],
)
def test_unsupported_families(mm: ModelMap, openai_id: str, feature: str) -> None:
    assert mm.unsupported(openai_id) == feature
    # Never mapped through a broader entry such as gpt-4o or o4-mini.
    assert mm.lookup(openai_id) is None
    assert not mm.looks_like_openai_model(openai_id)


@pytest.mark.parametrize(
    "openai_id", ["gpt-4o", "gpt-4o-mini-transcribe", "o3", "whisper-1", "hello"]
)
def test_supported_ids_are_not_unsupported(mm: ModelMap, openai_id: str) -> None:
    assert mm.unsupported(openai_id) is None


def test_user_can_map_an_unsupported_family_explicitly() -> None:
    mm = ModelMap.load(flags=["gpt-4o-realtime-preview=accounts/me/models/rt"])
    assert mm.lookup("gpt-4o-realtime-preview-2024-12-17").target == "accounts/me/models/rt"
    assert mm.unsupported("gpt-4o-realtime-preview-2024-12-17") is None
    # A different family member is still unsupported and still not treated as gpt-4o.
    assert mm.lookup("gpt-4o-mini-realtime-preview") is None
    assert mm.unsupported("gpt-4o-mini-realtime-preview") == "realtime API"


# -- unknown OpenAI-looking ids ------------------------------------------------------------


@pytest.mark.parametrize(
    "s",
    [
        "gpt-4.5-preview",
        "gpt-6",
        "gpt-4ox",
        "chatgpt-5-latest",
        "o5",
        "o9-mini-2027-01-01",
        "text-embedding-4-small",
        "davinci",
        "babbage",
        "text-davinci-001",
        "code-davinci-002",
        "text-curie-001",
        "text-ada-001",
        "whisper-2",
    ],
)
def test_unknown_openai_ids_are_recognised(mm: ModelMap, s: str) -> None:
    assert mm.lookup(s) is None
    assert mm.looks_like_openai_model(s)


@pytest.mark.parametrize(
    "s",
    [
        "gpt-4o",  # known
        "gpt-4o-mini-2024-07-18",  # known through its family
        "gpt-oss-120b",  # known
        "dall-e-3",  # unsupported, reported separately
        "hello",
        "gpt",
        "GPT-4 is great",
        "gpt-4o ",
        "GPT-4",
        "o",
        "ok",
        "o365",
        "order-1",
        "ada",
        "curie",
        "ada-lovelace",
        "whisper",
        "whisper-v3",  # a Fireworks slug, not an OpenAI id
        "text-embedding",
        "llama-v3p1-8b-instruct",
        "nomic-ai/nomic-embed-text-v1.5",
        "",
    ],
)
def test_other_strings_do_not_look_like_unknown_openai_ids(mm: ModelMap, s: str) -> None:
    assert not mm.looks_like_openai_model(s)


# -- retired Fireworks ids -----------------------------------------------------------------


def test_retired_lookups(mm: ModelMap) -> None:
    pro = mm.retired("accounts/fireworks/models/deepseek-v4-pro")
    assert pro is not None
    assert pro.retired_on == date(2026, 8, 27)
    assert pro.replacement is None
    assert mm.retired("deepseek-v4-pro") == pro  # bare slug is expanded first
    assert mm.retired("routers/kimi-k2p6-fast").fireworks_id == (
        "accounts/fireworks/routers/kimi-k2p6-fast"
    )
    flash = mm.retired("accounts/fireworks/models/deepseek-v4-flash")
    assert flash.replacement == "accounts/fireworks/models/deepseek-v4-flash-0731"
    assert mm.retired(flash.replacement) is None
    assert mm.retired(KIMI) is None
    assert mm.retired("not a model") is None


def test_no_default_target_is_retired(mm: ModelMap) -> None:
    for entry in mm.entries():
        assert mm.retired(entry.target) is None, entry


# -- the shipped data ----------------------------------------------------------------------


def test_toml_layout(raw_toml: dict) -> None:
    assert set(raw_toml) == {"meta", "models", "unsupported", "retired"}
    checked = raw_toml["meta"]["last_checked"]
    assert isinstance(checked, date) and not isinstance(checked, datetime)
    assert date(2026, 1, 1) <= checked
    assert ModelMap.load().last_checked == checked


def test_every_default_target_is_a_full_id(raw_toml: dict) -> None:
    for key, entry in raw_toml["models"].items():
        target = entry["target"]
        if target in HF_STYLE_EMBEDDING_IDS:
            assert entry["kind"] == "embedding", key
        else:
            assert target.startswith(FW), key
            assert len(target) > len(FW), key
        assert entry["kind"] in KINDS, key
    for key, entry in raw_toml["retired"].items():
        assert key.startswith("accounts/fireworks/")
        if "replacement" in entry:
            assert entry["replacement"].startswith("accounts/fireworks/")


def test_default_covers_the_required_families(mm: ModelMap) -> None:
    required = """
        gpt-3.5-turbo gpt-4 gpt-4-turbo gpt-4o gpt-4o-mini gpt-4.1 gpt-4.1-mini gpt-4.1-nano
        gpt-5 gpt-5-mini gpt-5-nano gpt-5-chat-latest gpt-5.1 chatgpt-4o-latest
        o1 o1-mini o1-pro o3 o3-mini o3-pro o4-mini
        gpt-3.5-turbo-instruct davinci-002 babbage-002
        text-embedding-3-small text-embedding-3-large text-embedding-ada-002 whisper-1
    """.split()
    missing = [k for k in required if mm.lookup(k) is None]
    assert missing == []
    assert all(m.source == "default" for m in mm.entries())


def test_notes_carry_the_caveats(mm: ModelMap) -> None:
    for entry in mm.entries():
        if entry.kind == "embedding":
            assert "Re-embed" in entry.note, entry.openai_id
        if entry.kind == "reasoning":
            assert "reasoning_effort" in entry.note, entry.openai_id
        if entry.kind == "audio":
            assert entry.base_url and entry.base_url in entry.note, entry.openai_id


def test_no_default_key_is_in_an_unsupported_family(raw_toml: dict) -> None:
    patterns = [p for group in raw_toml["unsupported"] for p in group["patterns"]]
    for key in raw_toml["models"]:
        assert not any(fnmatchcase(key, p) for p in patterns), key


# -- module behaviour ----------------------------------------------------------------------


def test_map_is_immutable_and_cached(mm: ModelMap) -> None:
    assert ModelMap.load() is ModelMap.load()
    assert ModelMap.load({}, ()) is ModelMap.load()
    with pytest.raises(dataclasses.FrozenInstanceError):
        mm.last_checked = date(2000, 1, 1)  # type: ignore[misc]
    with pytest.raises(TypeError):
        mm._entries["gpt-4o"] = mm.lookup("gpt-4")  # type: ignore[index]
    overridden = ModelMap.load(flags=["gpt-4o=x"])
    assert mm.lookup("gpt-4o").target == KIMI  # building an override leaves the default alone
    assert overridden.lookup("gpt-4o").target == FW + "x"


def test_import_does_not_pull_in_libcst_or_rich() -> None:
    code = (
        "import sys, migrate.model_map as m; m.ModelMap.load(); "
        "bad = [n for n in ('libcst', 'rich') if n in sys.modules]; "
        "assert not bad, bad"
    )
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)
