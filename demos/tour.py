"""A five-minute tour of Aionis from Python, fully offline.

Starts the embedded reference server on a temporary SQLite file, then, through the typed client:
writes memories, recalls them by meaning with citations, adds a rule, lets the rule pick a tool,
reports the outcome, and verifies the commit behind a recalled memory.

Run it with ``scripts/demo`` (which bootstraps the virtual environment) or
``python demos/tour.py`` inside it.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from aionis_sdk import AionisClient
from aionis_sdk.canonical import canon, commit_hash, sha256hex
from aionis_server import serve_in_thread

FACTS = [
    ("ada-contact", "Ada Lovelace prefers e-mail over phone calls"),
    ("ada-order", "Ada ordered the walnut standing desk, order 1042, shipped on Monday"),
    ("ada-promise", "We promised Ada a 10% discount on her next order after the late delivery"),
    ("grace-plan", "Grace Hopper is on the enterprise plan and renews in March"),
]


def step(title: str) -> None:
    print(f"\n== {title}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "tour.db"
        with (
            serve_in_thread(str(db)) as base_url,
            AionisClient(base_url=base_url, agent_id="support-bot") as client,
        ):
            health = client.health()
            print(
                f"server {base_url}: api {health.api_version}, embeddings {health.embedding_dim}-d"
            )

            step("1. Write memories (each write is a hash-chained commit)")
            for client_id, text in FACTS:
                written = client.memory.write(
                    input_text=text,
                    nodes=[{"client_id": client_id, "type": "event", "text_summary": text}],
                )
                print(
                    f"  {client_id:<12} commit {written.commit_id}  hash {written.commit_hash[:12]}…"
                )

            step("2. Recall by meaning")
            started = time.perf_counter()
            recall = client.memory.recall_text(
                query_text="what discount did we promise Ada?", limit=3
            )
            elapsed_ms = (time.perf_counter() - started) * 1000
            for seed in recall.seeds:
                print(f"  {seed.similarity:.3f}  {seed.text_summary}")
            print(f"  ({elapsed_ms:.1f} ms, {len(recall.context.citations)} citations)")

            step("3. A rule: cleanup tasks must not use rm; prefer trash")
            rule = client.memory.write(
                input_text="rule: no rm during cleanup",
                memory_lane="shared",
                nodes=[
                    {
                        "client_id": "rule-no-rm",
                        "type": "rule",
                        "text_summary": "During cleanup, never run rm; move files to the trash",
                        "slots": {
                            "if": {"task.kind": "cleanup"},
                            "then": {"tool": {"deny": ["rm"], "prefer": ["trash"]}},
                        },
                    }
                ],
            )
            rule_id = rule.nodes[0].id
            client.rules.set_state(rule_node_id=rule_id, state="active", input_text="activate")
            choice = client.tools.select(
                context={"task": {"kind": "cleanup"}},
                candidates=["rm", "trash", "ls"],
                run_id="tour-run-1",
            )
            sel = choice.selection
            print(
                f"  allowed {sel.allowed}, denied {[d.name for d in sel.denied]}, selected {sel.selected!r}"
            )

            step("4. Report the outcome so the rule gains evidence")
            fb = client.tools.feedback(
                context={"task": {"kind": "cleanup"}},
                candidates=["rm", "trash", "ls"],
                selected_tool=sel.selected or "trash",
                outcome="positive",
                run_id="tour-run-1",
                decision_id=choice.decision.decision_id,
                input_text="trash worked",
            )
            print(
                f"  feedback linked ({fb.decision_link_mode}) to decision {fb.decision_id}, rules {fb.rule_node_ids}"
            )

            step("5. Verify a recalled memory's commit without trusting the server")
            citation = recall.context.citations[0]
            assert citation.commit_uri is not None
            commit = client.memory.resolve(uri=citation.commit_uri).commit
            assert commit is not None
            assert commit.parent_id is None  # /write chains only when asked to
            recomputed = commit_hash(
                {
                    "parentHash": "",
                    "inputSha": commit.input_sha256,
                    "diffSha": sha256hex(canon(commit.diff_json)),
                    "scope": "default",
                    "actor": commit.actor,
                    "model_version": commit.model_version,
                    "prompt_version": commit.prompt_version,
                }
            )
            cited = [n["id"] for n in commit.diff_json["nodes"]]
            print(f"  {citation.uri}")
            print(
                f"  commit {commit.id}: hash recomputed locally {'matches' if recomputed == commit.commit_hash else 'DIFFERS'}"
            )
            print(f"  the commit's diff names the cited node: {citation.node_id in cited}")
            print("\nDone. Next: docs/sdk.md, docs/server.md, docs/langgraph.md.")


if __name__ == "__main__":
    main()
