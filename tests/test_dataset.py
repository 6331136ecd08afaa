"""Tests for `fw-migrate dataset check/fix` (migrate/dataset.py)."""

from __future__ import annotations

import inspect
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate import dataset as ds
from migrate.dataset import (
    CHECKS,
    DatasetFileError,
    Summary,
    check_file,
    check_lines,
    dataset_cli,
    estimate_tokens,
    iter_raw_lines,
)

FIXTURES = Path(__file__).parent / "fixtures" / "dataset"
REPO = Path(__file__).resolve().parent.parent


def make_runner() -> CliRunner:
    try:  # click < 8.2 mixes stderr into stdout unless told otherwise
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def invoke(*args: str):
    return make_runner().invoke(dataset_cli, [str(a) for a in args], catch_exceptions=False)


def run(lines, **kwargs):
    """check_lines over a list of texts numbered from 1; returns (problems, summary)."""
    summary = Summary()
    problems = list(check_lines(enumerate(lines, 1), summary, **kwargs))
    return problems, summary


def found(problems):
    return sorted((p.line if p.line is not None else 0, p.code) for p in problems)


def sample(*messages, **extra):
    return json.dumps({"messages": list(messages), **extra})


def msg(role, content="text", **extra):
    return {"role": role, "content": content, **extra}


def image(url):
    return {"type": "image_url", "image_url": {"url": url}}


def call(name="f", arguments="{}", **extra):
    return {"type": "function", "function": {"name": name, "arguments": arguments}, **extra}


def asks_image(url):
    return sample(msg("user", [image(url)]), msg("assistant"))


OK = sample(msg("user", "Hi"), msg("assistant", "Hello."))


def three(line: str) -> list[str]:
    """`line` followed by two valid samples, so the sample-count check stays quiet."""
    return [line, OK, OK]


# --------------------------------------------------------------------------- fixtures

PROBLEM_FIXTURES = {
    "invalid_json.jsonl": [(2, "FT001")],
    "missing_messages.jsonl": [(3, "FT003")],
    "unknown_role.jsonl": [(2, "FT005")],
    "function_role.jsonl": [(3, "FT005"), (3, "FT013")],
    "system_not_first.jsonl": [(2, "FT006")],
    "no_assistant.jsonl": [(2, "FT007"), (4, "FT007")],
    "bad_message_weight.jsonl": [(2, "FT008"), (4, "FT008")],
    "mixed_sample_weight.jsonl": [(3, "FT009")],
    "tool_calls_without_tools.jsonl": [(2, "FT011")],
    "bad_tool_arguments.jsonl": [(2, "FT012"), (3, "FT012")],
    "reasoning_on_user.jsonl": [(2, "FT014")],
    "remote_image.jsonl": [(2, "FT015")],
    "empty_content.jsonl": [(2, "FT018"), (3, "FT017")],
    "too_few_samples.jsonl": [(0, "FT020")],
}


@pytest.mark.parametrize("name, expected", sorted(PROBLEM_FIXTURES.items()))
def test_problem_fixture_reports_exactly_the_expected_problems(name, expected):
    path = FIXTURES / name
    problems = list(check_file(str(path)))
    assert found(problems) == sorted(expected)
    assert all(p.file == str(path) for p in problems)

    result = invoke("check", path)
    assert result.exit_code == 1
    for line, code in expected:
        prefix = f"{path}:{line}: {code} " if line else f"{path}: {code} "
        assert prefix in result.stdout


ACCEPTED_FIXTURES = {
    "openai_example.jsonl": {"samples": 3, "messages_by_role": {"system": 3, "user": 3, "assistant": 3}},
    "valid_reasoning.jsonl": {"with_reasoning": 3},
    "valid_message_weights.jsonl": {"with_message_weights": 3},
    "valid_sample_weight.jsonl": {"with_sample_weight": 4, "samples": 4},
    "valid_tools.jsonl": {"with_tool_calls": 3, "messages_by_role": {"user": 3, "assistant": 6, "tool": 3}},
    "valid_vision.jsonl": {"with_images": 3},
}


@pytest.mark.parametrize("name, expected", sorted(ACCEPTED_FIXTURES.items()))
def test_fireworks_extras_are_accepted(name, expected):
    summary = Summary()
    problems = list(check_file(str(FIXTURES / name), summary))
    assert problems == []
    assert summary.accepted
    for key, value in expected.items():
        assert getattr(summary, key) == value, key

    result = invoke("check", FIXTURES / name)
    assert result.exit_code == 0
    assert "result: accepted (0 errors, 0 warnings)" in result.stdout


def test_openai_documented_example_passes_unchanged():
    result = invoke("check", FIXTURES / "openai_example.jsonl")
    assert result.exit_code == 0, result.output
    assert "3 samples, 9 messages (system 3, user 3, assistant 3)" in result.stdout


def test_every_problem_code_is_exercised_somewhere_in_this_file():
    source = Path(__file__).read_text(encoding="utf-8")
    missing = [code for code in CHECKS if f'"{code}"' not in source]
    assert missing == []


# --------------------------------------------------------------------------- core rules


def test_unknown_role_message_lists_allowed_roles_and_developer_hint():
    problems, _ = run(three(sample(msg("developer", "x"), msg("user"), msg("assistant"))))
    [problem] = problems
    assert problem.code == "FT005" and problem.severity == "error"
    assert "system, user, assistant, tool" in problem.message and '"system"' in problem.message


def test_tool_role_is_allowed():
    line = sample(
        msg("user"),
        {"role": "assistant", "content": None, "tool_calls": [call(id="c")]},
        msg("tool", "{}", tool_call_id="c"),
        msg("assistant", "done"),
        tools=[{"type": "function", "function": {"name": "f", "parameters": {}}}],
    )
    assert run(three(line))[0] == []


@pytest.mark.parametrize(
    "line, code",
    [
        ('{"messages": [{"role": "user", "content": NaN}]}', "FT001"),
        ("[1, 2]", "FT002"),
        ('"just a string"', "FT002"),
        (sample(), "FT003"),
        ('{"messages": "hi"}', "FT003"),
        (json.dumps({"messages": ["hi", msg("assistant")]}), "FT004"),
        (json.dumps({"messages": [{"content": "no role"}, msg("assistant")]}), "FT004"),
        (sample(msg("system", "a"), msg("system", "b"), msg("user"), msg("assistant")), "FT006"),
        (sample(msg("user"), msg("assistant", weight=2)), "FT008"),
        (sample(msg("user"), msg("assistant", weight="1")), "FT008"),
        (sample(msg("user"), msg("assistant", tool_calls=[call()]), tools="f"), "FT011"),
        (sample(msg("user", tool_calls=[call()]), msg("assistant"), tools=[{}]), "FT013"),
        (sample(msg("user"), msg("assistant", tool_calls=[{"function": {"arguments": "{}"}}]), tools=[{}]), "FT013"),
        (sample(msg("user"), msg("assistant", tool_calls=[]), tools=[{}]), "FT013"),
        (sample(msg("user"), msg("assistant", reasoning_content=["step"])), "FT014"),
        (asks_image("http://x.test/a.png"), "FT015"),
        (asks_image("/home/me/a.png"), "FT015"),
        (asks_image("data:image/png,rawbytes"), "FT015"),
        (sample(msg("user", [{"type": "image_url", "image_url": {}}]), msg("assistant")), "FT015"),
        (sample(msg("user", None), msg("assistant")), "FT017"),
        (sample(msg("user", "   "), msg("assistant")), "FT018"),
        (sample(msg("user", [{"type": "text", "text": " "}]), msg("assistant")), "FT018"),
        (sample(msg("user", 42), msg("assistant")), "FT019"),
        (sample(msg("user", [{"type": "input_audio", "input_audio": {}}]), msg("assistant")), "FT019"),
        (sample(msg("user", [{"type": "text"}]), msg("assistant")), "FT019"),
    ],
)
def test_single_rule(line, code):
    problems, _ = run(three(line))
    assert found(problems) == [(1, code)], [p.format() for p in problems]


def test_remote_image_url_message_explains_the_base64_requirement():
    [problem] = list(check_file(str(FIXTURES / "remote_image.jsonl")))
    assert problem.severity == "error"
    assert "remote image URL" in problem.message and "https://example.com/cat.png" in problem.message
    assert "data:image/png;base64" in problem.message


def test_image_problem_messages_never_dump_base64_data():
    url = "data:image/png," + "A" * 5000
    [problem] = run(three(asks_image(url)))[0]
    assert problem.code == "FT015" and "not base64-encoded" in problem.message
    assert len(problem.message) < 200


def test_non_png_jpeg_image_is_only_a_warning():
    url = "data:image/webp;base64,UklGRg=="
    problems, summary = run(three(asks_image(url)))
    assert [(p.code, p.severity) for p in problems] == [("FT016", "warning")]
    assert summary.accepted and summary.warnings == 1 and summary.errors == 0


def test_warning_alone_exits_zero(tmp_path):
    path = tmp_path / "warn.jsonl"
    path.write_text("\n".join(three(sample(msg("user", ""), msg("assistant")))) + "\n", encoding="utf-8")
    result = invoke("check", path)
    assert result.exit_code == 0
    assert f"{path}:1: FT018 warning:" in result.stdout
    assert "result: accepted (0 errors, 1 warning)" in result.stdout


def test_assistant_tool_call_turn_may_have_no_content():
    call = {"type": "function", "function": {"name": "f", "arguments": "{\"a\": 1}"}}
    for content in (None, ""):
        line = sample(msg("user"), {"role": "assistant", "content": content, "tool_calls": [call]}, msg("tool", "1"),
                      msg("assistant", "ok"), tools=[{"type": "function", "function": {"name": "f"}}])
        assert run(three(line))[0] == []


def test_tool_call_arguments_must_be_a_json_string():
    def line(arguments):
        call = {"type": "function", "function": {"name": "f", "arguments": arguments}}
        return sample(msg("user"), {"role": "assistant", "content": None, "tool_calls": [call]}, msg("tool", "1"),
                      msg("assistant"), tools=[{"type": "function", "function": {"name": "f"}}])

    assert run(three(line('{"a": [1, 2]}')))[0] == []
    for bad in ("{'a': 1}", "", {"a": 1}, None):
        [problem] = run(three(line(bad)))[0]
        assert problem.code == "FT012", bad


def test_all_assistant_turns_weighted_zero_leaves_nothing_to_learn():
    problems, _ = run(three(sample(msg("user"), msg("assistant", weight=0), msg("user"), msg("assistant", weight=0))))
    assert found(problems) == [(1, "FT007")]
    assert "weight 0" in problems[0].message
    # one learnable assistant turn is enough
    assert run(three(sample(msg("user"), msg("assistant", weight=0), msg("user"), msg("assistant", weight=1))))[0] == []


def test_message_weight_accepts_0_and_1_in_integer_or_float_form():
    line = sample(msg("user", weight=0), msg("assistant", weight=1),
                  msg("user", weight=0.0), msg("assistant", weight=1.0))
    assert run(three(line))[0] == []


def test_sample_weight_may_be_any_finite_number_when_on_every_sample():
    lines = [sample(msg("user"), msg("assistant"), weight=w) for w in (2.5, -1, 0)]
    problems, summary = run(lines)
    assert problems == [] and summary.with_sample_weight == 3


@pytest.mark.parametrize("bad", ["high", None, True, [1]])
def test_sample_weight_must_be_a_number(bad):
    lines = [sample(msg("user"), msg("assistant"), weight=w) for w in (1, bad, 0.5)]
    problems, _ = run(lines)
    assert found(problems) == [(2, "FT010")]


def test_mixed_sample_weight_reported_once_with_first_offenders():
    lines = [sample(msg("user"), msg("assistant"), weight=1) for _ in range(20)]
    for index in (3, 6, 9, 12, 15, 18, 19):  # 7 samples lose their weight
        lines[index - 1] = OK
    problems, summary = run(lines)
    assert [p.code for p in problems] == ["FT009"]
    [problem] = problems
    assert problem.line == 3
    assert "13 of 20 samples" in problem.message
    assert "without a weight: lines 3, 6, 9, 12, 15 and 2 more" in problem.message
    assert summary.with_sample_weight == 13


def test_mixed_sample_weight_names_the_minority_when_few_samples_have_one():
    lines = [OK] * 10
    lines[7] = sample(msg("user"), msg("assistant"), weight=0.5)
    [problem] = run(lines)[0]
    assert (problem.code, problem.line) == ("FT009", 8)
    assert "with a weight: line 8" in problem.message


def test_mixed_sample_weight_state_is_bounded():
    """The weight check keeps a few line numbers, not one per sample."""
    checker = ds._Checker(Summary(), None, 3, 10**9)
    for lineno in range(1, 20001):
        list(checker.feed(lineno, OK if lineno % 2 else sample(msg("user"), msg("assistant"), weight=1)))
    assert len(checker.weighted.first) == ds.FIRST_OFFENDERS
    assert len(checker.unweighted.first) == ds.FIRST_OFFENDERS
    [problem] = list(checker._finish_weights())
    assert "and 9995 more" in problem.message


def test_too_few_samples_boundary():
    assert found(run([OK, OK])[0]) == [(0, "FT020")]
    assert run([OK, OK, OK])[0] == []
    [problem] = run([])[0]
    assert problem.code == "FT020" and problem.line is None and "0 samples" in problem.message


def test_too_many_samples_via_parameter():
    assert run([OK] * 5, max_samples=5)[0] == []
    lines = [OK, "", OK, OK, OK, OK, OK]  # 6 samples; the 6th is on line 7
    problems, summary = run(lines, max_samples=5)
    assert ("FT021", 7) in [(p.code, p.line) for p in problems]
    assert summary.samples == 6 and not summary.accepted
    assert "at most 5" in next(p for p in problems if p.code == "FT021").message


def test_default_limits_match_fireworks_docs():
    params = inspect.signature(check_lines).parameters
    assert params["min_samples"].default == 3
    assert params["max_samples"].default == 3_000_000


def test_min_samples_parameter():
    assert found(run([OK] * 5, min_samples=6)[0]) == [(0, "FT020")]


# --------------------------------------------------------------------------- layout


def test_bom_is_a_warning_and_the_first_sample_is_still_checked():
    problems, summary = run(["\ufeff" + OK + "\n", OK + "\n", OK + "\n"])
    assert found(problems) == [(1, "FT022")]
    assert summary.samples == 3 and summary.messages == 6


def test_crlf_reported_once_as_a_warning():
    problems, summary = run([OK + "\r\n"] * 4)
    assert [(p.code, p.line, p.severity) for p in problems] == [("FT024", 1, "warning")]
    assert "lines 1, 2, 3, 4" in problems[0].message
    assert summary.accepted


def test_blank_lines_reported_once_and_not_counted_as_samples():
    problems, summary = run([OK + "\n", "\n", OK + "\n", "  \t\n", OK + "\n", "\n", ""])
    assert found(problems) == [(2, "FT023")]
    assert "4 blank lines (lines 2, 4, 6, 7)" in problems[0].message
    assert summary.samples == 3 and summary.blank_lines == 4


def test_bare_cr_line_endings_are_an_error_but_samples_are_still_read(tmp_path):
    path = tmp_path / "mac.jsonl"
    path.write_bytes(((OK + "\r") * 3).encode())
    summary = Summary()
    problems = list(check_file(str(path), summary))
    assert found(problems) == [(1, "FT025")]
    assert summary.samples == 3 and summary.messages == 6


# --------------------------------------------------------------------------- summary


def test_summary_counts_and_token_estimate():
    tool_call = {"type": "function", "function": {"name": "fn", "arguments": "{}"}}
    tools = [{"type": "function", "function": {"name": "fn"}}]
    lines = [
        sample(msg("system", "ab"), msg("user", "cdef"), msg("assistant", "gh")),  # 8 chars
        # 4 + 2 + 5 = 11 chars; the image data is not counted
        sample(msg("user", [{"type": "text", "text": "1234"}, image("data:image/png;base64," + "A" * 999)]),
               msg("assistant", "xy", reasoning_content="think", weight=1)),
        sample(msg("user", "q"), {"role": "assistant", "content": None, "tool_calls": [tool_call]}, msg("tool", "r"),
               msg("assistant", "s"), tools=tools),
    ]
    problems, summary = run(lines)
    assert problems == []
    tools_chars = len(json.dumps(tools, separators=(",", ":")))
    third = 1 + len("fn") + len("{}") + 1 + 1 + tools_chars
    assert summary.samples == 3
    assert summary.messages_by_role == {"system": 1, "user": 3, "assistant": 4, "tool": 1}
    assert summary.messages == 9
    with_counts = (summary.with_tool_calls, summary.with_reasoning, summary.with_images, summary.with_message_weights)
    assert with_counts == (1, 1, 1, 1)
    assert summary.total_chars == 8 + 11 + third
    assert (summary.longest_sample_line, summary.longest_sample_chars) == (3, third)
    data = summary.to_dict()
    assert data["longest_sample_estimated_tokens"] == -(-third // 4)
    assert data["total_estimated_tokens"] == estimate_tokens(summary.total_chars)


@pytest.mark.parametrize("chars, tokens", [(0, 0), (1, 1), (4, 1), (5, 2), (400, 100)])
def test_estimate_tokens_is_chars_over_four_rounded_up(chars, tokens):
    assert estimate_tokens(chars) == tokens


def test_problem_format():
    assert ds.Problem("FT001", "bad", 7, "a.jsonl").format() == "a.jsonl:7: FT001 error: bad"
    assert ds.Problem("FT020", "few", None, "a.jsonl").format() == "a.jsonl: FT020 error: few"
    assert ds.Problem("FT023", "blank", 2, "a.jsonl").severity == "warning"


# --------------------------------------------------------------------------- reading


TRICKY = b'{"a": 1}\r\n{"b": 2}\r{"c": "\xc3\xa9"}\n\n\r\n{"d": 4}\r'


@pytest.mark.parametrize("block_size", [1, 2, 3, 5, 7, 64, 1 << 20])
def test_raw_line_splitting_is_independent_of_block_boundaries(block_size):
    seen = []
    lines = list(iter_raw_lines(io.BytesIO(TRICKY), seen.append, block_size))
    assert lines == TRICKY.splitlines(keepends=True)
    assert sum(seen) == len(TRICKY)
    tail = b'{"x": 1}\n{"y": 2}'  # no final newline
    assert list(iter_raw_lines(io.BytesIO(tail), None, block_size)) == [b'{"x": 1}\n', b'{"y": 2}']


def test_check_file_reads_in_blocks_not_whole_file(tmp_path, monkeypatch):
    path = tmp_path / "d.jsonl"
    path.write_text((OK + "\n") * 50, encoding="utf-8")
    reads = []
    real = ds.iter_raw_lines

    def spy(stream, on_bytes=None, block_size=ds.BLOCK_SIZE):
        return real(stream, lambda n: (reads.append(n), on_bytes and on_bytes(n)), 100)

    monkeypatch.setattr(ds, "iter_raw_lines", spy)
    summary = Summary()
    assert list(check_file(str(path), summary)) == []
    assert summary.samples == 50
    assert max(reads) == 100 and sum(reads) == path.stat().st_size


# --------------------------------------------------------------------------- CLI: check


def assert_one_line_error(result, path, cause):
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0] and cause in lines[0]
    assert "Traceback" not in result.output


def test_missing_file_exits_2(tmp_path):
    missing = tmp_path / "nope.jsonl"
    assert_one_line_error(invoke("check", missing), missing, "no such file")


def test_directory_exits_2(tmp_path):
    assert_one_line_error(invoke("check", tmp_path), tmp_path, "directory")


def test_non_utf8_file_exits_2_naming_line_and_byte(tmp_path):
    path = tmp_path / "latin1.jsonl"
    latin1 = '{"messages": [{"role": "user", "content": "caf\xe9"}]}'.encode("latin-1")
    path.write_bytes(OK.encode() + b"\n" + latin1 + b"\n")
    result = invoke("check", path)
    assert_one_line_error(result, path, "not UTF-8")
    assert "0xe9 at line 2" in result.stderr


def test_utf16_file_exits_2_with_hint(tmp_path):
    path = tmp_path / "utf16.jsonl"
    path.write_bytes(("\n".join([OK] * 3) + "\n").encode("utf-16"))
    assert_one_line_error(invoke("check", path), path, "UTF-16")


def test_unreadable_file_wins_over_rejected_and_others_still_checked(tmp_path):
    good, bad = FIXTURES / "openai_example.jsonl", FIXTURES / "invalid_json.jsonl"
    result = invoke("check", good, tmp_path / "missing.jsonl", bad)
    assert result.exit_code == 2
    assert f"{good}: 3 samples" in result.stdout
    assert f"{bad}:2: FT001 error" in result.stdout
    assert invoke("check", good, bad).exit_code == 1
    assert invoke("check", good, FIXTURES / "valid_tools.jsonl").exit_code == 0


def test_quiet_prints_problems_but_no_summary():
    result = invoke("check", "--quiet", FIXTURES / "invalid_json.jsonl")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{FIXTURES / 'invalid_json.jsonl'}:2: FT001 error: invalid JSON: Expecting ',' delimiter (column 58)"
    ]


def test_json_output(tmp_path):
    mixed = FIXTURES / "mixed_sample_weight.jsonl"
    empty = FIXTURES / "empty_content.jsonl"
    missing = tmp_path / "gone.jsonl"
    result = invoke("check", "--output-format", "json", mixed, empty, missing)
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["version"] == 1 and doc["exit_code"] == 2
    assert all(set(p) == {"file", "line", "code", "severity", "message"} for p in doc["problems"])
    assert [(p["file"], p["line"], p["code"], p["severity"]) for p in doc["problems"]] == [
        (str(mixed), 3, "FT009", "error"),
        (str(empty), 2, "FT018", "warning"),
        (str(empty), 3, "FT017", "error"),
    ]
    files = {f["file"]: f for f in doc["files"]}
    assert files[str(mixed)]["status"] == "rejected"
    assert files[str(mixed)]["summary"]["samples"] == 4
    assert files[str(mixed)]["summary"]["with_sample_weight"] == 3
    assert files[str(empty)]["summary"]["errors"] == 1 and files[str(empty)]["summary"]["warnings"] == 1
    expected_missing = {"file": str(missing), "status": "unreadable", "error": "no such file", "summary": None}
    assert files[str(missing)] == expected_missing


def test_json_output_for_a_clean_file():
    result = invoke("check", "--output-format", "json", FIXTURES / "valid_vision.jsonl")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["problems"] == [] and doc["exit_code"] == 0
    [entry] = doc["files"]
    assert entry["status"] == "accepted" and entry["summary"]["with_images"] == 3
    assert entry["summary"]["accepted"] is True


def test_text_summary_reports_sizes():
    result = invoke("check", FIXTURES / "valid_tools.jsonl")
    summary = Summary()
    list(check_file(str(FIXTURES / "valid_tools.jsonl"), summary))
    tokens = estimate_tokens(summary.longest_sample_chars)
    line, chars = summary.longest_sample_line, summary.longest_sample_chars
    assert f"longest sample: line {line}, {chars:,} chars (~{tokens:,} tokens)" in result.stdout
    assert "samples with tool calls 3, reasoning 0, images 0" in result.stdout


# --------------------------------------------------------------------------- CLI: fix


def test_fix_repairs_bom_crlf_and_blank_lines_without_touching_content(tmp_path):
    lines = [
        '{"messages": [{"role": "user", "content": "caf\u00e9 \\u00e9 \\r\\n tab\\t"}, {"role": "assistant", "content": "ok  "}]}',
        '{"messages":[{"role":"user","content":"x"},{"role":"assistant","content":"y"}],  "id": 1}   ',
        OK,
    ]
    original = (b"\xef\xbb\xbf" + lines[0].encode() + b"\r\n\r\n" + lines[1].encode() + b"\r\n"
                + b"  \t\r\n" + lines[2].encode() + b"\r\n\n\n")
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(original)

    result = invoke("fix", src, "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == b"".join(line.encode() + b"\n" for line in lines)
    assert src.read_bytes() == original
    report = result.stdout
    assert "removed the UTF-8 byte order mark" in report
    assert "converted 5 CRLF line endings to LF" in report
    assert "removed 4 blank lines (lines 2, 4, 6, 7)" in report
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]  # no temp file left

    check = invoke("check", out)
    assert check.exit_code == 0 and "0 warnings" in check.stdout


def test_fix_converts_bare_cr_and_keeps_a_missing_final_newline(tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(f"{OK}\r{OK}\r{OK}".encode())
    result = invoke("fix", src, "-o", out)
    assert result.exit_code == 0
    assert out.read_bytes() == f"{OK}\n{OK}\n{OK}".encode()
    assert "converted 2 bare CR line endings to LF" in result.stdout


def test_fix_with_nothing_to_repair_copies_byte_identical(tmp_path):
    src, out = FIXTURES / "valid_vision.jsonl", tmp_path / "copy.jsonl"
    result = invoke("fix", src, "-o", out)
    assert result.exit_code == 0
    assert "nothing to repair" in result.stdout
    assert out.read_bytes() == src.read_bytes()


def test_fix_refuses_output_equal_to_input_without_in_place(tmp_path):
    src = tmp_path / "data.jsonl"
    original = (OK + "\r\n").encode() * 3
    src.write_bytes(original)
    (tmp_path / "sub").mkdir()
    for spelling in (src, tmp_path / "sub" / ".." / "data.jsonl"):
        result = invoke("fix", src, "-o", spelling)
        assert result.exit_code == 2
        assert "--in-place" in result.stderr
    assert invoke("fix", src).exit_code == 2  # neither -o nor --in-place
    assert src.read_bytes() == original


def test_fix_in_place(tmp_path):
    src = tmp_path / "data.jsonl"
    src.write_bytes((OK + "\r\n").encode() * 3 + b"\r\n")
    os.chmod(src, 0o640)
    result = invoke("fix", src, "--in-place")
    assert result.exit_code == 0
    assert src.read_bytes() == (OK + "\n").encode() * 3
    assert (src.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.jsonl"]


def test_fix_in_place_with_nothing_to_repair_leaves_the_file_alone(tmp_path):
    src = tmp_path / "data.jsonl"
    src.write_bytes((OK + "\n").encode() * 3)
    os.utime(src, ns=(1_000_000_000, 1_000_000_000))
    before = src.stat()
    result = invoke("fix", src, "--in-place")
    assert result.exit_code == 0 and "nothing to repair (file left unchanged)" in result.stdout
    after = src.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.jsonl"]


def test_fix_refuses_non_utf8_and_writes_nothing(tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(b'{"a": "\xff"}\r\n')
    result = invoke("fix", src, "-o", out)
    assert_one_line_error(result, src, "not UTF-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_fix_missing_input_exits_2(tmp_path):
    missing = tmp_path / "none.jsonl"
    assert_one_line_error(invoke("fix", missing, "-o", tmp_path / "o.jsonl"), missing, "no such file")


def test_fix_output_folder_missing_exits_2(tmp_path):
    out = tmp_path / "no" / "such" / "dir.jsonl"
    result = invoke("fix", FIXTURES / "openai_example.jsonl", "-o", out)
    assert_one_line_error(result, out, "cannot write")


def test_fix_is_atomic_when_the_final_rename_fails(tmp_path, monkeypatch):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(b"\xef\xbb\xbf" + (OK + "\n").encode() * 3)
    out.write_bytes(b"previous contents\n")

    def failing_replace(a, b):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ds.os, "replace", failing_replace)
    result = invoke("fix", src, "-o", out)
    assert_one_line_error(result, out, "No space left on device")
    assert out.read_bytes() == b"previous contents\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


# --------------------------------------------------------------------------- progress bar


class _FakeStderr:
    def __init__(self, tty):
        self.tty = tty

    def isatty(self):
        return self.tty


@pytest.mark.parametrize(
    "tty, quiet, ci, expected",
    [
        (True, False, None, True),
        (False, False, None, False),
        (True, True, None, False),
        (True, False, "true", False),
        (True, False, "", False),  # set, even if empty
    ],
)
def test_progress_wanted(monkeypatch, tty, quiet, ci, expected):
    monkeypatch.setattr(sys, "stderr", _FakeStderr(tty))
    monkeypatch.delenv("CI", raising=False)
    if ci is not None:
        monkeypatch.setenv("CI", ci)
    assert ds.progress_wanted(quiet) is expected


CHILD = textwrap.dedent(
    """
    import sys
    from migrate.dataset import dataset_cli
    code = dataset_cli(["check", sys.argv[1]], standalone_mode=False)
    print("EXIT", code, "RICH", "rich" in sys.modules, flush=True)
    """
)


def _child_env():
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["TERM"] = "xterm-256color"
    return env


def test_rich_is_not_imported_without_a_terminal():
    path = FIXTURES / "openai_example.jsonl"
    proc = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True,
                          env=_child_env(), timeout=60)
    assert "EXIT 0 RICH False" in proc.stdout, proc.stderr


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_progress_bar_is_drawn_on_a_terminal_stderr():
    import select

    master, slave = os.openpty()
    path = FIXTURES / "openai_example.jsonl"
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, stderr=slave,
                            env=_child_env(), text=True)
    os.close(slave)
    drawn = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 30)
            if not ready:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO once the child has closed the terminal
                break
            if not chunk:
                break
            drawn += chunk
        stdout, _ = proc.communicate(timeout=60)
    finally:
        os.close(master)
    assert "EXIT 0 RICH True" in stdout
    assert b"\x1b[" in drawn  # terminal control sequences from the bar
    assert "3 samples" in stdout  # the report still goes to stdout


def test_module_documentation_table_matches_the_checks():
    import re

    documented = dict(re.findall(r"^(FT\d{3})\s+(error|warning)\s", ds.__doc__, re.M))
    assert documented == {code: check.severity for code, check in CHECKS.items()}
    assert ds.DOCS_URL in ds.__doc__


def test_check_help_lists_every_code():
    result = invoke("check", "--help")
    assert result.exit_code == 0
    for code, check in CHECKS.items():
        assert f"{code}  {check.severity:<7}  {check.title}" in result.stdout


def test_a_read_failure_is_reported_as_such(tmp_path, monkeypatch):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes((OK + "\n").encode() * 3)

    def broken(stream, on_bytes=None, block_size=ds.BLOCK_SIZE):
        yield (OK + "\n").encode()
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(ds, "iter_raw_lines", broken)
    for args in (("check", src), ("fix", src, "-o", out)):
        result = invoke(*args)
        assert_one_line_error(result, src, "cannot read")
        assert "Input/output error" in result.stderr
    assert not out.exists()


def test_check_file_raises_dataset_file_error_lazily_for_api_callers(tmp_path):
    problems = check_file(str(tmp_path / "x.jsonl"))  # nothing is opened yet
    with pytest.raises(DatasetFileError, match=r"cannot read .*x\.jsonl: no such file"):
        next(problems)
