"""Flag OpenAI API surfaces that Fireworks does not serve through its OpenAI-compatible API.

Each call gets an error note naming the Fireworks way to do the same thing; nothing is
rewritten (fireworks-and-openai 2; what-breaks K1):

| calls | note |
|---|---|
| `beta.assistants.*`, `beta.threads.*` (runs, messages), `vector_stores.*` | FW601: no Assistants API; the Responses API (`previous_response_id`) |
| `moderations.create` | FW602: no moderation endpoint |
| `images.generate/edit/create_variation` | FW603: Fireworks' own text_to_image workflow endpoint |
| `audio.speech.create` | FW604: no text-to-speech |
| `realtime.*` / `beta.realtime.*` | FW605: no Realtime API |
| `files.*`, `uploads.*` | FW606: datasets |
| `batches.*` | FW607: batch inference jobs |
| `fine_tuning.jobs.*` | FW608: supervised fine-tuning jobs |
| `audio.transcriptions/translations.create` | FW609: served at `https://audio-prod.api.fireworks.ai/v1` |
| `conversations.*` | FW610: no Conversations API |

SDK 0.x classmethods (`openai.Moderation.create`, `openai.Image.create`, `openai.Audio.transcribe`,
`openai.File.create`, `openai.FineTuningJob.create`, ...) are flagged the same way.
Not flagged: transcription calls in a file that already names a Fireworks audio host, or whose
literal model the model_names rule reports (FW305); calls on other SDKs' clients (a docker
client's `images.pull` is not `images.generate`).
Docs: https://docs.fireworks.ai/tools-sdks/openai-compatibility
"""

from __future__ import annotations

from itertools import pairwise

from migrate.rules._base import Rule
from migrate.rules._calls import WRAPPERS, chain, model_map, openai_context
from migrate.rules._fine_tuning import is_fine_tune_upload, job_recipe, upload_recipe
from migrate.rules._lazy import cst
from migrate.rules._names import find_arg, string_value
from migrate.rules._scan import scan

API = "https://api.fireworks.ai/v1/accounts/<account-id>"
AUDIO_URL = "https://audio-prod.api.fireworks.ai/v1"
NOTES = {
    "assistants": ("FW601", ("Fireworks has no Assistants API (assistants, threads, runs, vector stores): move this flow to the "
                   "Responses API (client.responses.create, chaining turns with previous_response_id), or keep it on a "
                   "separate OpenAI client")),
    "moderations": ("FW602", ("Fireworks has no moderation endpoint: keep moderation on a separate OpenAI client, or classify the "
                    "text with a chat model on Fireworks")),
    "images": ("FW603", ("Fireworks' image generation is not OpenAI-compatible: POST https://api.fireworks.ai/inference/v1/"
               "workflows/accounts/fireworks/models/<model>/text_to_image (e.g. flux-1-schnell-fp8) with httpx or requests "
               "and your Fireworks key, or keep this call on an OpenAI client")),
    "speech": ("FW604", ("Fireworks has no text-to-speech endpoint: keep audio.speech on a separate OpenAI client (or another "
               "TTS provider)")),
    "realtime": ("FW605", ("Fireworks has no Realtime API: keep this on OpenAI, or use chat completions with stream=True "
                 "(speech input: Fireworks' streaming transcription WebSocket)")),
    "files": ("FW606", ("Fireworks has no files API; training and batch data live in datasets: POST "
              f"{API}/datasets, then upload the file to .../datasets/<id>:upload (or use firectl)")),
    "batches": ("FW607", ("Fireworks runs batches as batch inference jobs: upload the same JSONL (custom_id + body) as a "
                f"dataset and POST {API}/batchInferenceJobs with model, inputDatasetId and outputDatasetId")),
    "fine_tuning": ("FW608", ("Fireworks fine-tunes through supervised fine-tuning jobs: upload the JSONL as a dataset "
                    "(`fw-migrate dataset check` validates it) and run `firectl create sftj` or POST "
                    f"{API}/supervisedFineTuningJobs")),
    "transcription": ("FW609", ("Fireworks serves speech-to-text at its own base URL, not the main one: call this on a second "
                      f"client, OpenAI(base_url=\"{AUDIO_URL}\", api_key=os.environ[\"FIREWORKS_API_KEY\"]), with model "
                      "\"whisper-v3\" (whisper-v3-turbo: https://audio-turbo.api.fireworks.ai/v1)")),
    "conversations": ("FW610", ("Fireworks has no Conversations API: chain turns with previous_response_id on "
                      "client.responses.create, or keep the history yourself")),
}
TAILS = {
    ("moderations", "create"): "moderations", ("audio", "speech", "create"): "speech",
    **{("images", m): "images" for m in ("generate", "edit", "create_variation")},
    **{("files", m): "files" for m in ("create", "retrieve", "list", "delete", "content", "retrieve_content", "wait_for_processing")},
    **{("uploads", m): "files" for m in ("create", "complete", "cancel")},
    **{("batches", m): "batches" for m in ("create", "retrieve", "list", "cancel")},
    **{("audio", k, "create"): "transcription" for k in ("transcriptions", "translations")},
}
REALTIME_METHODS = frozenset({"connect", "create", "accept", "hangup", "refer", "reject"})
V0 = {"Moderation": "moderations", "Image": "images", "Audio": "transcription", "File": "files",
      "FineTune": "fine_tuning", "FineTuningJob": "fine_tuning"}


def surface(names: tuple[str, ...], qualified: str | None) -> str | None:
    parts = (qualified or "").split(".")
    if len(parts) == 3 and parts[0] == "openai" and parts[1] in V0:
        return V0[parts[1]]
    names = tuple(n for n in names if n not in WRAPPERS)
    pairs = set(pairwise(names))
    if pairs & {("beta", "assistants"), ("beta", "threads")} or "vector_stores" in names[:-1]:
        return "assistants"
    if "realtime" in names[1:-1] and names[-1] in REALTIME_METHODS:
        return "realtime"  # client.realtime.connect, client.beta.realtime.sessions.create, ...
    if ("fine_tuning", "jobs") in pairs:
        return "fine_tuning"
    if "conversations" in names[:-1] and names[-1] in ("create", "retrieve", "update", "delete", "list"):
        return "conversations"
    for size in (3, 2):
        found = TAILS.get(names[-size:])
        if found and not (found == "batches" and "messages" in names):  # anthropic's messages.batches
            return found
    return None


class UnsupportedSurfacesRule(Rule):
    # `.files`, `.beta`, ... and SDK 0.x `Moderation.`, `Image.`, `FineTuningJob.`: one leading character
    # class instead of two alternatives keeps the search fast on large files
    TRIGGER = (r"[.MIAF](?:beta|vector_stores|moderations|images|speech|realtime|files|uploads|batches|fine_tuning"
               r"|transcriptions|translations|conversations|oderation\.|mage\.|udio\.|ile\.|ineTun)")

    @classmethod
    def triage(cls, facts, settings) -> bool:
        return openai_context(facts) and bool(cls.lines(facts))

    @classmethod
    def lines(cls, facts) -> set[int]:
        imports = facts.imports
        return {line for names, line in scan(facts).chains
                if surface(names, imports.resolve_dotted(".".join(names)))}

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        names, plain = chain(original.func)
        found = surface(names, self.imports.resolve_dotted(".".join(names)) if plain and names else None) if names else None
        if found is None or (found == "transcription" and self.handled_elsewhere(original)):
            return updated
        code, message = NOTES[found]
        if found == "files" and names[-1] == "create" and is_fine_tune_upload(original):
            message = upload_recipe(original)
        elif found == "fine_tuning" and names[-2:] == ("jobs", "create"):
            message = job_recipe(original, self.base_model(original))
        self.note(original, code, "error", message)
        return updated

    def base_model(self, call: cst.Call) -> str | None:
        model = find_arg(call, "model")
        name = string_value(model.value) if model is not None else None
        if not name:
            return None
        if name.startswith("accounts/"):
            return name
        mapping = model_map(self.settings).lookup(name)
        return mapping.target if mapping is not None else None

    def handled_elsewhere(self, call: cst.Call) -> bool:
        if scan(self.ctx.facts).audio_host:
            return True  # the file already builds an audio client
        model = find_arg(call, "model")
        mapping = model_map(self.settings).lookup(string_value(model.value) or "") if model is not None else None
        return self.settings.rule_enabled("model_names") and mapping is not None and mapping.base_url is not None


RULE = UnsupportedSurfacesRule
