"""Hybrid search over notes and passages: words (SQLite FTS5, BM25) and meaning (FAISS).

Ranked lists of notes and passages, by words and by meaning, are fused by reciprocal rank
(score = Σ 1/(60 + rank), Cormack et al. 2009): an item found by both words and meaning rises,
one found by either still appears. What enters a list is decided on scales that mean the same for
notes and passages, so that a result list ends where relevance ends instead of always filling ``k``:

* meaning — cosine similarity, one embedding space for both kinds. The nearest passages, and notes
  from :data:`MEANING_FLOOR` up, share one list ranked by cosine; a passage below the floor counts
  only as support for a word match, and is not returned for its meaning alone. A note from the higher
  :data:`NOTE_MEANING_FLOOR` up is close enough to be listed among notes alone, a list that counts
  twice (:data:`CLOSE_NOTE_WEIGHT`): a learner has dozens of notes against thousands of passages,
  and a note written about the very question would otherwise sink under every passage that shares
  its words. (Listed on its own, a weaker note's first place would be worth as much as the best
  passage's: that was the unrelated note at #2.)
* words — passages matching a query word, by BM25; and notes that cover :data:`NOTE_WORDS_FLOOR`
  of the query (:func:`index.word_scores.note_coverage`: its terms weighted by their rarity across
  notes and passages), by BM25 among notes. A note sharing one common word with a question is not
  put beside the passage that answers it.

Two refinements, both measured on tests/benchmarks/bench_retrieval.py with the threshold chosen on
one half of the questions and checked on the other:

* a confident word match leads: when the passages' word list has its best score clearly ahead of its second
  (:data:`CONFIDENT_GAP`), that item is put first, by a score bonus (:data:`LEAD_BONUS`) so that the
  displayed score still falls with the rank. A question that shares rare words with one passage
  only is usually answered by it, and plain RRF could push it below an item that both lists rank
  moderately (this alone lifted MRR@10 from below BM25's to above it);
* equal fused scores go to the item found earlier in the earlier list (words before meaning):
  BM25 is the more precise of the two at the top on every half of the benchmark.

Filters (kind, chapter, reading, tag) are applied inside each list, so a filtered query still
gets ``k`` hits when there are that many.

Before a query, notes whose vector is missing or out of date are embedded (a handful at most,
so a note added a second ago is found by meaning). Passages are not: that is ``index update``'s
job; :func:`index.update.unindexed_documents` says whether any wait for it.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sqlite3
from collections.abc import Iterable, Sequence

import msgspec

from index import vectors
from index.embed import from_blobs, get_embedder
from index.notes import get_note, normalize_tags
from index.update import sync_note_embeddings
from library import curricula, store
from library.errors import NotFound, UsageError

RRF_K = 60
# Added to the fused score of a confident word match: more than any other item can get from the
# two lists (2 / (RRF_K + 1)), so it leads and the displayed scores still fall with the rank.
LEAD_BONUS = 2.0 / (RRF_K + 1)
# Cosine similarity (all-MiniLM-L6-v2) below which an item is not returned for its meaning alone.
# Measured on the retrieval benchmark: 97 % of the questions have an answer passage at or above
# it; 95 % of (question, unrelated note) pairs are below it.
MEANING_FLOOR = 0.30
# A note is listed among notes alone only with stronger evidence: that list is short (dozens of
# notes against thousands of passages), so its first item gets a top rank whatever its score. The
# floors were chosen on the benchmark's notes (tests/benchmarks/notes.json) on one half of the
# queries and checked on the other (README, "Search").
NOTE_MEANING_FLOOR = 0.55
NOTE_WORDS_FLOOR = 0.40
# The list of close notes counts twice: a note that close to the query (above every unrelated
# note of the benchmark) weighs as much as a passage found by both words and meaning, so the note
# a learner wrote about the very question is not ranked below every passage sharing its words.
CLOSE_NOTE_WEIGHT = 2.0
# A BM25 list's top item leads the fused list when (s1 - s2) / s1 exceeds this, s being the
# (positive) BM25 scores of its first two items. Chosen by 2-fold cross-validation on the
# retrieval benchmark: each half picked 0.05 or 0.08 from 0.02-1.0; 0.05-0.10 is a plateau.
CONFIDENT_GAP = 0.08
# How deep each ranked list goes before fusion.
CANDIDATES = 50
# BM25 weight of a passage's section title against its text (FTS5 column weights); measured
# 0.0-2.0 on the retrieval benchmark: no difference beyond noise, so the neutral 1.
TITLE_WEIGHT = 1.0
KINDS = ("note", "passage")
SNIPPET_WORDS = 36

# Words that carry no meaning for BM25 on their own; dropped from the FTS query (not from the
# vector query) unless nothing else is left.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "may",
        "might",
        "of",
        "on",
        "or",
        "our",
        "should",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)


class Hit(msgspec.Struct, kw_only=True):
    kind: str  # "note" | "passage"
    id: int
    reading: str | None  # reading id in the active curriculum
    reading_key: str | None
    arxiv_id: str | None
    section: str | None
    section_title: str | None
    page: int | None
    score: float
    text: str
    snippet: str  # the best window of text, matched words marked «like this»
    note_id: int | None = None
    chapter: int | None = None
    # Where it is in the document's structure: a passage's first block, a note's anchored block.
    block_index: int | None = None
    # For a passage: "text" (prose, with its equations and lists) or "table".
    passage_kind: str | None = None

    @property
    def where(self) -> str:
        parts: list[str] = []
        work = self.reading or self.reading_key
        if work:
            parts.append(work)
        if self.section or self.section_title:
            label = " ".join(p for p in (self.section, self.section_title) if p)
            parts.append(f"§{label}" if self.section else label)
        if self.passage_kind == "table":
            parts.append("table")
        if self.page:
            parts.append(f"p. {self.page}")
        if self.note_id is not None:
            parts.insert(0, f"note {self.note_id}")
        return ", ".join(parts)

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "id": self.id,
            "reading": self.reading,
            "arxiv_id": self.arxiv_id,
            "section": self.section,
            "page": self.page,
            "score": round(self.score, 6),
            "text": self.text,
            "reading_key": self.reading_key,
            "section_title": self.section_title,
            "chapter": self.chapter,
            "note_id": self.note_id,
            "snippet": self.snippet,
            "passage_kind": self.passage_kind,
        }


# --- the query -----------------------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)


def query_terms(query: str) -> list[str]:
    """The words of a query, lowercased and deduplicated; stopwords dropped unless that leaves none."""
    words = list(dict.fromkeys(w.lower() for w in _WORD.findall(query)))
    content = [w for w in words if w not in STOPWORDS]
    return content or words


def fts_query(query: str) -> str | None:
    """A safe FTS5 expression: every term quoted (so `AND`, `*`, `"` or `:` are just words), ORed.

    OR rather than FTS5's implicit AND: a question rarely has all its words in one passage, and
    BM25 already ranks passages with more (and rarer) of them first.
    """
    terms = query_terms(query)
    if not terms:
        return None
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


# --- where hits come from ------------------------------------------------------------------------

_READINGS_CACHE: dict[tuple, dict[str, tuple[str, int]]] = {}


def reading_map(conn: sqlite3.Connection) -> dict[str, tuple[str, int]]:
    """reading_key -> (reading id, chapter number) in the active curriculum; a chapter's own reading
    is preferred over an exercise resource for the same work."""
    name = curricula.active_name(conn)
    row = conn.execute("SELECT updated_at FROM curricula WHERE name = ?", (name,)).fetchone()
    added = conn.execute("SELECT max(id) FROM user_readings WHERE curriculum = ?", (name,)).fetchone()
    database = conn.execute("PRAGMA database_list").fetchone()[2]
    # Changes when the curriculum is re-imported, when `syllabus add` adds a reading, or when
    # another data home is opened in the same process.
    key = (database, name, row[0] if row else None, added[0])
    if key not in _READINGS_CACHE:
        try:
            curriculum = curricula.active(conn)
        except NotFound:
            return {}
        out: dict[str, tuple[str, int]] = {}
        for with_resources in (False, True):
            for chapter, reading in curriculum.all_readings(with_resources=with_resources):
                out.setdefault(store.key_of(reading), (reading.id, chapter.number))
        _READINGS_CACHE.clear()
        _READINGS_CACHE[key] = out
    return _READINGS_CACHE[key]


def chapter_keys(conn: sqlite3.Connection, chapter: int) -> list[str]:
    curriculum = curricula.active(conn)
    curriculum.chapter(chapter)  # raises a UsageError naming the chapters that exist
    return [k for k, (_, n) in reading_map(conn).items() if n == chapter]


class _Filters:
    """SQL conditions on notes (alias n) and passages (alias p) for the filters given."""

    def __init__(self, conn, *, kinds, chapter, reading_key, tag):
        self.kinds = tuple(kinds)
        unknown = set(self.kinds) - set(KINDS)
        if unknown or not self.kinds:
            raise UsageError(f"kinds must be among {', '.join(KINDS)}")
        self.note_sql, self.note_params = ["n.deleted_at IS NULL"], []
        self.passage_sql, self.passage_params = [], []
        self.restricted = False
        if chapter is not None:
            keys = chapter_keys(conn, chapter)
            marks = ",".join("?" * len(keys)) or "NULL"
            self.note_sql.append(f"(n.chapter = ? OR n.reading_key IN ({marks}))")
            self.note_params += [chapter, *keys]
            self.passage_sql.append(f"p.reading_key IN ({marks})")
            self.passage_params += keys
            self.restricted = True
        if reading_key is not None:
            self.note_sql.append("n.reading_key = ?")
            self.note_params.append(reading_key)
            self.passage_sql.append("p.reading_key = ?")
            self.passage_params.append(reading_key)
            self.restricted = True
        if tag is not None:
            self.note_sql.append("n.id IN (SELECT note_id FROM note_tags WHERE tag = ?)")
            self.note_params.append(normalize_tags([tag])[0])
            self.kinds = tuple(k for k in self.kinds if k == "note")  # passages have no tags
            self.restricted = True

    def where(self, kind: str) -> tuple[str, list]:
        sql, params = (
            (self.note_sql, self.note_params) if kind == "note" else (self.passage_sql, self.passage_params)
        )
        return (" AND ".join(sql) if sql else "1"), params

    def allowed(self, conn, kind: str) -> set[int] | None:
        if not self.restricted:
            return None
        where, params = self.where(kind)
        table = "notes n" if kind == "note" else "passages p"
        alias = "n" if kind == "note" else "p"
        return {r[0] for r in conn.execute(f"SELECT {alias}.id FROM {table} WHERE {where}", params)}


# --- the two retrievers --------------------------------------------------------------------------


def bm25_scored(
    conn: sqlite3.Connection, kind: str, query: str, filters: _Filters, limit: int
) -> list[tuple[int, float]]:
    """(id, score) best first; score is FTS5's BM25 negated, so higher is better."""
    expr = fts_query(query)
    if expr is None:
        return []
    where, params = filters.where(kind)
    if kind == "note":
        sql = (
            "SELECT f.rowid, -bm25(notes_fts) AS score FROM notes_fts f JOIN notes n ON n.id = f.rowid"
            f" WHERE notes_fts MATCH ? AND {where} ORDER BY score DESC LIMIT ?"
        )
    elif where != "1":  # a filter on the passages (chapter, reading)
        sql = (
            f"SELECT f.rowid, -bm25(passages_fts, 1.0, {TITLE_WEIGHT}) AS score FROM passages_fts f"
            f" JOIN passages p ON p.id = f.rowid WHERE passages_fts MATCH ? AND {where} ORDER BY score DESC LIMIT ?"
        )
    else:
        # No filter: the index alone (its rows are the passages' own, kept by triggers). Looking up
        # every matching passage row for the join cost ~3 ms a query at 100k passages (of ~5).
        sql = (
            f"SELECT rowid, -bm25(passages_fts, 1.0, {TITLE_WEIGHT}) AS score FROM passages_fts"
            " WHERE passages_fts MATCH ? ORDER BY score DESC LIMIT ?"
        )
    return [(r[0], r[1]) for r in conn.execute(sql, (expr, *params, limit))]


def bm25_ranked(conn: sqlite3.Connection, kind: str, query: str, filters: _Filters, limit: int) -> list[int]:
    return [i for i, _ in bm25_scored(conn, kind, query, filters, limit)]


def confident_top(scored: Sequence[tuple[object, float]], gap: float | None = None) -> bool:
    """Whether a BM25 list's first item is clearly ahead of its second (a lone hit is)."""
    gap = CONFIDENT_GAP if gap is None else gap  # read now, so the benchmark can vary it
    if not scored:
        return False
    if len(scored) == 1:
        return True
    first, second = scored[0][1], scored[1][1]
    return first > 0 and (first - second) / first > gap


def vector_ranked(
    conn: sqlite3.Connection,
    kind: str,
    vector,
    embedder,
    filters: _Filters | None,
    limit: int,
    allowed: set[int] | None = None,
) -> list[tuple[int, float]]:
    index = vectors.open_index(conn, kind, embedder.name, embedder.dim)
    if allowed is None and filters is not None:
        allowed = filters.allowed(conn, kind)
    return index.search(conn, vector, limit, allowed)


# Per process: the notes' state when their vectors were last checked, so a warm query skips it.
_NOTES_CHECKED: dict[tuple[str, str], tuple[tuple, tuple]] = {}


def _notes_signature(conn: sqlite3.Connection) -> tuple:
    return tuple(
        conn.execute(
            "SELECT (SELECT count(*) FROM notes), (SELECT max(updated_at) FROM notes),"
            " (SELECT count(*) FROM notes WHERE deleted_at IS NOT NULL), (SELECT max(deleted_at) FROM notes),"
            " (SELECT count(*) FROM note_tags), (SELECT max(updated_at) FROM anchors),"
            " (SELECT count(*) FROM anchors)"
        ).fetchone()
    )


def ensure_note_vectors(conn: sqlite3.Connection, embedder) -> int:
    """Embed notes added or edited since their vectors were made; returns how many."""
    key = (vectors._db_file(conn), embedder.name)
    # Nothing committed anywhere since the last check (another connection bumps data_version,
    # this one total_changes): the notes cannot have changed. O(1), where the signature below
    # scans the notes (~4 ms at 10k).
    # (The connection itself is kept, not its id: a new connection could reuse a freed id.)
    stamp = (conn, conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes)
    checked = _NOTES_CHECKED.get(key)
    if checked is not None and checked[0][0] is conn and checked[0][1:] == stamp[1:]:
        return 0
    signature = _notes_signature(conn)
    if checked is not None and checked[1] == signature:
        _NOTES_CHECKED[key] = (stamp, signature)
        return 0
    embedded, _ = sync_note_embeddings(conn, embedder)
    stamp = (conn, conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes)
    _NOTES_CHECKED[key] = (stamp, _notes_signature(conn))
    return embedded


def query_vector(embedder, text: str):
    """The query's vector; a model that gives a non-finite one is broken, and says so (one line)."""
    from index.embed import check_finite

    return check_finite(embedder, embedder.embed([text.strip()]))[0]


def fuse(
    ranked_lists: Iterable[Sequence[tuple[str, int]]],
    k: int = RRF_K,
    leaders: Iterable[tuple[str, int]] = (),
    weights: Sequence[float] | None = None,
) -> list[tuple[tuple[str, int], float]]:
    """Reciprocal-rank fusion of lists of (kind, id), best first in each; best first.

    A list counts ``weights[i]`` times (1 by default). Equal scores keep the order in which items
    were first met (list by list, rank by rank), so the earlier list wins a tie. ``leaders`` (a
    confident word match) get :data:`LEAD_BONUS`, which puts them first; the score returned is the
    one ranked by, so it falls with the rank.
    """
    scores: dict[tuple[str, int], float] = {}
    for n, ranked in enumerate(ranked_lists):
        weight = 1.0 if weights is None else weights[n]
        for rank, item in enumerate(ranked, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    for item in set(leaders):
        if item in scores:
            scores[item] += LEAD_BONUS
    first_met = {item: n for n, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda kv: (-kv[1], first_met[kv[0]]))


def word_ranked(
    conn: sqlite3.Connection, kind: str, query: str, filters: _Filters, limit: int
) -> list[tuple[int, float]]:
    """(id, BM25) of the ``kind`` items matching a query word, best first; notes only when they
    cover :data:`NOTE_WORDS_FLOOR` of the query (:func:`index.word_scores.note_coverage`)."""
    from index import word_scores

    scored = bm25_scored(conn, kind, query, filters, limit)
    if kind != "note" or not scored:
        return scored
    coverage = word_scores.note_coverage(conn, query_terms(query), [i for i, _ in scored])
    return [(i, s) for i, s in scored if coverage[i] >= NOTE_WORDS_FLOOR]


def meaning_lists(
    conn: sqlite3.Connection, vector, embedder, filters: _Filters, limit: int
) -> tuple[list[list[tuple[str, int]]], dict[tuple[str, int], float]]:
    """The ranked lists of items close in meaning to ``vector``, and every listed item's cosine.

    One list of notes close enough to be listed on their own (:data:`NOTE_MEANING_FLOOR`); one shared
    by the nearest passages and the other notes from :data:`MEANING_FLOOR` up, ranked by cosine.
    Passages below the floor stay in the shared list — their rank is evidence for a passage that
    also matches the query's words — and :func:`search` drops any that have nothing else.
    """
    near = {kind: vector_ranked(conn, kind, vector, embedder, filters, limit) for kind in filters.kinds}
    notes = near.get("note", [])
    own = [("note", i) for i, s in notes if s >= NOTE_MEANING_FLOOR]
    shared = [(("passage", i), s) for i, s in near.get("passage", [])]
    shared += [(("note", i), s) for i, s in notes if MEANING_FLOOR <= s < NOTE_MEANING_FLOOR]
    shared.sort(key=lambda kv: -kv[1])
    cosines = {(kind, i): s for kind, items in near.items() for i, s in items}
    return [[item for item, _ in shared[:limit]], own], cosines


def _anything(conn: sqlite3.Connection, kinds: Sequence[str]) -> bool:
    """Whether there is anything to search by meaning (an empty library never loads the model)."""
    return any(
        conn.execute(
            "SELECT EXISTS (SELECT 1 FROM notes WHERE deleted_at IS NULL)"
            if kind == "note"
            else "SELECT EXISTS (SELECT 1 FROM passages)"
        ).fetchone()[0]
        for kind in kinds
    )


def search(
    conn: sqlite3.Connection,
    query: str,
    *,
    kinds: Sequence[str] = KINDS,
    chapter: int | None = None,
    reading_key: str | None = None,
    tag: str | None = None,
    k: int = 10,
    embedder=None,
    mode: str = "hybrid",
) -> list[Hit]:
    """The ``k`` best notes and passages for ``query``. ``mode``: "hybrid", "bm25" or "vector"."""
    if not query or not query.strip():
        raise UsageError("empty search query")
    if k < 1:
        raise UsageError("k must be at least 1")
    if mode not in ("hybrid", "bm25", "vector"):
        raise UsageError(f"unknown search mode {mode!r}")
    filters = _Filters(conn, kinds=kinds, chapter=chapter, reading_key=reading_key, tag=tag)
    depth = max(CANDIDATES, 2 * k)
    lists: list[list[tuple[str, int]]] = []
    weights: list[float] = []
    leaders: list[tuple[str, int]] = []
    worded: set[tuple[str, int]] = set()
    cosines: dict[tuple[str, int], float] = {}
    if mode in ("hybrid", "bm25"):
        for kind in filters.kinds:
            scored = word_ranked(conn, kind, query, filters, depth)
            lists.append([(kind, i) for i, _ in scored])
            weights.append(1.0)
            worded.update((kind, i) for i, _ in scored)
            # Measured on passages; a note list's top is too often a lone, weak match to lead.
            if mode == "hybrid" and kind == "passage" and confident_top(scored):
                leaders.append((kind, scored[0][0]))
    if mode in ("hybrid", "vector") and _anything(conn, filters.kinds):
        if embedder is None:
            embedder = get_embedder(conn)
        if "note" in filters.kinds:
            ensure_note_vectors(conn, embedder)
        vector = query_vector(embedder, query)
        (shared, own), cosines = meaning_lists(conn, vector, embedder, filters, depth)
        lists += [shared, own]
        weights += [1.0, CLOSE_NOTE_WEIGHT]
    # An item with neither a word match nor a similarity from the floor up is not returned.
    fused = [
        (item, score)
        for item, score in fuse(lists, leaders=leaders, weights=weights)
        if item in worded or cosines.get(item, 0.0) >= MEANING_FLOOR
    ]
    return hydrate(conn, fused, k, query)


# --- turning ids into hits -----------------------------------------------------------------------


def hydrate(
    conn: sqlite3.Connection, scored: Sequence[tuple[tuple[str, int], float]], k: int, query: str | None
) -> list[Hit]:
    """Hits for the best ``k`` of ``scored`` that still exist (a note deleted meanwhile is skipped)."""
    readings = reading_map(conn)
    terms = query_terms(query) if query else []
    hits: list[Hit] = []
    for start in range(0, len(scored), max(k, 20)):
        chunk = scored[start : start + max(k, 20)]
        rows = _rows(conn, [item for item, _ in chunk])
        for item, score in chunk:
            row = rows.get(item)
            if row is None:
                continue
            hits.append(_hit(item[0], row, score, readings, terms))
            if len(hits) == k:
                return hits
    return hits


def _rows(conn: sqlite3.Connection, items: list[tuple[str, int]]) -> dict[tuple[str, int], object]:
    out: dict[tuple[str, int], object] = {}
    note_ids = [i for kind, i in items if kind == "note"]
    passage_ids = [i for kind, i in items if kind == "passage"]
    for i in note_ids:
        with contextlib.suppress(NotFound):
            out[("note", i)] = get_note(conn, i)
    if passage_ids:
        marks = ",".join("?" * len(passage_ids))
        for r in conn.execute(f"SELECT * FROM passages WHERE id IN ({marks})", passage_ids):
            out[("passage", r["id"])] = r
    return out


def _arxiv(reading_key: str | None) -> str | None:
    return reading_key.split(":", 1)[1] if reading_key and reading_key.startswith("arxiv:") else None


def _hit(kind: str, row, score: float, readings: dict, terms: list[str]) -> Hit:
    if kind == "note":
        note = row
        reading_id, chapter = readings.get(note.reading_key or "", (None, None))
        anchor = note.anchor
        return Hit(
            kind="note",
            id=note.id,
            note_id=note.id,
            reading=note.reading_id or reading_id,
            reading_key=note.reading_key,
            arxiv_id=_arxiv(note.reading_key),
            section=anchor.section if anchor else None,
            section_title=None,
            page=anchor.page if anchor else None,
            score=score,
            text=note.body,
            snippet=snippet(note.body, terms),
            chapter=note.chapter if note.chapter is not None else chapter,
            block_index=anchor.block_index if anchor else None,
        )
    reading_id, chapter = readings.get(row["reading_key"], (None, None))
    return Hit(
        kind="passage",
        id=row["id"],
        reading=reading_id,
        reading_key=row["reading_key"],
        arxiv_id=_arxiv(row["reading_key"]),
        section=row["section"],
        section_title=row["section_title"],
        page=row["page"],
        score=score,
        text=row["text"],
        snippet=snippet(row["text"], terms),
        chapter=chapter,
        block_index=row["block_start"],
        passage_kind=row["kind"],
    )


# --- snippets ------------------------------------------------------------------------------------


class _Terms:
    """Query terms, indexed for the per-word test a snippet makes (thousands of words per query)."""

    def __init__(self, terms: tuple[str, ...]):
        self.exact = frozenset(terms)
        self.by_prefix: dict[str, list[str]] = {}
        for t in terms:
            if len(t) >= 4:
                self.by_prefix.setdefault(t[:4], []).append(t)
        # Raw word -> whether it is marked: a query's ten snippets share most of their words, so
        # each distinct word is stripped and compared once (3.4 -> ~1 ms a query at 10 hits).
        self.marked: dict[str, bool] = {}

    def hit(self, raw: str) -> bool:
        """Whether the word ``raw`` (as it stands in the text, punctuation and all) is marked."""
        found = self.marked.get(raw)
        if found is None:
            found = self.marked[raw] = self.match(raw.strip(_PUNCT))
        return found

    def match(self, word: str) -> bool:
        """``word`` is a term up to an English ending (scaled ~ scaling, dimension ~ dimensions)."""
        w = word.lower()
        if w in self.exact:
            return True
        if len(w) < 4:
            return False
        for t in self.by_prefix.get(w[:4], ()):
            common = 4
            for a, b in zip(w[4:], t[4:], strict=False):
                if a != b:
                    break
                common += 1
            if common >= min(len(w), len(t)) - 3:
                return True
        return False


_PUNCT = ".,;:()[]\"'!?"


@functools.lru_cache(maxsize=4)
def _terms_index(terms: tuple[str, ...]) -> _Terms:
    """One index per query, shared by its snippets (and kept for the query typed next)."""
    return _Terms(terms)


def snippet(text: str, terms: list[str], width: int = SNIPPET_WORDS) -> str:
    """The window of ``width`` words with the most query words, each marked «so»; "…" where cut."""
    words = text.split()
    if not words:
        return ""
    index = _terms_index(tuple(terms))
    hits = [index.hit(w) for w in words] if terms else [False] * len(words)
    best_start, best = 0, -1
    running = sum(hits[:width])
    for start in range(0, max(1, len(words) - width + 1)):
        if start:
            running += hits[start + width - 1] if start + width - 1 < len(words) else 0
            running -= hits[start - 1]
        if running > best:
            best, best_start = running, start
    # Start a little before the first match so it has some context.
    first = next((i for i in range(best_start, min(len(words), best_start + width)) if hits[i]), best_start)
    start = max(0, min(best_start, first - 4))
    end = min(len(words), start + width)
    out = []
    for i in range(start, end):
        w = words[i]
        if hits[i]:
            core = w.strip(_PUNCT)
            pre, post = w[: w.find(core)], w[w.find(core) + len(core) :]
            w = f"{pre}«{core}»{post}"
        out.append(w)
    return ("… " if start > 0 else "") + " ".join(out) + (" …" if end < len(words) else "")


# --- related -------------------------------------------------------------------------------------


def related(
    conn: sqlite3.Connection,
    *,
    note_id: int | None = None,
    reading_key: str | None = None,
    text: str | None = None,
    k: int = 10,
    embedder=None,
) -> list[Hit]:
    """Notes and passages closest in meaning to a note, a reading (its passages' centroid) or a text.

    The note itself, or the reading's own notes and passages, are left out: the point is to find
    what else connects to it.
    """
    import numpy as np

    if sum(x is not None for x in (note_id, reading_key, text)) != 1:
        raise UsageError("related needs exactly one of a note, a reading or a text")
    embedder = embedder or get_embedder(conn)
    ensure_note_vectors(conn, embedder)
    exclude: set[tuple[str, int]] = set()
    if note_id is not None:
        get_note(conn, note_id)  # NotFound for a wrong id
        row = conn.execute(
            "SELECT vector, dim FROM embeddings WHERE kind = 'note' AND item_id = ? AND model = ?",
            (note_id, embedder.name),
        ).fetchone()
        vector = from_blobs([row[0]], row[1])[0]
        exclude.add(("note", note_id))
    elif reading_key is not None:
        rows = conn.execute(
            "SELECT e.vector, e.dim, p.id FROM embeddings e JOIN passages p ON e.kind = 'passage' AND e.item_id = p.id"
            " WHERE p.reading_key = ? AND e.model = ?",
            (reading_key, embedder.name),
        ).fetchall()
        note_rows = conn.execute(
            "SELECT e.vector, e.dim, n.id FROM embeddings e JOIN notes n ON e.kind = 'note' AND e.item_id = n.id"
            " WHERE n.reading_key = ? AND e.model = ? AND n.deleted_at IS NULL",
            (reading_key, embedder.name),
        ).fetchall()
        exclude |= {("passage", r[2]) for r in rows} | {("note", r[2]) for r in note_rows}
        both = rows + note_rows
        if not both:
            raise NotFound(
                f"nothing indexed for {reading_key} yet: fetch it and run `syllabus index update`, or add a note to it"
            )
        vector = from_blobs([r[0] for r in both], both[0][1]).mean(axis=0)
        vector = (vector / max(float(np.linalg.norm(vector)), 1e-12)).astype(np.float32)
    else:
        vector = query_vector(embedder, text or "")
    scored: list[tuple[tuple[str, int], float]] = []
    for kind in KINDS:
        extra = sum(1 for e in exclude if e[0] == kind)
        for i, s in vector_ranked(conn, kind, vector, embedder, None, k + extra):
            if (kind, i) not in exclude and s >= MEANING_FLOOR:
                scored.append(((kind, i), s))
    scored.sort(key=lambda kv: -kv[1])
    return hydrate(conn, scored, k, None)
