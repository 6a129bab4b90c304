"""rules/state, rules/evaluate and rule feedback (§7.9), plus the rule-row helpers tools share."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from collections.abc import Mapping
from typing import Any

from aionis_sdk.canonical import sha256hex

from ..clock import now_iso
from ..context import RequestContext
from ..errors import ApiError, bad_request
from ..rules.evaluate import evaluate_rules
from ..rules.policy import validate_policy_patch
from ..schemas.rules import RuleFeedbackBody, RulesEvaluateBody, RuleStateBody
from ..storage.commits import Commit, create_commit
from ..storage.visibility import is_visible
from ..uris import make_uri
from ..validation import parse_body

__all__ = [
    "add_feedback_record",
    "bump_counter",
    "commit_input_sha",
    "find_rule_for_actor",
    "normalise_note",
    "rule_feedback",
    "rules_evaluate",
    "rules_state",
    "validate_rule_for_activation",
]

DEFAULT_ACTOR = "system"
_MAX_TEXT = 8000
_WHITESPACE = re.compile(r"\s+")


def normalise_note(text: str | None) -> str | None:
    """§5.4 normalisation: collapse whitespace, trim, cap at 8000 characters (with ``…``)."""
    if text is None:
        return None
    collapsed = _WHITESPACE.sub(" ", text).strip()
    if len(collapsed) > _MAX_TEXT:
        collapsed = collapsed[: _MAX_TEXT - 1] + "…"
    return collapsed or None


def commit_input_sha(input_text: str | None, input_sha256: str | None) -> str:
    """The commit's inputSha: ``input_sha256`` if given, else sha256hex of the raw input_text."""
    if input_sha256 is not None:
        return input_sha256
    return sha256hex(input_text or "")


def find_rule_for_actor(
    conn: sqlite3.Connection, scope_key: str, rule_node_id: str, actor: str
) -> sqlite3.Row | None:
    """The rule (definition joined with its node) visible to ``actor`` as consumer agent (§4.5.4)."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT r.*, n.memory_lane, n.owner_agent_id, n.owner_team_id FROM rule_defs r"
        " JOIN nodes n ON n.id = r.node_id WHERE r.node_id = ? AND r.scope_key = ?",
        (rule_node_id.lower(), scope_key),
    ).fetchone()
    if row is None:
        return None
    if not is_visible(row["memory_lane"], row["owner_agent_id"], row["owner_team_id"], actor, None):
        return None
    return row


def _not_found(rule_node_id: str) -> ApiError:
    return bad_request(
        "rule_not_found_in_scope",
        "rule not found in this scope (private rules need actor = their owner)",
        rule_node_id=rule_node_id,
    )


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def validate_rule_for_activation(row: sqlite3.Row | Mapping[str, Any]) -> None:
    """The checks made when a rule enters ``shadow`` or ``active`` (§7.9 rules/state)."""
    rule_id = row["node_id"]
    if row["memory_lane"] == "private" and not (row["owner_agent_id"] or row["owner_team_id"]):
        raise bad_request(
            "invalid_private_rule_owner", "a private rule needs an owner", rule_node_id=rule_id
        )
    if not isinstance(_loads(row["if_json"]), dict):
        raise bad_request("invalid_rule_if_json", "rule if must be an object", rule_node_id=rule_id)
    if not isinstance(_loads(row["exceptions_json"]), list):
        raise bad_request(
            "invalid_rule_exceptions_json", "rule exceptions must be an array", rule_node_id=rule_id
        )
    problem = validate_policy_patch(_loads(row["then_json"]))
    if problem is not None:
        raise ApiError(
            400,
            "invalid_rule_then_json",
            f"rule then is not a valid PolicyPatch: {problem}",
            details={"message": problem, "rule_node_id": rule_id},
        )
    scope = row["rule_scope"]
    if (scope == "agent" and not row["target_agent_id"]) or (
        scope == "team" and not row["target_team_id"]
    ):
        raise bad_request(
            "invalid_rule_scope_target",
            f"rule_scope {scope} needs target_{scope}_id",
            rule_scope=scope,
        )


def _touch(
    conn: sqlite3.Connection,
    scope_key: str,
    rule_node_id: str,
    assignments: str,
    params: tuple[Any, ...] = (),
) -> None:
    """Apply ``assignments`` to a rule and mark it as the most recently updated one."""
    conn.execute(
        f"UPDATE rule_defs SET {assignments}, updated_at = ?,"
        " update_seq = (SELECT COALESCE(MAX(update_seq), 0) + 1 FROM rule_defs WHERE scope_key = ?)"
        " WHERE node_id = ?",
        (*params, now_iso(), scope_key, rule_node_id),
    )


def bump_counter(conn: sqlite3.Connection, scope_key: str, rule_node_id: str, outcome: str) -> None:
    """Count one outcome on a rule (neutral changes nothing)."""
    if outcome == "positive":
        _touch(conn, scope_key, rule_node_id, "positive_count = positive_count + 1")
    elif outcome == "negative":
        _touch(conn, scope_key, rule_node_id, "negative_count = negative_count + 1")


def add_feedback_record(
    conn: sqlite3.Connection,
    *,
    feedback_id: str,
    scope_key: str,
    rule_node_id: str | None,
    run_id: str | None,
    outcome: str,
    note: str | None,
    source: str,
    decision_id: str | None,
    commit_id: str,
) -> None:
    conn.execute(
        "INSERT INTO feedback (id, scope_key, rule_node_id, run_id, outcome, note, source,"
        " decision_id, commit_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            feedback_id,
            scope_key,
            rule_node_id,
            run_id,
            outcome,
            note,
            source,
            decision_id,
            commit_id,
            now_iso(),
        ),
    )


def _commit_response(ctx: RequestContext, commit: Commit) -> dict[str, Any]:
    return {
        "tenant_id": ctx.tenant_id,
        "scope": ctx.scope,
        "commit_id": commit.id,
        "commit_hash": commit.commit_hash,
        "commit_uri": make_uri(ctx.tenant_id, ctx.scope, "commit", commit.id),
    }


def rules_state(ctx: RequestContext) -> dict[str, Any]:
    """POST /v1/memory/rules/state."""
    body = parse_body(RuleStateBody, ctx.body)
    actor = body.actor or DEFAULT_ACTOR
    rule_id = body.rule_node_id.lower()
    with ctx.state.db.write() as conn:
        row = find_rule_for_actor(conn, ctx.scope_key, rule_id, actor)
        if row is None:
            raise _not_found(rule_id)
        if body.state in ("shadow", "active"):
            validate_rule_for_activation(row)
        _touch(conn, ctx.scope_key, rule_id, "state = ?", (body.state,))
        commit = create_commit(
            conn,
            scope_key=ctx.scope_key,
            input_sha256=commit_input_sha(body.input_text, body.input_sha256),
            diff={"rule_state_change": [{"rule_node_id": rule_id, "state": body.state}]},
            actor=actor,
            kind="rule_state_change",
        )
    return {
        **_commit_response(ctx, commit),
        "rule_node_id": rule_id,
        "state": body.state,
        "previous_state": row["state"],
    }


def rules_evaluate(ctx: RequestContext) -> dict[str, Any]:
    """POST /v1/memory/rules/evaluate."""
    body = parse_body(RulesEvaluateBody, ctx.body)
    context = ctx.body.get("context", {})
    with ctx.state.db.read() as conn:
        return evaluate_rules(
            conn,
            scope_key=ctx.scope_key,
            tenant_id=ctx.tenant_id,
            scope=ctx.scope,
            context=context,
            include_shadow=body.include_shadow,
            limit=body.limit,
        )


def rule_feedback(ctx: RequestContext) -> dict[str, Any]:
    """POST /v1/memory/feedback: outcome feedback on one rule."""
    body = parse_body(RuleFeedbackBody, ctx.body)
    actor = body.actor or DEFAULT_ACTOR
    rule_id = body.rule_node_id.lower()
    feedback_id = str(uuid.uuid4())
    with ctx.state.db.write() as conn:
        if find_rule_for_actor(conn, ctx.scope_key, rule_id, actor) is None:
            raise _not_found(rule_id)
        commit = create_commit(
            conn,
            scope_key=ctx.scope_key,
            input_sha256=commit_input_sha(body.input_text, body.input_sha256),
            diff={
                "feedback": [
                    {
                        "id": feedback_id,
                        "rule_node_id": rule_id,
                        "outcome": body.outcome,
                        "run_id": body.run_id,
                    }
                ]
            },
            actor=actor,
            kind="rule_feedback",
        )
        add_feedback_record(
            conn,
            feedback_id=feedback_id,
            scope_key=ctx.scope_key,
            rule_node_id=rule_id,
            run_id=body.run_id,
            outcome=body.outcome,
            note=normalise_note(body.note),
            source="rule_feedback",
            decision_id=None,
            commit_id=commit.id,
        )
        bump_counter(conn, ctx.scope_key, rule_id, body.outcome)
    return {
        **_commit_response(ctx, commit),
        "feedback_id": feedback_id,
        "rule_node_id": rule_id,
        "outcome": body.outcome,
    }
