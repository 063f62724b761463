"""How much of a query a note's words cover, on statistics that mean the same in every library.

SQLite's ``bm25()`` scores a row against the statistics of its own table, and the notes table is
small: with three notes, a word that two of them contain weighs almost nothing, and with one note,
every word it holds weighs nothing at all. Such scores cannot say whether a note matches a query
well enough to be listed beside passages (``index.search``). This does: the share of the query's
information a note contains, each query term weighted by its rarity across notes *and* passages
together — Σ idf(t) over the terms the note has, over Σ idf(t) over all the query's terms, with
FTS5's own idf formula. 1.0: the note has every query word; 0.1: only common ones.

Term counts come from FTS5 (the ``*_terms`` fts5vocab tables of migration index-search 2), under
each term's Porter stem; the stem comes from FTS5 itself, by tokenising the word in a small
in-memory FTS5 table (one per thread, ~0.1 ms a word, memoised). Which candidate notes hold a term
is one FTS5 match per term, limited to the candidates.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Sequence

_TERMS_TABLE = {"note": "notes_terms", "passage": "passages_terms"}
_ROWS_SQL = {"note": "SELECT count(*) FROM notes_fts", "passage": "SELECT count(*) FROM passages"}

_local = threading.local()
_STEMS: dict[str, tuple[str, ...]] = {}


def _stemmer() -> sqlite3.Connection:
    conn = getattr(_local, "stemmer", None)
    if conn is None:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        conn.execute("CREATE VIRTUAL TABLE words USING fts5(w, tokenize = 'porter unicode61')")
        conn.execute("CREATE VIRTUAL TABLE stems USING fts5vocab(words, 'instance')")
        _local.stemmer = conn
    return conn


def stems(term: str) -> tuple[str, ...]:
    """The tokens FTS5 ('porter unicode61') indexes ``term`` under, in order ("Scaling" -> ("scale",))."""
    if term not in _STEMS:
        conn = _stemmer()
        conn.execute("DELETE FROM words")
        conn.execute("INSERT INTO words (w) VALUES (?)", (term,))
        found = tuple(r[0] for r in conn.execute("SELECT term FROM stems ORDER BY offset"))
        if len(_STEMS) > 50_000:  # a long-running app types many queries; the memo stays small
            _STEMS.clear()
        _STEMS[term] = found
    return _STEMS[term]


def _rows(conn: sqlite3.Connection, kind: str) -> int:
    return int(conn.execute(_ROWS_SQL[kind]).fetchone()[0])


def _holding(conn: sqlite3.Connection, kind: str, tokens: Sequence[str]) -> int:
    """Rows of ``kind`` holding a term made of ``tokens`` (a phrase is in at most as many rows as
    its rarest token)."""
    table = _TERMS_TABLE[kind]
    return min(
        (conn.execute(f"SELECT doc FROM {table} WHERE term = ?", (t,)).fetchone() or (0,))[0] for t in tokens
    )


def _idf(rows: int, holding: int) -> float:
    # FTS5's: log((N - n + 0.5) / (n + 0.5)), never below 1e-6 (a word in most rows counts for ~nothing).
    return max(math.log((rows - holding + 0.5) / (holding + 0.5)), 1e-6)


def note_coverage(
    conn: sqlite3.Connection, terms: Sequence[str], note_ids: Sequence[int]
) -> dict[int, float]:
    """For each of ``note_ids``, the idf-weighted share of ``terms`` (the query's) it contains."""
    if not note_ids or not terms:
        return dict.fromkeys(note_ids, 0.0)
    rows = _rows(conn, "note") + _rows(conn, "passage")
    marks = ",".join("?" * len(note_ids))
    weights: list[tuple[float, set[int]]] = []
    for term in terms:
        tokens = stems(term)
        if not tokens:
            continue
        holding = _holding(conn, "note", tokens) + _holding(conn, "passage", tokens)
        phrase = '"' + term.replace('"', '""') + '"'
        having = {
            r[0]
            for r in conn.execute(
                f"SELECT rowid FROM notes_fts WHERE notes_fts MATCH ? AND rowid IN ({marks})",
                (phrase, *note_ids),
            )
        }
        weights.append((_idf(rows, holding), having))
    total = sum(w for w, _ in weights)
    if total <= 0:
        return dict.fromkeys(note_ids, 0.0)
    return {i: sum(w for w, having in weights if i in having) / total for i in note_ids}
