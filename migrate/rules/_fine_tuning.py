"""The Fireworks equivalent of OpenAI fine-tuning calls, spelled out from the call's own arguments.

`client.files.create(file=open("train.jsonl", "rb"), purpose="fine-tune")` becomes a dataset
upload, and `client.fine_tuning.jobs.create(model=..., training_file=..., hyperparameters=...,
suffix=...)` a supervised fine-tuning job: as `firectl` commands and as the REST call, with
`<placeholders>` where the call's values are not literals. Docs:
https://docs.fireworks.ai/fine-tuning/fine-tuning-models
"""

from __future__ import annotations

import json
import os
import re

from migrate.rules._lazy import cst
from migrate.rules._names import find_arg, string_value

API = "https://api.fireworks.ai/v1/accounts/<account-id>"


def resource_id(text: str) -> str:
    """Fireworks resource ids: lowercase letters, digits and hyphens."""
    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return cleaned[:63] or "my-dataset"


def _file_path(value: cst.BaseExpression | None) -> str | None:
    """The path in `open("x.jsonl", "rb")`, `Path("x.jsonl")` or a plain string."""
    if isinstance(value, cst.Call) and value.args:
        return string_value(value.args[0].value)
    return string_value(value) if value is not None else None


def _literal_numbers(value: cst.BaseExpression | None, found: dict[str, float]) -> None:
    """Collect `"n_epochs": 3`-style entries from (nested) dict literals."""
    if not isinstance(value, cst.Dict):
        return
    for element in value.elements:
        if not isinstance(element, cst.DictElement):
            continue
        key = string_value(element.key)
        if isinstance(element.value, (cst.Integer, cst.Float)) and key:
            found[key] = element.value.evaluated_value
        else:
            _literal_numbers(element.value, found)


def is_fine_tune_upload(call: cst.Call) -> bool:
    purpose = find_arg(call, "purpose")
    return purpose is not None and string_value(purpose.value) == "fine-tune"


def upload_recipe(call: cst.Call) -> str:
    argument = find_arg(call, "file") or (call.args[0] if call.args and call.args[0].keyword is None else None)
    path = _file_path(argument.value if argument is not None else None) or "<train.jsonl>"
    dataset = resource_id(os.path.splitext(os.path.basename(path))[0]) if not path.startswith("<") else "<dataset-id>"
    return (f"Fireworks takes this JSONL unchanged as a dataset: check it with `fw-migrate dataset check {path}`, then "
            f"`firectl create dataset {dataset} {path}` (REST: POST {API}/datasets with datasetId={dataset}, then upload "
            f"the file to {API}/datasets/{dataset}:upload)")


def job_recipe(call: cst.Call, base_model: str | None) -> str:
    model = find_arg(call, "model")
    openai_model = string_value(model.value) if model is not None else None
    base = base_model or "<tunable-base-model>"
    suffix = find_arg(call, "suffix")
    output = resource_id(string_value(suffix.value) or "") if suffix is not None and string_value(suffix.value) else "<new-model-id>"
    numbers: dict[str, float] = {}
    for name in ("hyperparameters", "method"):
        argument = find_arg(call, name)
        _literal_numbers(argument.value if argument is not None else None, numbers)
    flags = [f"--base-model {base}", "--dataset <dataset-id>", f"--output-model {output}"]
    body: dict = {"baseModel": base, "dataset": "accounts/<account-id>/datasets/<dataset-id>",
                  "outputModel": f"accounts/<account-id>/models/{output}"}
    if "n_epochs" in numbers:
        flags.append(f"--epochs {numbers['n_epochs']:g}")
        body["epochs"] = numbers["n_epochs"]
    if find_arg(call, "validation_file") is not None:
        flags.append("--evaluation-dataset <validation-dataset-id>")
        body["evaluationDataset"] = "accounts/<account-id>/datasets/<validation-dataset-id>"
    extra = []
    if "learning_rate_multiplier" in numbers:
        extra.append(f"learning_rate_multiplier={numbers['learning_rate_multiplier']:g} has no direct twin: Fireworks "
                     "takes an absolute --learning-rate")
    if openai_model and base_model:
        extra.append(f"{openai_model} cannot be tuned on Fireworks; {base} is the mapped model: check it is tunable with "
                     f"`firectl model get {base}`")
    return (f"Fireworks runs this as a supervised fine-tuning job on a dataset (upload the training file with "
            f"`firectl create dataset`): `firectl create sftj {' '.join(flags)}` (REST: POST {API}/supervisedFineTuningJobs "
            f"{json.dumps(body)})" + ("; " + "; ".join(extra) if extra else ""))
