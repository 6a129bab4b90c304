"""The three memory set-ups the same agent runs with, each as a "process lifetime".

``variant.session()`` opens what one process of the application would hold: a checkpointer and
a long-term store. Opening a second session after the first closed is the process restart:

* ``no-memory``: an ``InMemorySaver`` and no store;
* ``inmemory``: LangGraph's ``InMemoryStore`` with the server's deterministic embeddings (so
  its ranking uses exactly the vectors the Aionis server computes) and an ``InMemorySaver``;
  a new session starts empty, as a restarted process would;
* ``aionis``: ``AionisStore`` + ``AionisSaver`` over one ``AionisClient``, talking to a
  reference server spawned as a real subprocess on a SQLite file; a new session spawns a new
  server process on the same file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.base import BaseStore
from langgraph.store.memory import InMemoryStore

from .agent import namespace_of
from .models import HashEmbeddings

__all__ = [
    "AGENT_ID",
    "DB_NAME",
    "VARIANTS",
    "Backend",
    "Citation",
    "VerifySummary",
    "aionis_session",
    "inmemory_session",
    "no_memory_session",
]

AGENT_ID = "support-agent"
EMBED_DIM = 1536
DB_NAME = "support-memory.db"


@dataclasses.dataclass(frozen=True)
class Citation:
    key: str
    uri: str | None
    commit_id: str | None


@dataclasses.dataclass(frozen=True)
class VerifySummary:
    ok: bool
    namespace_records: int
    namespace_commits: int
    threads_ok: int
    threads_checked: int
    first_broken: str | None = None


@dataclasses.dataclass
class Backend:
    """What one session of a variant offers the agent and the evaluation."""

    checkpointer: BaseCheckpointSaver[Any]
    store: BaseStore | None
    cite: Callable[[str, str], Citation] | None = None  # (customer_id, key) -> citation
    verify: Callable[[list[str]], VerifySummary] | None = None  # thread ids -> summary
    info: dict[str, str] = dataclasses.field(default_factory=dict)


@contextmanager
def no_memory_session(workdir: str) -> Iterator[Backend]:
    yield Backend(checkpointer=InMemorySaver(), store=None)


@contextmanager
def inmemory_session(workdir: str) -> Iterator[Backend]:
    store = InMemoryStore(
        index={"dims": EMBED_DIM, "embed": HashEmbeddings(EMBED_DIM), "fields": ["text"]}
    )
    yield Backend(checkpointer=InMemorySaver(), store=store)


@contextmanager
def aionis_session(workdir: str) -> Iterator[Backend]:
    from aionis_langgraph import AionisSaver, AionisStore, verify_namespace, verify_thread
    from aionis_sdk import AionisClient
    from aionis_server import spawn_server

    db_path = str(Path(workdir) / DB_NAME)
    with (
        spawn_server(db_path) as base_url,
        AionisClient(base_url=base_url, agent_id=AGENT_ID) as client,
    ):
        # The server embeds the "text" field itself (same deterministic provider as inmemory).
        store = AionisStore(client, index={"fields": ["text"]})

        def cite(customer_id: str, key: str) -> Citation:
            ns = list(namespace_of(customer_id))
            resp = client.memory.find(
                type="evidence",
                slots_contains={"family": "store", "kind": "item", "ns": ns, "key": key},
                include_slots=True,
                include_meta=True,
                limit=50,
            )
            versions = [n for n in resp.nodes if n.slots and n.slots.get("ns") == ns]
            if not versions:
                return Citation(key, None, None)
            latest = max(versions, key=lambda n: int((n.slots or {}).get("seq", 0)))
            return Citation(key, latest.uri, latest.commit_id)

        def verify(thread_ids: list[str]) -> VerifySummary:
            ns_report = verify_namespace(client, ("customers",))
            threads = [verify_thread(client, t) for t in thread_ids]
            broken = next((str(r) for r in [ns_report, *threads] if not r.ok), None)
            return VerifySummary(
                ok=ns_report.ok and all(r.ok for r in threads),
                namespace_records=ns_report.checked,
                namespace_commits=ns_report.commits,
                threads_ok=sum(r.ok for r in threads),
                threads_checked=len(threads),
                first_broken=broken,
            )

        yield Backend(
            checkpointer=AionisSaver(client),
            store=store,
            cite=cite,
            verify=verify,
            info={"base_url": base_url, "db_path": db_path},
        )


Session = Callable[[str], AbstractContextManager[Backend]]

# name -> (label, session factory)
VARIANTS: dict[str, tuple[str, Session]] = {
    "no-memory": ("no memory", no_memory_session),
    "inmemory": ("InMemoryStore", inmemory_session),
    "aionis": ("Aionis", aionis_session),
}
