"""Request bodies of the ``ext.store_index`` extension (``/v1/ext/store/...``).

Unknown keys are ignored as on every route (§2); ``tenant_id`` and ``scope`` are read by the
request layer, ``consumer_agent_id`` / ``consumer_team_id`` decide visibility as on ``/find``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Label = Annotated[str, Field(min_length=1, max_length=1000)]
Prefix = Annotated[list[Label], Field(max_length=64)]
ItemId = Annotated[str, Field(min_length=1, max_length=200)]


class ExtStoreRead(BaseModel):
    model_config = ConfigDict(extra="ignore")

    consumer_agent_id: Annotated[str, Field(min_length=1)] | None = None
    consumer_team_id: Annotated[str, Field(min_length=1)] | None = None


class ExtStoreHeadsBody(ExtStoreRead):
    """The newest visible version of each item (tombstones included), or null."""

    items: Annotated[list[ItemId], Field(min_length=1, max_length=1000)]


class ExtStoreSearchBody(ExtStoreRead):
    """Live heads under a namespace prefix, filtered; newest first, or ranked by meaning."""

    namespace_prefix: Prefix = Field(default_factory=list)
    filter: dict[str, Any] | None = None
    query_text: Annotated[str, Field(min_length=1, max_length=20_000)] | None = None
    query_embedding: Annotated[list[float], Field(min_length=1, max_length=65_536)] | None = None
    now: AwareDatetime | None = None  # when TTLs are evaluated (default: the server's clock)
    limit: Annotated[int, Field(ge=1, le=1000)] = 10
    offset: Annotated[int, Field(ge=0, le=1_000_000)] = 0


class ExtStoreNamespacesBody(ExtStoreRead):
    """Namespaces that hold at least one live item under a prefix, sorted."""

    namespace_prefix: Prefix = Field(default_factory=list)
    now: AwareDatetime | None = None


WATCH_TIMEOUT_MAX_MS = 30_000


class ExtStoreWatchBody(ExtStoreRead):
    """Which items changed after a position (long poll; see ``services/ext_store_watch.py``)."""

    after: Annotated[int, Field(ge=0)] | None = None  # None: just tell me the current position
    epoch: Annotated[str, Field(min_length=1, max_length=64)] | None = None  # of ``after``
    timeout_ms: Annotated[int, Field(ge=0, le=WATCH_TIMEOUT_MAX_MS)] = 10_000
    limit: Annotated[int, Field(ge=1, le=10_000)] = 1000
