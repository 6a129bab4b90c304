"""``aionis mcp`` (plugged into the SDK's ``aionis`` command) and ``python -m aionis_mcp``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from .config import MCPSettings, add_arguments

__all__ = ["build_parser", "main", "register"]

_DESCRIPTION = (
    "Serve Aionis memory to MCP hosts (Claude Desktop, VS Code, Cursor, ...). Client settings "
    "come from the flags, else from the AIONIS_* environment variables."
)


def _run(args: argparse.Namespace) -> int:
    from .server import run  # the MCP SDK is imported only when serving

    try:
        settings = MCPSettings.from_args(args)
    except ValueError as exc:
        print(f"aionis mcp: {exc}", file=sys.stderr)
        return 2
    if settings.transport == "http":
        url = f"http://{settings.host}:{settings.port}{settings.path}"
        print(f"Aionis MCP server (streamable HTTP) on {url}", file=sys.stderr, flush=True)
    try:
        run(settings)
    except KeyboardInterrupt:
        return 0
    return 0


def register(subparsers: Any) -> None:
    """Add ``mcp`` to the ``aionis`` command's subparsers."""
    parser = subparsers.add_parser(
        "mcp", help="run the Aionis MCP server", description=_DESCRIPTION
    )
    add_arguments(parser)
    parser.set_defaults(func=_run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aionis-mcp", description=_DESCRIPTION)
    add_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return _run(args)
