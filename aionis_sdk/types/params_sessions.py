"""Keyword arguments of ``client.sessions.*`` and ``client.packs.*``."""

from collections.abc import Mapping
from typing import Any

from typing_extensions import Required

from .packs import Pack
from .params_common import NodeViewParams, ReadIdentityParams, WriteIdentityParams

__all__ = [
    "AppendEventParams",
    "CreateSessionParams",
    "ListEventsParams",
    "ListSessionsParams",
    "PackExportParams",
    "PackImportParams",
]


class CreateSessionParams(WriteIdentityParams, total=False):
    """``client.sessions.create(...)`` (:class:`~aionis_sdk.types.CreateSessionRequest`)."""

    session_id: Required[str]
    title: str | None
    text_summary: str | None
    input_text: str | None
    metadata: Mapping[str, Any] | None
    auto_embed: bool | None


class ListSessionsParams(ReadIdentityParams, total=False):
    """``client.sessions.list(...)`` / ``list_all`` (:class:`~aionis_sdk.types.ListSessionsRequest`)."""

    owner_agent_id: str | None
    owner_team_id: str | None
    include_meta: bool | None
    limit: int | None
    offset: int | None


class AppendEventParams(WriteIdentityParams, total=False):
    """``client.sessions.append_event(...)`` (:class:`~aionis_sdk.types.AppendEventRequest`)."""

    session_id: Required[str]
    event_id: str | None
    title: str | None
    text_summary: str | None
    input_text: str | None
    metadata: Mapping[str, Any] | None
    auto_embed: bool | None
    edge_weight: float | None
    edge_confidence: float | None
    execution_state_v1: Any
    execution_packet_v1: Any
    execution_transitions_v1: Any


class ListEventsParams(ReadIdentityParams, NodeViewParams, total=False):
    """``client.sessions.events(...)`` / ``events_all`` (:class:`~aionis_sdk.types.ListEventsRequest`)."""

    session_id: Required[str]
    limit: int | None
    offset: int | None


class PackExportParams(ReadIdentityParams, total=False):
    """``client.packs.export(...)`` (:class:`~aionis_sdk.types.PackExportRequest`)."""

    include_nodes: bool | None
    include_edges: bool | None
    include_commits: bool | None
    include_decisions: bool | None
    include_meta: bool | None
    max_rows: int | None


class PackImportParams(WriteIdentityParams, total=False):
    """``client.packs.import_pack(...)`` / ``verify`` (:class:`~aionis_sdk.types.PackImportRequest`)."""

    pack: Required[Pack | Mapping[str, Any]]
    verify_only: bool | None
    auto_embed: bool | None
    manifest_sha256: str | None
