"""Where the reader was in each reading: a block index and a view, per (curriculum, reading).

The app saves a position whenever the paragraph cursor settles and restores it when the
reading is opened again. Positions are keyed like statuses, by curriculum and item id.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from typing import Literal

from library.db import write
from library.errors import UsageError

View = Literal["section", "whole"]
VIEWS: tuple[View, ...] = ("section", "whole")


@dataclass(frozen=True)
class Position:
    block_index: int
    view: View
    updated_at: float


def get(conn: sqlite3.Connection, curriculum: str, reading_id: str) -> Position | None:
    row = conn.execute(
        "SELECT block_index, view, updated_at FROM reading_positions WHERE curriculum = ? AND reading_id = ?",
        (curriculum, reading_id),
    ).fetchone()
    return Position(row["block_index"], row["view"], row["updated_at"]) if row else None


def save(
    conn: sqlite3.Connection, curriculum: str, reading_id: str, block_index: int, view: View = "section"
) -> Position:
    if view not in VIEWS:
        raise UsageError(f"unknown view {view!r}: use one of {', '.join(VIEWS)}")
    if block_index < 0:
        raise UsageError(f"block index must not be negative, got {block_index}")
    now = time.time()
    with write(conn):
        conn.execute(
            "INSERT INTO reading_positions (curriculum, reading_id, block_index, view, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (curriculum, reading_id) DO UPDATE SET"
            " block_index = excluded.block_index, view = excluded.view, updated_at = excluded.updated_at",
            (curriculum, reading_id, block_index, view, now),
        )
    return Position(block_index, view, now)


def last_opened(conn: sqlite3.Connection, curriculum: str) -> str | None:
    """The reading whose position was saved most recently: where to take the user on start."""
    row = conn.execute(
        "SELECT reading_id FROM reading_positions WHERE curriculum = ? ORDER BY updated_at DESC LIMIT 1",
        (curriculum,),
    ).fetchone()
    return row["reading_id"] if row else None
