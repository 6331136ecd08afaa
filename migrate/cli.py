"""The command line: the only module that parses flags, prints or exits."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from migrate import __version__, rules
from migrate.facts import Links
from migrate.report import EXIT_ERROR, FAIL_ON, FORMATS, make_reporter
from migrate.settings import Settings, SettingsError, from_mapping, load

CODE_RE = re.compile(r"^FW\d{3}$")


def _split(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _check_rule_names(names: tuple[str, ...] | None, origin: str, codes_ok: bool) -> None:
    for name in names or ():
        if name not in rules.ALL_RULES and not (codes_ok and CODE_RE.match(name)):
            known = ", ".join(rules.ALL_RULES)
            raise SettingsError(f"{origin}: unknown rule {name!r} (rules: {known})")


def _common_parent(paths: tuple[str, ...]) -> Path:
    try:
        return Path(os.path.commonpath([os.path.abspath(p) for p in paths]))
    except ValueError:
        return Path.cwd()


def build_settings(paths: tuple[str, ...], config: str | None, flags: dict) -> Settings:
    settings = load(_common_parent(paths), Path(config) if config else None)
    origin = str(settings.config_file) if settings.config_file else "configuration"
    _check_rule_names(settings.select, origin, codes_ok=False)
    _check_rule_names(settings.ignore, origin, codes_ok=True)
    given = {key: value for key, value in flags.items() if value not in (None, (), [])}
    settings = from_mapping(given, "command line", base=settings)
    _check_rule_names(settings.select, "--select", codes_ok=False)
    _check_rule_names(settings.ignore, "--ignore", codes_ok=True)
    return settings


def _use_color(no_color: bool, stream) -> bool:
    if no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def _list_rules() -> None:
    width = max(len(name) for name in rules.ALL_RULES)
    for name in rules.ALL_RULES:
        click.echo(f"{name:<{width}}  {rules.summary(name)}")


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--diff", "mode", flag_value="diff", help="Dry run: print a unified diff and the report; write nothing; exit 1 if anything would change.")
@click.option("--check", "mode", flag_value="check", help="CI mode: list files that would change and every note; write nothing; exit 1 if anything would change.")
@click.option("--output-format", type=click.Choice(FORMATS), help="text (default), json, sarif (code scanning), github (workflow annotations) or markdown (a pull-request description; with --diff the diff is appended).")
@click.option("--link-base", metavar="URL", help="markdown: prefix for file links, e.g. https://github.com/OWNER/REPO/blob/BRANCH/ [links relative to the repository root].")
@click.option("--fail-on", type=click.Choice(FAIL_ON), help="Also exit 1 on notes of this severity or worse [change: only pending changes].")
@click.option("--select", multiple=True, metavar="RULE", help="Run only these rules (repeatable or comma-separated).")
@click.option("--ignore", multiple=True, metavar="RULE|CODE", help="Skip these rules, or drop notes with these codes.")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip files and folders matching this gitignore-style pattern.")
@click.option("--base-url", metavar="URL", help="The Fireworks base URL to write (dedicated deployments, gateways, tests).")
@click.option("--api-key-env", metavar="NAME", help="The environment variable that holds the Fireworks key [FIREWORKS_API_KEY].")
@click.option("--base-url-style", type=click.Choice(["literal", "env"]), help="Write the URL as a literal, or as os.environ.get('FIREWORKS_BASE_URL', URL).")
@click.option("--api-key-read", type=click.Choice(["strict", "soft"]), help="strict: os.environ[NAME], fails fast; soft: keep the read form you use.")
@click.option("--stream-options", type=click.Choice(["add", "leave"]), help='Streams whose usage a loop keeps: add stream_options={"include_usage": True} [add], or leave the call as it is.')
@click.option("--context-overflow", type=click.Choice(["note", "error", "truncate"]), help="max_tokens past the context window: note each call [note], make Fireworks fail like OpenAI (error), or accept its lowering (truncate).")
@click.option("--fix-large-max-tokens", type=click.Choice(["off", "stream", "cap"]), help="Non-streaming calls with max_tokens > 4096: note [off], rewrite to a streamed call (stream), or cap at 4096 (cap).")
@click.option("--framework-native", is_flag=True, default=None, help="LangChain/LlamaIndex: switch to the Fireworks integration classes instead of pointing the OpenAI ones at Fireworks.")
@click.option("--no-env-files", is_flag=True, default=None, help="Leave .env files alone.")
@click.option("--no-gitignore", is_flag=True, default=None, help="Do not honour .gitignore files.")
@click.option("--config", type=click.Path(dir_okay=False), help="Read [tool.fw-migrate] from this file instead of the nearest pyproject.toml.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes [the number of CPUs].")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors (and the diff with --diff).")
@click.option("-v", "--verbose", is_flag=True, help="Print every line by file even on a large run, and say which files were skipped and why.")
@click.option("--no-color", is_flag=True, help="Plain output even on a terminal.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the result cache (.fw-migrate-cache/).")
@click.option("--timings", is_flag=True, help="Print the time spent in each phase (discovery, prefilter, parse, rules, write).")
@click.option("--stdin-filename", metavar="NAME", help="Read code from standard input (as file NAME) and write the result to standard output.")
@click.option("--model", "models", multiple=True, metavar="OPENAI=FIREWORKS", help="Map an OpenAI model to a Fireworks model (repeatable; wins over pyproject).")
@click.option("--list-models", is_flag=True, help="Print the model map in force, with where each entry came from, and exit.")
@click.option("--list-rules", is_flag=True, help="List the rules and exit.")
@click.option("--explain", metavar="RULE", help="Print a rule's documentation and exit.")
@click.version_option(__version__, "--version", prog_name="fw-migrate")
def command(paths, mode, output_format, link_base, fail_on, select, ignore, exclude, base_url, api_key_env, base_url_style, api_key_read,
            stream_options, context_overflow, fix_large_max_tokens, framework_native, no_env_files, no_gitignore, config, jobs, quiet, verbose, no_color, no_cache, timings, stdin_filename, models,
            list_models, list_rules, explain) -> None:
    """Move Python code from the OpenAI API to Fireworks AI's OpenAI-compatible API.

    Rewrites the files under PATHS (default: the current folder) in place. Use --diff to
    see what would change, --check in CI. Exit codes: 0 nothing (left) to change, 1 changes
    needed (--diff/--check), 2 errors (a file could not be read or parsed, bad configuration).

    \b
    Subcommands (a folder of that name is migrated with ./NAME):
      fw-migrate verify [PATHS]...       do the Fireworks models the code names exist for
                                         this account? (fw-migrate verify --help)
      fw-migrate dataset check|fix ...   fine-tuning JSONL files (fw-migrate dataset --help)
    """
    if list_rules:
        _list_rules()
        return
    if explain:
        if explain not in rules.ALL_RULES:
            raise click.exceptions.Exit(_fail(f"--explain: unknown rule {explain!r} (rules: {', '.join(rules.ALL_RULES)})"))
        click.echo(rules.docstring(explain))
        return
    paths = paths or (".",)
    flags = {
        "select": tuple(_split(select)) or None,
        "ignore": tuple(_split(ignore)),
        "exclude": exclude,
        "base-url": base_url,
        "api-key-env": api_key_env,
        "base-url-style": base_url_style,
        "api-key-read": api_key_read,
        "respect-gitignore": False if no_gitignore else None,
        "stream-options": stream_options,
        "context-overflow": context_overflow,
        "fix-large-max-tokens": fix_large_max_tokens,
        "framework-native": True if framework_native else None,
        "env-files": False if no_env_files else None,
        "jobs": jobs,
        "model-flags": models,
        "output-format": output_format,
        "fail-on": fail_on,
    }
    try:
        settings = build_settings(paths, config, flags)
        model_map = _model_map(settings)
    except SettingsError as exc:
        raise click.exceptions.Exit(_fail(str(exc)))
    if list_models:
        _print_models(model_map)
        return
    if stdin_filename:
        raise click.exceptions.Exit(migrate_stdin(stdin_filename, settings, mode or "write"))
    options = RunOptions(quiet, verbose, no_color, not no_cache, timings, link_base or "")
    try:
        code = migrate_paths(paths, settings, mode or "write", options)
    except KeyboardInterrupt:
        click.echo("fw-migrate: interrupted; files already written are complete, the others untouched", err=True)
        code = 130
    raise click.exceptions.Exit(code)


def _model_map(settings: Settings):
    """The model map in force; a bad entry is a configuration error, found before any file."""
    from migrate.model_map import ModelMap, ModelMapError

    try:
        return ModelMap.load(dict(settings.models), settings.model_flags)
    except ModelMapError as exc:
        raise SettingsError(str(exc)) from None


def _print_models(model_map) -> None:
    from migrate.model_map import claude_table, format_table

    rows = format_table(model_map)
    claude, claude_checked = claude_table(model_map)
    width = max(len(row[0]) for row in rows + claude)
    target_width = max(len(row[1]) for row in rows + claude)
    click.echo(f"# model map last checked against Fireworks' docs on {model_map.last_checked}")
    for openai_id, fireworks_id, source in rows:
        click.echo(f"{openai_id:<{width}}  {fireworks_id:<{target_width}}  ({source})")
    click.echo(f"# Claude ids (Anthropic SDK code sent to Fireworks), last checked on {claude_checked}")
    for claude_id, fireworks_id, source in claude:
        click.echo(f"{claude_id:<{width}}  {fireworks_id:<{target_width}}  ({source})")


def _fail(message: str) -> int:
    click.echo(f"fw-migrate: error: {message}", err=True)
    return EXIT_ERROR


@dataclass(frozen=True)
class RunOptions:
    quiet: bool = False
    verbose: bool = False
    no_color: bool = False
    cache: bool = True
    timings: bool = False
    link_base: str = ""  # markdown links


def _cache_folder(settings: Settings) -> str:
    base = settings.config_file.parent if settings.config_file else Path.cwd()
    return str(base / ".fw-migrate-cache")


def _progress_wanted(options: RunOptions, settings: Settings, count: int) -> bool:
    """A progress bar only for the text report, on a terminal's standard error, outside CI."""
    return (count >= 2 and not options.quiet and settings.output_format == "text" and not os.environ.get("CI")
            and sys.stderr.isatty())


def _repository_root(paths) -> str:
    from migrate.files import _git_root

    parent = str(_common_parent(tuple(paths)))
    return _git_root(parent if os.path.isdir(parent) else os.path.dirname(parent)) or os.getcwd()


def migrate_paths(paths, settings: Settings, mode: str, options: RunOptions = RunOptions()) -> int:
    from collections import Counter
    from time import perf_counter

    from migrate.cache import Cache
    from migrate.files import discover
    from migrate.runner import Job, run

    extra = {"root": _repository_root(paths), "link_base": options.link_base} if settings.output_format == "markdown" else {}
    reporter = make_reporter(settings.output_format, mode, color=_use_color(options.no_color, sys.stdout),
                             quiet=options.quiet, verbose=options.verbose, fail_on=settings.fail_on, **extra)
    timings: Counter = Counter()
    started = perf_counter()
    found = discover(list(paths), settings.exclude, settings.respect_gitignore, env_files=settings.env_files)
    timings["discovery"] = perf_counter() - started
    for path, why in found.errors:
        reporter.error(path, why)
    for path, why in found.skipped:
        reporter.skipped(path, why)
    jobs = settings.jobs or os.cpu_count() or 1
    cache = Cache(_cache_folder(settings)) if options.cache else None
    results = run(found.files, Job(settings, mode), jobs, cache, timings)
    if _progress_wanted(options, settings, len(found.files)):
        from migrate.progress import with_progress

        results = with_progress(results, found.files, reporter)
    for result in results:
        reporter.file(result)
    timings["total"] = perf_counter() - started
    code = reporter.finish()
    if options.timings:
        _print_timings(timings, jobs)
    return code


def _print_timings(timings, jobs: int) -> None:
    order = ["discovery", "read+prefilter", "ast triage", "libcst parse+rules", "write"]
    click.echo(f"timings (seconds; parse and rules are summed over {jobs} worker(s)):", err=True)
    for phase in order:
        click.echo(f"  {phase:<20} {timings.get(phase, 0.0):8.3f}", err=True)
    click.echo(f"  {'files from cache':<20} {int(timings.get('cached', 0)):8d}", err=True)
    click.echo(f"  {'total (wall)':<20} {timings['total']:8.3f}", err=True)


def migrate_stdin(name: str, settings: Settings, mode: str) -> int:
    """Code from standard input, the result to standard output (editors, other tools)."""
    from migrate.engine import EngineError, migrate_text
    from migrate.files import kind_of
    from migrate.report import hide_secrets, where
    from migrate.runner import unified_diff
    from migrate.sources import Migration, PythonSource, SourceError, migrate_document

    data = sys.stdin.buffer.read()
    try:
        kind = kind_of(name)
        if kind in ("notebook", "env"):
            migration = migrate_document(kind, name, data, settings, Links())
        else:
            source = PythonSource.decode(data)
            migration = Migration.python(source, migrate_text(source.text, name, settings))
    except (SourceError, EngineError) as exc:
        click.echo(f"{name}: error: {exc}", err=True)
        if mode == "write":
            sys.stdout.buffer.write(data)  # a filter never swallows its input
        return EXIT_ERROR
    changed = bool(migration.pieces)
    if mode == "write":
        sys.stdout.buffer.write(migration.encode() if changed else data)
    elif mode == "diff" and changed:
        diff = "".join(unified_diff(p.label(name), p.before, p.after) for p in migration.pieces)
        click.echo(hide_secrets(diff, migration.secrets), nl=False)
    for change in migration.changes:
        click.echo(f"{where(name, change)}: {change.rule}: {hide_secrets(change.message, migration.secrets)}", err=True)
    for note in migration.notes:
        if note.code not in settings.ignore:
            message = hide_secrets(note.message, migration.secrets)
            click.echo(f"{where(name, note)}:{note.col}: {note.rule}: {note.severity}: {message} [{note.code}]", err=True)
    return 1 if changed and mode != "write" else 0


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["verify"]:  # `fw-migrate verify [PATHS]`; a folder named so: ./verify
        from migrate.verify import verify_cli

        if os.path.isdir("verify"):
            click.echo("fw-migrate: note: `verify` is the subcommand; to migrate the folder named verify, run "
                       "fw-migrate ./verify", err=True)
        verify_cli(args=args[1:], prog_name="fw-migrate verify")
        return
    if args[:1] == ["dataset"]:  # `fw-migrate dataset check|fix ...`; a folder named so: ./dataset
        from migrate.dataset import dataset_cli

        dataset_cli(args=args[1:], prog_name="fw-migrate dataset")
        return
    command(prog_name="fw-migrate")
