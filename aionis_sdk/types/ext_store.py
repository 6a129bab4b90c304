"""Models of the optional ``ext.store_index`` extension of the reference server.

A server that advertises ``ext.store_index`` in ``/health`` ``capabilities`` answers three reads
over the records of ``aionis_langgraph``'s store (``slots.family == "store"``): the newest
visible version of given items, the latest live versions under a namespace prefix (filtered,
paged, optionally ranked by meaning) and the namespaces holding live items. Visibility is that
of ``/find`` for the same consumer (§4.5). Not part of the v1 core: check the capability first.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ._base import AionisModel, NonEmptyStr
from .common import Page, ReadIdentity

__all__ = [
    "ExtStoreHeadsRequest",
    "ExtStoreHeadsResponse",
    "ExtStoreNamespacesRequest",
    "ExtStoreNamespacesResponse",
    "ExtStoreSearchItem",
    "ExtStoreSearchRequest",
    "ExtStoreSearchResponse",
    "ExtStoreVersion",
    "ExtStoreWatchChange",
    "ExtStoreWatchRequest",
    "ExtStoreWatchResponse",
]


class ExtStoreHeadsRequest(ReadIdentity):
    """The newest version visible to the consumer of each item id (tombstones included)."""

    items: list[NonEmptyStr] = Field(..., min_length=1, max_length=1000)


class ExtStoreSearchRequest(ReadIdentity):
    """Latest live versions under ``namespace_prefix`` whose value matches ``filter``.

    Without a query: newest first. With ``query_text`` (embedded by the server) or
    ``query_embedding`` (exactly the server's dimension): ranked by the best cosine of the
    item's texts, unscored items last. ``now`` is when TTLs are evaluated.
    """

    namespace_prefix: list[NonEmptyStr] | None = Field(None, max_length=64)
    filter: dict[str, Any] | None = Field(
        None, description="LangGraph store filter: $eq $ne $gt $gte $lt $lte, nested objects."
    )
    query_text: NonEmptyStr | None = None
    query_embedding: list[float] | None = None
    now: NonEmptyStr | None = Field(None, description="ISO-8601 time; default: the server's clock.")
    limit: int | None = Field(None, ge=1, le=1000, description="Default 10.")
    offset: int | None = Field(None, ge=0, le=1_000_000, description="Default 0.")


class ExtStoreNamespacesRequest(ReadIdentity):
    """Namespaces holding at least one live item under ``namespace_prefix``, sorted."""

    namespace_prefix: list[NonEmptyStr] | None = Field(None, max_length=64)
    now: NonEmptyStr | None = Field(None, description="ISO-8601 time; default: the server's clock.")


class ExtStoreWatchRequest(ReadIdentity):
    """Long poll: the items visible to the consumer that changed after position ``after``.

    Without ``after``: the current position at once. Otherwise the answer comes when a change
    is committed, or after ``timeout_ms`` with none; ``reset`` means "forget what you know and
    go on from ``position``" (a position this server cannot answer from, a new ``epoch``, or
    more than ``limit`` items changed).
    """

    after: int | None = Field(None, ge=0)
    epoch: NonEmptyStr | None = Field(None, max_length=64)
    timeout_ms: int | None = Field(None, ge=0, le=30_000, description="Default 10,000.")
    limit: int | None = Field(None, ge=1, le=10_000, description="Default 1,000.")


class ExtStoreVersion(AionisModel):
    """One version node: its id, client_id, commit and creation time, and its record."""

    id: str
    client_id: str | None = None
    commit_id: str | None = None
    created_at: str | None = None
    slots: dict[str, Any] = Field(default_factory=dict)


class ExtStoreHeadsResponse(AionisModel):
    tenant_id: str | None = None
    scope: str | None = None
    heads: list[ExtStoreVersion | None]


class ExtStoreSearchItem(AionisModel):
    version: ExtStoreVersion
    score: float | None = None


class ExtStoreSearchResponse(AionisModel):
    tenant_id: str | None = None
    scope: str | None = None
    items: list[ExtStoreSearchItem]
    page: Page


class ExtStoreNamespacesResponse(AionisModel):
    tenant_id: str | None = None
    scope: str | None = None
    namespaces: list[list[str]]


class ExtStoreWatchChange(AionisModel):
    """An item with a version committed after the position asked about, and the client_id of
    the newest such version the consumer can see."""

    item: str
    namespace: list[str]
    version: str | None = None


class ExtStoreWatchResponse(AionisModel):
    tenant_id: str | None = None
    scope: str | None = None
    epoch: str
    position: int
    reset: bool = False
    changes: list[ExtStoreWatchChange] = Field(default_factory=list)
