"""Shared pieces: recall responses as Documents and text, SDK errors as ToolExceptions."""

from __future__ import annotations

from typing import Any, TypeVar

import pydantic
from langchain_core.documents import Document
from langchain_core.tools import ToolException

from aionis_sdk import (
    AionisClient,
    AionisError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncAionisClient,
)
from aionis_sdk.types.recall import RecallTextResponse

__all__ = [
    "LOCAL_AGENT",
    "as_local_agent",
    "documents_from_recall",
    "render_documents",
    "tool_exception",
]

LOCAL_AGENT = "local-user"  # the identity a server in auth mode "off" writes memory as
C = TypeVar("C", AionisClient, AsyncAionisClient)


def as_local_agent(client: C | None) -> C | None:
    """``client``, or a copy of it acting as ``local-user`` when it names no agent or team
    and carries no credential. A server with auth off owns such a client's private memory as
    ``local-user`` and shows it only to that agent (spec §4.3, §4.5), so without this a
    recall would miss everything the same client remembered. The copy shares the pool."""
    if client is None:
        return None
    config = client.config
    if config.agent_id or config.team_id or config.api_key or config.bearer_token:
        return client
    return client.with_options(agent_id=LOCAL_AGENT)


def documents_from_recall(
    resp: RecallTextResponse, min_similarity: float | None = None
) -> list[Document]:
    """One Document per recall seed, most similar first.

    ``page_content`` is the node's recalled text (its summary, else its title). The metadata
    holds ``node_id``, ``uri``, ``type``, ``title``, ``similarity``, ``score`` (the ranked
    score, when ranked), ``commit_id`` and ``commit_uri`` (the commit that wrote the node).
    """
    commits: dict[str, tuple[str | None, str | None]] = {}
    for node in resp.subgraph.nodes:
        commits[node.id] = (node.commit_id, node.commit_uri)
    for cite in resp.context.citations:
        if cite.commit_id:
            commits[cite.node_id] = (cite.commit_id, cite.commit_uri)
    scores = {r.id: r.score for r in resp.ranked}
    docs: list[Document] = []
    for seed in resp.seeds:
        if min_similarity is not None and (seed.similarity or 0.0) < min_similarity:
            continue
        commit_id, commit_uri = commits.get(seed.id, (None, None))
        metadata: dict[str, Any] = {
            "node_id": seed.id,
            "uri": seed.uri,
            "type": seed.type,
            "title": seed.title,
            "similarity": seed.similarity,
            "score": scores.get(seed.id),
            "commit_id": commit_id,
            "commit_uri": commit_uri,
        }
        text = seed.text_summary or seed.title or ""
        docs.append(Document(id=seed.id, page_content=text, metadata=metadata))
    return docs


def render_documents(docs: list[Document]) -> str:
    """Documents as text for a model: one line each, with the URI to cite."""
    if not docs:
        return "No memory matched."
    lines = []
    for doc in docs:
        meta = doc.metadata
        title = f"{meta['title']}: " if meta.get("title") else ""
        lines.append(f"- {title}{doc.page_content} [{meta.get('uri')}]")
    return "\n".join(lines)


def tool_exception(exc: AionisError | pydantic.ValidationError) -> ToolException:
    """A ToolException whose message names the Aionis error code, status and request id."""
    if isinstance(exc, APIStatusError):
        code, status, message = exc.code, f"HTTP {exc.status_code}", exc.message
    elif isinstance(exc, APITimeoutError):
        code, status, message = "timeout", "no response", str(exc)
    elif isinstance(exc, APIConnectionError):
        code, status, message = "connection_error", "no response", str(exc)
    elif isinstance(exc, pydantic.ValidationError):
        code, status, message = "invalid_input", "not sent", str(exc)
    else:
        code, status, message = "error", "-", str(exc)
    rid = getattr(exc, "request_id", None) or "-"
    error = ToolException(f"Aionis error {code} ({status}, request_id {rid}): {message}")
    error.code = code  # type: ignore[attr-defined]
    error.request_id = rid  # type: ignore[attr-defined]
    return error
