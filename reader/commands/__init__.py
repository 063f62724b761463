"""CLI command modules, one per area. Each exposes ``COMMANDS``, a list of click commands."""
