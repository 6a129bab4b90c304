"""The models the support agent talks to: the scripted defaults and the opt-in real model.

Both scripted models are LangChain ``BaseChatModel`` subclasses that read the same prompts a
real LLM gets (see :mod:`aionis_demos.support.prompts`):

* :class:`ScriptedSupportModel` answers from the numbered memories in the system prompt: it
  picks the memory sharing the most content words with the question (ties and no overlap at all
  go to the one listed first, i.e. ranked best by the store), quotes it and cites its number
  (``[2]``). With no memory in the prompt it says it has no record. It never sees the dataset,
  only the prompt.
* :class:`ScriptedExtractor` plays the memory-extraction LLM: for the conversation named in the
  prompt it replies with the JSON the dataset scripts for it (the memories stated in the turns).

``AIONIS_DEMO_LLM=<provider>:<model>`` (e.g. ``openai:gpt-4o-mini``) swaps both for a real chat
model through LangChain's ``init_chat_model`` (needs ``langchain`` and the provider package and
key); the agent code does not change.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from .prompts import CONVERSATION_HEADER, NO_RECORD, parse_memory_lines

__all__ = [
    "LLM_ENV",
    "HashEmbeddings",
    "ScriptedExtractor",
    "ScriptedSupportModel",
    "content_words",
    "load_models",
]

LLM_ENV = "AIONIS_DEMO_LLM"

_WORD = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")
_STOP = frozenset(
    [
        "a",
        "about",
        "again",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "next",
        "now",
        "of",
        "on",
        "or",
        "our",
        "please",
        "should",
        "so",
        "still",
        "that",
        "the",
        "their",
        "them",
        "then",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
    ]
)


def _fold(word: str) -> str:
    for suffix in ("ies", "es", "s", "ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def content_words(text: str) -> set[str]:
    """Lower-cased content words of ``text`` with light plural/tense folding."""
    return {_fold(w) for w in _WORD.findall(text.lower()) if w not in _STOP}


def _text_of(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return " ".join(
        str(part.get("text", "")) if isinstance(part, Mapping) else str(part) for part in content
    )


class ScriptedSupportModel(BaseChatModel):
    """Answers from the best-matching remembered fact in its prompt, citing it as ``[n]``."""

    @property
    def _llm_type(self) -> str:
        return "aionis-demo-scripted-support"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        system = next((_text_of(m) for m in messages if isinstance(m, SystemMessage)), "")
        question = next(
            (_text_of(m) for m in reversed(messages) if isinstance(m, HumanMessage)), ""
        )
        memories = parse_memory_lines(system)
        wanted = content_words(question)
        best: tuple[int, int, int, str] | None = None  # overlap, -position, number, text
        for position, (number, text) in enumerate(memories):
            overlap = len(wanted & content_words(text))
            # Ties go to the memory ranked higher by the store (earlier in the prompt).
            if overlap and (best is None or (overlap, -position) > best[:2]):
                best = (overlap, -position, number, text)
        if best is None and memories:
            # No shared word: trust the store's ranking, as an LLM reading the prompt would.
            best = (0, 0, memories[0][0], memories[0][1])
        if best is None:
            answer = NO_RECORD
        else:
            answer = f"Here is what I have on file: {best[3]} [{best[2]}]"
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=answer))])


class ScriptedExtractor(BaseChatModel):
    """Replies to an extraction prompt with the scripted memories of the named conversation."""

    script: dict[str, list[dict[str, str]]]

    @property
    def _llm_type(self) -> str:
        return "aionis-demo-scripted-extractor"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        prompt = "\n".join(_text_of(m) for m in messages)
        match = CONVERSATION_HEADER.search(prompt)
        memories = self.script.get(match.group(1), []) if match else []
        reply = AIMessage(content=json.dumps(memories, ensure_ascii=False))
        return ChatResult(generations=[ChatGeneration(message=reply)])


class HashEmbeddings(Embeddings):
    """LangChain ``Embeddings`` over the reference server's deterministic hashing provider,
    so an ``InMemoryStore`` ranks with exactly the vectors the Aionis server computes."""

    def __init__(self, dim: int = 1536) -> None:
        from aionis_server.embeddings import HashingEmbedder

        self.dim = dim
        self._embedder = HashingEmbedder(dim)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [[float(x) for x in row] for row in self._embedder.embed(texts)]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def load_models(
    script: dict[str, list[dict[str, str]]], spec: str | None = None
) -> tuple[BaseChatModel, BaseChatModel, str]:
    """(answer model, extraction model, description). ``spec`` defaults to ``$AIONIS_DEMO_LLM``;
    empty means the scripted models."""
    spec = spec if spec is not None else os.environ.get(LLM_ENV, "")
    if not spec.strip():
        return ScriptedSupportModel(), ScriptedExtractor(script=script), "scripted (offline)"
    try:
        from langchain.chat_models import init_chat_model
    except ImportError as exc:  # pragma: no cover - depends on the optional install
        raise RuntimeError(
            f"{LLM_ENV}={spec!r} needs the 'langchain' package and the provider's package "
            "(e.g. pip install langchain langchain-openai)"
        ) from exc
    model: BaseChatModel = init_chat_model(spec, temperature=0)
    return model, model, f"real model {spec}"


def memories_from_reply(reply: BaseMessage) -> list[dict[str, str]]:
    """Parse an extraction reply: a JSON array of ``{key, kind, text}`` (code fences allowed)."""
    text = _text_of(reply).strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    start, end = text.find("["), text.rfind("]")
    if start < 0 or end < start:
        return []
    try:
        raw = json.loads(text[start : end + 1])
    except json.JSONDecodeError:
        return []
    out: list[dict[str, str]] = []
    for item in raw if isinstance(raw, Sequence) else []:
        if isinstance(item, Mapping) and item.get("key") and item.get("text"):
            out.append(
                {
                    "key": str(item["key"]),
                    "kind": str(item.get("kind", "")),
                    "text": str(item["text"]),
                }
            )
    return out
