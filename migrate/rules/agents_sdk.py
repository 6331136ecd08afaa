"""Make the OpenAI Agents SDK (`agents`) work with a client pointed at Fireworks.

Code that hands the SDK an OpenAI client (`set_default_openai_client(client)`,
`OpenAIChatCompletionsModel(openai_client=...)`, `OpenAIResponsesModel(...)`,
`OpenAIProvider(...)`) in a file whose client now points at Fireworks also needs:
- trace export switched off: the SDK uploads traces to OpenAI, with the client's key (now a
  Fireworks key, so the upload fails) or OPENAI_API_KEY. `set_tracing_disabled(True)` is
  added next to the handover unless the file already manages tracing
  (`set_tracing_disabled`, `set_trace_processors`, `add_trace_processor`,
  `set_tracing_export_api_key`);
- the Chat Completions API: the SDK uses the Responses API by default, which Fireworks serves
  only in part. `set_default_openai_api("chat_completions")` is added after
  `set_default_openai_client(...)`, `OpenAIProvider(...)` gets `use_responses=False`, and
  `OpenAIResponsesModel` becomes `OpenAIChatCompletionsModel` (same arguments).

Before:
    client = AsyncOpenAI(base_url="https://api.fireworks.ai/inference/v1", api_key=os.environ["FIREWORKS_API_KEY"])
    set_default_openai_client(client)
After:
    client = AsyncOpenAI(base_url="https://api.fireworks.ai/inference/v1", api_key=os.environ["FIREWORKS_API_KEY"])
    set_default_openai_client(client)
    set_tracing_disabled(True)
    set_default_openai_api("chat_completions")

Model strings in `Agent(model=...)`, `RunConfig(model=...)` and
`OpenAIChatCompletionsModel(model=...)` follow the model map.
Notes, once a file: a handover in a file that does not point its client at Fireworks (FW761); a
script (`__main__`, `asyncio.run`) that runs agents on the SDK's default client with nothing
configured (FW760); `Agent(...)` with no model, i.e. the SDK's default OpenAI model (FW763).
Model ids: FW768 says what the Fireworks model changes, FW769 why an id was left as is.
Docs: https://openai.github.io/openai-agents-python/models/#using-other-llm-providers
"""

from __future__ import annotations

import ast

from migrate.rules._frameworks import ClassSwap, FrameworkRule, ModelNotes, model_map
from migrate.rules._lazy import cst
from migrate.rules._names import (
    find_arg,
    keyword_arg,
    qualname,
    rebuild_args,
    string_value,
)

CLIENT_SETTERS = frozenset({"agents.set_default_openai_client"})
MODELS = {f"{m}.{c}": c for c in ("OpenAIChatCompletionsModel", "OpenAIResponsesModel", "OpenAIProvider")
          for m in ("agents", "agents.models", "agents.models.openai_chatcompletions", "agents.models.openai_responses",
                    "agents.models.openai_provider")}
TRACING = ("set_tracing_disabled", "set_trace_processors", "add_trace_processor", "set_tracing_export_api_key")
RUNS = frozenset(f"agents.Runner.{m}" for m in ("run", "run_sync", "run_streamed"))
MODEL_HOLDERS = frozenset({"agents.Agent", "agents.RunConfig", "agents.run.RunConfig"})


def _calls(facts, tail: str) -> bool:
    return any(q.startswith("agents") and q.rsplit(".", 1)[-1] == tail for q in facts.called)


class AgentsSdkRule(FrameworkRule):
    TRIGGER = (r"\bagents\b|\bAgent\s*\(|Runner\.|RunConfig|set_default_openai|OpenAIProvider|OpenAI(?:ChatCompletions|Responses)Model"
               r"|set_trac|trace_processor|__main__|asyncio\.run\(")

    @classmethod
    def triage(cls, facts, settings) -> bool:
        """A handover, a model literal the map knows, or a script that runs agents (for FW760):
        a test suite that only builds agents with fake models is not worth a LibCST parse."""
        if not facts.imports.imports_module("agents"):
            return False
        if facts.calls_any(CLIENT_SETTERS | MODELS.keys()):
            return True
        models = model_map(settings)
        for qual in MODEL_HOLDERS | MODELS.keys():
            for call in facts.call_nodes.get(qual, ()):
                model = next((k.value for k in call.keywords if k.arg == "model"), None)
                if isinstance(model, ast.Constant) and isinstance(model.value, str) and models.lookup(model.value):
                    return True
        return facts.calls_any(RUNS) and ("__main__" in facts.strings or "asyncio.run" in facts.called)

    def __init__(self, ctx):
        super().__init__(ctx)
        facts = ctx.facts
        self.swap = ClassSwap(self)
        self.models = ModelNotes(self, "FW76")
        # pointed at Fireworks: the client rule moved a client here, or the file already names Fireworks
        text = ctx.text
        self.fireworks = any(c.rule == "client" for c in ctx.changes) or self.settings.base_url in text or (
            "api.fireworks.ai" in text)
        self.want_tracing = not any(_calls(facts, t) for t in TRACING)
        self.want_api = not _calls(facts, "set_default_openai_api")
        self.handover = facts.calls_any(CLIENT_SETTERS | MODELS.keys())
        self.statements: list[list] = []  # per enclosing simple statement: what to insert by it
        self.noted_model = False
        self.noted_handover = False

    def visit_SimpleStatementLine(self, node) -> None:
        self.statements.append([])

    def leave_SimpleStatementLine(self, original, updated):
        added = self.statements.pop()
        if not added:
            return updated
        lines = [cst.SimpleStatementLine([cst.Expr(call)]) for call in added]
        first = isinstance(updated.body[0], (cst.Return, cst.Raise))
        return cst.FlattenSentinel([*lines, updated] if first else [updated, *lines])

    def finish(self, original, updated):
        calls = self.ctx.facts.called
        uses_agents = not calls.isdisjoint(RUNS | {"agents.Agent"})
        if not self.handover and not self.fireworks and self.want_api and self.want_tracing and uses_agents:
            self.note(original.body[0] if original.body else original, "FW760", "info", "agents in this file run on the "
                      "SDK's default client (OPENAI_API_KEY, api.openai.com, the Responses API): where your program starts, "
                      f"call set_default_openai_client(AsyncOpenAI(base_url={self.settings.base_url!r}, api_key=...)), "
                      "set_default_openai_api('chat_completions') and set_tracing_disabled(True)")
        return self.swap.finish(updated)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        qual = qualname(original.func, self.imports)
        if qual in MODEL_HOLDERS or MODELS.get(qual, "").endswith("Model"):
            updated = self.model(original, updated, qual)
        if (qual not in CLIENT_SETTERS and qual not in MODELS) or not self.allowed(original):
            return updated
        if not self.fireworks:
            if self.noted_handover:
                return updated
            self.noted_handover = True  # once a file: test suites hand over dozens of fake clients
            self.note(original, "FW761", "info", f"{qual.rsplit('.', 1)[-1]}(...) hands the Agents SDK a client: if it "
                      "points at Fireworks, also call set_tracing_disabled(True) and set_default_openai_api('chat_completions')")
            return updated
        kind = MODELS.get(qual)
        if kind == "OpenAIResponsesModel":
            func = self.swap.callee(updated.func, "agents", "OpenAIChatCompletionsModel")
            if func is not None:
                self.note(original, "FW762", "info", "OpenAIResponsesModel -> OpenAIChatCompletionsModel: Fireworks serves "
                          "the Responses API only in part")
                self.changed(original, "OpenAIResponsesModel(...) -> OpenAIChatCompletionsModel(...)")
                updated = updated.with_changes(func=func)
        elif kind == "OpenAIProvider" and find_arg(updated, "use_responses") is None and not any(a.star for a in updated.args):
            self.changed(original, "OpenAIProvider(...): use_responses=False (Chat Completions API)")
            updated = rebuild_args(updated, prepend=[keyword_arg("use_responses", cst.Name("False"))])
        self.insert(original, qual in CLIENT_SETTERS)
        return updated

    def insert(self, original: cst.Call, set_api: bool) -> None:
        if not self.statements:
            if self.want_tracing or (self.want_api and set_api):
                self.note(original, "FW761", "warning", "also call set_tracing_disabled(True) and "
                          "set_default_openai_api('chat_completions') where your program starts (traces would go to OpenAI)")
            return
        base = original.func.value if isinstance(original.func, cst.Attribute) else None
        for name, wanted, arg in (("set_tracing_disabled", self.want_tracing, cst.Name("True")),
                                  ("set_default_openai_api", self.want_api and set_api, cst.SimpleString('"chat_completions"'))):
            if not wanted:
                continue
            if name == "set_tracing_disabled":
                self.want_tracing = False
            else:
                self.want_api = False
            func = cst.Attribute(base, cst.Name(name)) if base is not None else cst.Name(name)
            if base is None:
                self.swap.needed.add(("agents", name))
            self.statements[-1].append(cst.Call(func, [cst.Arg(arg)]))
            self.changed(original, f"{name}({cst.Module([]).code_for_node(arg)}) added: "
                         + ("traces would go to OpenAI" if name == "set_tracing_disabled" else "Chat Completions API"))

    def model(self, original: cst.Call, updated: cst.Call, qual: str) -> cst.Call:
        found = find_arg(updated, "model")
        if found is None:
            if qual == "agents.Agent" and not self.noted_model and not any(a.star for a in updated.args):
                self.noted_model = True
                self.note(original, "FW763", "info", "Agent(...) without model= uses the SDK's default OpenAI model: set "
                          "model= (or the OPENAI_DEFAULT_MODEL variable) to a Fireworks model id")
            return updated
        if string_value(found.value) is None:
            return updated
        new = self.models.rewrite(found, find_arg(original, "model").value)
        return updated if new is None else updated.with_changes(args=[new if a is found else a for a in updated.args])


RULE = AgentsSdkRule
