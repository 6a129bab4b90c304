"""Verify a thread's (or any record family's) history against the Aionis commit chain.

For every record node matched by a ``slots_contains`` pattern, and every commit reachable
from them through ``parent_id``, the verifier re-derives, without trusting the server:

* ``node_id``: the node id from its ``client_id`` (spec §5.6);
* ``commit_missing`` / ``parent_missing``: the node's commit and each parent resolve;
* ``input_sha256``: ``sha256hex(canon(record))`` of the stored slots (an array of the
  commit's records for a batch, see ``_records.input_sha256``) equals the commit's;
* ``diff_node``: the commit's diff names the node with its client_id, type, lane, owner;
* ``commit_hash``: the hash recomputed from diff, parent hash, scope_key, actor,
  model_version and prompt_version (§5.7);
* ``commit_id``: the id derived from the hash (reference-server determinism, optional);
* ``node_missing``: every node a chain commit created still exists (full histories only).

Records are checked oldest first; the report names the first broken link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aionis_sdk import NotFoundError
from aionis_sdk.canonical import canon, node_id_for_client_id, scope_key, sha256hex, stable_uuid

from ._calls import Call, Plan, arun, run
from ._records import FORMAT, NODE_TYPE, input_sha256, resolve_agent

__all__ = [
    "BrokenLink",
    "VerifyReport",
    "averify_records",
    "averify_thread",
    "check_history",
    "verify_records",
    "verify_thread",
]

DEFAULT_AGENT_ID = "aionis-langgraph"


@dataclass(frozen=True)
class BrokenLink:
    """The first check that failed, and on which record and commit."""

    check: str
    node_id: str | None
    client_id: str | None
    commit_id: str | None
    expected: str | None = None
    actual: str | None = None

    def __str__(self) -> str:
        where = f"record {self.client_id or self.node_id or '-'} / commit {self.commit_id or '-'}"
        diff = f": expected {self.expected}, got {self.actual}" if self.expected else ""
        return f"{self.check} at {where}{diff}"


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int
    commits: int
    first_broken: BrokenLink | None = None
    head_commit_id: str | None = None

    def __str__(self) -> str:
        if self.ok:
            return f"OK: {self.checked} records, {self.commits} commits verified"
        return f"BROKEN after {self.checked} records: {self.first_broken}"


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


# --- pure checks ---------------------------------------------------------------------


class _Checker:
    def __init__(
        self,
        nodes: Sequence[Any],
        commits: Mapping[str, Mapping[str, Any] | None],
        *,
        tenant_id: str,
        scope: str,
        complete: bool,
        check_commit_ids: bool,
    ) -> None:
        self.nodes = {str(_get(n, "id")): n for n in nodes}
        self.commits = commits
        self.tenant_id, self.scope = tenant_id, scope
        self.key = scope_key(tenant_id, scope)
        self.complete = complete
        self.check_commit_ids = check_commit_ids
        self.done: set[str] = set()

    def commit(self, cid: str, node: Any = None) -> BrokenLink | None:
        def broken(
            check: str, expected: str | None = None, actual: str | None = None
        ) -> BrokenLink:
            return BrokenLink(
                check,
                _get(node, "id") if node is not None else None,
                _get(node, "client_id") if node is not None else None,
                cid,
                expected,
                actual,
            )

        c = self.commits.get(cid)
        if c is None:
            return broken("commit_missing")
        diff = c.get("diff_json") or {}
        entries = [e for e in diff.get("nodes", []) if isinstance(e, Mapping)]
        if node is not None:
            entry = next((e for e in entries if e.get("id") == _get(node, "id")), None)
            want = {
                k: _get(node, k) for k in ("client_id", "type", "memory_lane", "owner_agent_id")
            }
            if entry is None or any(entry.get(k) != v for k, v in want.items()):
                return broken("diff_node", canon(want), canon(entry) if entry else None)
        if cid in self.done:
            return None
        records = [_get(self.nodes[e["id"]], "slots") for e in entries if e.get("id") in self.nodes]
        if len(records) == len(entries) and entries:
            actual = input_sha256(records)
            if actual != c.get("input_sha256"):
                return broken("input_sha256", c.get("input_sha256"), actual)
        elif self.complete:
            missing = next(e["id"] for e in entries if e.get("id") not in self.nodes)
            return broken("node_missing", str(missing), None)
        parent_hash = ""
        if c.get("parent_id"):
            parent = self.commits.get(str(c["parent_id"]))
            if parent is None:
                return broken("parent_missing", str(c["parent_id"]), None)
            parent_hash = str(parent["commit_hash"])
        fields = {
            "parentHash": parent_hash,
            "inputSha": c.get("input_sha256"),
            "diffSha": sha256hex(canon(diff)),
            "scope": self.key,
            "actor": c.get("actor"),
            "model_version": c.get("model_version"),
            "prompt_version": c.get("prompt_version"),
        }
        recomputed = sha256hex(canon(fields))
        if recomputed != c.get("commit_hash"):
            return broken("commit_hash", c.get("commit_hash"), recomputed)
        derived = stable_uuid("lite:commit:" + recomputed)
        if self.check_commit_ids and derived != cid:
            return broken("commit_id", cid, derived)
        self.done.add(cid)
        return None

    def node(self, n: Any) -> BrokenLink | None:
        cid_text = _get(n, "client_id")
        nid = str(_get(n, "id"))
        if cid_text:
            expected = node_id_for_client_id(cid_text, tenant_id=self.tenant_id, scope=self.scope)
            if expected != nid:
                return BrokenLink("node_id", nid, cid_text, _get(n, "commit_id"), expected, nid)
        return self.commit(str(_get(n, "commit_id")), n)


def _order_key(n: Any) -> tuple[str, str, str]:
    slots = _get(n, "slots") or {}
    return (str(_get(n, "created_at") or ""), str(slots.get("order", "")), str(_get(n, "id")))


def check_history(
    nodes: Sequence[Any],
    commits: Mapping[str, Mapping[str, Any] | None],
    *,
    tenant_id: str,
    scope: str,
    complete: bool = True,
    check_commit_ids: bool = True,
) -> VerifyReport:
    """Check record nodes (NodeDTOs or dicts with slots and meta) against their commits
    (commit id to the resolved commit as a dict, or ``None`` when it did not resolve)."""
    checker = _Checker(
        nodes,
        commits,
        tenant_id=tenant_id,
        scope=scope,
        complete=complete,
        check_commit_ids=check_commit_ids,
    )
    ordered = sorted(nodes, key=_order_key)
    head = str(_get(ordered[-1], "commit_id")) if ordered else None
    for index, n in enumerate(ordered):
        problem = checker.node(n)
        if problem is not None:
            return VerifyReport(False, index, len(checker.done), problem, head)
    for cid in sorted(c for c in commits if commits[c] is not None):
        problem = checker.commit(cid)
        if problem is not None:
            return VerifyReport(False, len(ordered), len(checker.done), problem, head)
    return VerifyReport(True, len(ordered), len(checker.done), None, head)


# --- collection plan -----------------------------------------------------------------


def _collect(
    pattern: Mapping[str, Any], agent_id: str | None, complete: bool, check_commit_ids: bool
) -> Plan[VerifyReport]:
    # No agent: an authenticated server reads as the credential's agent.
    consumer = {"consumer_agent_id": agent_id} if agent_id is not None else {}
    params = {
        "type": NODE_TYPE,
        "slots_contains": dict(pattern),
        "include_slots": True,
        "include_meta": True,
        **consumer,
        "limit": 200,
    }
    nodes: list[Any] = []
    offset = 0
    while True:
        response = yield Call("find", {**params, "offset": offset})
        tenant_id, scope = response.tenant_id, response.scope
        nodes.extend(response.nodes)
        if not response.page.has_more or not response.nodes:
            break
        offset += len(response.nodes)
    commits: dict[str, dict[str, Any] | None] = {}
    frontier = {str(n.commit_id) for n in nodes if n.commit_id}
    while frontier:
        for cid in sorted(frontier):
            uri = f"aionis://{tenant_id}/{scope}/commit/{cid}"
            try:
                resolved = yield Call("resolve", {"uri": uri, **consumer})
                commits[cid] = resolved.commit.model_dump()
            except NotFoundError:
                commits[cid] = None
        frontier = {
            str(c["parent_id"]) for c in commits.values() if c and c.get("parent_id")
        } - commits.keys()
    if complete:
        known = {str(n.id) for n in nodes}
        wanted = {
            str(e["id"])
            for c in commits.values()
            if c
            for e in (c.get("diff_json") or {}).get("nodes", [])
            if isinstance(e, Mapping) and e.get("id") not in known
        }
        for nid in sorted(wanted):
            found = yield Call("find", {**params, "slots_contains": None, "id": nid, "offset": 0})
            nodes.extend(found.nodes)
    return check_history(
        nodes,
        commits,
        tenant_id=tenant_id,
        scope=scope,
        complete=complete,
        check_commit_ids=check_commit_ids,
    )


def _agent(client: Any, agent_id: str | None) -> str | None:
    return resolve_agent(agent_id, (client,), DEFAULT_AGENT_ID)


def verify_records(
    client: Any,
    pattern: Mapping[str, Any],
    *,
    agent_id: str | None = None,
    complete: bool = True,
    check_commit_ids: bool = True,
) -> VerifyReport:
    """Verify every record whose slots contain ``pattern`` and its commit chain."""
    return run(client, _collect(pattern, _agent(client, agent_id), complete, check_commit_ids))


async def averify_records(
    client: Any,
    pattern: Mapping[str, Any],
    *,
    agent_id: str | None = None,
    complete: bool = True,
    check_commit_ids: bool = True,
) -> VerifyReport:
    """Async twin of :func:`verify_records` (takes an ``AsyncAionisClient``)."""
    plan = _collect(pattern, _agent(client, agent_id), complete, check_commit_ids)
    return await arun(client, plan)


def thread_pattern(thread_id: str, checkpoint_ns: str | None = None) -> dict[str, Any]:
    pat: dict[str, Any] = {"lg": FORMAT, "family": "checkpoint", "thread": thread_id}
    if checkpoint_ns is not None:
        pat["ns"] = checkpoint_ns
    return pat


def verify_thread(
    client: Any,
    thread_id: str,
    checkpoint_ns: str | None = None,
    *,
    agent_id: str | None = None,
    check_commit_ids: bool = True,
) -> VerifyReport:
    """Verify a thread's checkpoints, writes and tombstones (every generation, so deleted
    history too) against the commit chain. ``checkpoint_ns`` limits it to one namespace."""
    return verify_records(
        client,
        thread_pattern(thread_id, checkpoint_ns),
        agent_id=agent_id,
        complete=checkpoint_ns is None,
        check_commit_ids=check_commit_ids,
    )


async def averify_thread(
    client: Any,
    thread_id: str,
    checkpoint_ns: str | None = None,
    *,
    agent_id: str | None = None,
    check_commit_ids: bool = True,
) -> VerifyReport:
    """Async twin of :func:`verify_thread`."""
    return await averify_records(
        client,
        thread_pattern(thread_id, checkpoint_ns),
        agent_id=agent_id,
        complete=checkpoint_ns is None,
        check_commit_ids=check_commit_ids,
    )
