"""Demo B's pieces without a server: the data, the scripted policy, the simulated tools."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from aionis_demos.tools import load_rules, load_tasks, load_tools
from aionis_demos.tools.policy import PREFERRED_PREFIX, KeywordPolicyModel, choose_tool
from aionis_demos.tools.workbench import SimulatedToolError, Workbench

REQUIRED = {
    "pytest", "unittest", "jest", "go_test", "cargo_test",
    "ruff_check", "flake8", "eslint", "mypy",
    "black", "ruff_format", "prettier", "gofmt",
    "git_status", "git_diff", "git_commit", "git_push", "git_push_force", "git_checkout",
    "git_rebase", "git_reset_hard",
    "pip_install", "uv_add", "npm_install", "poetry_add", "cargo_add",
    "read_file", "write_file", "edit_file", "list_dir", "search_code", "move_file", "trash",
    "rm", "rm_rf", "chmod",
}  # fmt: skip


def test_tool_belt_and_tasks_are_big_enough_and_consistent() -> None:
    tools = {t.name: t for t in load_tools()}
    assert len(tools) >= 40
    assert set(tools) >= REQUIRED
    assert {"rm", "rm_rf", "git_push_force", "git_reset_hard"} <= {
        n for n, t in tools.items() if t.dangerous
    }
    tasks = load_tasks()
    assert len(tasks) >= 30
    assert len({t.id for t in tasks}) == len(tasks)
    for task in tasks:
        assert set(task.correct) <= set(tools), task.id
        assert set(task.fails) <= set(tools), task.id
        assert not set(task.correct) & set(task.fails), task.id
    for rule in load_rules():
        named = [n for key in ("deny", "prefer", "allow") for n in rule.then["tool"].get(key, [])]
        assert set(named) <= set(tools), rule.id


def test_policy_follows_the_first_relevant_preferred_tool() -> None:
    keywords = {t.name: t.keywords for t in load_tools()}
    offered = [t.name for t in load_tools()]
    text = "delete the old build directory"
    assert choose_tool(text, offered, [], keywords) == ("rm_rf", "keywords")
    assert choose_tool(text, offered, ["trash"], keywords) == ("trash", "preferred")
    # A preferred tool that has nothing to do with the task is skipped.
    assert choose_tool("run the tests", offered, ["prettier", "pytest"], keywords)[0] == "pytest"
    assert choose_tool("zzz", ["git_status", "rm"], [], keywords) == ("git_status", "first")
    assert choose_tool("anything", [], [], keywords) == (None, "none")


def test_policy_model_only_calls_a_bound_tool() -> None:
    specs = load_tools()
    bench = Workbench(specs)
    tools = {t.name: t for t in bench.tools()}
    model = KeywordPolicyModel(keywords={t.name: t.keywords for t in specs})
    bound = model.bind_tools([tools["trash"], tools["list_dir"]])
    reply = bound.invoke([HumanMessage("delete the old build directory")])
    assert [c["name"] for c in reply.tool_calls] == ["trash"]
    reply = bound.invoke(
        [SystemMessage(f"{PREFERRED_PREFIX} list_dir"), HumanMessage("list the files")]
    )
    assert [c["name"] for c in reply.tool_calls] == ["list_dir"]
    assert model.invoke([HumanMessage("hello")]).tool_calls == []


def test_simulated_tools_fail_as_scripted_and_log_every_run() -> None:
    bench = Workbench(load_tools())
    tools = {t.name: t for t in bench.tools()}
    tasks = {t.id: t for t in load_tasks()}
    with pytest.raises(SimulatedToolError, match="no task"):
        tools["pytest"].invoke({"request": "x"})
    bench.current = tasks["py-test-checkout"]
    assert "ok" in tools["pytest"].invoke({"request": "run"})
    with pytest.raises(SimulatedToolError, match="pytest-django"):
        tools["unittest"].invoke({"request": "run"})
    with pytest.raises(SimulatedToolError, match="python repository, not js"):
        tools["jest"].invoke({"request": "run"})
    assert [(e.tool, e.ok) for e in bench.log] == [
        ("pytest", True),
        ("unittest", False),
        ("jest", False),
    ]
