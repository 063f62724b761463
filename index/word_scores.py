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
in-memory FTS5 table (one per thread, ~0.1 ms a word, memoised), which also tells which of the
candidate notes hold which terms.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Sequence

_TERMS_TABLE = {"note": "notes_terms", "passage": "passages_terms"}
# Row counts for the idf: the tables themselves (SQLite counts a b-tree fast; notes_fts would be
# scanned). Deleted notes are counted too: a few more rows change an idf by next to nothing.
_ROWS_SQL = {"note": "SELECT count(*) FROM notes", "passage": "SELECT count(*) FROM passages"}

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


# Passages' term counts, per database and state of the passages table: counting a common term's
# rows walks its whole posting list (~4 ms for a word in 8 % of 100k passages), and passages only
# change with `index update`, so a warm query pays it once per word.
_PASSAGE_COUNTS: dict[tuple, dict[str, int]] = {}


def _passage_counts(conn: sqlite3.Connection) -> tuple[int, dict[str, int]]:
    """How many passages there are, and the memo of their term counts as they are now."""
    database = conn.execute("PRAGMA database_list").fetchone()[2]
    # Two queries: each alone is O(1) (SQLite counts a b-tree's pages, max(id) is its last row);
    # asked together they scan the whole table (~6 ms at 100k passages).
    rows = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
    last = conn.execute("SELECT max(id) FROM passages").fetchone()[0]
    state = (database, rows, last)
    if state not in _PASSAGE_COUNTS:
        _PASSAGE_COUNTS.clear()
        _PASSAGE_COUNTS[state] = {}
    return rows, _PASSAGE_COUNTS[state]


def _rows_holding(conn: sqlite3.Connection, kind: str, tokens: Sequence[str], memo: dict[str, int]) -> int:
    """Rows of ``kind`` holding a term made of ``tokens`` (a phrase is in at most as many rows as
    its rarest token). ``memo`` keeps counts that stay valid (passages'); notes change too often."""
    sql = f"SELECT doc FROM {_TERMS_TABLE[kind]} WHERE term = ?"
    found = []
    for token in tokens:
        if token not in memo:
            count = int((conn.execute(sql, (token,)).fetchone() or (0,))[0])
            if kind == "note":
                found.append(count)
                continue
            memo[token] = count
        found.append(memo[token])
    return min(found)


def _idf(rows: int, holding: int) -> float:
    # FTS5's: log((N - n + 0.5) / (n + 0.5)), never below 1e-6 (a word in most rows counts for ~nothing).
    return max(math.log((rows - holding + 0.5) / (holding + 0.5)), 1e-6)


# A note's indexed text -> its stems: the notes a query finds by their words come back query after
# query (search as you type asks again at each key), and tokenising them is most of this module's
# cost (~2 ms for 50 notes). Keyed by the text itself, so an edited note is simply a new entry.
_NOTE_STEMS: dict[str, frozenset[str]] = {}
_NOTE_STEMS_MAX = 20_000


def _holders(conn: sqlite3.Connection, note_ids: Sequence[int]) -> dict[str, set[int]]:
    """For each stem in the given notes' indexed text (body, quote, tags), the notes holding it: the
    few candidate notes are tokenised again in the in-memory table (~1 ms for 50, memoised), which
    costs less than asking notes_fts once per query term (it walks the term's posting list each time)."""
    marks = ",".join("?" * len(note_ids))
    texts = {
        r[0]: " ".join(x for x in r[1:] if x)
        for r in conn.execute(
            f"SELECT rowid, body, exact, tags FROM notes_fts WHERE rowid IN ({marks})", tuple(note_ids)
        )
    }
    # Read once into a local: another thread may clear the memo meanwhile.
    known: dict[int, frozenset[str] | None] = {i: _NOTE_STEMS.get(text) for i, text in texts.items()}
    new = {i: texts[i] for i, stems_of in known.items() if stems_of is None}
    if new:
        memory = _stemmer()
        memory.execute("DELETE FROM words")
        memory.executemany("INSERT INTO words (rowid, w) VALUES (?, ?)", list(new.items()))
        found: dict[int, set[str]] = {i: set() for i in new}
        for doc, term in memory.execute("SELECT DISTINCT doc, term FROM stems"):
            found[doc].add(term)
        if len(_NOTE_STEMS) + len(new) > _NOTE_STEMS_MAX:
            _NOTE_STEMS.clear()
        for i, terms in found.items():
            known[i] = _NOTE_STEMS[new[i]] = frozenset(terms)
    out: dict[str, set[int]] = {}
    for i, stems_of in known.items():
        for term in stems_of or ():
            out.setdefault(term, set()).add(i)
    return out


def note_coverage(
    conn: sqlite3.Connection, terms: Sequence[str], note_ids: Sequence[int]
) -> dict[int, float]:
    """For each of ``note_ids``, the idf-weighted share of ``terms`` (the query's) it contains."""
    if not note_ids or not terms:
        return dict.fromkeys(note_ids, 0.0)
    passages, passage_memo = _passage_counts(conn)
    rows = _rows(conn, "note") + passages
    holders = _holders(conn, note_ids)
    weights: list[tuple[float, set[int]]] = []
    for term in terms:
        tokens = stems(term)
        if not tokens:
            continue
        holding = _rows_holding(conn, "note", tokens, {}) + _rows_holding(
            conn, "passage", tokens, passage_memo
        )
        having = set.intersection(*(holders.get(t, set()) for t in tokens))
        weights.append((_idf(rows, holding), having))
    total = sum(w for w, _ in weights)
    if total <= 0:
        return dict.fromkeys(note_ids, 0.0)
    return {i: sum(w for w, having in weights if i in having) / total for i in note_ids}
