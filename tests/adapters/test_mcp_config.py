"""MCP settings (flags over env over defaults), the CLI plug-in and the error mapping."""

from __future__ import annotations

import argparse

import httpx
import pytest

from aionis_mcp.config import MCPSettings, add_arguments
from aionis_mcp.errors import error_payload
from aionis_sdk import APIConnectionError, APITimeoutError, NotFoundError
from aionis_sdk.cli import build_parser


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


def test_flags_win_over_env_and_env_over_defaults() -> None:
    env = {
        "AIONIS_BASE_URL": "http://env:1",
        "AIONIS_SCOPE": "env-scope",
        "AIONIS_TENANT_ID": "acme",
        "AIONIS_MCP_PORT": "4000",
        "AIONIS_TIMEOUT": "5",
    }
    settings = MCPSettings.from_args(
        _parse("--base-url", "http://flag:2", "--transport", "streamable-http"), env
    )
    assert settings.base_url == "http://flag:2"
    assert settings.scope == "env-scope"
    assert settings.tenant_id == "acme"
    assert settings.port == 4000
    assert settings.timeout == 5.0
    assert settings.transport == "http"
    assert settings.host == "127.0.0.1"
    assert settings.path == "/mcp"


def test_default_identity_is_the_local_user_only_without_credentials() -> None:
    assert MCPSettings().effective_agent_id == "local-user"
    assert MCPSettings(agent_id="planner").effective_agent_id == "planner"
    assert MCPSettings(api_key="k").effective_agent_id is None
    assert MCPSettings(team_id="ops").effective_agent_id is None
    kwargs = MCPSettings(bearer_token="t", scope="s").client_kwargs()
    assert kwargs["agent_id"] is None
    assert kwargs["bearer_token"] == "t"
    assert kwargs["scope"] == "s"


def test_bad_transport_in_env_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown MCP transport"):
        MCPSettings.from_env({"AIONIS_MCP_TRANSPORT": "carrier-pigeon"})


def test_aionis_cli_has_the_mcp_subcommand() -> None:
    args = build_parser().parse_args(["mcp", "--transport", "http", "--port", "9999"])
    assert args.command == "mcp"
    settings = MCPSettings.from_args(args, env={})
    assert (settings.transport, settings.port) == ("http", 9999)


def test_error_payloads_carry_code_status_and_request_id() -> None:
    request = httpx.Request("POST", "http://x/v1/memory/find")
    response = httpx.Response(404, request=request)
    status = NotFoundError(
        "gone", response=response, code="node_not_found_in_scope_or_visibility", request_id="r1"
    )
    assert error_payload(status) | {"type": "-"} == {
        "code": "node_not_found_in_scope_or_visibility",
        "status": 404,
        "request_id": "r1",
        "message": "gone",
        "type": "-",
        "retryable": False,
    }
    timeout = error_payload(APITimeoutError("slow", request_id="r2"))
    assert (timeout["code"], timeout["request_id"], timeout["retryable"]) == ("timeout", "r2", True)
    assert error_payload(APIConnectionError("refused"))["code"] == "connection_error"
