"""Lazily opened state shared by a CLI invocation: the database and the active curriculum."""

from __future__ import annotations

import sqlite3
from functools import cached_property

from library import curricula
from library.catalogue import Curriculum


class Session:
    """Opens nothing until asked: ``syllabus --help`` must not create a database."""

    def __init__(self, curriculum_name: str | None = None):
        self._curriculum_name = curriculum_name

    @cached_property
    def conn(self) -> sqlite3.Connection:
        # The index layer's connect registers its tables too, so every command sees one schema.
        from index.db import connect

        return connect()

    @cached_property
    def curriculum(self) -> Curriculum:
        if self._curriculum_name:
            return curricula.load(self.conn, self._curriculum_name)
        return curricula.active(self.conn)

    def close(self) -> None:
        if "conn" in self.__dict__:
            self.conn.close()
