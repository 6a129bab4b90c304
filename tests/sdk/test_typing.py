"""mypy --strict checks the keyword arguments of resource methods (via ``mypy.api.run``).

A correct snippet must type-check; each wrong snippet must fail with the expected error,
so the ``Unpack[...Params]`` signatures are verified by the type checker, not by eye.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api")

ROOT = Path(__file__).resolve().parents[2]

PRELUDE = """\
from aionis_sdk import AionisClient, AsyncAionisClient
from aionis_sdk.types import FindRequest, WriteNode, WriteRequest

client = AionisClient()
aclient = AsyncAionisClient()
"""

GOOD = """\
from collections.abc import Iterator

from aionis_sdk.types import (
    EdgeEndpoint,
    FindResponse,
    NodeDTO,
    RecallTextResponse,
    ToolsSelectResponse,
    WriteResponse,
)
from aionis_sdk.types.params import WriteNodeParam, WriteParams

node: WriteNodeParam = {"client_id": "n1", "type": "event", "slots": {"k": 1}}
w: WriteResponse = client.memory.write(
    input_text="hello",
    nodes=[node, WriteNode(client_id="n2", type="entity"), {"type": "topic", "title": None}],
    edges=[
        {
            "type": "related_to",
            "src": {"client_id": "n1"},
            "dst": EdgeEndpoint(client_id="n2"),
        }
    ],
    memory_lane="shared",
    timeout=5.0,
    extra_headers={"x-trace": "1"},
)
w = client.memory.write(WriteRequest(input_text="hi"), timeout=None, request_id="r1")
params: WriteParams = {"input_text": "x", "nodes": [{"type": "event"}], "max_retries": 0}
w = client.memory.write(**params)
found: FindResponse = client.memory.find(FindRequest(type="event"))
found = client.memory.find(type="event", limit=3, include_meta=True)
it: Iterator[NodeDTO] = client.memory.find_all(text_contains="x")
r: RecallTextResponse = client.memory.recall_text(
    query_text="coffee", memory_layer_preference={"allowed_layers": ["L0", "L1"]}
)
client.memory.recall(query_embedding=(0.1, 0.2), limit=5)
client.sessions.append_event(session_id="s1", title="t", metadata={"a": 1})
client.sessions.events(session_id="s1", limit=5)
sel: ToolsSelectResponse = client.tools.select(
    candidates=("search", "calc"), context={"intent": "x"}, retry_unsafe=True
)
client.tools.feedback(
    candidates=["a"], selected_tool="a", outcome="positive", input_text="ok"
)
client.rules.set_state(rule_node_id="r", state="active", input_text="go")
client.planning.context(query_text="q", tool_candidates=["a", "b"])
client.context.assemble(query_text="q", include_rules=False)
client.health(timeout=1.0)


async def main() -> None:
    aw: WriteResponse = await aclient.memory.write(input_text="x", nodes=[{"type": "event"}])
    async for n in aclient.memory.find_all(type="event"):
        reveal: NodeDTO = n
    await aclient.tools.select(candidates=["a"])
    await aclient.health()
"""

# (snippet, a fragment mypy must report): each one is a single mistake
BAD = {
    "misspelled_field": (
        'client.memory.write(input_txt="x")',
        'Unexpected keyword argument "input_txt"',
    ),
    "misspelled_field_async": (
        "async def f() -> None:\n    await aclient.memory.find(text_contain='x')\n",
        'Unexpected keyword argument "text_contain"',
    ),
    "wrong_field_type": (
        'client.memory.find(limit="3")',
        'No overload variant of "find" of "Memory" matches argument type "str"',
    ),
    "wrong_literal": (
        'client.memory.find(type="evnt")',
        'No overload variant of "find" of "Memory" matches argument type "str"',
    ),
    "missing_required_field": (
        "client.memory.recall_text()",
        'All overload variants of "recall_text" of "Memory" require at least one argument',
    ),
    "missing_required_field_with_others": (
        'client.tools.feedback(candidates=["a"], outcome="positive", input_text="x")',
        'No overload variant of "feedback" of "Tools" matches argument types "list[str]", "str", "str"',
    ),
    "nested_node_misspelled": (
        'client.memory.write(input_text="x", nodes=[{"typ": "event"}])',
        "has incompatible type",
    ),
    "nested_node_bad_literal": (
        'client.memory.write(input_text="x", nodes=[{"type": "evnt"}])',
        "has incompatible type",
    ),
    "string_as_candidates": (
        'client.tools.select(candidates="search")',
        'No overload variant of "select" of "Tools" matches argument type "str"',
    ),
    "model_and_fields_together": (
        "client.memory.find(FindRequest(), limit=2)",
        'No overload variant of "find" of "Memory" matches argument types "FindRequest", "int"',
    ),
    "wrong_model_type": (
        'client.memory.write(FindRequest(type="event"))',
        'No overload variant of "write" of "Memory" matches argument type "FindRequest"',
    ),
    "wrong_option_type": (
        'client.memory.find(timeout="soon")',
        'No overload variant of "find" of "Memory" matches argument type "str"',
    ),
    "unknown_option_on_health": (
        "client.health(retries=3)",
        'Unexpected keyword argument "retries"',
    ),
    "wrong_return_type": (
        "x: int = client.memory.find()",
        'Incompatible types in assignment (expression has type "FindResponse"',
    ),
}


@pytest.fixture(scope="module")
def mypy_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list[str], str]]:
    """Run mypy once over every snippet (one module each); errors and output per snippet."""
    root = tmp_path_factory.mktemp("typing")
    snippets = {"good": GOOD, **{f"bad_{name}": snippet for name, (snippet, _) in BAD.items()}}
    for name, body in snippets.items():
        (root / f"{name}.py").write_text(PRELUDE + "\n" + textwrap.dedent(body))
    stdout, stderr, _ = mypy_api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--strict",
            "--python-version",
            "3.10",
            "--cache-dir",
            str(root / ".mypy_cache"),
            "--show-error-codes",
            "--no-pretty",
            *sorted(str(root / f"{name}.py") for name in snippets),
        ]
    )
    output = stdout + stderr
    report: dict[str, tuple[list[str], str]] = {}
    for name in snippets:
        mine = [line for line in output.splitlines() if f"{name}.py:" in line]
        errors = [line for line in mine if ": error:" in line]
        report[name] = (errors, "\n".join(mine) or output)
    return report


def test_correct_usage_type_checks(mypy_report: dict[str, tuple[list[str], str]]) -> None:
    errors, output = mypy_report["good"]
    assert errors == [], output


@pytest.mark.parametrize("case", list(BAD))
def test_mistake_is_reported(mypy_report: dict[str, tuple[list[str], str]], case: str) -> None:
    _, expected = BAD[case]
    errors, output = mypy_report[f"bad_{case}"]
    assert len(errors) == 1, output
    assert expected in errors[0], output
