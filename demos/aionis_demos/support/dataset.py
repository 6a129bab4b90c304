"""The support dataset: customers, their earlier conversations, and follow-up questions.

The JSON files live in ``aionis_demos/data/support`` (they ship in the wheel). Each conversation
carries its turns and the memories a memory-extraction step takes from it; the scripted
extraction model returns exactly those (see :mod:`aionis_demos.support.models`), a real model
extracts its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = [
    "Conversation",
    "Customer",
    "Dataset",
    "FollowUp",
    "Memory",
    "is_correct",
    "load_dataset",
]

DATA_PACKAGE = "aionis_demos.data.support"


@dataclass(frozen=True)
class Memory:
    key: str
    kind: str
    text: str


@dataclass(frozen=True)
class Conversation:
    id: str
    date: str
    turns: tuple[tuple[str, str], ...]  # (role, text); role is "customer" or "agent"
    memories: tuple[Memory, ...]


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    conversations: tuple[Conversation, ...]


@dataclass(frozen=True)
class FollowUp:
    id: str
    customer: str
    question: str
    expect: tuple[str, ...]
    source: str  # the memory key holding the fact


@dataclass(frozen=True)
class Dataset:
    customers: tuple[Customer, ...]
    followups: tuple[FollowUp, ...]

    def customer(self, customer_id: str) -> Customer:
        for customer in self.customers:
            if customer.id == customer_id:
                return customer
        raise KeyError(customer_id)

    def conversation(self, conversation_id: str) -> Conversation:
        for customer in self.customers:
            for conversation in customer.conversations:
                if conversation.id == conversation_id:
                    return conversation
        raise KeyError(conversation_id)


def _read(name: str) -> Any:
    return json.loads(resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8"))


def _conversation(raw: dict[str, Any]) -> Conversation:
    return Conversation(
        id=raw["id"],
        date=raw["date"],
        turns=tuple((str(role), str(text)) for role, text in raw["turns"]),
        memories=tuple(Memory(m["key"], m["kind"], m["text"]) for m in raw["memories"]),
    )


@lru_cache(maxsize=1)
def _full() -> Dataset:
    customers = tuple(
        Customer(c["id"], c["name"], tuple(_conversation(v) for v in c["conversations"]))
        for c in _read("customers.json")["customers"]
    )
    followups = tuple(
        FollowUp(f["id"], f["customer"], f["question"], tuple(f["expect"]), f["source"])
        for f in _read("followups.json")["followups"]
    )
    return Dataset(customers, followups)


def load_dataset(customers: int | None = None) -> Dataset:
    """The dataset, optionally cut to its first ``customers`` customers (and their follow-ups)."""
    full = _full()
    if customers is None or customers >= len(full.customers):
        return full
    if customers < 1:
        raise ValueError("customers must be at least 1")
    kept = full.customers[:customers]
    ids = {c.id for c in kept}
    return Dataset(kept, tuple(f for f in full.followups if f.customer in ids))


def is_correct(answer: str, expect: tuple[str, ...]) -> bool:
    """An answer is right when it contains every expected string (case-insensitive)."""
    low = answer.lower()
    return all(e.lower() in low for e in expect)
