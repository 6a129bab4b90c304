"""Demo A pieces: the dataset's shape and consistency, the scripted models, the prompts, the
agent graph on an InMemoryStore, and the ``aionis demo`` dispatcher."""

from __future__ import annotations

import argparse

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore

from aionis_demos import cli as demo_cli
from aionis_demos.support.agent import build_agent
from aionis_demos.support.dataset import is_correct, load_dataset
from aionis_demos.support.demo import extraction_script
from aionis_demos.support.models import (
    HashEmbeddings,
    ScriptedExtractor,
    ScriptedSupportModel,
    load_models,
    memories_from_reply,
)
from aionis_demos.support.prompts import (
    NO_RECORD,
    answer_system_prompt,
    cited_numbers,
    parse_memory_lines,
)


def test_dataset_size() -> None:
    data = load_dataset()
    assert len(data.customers) >= 20
    assert len(data.followups) >= 40
    kinds = {m.kind for c in data.customers for v in c.conversations for m in v.memories}
    assert {"order", "preference", "issue", "promise"} <= kinds
    for customer in data.customers:
        assert len(customer.conversations) >= 3
        assert len({v.date for v in customer.conversations}) == len(customer.conversations)


def test_every_followup_is_answerable_from_what_was_said() -> None:
    data = load_dataset()
    for f in data.followups:
        customer = data.customer(f.customer)
        latest = {m.key: m for v in customer.conversations for m in v.memories}
        assert f.source in latest, f
        assert is_correct(latest[f.source].text, f.expect), f
        said = " ".join(text for v in customer.conversations for _, text in v.turns)
        # every expected fact was said in a conversation (dates are spelled out there)
        for expected in f.expect:
            assert is_correct(said, (expected,)) or expected.startswith("2024-"), (f, expected)


def test_load_dataset_cuts_by_customer() -> None:
    small = load_dataset(2)
    assert [c.id for c in small.customers] == ["C01", "C02"]
    assert {f.customer for f in small.followups} == {"C01", "C02"}
    with pytest.raises(ValueError, match="at least 1"):
        load_dataset(0)


def test_prompt_round_trip() -> None:
    prompt = answer_system_prompt(["first fact", "second fact"])
    assert parse_memory_lines(prompt) == [(1, "first fact"), (2, "second fact")]
    assert parse_memory_lines(answer_system_prompt([])) == []
    assert cited_numbers("see [2] and [1], again [2]") == [2, 1]


def test_scripted_model_answers_from_best_memory_and_cites_it() -> None:
    model = ScriptedSupportModel()
    system = SystemMessage(
        answer_system_prompt(["Contact preference: email only.", "Order A-1: oak desk."])
    )
    reply = model.invoke([system, HumanMessage("What did I order, which desk?")])
    assert reply.content == "Here is what I have on file: Order A-1: oak desk. [2]"
    blank = model.invoke([SystemMessage(answer_system_prompt([])), HumanMessage("my order?")])
    assert blank.content == NO_RECORD


def test_scripted_extractor_and_reply_parsing() -> None:
    data = load_dataset(1)
    script = extraction_script(data)
    extractor = ScriptedExtractor(script=script)
    reply = extractor.invoke([HumanMessage("Conversation C01-2 on 2024-01-15:\ncustomer: hi")])
    assert [m["key"] for m in memories_from_reply(reply)] == [
        "issue-scratched-leg",
        "pref-contact",
    ]
    fenced = AIMessage('```json\n[{"key": "k", "kind": "x", "text": "t"}, {"bad": 1}]\n```')
    assert memories_from_reply(fenced) == [{"key": "k", "kind": "x", "text": "t"}]
    assert memories_from_reply(AIMessage("no json here")) == []


def test_real_model_is_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIONIS_DEMO_LLM", raising=False)
    answer, extract, description = load_models({})
    assert isinstance(answer, ScriptedSupportModel)
    assert isinstance(extract, ScriptedExtractor)
    assert description == "scripted (offline)"


def test_hash_embeddings_match_the_server_provider() -> None:
    from aionis_server.embeddings import create_provider

    emb = HashEmbeddings(64)
    server = create_provider("deterministic-hash", 64)
    assert emb.embed_query("oak desk") == [float(x) for x in server.embed(["oak desk"])[0]]


@pytest.fixture
def graph_parts() -> tuple[object, InMemoryStore]:
    data = load_dataset(1)
    answer, extract, _ = load_models(extraction_script(data), "")
    store = InMemoryStore(index={"dims": 256, "embed": HashEmbeddings(256), "fields": ["text"]})
    agent = build_agent(answer, extract).compile(checkpointer=InMemorySaver(), store=store)
    return agent, store


def test_agent_learns_in_one_thread_and_answers_in_another(
    graph_parts: tuple[object, InMemoryStore],
) -> None:
    agent, store = graph_parts
    run = agent.invoke
    conv = {"customer_id": "C01", "conversation_id": "C01-3", "date": "2024-02-01"}
    thread = {"configurable": {"thread_id": "conv"}}
    run({**conv, "mode": "log", "messages": [HumanMessage("The leg has not come.")]}, thread)
    out = run({**conv, "mode": "close"}, thread)
    # the transcript came back from the checkpointed thread into the extraction prompt
    assert out["extracted"] == ["promise-discount"]
    assert [m.content for m in out["messages"]] == ["The leg has not come."]
    assert store.get(("customers", "C01"), "promise-discount") is not None

    question = {"customer_id": "C01", "mode": "answer"}
    new_thread = {"configurable": {"thread_id": "new"}}
    reply = run({**question, "messages": [HumanMessage("Which discount code?")]}, new_thread)
    assert "DESK15" in reply["messages"][-1].content
    assert reply["cited"] == ["promise-discount"]
    assert reply["recall_ms"] is not None
    other = run(
        {"customer_id": "C02", "mode": "answer", "messages": [HumanMessage("Discount code?")]},
        {"configurable": {"thread_id": "other"}},
    )
    assert other["recalled"] == []  # namespaces keep customers apart
    assert other["messages"][-1].content == NO_RECORD


def test_demo_dispatcher_reports_a_missing_demo(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(demo_cli.DEMOS, "ghost", ("aionis_demos.no_such_demo.cli", "nothing"))
    parser = argparse.ArgumentParser(prog="aionis")
    demo_cli.register(parser.add_subparsers())
    args = parser.parse_args(["demo", "ghost"])
    assert args.func(args) == 2
    assert "aionis demo ghost: this demo is not available" in capsys.readouterr().err
    support = parser.parse_args(["demo", "support", "--customers", "3", "--answers", "0"])
    assert (support.customers, support.answers, support.json) == (3, 0, None)
    bare = parser.parse_args(["demo"])
    assert bare.func(bare) == 2
