"""``aionis demo support|tools``: the two demos as commands.

The SDK's ``aionis`` command imports this module and calls :func:`register`. Each demo lives in
its own package (``aionis_demos.support``, ``aionis_demos.tools``) exposing
``add_arguments(parser)`` and ``run(args) -> int`` in its ``cli`` module. Those modules must be
cheap to import (argparse only): the heavy imports (LangGraph, the server) happen inside ``run``.
A demo module that is missing or fails to import leaves ``aionis demo <name>`` printing why,
without breaking the other commands.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

__all__ = ["DEMOS", "register"]

# name -> (module providing add_arguments/run, help text)
DEMOS: dict[str, tuple[str, str]] = {
    "support": (
        "aionis_demos.support.cli",
        "cross-session customer-support memory: no memory vs InMemoryStore vs Aionis",
    ),
    "tools": (
        "aionis_demos.tools.cli",
        "rule-driven tool selection for a coding agent: retrieval vs Aionis rules and feedback",
    ),
}


def _load(module_name: str) -> tuple[Any | None, str]:
    """The demo's CLI module, or None and why. A broken demo must not break ``aionis``."""
    try:
        return importlib.import_module(module_name), ""
    except ImportError as exc:
        return None, f"{module_name} could not be imported ({exc})"
    except Exception as exc:  # a demo with a bug must not take the other commands down
        return None, f"importing {module_name} failed: {type(exc).__name__}: {exc}"


def _unavailable(name: str, reason: str) -> Any:
    def run(args: argparse.Namespace) -> int:
        print(
            f"aionis demo {name}: this demo is not available in this installation: {reason}. "
            'The demos need the extra: pip install "aionis-sdk[demos]"',
            file=sys.stderr,
        )
        return 2

    return run


def _add_demo(demos: Any, name: str, module_name: str, help_text: str) -> None:
    parser = demos.add_parser(name, help=help_text, description=help_text)
    module, reason = _load(module_name)
    add_arguments = getattr(module, "add_arguments", None)
    run = getattr(module, "run", None)
    if callable(add_arguments):
        add_arguments(parser)
    if not callable(run):
        reason = reason or f"{module_name} has no run(args)"
    parser.set_defaults(func=run if callable(run) else _unavailable(name, reason))


def register(subparsers: Any) -> None:
    """Add ``aionis demo <name>`` to the ``aionis`` command."""
    demo = subparsers.add_parser("demo", help="run a demo end to end (offline, no API key)")
    demos = demo.add_subparsers(dest="demo", metavar="DEMO")
    for name, (module_name, help_text) in DEMOS.items():
        _add_demo(demos, name, module_name, help_text)

    def no_demo(args: argparse.Namespace) -> int:
        demo.print_help()
        return 2

    demo.set_defaults(func=no_demo)
