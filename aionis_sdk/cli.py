"""The ``aionis`` command: ``aionis health`` built in; other subcommands come from extras.

Optional packages plug in by exposing ``register(subparsers)`` in their ``cli`` module; a
package that is not installed is skipped silently.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from typing import Any

from ._client import AionisClient
from ._errors import AionisError
from ._version import __version__

__all__ = ["main"]

PLUGINS = ("aionis_server.cli", "aionis_langgraph.cli", "aionis_mcp.cli", "aionis_demos.cli")
# The command each plugin is known to add: running it imports only that plugin (importing all of
# them costs seconds). Help, or an unknown command, still imports every plugin.
PLUGIN_COMMANDS = {
    "serve": "aionis_server.cli",
    "verify": "aionis_langgraph.cli",
    "mcp": "aionis_mcp.cli",
    "demo": "aionis_demos.cli",
}
EXTRAS_HINT = (
    "more subcommands appear with the extras: aionis-sdk[server] (reference server), "
    "[langgraph], [mcp], and the demos"
)


def _health(args: argparse.Namespace) -> int:
    try:
        with AionisClient(base_url=args.base_url, max_retries=0) as client:
            health = client.health()
    except AionisError as exc:
        print(f"aionis: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(health.model_dump(mode="json"), indent=2, sort_keys=True))
    return 0


def _plugins_for(argv: Sequence[str] | None) -> tuple[str, ...]:
    args = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in args if not a.startswith("-")), None)
    if command == "health" or ("--version" in args and command is None):
        return ()
    if command in PLUGIN_COMMANDS and not {"-h", "--help"} & set(args[: args.index(command)]):
        return (PLUGIN_COMMANDS[command],)
    return PLUGINS


def build_parser(plugins: Sequence[str] = PLUGINS) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aionis", description="Aionis SDK tools.", epilog=EXTRAS_HINT
    )
    parser.add_argument("--version", action="version", version=f"aionis-sdk {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    health = subparsers.add_parser("health", help="print a server's /health JSON")
    health.add_argument(
        "--base-url",
        default=None,
        help="server URL (default: $AIONIS_BASE_URL or http://127.0.0.1:3321)",
    )
    health.set_defaults(func=_health)
    for name in plugins:
        try:
            module: Any = importlib.import_module(name)
        except ImportError:
            continue
        register = getattr(module, "register", None)
        if callable(register):
            register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(_plugins_for(argv))
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    return int(func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
