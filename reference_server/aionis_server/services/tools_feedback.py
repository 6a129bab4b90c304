"""tools/feedback (§7.10): outcome feedback on a tool choice.

Rules are re-evaluated on the request's context (client-named rules are never trusted); the
attributed rules get one feedback record each and a counter increment. The feedback is linked to
a decision: the one named (``provided``), a matching recent one (``inferred``), or a new one
(``created_from_feedback``). One ``tool_feedback`` commit records it all.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any

from aionis_sdk.canonical import canon, sha256hex

from ..context import RequestContext
from ..errors import bad_request
from ..rules.evaluate import evaluate_rules
from ..schemas.tools import ToolsFeedbackBody
from ..storage.commits import create_commit
from ..uris import make_uri
from ..validation import parse_body
from .decision_store import (
    get_decision_row,
    insert_decision,
    recent_decisions,
    set_decision_commit,
    set_decision_run,
)
from .rules import (
    DEFAULT_ACTOR,
    add_feedback_record,
    bump_counter,
    commit_input_sha,
    normalise_note,
)
from .tool_selection import normalise_candidates
from .tools import check_decision_uri

__all__ = ["attributed_rule_ids", "tools_feedback"]

INFER_WINDOW = 50


def attributed_rule_ids(
    evaluation: dict[str, Any], *, include_shadow: bool, target: str
) -> list[str]:
    """The active (and, with ``include_shadow``, shadow) sources the feedback is attributed to."""
    applied = evaluation["applied"]
    sources = list(applied["sources"])
    if include_shadow:
        sources += applied.get("shadow_sources", [])
    chosen: list[str] = []
    for source in sources:
        paths = source["touched_paths"]
        if target == "all" or any(p == "tool" or p.startswith("tool.") for p in paths):
            chosen.append(source["rule_node_id"])
    return list(dict.fromkeys(chosen))


def _infer(
    conn: sqlite3.Connection,
    scope_key: str,
    *,
    selected_tool: str,
    context_sha: str,
    candidates: list[str],
    run_id: str | None,
) -> sqlite3.Row | None:
    for row in recent_decisions(conn, scope_key, INFER_WINDOW):
        if (
            row["selected_tool"] == selected_tool
            and row["context_sha256"] == context_sha
            and json.loads(row["candidates_json"]) == candidates
            and (run_id is None or row["run_id"] == run_id)
        ):
            return row
    return None


def _check_agreement(
    row: sqlite3.Row, selected_tool: str, candidates: list[str], run_id: str | None
) -> None:
    decision_id = row["decision_id"]
    if row["selected_tool"] != selected_tool:
        raise bad_request(
            "decision_selected_tool_mismatch",
            "selected_tool differs from the decision's selected tool",
            decision_id=decision_id,
            expected=row["selected_tool"],
            provided=selected_tool,
        )
    stored = json.loads(row["candidates_json"])
    if stored != candidates:
        raise bad_request(
            "decision_candidates_mismatch",
            "candidates differ from the decision's candidates",
            decision_id=decision_id,
            expected=stored,
            provided=candidates,
        )
    if run_id is not None and row["run_id"] is not None and row["run_id"] != run_id:
        raise bad_request(
            "decision_run_id_mismatch",
            "run_id differs from the decision's run_id",
            decision_id=decision_id,
            expected=row["run_id"],
            provided=run_id,
        )


def tools_feedback(ctx: RequestContext) -> dict[str, Any]:
    """POST /v1/memory/tools/feedback."""
    body = parse_body(ToolsFeedbackBody, ctx.body)
    decision_id = body.decision_id.lower() if body.decision_id else None
    if body.decision_uri is not None:
        decision_id = check_decision_uri(ctx, body.decision_uri, decision_id)
    context = ctx.body.get("context", {})
    context_sha = sha256hex(canon(context))
    candidates = normalise_candidates(body.candidates)
    selected_tool = body.selected_tool.strip()
    actor = body.actor or DEFAULT_ACTOR
    with ctx.state.db.read() as conn:
        evaluation = evaluate_rules(
            conn,
            scope_key=ctx.scope_key,
            tenant_id=ctx.tenant_id,
            scope=ctx.scope,
            context=context,
            include_shadow=body.include_shadow,
            limit=body.rules_limit,
        )
    rule_ids = attributed_rule_ids(
        evaluation, include_shadow=body.include_shadow, target=body.target
    )
    policy_sha = sha256hex(canon(evaluation["applied"]["policy"]))

    with ctx.state.db.write() as conn:
        if decision_id is not None:
            row = get_decision_row(conn, ctx.scope_key, decision_id)
            if row is None:
                raise bad_request(
                    "decision_not_found_in_scope",
                    "decision not found in this scope",
                    decision_id=decision_id,
                )
            link_mode = "provided"
        else:
            row = _infer(
                conn,
                ctx.scope_key,
                selected_tool=selected_tool,
                context_sha=context_sha,
                candidates=candidates,
                run_id=body.run_id,
            )
            link_mode = "inferred"
        if row is not None:
            _check_agreement(row, selected_tool, candidates, body.run_id)
            if row["run_id"] is None and body.run_id is not None:
                set_decision_run(conn, row["decision_id"], body.run_id)
        else:
            link_mode = "created_from_feedback"
            row = insert_decision(
                conn,
                scope_key=ctx.scope_key,
                run_id=body.run_id,
                selected_tool=selected_tool,
                candidates=candidates,
                context_sha256=context_sha,
                policy_sha256=policy_sha,
                source_rule_ids=[s["rule_node_id"] for s in evaluation["applied"]["sources"]],
                metadata={
                    "source": "feedback_derived",
                    "include_shadow": body.include_shadow,
                    "rules_limit": body.rules_limit,
                    "matched_rules": evaluation["matched"],
                },
            )
        linked_id = str(row["decision_id"])
        run_id = body.run_id if body.run_id is not None else row["run_id"]
        commit = create_commit(
            conn,
            scope_key=ctx.scope_key,
            input_sha256=commit_input_sha(body.input_text, body.input_sha256),
            diff={
                "tool_feedback": [
                    {
                        "decision_id": linked_id,
                        "decision_link_mode": link_mode,
                        "run_id": run_id,
                        "outcome": body.outcome,
                        "selected_tool": selected_tool,
                        "candidates": candidates,
                        "rule_node_ids": rule_ids,
                        "target": body.target,
                    }
                ]
            },
            actor=actor,
            kind="tool_feedback",
        )
        set_decision_commit(conn, linked_id, commit.id)
        note = normalise_note(body.note)
        for rule_id in rule_ids:
            add_feedback_record(
                conn,
                feedback_id=str(uuid.uuid4()),
                scope_key=ctx.scope_key,
                rule_node_id=rule_id,
                run_id=run_id,
                outcome=body.outcome,
                note=note,
                source="tools_feedback",
                decision_id=linked_id,
                commit_id=commit.id,
            )
            bump_counter(conn, ctx.scope_key, rule_id, body.outcome)
    return {
        "ok": True,
        "scope": ctx.scope,
        "tenant_id": ctx.tenant_id,
        "updated_rules": len(rule_ids),
        "rule_node_ids": rule_ids,
        "commit_id": commit.id,
        "commit_uri": make_uri(ctx.tenant_id, ctx.scope, "commit", commit.id),
        "commit_hash": commit.commit_hash,
        "decision_id": linked_id,
        "decision_uri": make_uri(ctx.tenant_id, ctx.scope, "decision", linked_id),
        "decision_link_mode": link_mode,
        "decision_policy_sha256": row["policy_sha256"],
        "outcome": body.outcome,
        "target": body.target,
        "pattern_anchor": None,
        "governance_preview": None,
    }
