"""Every fixture through its rule alone (through every rule for `_all/`), against its snapshot.

`pytest --snapshot-update` rewrites the `.expected.py` files; read them like code under review.
"""

from __future__ import annotations

import pytest

from helpers import FIXTURES, assert_valid_and_stable, migrate, render
from migrate import rules

CASES = sorted(
    path
    for folder in [*(FIXTURES / name for name in rules.ALL_RULES), FIXTURES / "_all"]
    if folder.is_dir()
    for path in folder.glob("*.py")
    if not path.name.endswith(".expected.py")
)


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture(case, snapshot):
    text = case.read_text(encoding="utf-8")
    select = None if case.parent.name == "_all" else [case.parent.name]
    extra = {"select": select} if select else {}
    outcome = migrate(text, case.name, **extra)
    snapshot.snapshot_dir = case.parent
    snapshot.assert_match(render(outcome), f"{case.stem}.expected.py")
    assert_valid_and_stable(text, outcome, case.name, **extra)


def test_every_rule_has_fixtures():
    for name in rules.ALL_RULES:
        assert list((FIXTURES / name).glob("*.expected.py")), f"rule {name} has no snapshot fixtures"
