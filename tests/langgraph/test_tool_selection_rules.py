"""Rule authoring helpers: lifecycle, lanes and scopes, validation, explanations."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from aionis_langgraph.tool_selection import (
    Rule,
    explain_rules,
    promote,
    set_rule_state,
    write_rule,
)
from aionis_sdk import AionisClient, BadRequestError

TOOLS = ["rm", "ls", "cat"]


@pytest.fixture
def agent_client(aionis_server_url: str, aionis_scope: str) -> Iterator[AionisClient]:
    with AionisClient(base_url=aionis_server_url, scope=aionis_scope, agent_id="planner") as c:
        yield c


def _allowed(client: AionisClient, context: dict[str, object] | None = None) -> list[str]:
    response = client.tools.select(context=context or {}, candidates=TOOLS)
    return list(response.selection.ordered)


def test_lifecycle_draft_shadow_active_disabled(aionis_client: AionisClient) -> None:
    rule = Rule.deny(["rm"], "never delete")
    rule_id = write_rule(aionis_client, rule)
    assert write_rule(aionis_client, rule) == rule_id  # content-addressed: idempotent
    assert _allowed(aionis_client) == TOOLS  # draft: not evaluated
    set_rule_state(aionis_client, rule_id, "shadow")
    assert _allowed(aionis_client) == TOOLS  # shadow: reported, not enforced
    assert explain_rules(aionis_client, {})[0].startswith("[shadow] never delete")
    set_rule_state(aionis_client, rule_id, "active")
    assert _allowed(aionis_client) == ["ls", "cat"]
    set_rule_state(aionis_client, rule_id, "disabled", note="incident over")
    assert _allowed(aionis_client) == TOOLS
    assert explain_rules(aionis_client, {}) == []


def test_conditions_and_exceptions(aionis_client: AionisClient) -> None:
    rule_id = write_rule(
        aionis_client,
        Rule.deny(
            ["rm"],
            "no deletes on main",
            if_={"branch": "main"},
            exceptions=[{"user.role": "admin"}],
        ),
    )
    promote(aionis_client, rule_id, via_shadow=False)
    assert _allowed(aionis_client, {"branch": "main"}) == ["ls", "cat"]
    assert _allowed(aionis_client, {"branch": "dev"}) == TOOLS
    assert _allowed(aionis_client, {"branch": "main", "user": {"role": "admin"}}) == TOOLS


def test_private_rule_needs_its_owner_as_actor(aionis_client: AionisClient) -> None:
    rule_id = write_rule(aionis_client, Rule.deny(["rm"], "mine"), lane="private")
    with pytest.raises(BadRequestError) as info:
        promote(aionis_client, rule_id)  # actor defaults to "system"
    assert info.value.code == "rule_not_found_in_scope"
    promote(aionis_client, rule_id, actor="local-user")  # the owner in auth mode off
    assert _allowed(aionis_client) == ["ls", "cat"]


def test_private_rule_of_a_configured_agent_applies_to_that_agent_only(
    agent_client: AionisClient, aionis_client: AionisClient
) -> None:
    rule_id = write_rule(agent_client, Rule.deny(["cat"], "planner never cats"), lane="private")
    promote(agent_client, rule_id)  # the SDK sends actor = agent_id
    assert _allowed(agent_client) == ["rm", "ls"]
    assert _allowed(aionis_client) == TOOLS  # local-user cannot see planner's private rule


def test_agent_scoped_shared_rule(agent_client: AionisClient, aionis_client: AionisClient) -> None:
    rule_id = write_rule(
        aionis_client, Rule.deny(["ls"], "planner must not list", scope="agent", target="planner")
    )
    promote(aionis_client, rule_id)
    assert _allowed(agent_client) == ["rm", "cat"]
    assert _allowed(aionis_client) == TOOLS


def test_rule_validation() -> None:
    with pytest.raises(ValidationError, match="needs a target"):
        Rule.deny(["rm"], "x", scope="team")
    with pytest.raises(ValidationError, match="unknown PolicyPatch keys"):
        Rule(summary="x", then={"tool": {"block": ["rm"]}})
    with pytest.raises(ValidationError):
        Rule.prefer(["rg"], "x", priority=101)
    rule = Rule.prefer(["rg"], "x", scope="team", target="search", priority=3, weight=0.5)
    assert rule.slots() == {
        "if": {},
        "then": {"tool": {"prefer": ["rg"]}},
        "exceptions": [],
        "rule_scope": "team",
        "rule_meta": {"priority": 3, "weight": 0.5},
        "target_team_id": "search",
    }
    assert rule.client_id() != Rule.prefer(["rg"], "x").client_id()
