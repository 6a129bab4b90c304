"""``aionis verify``: check a LangGraph thread's (or store namespace's) history.

The SDK's ``aionis`` command imports this module and calls :func:`register`. Exit status 0
when the history verifies, 1 when a link is broken, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from aionis_sdk import AionisClient

from .verify import VerifyReport, verify_thread

__all__ = ["main", "register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="verify a LangGraph thread's or store namespace's history against the commit chain",
    )
    parser.add_argument("--base-url", default=None, help="server URL (default: $AIONIS_BASE_URL)")
    parser.add_argument("--tenant", default=None, help="tenant id (default: client default)")
    parser.add_argument("--scope", default=None, help="scope (default: client default)")
    parser.add_argument("--agent-id", default=None, help="reader/owner agent of the records")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--thread", help="a checkpointer thread id")
    target.add_argument("--namespace", help="a store namespace, parts joined by '/'")
    parser.add_argument("--ns", default=None, help="limit a thread to one checkpoint_ns")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=_verify)


def _verify_namespace(client: AionisClient, namespace: str, agent_id: str | None) -> Any:
    try:
        module: Any = importlib.import_module("aionis_langgraph.store")
    except ImportError as exc:  # pragma: no cover - the store ships in the same package
        raise SystemExit(f"store verification unavailable: {exc}") from exc
    verify_namespace = getattr(module, "verify_namespace", None)
    if verify_namespace is None:
        raise SystemExit("this aionis_langgraph.store has no verify_namespace")
    kwargs = {"agent_id": agent_id} if agent_id else {}
    return verify_namespace(client, tuple(p for p in namespace.split("/") if p), **kwargs)


def _verify(args: argparse.Namespace) -> int:
    with AionisClient(
        base_url=args.base_url, tenant_id=args.tenant, scope=args.scope, agent_id=args.agent_id
    ) as client:
        if args.thread is not None:
            report = verify_thread(client, args.thread, args.ns, agent_id=args.agent_id)
        else:
            report = _verify_namespace(client, args.namespace, args.agent_id)
    if args.json and isinstance(report, VerifyReport):
        print(json.dumps(asdict(report), indent=2))
    else:
        print(str(report))
    return 0 if report.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry point (``python -m aionis_langgraph.cli verify ...``)."""
    parser = argparse.ArgumentParser(prog="aionis")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
