"""Sans-I/O plumbing: store operations are generators that yield :class:`Call` objects.

The sync and async stores drive the same generators; only the driver that performs a call
differs (``client.memory.find(...)`` vs ``await aclient.memory.find(...)``). Responses are
handed back as plain JSON-like dicts so the plans never see transport types.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator
from typing import Any, Literal, TypeVar

__all__ = ["Call", "Plan", "as_plain"]

T = TypeVar("T")

CallName = Literal[
    "find",
    "write",
    "resolve",
    "recall",
    "recall_text",
    "embed_documents",
    "embed_query",
    "ext_heads",
    "ext_search",
    "ext_namespaces",
]


@dataclasses.dataclass(frozen=True)
class Call:
    """One request a plan needs: an SDK memory method (``ext_*``: a ``client.ext_store``
    method; ``embed_*``: an embedding call) and its kwargs."""

    name: CallName
    kwargs: dict[str, Any]


Plan = Generator[Call, Any, T]


def as_plain(value: Any) -> Any:
    """A pydantic response model (or anything JSON-like) as plain dicts and lists."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json", by_alias=True)
    return value
