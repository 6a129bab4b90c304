"""LangChain integrations over Aionis memory: a retriever and remember/recall tools.

from aionis_sdk import AionisClient
from aionis_langchain import AionisRetriever, create_aionis_tools

client = AionisClient(agent_id="assistant")
retriever = AionisRetriever(client=client, k=5)
tools = create_aionis_tools(client)
"""

from ._recall import documents_from_recall
from .retriever import AionisRetriever
from .tools import (
    AionisRecallTool,
    AionisRememberTool,
    RecallInput,
    RememberInput,
    create_aionis_tools,
)

__all__ = [
    "AionisRecallTool",
    "AionisRememberTool",
    "AionisRetriever",
    "RecallInput",
    "RememberInput",
    "create_aionis_tools",
    "documents_from_recall",
]
