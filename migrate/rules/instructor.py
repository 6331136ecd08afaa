"""Flag instructor modes that a Fireworks model may not support.

`instructor.from_openai(client)` (and the older `instructor.patch(client)`) keeps working on
a client the `client` rule pointed at Fireworks: nothing to rewrite there. What can break is
the mode, which decides how instructor asks for structured output:
- `Mode.TOOLS`, instructor's default: forces a tool call (`tool_choice`) on every request.
  Models that do not support forced tool calls fail or answer in text (FW770).
- `Mode.PARALLEL_TOOLS` (parallel tool calls), `Mode.TOOLS_STRICT` (strict schemas),
  `Mode.RESPONSES_TOOLS*` (the Responses API, which Fireworks serves only in part): warnings
  (FW771); `Mode.FUNCTIONS` sends the legacy `functions` parameter: an error (FW771).
The next step named in each note: `mode=instructor.Mode.JSON` (JSON mode, any chat model),
or a Fireworks SDK client with `instructor.from_fireworks(...)` and `Mode.FIREWORKS_TOOLS` /
`Mode.FIREWORKS_JSON` (`pip install fireworks-ai`).

`instructor.from_provider("openai/gpt-4o")` builds its own OpenAI client: noted with the
`"fireworks/<model>"` string it could use instead (FW772). A `model=` given to `from_openai`
follows the model map.
Model ids: FW778 says what the Fireworks model changes, FW779 why an id was left as is.
Docs: https://python.useinstructor.com/integrations/fireworks/
"""

from __future__ import annotations

from migrate.rules._frameworks import FrameworkRule, ModelNotes, model_map
from migrate.rules._lazy import cst
from migrate.rules._names import dotted, find_arg, qualname, string_value

WRAPPERS = frozenset({"instructor.from_openai", "instructor.patch", "instructor.apatch"})
PROVIDERS = frozenset({"instructor.from_provider"})
NEXT_STEP = ("pass mode=instructor.Mode.JSON (JSON mode, any chat model), or use instructor.from_fireworks(...) "
             "with Mode.FIREWORKS_TOOLS / Mode.FIREWORKS_JSON (pip install fireworks-ai)")
MODES = {  # mode -> (severity, what happens on Fireworks)
    "TOOLS": ("warning", ("forces a tool call (tool_choice) on every request; models without forced tool calling "
                          "fail or answer in text")),
    "PARALLEL_TOOLS": ("warning", "relies on parallel tool calls, which not every Fireworks model makes"),
    "TOOLS_STRICT": ("warning", "sends strict tool schemas, which Fireworks does not guarantee to enforce"),
    "FUNCTIONS": ("error", "sends the legacy functions/function_call parameters; Fireworks serves tools"),
    "RESPONSES_TOOLS": ("warning", "uses the Responses API, which Fireworks serves only in part"),
    "RESPONSES_TOOLS_WITH_INBUILT_TOOLS": ("warning", "uses OpenAI's built-in Responses tools, which Fireworks does not run"),
}


class InstructorRule(FrameworkRule):
    TRIGGER = r"instructor|\b(?:from_openai|from_provider|a?patch)\s*\("

    @classmethod
    def triage(cls, facts, settings) -> bool:
        return facts.calls_any(WRAPPERS | PROVIDERS)

    @classmethod
    def lines(cls, facts) -> set[int]:
        return facts.lines_of(facts.call_lines, WRAPPERS | PROVIDERS)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.models = ModelNotes(self, "FW77")

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        qual = qualname(original.func, self.imports)
        if qual not in WRAPPERS and qual not in PROVIDERS or not self.allowed(original):
            return updated
        if qual in PROVIDERS:
            self.provider(original)
            return updated
        mode = find_arg(original, "mode") or next((a for a in original.args[1:2] if a.keyword is None and not a.star), None)
        name = (dotted(mode.value) or "").rsplit(".", 1)[-1] if mode is not None else "TOOLS"
        if name in MODES:
            severity, what = MODES[name]
            default = "" if mode is not None else " (instructor's default)"
            self.note(mode.value if mode is not None else original, "FW770" if name == "TOOLS" else "FW771", severity,
                      f"Mode.{name}{default} {what}: " + ("switch: " if severity == "error" else
                                                          "if structured output fails on your Fireworks model, ") + NEXT_STEP)
        model = find_arg(updated, "model")
        if model is None or string_value(model.value) is None:
            return updated
        new = self.models.rewrite(model, find_arg(original, "model").value)
        return updated if new is None else updated.with_changes(args=[new if a is model else a for a in updated.args])

    def provider(self, call: cst.Call) -> None:
        spec = call.args[0] if call.args and call.args[0].keyword is None else find_arg(call, "model")
        value = string_value(spec.value) if spec is not None else None
        if value is None or not value.startswith(("openai/", "azure_openai/")):
            return
        found = model_map(self.settings).lookup(value.split("/", 1)[1])
        instead = f"'fireworks/{found.target}'" if found is not None else "'fireworks/accounts/fireworks/models/<model>'"
        self.note(call, "FW772", "warning", f"from_provider({value!r}) builds its own {value.split('/')[0]} client: use "
                  f"from_provider({instead}) (pip install fireworks-ai; reads FIREWORKS_API_KEY), or "
                  "instructor.from_openai(OpenAI(base_url=..., api_key=...), mode=instructor.Mode.JSON)")


RULE = InstructorRule
