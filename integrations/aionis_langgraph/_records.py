"""The shared record encoding: how a LangGraph object becomes an Aionis node and a commit.

Every durable change made by ``aionis_langgraph`` (a checkpoint, a set of pending writes, a
store item, a tombstone) is one **record**: a JSON object built only from ``str``, ``int``,
``bool``, ``None``, lists and objects (no floats, so canonical JSON is unambiguous). A record
is written with ``POST /v1/memory/write`` as follows:

* **node**: ``type="evidence"``, a deterministic ``client_id`` (see :func:`client_id`), the
  record verbatim as ``slots``, no title or summary, lane and owner from :class:`Identity`
  (private to the integration's agent by default), ``auto_embed=false``.
* **commit**: ``input_sha256 = sha256hex(canon(record))`` for a one-node write, or
  ``sha256hex(canon([record, ...]))`` over the records in node order for a batch
  (:func:`input_sha256`). The commit hash therefore covers the stored value, and
  ``parent_commit_id`` is the previous head of the record's chain (a thread, a namespace), so
  a chain's history can be re-verified client-side (``aionis_langgraph.verify``).

Record layout. Every record carries ``"lg": 1`` (format version), ``"family"`` (which
integration wrote it: ``"checkpoint"``, ``"store"``, ...), ``"kind"`` (what it is within the
family) and ``"order"`` (a time-ordered id, :func:`new_order`, for a stable order when
``created_at`` ties at millisecond resolution). The remaining keys are the family's own:
plain index fields, filterable server-side with ``find(slots_contains=...)``, and opaque
payloads encoded by :func:`encode_typed` (``{"t": serde type, "b": base64 bytes}``) from a
LangGraph serializer's ``dumps_typed``. Records are immutable: overwrite and delete are new
records (versions and tombstones) that readers resolve.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from langgraph.checkpoint.base.id import uuid6

from aionis_sdk.canonical import canon, sha256hex

__all__ = [
    "FORMAT",
    "NODE_TYPE",
    "Identity",
    "canonical",
    "client_id",
    "decode_typed",
    "encode_typed",
    "input_sha256",
    "new_order",
    "node_spec",
    "parse_client_id",
    "write_params",
]

FORMAT = 1
NODE_TYPE = "evidence"
_MAX_PART = 200  # longer id parts are replaced by a hash so client_ids stay < 1024 chars
_HASHED = re.compile(r"^~[0-9a-f]{40}$")


@dataclass(frozen=True)
class Identity:
    """Who owns the records: they are written private to ``agent_id`` unless ``lane`` says
    ``"shared"``, and read with ``agent_id`` as the consumer (spec §4.5). ``agent_id=None``
    leaves both to an authenticated server, which takes them from the credential."""

    agent_id: str | None
    lane: str = "private"


def resolve_agent(agent_id: str | None, clients: Iterable[Any], default: str) -> str | None:
    """The agent an integration writes and reads as: ``agent_id``, else the first client's
    ``agent_id``, else ``default``, except that clients carrying a credential (``api_key`` or
    ``bearer_token``) and no agent id give ``None``: the server knows the agent from the
    credential (and refuses any other with 403 ``identity_mismatch``)."""
    present = [c for c in clients if c is not None]
    if agent_id:
        return agent_id
    for client in present:
        if client.config.agent_id:
            return str(client.config.agent_id)
    if any(c.config.api_key or c.config.bearer_token for c in present):
        return None
    return default


def encode_typed(typed: tuple[str, bytes]) -> dict[str, str]:
    """``(type, bytes)`` from ``serde.dumps_typed`` as a JSON object."""
    kind, data = typed
    return {"t": kind, "b": base64.b64encode(data).decode("ascii")}


def decode_typed(obj: Mapping[str, Any]) -> tuple[str, bytes]:
    """The inverse of :func:`encode_typed`, ready for ``serde.loads_typed``."""
    return str(obj["t"]), base64.b64decode(obj["b"])


def new_order() -> str:
    """A time-ordered, process-monotonic id (UUID v6) that sorts as text."""
    return str(uuid6())


def _part(value: str) -> str:
    encoded = quote(value, safe="")
    if len(encoded) > _MAX_PART:
        return "~" + sha256hex(value)[:40]
    return encoded


def client_id(prefix: str, *parts: str | int) -> str:
    """``prefix:part:part...`` with each part percent-encoded (so ``:`` inside a thread id
    or namespace cannot split it). Parts longer than 200 encoded characters become
    ``~<sha256 prefix>``; the raw values always live in the record itself."""
    return ":".join([prefix, *(_part(str(p)) for p in parts)])


def parse_client_id(value: str, prefix: str) -> list[str] | None:
    """The decoded parts of a :func:`client_id` with ``prefix``, or ``None``. Hashed parts
    come back as ``~<hex>``."""
    head = prefix + ":"
    if not value.startswith(head):
        return None
    out = []
    for raw in value[len(head) :].split(":"):
        out.append(raw if _HASHED.match(raw) else unquote(raw))
    return out


_SAFE_INT = 2**53


def _plain(value: Any) -> bool:
    """True when ``json.dumps(sort_keys=True)`` writes ``value`` exactly as ``canon`` does:
    only str, bool, None, ints below 2**53, lists and dicts with ASCII keys (code-point and
    UTF-16 key orders agree; no floats, whose JS and Python forms differ)."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-_SAFE_INT < value < _SAFE_INT)
    if kind is dict:
        return all(type(k) is str and k.isascii() and _plain(v) for k, v in value.items())
    if kind is list or kind is tuple:
        return all(_plain(v) for v in value)
    return False


def canonical(value: Any) -> str:
    """``canon(value)``, via the C JSON encoder when that gives the same text (records built
    here always do; anything else takes the spec's reference encoder). Several times faster
    than ``canon`` on checkpoint and store records."""
    if _plain(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return canon(value)


def input_sha256(records: Sequence[Mapping[str, Any]]) -> str:
    """The commit ``input_sha256`` of a write carrying ``records`` in node order: of the
    record's canonical JSON for one record, of the array's for several."""
    texts = [canonical(record) for record in records]
    return sha256hex(texts[0] if len(texts) == 1 else "[" + ",".join(texts) + "]")


def node_spec(cid: str, record: Mapping[str, Any], identity: Identity) -> dict[str, Any]:
    """The ``nodes[]`` entry of a write for one record."""
    spec: dict[str, Any] = {
        "client_id": cid,
        "type": NODE_TYPE,
        "slots": dict(record),
        "memory_lane": identity.lane,
    }
    if identity.agent_id is not None:
        spec["producer_agent_id"] = spec["owner_agent_id"] = identity.agent_id
    return spec


def write_params(
    items: Sequence[tuple[str, Mapping[str, Any]]],
    identity: Identity,
    parent_commit_id: str | None,
) -> dict[str, Any]:
    """Keyword arguments of ``client.memory.write`` for ``(client_id, record)`` items."""
    params: dict[str, Any] = {
        "input_sha256": input_sha256([record for _, record in items]),
        "nodes": [node_spec(cid, record, identity) for cid, record in items],
        "auto_embed": False,
        "memory_lane": identity.lane,
    }
    if identity.agent_id is not None:
        params["actor"] = params["producer_agent_id"] = identity.agent_id
        params["owner_agent_id"] = identity.agent_id
    if parent_commit_id:
        params["parent_commit_id"] = parent_commit_id
    return params
