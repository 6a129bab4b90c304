"""``aionis://`` URIs (§5.3): building and parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from .errors import bad_request

NODE_TYPES = frozenset(
    {"event", "entity", "topic", "rule", "evidence", "concept", "procedure", "self_model"}
)
URI_TYPES = NODE_TYPES | {"edge", "commit", "decision"}
_UUID_SHAPE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_SAFE = "-_.!~*'()"


def _seg(value: str) -> str:
    return quote(value, safe=_SAFE)


def make_uri(tenant_id: str, scope: str, kind: str, object_id: str) -> str:
    """``aionis://<tenant>/<scope>/<kind>/<id>`` with every segment percent-encoded."""
    return f"aionis://{_seg(tenant_id)}/{_seg(scope)}/{_seg(kind)}/{_seg(object_id)}"


@dataclass(frozen=True)
class ParsedUri:
    tenant_id: str
    scope: str
    type: str
    id: str


def parse_uri(uri: str) -> ParsedUri:
    """Parse an ``aionis://`` URI or raise 400 ``invalid_aionis_uri``."""
    if not isinstance(uri, str) or not uri.startswith("aionis://"):
        raise bad_request("invalid_aionis_uri", "uri must start with aionis://", uri=str(uri)[:512])
    parts = uri[len("aionis://") :].split("/")
    if len(parts) != 4 or any(p == "" for p in parts):
        raise bad_request(
            "invalid_aionis_uri", "uri must have exactly four non-empty segments", uri=uri[:512]
        )
    tenant_id, scope, kind, object_id = (unquote(p) for p in parts)
    if kind not in URI_TYPES:
        raise bad_request("invalid_aionis_uri", f"unknown uri type {kind!r}", uri=uri[:512])
    if not _UUID_SHAPE.match(object_id):
        raise bad_request("invalid_aionis_uri", "uri id must be a UUID", uri=uri[:512])
    return ParsedUri(tenant_id=tenant_id, scope=scope, type=kind, id=object_id.lower())
