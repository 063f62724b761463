"""Cut a document's structure into passages for search: only the text a reader would quote.

A passage is a run of consecutive prose blocks (paragraphs, list items, equations, code) inside
one section — the deepest section that contains them — of roughly :data:`TARGET_WORDS` words.
A passage never crosses a section boundary, so a hit can always say "Section 3.2.1, page 4".
Headings close the current passage; captions and footnotes are skipped (they sit between
paragraphs in reading order but are not part of the argument). A table (a ``table`` block with
its rows) is a passage of its own, of kind ``table``, with its caption.

What is not a real passage is left out by the document's own structure, so that it neither
matches every query naming an author nor fills the Related panel:

* sections that are not the argument, known by their heading: references, acknowledgements,
  tables of contents (:data:`SKIPPED_SECTIONS`);
* the front matter: blocks before the first section that do not read as prose (the title,
  authors, affiliations, e-mail addresses, dates); an abstract without a heading is prose and stays;
* blocks that do not read as prose at all: author lists, flattened tables of numbers, chess
  notation, figure legends. "Reads as prose" is measured against the document itself: prose is
  made mostly of the document's most common words (its function words, whatever its language),
  and those blocks are not (:func:`prose_share`);
* tables of contents without a heading: dot leaders running to page numbers, or a block that is
  mostly the document's own section titles;
* reference lists without a heading: a run of blocks shaped like citations (a key or author
  names first, a year), and an acknowledgement run into its paragraph.

The length is bounded because the embedding model reads at most 256 word pieces (~190 words):
words past that are invisible to vector search, so passages aim a little below it and only
grow to :data:`MAX_WORDS` rather than leave a sliver behind.
"""

from __future__ import annotations

import collections
import hashlib
import re
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass

from library.db import inserted_id, write
from library.structure.model import Block, DocumentStructure, Section

# Bump when the splitting rules change: every document is then re-split by `index update`.
SPLITTER_VERSION = 3

MIN_WORDS = 120
TARGET_WORDS = 170
MAX_WORDS = 280
# A section's last bit shorter than this joins the passage before it (same section only).
TAIL_WORDS = 50

# Sections that are not the argument, by their heading: lists of citations (matched by every
# query that names an author or a common word, answering none), thanks, tables of contents.
SKIPPED_SECTIONS = re.compile(
    r"^(references|bibliography|works cited|literature cited|(acknowledge?ments?|funding)\b.*"
    r"|(table of )?contents|list of (figures|tables))$",
    re.I,
)
# An acknowledgement run into its paragraph ("Acknowledgements. We thank ...").
RUN_IN_THANKS = re.compile(r"^\s*acknowledge?ments?\b", re.I)

# Tables of contents and lists of figures: titles joined by dot leaders to a page number.
DOT_LEADERS = re.compile(r"(?:\. ?){4,}\s*\d{1,4}\b")

# How many of a document's most frequent words stand for its function words. Measured on the
# 20 corpus papers: with 40, body paragraphs have a share of 0.2-0.6 (median 0.41), author
# lists, tables of numbers and chess notation 0-0.1, reference entries 0.1-0.3.
COMMON_WORDS = 40
# Below this share (with at least PROSE_MIN_WORDS words) a block is not prose; a shorter block
# (a line of dialogue, a short list item) is not prose only when none of its words is common.
NOT_PROSE_SHARE = 0.10
PROSE_MIN_WORDS = 12
SHORT_MIN_WORDS = 6
# Front matter (before the first section) is kept only when it reads as prose: an abstract.
FRONT_PROSE_SHARE = 0.20
FRONT_PROSE_WORDS = 20

PROSE_KINDS = frozenset({"paragraph", "list_item", "equation", "code"})
BREAK_KINDS = frozenset({"heading"})

_LETTER = re.compile(r"[^\W\d_]")
_PUNCT = ".,;:()[]{}\"'“”‘’!?"
_YEAR = re.compile(r"\b(?:1[89]|20)\d{2}[a-z]?\b")
# A reference list entry starts with its key ("[12]", "[KB14]", "12.") or with author names
# ("Kingma, D. P.,", "Diederik P. Kingma and Jimmy Ba.", "John Schulman, Sergey Levine,").
_CITATION_KEY = re.compile(r"^\s*(?:\[[^\]\s][^\]]{0,15}\]|\d{1,3}\.)\s+[A-Z]")
_CITATION_NAMES = re.compile(
    r"^\s*(?:[A-Z][\w'’-]+, (?:[A-Z]\.\s?)+|(?:[A-Z][\w'’-]*\.? ){1,3}[A-Z][\w'’-]+(?:,| and| et al\.))"
)


@dataclass(frozen=True)
class Passage:
    section: str | None
    section_title: str | None
    page: int
    block_start: int
    block_end: int  # exclusive
    text: str
    kind: str = "text"  # "text" (prose, lists, equations, code) or "table"

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


# --- what is a real passage ---------------------------------------------------------------------


def common_words(structure: DocumentStructure, n: int = COMMON_WORDS) -> frozenset[str]:
    """The document's ``n`` most frequent words: its function words, in whatever language it is."""
    counts = collections.Counter(
        w for b in structure.blocks if b.kind in PROSE_KINDS for w in map(_word, b.text.split()) if w
    )
    return frozenset(w for w, _ in counts.most_common(n))


def _word(token: str) -> str:
    """A token as a word: punctuation stripped, lowercased; "" when it has no letter (a number)."""
    word = token.strip(_PUNCT).lower()
    return word if _LETTER.search(word) else ""


def prose_share(text: str, common: frozenset[str]) -> float:
    """The share of ``text``'s words that are among the document's most common words."""
    tokens = text.split()
    if not tokens:
        return 0.0
    return sum(1 for t in tokens if _word(t) in common) / len(tokens)


def _reads_as_prose(text: str, common: frozenset[str]) -> bool:
    n = len(text.split())
    if n >= PROSE_MIN_WORDS:
        return prose_share(text, common) >= NOT_PROSE_SHARE
    return n < SHORT_MIN_WORDS or prose_share(text, common) > 0


def _missed_heading(text: str) -> bool:
    """A paragraph that is really a heading the extractor did not see ("APPENDIX: FLOPS", "A PROOFS"):
    it ends a skipped section (the appendix after the references is not part of them)."""
    words = text.split()
    return (
        0 < len(words) <= 10
        and not text.rstrip().endswith(".")
        and (text.isupper() or words[0].lower().rstrip(":.") == "appendix")
    )


def _is_front_prose(text: str, common: frozenset[str]) -> bool:
    return len(text.split()) >= FRONT_PROSE_WORDS and prose_share(text, common) >= FRONT_PROSE_SHARE


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _is_contents(text: str, titles: Sequence[str]) -> bool:
    """A table of contents: dot leaders to page numbers, or mostly the document's own section titles."""
    leaders = len(DOT_LEADERS.findall(text))
    if leaders >= 2 or (leaders == 1 and len(text.split()) <= 40):
        return True
    flat = _norm(text)
    named = [t for t in titles if t in flat]
    if len(named) < 3:
        return False
    covered = sum(len(t.split()) for t in named)
    return covered >= 0.5 * len(flat.split())


def _is_citation(text: str) -> bool:
    return bool(_YEAR.search(text)) and bool(_CITATION_KEY.match(text) or _CITATION_NAMES.match(text))


def owners_of(structure: DocumentStructure) -> list[Section | None]:
    """:func:`deepest_sections`, except that a skipped section ends at a heading the extractor missed
    (:func:`_missed_heading`): the blocks after it belong to a section of that title, so that an
    appendix printed after the references is indexed, and labelled as what it is."""
    owners = deepest_sections(structure)
    for i, (block, owner) in enumerate(zip(structure.blocks, owners, strict=False)):
        if owner is None or not SKIPPED_SECTIONS.match(owner.title.strip()):
            continue
        if block.kind == "paragraph" and _missed_heading(block.text.strip()):
            found = Section(
                number=None,
                title=" ".join(block.text.split()).title(),
                level=owner.level,
                start_page=block.page,
                end_page=owner.end_page,
                first_block=block.index,
                end_block=owner.end_block,
            )
            for j in range(i, len(owners)):
                if owners[j] is not owner:
                    break
                owners[j] = found
    return owners


def real_blocks(structure: DocumentStructure, owners: Sequence[Section | None]) -> list[bool]:
    """For each block, whether its text belongs in a passage (see the module docstring)."""
    blocks = structure.blocks
    common = common_words(structure)
    titles = sorted(
        {_norm(s.title) for s in structure.sections if len(s.title.split()) >= 2 or len(s.title) >= 8},
        key=len,
        reverse=True,
    )
    # Front matter: the blocks before the first section; with no sections at all, the blocks
    # before the first one that reads as prose.
    if structure.sections:
        first = min(s.first_block for s in structure.sections)
        front = [b.index < first for b in blocks]
    else:
        front, before = [], True
        for b in blocks:
            before = before and not (b.kind in PROSE_KINDS and _is_front_prose(b.text, common))
            front.append(before)
    citation = [b.kind in PROSE_KINDS and _is_citation(b.text) for b in blocks]

    def real(i: int, block: Block, owner: Section | None) -> bool:
        text = block.text.strip()
        if not text or block.kind not in PROSE_KINDS | {"table"}:
            return False
        if owner is not None and SKIPPED_SECTIONS.match(owner.title.strip()):
            return False
        if owner is not None and block.index == owner.first_block and _missed_heading(text):
            return False  # the heading of a section found by owners_of()
        if block.kind == "table":
            return len(block.rows or []) >= 2
        if block.kind == "equation":
            return not front[i]
        if front[i]:
            return _is_front_prose(text, common)
        if RUN_IN_THANKS.match(text) or _is_contents(text, titles):
            return False
        if citation[i] and ((i > 0 and citation[i - 1]) or (i + 1 < len(blocks) and citation[i + 1])):
            return False  # a run of citations: a reference list without its heading
        return _reads_as_prose(text, common)

    return [real(i, b, owner) for i, (b, owner) in enumerate(zip(blocks, owners, strict=False))]


# --- splitting -----------------------------------------------------------------------------------


def _table_passages(structure: DocumentStructure, position: int, section: Section | None) -> list[Passage]:
    """A table block as passages of kind "table": its caption, then its rows as Markdown (split
    by rows, the header repeated, when it is longer than MAX_WORDS)."""
    blocks = structure.blocks
    table = blocks[position]
    caption = next(
        (
            blocks[j]
            for j in (position - 1, position + 1, position - 2, position + 2)
            if 0 <= j < len(blocks)
            and blocks[j].kind == "caption"
            and blocks[j].text.strip().lower().startswith("table")
        ),
        None,
    )
    head = caption.text.strip() + "\n\n" if caption else ""
    lines = table.text.strip().splitlines()
    # A GitHub Markdown table: header, delimiter row, then a line per row.
    header, body = (lines[:2], lines[2:]) if len(lines) > 2 and set(lines[1]) <= set("|-: ") else ([], lines)
    chunks: list[list[str]] = [[]]
    for line in body:
        if chunks[-1] and len(" ".join(header + chunks[-1] + [line]).split()) > MAX_WORDS:
            chunks.append([])
        chunks[-1].append(line)
    start = min(table.index, caption.index) if caption else table.index
    end = max(table.index, caption.index) + 1 if caption else table.index + 1
    return [
        Passage(
            section=section.number if section else None,
            section_title=section.title if section else None,
            page=table.page,
            block_start=start,
            block_end=end,
            text=head + "\n".join(header + chunk),
            kind="table",
        )
        for chunk in chunks
        if chunk or header
    ]


def split(structure: DocumentStructure) -> list[Passage]:
    """The document's passages in reading order."""
    owners = owners_of(structure)
    keep = real_blocks(structure, owners)
    passages: list[Passage] = []
    tables: list[Passage] = []
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

    for position, (block, owner) in enumerate(zip(structure.blocks, owners, strict=False)):
        if owner is not group_section:
            flush(end_of_section=True)
            group_section = owner
            section_start = len(passages)
        if block.kind in BREAK_KINDS:
            flush(end_of_section=False)
            continue
        if not keep[position]:
            continue
        if block.kind == "table":
            tables += _table_passages(structure, position, owner)
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
    return sorted(passages + tables, key=lambda p: (p.block_start, p.kind == "table"))


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
                " block_end, text, hash, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    p.kind,
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
