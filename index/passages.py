"""Cut a document's structure into passages for search.

A passage is a run of consecutive prose blocks (paragraphs, list items, equations, code) inside
one section — the deepest section that contains them — of roughly :data:`TARGET_WORDS` words.
A passage never crosses a section boundary, so a hit can always say "Section 3.2.1, page 4".
Headings close the current passage; captions, tables and footnotes are skipped (they sit
between paragraphs in reading order but are not part of the argument).

The length is bounded because the embedding model reads at most 256 word pieces (~190 words):
words past that are invisible to vector search, so passages aim a little below it and only
grow to :data:`MAX_WORDS` rather than leave a sliver behind.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import time
from dataclasses import dataclass

from library.db import inserted_id, write
from library.structure.model import Block, DocumentStructure, Section

# Bump when the splitting rules change: every document is then re-split by `index update`.
SPLITTER_VERSION = 2

MIN_WORDS = 120
TARGET_WORDS = 170
MAX_WORDS = 280
# A section's last bit shorter than this joins the passage before it (same section only).
TAIL_WORDS = 50

# Lists of citations: matched by every query that names an author or a common word, answering none.
SKIPPED_SECTIONS = re.compile(r"^(references|bibliography|works cited)$", re.I)

# Tables of contents and lists of figures: titles joined by dot leaders (". . . . 24").
DOT_LEADERS = re.compile(r"(?:\. ){4,}")

PROSE_KINDS = frozenset({"paragraph", "list_item", "equation", "code"})
BREAK_KINDS = frozenset({"heading"})


@dataclass(frozen=True)
class Passage:
    section: str | None
    section_title: str | None
    page: int
    block_start: int
    block_end: int  # exclusive
    text: str

    @property
    def hash(self) -> str:
        return text_hash(self.text)

    @property
    def words(self) -> int:
        return len(self.text.split())


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def deepest_sections(structure: DocumentStructure) -> list[Section | None]:
    """For each block position, the deepest section whose block range holds it (None: before any)."""
    owner: list[Section | None] = [None] * len(structure.blocks)
    position = {b.index: i for i, b in enumerate(structure.blocks)}
    # Shallow sections first, so deeper ones overwrite them.
    for section in sorted(structure.sections, key=lambda s: s.level):
        for index in range(section.first_block, section.end_block):
            i = position.get(index)
            if i is not None:
                owner[i] = section
    return owner


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")


def _split_long(text: str) -> list[str]:
    """Split one over-long block at sentence ends into pieces of at most MAX_WORDS words."""
    pieces: list[str] = []
    current: list[str] = []
    count = 0
    for sentence in _SENTENCE_END.split(text):
        n = len(sentence.split())
        if current and count + n > TARGET_WORDS:
            pieces.append(" ".join(current))
            current, count = [], 0
        if n > MAX_WORDS:  # a "sentence" with no full stop (a table flattened to text): cut by words
            words = sentence.split()
            for start in range(0, len(words), TARGET_WORDS):
                pieces.append(" ".join(words[start : start + TARGET_WORDS]))
            continue
        current.append(sentence)
        count += n
    if current:
        pieces.append(" ".join(current))
    return pieces


def split(structure: DocumentStructure) -> list[Passage]:
    """The document's passages in reading order."""
    owners = deepest_sections(structure)
    passages: list[Passage] = []
    group: list[Block] = []
    group_section: Section | None = None
    section_start = 0  # index in `passages` of the current section's first passage

    def words_of(blocks: list[Block]) -> int:
        return sum(len(b.text.split()) for b in blocks)

    def make(blocks: list[Block], section: Section | None, text: str | None = None) -> Passage:
        return Passage(
            section=section.number if section else None,
            section_title=section.title if section else None,
            page=blocks[0].page,
            block_start=blocks[0].index,
            block_end=blocks[-1].index + 1,
            text=text if text is not None else "\n\n".join(b.text.strip() for b in blocks),
        )

    def flush(end_of_section: bool) -> None:
        nonlocal group
        if not group:
            return
        n = words_of(group)
        last = passages[-1] if len(passages) > section_start else None
        if (
            end_of_section
            and last is not None
            and n < TAIL_WORDS
            and last.words + n <= MAX_WORDS + TAIL_WORDS
        ):
            merged = Passage(
                last.section,
                last.section_title,
                last.page,
                last.block_start,
                group[-1].index + 1,
                last.text + "\n\n" + "\n\n".join(b.text.strip() for b in group),
            )
            passages[-1] = merged
        elif len(group) == 1 and n > MAX_WORDS:
            for piece in _split_long(group[0].text.strip()):
                passages.append(make(group, group_section, piece))
        else:
            passages.append(make(group, group_section))
        group = []

    for block, owner in zip(structure.blocks, owners, strict=False):
        if owner is not group_section:
            flush(end_of_section=True)
            group_section = owner
            section_start = len(passages)
        if block.kind in BREAK_KINDS:
            flush(end_of_section=False)
            continue
        if block.kind not in PROSE_KINDS or not block.text.strip():
            continue
        if owner is not None and SKIPPED_SECTIONS.match(owner.title.strip()):
            continue
        if len(DOT_LEADERS.findall(block.text)) >= 2:
            continue
        n = len(block.text.split())
        have = words_of(group)
        if (group and have + n > MAX_WORDS and have >= MIN_WORDS) or (
            group and have + n > MAX_WORDS and n > MAX_WORDS
        ):
            flush(end_of_section=False)
        group.append(block)
        if words_of(group) >= TARGET_WORDS:
            flush(end_of_section=False)
    flush(end_of_section=True)
    return passages


# --- storing -------------------------------------------------------------------------------------


def fingerprint(content_id: str) -> str:
    """What a document's passages depend on: its content and the splitter's rules."""
    return f"{content_id}|splitter-{SPLITTER_VERSION}"


def stored_fingerprint(conn: sqlite3.Connection, document_id) -> str | None:
    row = conn.execute(
        "SELECT fingerprint FROM passage_sources WHERE document_id = ?", (document_id,)
    ).fetchone()
    return row["fingerprint"] if row else None


def replace_passages(
    conn: sqlite3.Connection, *, document_id, reading_key: str, fingerprint: str, passages: list[Passage]
) -> tuple[int, int]:
    """Swap a document's passages for ``passages`` in one transaction. Returns (added, removed).

    Embeddings of the old passages are carried over to new passages with the same text (by
    hash), so re-splitting a document that did not change in substance embeds nothing again.
    """
    with write(conn):
        old = conn.execute(
            "SELECT p.id, p.hash, e.model, e.content_hash, e.dim, e.vector FROM passages p"
            " JOIN embeddings e ON e.kind = 'passage' AND e.item_id = p.id WHERE p.document_id = ?",
            (document_id,),
        ).fetchall()
        carried: dict[tuple[str, str], tuple] = {(r["hash"], r["model"]): tuple(r) for r in old}
        old_ids = [
            r[0] for r in conn.execute("SELECT id FROM passages WHERE document_id = ?", (document_id,))
        ]
        conn.executemany(
            "DELETE FROM embeddings WHERE kind = 'passage' AND item_id = ?", [(i,) for i in old_ids]
        )
        conn.execute("DELETE FROM passages WHERE document_id = ?", (document_id,))
        for p in passages:
            cur = conn.execute(
                "INSERT INTO passages (document_id, reading_key, section, section_title, page, block_start,"
                " block_end, text, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    document_id,
                    reading_key,
                    p.section,
                    p.section_title,
                    p.page,
                    p.block_start,
                    p.block_end,
                    p.text,
                    p.hash,
                ),
            )
            new_id = inserted_id(cur)
            for (h, model), row in carried.items():
                if h == p.hash:
                    conn.execute(
                        "INSERT OR REPLACE INTO embeddings (kind, item_id, model, content_hash, dim, vector)"
                        " VALUES ('passage', ?, ?, ?, ?, ?)",
                        (new_id, model, row[3], row[4], row[5]),
                    )
        conn.execute(
            "INSERT INTO passage_sources (document_id, reading_key, fingerprint, passage_count, indexed_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (document_id) DO UPDATE SET reading_key = excluded.reading_key,"
            " fingerprint = excluded.fingerprint, passage_count = excluded.passage_count,"
            " indexed_at = excluded.indexed_at",
            (document_id, reading_key, fingerprint, len(passages), time.time()),
        )
    return len(passages), len(old_ids)


def remove_document(conn: sqlite3.Connection, document_id) -> int:
    """Drop the passages (and their embeddings) of a document that is no longer in the library."""
    with write(conn):
        ids = [r[0] for r in conn.execute("SELECT id FROM passages WHERE document_id = ?", (document_id,))]
        conn.executemany("DELETE FROM embeddings WHERE kind = 'passage' AND item_id = ?", [(i,) for i in ids])
        conn.execute("DELETE FROM passages WHERE document_id = ?", (document_id,))
        conn.execute("DELETE FROM passage_sources WHERE document_id = ?", (document_id,))
    return len(ids)
