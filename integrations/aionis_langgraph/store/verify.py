"""``verify_namespace``: re-verify a store namespace's history against the commit chain.

Collects every version node (puts, tombstones, TTL refreshes) and text node under the
namespace (prefix: deeper namespaces are included), resolves their commits and, through
``parent_id``, every earlier commit of each item's chain, then hands all of it to the shared
checker (``aionis_langgraph.verify.check_history``): node ids from client_ids, each commit's
``input_sha256`` against the stored records, diff entries, commit hashes chained through the
parent hashes, and that every node a commit created still exists. The report names the first
broken link.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._records import resolve_agent
from ..verify import VerifyReport, check_history
from ._calls import Call, Plan
from ._drivers import arun, run
from ._encoding import DEFAULT_AGENT_ID, FAMILY, KIND, TEXT_KIND
from ._plans import PAGE

__all__ = ["averify_namespace", "namespace_plan", "verify_namespace"]


def _nodes(
    node_type: str, pattern: dict[str, Any], consumer: dict[str, str]
) -> Plan[tuple[list[dict[str, Any]], Any, Any]]:
    out: list[dict[str, Any]] = []
    offset = 0
    tenant = scope = None
    while True:
        params = {
            "type": node_type,
            "slots_contains": pattern,
            "include_slots": True,
            "include_meta": True,
            "limit": PAGE,
            "offset": offset,
            **consumer,
        }
        resp = yield Call("find", params)
        tenant, scope = resp.get("tenant_id"), resp.get("scope")
        nodes = resp.get("nodes") or []
        out.extend(nodes)
        if not (resp.get("page") or {}).get("has_more") or not nodes:
            return out, tenant, scope
        offset += len(nodes)


def namespace_plan(
    namespace: tuple[str, ...], check_commit_ids: bool, agent_id: str | None = None
) -> Plan[VerifyReport]:
    """``agent_id``: the store's agent, whose private records are read (None: the client's
    own identity, or the credential's on an authenticated server)."""
    base: dict[str, Any] = {"family": FAMILY}
    if namespace:
        base["ns"] = list(namespace)
    consumer = {"consumer_agent_id": agent_id} if agent_id is not None else {}
    versions, tenant, scope = yield from _nodes("evidence", {**base, "kind": KIND}, consumer)
    texts, _, _ = yield from _nodes("event", {**base, "kind": TEXT_KIND}, consumer)
    nodes = versions + texts
    commits: dict[str, Mapping[str, Any] | None] = {}
    frontier = {str(n["commit_id"]) for n in nodes if n.get("commit_id")}
    while frontier:
        for cid in sorted(frontier):
            uri = f"aionis://{tenant}/{scope}/commit/{cid}"
            resolved = yield Call("resolve", {"uri": uri, **consumer})
            commits[cid] = resolved.get("commit") if resolved else None
        frontier = {
            str(c["parent_id"]) for c in commits.values() if c and c.get("parent_id")
        } - commits.keys()
    return check_history(
        nodes,
        commits,
        tenant_id=str(tenant),
        scope=str(scope),
        complete=True,
        check_commit_ids=check_commit_ids,
    )


def verify_namespace(
    client: Any,
    namespace: tuple[str, ...],
    *,
    agent_id: str | None = None,
    check_commit_ids: bool = True,
) -> VerifyReport:
    """Verify the store history under ``namespace`` with a sync ``AionisClient``.

    ``agent_id`` is the store's (default as :class:`AionisStore` picks it: the client's
    ``agent_id``, else ``"langgraph"``, or the credential's on an authenticated server).
    ``check_commit_ids`` also re-derives commit ids from hashes, which holds on the reference
    server and embedded servers; pass ``False`` for servers that assign commit ids themselves.
    """
    agent = resolve_agent(agent_id, (client,), DEFAULT_AGENT_ID)
    return run(client, None, namespace_plan(tuple(namespace), check_commit_ids, agent))


async def averify_namespace(
    client: Any,
    namespace: tuple[str, ...],
    *,
    agent_id: str | None = None,
    check_commit_ids: bool = True,
) -> VerifyReport:
    """Async twin of :func:`verify_namespace` (takes an ``AsyncAionisClient``)."""
    agent = resolve_agent(agent_id, (client,), DEFAULT_AGENT_ID)
    return await arun(client, None, namespace_plan(tuple(namespace), check_commit_ids, agent))
