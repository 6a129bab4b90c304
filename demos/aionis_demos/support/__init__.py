"""Demo A: cross-session customer-support memory.

A LangGraph support agent answers follow-up questions in new threads from what it remembered
about each customer in earlier conversations. The same agent runs with no long-term memory,
with LangGraph's ``InMemoryStore`` and with Aionis (``AionisStore`` + ``AionisSaver``), before
and after a process restart. Entry points: :func:`aionis_demos.support.demo.run_demo` and
``aionis demo support``.

This package's ``__init__`` imports nothing heavy, so ``aionis --help`` stays fast.
"""
