"""LangChain tools and retriever over a client that names no agent: on a server with auth
off they act as ``local-user`` (the identity the server writes their memory as), so what they
remember can be recalled; clients that name an agent or carry a credential are used as given."""

from __future__ import annotations

import uuid

from aionis_langchain import AionisRetriever, create_aionis_tools
from aionis_langchain._recall import LOCAL_AGENT
from aionis_sdk import AionisClient, AsyncAionisClient


def _scope() -> str:
    return "lc-" + uuid.uuid4().hex[:12]


def test_remember_then_recall_with_a_bare_client(aionis_url: str) -> None:
    with AionisClient(base_url=aionis_url, scope=_scope()) as client:
        remember, recall = create_aionis_tools(client=client)[:2]
        assert "Remembered as" in remember.invoke({"text": "Ada drinks oolong tea"})
        found = recall.invoke({"query": "what does Ada drink"})
        assert "oolong" in found
        docs = AionisRetriever(client=client).invoke("oolong tea")
        assert [d.page_content for d in docs][:1] == ["Ada drinks oolong tea"]
        assert client.config.agent_id is None  # the caller's client is not changed


async def test_async_tools_with_a_bare_client(aionis_url: str) -> None:
    async with AsyncAionisClient(base_url=aionis_url, scope=_scope()) as aclient:
        remember, recall = create_aionis_tools(async_client=aclient)[:2]
        await remember.ainvoke({"text": "Grace keeps a notebook of bugs"})
        assert "notebook" in await recall.ainvoke({"query": "what does Grace keep"})


def test_identified_clients_are_used_as_given() -> None:
    with (
        AionisClient(base_url="http://127.0.0.1:9", agent_id="planner") as named,
        AionisClient(base_url="http://127.0.0.1:9", api_key="k") as keyed,
        AionisClient(base_url="http://127.0.0.1:9") as bare,
    ):
        assert create_aionis_tools(client=named)[0].client is named
        assert AionisRetriever(client=keyed).client is keyed
        local = AionisRetriever(client=bare).client
        assert local is not None
        assert local.config.agent_id == LOCAL_AGENT
