"""The commit log: hashing, chaining and insert-if-absent of commits (§5.7).

Every durable change goes through :func:`create_commit` inside a write transaction. Commits are
content-addressed: the id is derived from the hash, and a second request that produces the same
hash re-finds the first commit instead of inserting a new one (idempotent replays).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Literal

from aionis_sdk.canonical import canon, sha256hex, stable_uuid

from ..clock import now_iso
from ..errors import bad_request

CommitKind = Literal["write", "rule_state_change", "rule_feedback", "tool_feedback"]


@dataclass(frozen=True)
class Commit:
    id: str
    scope_key: str
    parent_id: str | None
    input_sha256: str
    diff: dict[str, Any]
    actor: str
    model_version: str | None
    prompt_version: str | None
    kind: str
    commit_hash: str
    created_at: str
    created: bool  # False when an identical commit already existed


def commit_from_row(row: sqlite3.Row, *, created: bool = False) -> Commit:
    return Commit(
        id=row["id"],
        scope_key=row["scope_key"],
        parent_id=row["parent_id"],
        input_sha256=row["input_sha256"],
        diff=json.loads(row["diff_json"]),
        actor=row["actor"],
        model_version=row["model_version"],
        prompt_version=row["prompt_version"],
        kind=row["kind"],
        commit_hash=row["commit_hash"],
        created_at=row["created_at"],
        created=created,
    )


def get_commit(conn: sqlite3.Connection, scope_key: str, commit_id: str) -> Commit | None:
    row = conn.execute(
        "SELECT * FROM commits WHERE id = ? AND scope_key = ?", (commit_id, scope_key)
    ).fetchone()
    return commit_from_row(row) if row is not None else None


def latest_commit_id(conn: sqlite3.Connection, scope_key: str) -> str | None:
    row = conn.execute(
        "SELECT id FROM commits WHERE scope_key = ? ORDER BY seq DESC LIMIT 1", (scope_key,)
    ).fetchone()
    return row["id"] if row is not None else None


def write_commit_hash(
    *,
    parent_hash: str,
    input_sha256: str,
    diff: dict[str, Any],
    scope_key: str,
    actor: str,
    model_version: str | None,
    prompt_version: str | None,
) -> str:
    """The hash of a write-like commit (write, sessions, events, pack import)."""
    return sha256hex(
        canon(
            {
                "parentHash": parent_hash,
                "inputSha": input_sha256,
                "diffSha": sha256hex(canon(diff)),
                "scope": scope_key,
                "actor": actor,
                "model_version": model_version,
                "prompt_version": prompt_version,
            }
        )
    )


def event_commit_hash(
    *,
    parent_hash: str,
    input_sha256: str,
    diff: dict[str, Any],
    scope_key: str,
    actor: str,
    kind: str,
) -> str:
    """The hash of a rules/state, feedback or tools/feedback commit."""
    return sha256hex(
        canon(
            {
                "parentHash": parent_hash,
                "inputSha": input_sha256,
                "diffSha": sha256hex(canon(diff)),
                "scope": scope_key,
                "actor": actor,
                "kind": kind,
            }
        )
    )


def create_commit(
    conn: sqlite3.Connection,
    *,
    scope_key: str,
    input_sha256: str,
    diff: dict[str, Any],
    actor: str,
    kind: CommitKind = "write",
    parent_id: str | None = None,
    model_version: str | None = None,
    prompt_version: str | None = None,
) -> Commit:
    """Create (or re-find) one commit. Must run inside ``Database.write()``.

    For ``kind="write"`` the parent is ``parent_id`` (``None`` starts a new root; an unknown id
    gives 400 ``parent_commit_not_found``). For the other kinds the parent is the scope's latest
    commit and ``parent_id`` must not be given.
    """
    if kind == "write":
        parent_hash = ""
        if parent_id is not None:
            row = conn.execute(
                "SELECT commit_hash FROM commits WHERE id = ? AND scope_key = ?",
                (parent_id, scope_key),
            ).fetchone()
            if row is None:
                raise bad_request(
                    "parent_commit_not_found",
                    "parent_commit_id does not exist in this scope",
                    parent_commit_id=parent_id,
                )
            parent_hash = row["commit_hash"]
        commit_hash = write_commit_hash(
            parent_hash=parent_hash,
            input_sha256=input_sha256,
            diff=diff,
            scope_key=scope_key,
            actor=actor,
            model_version=model_version,
            prompt_version=prompt_version,
        )
    else:
        if parent_id is not None:
            raise ValueError("event commits chain to the scope's latest commit automatically")
        row = conn.execute(
            "SELECT id, commit_hash FROM commits WHERE scope_key = ? ORDER BY seq DESC LIMIT 1",
            (scope_key,),
        ).fetchone()
        parent_id = row["id"] if row is not None else None
        parent_hash = row["commit_hash"] if row is not None else ""
        commit_hash = event_commit_hash(
            parent_hash=parent_hash,
            input_sha256=input_sha256,
            diff=diff,
            scope_key=scope_key,
            actor=actor,
            kind=kind,
        )

    # Insert-if-absent in one statement (commit_hash is UNIQUE); a replay re-finds the first.
    commit_id = stable_uuid("lite:commit:" + commit_hash)
    created_at = now_iso()
    cur = conn.execute(
        "INSERT INTO commits (id, scope_key, parent_id, input_sha256, diff_json, actor,"
        " model_version, prompt_version, kind, commit_hash, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (commit_hash) DO NOTHING",
        (
            commit_id,
            scope_key,
            parent_id,
            input_sha256,
            canon(diff),
            actor,
            model_version,
            prompt_version,
            kind,
            commit_hash,
            created_at,
        ),
    )
    if cur.rowcount == 0:
        existing = conn.execute(
            "SELECT * FROM commits WHERE commit_hash = ?", (commit_hash,)
        ).fetchone()
        return commit_from_row(existing, created=False)
    return Commit(
        id=commit_id,
        scope_key=scope_key,
        parent_id=parent_id,
        input_sha256=input_sha256,
        diff=diff,
        actor=actor,
        model_version=model_version,
        prompt_version=prompt_version,
        kind=kind,
        commit_hash=commit_hash,
        created_at=created_at,
        created=True,
    )
