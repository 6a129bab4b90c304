"""Prompts of the support agent, shared by the scripted models and a real LLM."""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = [
    "ANSWER_SYSTEM",
    "CONVERSATION_HEADER",
    "EXTRACT_SYSTEM",
    "NO_RECORD",
    "answer_system_prompt",
    "cited_numbers",
    "extraction_prompt",
    "parse_memory_lines",
]

ANSWER_SYSTEM = (
    "You are the support agent of Homely, a furniture and home-goods shop. Answer the "
    "customer's question using only the customer memories below. Quote the fact you rely on "
    "and cite it by its number in square brackets, like [2]. If no memory answers the "
    "question, say that you have no record of it."
)
NO_RECORD = (
    "I'm sorry, I have no record of that. Could you give me the order number or the details?"
)
EXTRACT_SYSTEM = (
    "Extract the durable facts worth remembering about the customer from this support "
    "conversation: orders (ids, items, dates), preferences, past issues and promises made by "
    "support. Reply with only a JSON array of objects with the keys 'key' (a short stable slug "
    "such as order-<id>, pref-<topic>, issue-<topic>, promise-<topic>; reuse the key of an older "
    "fact that this one replaces), 'kind' and 'text' (one self-contained sentence)."
)
MEMORY_HEADER = "Customer memories:"
CONVERSATION_HEADER = re.compile(r"^Conversation (\S+) on \S+:$", re.MULTILINE)
_MEMORY_LINE = re.compile(r"^\[(\d+)\] (.+)$", re.MULTILINE)
_CITATION = re.compile(r"\[(\d+)\]")


def answer_system_prompt(memories: Sequence[str]) -> str:
    """The system prompt with the recalled memories numbered from 1."""
    if not memories:
        return f"{ANSWER_SYSTEM}\n\n{MEMORY_HEADER}\n(none)"
    lines = "\n".join(f"[{i}] {text}" for i, text in enumerate(memories, start=1))
    return f"{ANSWER_SYSTEM}\n\n{MEMORY_HEADER}\n{lines}"


def parse_memory_lines(system_prompt: str) -> list[tuple[int, str]]:
    """The numbered memories of a system prompt built by :func:`answer_system_prompt`."""
    _, _, block = system_prompt.partition(MEMORY_HEADER)
    return [(int(n), text.strip()) for n, text in _MEMORY_LINE.findall(block)]


def cited_numbers(answer: str) -> list[int]:
    """Memory numbers cited in an answer, in order, without repeats."""
    out: list[int] = []
    for n in map(int, _CITATION.findall(answer)):
        if n not in out:
            out.append(n)
    return out


def extraction_prompt(
    conversation_id: str, date: str, transcript: Sequence[tuple[str, str]]
) -> str:
    """The human message of the extraction call: the conversation, one ``role: text`` per line."""
    lines = "\n".join(f"{role}: {text}" for role, text in transcript)
    return f"Conversation {conversation_id} on {date}:\n{lines}"
