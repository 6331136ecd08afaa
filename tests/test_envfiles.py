"""Env files: line-based edits that keep comments, order, quotes and `export`; keys blanked.

Fixtures: tests/fixtures/envfiles/<case>.env (optional first line `# fixture-settings: ...`),
snapshot `<case>.expected.env` = the migrated file + the report trailer, as for rules.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import FIXTURES, render, settings_for

from migrate.cli import command
from migrate.envfiles import migrate_env_file, migrate_env_text, parse, real_looking_key
from migrate.files import discover, kind_of
from migrate.runner import Job, read_and_filter, run
from migrate.settings import Settings, from_mapping

ENVFILES = FIXTURES / "envfiles"
CASES = sorted(p for p in ENVFILES.glob("*.env") if not p.name.endswith(".expected.env"))
REAL_KEY = "sk-proj-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_fixture(case: Path, snapshot):
    text = case.read_text(encoding="utf-8")
    settings = settings_for(text)
    outcome = migrate_env_text(text, settings)
    snapshot.snapshot_dir = ENVFILES
    snapshot.assert_match(render(outcome), f"{case.stem}.expected.env")
    again = migrate_env_text(outcome.code, settings)
    assert again.code == outcome.code and not again.changes, "a second run changed the file again"
    # only the lines with a change differ, and no line is added or removed
    before, after = text.splitlines(), outcome.code.splitlines()
    assert len(before) == len(after)
    assert {i + 1 for i, (a, b) in enumerate(zip(before, after)) if a != b} == {c.line for c in outcome.changes}


def test_real_key_is_blanked_masked_and_a_secret():
    outcome = migrate_env_text(f'export OPENAI_API_KEY="{REAL_KEY}"  # mine\n', Settings())
    assert outcome.code == 'export FIREWORKS_API_KEY=""  # mine\n'
    assert REAL_KEY in outcome.secrets
    note = next(n for n in outcome.notes if n.code == "FW902")
    assert note.severity == "warning" and REAL_KEY not in note.message and "sk-pr******" in note.message


def test_the_key_never_reaches_the_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env.example").write_text(f"OPENAI_API_KEY={REAL_KEY}\n# old: {REAL_KEY[:-2]}xy\n")
    for args in (["--diff"], ["--check"], ["--diff", "--output-format", "json"], ["--check", "--output-format", "sarif"]):
        result = CliRunner().invoke(command, [*args, "--no-cache", "."], catch_exceptions=False)
        assert result.exit_code == 1, result.output
        assert REAL_KEY not in result.output and REAL_KEY[:-2] not in result.output
        assert "FIREWORKS_API_KEY=" in result.output or "FW902" in result.output


def test_crlf_bom_and_missing_final_newline_are_kept():
    data = b"\xef\xbb\xbfOPENAI_API_KEY=\r\nOPENAI_MODEL='gpt-4o'\r\n# end"
    migration = migrate_env_file(".env", data, Settings())
    assert migration.encode() == b"\xef\xbb\xbfFIREWORKS_API_KEY=\r\nOPENAI_MODEL='accounts/fireworks/models/kimi-k2p5'\r\n# end"
    assert [p.cell for p in migration.pieces] == [None]


def test_not_text_or_turned_off_is_skipped():
    assert migrate_env_file(".env.gpg", b"\x85\x02\x0c\x03\xff\x00", Settings()).skipped == "not a UTF-8 text file"
    assert migrate_env_file(".env.bin", b"OPENAI_API_KEY=\x00", Settings()).skipped == "not a text file"
    off = from_mapping({"env-files": False}, "test")
    assert migrate_env_file(".env", b"OPENAI_API_KEY=\n", off).skipped == "env files are off (env-files = false)"
    assert migrate_env_text("# fw-migrate: skip-file\nOPENAI_API_KEY=\n", Settings()).skipped == "skip-file comment"


def test_rules_select_the_parts():
    text = "OPENAI_API_KEY=\nOPENAI_MODEL=gpt-4o\n"
    only_models = migrate_env_text(text, from_mapping({"select": ["model_names"]}, "test"))
    assert only_models.code == "OPENAI_API_KEY=\nOPENAI_MODEL=accounts/fireworks/models/kimi-k2p5\n"
    no_models = migrate_env_text(text, from_mapping({"ignore": ["model_names"]}, "test"))
    assert no_models.code == "FIREWORKS_API_KEY=\nOPENAI_MODEL=gpt-4o\n"


def test_model_map_overrides_apply():
    settings = from_mapping({"models": {"gpt-4o": "llama-v3p1-70b-instruct"}, "model-flags": ["o3-mini=qwen3-235b"]}, "test")
    outcome = migrate_env_text("MODEL=gpt-4o\nREASONING_MODEL=o3-mini\n", settings)
    assert outcome.code == ("MODEL=accounts/fireworks/models/llama-v3p1-70b-instruct\n"
                            "REASONING_MODEL=accounts/fireworks/models/qwen3-235b\n")


def test_parse_positions_and_multiline_values():
    text = 'A=1\nexport  B = "two\nlines" # c\nC=\'x\' \n# D=4\nnot an assignment\nE=v # c\n'
    assignments, comments = parse(text)
    assert [(a.key, a.line, a.col, a.value, a.quote) for a in assignments] == [
        ("A", 1, 1, "1", ""), ("B", 2, 9, "two\nlines", '"'), ("C", 4, 1, "x", "'"), ("E", 7, 1, "v", ""),
    ]
    assert comments == [(5, "# D=4")]


@pytest.mark.parametrize(
    ("value", "real"),
    [
        (REAL_KEY, True),
        ("sk-Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2Yz3Ab4Cd5Ef", True),
        ("sk-svcacct-9fKq2LmX7pRt4VwZ1bNc8HdJ3sGe6YaU", True),
        ("fw_3Zq8Lk2Mn5Vb7Cx9Pw1Rt4Yh6", True),
        ("sk-...", False),
        ("sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", False),
        ("sk-your-key-here-1234567890abcdef", False),
        ("sk-REPLACE_ME_WITH_YOUR_KEY_123456", False),
        ("${OPENAI_SECRET}", False),
        ("<OPENAI_API_KEY>", False),
        ("", False),
        ("abcdefghijklmnopqrstuvwxyz", False),  # no digit: a word, not a key
    ],
)
def test_real_looking_key(value, real):
    assert real_looking_key(value) is real


def test_discovery_takes_env_files_and_honours_the_opt_out(tmp_path):
    for name in (".env", ".env.example", ".env.sample", ".env.local", "app.env", "env.py"):
        (tmp_path / name).write_text("OPENAI_API_KEY=\n")
    venv = tmp_path / ".env_dir"
    (tmp_path / ".gitignore").write_text(".env\n")
    (tmp_path / ".git").mkdir()
    venv.mkdir()
    names = sorted(Path(f).name for f in discover([str(tmp_path)]).files)
    assert names == [".env.example", ".env.local", ".env.sample", "env.py"]  # .env is gitignored: someone's real keys
    assert sorted(Path(f).name for f in discover([str(tmp_path)], env_files=False).files) == ["env.py"]
    assert kind_of("a/.env") == kind_of("a/.env.production") == "env"
    assert kind_of("a/.envrc") is None and kind_of("a/.env.py") == "python"


def test_prefilter_lets_env_files_through_and_the_setting_turns_them_off(tmp_path):
    path = tmp_path / ".env.example"
    path.write_text("MODEL=gpt-4o\n")  # no mention of openai at all
    data, early = read_and_filter(str(path))
    assert early is None and data == b"MODEL=gpt-4o\n"
    [result] = run([str(path)], Job(Settings(), "write"))
    assert result.status == "changed" and path.read_text() == "MODEL=accounts/fireworks/models/kimi-k2p5\n"
    path.write_text("MODEL=gpt-4o\n")
    [off] = run([str(path)], Job(from_mapping({"env-files": False}, "test"), "write"))
    assert off.status == "skipped" and path.read_text() == "MODEL=gpt-4o\n"


def test_json_report_names_env_file_lines(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env.sample").write_text("# keys\nOPENAI_API_KEY=\n")
    result = CliRunner().invoke(command, ["--check", "--no-cache", "--output-format", "json", "."], catch_exceptions=False)
    [record] = json.loads(result.output)["files"]
    assert record["path"] == ".env.sample" and record["status"] == "changed"
    assert record["changes"] == [{"rule": "client", "line": 2, "message": "OPENAI_API_KEY renamed to FIREWORKS_API_KEY"}]
    assert [n["code"] for n in record["notes"]] == ["FW904"]
