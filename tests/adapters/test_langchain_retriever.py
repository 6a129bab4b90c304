"""AionisRetriever against a real reference server: documents, metadata, sync and async."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aionis_langchain import AionisRetriever
from aionis_sdk import AionisClient, AsyncAionisClient

FACTS = {
    "tea": "The user drinks genmaicha green tea every morning.",
    "bike": "The user commutes by bicycle across the river.",
    "db": "The staging database runs PostgreSQL 16 on host db-7.",
}


@pytest.fixture(scope="module")
def seeded(aionis_url: str) -> Iterator[tuple[str, dict[str, dict[str, str]]]]:
    """Three facts written by agent ``lc-agent`` in scope ``lc-retriever``."""
    with AionisClient(base_url=aionis_url, scope="lc-retriever", agent_id="lc-agent") as client:
        written: dict[str, dict[str, str]] = {}
        for key, text in FACTS.items():
            resp = client.memory.write(
                input_text=text,
                nodes=[{"client_id": key, "type": "entity", "title": key, "text_summary": text}],
            )
            written[key] = {
                "id": resp.nodes[0].id,
                "uri": resp.nodes[0].uri,
                "commit_id": resp.commit_id,
                "commit_uri": resp.commit_uri,
            }
        yield aionis_url, written


def _client(url: str, agent: str = "lc-agent") -> AionisClient:
    return AionisClient(base_url=url, scope="lc-retriever", agent_id=agent)


def test_documents_carry_text_uri_commit_and_similarity(seeded: tuple) -> None:
    url, written = seeded
    with _client(url) as client:
        docs = AionisRetriever(client=client, k=2).invoke("genmaicha green tea in the morning")
    assert len(docs) == 2
    top = docs[0]
    assert top.page_content == FACTS["tea"]
    assert top.id == written["tea"]["id"]
    meta = top.metadata
    assert meta["node_id"] == written["tea"]["id"]
    assert meta["uri"] == written["tea"]["uri"]
    assert meta["commit_id"] == written["tea"]["commit_id"]
    assert meta["commit_uri"] == written["tea"]["commit_uri"]
    assert meta["type"] == "entity"
    assert meta["title"] == "tea"
    assert meta["similarity"] > docs[1].metadata["similarity"]
    assert isinstance(meta["score"], float)


async def test_async_client_gives_the_same_documents(seeded: tuple) -> None:
    url, _ = seeded
    query = "bicycle commute over the river"
    with _client(url) as client:
        expected = AionisRetriever(client=client, k=3).invoke(query)
    async with AsyncAionisClient(base_url=url, scope="lc-retriever", agent_id="lc-agent") as ac:
        docs = await AionisRetriever(async_client=ac, k=3).ainvoke(query)
    assert [d.metadata["node_id"] for d in docs] == [d.metadata["node_id"] for d in expected]
    assert docs[0].page_content == FACTS["bike"]


async def test_sync_client_serves_ainvoke_in_a_thread(seeded: tuple) -> None:
    url, written = seeded
    with _client(url) as client:
        docs = await AionisRetriever(client=client, k=1).ainvoke(
            "staging database runs PostgreSQL 16 on db-7"
        )
    assert [d.metadata["uri"] for d in docs] == [written["db"]["uri"]]


def test_private_memory_is_invisible_to_another_agent(seeded: tuple) -> None:
    url, _ = seeded
    with _client(url, agent="someone-else") as client:
        assert AionisRetriever(client=client).invoke("genmaicha") == []


def test_min_similarity_filters_and_a_client_is_required(seeded: tuple) -> None:
    url, _ = seeded
    with _client(url) as client:
        docs = AionisRetriever(client=client, min_similarity=0.99).invoke("genmaicha")
    assert docs == []
    with pytest.raises(ValueError, match="needs client"):
        AionisRetriever()
