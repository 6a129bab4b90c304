"""LangChain retriever and tools over Aionis memory."""
