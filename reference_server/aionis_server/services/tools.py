"""tools/select, tools/decision and tools/run (§7.10). tools/feedback is in ``tools_feedback``."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from aionis_sdk.canonical import canon, sha256hex

from ..context import RequestContext
from ..errors import ApiError, bad_request, not_found
from ..rules.evaluate import evaluate_rules
from ..schemas.tools import ToolsDecisionBody, ToolsRunBody, ToolsSelectBody
from ..uris import parse_uri
from ..validation import parse_body
from .decision_store import (
    decision_payload,
    get_decision_row,
    insert_decision,
    latest_decision_for_run,
)
from .tool_selection import normalise_candidates, select

__all__ = ["check_decision_uri", "select_tools", "tools_decision", "tools_run", "tools_select"]


def _evaluate(
    ctx: RequestContext, context: Any, include_shadow: bool, limit: int
) -> dict[str, Any]:
    with ctx.state.db.read() as conn:
        return evaluate_rules(
            conn,
            scope_key=ctx.scope_key,
            tenant_id=ctx.tenant_id,
            scope=ctx.scope,
            context=context,
            include_shadow=include_shadow,
            limit=limit,
        )


def select_tools(
    ctx: RequestContext,
    *,
    context: Any,
    candidates: Sequence[str],
    run_id: str | None,
    include_shadow: bool,
    rules_limit: int,
    strict: bool,
    reorder_candidates: bool = False,
) -> dict[str, Any]:
    """Evaluate rules, filter and order the candidates, persist a decision; the response body."""
    names = normalise_candidates(candidates)
    evaluation = _evaluate(ctx, context, include_shadow, rules_limit)
    applied = evaluation["applied"]
    policy = applied["policy"]
    selection = select(names, policy.get("tool", {}), strict=strict)
    rules_block: dict[str, Any] = {
        "considered": evaluation["considered"],
        "matched": evaluation["matched"],
        "skipped_invalid_then": evaluation["skipped_invalid_then"],
        "applied": applied,
        "agent_visibility_summary": evaluation["agent_visibility_summary"],
    }
    shadow_selected: str | None = None
    if include_shadow:
        shadow = select(names, applied.get("shadow_policy", {}).get("tool", {}), strict=False)
        rules_block["shadow_selection"] = {**shadow.as_dict(), "enforced": False}
        shadow_selected = shadow.selected
    source_ids = [source["rule_node_id"] for source in applied["sources"]]
    policy_sha = sha256hex(canon(policy))
    metadata = {
        "source": "tools_select",
        "strict": strict,
        "include_shadow": include_shadow,
        "rules_limit": rules_limit,
        "reorder_candidates": reorder_candidates,
        "matched_rules": evaluation["matched"],
        "fallback_applied": selection.fallback["applied"],
        "fallback_reason": selection.fallback["reason"],
    }
    with ctx.state.db.write() as conn:
        row = insert_decision(
            conn,
            scope_key=ctx.scope_key,
            run_id=run_id,
            selected_tool=selection.selected,
            candidates=names,
            context_sha256=sha256hex(canon(context)),
            policy_sha256=policy_sha,
            source_rule_ids=source_ids,
            metadata=metadata,
        )
    decision = decision_payload(row, ctx.tenant_id, ctx.scope)
    summary: dict[str, Any] = {
        "summary_version": "tools_selection_summary_v1",
        "selected_tool": selection.selected,
        "candidate_count": len(names),
        "allowed_count": len(selection.allowed),
        "denied_count": len(selection.denied),
        "preferred_count": len(selection.preferred),
        "matched_rules": evaluation["matched"],
        "fallback_applied": selection.fallback["applied"],
        "fallback_reason": selection.fallback["reason"],
    }
    if include_shadow:
        summary["shadow_selected_tool"] = shadow_selected
    return {
        "scope": ctx.scope,
        "tenant_id": ctx.tenant_id,
        "candidates": names,
        "selection": selection.as_dict(),
        "rules": rules_block,
        "decision": {
            key: decision[key]
            for key in (
                "decision_id",
                "decision_uri",
                "decision_kind",
                "run_id",
                "selected_tool",
                "context_sha256",
                "policy_sha256",
                "source_rule_ids",
                "created_at",
            )
        },
        "selection_summary": summary,
        "pattern_matches": {"matched": 0, "trusted": 0, "preferred_tools": [], "anchors": []},
    }


def tools_select(ctx: RequestContext) -> dict[str, Any]:
    """POST /v1/memory/tools/select."""
    body = parse_body(ToolsSelectBody, ctx.body)
    return select_tools(
        ctx,
        context=ctx.body.get("context", {}),
        candidates=body.candidates,
        run_id=body.run_id,
        include_shadow=body.include_shadow,
        rules_limit=body.rules_limit,
        strict=body.strict,
        reorder_candidates=body.reorder_candidates,
    )


def check_decision_uri(ctx: RequestContext, uri: str, decision_id: str | None) -> str:
    """The decision id named by ``uri`` after the §7.10 checks (type, tenant/scope, id)."""
    parsed = parse_uri(uri)
    if parsed.type != "decision":
        raise bad_request(
            "invalid_decision_uri_type", "decision_uri must be a decision URI", uri_type=parsed.type
        )
    if parsed.tenant_id != ctx.tenant_id or parsed.scope != ctx.scope:
        raise bad_request(
            "decision_uri_scope_mismatch",
            "decision_uri names another tenant or scope",
            uri_tenant_id=parsed.tenant_id,
            uri_scope=parsed.scope,
            tenant_id=ctx.tenant_id,
            scope=ctx.scope,
        )
    if decision_id is not None and decision_id.lower() != parsed.id:
        raise bad_request(
            "decision_uri_id_mismatch",
            "decision_uri and decision_id name different decisions",
            decision_id=decision_id.lower(),
            uri_decision_id=parsed.id,
        )
    return parsed.id


def _decision_not_found(**details: Any) -> ApiError:
    return not_found("decision_not_found_in_scope", "decision not found in this scope", **details)


def _feedback_stats(
    conn: sqlite3.Connection, scope_key: str, column: str, value: str
) -> sqlite3.Row:
    row: sqlite3.Row = conn.execute(
        f"SELECT COUNT(*) AS total, MAX(created_at) AS latest FROM feedback"
        f" WHERE scope_key = ? AND {column} = ?",
        (scope_key, value),
    ).fetchone()
    return row


def tools_decision(ctx: RequestContext) -> dict[str, Any]:
    """POST /v1/memory/tools/decision: by id, then by URI, then the run's latest decision."""
    body = parse_body(ToolsDecisionBody, ctx.body)
    with ctx.state.db.read() as conn:
        if body.decision_id is not None or body.decision_uri is not None:
            decision_id = body.decision_id
            if decision_id is None and body.decision_uri is not None:
                decision_id = check_decision_uri(ctx, body.decision_uri, None)
            assert decision_id is not None
            lookup_mode = "decision_id"
            row = get_decision_row(conn, ctx.scope_key, decision_id)
            if row is None:
                raise _decision_not_found(decision_id=decision_id.lower())
        else:
            assert body.run_id is not None
            lookup_mode = "run_id_latest"
            row = latest_decision_for_run(conn, ctx.scope_key, body.run_id)
            if row is None:
                raise _decision_not_found(run_id=body.run_id)
        stats = _feedback_stats(conn, ctx.scope_key, "decision_id", row["decision_id"])
    decision = decision_payload(row, ctx.tenant_id, ctx.scope)
    return {
        "tenant_id": ctx.tenant_id,
        "scope": ctx.scope,
        "lookup_mode": lookup_mode,
        "decision": decision,
        "lifecycle_summary": {
            "summary_version": "tools_lifecycle_summary_v1",
            "lookup_mode": lookup_mode,
            "decision_id": decision["decision_id"],
            "run_id": decision["run_id"],
            "selected_tool": decision["selected_tool"],
            "status": "feedback_linked" if stats["total"] else "decision_recorded",
            "feedback_count": stats["total"],
            "latest_feedback_at": stats["latest"],
            "commit_linked": decision["commit_id"] is not None,
        },
    }


def _feedback_block(
    conn: sqlite3.Connection, ctx: RequestContext, run_id: str, limit: int
) -> dict[str, Any]:
    counts = conn.execute(
        "SELECT outcome, COUNT(*) AS n FROM feedback WHERE scope_key = ? AND run_id = ? GROUP BY outcome",
        (ctx.scope_key, run_id),
    ).fetchall()
    by_outcome = {"positive": 0, "negative": 0, "neutral": 0}
    for row in counts:
        by_outcome[row["outcome"]] = int(row["n"])
    extra = conn.execute(
        "SELECT COUNT(DISTINCT decision_id) AS linked,"
        " SUM(CASE WHEN source = 'tools_feedback' THEN 1 ELSE 0 END) AS tools"
        " FROM feedback WHERE scope_key = ? AND run_id = ?",
        (ctx.scope_key, run_id),
    ).fetchone()
    recent = conn.execute(
        "SELECT * FROM feedback WHERE scope_key = ? AND run_id = ? ORDER BY seq DESC LIMIT ?",
        (ctx.scope_key, run_id, limit),
    ).fetchall()
    return {
        "total": sum(by_outcome.values()),
        "by_outcome": by_outcome,
        "linked_decision_count": int(extra["linked"] or 0),
        "tools_feedback_count": int(extra["tools"] or 0),
        "recent": [
            {
                "id": row["id"],
                "rule_node_id": row["rule_node_id"],
                "outcome": row["outcome"],
                "note": row["note"],
                "source": row["source"],
                "decision_id": row["decision_id"],
                "commit_id": row["commit_id"],
                "created_at": row["created_at"],
            }
            for row in recent
        ],
    }


def tools_run(ctx: RequestContext) -> dict[str, Any]:
    """POST /v1/memory/tools/run: a run's decisions (newest first) and its feedback."""
    body = parse_body(ToolsRunBody, ctx.body)
    run_id = body.run_id
    with ctx.state.db.read() as conn:
        decision_stats = conn.execute(
            "SELECT COUNT(*) AS n, MAX(created_at) AS latest FROM decisions WHERE scope_key = ? AND run_id = ?",
            (ctx.scope_key, run_id),
        ).fetchone()
        rows = conn.execute(
            "SELECT * FROM decisions WHERE scope_key = ? AND run_id = ? ORDER BY seq DESC LIMIT ?",
            (ctx.scope_key, run_id, body.decision_limit),
        ).fetchall()
        feedback = _feedback_block(conn, ctx, run_id, body.feedback_limit)
    decision_count = int(decision_stats["n"])
    if decision_count == 0 and feedback["total"] == 0:
        raise not_found("run_not_found_in_scope", "run not found in this scope", run_id=run_id)
    latest_feedback = feedback["recent"][0]["created_at"] if feedback["recent"] else None
    response: dict[str, Any] = {
        "tenant_id": ctx.tenant_id,
        "scope": ctx.scope,
        "run_id": run_id,
        "lifecycle": {
            "status": "feedback_linked" if feedback["total"] > 0 else "decision_recorded",
            "decision_count": decision_count,
            "latest_decision_at": decision_stats["latest"],
            "latest_feedback_at": latest_feedback,
        },
        "decisions": [decision_payload(row, ctx.tenant_id, ctx.scope) for row in rows],
    }
    if body.include_feedback:
        response["feedback"] = feedback
    return response
