"""Recall (§7.4): /v1/memory/recall and /v1/memory/recall_text.

Entry points (synchronous; routes run them with ``run_sync``):

- ``recall_service(ctx, body: RecallBody | Mapping) -> dict`` — recall by the caller's vector.
- ``recall_text_service(ctx, body: RecallTextBody | Mapping) -> dict`` — recall by text; the
  server embeds ``query_text``. planning/context and context/assemble call this with a
  :class:`~aionis_server.schemas.recall.RecallTextBody` (or a plain mapping with the same keys)
  built from their request, including the ``consumer_agent_id`` they default to the local
  identity. The result is the full recall_text response body.

Both raise :class:`~aionis_server.errors.ApiError` for every API error. The graph steps live in
``recall_graph``, the context block in ``recall_context``.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Mapping
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from ..context import RequestContext
from ..errors import ApiError, bad_request
from ..schemas.recall import KNOBS, RecallBody, RecallOptions, RecallTextBody
from ..services.dto import META_FIELDS, node_slots, slots_preview
from ..validation import parse_body, require
from .recall_context import ContextOptions, Uris, build_context
from .recall_graph import Knobs, RecallGraph, build_graph

__all__ = [
    "PRESETS",
    "embed_query",
    "recall_service",
    "recall_text_service",
    "resolve_knobs",
]

B = TypeVar("B", bound=RecallOptions)

PRESETS: dict[str, tuple[int, int, int, int, int, float, float]] = {
    # limit, hops, max_nodes, max_edges, ranked_limit, min_edge_weight, min_edge_confidence
    "local": (16, 1, 32, 40, 80, 0.2, 0.2),
    "balanced": (24, 2, 60, 80, 140, 0.2, 0.2),
    "global": (30, 2, 80, 100, 180, 0.05, 0.05),
}
DEFAULT_PRESET = "balanced"
DEBUG_EMBEDDINGS_MAX_LIMIT = 20
DEBUG_EMBEDDINGS_MAX_SEEDS = 5
DEBUG_PREVIEW_DIMS = 16
_SPACES = re.compile(r"\s+")


def resolve_knobs(body: RecallOptions) -> Knobs:
    """Presets and precedence (§7.4): explicit knobs beat ``recall_strategy``, which then is
    ignored; without explicit knobs the strategy (or ``recall_mode=dense_edge`` = ``global``)
    picks the preset; otherwise ``balanced``."""
    explicit = {
        name for name in KNOBS if name in body.model_fields_set and getattr(body, name) is not None
    }
    strategy = DEFAULT_PRESET
    if not explicit:
        if body.recall_strategy is not None:
            strategy = body.recall_strategy
        elif body.recall_mode == "dense_edge":
            strategy = "global"
    values = dict(zip(KNOBS, PRESETS[strategy], strict=True))
    for name in explicit:
        values[name] = getattr(body, name)
    return Knobs(
        strategy=strategy if not explicit else "custom",
        limit=int(values["limit"]),
        neighborhood_hops=int(values["neighborhood_hops"]),
        max_nodes=int(values["max_nodes"]),
        max_edges=int(values["max_edges"]),
        ranked_limit=int(values["ranked_limit"]),
        min_edge_weight=float(values["min_edge_weight"]),
        min_edge_confidence=float(values["min_edge_confidence"]),
    )


def _parse(model: type[B], body: B | Mapping[str, Any]) -> B:
    if isinstance(body, model):
        return body
    if isinstance(body, RecallOptions):
        return parse_body(model, body.model_dump(exclude_unset=True))
    return parse_body(model, body)


def _check_debug(ctx: RequestContext, body: RecallOptions, knobs: Knobs) -> None:
    """Step 9 preconditions, checked before any work is done."""
    if not body.include_embeddings:
        return
    if not body.return_debug:
        raise bad_request(
            "debug_embeddings_requires_return_debug",
            "include_embeddings requires return_debug=true",
        )
    if knobs.limit > DEBUG_EMBEDDINGS_MAX_LIMIT:
        raise bad_request(
            "debug_embeddings_limit_too_high",
            f"include_embeddings requires limit <= {DEBUG_EMBEDDINGS_MAX_LIMIT}",
            limit=knobs.limit,
            max_limit=DEBUG_EMBEDDINGS_MAX_LIMIT,
        )
    from ..auth import admin_allowed

    if not admin_allowed(ctx):
        raise bad_request(
            "debug_embeddings_not_allowed", "include_embeddings needs a valid X-Admin-Token"
        )


def query_vector(values: list[Any], dim: int) -> npt.NDArray[np.float32]:
    """The caller's ``query_embedding`` or 400 ``invalid_embedding_dimension``."""
    ok = len(values) == dim and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values
    )
    if not ok:
        raise bad_request(
            "invalid_embedding_dimension",
            f"query_embedding must have exactly {dim} finite numbers",
            expected=dim,
            actual=len(values),
        )
    return np.asarray(values, dtype=np.float32)


def embed_query(ctx: RequestContext, text: str) -> npt.NDArray[np.float32]:
    """Embed one query text with the server's provider; provider failures map to 503/502."""
    from ..embeddings import EmbeddingError

    embedder = ctx.state.embedder
    try:
        out = embedder.embed([text])
    except EmbeddingError as exc:
        if exc.bad_response:
            raise ApiError(502, "upstream_embedding_bad_response", str(exc)) from None
        raise _unavailable(str(exc), exc.retry_after_s) from None
    except Exception as exc:  # any provider crash means "unavailable", never a 500
        raise _unavailable(f"embedding provider failed: {type(exc).__name__}", 1) from None
    matrix = np.asarray(out, dtype=np.float32)
    dim = ctx.state.vectors.dim
    if matrix.shape != (1, dim) or not np.isfinite(matrix).all():
        raise ApiError(
            502,
            "upstream_embedding_bad_response",
            "embedding provider returned a malformed vector",
            details={"expected_dim": dim, "shape": list(matrix.shape)},
        )
    vector: npt.NDArray[np.float32] = matrix[0]
    return vector


def _unavailable(message: str, retry_after_s: int) -> ApiError:
    retry = max(1, int(retry_after_s))
    return ApiError(
        503,
        "upstream_embedding_unavailable",
        message,
        details={"retry_after_ms": retry * 1000},
        headers={"retry-after": str(retry)},
    )


def recall_service(ctx: RequestContext, body: RecallBody | Mapping[str, Any]) -> dict[str, Any]:
    """POST /v1/memory/recall."""
    parsed = _parse(RecallBody, body)
    knobs = resolve_knobs(parsed)
    _check_debug(ctx, parsed, knobs)
    query = query_vector(parsed.query_embedding, ctx.state.vectors.dim)
    return _run(ctx, parsed, knobs, query, {})


def recall_text_service(
    ctx: RequestContext, body: RecallTextBody | Mapping[str, Any]
) -> dict[str, Any]:
    """POST /v1/memory/recall_text (also the first step of planning/context and assemble)."""
    parsed = _parse(RecallTextBody, body)
    knobs = resolve_knobs(parsed)
    _check_debug(ctx, parsed, knobs)
    text = _SPACES.sub(" ", parsed.query_text).strip()
    require(bool(text), "query_text", "must not be empty after whitespace normalisation")
    started = time.perf_counter()
    query = embed_query(ctx, text)
    timings = {"embed_ms": round((time.perf_counter() - started) * 1000, 3)}
    result = _run(ctx, parsed, knobs, query, timings)
    result["query"] = {"text": text, "embedding_provider": ctx.state.embedder.name}
    return result


def _run(
    ctx: RequestContext,
    body: RecallOptions,
    knobs: Knobs,
    query: npt.NDArray[np.float32],
    timings: dict[str, float],
) -> dict[str, Any]:
    state = ctx.state
    started = time.perf_counter()
    with state.db.read() as conn:
        graph = build_graph(
            conn,
            state.vectors,
            ctx.scope_key,
            query,
            knobs,
            body.consumer_agent_id,
            body.consumer_team_id,
            edge_commits=body.include_meta,
        )
        timings["graph_ms"] = round((time.perf_counter() - started) * 1000, 3)
        rules = None
        if "rules_context" in body.model_fields_set:
            from ..rules.evaluate import evaluate_rules

            rules = evaluate_rules(
                conn,
                scope_key=ctx.scope_key,
                tenant_id=ctx.tenant_id,
                scope=ctx.scope,
                context=body.rules_context if body.rules_context is not None else {},
                include_shadow=body.rules_include_shadow,
                limit=body.rules_limit,
            )
        debug_vectors = _debug_embeddings(conn, graph) if body.include_embeddings else None
    context_started = time.perf_counter()
    out = _response(ctx, body, knobs, graph)
    timings["context_ms"] = round((time.perf_counter() - context_started) * 1000, 3)
    timings["total_ms"] = round(sum(v for k, v in timings.items() if k != "total_ms"), 3)
    if rules is not None:
        out["rules"] = rules
    out["observability"] = {
        "timings_ms": timings,
        "seed_candidates_examined": graph.seed_candidates,
        "neighborhood_nodes": len(graph.nodes),
        "neighborhood_edges": len(graph.edges),
        "activated_nodes": len(graph.activation),
    }
    if body.return_debug:
        out["debug"] = {
            "strategy": knobs.strategy,
            "knobs": _knob_dict(knobs),
            "vector_index": {
                "scope_vectors": state.vectors.count(ctx.scope_key),
                "dim": state.vectors.dim,
            },
        }
        if debug_vectors is not None:
            out["debug"]["embeddings"] = debug_vectors
    return out


def _knob_dict(knobs: Knobs) -> dict[str, Any]:
    return {name: getattr(knobs, name) for name in KNOBS}


def _debug_embeddings(conn: Any, graph: RecallGraph) -> list[dict[str, Any]]:
    seeds = graph.seeds[:DEBUG_EMBEDDINGS_MAX_SEEDS]
    if not seeds:
        return []
    seqs = [s.row["seq"] for s in seeds]
    marks = ",".join("?" * len(seqs))
    blobs = {
        row[0]: row[1]
        for row in conn.execute(
            f"SELECT node_seq, vector FROM node_embeddings WHERE node_seq IN ({marks})", seqs
        )
    }
    previews = []
    for seed in seeds:
        blob = blobs.get(seed.row["seq"])
        if blob is None:
            continue
        vec = np.frombuffer(blob, dtype="<f4")
        previews.append(
            {
                "node_id": seed.row["id"],
                "dim": int(vec.size),
                "preview": [float(v) for v in vec[:DEBUG_PREVIEW_DIMS]],
                "sha256": hashlib.sha256(blob).hexdigest(),
                "sha256_of": "float32_le_bytes",
            }
        )
    return previews


def _response(
    ctx: RequestContext, body: RecallOptions, knobs: Knobs, graph: RecallGraph
) -> dict[str, Any]:
    tenant, scope = ctx.tenant_id, ctx.scope
    uri = Uris(tenant, scope)
    seeds = [
        {
            "id": s.row["id"],
            "uri": uri(s.row["type"], s.row["id"]),
            "type": s.row["type"],
            "title": s.row["title"],
            "text_summary": s.row["text_summary"],
            "tier": s.row["tier"],
            "salience": s.row["salience"],
            "confidence": s.row["confidence"],
            "similarity": s.similarity,
        }
        for s in graph.seeds
    ]
    rows = [graph.rows[nid] for nid in graph.subgraph_nodes]
    nodes = [_node_dto(row, body, uri) for row in rows]
    edges = []
    for e in graph.subgraph_edges:
        edge: dict[str, Any] = {
            "id": e.id,
            "uri": uri("edge", e.id),
            "from_id": e.src_id,
            "to_id": e.dst_id,
            "type": e.type,
            "weight": e.weight,
        }
        if body.include_meta:
            commit_id = graph.edge_commits[e.id]
            edge["confidence"] = e.confidence
            edge["commit_id"] = commit_id
            edge["commit_uri"] = uri("commit", commit_id)
        edges.append(edge)
    facts = graph.nodes
    ranked = [
        {"id": nid, "uri": uri(facts[nid].type, nid), "activation": act, "score": score}
        for nid, act, score in graph.ranked
    ]
    similarity = {s.row["id"]: s.similarity for s in graph.seeds}
    extras = {
        nid: {"activation": act, "score": score, "similarity": similarity.get(nid)}
        for nid, act, score in graph.ranked
    }
    layers = body.memory_layer_preference
    context = build_context(
        rows,
        extras,
        tenant_id=tenant,
        scope=scope,
        options=ContextOptions(
            profile=body.context_compaction_profile,
            char_budget=body.context_char_budget,
            token_budget=body.context_token_budget,
            allowed_layers=tuple(layers.allowed_layers) if layers is not None else None,
        ),
        uris=uri,
    )
    return {
        "tenant_id": tenant,
        "scope": scope,
        "seeds": seeds,
        "subgraph": {"nodes": nodes, "edges": edges},
        "ranked": ranked,
        "context": context,
        "trajectory": {
            "strategy": knobs.strategy,
            "layers": list(layers.allowed_layers) if layers is not None else None,
            "budgets": {
                "context_token_budget": body.context_token_budget,
                "context_char_budget": body.context_char_budget,
                **_knob_dict(knobs),
            },
            "pruned_reasons": _pruned(graph, knobs),
            "uri_links": [n["uri"] for n in nodes],
        },
    }


def _node_dto(row: dict[str, Any], body: RecallOptions, uri: Uris) -> dict[str, Any]:
    """:func:`~aionis_server.services.dto.node_dto` of a subgraph row, with this recall's
    :class:`Uris` (same keys in the same order, same values)."""
    dto: dict[str, Any] = {
        "uri": uri(row["type"], row["id"]),
        "id": row["id"],
        "client_id": row["client_id"],
        "type": row["type"],
        "title": row["title"],
        "text_summary": row["text_summary"],
    }
    if body.include_slots:
        dto["slots"] = node_slots(row)
    elif body.include_slots_preview:
        dto["slots_preview"] = slots_preview(node_slots(row), body.slots_preview_keys)
    if body.include_meta:
        for name in META_FIELDS:
            dto[name] = row[name]
        dto["commit_uri"] = uri("commit", row["commit_id"])
    return dto


def _pruned(graph: RecallGraph, knobs: Knobs) -> list[str]:
    reasons = []
    if len(graph.activation) > len(graph.ranked):
        reasons.append("ranked_limit")
    if len(graph.subgraph_nodes) >= knobs.max_nodes and len(graph.activation) > knobs.max_nodes:
        reasons.append("max_nodes")
    if len(graph.subgraph_edges) >= knobs.max_edges:
        reasons.append("max_edges")
    return reasons
