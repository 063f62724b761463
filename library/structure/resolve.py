"""From a curriculum pointer to the span of a document it names, and loading structures.

:func:`load` reads any supported file (PDF, HTML, or the Markdown that
:func:`library.structure.html.article_markdown` stores beside a fetched page) into a
:class:`DocumentStructure`, through a small cache keyed by the file's sha256. :func:`resolve`
maps a :class:`~library.pointers.Pointer` onto it: "Section 3" is its heading up to the next
heading of the same or a higher level, subsections included.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import msgspec

from library import atomic
from library.errors import UsageError
from library.paths import index_dir
from library.pointers import Pointer
from library.pointers import parse as parse_pointer
from library.structure import errors
from library.structure.encoding import decode_page
from library.structure.model import Block, DocumentStructure, Section, SectionContent
from library.structure.text import norm_title
from library.textclean import strip_escapes

# Bump when the cache format changes. Changes to the extraction code itself are picked up by
# _code_version(), so a cache never serves what older code produced.
CACHE_VERSION = 1


@functools.cache
def _code_version() -> str:
    """A short digest of the extraction package's source (about 150 KB read once per process).

    Every module of ``library.structure`` counts, so a new module (maths, tables) or a change to
    any of them re-extracts.
    """
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def _kind_of_file(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(2048)
    if not head:
        raise errors.EmptyDocument(path)
    if b"%PDF-" in head[:1024]:
        return "pdf"
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return "pdf"  # let the PDF reader say what is wrong with it
    lowered = head.lower()
    if suffix in (".html", ".htm", ".xhtml") or b"<html" in lowered or b"<!doctype html" in lowered:
        return "html"
    if suffix in (".md", ".markdown", ".txt"):
        return "md"
    raise errors.CorruptDocument(path)


def extract(path: Path | str, *, use_outline: bool = True) -> DocumentStructure:
    """Extract a structure without the cache."""
    path = Path(path)
    if not path.is_file():
        raise errors.MissingDocument(path)
    kind = _kind_of_file(path)
    if kind == "pdf":
        # each extractor on its own: pdf ~20 ms, html ~15 ms (+ trafilatura when run)
        from library.structure.pdf import pdf_structure

        return _printable(pdf_structure(path, use_outline=use_outline))
    from library.structure.html import article_markdown
    from library.structure.markdown_page import markdown_structure

    raw = decode_page(path.read_bytes())
    md = article_markdown(raw) if kind == "html" else raw
    return _printable(markdown_structure(md))


def _printable(structure: DocumentStructure) -> DocumentStructure:
    """Terminal escape sequences and control characters out of every text, once, for every reader.

    A document can carry them by accident or on purpose (an OSC sequence can retitle the window
    or write the clipboard); the CLI, the app and the index all read text from here.
    """
    for block in structure.blocks:
        block.text = strip_escapes(block.text)
    for section in structure.sections:
        section.title = strip_escapes(section.title)
    if structure.title:
        structure.title = strip_escapes(structure.title)
    return structure


def _cache_path(digest: str) -> Path:
    return index_dir() / "structure" / f"{digest}-v{CACHE_VERSION}-{_code_version()}.msgpack"


def _from_cache(cache: Path) -> DocumentStructure | None:
    try:
        return msgspec.msgpack.decode(cache.read_bytes(), type=DocumentStructure)
    except (msgspec.DecodeError, msgspec.ValidationError, OSError):
        return None  # none yet, or a damaged cache file (rebuilt by load)


def cached(path: Path | str) -> DocumentStructure | None:
    """The structure of ``path`` from the cache, if this code has extracted the same bytes before;
    else ``None`` (nothing is extracted)."""
    path = Path(path)
    if not path.is_file():
        return None
    return _from_cache(_cache_path(hashlib.sha256(path.read_bytes()).hexdigest()))


def load(path: Path | str, *, use_cache: bool = True) -> DocumentStructure:
    """The structure of the file at ``path``, from the cache when the same bytes were seen before."""
    path = Path(path)
    if not path.is_file():
        raise errors.MissingDocument(path)
    if not use_cache:
        return extract(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    cache = _cache_path(digest)
    structure = _from_cache(cache)
    if structure is not None:
        return structure
    structure = extract(path)
    try:
        atomic.write_bytes(cache, msgspec.msgpack.encode(structure))
        for stale in cache.parent.glob(f"{digest}-*.msgpack"):
            if stale != cache:
                stale.unlink(missing_ok=True)  # made by older extraction code
    except OSError:
        pass  # the cache is only an optimisation
    return structure


# --- resolving pointers ----------------------------------------------------------------------


def _listing(structure: DocumentStructure) -> str:
    tops = structure.top_level()
    if not tops:
        return "the document has no sections; use the whole work"
    return "sections: " + ", ".join(s.label for s in tops)


def _doc_name(structure: DocumentStructure, name: str | None) -> str:
    return name or (f"“{structure.title}”" if structure.title else "this document")


def _norm_number(number: str) -> str:
    return number.strip().rstrip(".").upper()


def find_section(structure: DocumentStructure, number: str) -> Section | None:
    want = _norm_number(number)
    for section in structure.sections:
        if section.number and _norm_number(section.number) == want:
            return section
    return None


def find_named(structure: DocumentStructure, title: str) -> Section | None:
    """A section by its title: exact after normalising case and punctuation, else the closest (fuzzy)."""
    want = norm_title(title)
    if not want:
        return None
    for section in structure.sections:
        if norm_title(section.title) == want or norm_title(section.label) == want:
            return section
    from rapidfuzz import fuzz  # small C extension, loaded only for fuzzy lookups

    best, best_score = None, 0.0
    for section in structure.sections:
        score = max(fuzz.ratio(want, norm_title(section.title)), fuzz.ratio(want, norm_title(section.label)))
        if score > best_score:
            best, best_score = section, score
    return best if best_score >= 85 else None


def _content(
    structure: DocumentStructure, spans: list[Section], number: str | None, title: str
) -> SectionContent:
    indexes: list[int] = []
    seen: set[int] = set()
    for span in sorted(spans, key=lambda s: s.first_block):
        for i in range(span.first_block, span.end_block):
            if i not in seen:
                seen.add(i)
                indexes.append(i)
    blocks = [structure.blocks[i] for i in indexes]
    start = min(s.start_page for s in spans)
    end = max(s.end_page for s in spans)
    return SectionContent(number=number, title=title, start_page=start, end_page=end, blocks=blocks)


def resolve(
    structure: DocumentStructure, pointer: Pointer | str | None, *, name: str | None = None
) -> SectionContent:
    """The blocks ``pointer`` names in ``structure``; a clear :class:`UsageError` when it names none."""
    if not isinstance(pointer, Pointer):
        pointer = parse_pointer(pointer)
    doc = _doc_name(structure, name)
    if pointer.kind == "whole":
        end = max((b.page for b in structure.blocks), default=1)
        return SectionContent(
            number=None,
            title=structure.title or "Whole work",
            start_page=1,
            end_page=max(end, 1),
            blocks=list(structure.blocks),
        )
    if pointer.kind == "pages":
        first, last = pointer.first_page or 1, pointer.last_page or structure.page_count
        if first > structure.page_count:
            raise UsageError(f"{doc} has {structure.page_count} pages; cannot show {pointer.label.lower()}")
        last = min(last, structure.page_count)
        blocks = [b for b in structure.blocks if first <= b.page <= last]
        return SectionContent(
            number=None, title=pointer.label, start_page=first, end_page=last, blocks=blocks
        )
    if pointer.kind == "named":
        section = find_named(structure, pointer.title or "")
        if section is None:
            raise UsageError(f"no section named “{pointer.title}” in {doc}; {_listing(structure)}")
        return _content(structure, [section], section.number, section.title)
    spans: list[Section] = []
    for number in pointer.numbers:
        section = find_section(structure, number)
        if section is None and pointer.kind == "chapters":
            section = find_named(structure, f"chapter {number}")
        if section is None:
            noun = (
                "chapter"
                if pointer.kind == "chapters"
                else ("appendix" if number[:1].isalpha() else "section")
            )
            raise UsageError(f"no {noun} {number} in {doc}; {_listing(structure)}")
        spans.append(section)
    if len(spans) == 1:
        return _content(structure, spans, spans[0].number, spans[0].title)
    return _content(structure, spans, None, pointer.label)


def content_dict(content: SectionContent) -> dict:
    return {
        "number": content.number,
        "title": content.title,
        "start_page": content.start_page,
        "end_page": content.end_page,
        "text": content.text,
        "blocks": [block_dict(b) for b in content.blocks],
    }


def block_dict(block: Block) -> dict:
    """A block for JSON: page, kind and text (maths in the TeX-like form), and what the kind adds:
    ``math`` ranges, an equation's ``number``, a table's ``rows``, a footnote's ``marker``."""
    out: dict = {"page": block.page, "kind": block.kind, "text": block.text}
    if block.math:
        out["math"] = [list(r) for r in block.math]
    if block.number:
        out["number"] = block.number
    if block.rows:
        out["rows"] = block.rows
    if block.marker:
        out["marker"] = block.marker
    return out


def sections_list(structure: DocumentStructure) -> list[dict]:
    return [
        {
            "number": s.number,
            "title": s.title,
            "level": s.level,
            "start_page": s.start_page,
            "end_page": s.end_page,
        }
        for s in structure.sections
    ]


__all__ = [
    "Block",
    "content_dict",
    "extract",
    "find_named",
    "find_section",
    "load",
    "resolve",
    "sections_list",
]
