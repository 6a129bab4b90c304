"""Lane visibility (§4.5) as a Python predicate and as an SQL condition."""

from __future__ import annotations

from typing import Any


def is_visible(
    memory_lane: str,
    owner_agent_id: str | None,
    owner_team_id: str | None,
    consumer_agent_id: str | None,
    consumer_team_id: str | None,
) -> bool:
    """Whether a node in ``memory_lane`` owned as given is visible to the consumer."""
    return (
        memory_lane == "shared"
        or (bool(consumer_agent_id) and owner_agent_id == consumer_agent_id)
        or (bool(consumer_team_id) and owner_team_id == consumer_team_id)
    )


def visibility_sql(
    consumer_agent_id: str | None, consumer_team_id: str | None, alias: str = ""
) -> tuple[str, list[Any]]:
    """An SQL condition (and its parameters) selecting the rows visible to the consumer.

    ``alias`` prefixes the column names (``"n."``) when the query joins several tables.
    """
    clauses = [f"{alias}memory_lane = 'shared'"]
    params: list[Any] = []
    if consumer_agent_id:
        clauses.append(f"{alias}owner_agent_id = ?")
        params.append(consumer_agent_id)
    if consumer_team_id:
        clauses.append(f"{alias}owner_team_id = ?")
        params.append(consumer_team_id)
    return "(" + " OR ".join(clauses) + ")", params
