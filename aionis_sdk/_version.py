"""The distribution version, kept in one place for the user-agent and the CLI."""

__version__ = "1.0.0.dev0"
