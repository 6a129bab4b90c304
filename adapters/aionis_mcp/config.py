"""Settings of the MCP server: command-line flags over ``AIONIS_*`` environment variables.

Precedence is flag, then environment variable, then default. The client settings are the
SDK's own (``docs/sdk.md``); the MCP server adds its transport settings and one default of
its own: with no agent/team identity and no credential, it acts as ``local-user``, the
reference server's local identity, so that ``remember`` followed by ``recall`` round-trips
on a default local server (spec §4.5).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from aionis_sdk import AsyncAionisClient

__all__ = ["DEFAULT_LOCAL_AGENT", "MCPSettings", "Transport", "add_arguments"]

Transport = Literal["stdio", "http"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

DEFAULT_LOCAL_AGENT = "local-user"

# (field, env var, flag help)
_CLIENT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("base_url", "AIONIS_BASE_URL", "Aionis server URL (default http://127.0.0.1:3321)"),
    ("api_key", "AIONIS_API_KEY", "API key, sent as X-Api-Key (prefer the env var)"),
    ("bearer_token", "AIONIS_BEARER_TOKEN", "JWT sent as Authorization: Bearer (prefer env)"),
    ("admin_token", "AIONIS_ADMIN_TOKEN", "admin token, sent as X-Admin-Token"),
    ("tenant_id", "AIONIS_TENANT_ID", "tenant id (default: the server's)"),
    ("scope", "AIONIS_SCOPE", "memory scope (default: the server's)"),
    ("agent_id", "AIONIS_AGENT_ID", "agent identity: writer, owner and reader of memory"),
    ("team_id", "AIONIS_TEAM_ID", "team identity"),
)


@dataclass(frozen=True)
class MCPSettings:
    """Everything the MCP server needs: client settings plus transport settings."""

    base_url: str | None = None
    api_key: str | None = None
    bearer_token: str | None = None
    admin_token: str | None = None
    tenant_id: str | None = None
    scope: str | None = None
    agent_id: str | None = None
    team_id: str | None = None
    timeout: float = 30.0
    max_retries: int = 2
    transport: Transport = "stdio"
    host: str = "127.0.0.1"
    port: int = 3322
    path: str = "/mcp"
    log_level: LogLevel = "WARNING"
    extra_client_options: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MCPSettings:
        """Settings from ``AIONIS_*`` variables (``os.environ`` by default)."""
        source = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, var, _ in _CLIENT_FIELDS:
            if source.get(var):
                values[name] = source[var]
        if source.get("AIONIS_TIMEOUT"):
            values["timeout"] = float(source["AIONIS_TIMEOUT"])
        if source.get("AIONIS_MAX_RETRIES"):
            values["max_retries"] = int(source["AIONIS_MAX_RETRIES"])
        if source.get("AIONIS_MCP_TRANSPORT"):
            values["transport"] = _transport(source["AIONIS_MCP_TRANSPORT"])
        if source.get("AIONIS_MCP_HOST"):
            values["host"] = source["AIONIS_MCP_HOST"]
        if source.get("AIONIS_MCP_PORT"):
            values["port"] = int(source["AIONIS_MCP_PORT"])
        return cls(**values)

    @classmethod
    def from_args(
        cls, args: argparse.Namespace, env: Mapping[str, str] | None = None
    ) -> MCPSettings:
        """Settings from parsed flags (see :func:`add_arguments`), falling back to ``env``."""
        base = cls.from_env(env)
        overrides: dict[str, Any] = {}
        for name in (*(f[0] for f in _CLIENT_FIELDS), "timeout", "max_retries", "host", "port"):
            value = getattr(args, name, None)
            if value is not None:
                overrides[name] = value
        if getattr(args, "transport", None):
            overrides["transport"] = _transport(args.transport)
        if getattr(args, "path", None):
            overrides["path"] = args.path
        if getattr(args, "log_level", None):
            overrides["log_level"] = args.log_level.upper()
        return replace(base, **overrides)

    @property
    def effective_agent_id(self) -> str | None:
        """The agent identity used: the configured one, else ``local-user`` when nothing
        else can identify the caller (no team, no API key, no bearer token)."""
        if self.agent_id:
            return self.agent_id
        if self.team_id or self.api_key or self.bearer_token:
            return None
        return DEFAULT_LOCAL_AGENT

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :class:`aionis_sdk.AsyncAionisClient`."""
        return {
            "base_url": self.base_url,
            "api_key": self.api_key,
            "bearer_token": self.bearer_token,
            "admin_token": self.admin_token,
            "tenant_id": self.tenant_id,
            "scope": self.scope,
            "agent_id": self.effective_agent_id,
            "team_id": self.team_id,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            **dict(self.extra_client_options),
        }

    def create_client(self) -> AsyncAionisClient:
        return AsyncAionisClient(**self.client_kwargs())


def _transport(value: str) -> Transport:
    lowered = value.strip().lower()
    if lowered in ("http", "streamable-http", "streamable_http"):
        return "http"
    if lowered == "stdio":
        return "stdio"
    raise ValueError(f"unknown MCP transport {value!r}: use stdio or http")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``aionis mcp`` flags. Every flag defaults to None so the env can fill it."""
    parser.add_argument(
        "--transport",
        choices=["stdio", "http", "streamable-http"],
        default=None,
        help="stdio (default; for MCP hosts that spawn the server) or http (streamable HTTP)",
    )
    parser.add_argument("--host", default=None, help="HTTP bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="HTTP port (default 3322)")
    parser.add_argument("--path", default=None, help="HTTP endpoint path (default /mcp)")
    for name, var, text in _CLIENT_FIELDS:
        flag = "--" + name.replace("_", "-")
        parser.add_argument(flag, dest=name, default=None, help=f"{text} [${var}]")
    parser.add_argument(
        "--timeout", type=float, default=None, help="per-call timeout, seconds (default 30)"
    )
    parser.add_argument(
        "--max-retries", type=int, default=None, help="SDK retries per call (default 2)"
    )
    parser.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error", "critical"],
        default=None,
        help="server log level, logged to stderr (default warning)",
    )
