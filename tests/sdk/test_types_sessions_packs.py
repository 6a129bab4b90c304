"""Sessions/events and packs models (§7.7, §7.8)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from pydantic import ValidationError

from aionis_sdk.canonical import canon
from aionis_sdk.types import (
    AppendEventRequest,
    AppendEventResponse,
    CreateSessionRequest,
    CreateSessionResponse,
    ListEventsRequest,
    ListEventsResponse,
    ListSessionsResponse,
    Pack,
    PackExportRequest,
    PackExportResponse,
    PackImportRequest,
    PackImportResponse,
)

PAGE = {"limit": 20, "offset": 0, "returned": 1, "has_more": False}


def test_create_session_request_limits() -> None:
    assert CreateSessionRequest(session_id="s1", memory_lane="shared").to_body() == {
        "session_id": "s1",
        "memory_lane": "shared",
    }
    for bad in (
        {"session_id": ""},
        {"session_id": "x" * 129},
        {"session_id": "s", "title": "t" * 513},
    ):
        with pytest.raises(ValidationError):
            CreateSessionRequest.model_validate(bad)


def test_create_session_and_event_responses() -> None:
    common = {
        "tenant_id": "d",
        "scope": "d",
        "session_id": "s1",
        "session_node_id": "n",
        "session_uri": "su",
        "commit_id": "c",
        "commit_uri": "cu",
        "commit_hash": "h",
        "nodes": [{"id": "n", "uri": "su", "client_id": "session:s1", "type": "topic"}],
        "edges": [],
    }
    CreateSessionResponse.model_validate(common, strict=True)
    event = dict(common, event_id="e1", event_node_id="en", event_uri="eu")
    assert AppendEventResponse.model_validate(event, strict=True).event_id == "e1"
    with pytest.raises(ValidationError):
        AppendEventResponse.model_validate(common)


def test_append_event_needs_some_text() -> None:
    with pytest.raises(ValidationError, match="title, text_summary or input_text"):
        AppendEventRequest(session_id="s1", event_id="e1")
    req = AppendEventRequest(
        session_id="s1", event_id="e1", input_text="hi", execution_state_v1={"a": None}
    )
    assert req.to_body() == {
        "session_id": "s1",
        "event_id": "e1",
        "input_text": "hi",
        "execution_state_v1": {"a": None},
    }
    with pytest.raises(ValidationError):
        AppendEventRequest(session_id="s1", title="t", edge_weight=1.5)


def test_list_events_session_id_is_a_path_param() -> None:
    req = ListEventsRequest(session_id="s/1", limit=5, include_slots=True)
    assert req.to_body() == {"session_id": "s/1", "limit": 5, "include_slots": True}
    assert req.path_params == frozenset({"session_id"})
    assert req.to_query() == {"limit": "5", "include_slots": "true"}
    assert req.session_id == "s/1"


def test_list_events_unknown_session_and_events() -> None:
    empty = ListEventsResponse.model_validate(
        {
            "tenant_id": "d",
            "scope": "d",
            "session": None,
            "events": [],
            "page": dict(PAGE, returned=0),
        },
        strict=True,
    )
    assert empty.session is None
    full = ListEventsResponse.model_validate(
        {
            "tenant_id": "d",
            "scope": "d",
            "session": {
                "session_id": "s1",
                "node_id": "n",
                "title": "Session s1",
                "text_summary": None,
                "uri": "u",
            },
            "events": [
                {
                    "uri": "eu",
                    "id": "en",
                    "client_id": "session_event:s1:e1",
                    "event_id": "e1",
                    "type": "event",
                    "title": None,
                    "text_summary": "hi",
                    "edge_weight": 1,
                    "edge_confidence": 1,
                    "slots": {"system_kind": "session_event"},
                }
            ],
            "page": PAGE,
        },
        strict=True,
    )
    assert full.events[0].edge_weight == 1.0
    assert full.events[0].slots == {"system_kind": "session_event"}


def test_list_sessions_response() -> None:
    resp = ListSessionsResponse.model_validate(
        {
            "tenant_id": "d",
            "scope": "d",
            "sessions": [
                {"session_id": "s1", "node_id": "n", "event_count": 3, "last_event_at": None}
            ],
            "page": PAGE,
        },
        strict=True,
    )
    assert resp.sessions[0].event_count == 3


def pack_body() -> dict[str, Any]:
    return {
        "version": "aionis_pack_v1",
        "tenant_id": "default",
        "scope": "default",
        "nodes": [
            {
                "id": "e3eb742f-ee16-5329-8a84-7285e922deb7",
                "client_id": "evt_1",
                "type": "event",
                "title": None,
                "slots": {"k": None},
                "salience": 0.5,
                "importance": 1,
            }
        ],
        "edges": [],
        "commits": [{"id": "c", "parent_id": None, "commit_hash": "h"}],
        "decisions": [],
        "future_section": [],
    }


def test_pack_export_round_trip_keeps_the_hash() -> None:
    pack = pack_body()
    sha = hashlib.sha256(canon(pack).encode()).hexdigest()
    body = {
        "manifest": {
            "version": "aionis_pack_manifest_v1",
            "pack_version": "aionis_pack_v1",
            "sha256": sha,
            "generated_at": "2026-11-22T02:30:06.114Z",
            "counts": {"nodes": 1, "edges": 0, "commits": 1, "decisions": 0},
            "truncated": {"nodes": False, "edges": False, "commits": False, "decisions": False},
            "max_rows": 5000,
        },
        "pack": pack,
    }
    resp = PackExportResponse.model_validate(body, strict=True)
    imp = PackImportRequest(pack=resp.pack, manifest_sha256=resp.manifest.sha256, verify_only=True)
    sent = imp.to_body()
    # plain model_dump(exclude_none=True), as a client may call it, must agree
    assert imp.model_dump(mode="json", exclude_none=True) == sent
    assert sent["pack"] == pack  # explicit nulls and unknown keys survive
    assert hashlib.sha256(canon(sent["pack"]).encode()).hexdigest() == sha
    assert sent["verify_only"] is True


def test_pack_import_accepts_plain_dict() -> None:
    raw: dict[str, Any] = {
        "version": "aionis_pack_v1",
        "tenant_id": "t",
        "scope": "s",
        "nodes": [],
        "edges": [],
        "x": None,
    }
    assert PackImportRequest(pack=raw).to_body() == {"pack": raw}
    assert isinstance(PackImportRequest(pack=pack_body()).pack, Pack)


def test_pack_requests_validation() -> None:
    with pytest.raises(ValidationError):
        PackExportRequest(max_rows=50001)
    with pytest.raises(ValidationError):
        PackImportRequest(pack={}, manifest_sha256="xyz")
    with pytest.raises(ValidationError):
        PackImportRequest.model_validate({})


def test_pack_import_responses() -> None:
    verified = PackImportResponse.model_validate(
        {
            "ok": True,
            "verified": True,
            "imported": False,
            "tenant_id": "d",
            "scope": "d",
            "pack_sha256": "ab",
            "planned": {"nodes": 1, "edges": 0, "commits_in_pack": 1, "decisions_in_pack": 0},
        },
        strict=True,
    )
    assert verified.planned is not None
    assert verified.planned.nodes == 1
    done = PackImportResponse.model_validate(
        {
            "ok": True,
            "verified": True,
            "imported": True,
            "tenant_id": "d",
            "scope": "d",
            "pack_sha256": "ab",
            "commit_id": "c",
            "commit_hash": "h",
            "nodes": 1,
            "edges": 0,
        },
        strict=True,
    )
    assert done.nodes == 1
