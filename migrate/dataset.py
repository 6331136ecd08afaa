"""Check and repair fine-tuning datasets (chat JSONL) before uploading them to Fireworks.

``fw-migrate dataset check FILE...`` reads each file one line at a time (memory use does not
grow with the file's size) and reports every problem as ``file:line: CODE severity: message``.
``fw-migrate dataset fix FILE -o OUT`` makes the safe, layout-only repairs.

Fireworks documents its supervised fine-tuning (SFT) format at
https://docs.fireworks.ai/fine-tuning/fine-tuning-models : OpenAI-compatible chat JSONL, one
JSON object per line, each with a ``messages`` array, at least 3 and at most 3,000,000
examples per dataset.  Fireworks also accepts these extras, and ``check`` accepts them:
``reasoning_content`` (thinking traces) on assistant messages, ``weight`` 0/1 on messages,
a top-level ``weight`` number on every sample, ``tools`` + ``tool_calls``, and images given
as base64 ``data:`` URLs.

What is checked
===============

Errors mean Fireworks rejects the file (or, where the docs say "must" but the server's own
check is not public, that the file breaks a documented rule).  Warnings point at data that
is probably a mistake, or at layout that lenient readers accept; they do not change the exit
status.

=====  =======  ===============================================================
Code   Level    Problem
=====  =======  ===============================================================
FT001  error    the line is not valid JSON (``NaN``/``Infinity`` count as invalid)
FT002  error    the line is JSON but not an object
FT003  error    the sample has no ``messages`` array, or it is empty
FT004  error    a message is not an object, or has no string ``role``
FT005  error    unknown role (allowed: system, user, assistant, tool)
FT006  error    a system message that is not the first message
FT007  error    no assistant message to learn from (none, or all have weight 0)
FT008  error    a message ``weight`` other than 0 or 1
FT009  error    a per-sample ``weight`` on some samples but not all (reported once)
FT010  error    a per-sample ``weight`` that is not a finite number
FT011  error    ``tool_calls`` in a sample without a non-empty top-level ``tools`` array
FT012  error    tool-call ``arguments`` that are not a string holding valid JSON
FT013  error    malformed ``tool_calls`` (not on an assistant message, no function
                name, ...) or the legacy ``function_call`` field
FT014  error    ``reasoning_content`` on a non-assistant message, or not a string
FT015  error    an image that is not a base64 ``data:`` URL (e.g. a remote https URL)
FT016  warning  an image type other than PNG or JPEG
FT017  error    a message with no ``content`` (allowed only beside ``tool_calls``)
FT018  warning  empty or whitespace-only content
FT019  error    ``content`` that is neither a string nor a list of text/image parts
FT020  error    fewer than 3 samples
FT021  error    more than 3,000,000 samples
FT022  warning  the file starts with a UTF-8 byte order mark (BOM)
FT023  warning  blank lines (reported once, with the first line numbers)
FT024  warning  CRLF (Windows) line endings (reported once)
FT025  error    bare CR (old Mac) line endings: Fireworks, which splits on LF, would
                see several samples as one line (reported once)
=====  =======  ===============================================================

Choices where the Fireworks docs are silent or unclear:

* Roles: the docs list system, user and assistant; ``tool`` is accepted because the docs'
  tool-calling examples need it.  The legacy OpenAI ``function`` role (and the legacy
  ``function_call`` field) is an error: no Fireworks source mentions it and the chat
  templates of the tunable models have no such role.  Convert it to ``tool`` messages and
  ``tool_calls``.
* Remote image URLs are errors, although no source shows the server rejecting them: the
  vision fine-tuning docs say images "must be base64 encoded" with a MIME-type prefix.
  Image types other than PNG/JPEG are only warnings (the docs list PNG/JPG/JPEG, but no
  rejection of other types is documented).
* Tool-call ``arguments`` must be a string holding JSON, as in the OpenAI format; an
  already-parsed object is an error (FT012).
* Per-message weights are accepted on any role; the docs do not restrict them to assistant
  messages.  A per-sample ``weight`` may be any finite number (negative and 0 included).
* Empty content is a warning (the file is well-formed, but the turn teaches nothing);
  missing or ``null`` content is an error, except on an assistant message with
  ``tool_calls``.
* A blank line, a BOM and CRLF endings are warnings: the content is intact and common
  JSONL readers accept them, but Fireworks asks for strict JSONL.  ``dataset fix``
  repairs all three.
* Samples are counted as non-blank lines, valid or not: each is an example to Fireworks.
  Fireworks also caps examples x epochs at 3 million; that depends on the job, not the
  file, and is not checked.
* Line numbers are the ones an editor shows: LF, CRLF and a bare CR all end a line.
* A file that is not UTF-8, is missing or is a directory cannot be read (exit status 2).

Summary
=======

For each file: samples; messages by role; samples with tool calls, with reasoning, with
images, with message weights, with a sample weight; the longest sample; total size.
Sizes count the characters of text the model reads: string content and text parts,
``reasoning_content``, tool-call names and arguments, and the ``tools`` array as compact
JSON.  Image data, JSON syntax and chat-template tokens are not counted.  Token counts are
an estimate: characters / 4, rounded up (about right for English text; code and non-Latin
scripts use more tokens per character, and Fireworks may expand samples with reasoning).

Exit status and output
======================

``check`` exits 0 when every file is accepted (warnings allowed), 1 when a file has an
error, 2 when a file cannot be read (the cause is printed on one line).

``--output-format json`` prints one JSON object::

    {
      "version": 1,
      "problems": [
        {"file": "a.jsonl", "line": 4, "code": "FT001", "severity": "error",
         "message": "invalid JSON: ..."}
      ],
      "files": [
        {"file": "a.jsonl", "status": "rejected", "error": null, "summary": {...}},
        {"file": "b.jsonl", "status": "unreadable", "error": "not UTF-8 ...", "summary": null}
      ],
      "exit_code": 1
    }

``line`` is ``null`` for a problem about the whole file (e.g. FT020).  ``status`` is
``accepted``, ``rejected`` or ``unreadable``.  ``summary`` holds the fields of
:class:`Summary` (see :meth:`Summary.to_dict`).  Problems are written as they are found,
so the output stays streamable on huge files.

A progress bar is drawn on standard error when it is a terminal, ``--quiet`` is not given
and the ``CI`` environment variable is not set.  ``--quiet`` also drops the text summary.

Repairs (``dataset fix``)
=========================

``fix`` removes a UTF-8 BOM at the start of the file, turns CRLF and bare CR line endings
into LF, and drops blank (empty or space/tab-only) lines.  Every other byte is copied
unchanged; a last line without a newline keeps having none.  It prints what it repaired.
The output is written to a temporary file in OUT's folder, then moved over OUT with
``os.replace``, so OUT is never half-written.  OUT must differ from FILE unless
``--in-place`` is given (then ``-o`` may be omitted); an in-place run with nothing to
repair leaves the file untouched.  ``fix`` refuses a file that is not UTF-8 and does not
check JSON: run ``check`` afterwards.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import IO, Any

import click

DOCS_URL = "https://docs.fireworks.ai/fine-tuning/fine-tuning-models"
MIN_SAMPLES = 3
MAX_SAMPLES = 3_000_000
ALLOWED_ROLES = ("system", "user", "assistant", "tool")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/jpg")
CHARS_PER_TOKEN = 4
FIRST_OFFENDERS = 5  # how many line numbers a once-per-file problem lists
BLOCK_SIZE = 1 << 20

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Check:
    code: str
    severity: str
    title: str


CHECKS: dict[str, Check] = {
    c.code: c
    for c in (
        Check("FT001", ERROR, "invalid JSON"),
        Check("FT002", ERROR, "sample is not a JSON object"),
        Check("FT003", ERROR, "no messages array"),
        Check("FT004", ERROR, "malformed message"),
        Check("FT005", ERROR, "unknown role"),
        Check("FT006", ERROR, "system message not first"),
        Check("FT007", ERROR, "no assistant turn to learn from"),
        Check("FT008", ERROR, "message weight not 0 or 1"),
        Check("FT009", ERROR, "sample weight on some samples only"),
        Check("FT010", ERROR, "sample weight not a number"),
        Check("FT011", ERROR, "tool_calls without tools"),
        Check("FT012", ERROR, "tool-call arguments not JSON"),
        Check("FT013", ERROR, "malformed or legacy tool call"),
        Check("FT014", ERROR, "misplaced reasoning_content"),
        Check("FT015", ERROR, "image not a base64 data URL"),
        Check("FT016", WARNING, "image type not PNG/JPEG"),
        Check("FT017", ERROR, "missing content"),
        Check("FT018", WARNING, "empty content"),
        Check("FT019", ERROR, "content of the wrong type"),
        Check("FT020", ERROR, "too few samples"),
        Check("FT021", ERROR, "too many samples"),
        Check("FT022", WARNING, "UTF-8 byte order mark"),
        Check("FT023", WARNING, "blank lines"),
        Check("FT024", WARNING, "CRLF line endings"),
        Check("FT025", ERROR, "bare CR line endings"),
    )
}

FIX_HINT = "run `fw-migrate dataset fix`"


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    line: int | None = None
    file: str | None = None

    @property
    def severity(self) -> str:
        return CHECKS[self.code].severity

    def format(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.code} {self.severity}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }


def estimate_tokens(chars: int) -> int:
    """The documented rough estimate: characters / 4, rounded up."""
    return -(-chars // CHARS_PER_TOKEN)


@dataclass
class Summary:
    """What one file holds; filled in while its problems are being iterated."""

    samples: int = 0
    messages_by_role: dict[str, int] = field(default_factory=dict)
    with_tool_calls: int = 0
    with_reasoning: int = 0
    with_images: int = 0
    with_message_weights: int = 0
    with_sample_weight: int = 0
    longest_sample_line: int | None = None
    longest_sample_chars: int = 0
    total_chars: int = 0
    blank_lines: int = 0
    errors: int = 0
    warnings: int = 0

    @property
    def messages(self) -> int:
        return sum(self.messages_by_role.values())

    @property
    def accepted(self) -> bool:
        return self.errors == 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["messages"] = self.messages
        data["longest_sample_estimated_tokens"] = estimate_tokens(self.longest_sample_chars)
        data["total_estimated_tokens"] = estimate_tokens(self.total_chars)
        data["accepted"] = self.accepted
        return data


class DatasetFileError(Exception):
    """A file that cannot be read (or written); str() is a one-line explanation."""

    def __init__(self, path: str, cause: str, action: str = "read") -> None:
        super().__init__(f"cannot {action} {path}: {cause}")
        self.path = path
        self.cause = cause


# --------------------------------------------------------------------------- per sample

Finding = tuple[str, str]  # (code, message) before a line number is attached


@dataclass
class _SampleFacts:
    roles: list[str] = field(default_factory=list)
    chars: int = 0
    tool_calls: bool = False
    reasoning: bool = False
    images: bool = False
    message_weights: bool = False
    learnable: bool = False  # an assistant message with weight != 0


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _show(value: Any, limit: int = 40) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _type_name(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number" if _is_number(value) else type(value).__name__)


def _check_sample(sample: dict[str, Any]) -> tuple[list[Finding], _SampleFacts]:
    facts = _SampleFacts()
    messages = sample.get("messages")
    if not isinstance(messages, list) or not messages:
        if "messages" not in sample:
            what = "no \"messages\" key"
        else:
            what = f"\"messages\" is {'empty' if messages == [] else _type_name(messages)}"
        return [("FT003", f"{what}; each sample needs a non-empty messages array")], facts
    findings: list[Finding] = []
    for index, message in enumerate(messages, 1):
        findings.extend(_check_message(message, index, facts))
    findings.extend(_check_conversation(sample, facts))
    return findings, facts


def _check_message(message: Any, index: int, facts: _SampleFacts) -> Iterator[Finding]:
    where = f"message {index}"
    if not isinstance(message, dict):
        yield "FT004", f"{where} is {_type_name(message)}, expected an object"
        return
    role = message.get("role")
    if not isinstance(role, str):
        yield "FT004", f"{where} has no string \"role\""
        return
    facts.roles.append(role)
    where = f"{where} ({role})"
    yield from _check_role(role, index, where)
    yield from _check_content(message, where, facts)
    yield from _check_message_weight(message, role, where, facts)
    yield from _check_reasoning(message, role, where, facts)
    yield from _check_tool_calls(message, role, where, facts)


def _check_role(role: str, index: int, where: str) -> Iterator[Finding]:
    if role == "function":
        yield "FT005", (
            f"{where}: the legacy \"function\" role is not supported; "
            "use a \"tool\" message answering an assistant tool_calls entry"
        )
    elif role not in ALLOWED_ROLES:
        hint = "; use \"system\" for OpenAI's \"developer\" role" if role == "developer" else ""
        yield "FT005", f"{where}: unknown role; allowed: {', '.join(ALLOWED_ROLES)}{hint}"
    elif role == "system" and index > 1:
        yield "FT006", f"{where}: a system message must be the first message"


def _check_content(message: dict[str, Any], where: str, facts: _SampleFacts) -> Iterator[Finding]:
    content = message.get("content")
    has_calls = bool(message.get("tool_calls"))
    if content is None:
        if not has_calls and message.get("function_call") is None:
            yield "FT017", f"{where} has no content"
    elif isinstance(content, str):
        facts.chars += len(content)
        if not content.strip() and not has_calls:
            yield "FT018", f"{where} has empty content"
    elif isinstance(content, list):
        yield from _check_parts(content, where, has_calls, facts)
    else:
        yield "FT019", f"{where}: content is {_type_name(content)}, expected a string or a list of parts"


def _check_parts(
    parts: list[Any], where: str, has_calls: bool, facts: _SampleFacts
) -> Iterator[Finding]:
    substantial = False
    for number, part in enumerate(parts, 1):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text" and isinstance(part.get("text"), str):
            facts.chars += len(part["text"])
            substantial = substantial or bool(part["text"].strip())
            continue
        substantial = True  # an image, or a broken part reported below
        if kind == "image_url":
            facts.images = True
            yield from _check_image(part.get("image_url"), f"{where} part {number}")
        elif kind == "text":
            yield "FT019", f"{where} part {number}: a text part needs a string \"text\""
        else:
            yield "FT019", (
                f"{where} part {number}: unsupported part type {_show(kind)}; "
                "expected \"text\" or \"image_url\""
            )
    if not substantial and not has_calls:
        yield "FT018", f"{where} has empty content"


def _check_image(image: Any, where: str) -> Iterator[Finding]:
    url = image.get("url") if isinstance(image, dict) else image
    if not isinstance(url, str) or not url:
        yield "FT015", f"{where}: image_url needs a \"url\" string"
        return
    head = url[:256]
    if head.lower().startswith(("http://", "https://")):
        yield "FT015", (
            f"{where}: remote image URL {_show(head, 60)}; Fireworks requires images "
            "inline as base64 data URLs (data:image/png;base64,...)"
        )
        return
    comma = head.find(",")
    if not head.lower().startswith("data:") or comma < 0:
        yield "FT015", f"{where}: image URL {_show(head, 60)} is not a base64 data URL"
        return
    params = head[5:comma].lower().split(";")
    if params[-1] != "base64":
        yield "FT015", f"{where}: the image data URL is not base64-encoded (add ;base64)"
    elif params[0] not in IMAGE_TYPES:
        yield "FT016", f"{where}: image type {params[0] or '(none)'!r}; Fireworks documents PNG and JPEG"


def _check_message_weight(
    message: dict[str, Any], role: str, where: str, facts: _SampleFacts
) -> Iterator[Finding]:
    weight = message.get("weight", 1)
    if role == "assistant" and weight != 0:
        facts.learnable = True
    if "weight" not in message:
        return
    facts.message_weights = True
    if not _is_number(weight) or weight not in (0, 1):
        yield "FT008", f"{where} has weight {_show(weight)}; message weights must be 0 or 1"


def _check_reasoning(
    message: dict[str, Any], role: str, where: str, facts: _SampleFacts
) -> Iterator[Finding]:
    reasoning = message.get("reasoning_content")
    if reasoning is None:
        return
    if role != "assistant":
        yield "FT014", f"{where}: reasoning_content is allowed on assistant messages only"
    elif not isinstance(reasoning, str):
        yield "FT014", f"{where}: reasoning_content is {_type_name(reasoning)}, expected a string"
    else:
        facts.chars += len(reasoning)
        facts.reasoning = facts.reasoning or bool(reasoning.strip())


def _check_tool_calls(
    message: dict[str, Any], role: str, where: str, facts: _SampleFacts
) -> Iterator[Finding]:
    if message.get("function_call") is not None:
        yield "FT013", f"{where}: legacy \"function_call\"; convert it to \"tool_calls\""
    calls = message.get("tool_calls")
    if calls is None:
        return
    if role != "assistant":
        yield "FT013", f"{where}: tool_calls are allowed on assistant messages only"
    elif not isinstance(calls, list) or not calls:
        yield "FT013", f"{where}: tool_calls must be a non-empty array"
    else:
        facts.tool_calls = True
        for number, call in enumerate(calls, 1):
            yield from _check_tool_call(call, f"{where} tool call {number}", facts)


def _check_tool_call(call: Any, where: str, facts: _SampleFacts) -> Iterator[Finding]:
    function = call.get("function") if isinstance(call, dict) else None
    name = function.get("name") if isinstance(function, dict) else None
    if not isinstance(name, str) or not name:
        yield "FT013", f"{where}: needs a \"function\" object with a \"name\""
        return
    facts.chars += len(name)
    arguments = function.get("arguments")
    if not isinstance(arguments, str):
        yield "FT012", (
            f"{where} ({name}): arguments is {_type_name(arguments)}; "
            "it must be a string holding JSON, e.g. \"{\\\"city\\\": \\\"Paris\\\"}\""
        )
        return
    facts.chars += len(arguments)
    try:
        json.loads(arguments)
    except ValueError as exc:
        yield "FT012", f"{where} ({name}): arguments are not valid JSON: {_json_error(exc)}"


def _check_conversation(sample: dict[str, Any], facts: _SampleFacts) -> Iterator[Finding]:
    if not facts.learnable:
        if "assistant" in facts.roles:
            yield "FT007", "every assistant message has weight 0; there is nothing to learn from"
        else:
            yield "FT007", "no assistant message; there is nothing to learn from"
    tools = sample.get("tools")
    if tools is not None and not isinstance(tools, list):
        yield "FT011", f"\"tools\" is {_type_name(tools)}, expected an array"
    elif facts.tool_calls and not tools:
        yield "FT011", "the sample has tool_calls but no top-level \"tools\" array describing them"
    if isinstance(tools, list):
        facts.chars += len(json.dumps(tools, separators=(",", ":"), ensure_ascii=False))


def _json_error(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} (column {exc.colno})"
    return str(exc)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# --------------------------------------------------------------------------- per file


@dataclass
class _LineSet:
    """A count plus the first few line numbers: constant memory however many lines."""

    count: int = 0
    first: list[int] = field(default_factory=list)

    def add(self, line: int) -> None:
        self.count += 1
        if len(self.first) < FIRST_OFFENDERS:
            self.first.append(line)

    def describe(self) -> str:
        lines = ", ".join(str(n) for n in self.first)
        more = self.count - len(self.first)
        return f"line{'s' if self.count > 1 else ''} {lines}" + (f" and {more} more" if more else "")


def _split_ending(text: str) -> tuple[str, str]:
    if text.endswith("\r\n"):
        return text[:-2], "\r\n"
    if text.endswith(("\n", "\r")):
        return text[:-1], text[-1]
    return text, ""


class _Checker:
    """Push-style checker: feed() each line, then finish().  Keeps O(1) state."""

    def __init__(self, summary: Summary, file: str | None, min_samples: int, max_samples: int):
        self.summary = summary
        self.file = file
        self.min_samples = min_samples
        self.max_samples = max_samples
        self.first_line: int | None = None
        self.over_limit_line: int | None = None
        self.blank = _LineSet()
        self.crlf = _LineSet()
        self.bare_cr = _LineSet()
        self.weighted = _LineSet()
        self.unweighted = _LineSet()

    def problem(self, code: str, message: str, line: int | None) -> Problem:
        if CHECKS[code].severity == ERROR:
            self.summary.errors += 1
        else:
            self.summary.warnings += 1
        return Problem(code, message, line, self.file)

    def feed(self, lineno: int, text: str) -> Iterator[Problem]:
        body, ending = _split_ending(text)
        if ending == "\r\n":
            self.crlf.add(lineno)
        elif ending == "\r":
            self.bare_cr.add(lineno)
        if self.first_line is None:
            self.first_line = lineno
            if body.startswith("\ufeff"):
                body = body[1:]
                message = f"the file starts with a UTF-8 byte order mark; {FIX_HINT}"
                yield self.problem("FT022", message, lineno)
        if not body.strip(" \t"):
            self.blank.add(lineno)
            self.summary.blank_lines += 1
            return
        self.summary.samples += 1
        if self.summary.samples == self.max_samples + 1:
            self.over_limit_line = lineno
        for code, message in self._check_json_line(lineno, body):
            yield self.problem(code, message, lineno)

    def _check_json_line(self, lineno: int, body: str) -> Iterator[Finding]:
        try:
            sample = json.loads(body, parse_constant=_reject_constant)
        except ValueError as exc:
            yield "FT001", f"invalid JSON: {_json_error(exc)}"
            return
        except RecursionError:
            yield "FT001", "invalid JSON: nested too deeply"
            return
        if not isinstance(sample, dict):
            yield "FT002", f"the sample is {_type_name(sample)}, expected an object with \"messages\""
            return
        findings, facts = _check_sample(sample)
        yield from findings
        yield from self._note_sample_weight(lineno, sample)
        self._count(lineno, facts)

    def _note_sample_weight(self, lineno: int, sample: dict[str, Any]) -> Iterator[Finding]:
        if "weight" not in sample:
            self.unweighted.add(lineno)
            return
        self.weighted.add(lineno)
        weight = sample["weight"]
        if not _is_number(weight) or not math.isfinite(weight):
            yield "FT010", f"sample weight {_show(weight)} is not a finite number"

    def _count(self, lineno: int, facts: _SampleFacts) -> None:
        s = self.summary
        for role in facts.roles:
            s.messages_by_role[role] = s.messages_by_role.get(role, 0) + 1
        s.with_tool_calls += facts.tool_calls
        s.with_reasoning += facts.reasoning
        s.with_images += facts.images
        s.with_message_weights += facts.message_weights
        s.total_chars += facts.chars
        if s.longest_sample_line is None or facts.chars > s.longest_sample_chars:
            s.longest_sample_line, s.longest_sample_chars = lineno, facts.chars

    def finish(self) -> Iterator[Problem]:
        self.summary.with_sample_weight = self.weighted.count
        if self.blank.count:
            message = f"{_plural(self.blank.count, 'blank line')} ({self.blank.describe()}); {FIX_HINT}"
            yield self.problem("FT023", message, self.blank.first[0])
        if self.crlf.count:
            message = f"CRLF line endings on {self.crlf.describe()}; {FIX_HINT}"
            yield self.problem("FT024", message, self.crlf.first[0])
        if self.bare_cr.count:
            yield self.problem(
                "FT025",
                f"bare CR line endings on {self.bare_cr.describe()}; Fireworks reads lines split on LF "
                f"and would see these samples as one line; {FIX_HINT}",
                self.bare_cr.first[0],
            )
        yield from self._finish_weights()
        yield from self._finish_counts()

    def _finish_weights(self) -> Iterator[Problem]:
        with_w, without_w = self.weighted, self.unweighted
        if not (with_w.count and without_w.count):
            return
        total = with_w.count + without_w.count
        if without_w.count <= with_w.count:
            offenders, label = without_w, "without"
        else:
            offenders, label = with_w, "with"
        yield self.problem(
            "FT009",
            f"a per-sample \"weight\" is on {with_w.count} of {total} samples; it must be on every "
            f"sample or on none. Samples {label} a weight: {offenders.describe()}",
            offenders.first[0],
        )

    def _finish_counts(self) -> Iterator[Problem]:
        samples = self.summary.samples
        if samples < self.min_samples:
            message = f"{_plural(samples, 'sample')}; Fireworks needs at least {self.min_samples}"
            yield self.problem("FT020", message, None)
        if self.over_limit_line is not None:
            yield self.problem(
                "FT021",
                f"{_plural(samples, 'sample')}; Fireworks accepts at most {self.max_samples:,} "
                f"(line {self.over_limit_line} is the first one over)",
                self.over_limit_line,
            )


def check_lines(
    lines: Iterable[tuple[int, str]],
    summary: Summary | None = None,
    *,
    file: str | None = None,
    min_samples: int = MIN_SAMPLES,
    max_samples: int = MAX_SAMPLES,
) -> Iterator[Problem]:
    """Yield the problems of a dataset given as ``(line_number, text)`` pairs.

    ``text`` may keep its line ending (``\\n``, ``\\r\\n`` or ``\\r``).  If ``summary`` is
    given, it is filled in as the problems are consumed and is complete once the iterator
    is exhausted.  Memory use does not depend on the number of lines or problems.
    """
    checker = _Checker(summary if summary is not None else Summary(), file, min_samples, max_samples)
    for lineno, text in lines:
        yield from checker.feed(lineno, text)
    yield from checker.finish()


def iter_raw_lines(
    stream: IO[bytes], on_bytes: Callable[[int], None] | None = None, block_size: int = BLOCK_SIZE
) -> Iterator[bytes]:
    """Split a binary stream into lines ending in LF, CRLF or a bare CR (endings kept).

    Reads fixed-size blocks, so memory is bounded by the block size plus the longest line.
    """
    pending: list[bytes] = []
    while True:
        block = stream.read(block_size)
        if not block:
            break
        if on_bytes is not None:
            on_bytes(len(block))
        if b"\n" not in block and b"\r" not in block:
            pending.append(block)
            continue
        pending.append(block)
        parts = b"".join(pending).splitlines(keepends=True)
        # An unterminated tail, or a CR that may be the first half of CRLF, waits for more.
        pending = [] if parts[-1].endswith(b"\n") else [parts.pop()]
        yield from parts
    if pending:
        yield b"".join(pending)


def _open_binary(path: str) -> IO[bytes]:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise DatasetFileError(path, "no such file") from None
    except IsADirectoryError:
        raise DatasetFileError(path, "it is a directory") from None
    except PermissionError:
        raise DatasetFileError(path, "permission denied") from None
    except OSError as exc:
        raise DatasetFileError(path, exc.strerror or str(exc)) from None


def _decode(path: str, lineno: int, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if lineno == 1 and raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            cause = "not UTF-8 (it starts with a UTF-16 byte order mark; save it as UTF-8)"
        else:
            cause = f"not UTF-8 (byte 0x{raw[exc.start]:02x} at line {lineno}, byte {exc.start + 1})"
        raise DatasetFileError(path, cause) from None


def _checked_lines(
    path: str, stream: IO[bytes], on_bytes: Callable[[int], None] | None
) -> Iterator[tuple[int, bytes, str]]:
    """``(line_number, raw, text)``; read and UTF-8 failures become DatasetFileError."""
    try:
        for lineno, raw in enumerate(iter_raw_lines(stream, on_bytes), 1):
            yield lineno, raw, _decode(path, lineno, raw)
    except OSError as exc:
        raise DatasetFileError(path, exc.strerror or str(exc)) from None


def iter_file_lines(
    path: str, *, on_bytes: Callable[[int], None] | None = None
) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` for each line of ``path``, endings kept, decoding per line.

    Raises :class:`DatasetFileError` (lazily, while iterating) when the file cannot be read.
    """
    with _open_binary(path) as stream:
        for lineno, _, text in _checked_lines(path, stream, on_bytes):
            yield lineno, text


def check_file(
    path: str,
    summary: Summary | None = None,
    *,
    on_bytes: Callable[[int], None] | None = None,
    min_samples: int = MIN_SAMPLES,
    max_samples: int = MAX_SAMPLES,
) -> Iterator[Problem]:
    """Stream the problems of one JSONL file; see :func:`check_lines`.

    Raises :class:`DatasetFileError` while iterating if the file cannot be read.
    Returning an iterator (not a list) keeps memory constant even for millions of problems.
    """
    lines = iter_file_lines(path, on_bytes=on_bytes)
    return check_lines(lines, summary, file=str(path), min_samples=min_samples, max_samples=max_samples)


# --------------------------------------------------------------------------- fix


@dataclass
class FixReport:
    bom_removed: bool = False
    crlf: int = 0
    bare_cr: int = 0
    blank: _LineSet = field(default_factory=_LineSet)
    lines_written: int = 0

    @property
    def changed(self) -> bool:
        return self.bom_removed or bool(self.crlf or self.bare_cr or self.blank.count)

    def describe(self) -> list[str]:
        repairs = []
        if self.bom_removed:
            repairs.append("removed the UTF-8 byte order mark")
        if self.crlf:
            repairs.append(f"converted {_plural(self.crlf, 'CRLF line ending')} to LF")
        if self.bare_cr:
            repairs.append(f"converted {_plural(self.bare_cr, 'bare CR line ending')} to LF")
        if self.blank.count:
            repairs.append(f"removed {_plural(self.blank.count, 'blank line')} ({self.blank.describe()})")
        return repairs


def fix_stream(
    path: str, source: IO[bytes], target: IO[bytes], on_bytes: Callable[[int], None] | None = None
) -> FixReport:
    """Copy ``source`` to ``target`` with the safe repairs; raise DatasetFileError if not UTF-8."""
    report = FixReport()
    for lineno, raw, _ in _checked_lines(path, source, on_bytes):  # refuses non-UTF-8 input
        body = raw.rstrip(b"\r\n")
        ending = raw[len(body):]
        if lineno == 1 and body.startswith(b"\xef\xbb\xbf"):
            body = body[3:]
            report.bom_removed = True
        report.crlf += ending == b"\r\n"
        report.bare_cr += ending == b"\r"
        if not body.strip(b" \t"):
            report.blank.add(lineno)
            continue
        target.write(body + (b"\n" if ending else b""))
        report.lines_written += 1
    return report


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def fix_file(
    source: str,
    output: str,
    *,
    on_bytes: Callable[[int], None] | None = None,
    keep_unchanged: bool = False,
) -> FixReport:
    """Repair ``source`` into ``output`` atomically (temp file in output's folder + os.replace).

    With ``keep_unchanged`` an existing ``output`` is not rewritten when nothing was repaired
    (used for in-place runs).  Raises DatasetFileError for unreadable input or unwritable output.
    """
    output = os.path.realpath(output) if os.path.islink(output) else output
    folder = os.path.dirname(os.path.abspath(output))
    with _open_binary(source) as src:
        try:
            tmp = tempfile.NamedTemporaryFile(
                "wb", dir=folder, prefix=f".{os.path.basename(output)}.", suffix=".tmp", delete=False
            )
        except OSError as exc:
            raise DatasetFileError(output, exc.strerror or str(exc), "write") from None
        try:
            with tmp:
                report = fix_stream(source, src, tmp, on_bytes)
                tmp.flush()
                os.fsync(tmp.fileno())
            if keep_unchanged and not report.changed:
                os.unlink(tmp.name)
                return report
            shutil.copymode(output if os.path.exists(output) else source, tmp.name)
            os.replace(tmp.name, output)
        except BaseException as exc:
            if os.path.exists(tmp.name):
                os.unlink(tmp.name)
            if isinstance(exc, OSError):  # read failures arrive as DatasetFileError
                raise DatasetFileError(output, exc.strerror or str(exc), "write") from None
            raise
    return report


# --------------------------------------------------------------------------- CLI


def progress_wanted(quiet: bool) -> bool:
    """Show a progress bar only for a person watching: stderr a terminal, not quiet, not CI."""
    if quiet or "CI" in os.environ:
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class _Plain:
    """No progress bar: lines go straight to stdout/stderr."""

    def __enter__(self) -> _Plain:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def start(self, path: str) -> None:
        pass

    def advance(self, nbytes: int) -> None:
        pass

    def echo(self, text: str, err: bool = False) -> None:
        click.echo(text, err=err)


class _RichProgress(_Plain):
    """A rich progress bar on stderr; ``rich`` is imported only when one is shown."""

    def __enter__(self) -> _RichProgress:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.task: Any = None
        self.stdout_tty = sys.stdout.isatty()
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def start(self, path: str) -> None:
        if self.task is not None:
            self.progress.remove_task(self.task)
        try:
            total: int | None = os.path.getsize(path)
        except OSError:
            total = None
        self.task = self.progress.add_task(os.path.basename(path) or path, total=total)

    def advance(self, nbytes: int) -> None:
        self.progress.advance(self.task, nbytes)

    def echo(self, text: str, err: bool = False) -> None:
        if err or self.stdout_tty:  # same terminal: print above the bar, not through it
            self.console.print(text, markup=False, highlight=False, emoji=False, soft_wrap=True)
        else:
            click.echo(text)


def _display(quiet: bool) -> _Plain:
    return _RichProgress() if progress_wanted(quiet) else _Plain()


def _role_order(role: str) -> tuple[int, str]:
    return (ALLOWED_ROLES.index(role) if role in ALLOWED_ROLES else len(ALLOWED_ROLES), role)


def format_summary(path: str, summary: Summary) -> list[str]:
    s = summary
    roles = ", ".join(f"{r} {s.messages_by_role[r]:,}" for r in sorted(s.messages_by_role, key=_role_order))
    longest = (
        f"line {s.longest_sample_line}, {s.longest_sample_chars:,} chars "
        f"(~{estimate_tokens(s.longest_sample_chars):,} tokens)"
        if s.longest_sample_line is not None
        else "none"
    )
    verdict = "accepted" if s.accepted else "rejected"
    return [
        f"{path}: {s.samples:,} samples, {s.messages:,} messages" + (f" ({roles})" if roles else ""),
        f"  samples with tool calls {s.with_tool_calls:,}, reasoning {s.with_reasoning:,}, "
        f"images {s.with_images:,}, message weights {s.with_message_weights:,}, "
        f"sample weight {s.with_sample_weight:,}",
        f"  longest sample: {longest}; all samples: {s.total_chars:,} chars "
        f"(~{estimate_tokens(s.total_chars):,} tokens; estimate = chars / {CHARS_PER_TOKEN})",
        f"  result: {verdict} ({_plural(s.errors, 'error')}, {_plural(s.warnings, 'warning')})",
    ]


class _TextReport:
    def __init__(self, out: _Plain, quiet: bool) -> None:
        self.out, self.quiet = out, quiet

    def problem(self, problem: Problem) -> None:
        self.out.echo(problem.format())

    def unreadable(self, path: str, error: DatasetFileError) -> None:
        self.out.echo(f"error: {error}", err=True)

    def done(self, path: str, summary: Summary) -> None:
        if not self.quiet:
            for line in format_summary(path, summary):
                self.out.echo(line)

    def close(self, exit_code: int) -> None:
        pass


class _JsonReport:
    """Writes the documented JSON object incrementally (problems are never all in memory)."""

    def __init__(self, out: _Plain) -> None:
        self.out = out
        self.files: list[dict[str, Any]] = []
        self.held: str | None = None  # the last problem waits to learn if a comma follows
        self.out.echo('{\n  "version": 1,\n  "problems": [')

    def problem(self, problem: Problem) -> None:
        if self.held is not None:
            self.out.echo(self.held + ",")
        self.held = "    " + json.dumps(problem.to_dict(), ensure_ascii=False)

    def unreadable(self, path: str, error: DatasetFileError) -> None:
        self.files.append({"file": path, "status": "unreadable", "error": error.cause, "summary": None})

    def done(self, path: str, summary: Summary) -> None:
        status = "accepted" if summary.accepted else "rejected"
        self.files.append({"file": path, "status": status, "error": None, "summary": summary.to_dict()})

    def close(self, exit_code: int) -> None:
        if self.held is not None:
            self.out.echo(self.held)
        files = json.dumps(self.files, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        self.out.echo(f'  ],\n  "files": {files},\n  "exit_code": {exit_code}\n}}')


@click.group(name="dataset")
def dataset_cli() -> None:
    """Check and repair fine-tuning datasets (chat JSONL) for Fireworks."""


def _codes_epilog() -> str:
    rows = "\n".join(f"  {c.code}  {c.severity:<7}  {c.title}" for c in CHECKS.values())
    return f"\b\nProblem codes:\n{rows}"


@dataset_cli.command("check", epilog=_codes_epilog())
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option(
    "--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="json: one object with problems and a summary per file.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no text summary.")
@click.pass_context
def check_command(ctx: click.Context, files: tuple[str, ...], output_format: str, quiet: bool) -> None:
    """Check JSONL fine-tuning files against Fireworks' SFT format.

    Exit status: 0 accepted, 1 a file has errors, 2 a file cannot be read.
    Format: https://docs.fireworks.ai/fine-tuning/fine-tuning-models
    """
    exit_code = 0
    with _display(quiet) as out:
        report: _TextReport | _JsonReport
        report = _JsonReport(out) if output_format == "json" else _TextReport(out, quiet)
        for path in files:
            exit_code = max(exit_code, _check_one(path, out, report))
        report.close(exit_code)
    ctx.exit(exit_code)


def _check_one(path: str, out: _Plain, report: _TextReport | _JsonReport) -> int:
    summary = Summary()
    out.start(path)
    try:
        for problem in check_file(path, summary, on_bytes=out.advance):
            report.problem(problem)
    except DatasetFileError as exc:
        report.unreadable(path, exc)
        return 2
    report.done(path, summary)
    return 0 if summary.accepted else 1


@dataset_cli.command("fix")
@click.argument("file", type=click.Path())
@click.option("-o", "--output", metavar="OUT", type=click.Path(), help="Where to write the result.")
@click.option("--in-place", is_flag=True, help="Rewrite FILE itself (atomically).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def fix_command(file: str, output: str | None, in_place: bool, quiet: bool) -> None:
    """Repair layout only: strip a BOM, CRLF/CR -> LF, drop blank lines.

    Content is never changed.  Writes OUT atomically; OUT may not be FILE without --in-place.
    """
    if output is None and not in_place:
        raise click.UsageError("give -o OUT, or --in-place to rewrite FILE")
    if output is not None and _same_file(file, output) and not in_place:
        raise click.UsageError(f"{output} is FILE itself; pass --in-place to rewrite it")
    if output is not None and in_place and not _same_file(file, output):
        raise click.UsageError("use either -o OUT or --in-place, not both")
    target = output if output is not None else file
    with _display(quiet) as out:
        out.start(file)
        try:
            report = fix_file(file, target, on_bytes=out.advance, keep_unchanged=in_place)
        except DatasetFileError as exc:
            out.echo(f"error: {exc}", err=True)
            click.get_current_context().exit(2)
        out.echo(_fix_message(file, target, in_place, report))


def _fix_message(file: str, target: str, in_place: bool, report: FixReport) -> str:
    where = file if in_place else f"{file} -> {target}"
    if report.changed:
        return f"{where}: " + "; ".join(report.describe())
    return f"{where}: nothing to repair ({'file left' if in_place else 'copied'} unchanged)"
