"""LibCST, imported the first time one of its names is used rather than when a rule loads.

Importing LibCST costs about 0.15 s (it builds hundreds of dataclasses). A rule's `TRIGGER`,
`triage` and `lines` work on the `ast` facts alone, so a run whose files all stop at the
triage never pays for it. Rule modules write `from migrate.rules._lazy import cst` and use
`cst.Name`, `cst.Call`, ... inside functions, where they are looked up when called; nothing
at a module's top level may touch `cst` (tests/test_runner.py checks that loading every rule
leaves LibCST unimported). `Rule.transformer()` adds `cst.CSTTransformer` to a rule class
when a file needs the rule to run.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """`name`, as a module whose code runs on the first attribute lookup (importlib's LazyLoader)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:  # pragma: no cover - libcst is a dependency
        raise ImportError(f"No module named {name!r}")
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


cst = lazy_module("libcst")


_BUILT: dict[type, type] = {}


def transformer(cls: type) -> type:
    """`cls` with `cst.CSTTransformer` mixed in after it (built once; this imports LibCST).

    A class that only holds `visit_*`/`leave_*` methods can so be defined without LibCST.
    """
    built = _BUILT.get(cls)
    if built is None:
        built = type(cls.__name__, (cls, cst.CSTTransformer), {"__module__": cls.__module__, "__doc__": cls.__doc__})
        _BUILT[cls] = built
    return built
