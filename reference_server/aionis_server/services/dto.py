"""NodeDTO (§7.1): how find, resolve, events and recall show a stored node."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from ..uris import make_uri

META_FIELDS = (
    "tier",
    "memory_lane",
    "producer_agent_id",
    "owner_agent_id",
    "owner_team_id",
    "embedding_status",
    "embedding_model",
    "raw_ref",
    "evidence_ref",
    "created_at",
    "updated_at",
    "last_activated",
    "salience",
    "importance",
    "confidence",
    "commit_id",
)
MAX_PREVIEW_KEYS = 50


def node_slots(row: Mapping[str, Any] | sqlite3.Row) -> dict[str, Any]:
    """The node's slots object, from a row's ``slots_json`` (or an already-decoded ``slots``)."""
    keys = row.keys() if hasattr(row, "keys") else ()
    if "slots_json" in keys:
        value = json.loads(row["slots_json"] or "{}")
    else:
        value = row["slots"] if "slots" in keys else {}
    return value if isinstance(value, dict) else {}


def slots_preview(slots: Mapping[str, Any], keys: int = 10) -> dict[str, Any]:
    """The first ``keys`` slot keys in sorted order (clamped to 1..50)."""
    count = max(1, min(MAX_PREVIEW_KEYS, int(keys)))
    return {key: slots[key] for key in sorted(slots)[:count]}


def node_dto(
    row: Mapping[str, Any] | sqlite3.Row,
    *,
    tenant_id: str,
    scope: str,
    include_slots: bool = False,
    include_slots_preview: bool = False,
    slots_preview_keys: int = 10,
    include_meta: bool = False,
) -> dict[str, Any]:
    """Build a NodeDTO from a ``nodes`` row (``sqlite3.Row`` or a mapping with its columns)."""
    dto: dict[str, Any] = {
        "uri": make_uri(tenant_id, scope, row["type"], row["id"]),
        "id": row["id"],
        "client_id": row["client_id"],
        "type": row["type"],
        "title": row["title"],
        "text_summary": row["text_summary"],
    }
    if include_slots:
        dto["slots"] = node_slots(row)
    elif include_slots_preview:
        dto["slots_preview"] = slots_preview(node_slots(row), slots_preview_keys)
    if include_meta:
        for name in META_FIELDS:
            dto[name] = row[name]
        dto["commit_uri"] = make_uri(tenant_id, scope, "commit", row["commit_id"])
    return dto
