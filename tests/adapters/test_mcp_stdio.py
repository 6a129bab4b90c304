"""The MCP server end to end: the official MCP client over stdio, a real reference server."""

from __future__ import annotations

from typing import Any

import pytest
from adapters_support import open_stdio_session, write_tool_rule
from mcp import ClientSession, MCPError
from mcp.types import CallToolResult, TextContent

from aionis_sdk import AionisClient


def _env(base_url: str, scope: str, **extra: str) -> dict[str, str]:
    return {"AIONIS_BASE_URL": base_url, "AIONIS_SCOPE": scope, **extra}


def _text(result: CallToolResult) -> str:
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


async def _call(session: ClientSession, name: str, **arguments: Any) -> dict[str, Any]:
    result = await session.call_tool(name, arguments)
    assert not result.is_error, _text(result)
    assert result.structured_content is not None
    return result.structured_content


async def test_lists_tools_resources_and_prompts(aionis_url: str) -> None:
    async with open_stdio_session(_env(aionis_url, "mcp-list")) as session:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        assert set(tools) == {
            "remember",
            "recall",
            "find",
            "evaluate_rules",
            "select_tool",
            "report_tool_outcome",
        }
        assert tools["recall"].input_schema["required"] == ["query"]
        assert tools["recall"].output_schema is not None
        assert tools["recall"].annotations is not None
        assert tools["recall"].annotations.read_only_hint is True
        resources = (await session.list_resources()).resources
        assert [str(r.uri) for r in resources] == ["aionis://health"]
        health = await session.read_resource("aionis://health")
        assert '"ok": true' in health.contents[0].text  # type: ignore[union-attr]
        prompts = (await session.list_prompts()).prompts
        assert [p.name for p in prompts] == ["recall-context"]


async def test_remember_then_recall_with_citations(aionis_url: str) -> None:
    async with open_stdio_session(_env(aionis_url, "mcp-recall")) as session:
        fact = await _call(
            session,
            "remember",
            text="The user's favourite tea is genmaicha, brewed at 80 degrees.",
            title="Tea preference",
            kind="entity",
        )
        event = await _call(
            session, "remember", text="Deployed release 4.2 to staging", session_id="sess-1"
        )
        assert fact["uri"].startswith("aionis://")
        assert fact["commit_id"]
        assert fact["commit_uri"].endswith(fact["commit_id"])
        assert event["session_id"] == "sess-1"
        assert event["event_id"]

        result = await session.call_tool("recall", {"query": "favourite tea genmaicha"})
        assert not result.is_error
        out = result.structured_content
        assert out is not None
        assert out["seeds"][0]["id"] == fact["node_id"]
        cited = {c["node_id"]: c for c in out["citations"]}
        assert cited[fact["node_id"]]["uri"] == fact["uri"]
        assert cited[fact["node_id"]]["commit_id"] == fact["commit_id"]
        assert "genmaicha" in out["context_text"]
        assert fact["uri"] in _text(result)  # the model sees the citation

        found = await _call(session, "find", text_contains="release 4.2")
        assert [n["id"] for n in found["nodes"]] == [event["node_id"]]

        node = await session.read_resource(fact["uri"])
        assert "genmaicha" in node.contents[0].text  # type: ignore[union-attr]
        prompt = await session.get_prompt("recall-context", {"question": "Which tea?"})
        assert fact["uri"] in prompt.messages[0].content.text  # type: ignore[union-attr]


async def test_select_tool_honours_deny_rule_and_reports_outcome(aionis_url: str) -> None:
    scope = "mcp-tools"
    rule_id = write_tool_rule(
        aionis_url, scope, {"tool": {"deny": ["rm"], "prefer": ["pytest"]}}, {"intent": "test"}
    )
    async with open_stdio_session(_env(aionis_url, scope)) as session:
        rules = await _call(session, "evaluate_rules", context={"intent": "test"})
        assert [r["rule_node_id"] for r in rules["active"]] == [rule_id]
        assert rules["policy"]["tool"] == {"deny": ["rm"], "prefer": ["pytest"]}

        chosen = await _call(
            session,
            "select_tool",
            candidates=["rm", "bash", "pytest"],
            context={"intent": "test"},
            run_id="run-1",
        )
        assert chosen["selected"] == "pytest"
        assert chosen["denied"] == [{"name": "rm", "reason": "deny_list"}]
        assert chosen["allowed"] == ["bash", "pytest"]
        assert "Denied: rm (deny list)" in chosen["explanation"]

        outcome = await _call(
            session, "report_tool_outcome", decision_id=chosen["decision_id"], outcome="positive"
        )
        assert outcome["decision_id"] == chosen["decision_id"]
        assert outcome["decision_link_mode"] == "provided"
        assert outcome["rule_node_ids"] == [rule_id]  # the cached context attributes the rule

    with AionisClient(base_url=aionis_url, scope=scope) as client:
        run = client.tools.run(run_id="run-1")
        assert run.lifecycle.status == "feedback_linked"


async def test_every_candidate_denied_is_a_tool_error_with_the_server_code(
    aionis_url: str,
) -> None:
    scope = "mcp-deny-all"
    write_tool_rule(aionis_url, scope, {"tool": {"deny": ["rm"]}})
    async with open_stdio_session(_env(aionis_url, scope)) as session:
        result = await session.call_tool("select_tool", {"candidates": ["rm"]})
        assert result.is_error
        assert result.structured_content is not None
        error = result.structured_content["error"]
        assert error["code"] == "no_tools_allowed"
        assert error["status"] == 400
        assert error["request_id"]
        assert _text(result).startswith("Aionis error no_tools_allowed (HTTP 400, request_id ")


async def test_bad_input_is_a_clear_tool_error(aionis_url: str) -> None:
    async with open_stdio_session(_env(aionis_url, "mcp-bad")) as session:
        empty = await session.call_tool("select_tool", {"candidates": []})
        assert empty.is_error
        assert "candidates" in _text(empty)
        assert "at least 1 item" in _text(empty)

        wrong = await session.call_tool(
            "report_tool_outcome", {"decision_id": "x", "outcome": "ok"}
        )
        assert wrong.is_error
        assert "decision_id" in _text(wrong)
        assert "outcome" in _text(wrong)

        missing = await session.call_tool("recall", {})
        assert missing.is_error
        assert "query" in _text(missing)


async def test_unreachable_server_gives_the_sdk_error_code(aionis_url: str) -> None:
    env = _env("http://127.0.0.1:9", "mcp-down", AIONIS_MAX_RETRIES="0")
    async with open_stdio_session(env) as session:
        result = await session.call_tool("recall", {"query": "anything"})
        assert result.is_error
        assert result.structured_content is not None
        error = result.structured_content["error"]
        assert error["code"] == "connection_error"
        assert error["status"] is None
        assert error["type"] == "APIConnectionError"
        assert error["request_id"]
        assert _text(result).startswith("Aionis error connection_error (no response")


async def test_unknown_memory_uri_is_a_protocol_error_with_the_code(aionis_url: str) -> None:
    missing = "aionis://default/mcp-res/event/00000000-0000-4000-8000-000000000000"
    async with open_stdio_session(_env(aionis_url, "mcp-res")) as session:
        with pytest.raises(MCPError) as caught:
            await session.read_resource(missing)
    assert "Aionis error node_not_found_in_scope_or_visibility (status 404" in str(caught.value)
