"""The ``aionis`` console script."""

from __future__ import annotations

import argparse
import json
import sys
import types

import httpx
import pytest
import respx
from conftest import BASE, ok

import aionis_sdk.types as t
from aionis_sdk import cli


def test_health_prints_json(router: respx.MockRouter, capsys: pytest.CaptureFixture[str]) -> None:
    router.get("/health").mock(return_value=ok(t.HealthResponse, ok=True, api_version="v1"))
    assert cli.main(["health", "--base-url", BASE]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is True
    assert out["api_version"] == "v1"


def test_health_failure_exits_nonzero(
    router: respx.MockRouter, capsys: pytest.CaptureFixture[str]
) -> None:
    router.get("/health").mock(side_effect=httpx.ConnectError("refused"))
    assert cli.main(["health", "--base-url", BASE]) == 1
    assert "refused" in capsys.readouterr().err


def test_no_command_prints_help_with_extras(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert "aionis-sdk[server]" in capsys.readouterr().out


def test_plugins_register_subcommands(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plugin = types.ModuleType("aionis_demos.cli")

    def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        sub = subparsers.add_parser("demo", help="run a demo")
        sub.set_defaults(func=lambda args: print("demo ran") or 0)

    plugin.register = register  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "aionis_demos.cli", plugin)
    assert cli.main(["demo"]) == 0
    assert "demo ran" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--version"], ()),
        (["health", "--base-url", "http://x"], ()),
        (["serve", "--port", "0"], ("aionis_server.cli",)),
        (["verify", "--thread", "t"], ("aionis_langgraph.cli",)),
        (["demo", "tools"], ("aionis_demos.cli",)),
        (["--help"], cli.PLUGINS),
        ([], cli.PLUGINS),
        (["unknown-command"], cli.PLUGINS),
    ],
)
def test_only_the_plugin_of_the_command_is_imported(
    argv: list[str], expected: tuple[str, ...]
) -> None:
    assert cli._plugins_for(argv) == expected
