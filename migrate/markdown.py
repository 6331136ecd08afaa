"""`--output-format markdown`: the pull-request description of a migration.

One document a reviewer reads in a minute: what moved (clients, models as an old -> new
table, stream loops, parameters), the changes and notes per rule, every `error`/`warning`
note grouped by what a person must do (`migrate/actions.py`), what was left alone and why,
the other notes folded away, and with `--diff` the diff in a fenced block. Links are
`path#Lline`, relative to the repository root (or prefixed with `--link-base`). No ANSI
codes; the order is stable (files by path, findings by line), whatever the worker order.
"""

from __future__ import annotations

import ast
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote

from migrate.actions import HEADINGS, ORDER, group_of, left_alone
from migrate.quoting import quote_path
from migrate.report import Reporter, hide_secrets
from migrate.results import SEVERITIES, FileResult

CLIENT_RULES = frozenset({"client", "openai_v0", "anthropic_sdk", "langchain", "llama_index", "litellm", "module_config",
                          "azure", "agents_sdk", "instructor"})
SECTIONS = (("clients", "Clients"), ("models", "Models"), ("streams", "Stream loops"), ("params", "Parameters"),
            ("other", "Other changes"))
MAX_PLACES = 6  # locations listed in one table cell before "and N more"

_REPR = r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
MODEL_CHANGE = re.compile(rf"^model {_REPR} -> {_REPR}$")  # model_names and the framework rules
ENV_MODEL_CHANGE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*: (\S+) -> (\S+)$")  # env files (rule model_names)

_MD_SPECIAL = re.compile(r"([\\`*\[\]|~])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_TICKED = re.compile(r"`([^`\n]+)`")


def _plain(value: str) -> str:
    value = _CONTROL.sub(lambda m: " " if m.group() in "\n\r\t" else f"\\x{ord(m.group()):02x}", value)
    value = value.replace("&", "&amp;").replace("<", "&lt;")
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(), value)


def text(value: str) -> str:
    """A message in Markdown: its `code` spans kept as code, the rest escaped; no control bytes.

    Specials are backslash-escaped (`_` only where it could start or end emphasis), `&` and
    `<` become entities, so no message can open a link, an HTML tag or a code block.
    """
    out, last = [], 0
    for match in _TICKED.finditer(value):
        out += [_plain(value[last:match.start()]), code(match.group(1))]
        last = match.end()
    return "".join(out) + _plain(value[last:])


def code(value: str) -> str:
    """An inline code span that holds `value` whatever backticks it contains."""
    value = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    fence = "`" * (max((len(run) for run in re.findall(r"`+", value)), default=0) + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def cell(value: str) -> str:
    """Table cells: a `|` splits the cell even inside a code span unless escaped."""
    return value.replace("|", "\\|") if "`" in value else value


def fenced(body: str, info: str = "") -> str:
    fence = "`" * max(3, max((len(run) for run in re.findall(r"^`+", body, re.M)), default=0) + 1)
    return f"{fence}{info}\n{body.rstrip(chr(10))}\n{fence}"


@dataclass(frozen=True)
class Place:
    path: str  # relative to the repository root, "/" separated
    line: int
    cell: int | None = None

    def sort_key(self) -> tuple:
        return (self.path, self.cell or 0, self.line)


@dataclass
class MarkdownReporter(Reporter):
    """Collects every result, then writes one Markdown document at the end."""

    root: str = ""  # the repository root links are relative to ("" = the current folder)
    link_base: str = ""  # prefix for links, e.g. https://github.com/OWNER/REPO/blob/SHA/
    _results: list = field(default_factory=list)
    _errors: list = field(default_factory=list)

    def error(self, path: str, message: str) -> None:
        self.errors += 1
        self._errors.append((path, message))
        print(f"{quote_path(path)}: error: {message}", file=self.err)

    def file(self, result: FileResult) -> None:
        self.counts["scanned"] += 1
        self.counts[result.status] += 1
        for note in result.notes:
            self.severities[note.severity] += 1
        if result.status == "error":
            self.error(result.path, result.error)
        elif result.status == "changed" or result.notes or result.status == "skipped":
            if self.mode != "diff":
                result.diff = ""
            self._results.append(result)

    def finish(self) -> int:
        code_ = self.exit_code()
        self.out.write(self.render())
        return code_

    # --- the document ---------------------------------------------------------------------------

    def rel(self, path: str) -> str:
        base = self.root or os.getcwd()
        relative = os.path.relpath(os.path.abspath(path), base)
        return (path if relative.startswith("..") else relative).replace(os.sep, "/")

    def link(self, place: Place) -> str:
        label = quote_path(place.path) + (f":cell {place.cell}" if place.cell is not None else "") + f":{place.line}"
        target = self.link_base + quote(place.path, safe="/")
        if place.cell is None:
            target += f"#L{place.line}"
        return f"[{text(label)}]({target})"

    def places(self, places: list[Place]) -> str:
        ordered = sorted(set(places), key=Place.sort_key)
        shown = ", ".join(self.link(p) for p in ordered[:MAX_PLACES])
        return shown + (f" and {len(ordered) - MAX_PLACES} more" if len(ordered) > MAX_PLACES else "")

    def render(self) -> str:
        results = sorted(self._results, key=lambda r: self.rel(r.path))
        parts = [self._title(), self._moved(results), self._per_rule(results), self._todo(results),
                 self._left_alone(results), self._info(results), self._diff(results), self._footer()]
        return "\n\n".join(part for part in parts if part) + "\n"

    def _title(self) -> str:
        c = self.counts
        verb = "changed" if self.mode == "write" else "would change"
        notes = ", ".join(f"{self.severities[s]} {s}" for s in SEVERITIES if self.severities[s]) or "none"
        errors = f"{self.errors} file{'s' if self.errors != 1 else ''} could not be migrated" if self.errors else "no errors"
        return (f"# Move from the OpenAI API to Fireworks AI\n\n"
                f"fw-migrate {verb} {c['changed']} of {c['scanned']} file{'s' if c['scanned'] != 1 else ''} scanned; "
                f"notes: {notes}; {errors}.")

    def _moved(self, results: list[FileResult]) -> str:
        rows: dict[str, list[tuple[Place, str]]] = defaultdict(list)
        models: dict[tuple[str, str], list[Place]] = defaultdict(list)
        for result in results:
            if result.status != "changed":
                continue
            for change in result.changes:
                place = Place(self.rel(result.path), change.line, change.cell)
                message = hide_secrets(change.message, result.secrets)
                swap = _model_swap(change.rule, message)
                if swap:
                    models[swap].append(place)
                    continue
                section = ("clients" if change.rule in CLIENT_RULES else "streams" if change.rule == "stream_usage"
                           else "params" if change.rule in ("request_params", "max_tokens") else "other")
                rows[section].append((place, f"{text(change.rule)}: {text(message)}"))
        if not rows and not models:
            return "## What moved\n\nNothing: no file needs a change."
        out = ["## What moved"]
        for key, title in SECTIONS:
            if key == "models" and models:
                out.append(f"### {title}\n\n| OpenAI model | Fireworks model | where |\n|---|---|---|")
                for (old, new), places in sorted(models.items()):
                    out[-1] += f"\n| {cell(code(old))} | {cell(code(new))} | {self.places(places)} |"
            elif rows.get(key):
                lines = [f"- {self.link(place)} {what}" for place, what in sorted(rows[key], key=lambda r: r[0].sort_key())]
                out.append(f"### {title}\n\n" + "\n".join(lines))
        return "\n\n".join(out)

    def _per_rule(self, results: list[FileResult]) -> str:
        from migrate import rules

        table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        files: dict[str, set[str]] = defaultdict(set)
        for result in results:
            if result.status == "changed":
                for change in result.changes:
                    table[change.rule]["changes"] += 1
                    files[change.rule].add(result.path)
            for note in result.notes:
                table[note.rule][note.severity] += 1
        if not table:
            return ""
        order = [name for name in rules.ALL_RULES if name in table] + sorted(set(table) - set(rules.ALL_RULES))
        lines = ["## Per rule", "", "| rule | changes | files changed | error | warning | info |", "|---|--:|--:|--:|--:|--:|"]
        for name in order:
            row = table[name]
            lines.append(f"| {code(name)} | {row['changes']} | {len(files[name])} | "
                         + " | ".join(str(row[s]) for s in SEVERITIES) + " |")
        totals = [sum(table[n]["changes"] for n in order), len({p for n in order for p in files[n]}),
                  *(sum(table[n][s] for n in order) for s in SEVERITIES)]
        lines.append("| **total** | " + " | ".join(f"**{t}**" for t in totals) + " |")
        return "\n".join(lines)

    def _findings(self, results: list[FileResult], severities: tuple[str, ...]):
        for result in results:
            for note in result.notes:
                if note.severity in severities:
                    yield Place(self.rel(result.path), note.line, note.cell), note, hide_secrets(note.message, result.secrets)

    def _todo(self, results: list[FileResult]) -> str:
        groups: dict[str, list] = defaultdict(list)
        for place, note, message in self._findings(results, ("error", "warning")):
            groups[group_of(note.code)].append((place, note, message))
        if not groups:
            return "## To do\n\nNothing: no note of severity error or warning."
        out = ["## To do"]
        for key in sorted(groups, key=ORDER.__getitem__):
            items = sorted(groups[key], key=lambda i: (SEVERITIES.index(i[1].severity), i[0].sort_key(), i[1].col, i[1].code))
            lines = [f"- [ ] {self.link(place)} **{note.severity}** {note.code} ({text(note.rule)}): {text(message)}"
                     for place, note, message in items]
            out.append(f"### {HEADINGS[key]} ({len(items)})\n\n" + "\n".join(lines))
        return "\n\n".join(out)

    def _left_alone(self, results: list[FileResult]) -> str:
        lines = []
        for path, message in sorted(self._errors, key=lambda e: self.rel(e[0])):
            lines.append(f"- {code(quote_path(self.rel(path)))}: not migrated: {text(message)}")
        for result in results:
            if result.status == "skipped":
                lines.append(f"- {code(quote_path(self.rel(result.path)))}: skipped: {text(result.error)}")
        kept = sorted(((p, n, m) for p, n, m in self._findings(results, ("info",)) if left_alone(m)),
                      key=lambda i: (i[0].sort_key(), i[1].col, i[1].code))
        lines += [f"- {self.link(place)} {note.code} ({text(note.rule)}): {text(message)}" for place, note, message in kept]
        quiet = self.counts["unchanged"] + self.counts["prefiltered"]
        if quiet:
            never = self.counts["prefiltered"]
            lines.append(f"- {quiet} file{'s' if quiet != 1 else ''} with nothing to migrate"
                         + (f" ({never} of them mention neither OpenAI nor a model)" if never else ""))
        if not lines:
            return ""
        return "## Left alone\n\nfw-migrate saw these and did not change them (errors and warnings it left are in the to-do list).\n\n" + "\n".join(lines)

    def _info(self, results: list[FileResult]) -> str:
        items = sorted(((p, n, m) for p, n, m in self._findings(results, ("info",)) if not left_alone(m)),
                       key=lambda i: (i[0].sort_key(), i[1].col, i[1].code))
        if not items:
            return ""
        lines = [f"- {self.link(place)} {note.code} ({text(note.rule)}): {text(message)}" for place, note, message in items]
        return (f"<details>\n<summary>Other notes ({len(items)} info)</summary>\n\n" + "\n".join(lines) + "\n\n</details>")

    def _diff(self, results: list[FileResult]) -> str:
        diff = "".join(hide_secrets(r.diff, r.secrets) for r in results if r.diff)
        return f"## Diff\n\n{fenced(diff, 'diff')}" if diff else ""

    def _footer(self) -> str:
        from migrate import __version__

        command = {"write": "fw-migrate", "diff": "fw-migrate --diff", "check": "fw-migrate --check"}[self.mode]
        return f"<sub>Written by fw-migrate {__version__} ({code(command + ' --output-format markdown')}).</sub>"


def _model_swap(rule: str, message: str) -> tuple[str, str] | None:
    match = MODEL_CHANGE.match(message)
    if match:
        try:
            return ast.literal_eval(match.group(1)), ast.literal_eval(match.group(2))
        except (ValueError, SyntaxError):
            return None
    if rule == "model_names":
        match = ENV_MODEL_CHANGE.match(message)
        if match:
            return match.group(1), match.group(2)
    return None
