"""The Aionis demos as importable code: ``aionis demo support`` and ``aionis demo tools``."""
