"""Turn a write request into rows, ids and a commit diff (§5.4, §5.6, §5.7, §6, §7.3).

Everything here is pure except embedding, so it runs before the write lock is taken. The
storage step (:mod:`.write_apply`) only checks what needs the database.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from aionis_sdk.canonical import canon, sha256hex, stable_uuid

from ..context import RequestContext
from ..errors import ApiError, bad_request
from ..identity import mismatch
from ..schemas.write import WriteBody, WriteEdge, WriteNode
from ..validation import require
from .text import Redactor, normalize_text

# The node fields of §7.3, used to hash a node that has neither id nor client_id (§5.6).
NODE_HASH_FIELDS = tuple(WriteNode.model_fields)
_TEXT_ORDER: dict[str, tuple[str, ...]] = {
    "event": ("text_summary", "title", "input_text"),
    "evidence": ("text_summary", "title", "input_text"),
    "entity": ("title", "text_summary"),
    "topic": ("title", "text_summary"),
    "concept": ("title", "text_summary"),
}
_DEFAULT_TEXT_ORDER = ("text_summary", "title")


@dataclass
class NodeRow:
    index: int
    id: str
    client_id: str | None
    type: str
    tier: str
    title: str | None
    text_summary: str | None
    slots: dict[str, Any]
    raw_ref: str | None
    evidence_ref: str | None
    memory_lane: str
    producer_agent_id: str | None
    owner_agent_id: str | None
    owner_team_id: str | None
    salience: float
    importance: float
    confidence: float
    embed_text: str | None
    client_vector: npt.NDArray[np.float32] | None = None
    client_model: str | None = None
    vector: npt.NDArray[np.float32] | None = None
    embedding_model: str | None = None

    @property
    def embedding_status(self) -> str:
        return "ready" if self.vector is not None else "failed"

    def diff_entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.client_id is not None:
            entry["client_id"] = self.client_id
        if self.title is not None:
            entry["title"] = self.title
        entry["memory_lane"] = self.memory_lane
        entry["producer_agent_id"] = self.producer_agent_id
        entry["owner_agent_id"] = self.owner_agent_id
        entry["owner_team_id"] = self.owner_team_id
        return entry


@dataclass
class EdgeRow:
    index: int
    id: str  # the derived (or sent) id; the stored id may differ on upsert
    type: str
    src_id: str
    dst_id: str
    src_in_batch: bool
    dst_in_batch: bool
    weight: float
    confidence: float
    decay_rate: float
    id_sent: bool


@dataclass
class PreparedWrite:
    input_sha256: str
    actor: str
    parent_commit_id: str | None
    model_version: str | None
    prompt_version: str | None
    nodes: list[NodeRow]
    edges: list[EdgeRow]
    redaction: dict[str, int]
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def diff(self) -> dict[str, Any]:
        return {
            "redaction": self.redaction,
            "nodes": [n.diff_entry() for n in self.nodes],
            "edges": [
                {"id": e.id, "type": e.type, "src_id": e.src_id, "dst_id": e.dst_id}
                for e in self.edges
            ],
        }


def _opt_text(value: str | None, redactor: Redactor, max_len: int) -> str | None:
    if value is None:
        return None
    text = redactor.text(normalize_text(value, max_len))
    return text or None


def _agent_check(ctx: RequestContext, path: str, value: str | None, expected: str | None) -> None:
    """In authenticated modes, node-level identity fields may not name another agent/team."""
    if ctx.principal.via != "off" and value and expected and value != expected:
        raise mismatch(path, value, expected)


def _client_vector(ctx: RequestContext, node: WriteNode) -> npt.NDArray[np.float32] | None:
    if node.embedding is None:
        return None
    dim = int(ctx.state.embedder.dim)
    values = node.embedding
    if len(values) != dim or not all(math.isfinite(v) for v in values):
        raise bad_request(
            "invalid_embedding_dimension",
            f"embedding must have exactly {dim} finite numbers",
            expected=dim,
            actual=len(values),
        )
    vector = np.asarray(values, dtype=np.float32)
    norm = float(np.linalg.norm(vector))
    if not math.isfinite(norm):
        raise bad_request(
            "invalid_embedding_dimension", "embedding overflows float32", expected=dim, actual=dim
        )
    return vector / norm if norm > 0 else vector


def _rule_checks(index: int, node: NodeRow) -> None:
    if node.memory_lane == "private" and not (node.owner_agent_id or node.owner_team_id):
        raise bad_request(
            "invalid_private_rule_owner",
            "a private rule needs owner_agent_id or owner_team_id",
            node_index=index,
            node_id=node.id,
        )
    rule_scope = node.slots.get("rule_scope")
    scope = rule_scope.strip().lower() if isinstance(rule_scope, str) else "global"
    for wanted, target in (("agent", "target_agent_id"), ("team", "target_team_id")):
        value = node.slots.get(target)
        if scope == wanted and not (isinstance(value, str) and value.strip()):
            raise bad_request(
                "invalid_rule_scope_target",
                f"rule_scope {wanted} requires {target}",
                node_index=index,
                node_id=node.id,
                rule_scope=wanted,
            )


def _embed_text(node: NodeRow, input_text: str | None, max_len: int) -> str | None:
    values = {"title": node.title, "text_summary": node.text_summary, "input_text": input_text}
    for name in _TEXT_ORDER.get(node.type, _DEFAULT_TEXT_ORDER):
        value = values[name]
        if value:
            return normalize_text(value, max_len) or None
    return None


def prepare_nodes(
    ctx: RequestContext,
    body: WriteBody,
    raw_nodes: list[Any],
    input_text: str | None,
    redactor: Redactor,
    check_node_identity: bool = True,
) -> list[NodeRow]:
    cfg = ctx.state.config
    principal = ctx.principal
    rows: list[NodeRow] = []
    seen_client: dict[str, int] = {}
    seen_id: dict[str, int] = {}
    for i, node in enumerate(body.nodes):
        if node.scope is not None and node.scope.strip() != ctx.scope:
            raise bad_request(
                "cross_scope_node_not_allowed",
                "node scope must equal the request scope",
                node_index=i,
                node_scope=node.scope,
                scope=ctx.scope,
            )
        client_id = None
        if node.client_id is not None:
            client_id = node.client_id.strip()
            if not client_id:
                raise bad_request(
                    "empty_after_normalization",
                    "client_id is empty after trimming",
                    field=f"nodes.{i}.client_id",
                )
            if client_id in seen_client:
                raise bad_request(
                    "duplicate_client_id_in_batch",
                    "client_id appears twice in the batch",
                    client_id=client_id,
                    first_index=seen_client[client_id],
                    second_index=i,
                )
            seen_client[client_id] = i
            node_id = stable_uuid(ctx.scope_key + ":node:" + client_id)
            if node.id is not None and node.id.lower() != node_id:
                raise bad_request(
                    "client_id_id_mismatch",
                    "id does not match the id derived from client_id",
                    node_index=i,
                    id=node.id,
                    expected_id=node_id,
                )
        elif node.id is not None:
            node_id = node.id.lower()
        else:
            raw = raw_nodes[i] if i < len(raw_nodes) and isinstance(raw_nodes[i], dict) else {}
            restricted = {k: raw[k] for k in NODE_HASH_FIELDS if k in raw}
            node_id = stable_uuid(ctx.scope_key + ":node:" + sha256hex(canon(restricted)))
        if node_id in seen_id:
            raise bad_request(
                "duplicate_node_id_in_batch",
                "node id appears twice in the batch",
                id=node_id,
                first_index=seen_id[node_id],
                second_index=i,
            )
        seen_id[node_id] = i

        _agent_check(
            ctx, f"nodes.{i}.producer_agent_id", node.producer_agent_id, principal.agent_id
        )
        _agent_check(ctx, f"nodes.{i}.owner_agent_id", node.owner_agent_id, principal.agent_id)
        _agent_check(ctx, f"nodes.{i}.owner_team_id", node.owner_team_id, principal.team_id)
        producer = node.producer_agent_id or body.producer_agent_id
        owner_team = node.owner_team_id or body.owner_team_id
        owner_agent = node.owner_agent_id or body.owner_agent_id or producer
        slots = redactor.tree(node.slots or {})
        row = NodeRow(
            index=i,
            id=node_id,
            client_id=client_id,
            type=node.type,
            tier=node.tier or "hot",
            title=_opt_text(node.title, redactor, cfg.max_text_len),
            text_summary=_opt_text(node.text_summary, redactor, cfg.max_text_len),
            slots=slots,
            raw_ref=node.raw_ref,
            evidence_ref=node.evidence_ref,
            memory_lane=node.memory_lane or body.memory_lane or "private",
            producer_agent_id=producer,
            owner_agent_id=owner_agent,
            owner_team_id=owner_team,
            salience=0.5 if node.salience is None else node.salience,
            importance=0.5 if node.importance is None else node.importance,
            confidence=0.5 if node.confidence is None else node.confidence,
            embed_text=None,
            client_vector=_client_vector(ctx, node),
            client_model=node.embedding_model,
        )
        row.embed_text = _embed_text(row, input_text, cfg.max_text_len)
        if row.type == "rule":
            _rule_checks(i, row)
        rows.append(row)
    return rows


def _endpoint(
    ctx: RequestContext,
    i: int,
    side: str,
    edge: WriteEdge,
    by_client: dict[str, str],
    batch_ids: set[str],
) -> tuple[str, str, bool]:
    """(resolved node id, the id text used in the derived edge id, whether it is in the batch)."""
    end = edge.src if side == "src" else edge.dst
    if end.id is not None:
        node_id = end.id.lower()
        return node_id, end.id, node_id in batch_ids
    if end.client_id is not None:
        resolved = by_client.get(end.client_id.strip())
        if resolved is None:
            raise bad_request(
                "edge_endpoint_not_found",
                f"edge {side} client_id does not name a node in this batch",
                edge_index=i,
                side=side,
                client_id=end.client_id,
            )
        return resolved, end.client_id, True
    raise ApiError(
        400,
        "invalid_request",
        "invalid request",
        issues=[{"path": f"edges.{i}.{side}", "message": "set id or client_id"}],
    )


def prepare_edges(
    ctx: RequestContext, body: WriteBody, nodes: list[NodeRow], input_key: str
) -> list[EdgeRow]:
    by_client = {n.client_id: n.id for n in nodes if n.client_id is not None}
    batch_ids = {n.id for n in nodes}
    rows: list[EdgeRow] = []
    for i, edge in enumerate(body.edges):
        if edge.scope is not None and edge.scope.strip() != ctx.scope:
            raise bad_request(
                "cross_scope_edge_not_allowed",
                "edge scope must equal the request scope",
                edge_index=i,
                edge_scope=edge.scope,
                scope=ctx.scope,
            )
        src_id, src_key, src_in = _endpoint(ctx, i, "src", edge, by_client, batch_ids)
        dst_id, dst_key, dst_in = _endpoint(ctx, i, "dst", edge, by_client, batch_ids)
        derived = stable_uuid(f"{ctx.scope_key}:edge:{input_key}:{edge.type}:{src_key}:{dst_key}")
        rows.append(
            EdgeRow(
                index=i,
                id=edge.id.lower() if edge.id else derived,
                type=edge.type,
                src_id=src_id,
                dst_id=dst_id,
                src_in_batch=src_in,
                dst_in_batch=dst_in,
                weight=0.5 if edge.weight is None else edge.weight,
                confidence=0.5 if edge.confidence is None else edge.confidence,
                decay_rate=0.01 if edge.decay_rate is None else edge.decay_rate,
                id_sent=edge.id is not None,
            )
        )
    return rows


def prepare_write(
    ctx: RequestContext, body: WriteBody, raw_nodes: list[Any], *, check_node_identity: bool = True
) -> PreparedWrite:
    """Validate and derive everything of a write that does not need the database."""
    cfg = ctx.state.config
    require(
        body.input_text is not None or body.input_sha256 is not None,
        "",
        "must set input_text or input_sha256",
    )
    redactor = Redactor(cfg.pii_redaction)
    input_text: str | None = None
    if body.input_text is not None:
        input_text = redactor.text(normalize_text(body.input_text, cfg.max_text_len))
        if not input_text:
            raise bad_request(
                "empty_after_normalization",
                "input_text is empty after normalization",
                field="input_text",
            )
    input_sha = body.input_sha256 or sha256hex(input_text or "")
    nodes = prepare_nodes(ctx, body, raw_nodes, input_text, redactor, check_node_identity)
    edges = prepare_edges(ctx, body, nodes, input_text if input_text is not None else input_sha)
    warnings: list[dict[str, Any]] = []
    if not nodes:
        warnings.append({"code": "write_no_nodes", "message": "the write contains no nodes"})
    ignored = [
        name
        for name in ("force_reembed", "trigger_topic_cluster", "topic_cluster_async", "distill")
        if getattr(body, name) not in (None, False)
    ]
    if ignored:
        warnings.append(
            {
                "code": "write_options_ignored",
                "message": "the reference server does not re-embed, cluster topics or distill",
                "details": {"fields": ignored},
            }
        )
    return PreparedWrite(
        input_sha256=input_sha,
        actor=body.actor or "system",
        parent_commit_id=body.parent_commit_id.lower() if body.parent_commit_id else None,
        model_version=body.model_version,
        prompt_version=body.prompt_version,
        nodes=nodes,
        edges=edges,
        redaction=redactor.summary(),
        warnings=warnings,
    )


def slots_json(slots: dict[str, Any]) -> str:
    return json.dumps(slots, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
