"""Numbered schema migrations: what they are and the registry that orders them.

Each layer that owns tables (``library``, ``index``, ...) registers its migrations under a scope
with :meth:`Migrations.register`; the numbers of a scope never change once shipped. The
registry answers two questions for :mod:`library.db`: which migrations a database still needs,
and whether a database was made by a newer Syllabus (it has a number this one does not know).

This module imports nothing of the project, so the registry (``library.schema.MIGRATIONS``),
the migrations and the connection code depend on it without depending on each other.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass

MigrationFn = Callable[[sqlite3.Connection], None]


@dataclass(frozen=True)
class Migration:
    scope: str
    number: int
    name: str
    apply: MigrationFn


class Migrations:
    """The registered migrations, by scope. ``library`` runs first: the other scopes build on it."""

    def __init__(self) -> None:
        self._by_scope: dict[str, list[Migration]] = {}

    def register(self, scope: str, number: int) -> Callable[[MigrationFn], MigrationFn]:
        """Decorator: register ``fn`` as migration ``number`` of ``scope``."""

        def register(fn: MigrationFn) -> MigrationFn:
            existing = self._by_scope.setdefault(scope, [])
            if any(m.number == number for m in existing):
                raise RuntimeError(f"duplicate migration {scope} {number}")
            existing.append(Migration(scope, number, fn.__name__, fn))
            existing.sort(key=lambda m: m.number)
            return fn

        return register

    def unregister(self, scope: str) -> None:
        """Forget a scope (tests register throwaway migrations)."""
        self._by_scope.pop(scope, None)

    def ordered(self) -> list[Migration]:
        order = sorted(self._by_scope, key=lambda s: (s != "library", s))
        return [m for scope in order for m in self._by_scope[scope]]

    def pending(self, done: Iterable[tuple[str, int]]) -> list[Migration]:
        applied = set(done)
        return [m for m in self.ordered() if (m.scope, m.number) not in applied]

    def newest(self, scope: str) -> int | None:
        known = self._by_scope.get(scope)
        return known[-1].number if known else None

    def unknown(self, done: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
        """Applied migrations newer than any this Syllabus knows in their scope: the database is from
        a newer version. (Scopes it does not register at all are left alone: a caller may connect
        with only the library's migrations registered.)"""
        out = []
        for scope, number in done:
            newest = self.newest(scope)
            if newest is not None and number > newest:
                out.append((scope, number))
        return sorted(out)


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several SQL statements inside the current transaction.

    ``Connection.executescript`` would COMMIT the open transaction first, so a migration
    that failed half-way could not be rolled back; this runs them one by one instead.
    """
    statement = ""
    # Split at each ";" that completes a statement (a ";" inside a string or trigger body does not).
    for piece in script.split(";"):
        statement += piece + ";"
        if sqlite3.complete_statement(statement):
            if statement.strip(" \t\n;"):
                conn.execute(statement)
            statement = ""
    if statement.strip(" \t\n;"):
        raise ValueError(f"incomplete SQL statement in migration: {statement.strip()[:80]}")
