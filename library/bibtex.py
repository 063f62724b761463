"""BibTeX for the readings of a curriculum, from the metadata the store keeps.

arXiv papers become ``@article`` (when arXiv lists a journal reference) or ``@misc`` with
``eprint``, ``archivePrefix``, ``primaryClass`` and ``doi``; other fetched documents become
``@misc`` with ``url`` and ``urldate``. Readings with neither stored metadata nor authors in
the curriculum are left out (a comment at the top says how many), so no entry is invented.
"""

from __future__ import annotations

import re
import sqlite3
import time
import unicodedata

from library import store
from library.catalogue import Curriculum, Reading

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def escape(text: str) -> str:
    return "".join(_SPECIAL.get(ch, ch) for ch in " ".join(text.split()))


# What a URL may hold as it is; anything else (braces, a backslash, spaces, quotes, non-ASCII) is
# percent-encoded, so a URL cannot close its field or smuggle a LaTeX command into the .bib.
_URL_SAFE = "-._~:/?#[]@!$&'()*+,;=%"


def url_field(url: str) -> str:
    """A URL for a BibTeX field: only characters a URL may hold, and ``%`` only in ``%XX`` escapes."""
    from urllib.parse import quote

    return re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", quote(url, safe=_URL_SAFE))


def url_command(url: str) -> str:
    """``\\url{...}`` for a field's text: as :func:`url_field`, with ``%`` and ``#`` escaped as
    hyperref asks when ``\\url`` sits in the argument of another command."""
    return "\\url{" + url_field(url).replace("%", "\\%").replace("#", "\\#") + "}"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _surname(author: str) -> str:
    name = author.split(",")[0] if "," in author else (author.split() or [""])[-1]
    return re.sub(r"[^A-Za-z]", "", _ascii(name)).lower()


def _key(authors: list[str], year: int | None, title: str, used: set[str]) -> str:
    first_word = next((w for w in re.findall(r"[A-Za-z]+", _ascii(title)) if len(w) > 3), "untitled").lower()
    base = f"{_surname(authors[0]) if authors else 'anon'}{year or ''}{first_word}"
    key, n = base, 1
    while key in used:
        n += 1
        key = f"{base}{chr(ord('a') + n - 2)}" if n <= 27 else f"{base}{n}"
    used.add(key)
    return key


def _year(value: str | None) -> int | None:
    m = re.match(r"(\d{4})", value or "")
    return int(m.group(1)) if m else None


def _authors(authors: list[str]) -> str:
    names = [escape(a) for a in authors if a.strip()]
    # "et al." in a curriculum's author list is BibTeX's "others".
    return " and ".join("others" if re.fullmatch(r"(and\s+)?et\.?\s*al\.?", n, re.I) else n for n in names)


def _entry(kind: str, key: str, fields: list[tuple[str, str | None]]) -> str:
    lines = [f"@{kind}{{{key},"]
    lines += [f"  {name} = {{{value}}}," for name, value in fields if value]
    lines[-1] = lines[-1].rstrip(",")
    return "\n".join(lines) + "\n}\n"


def entry_for(reading: Reading, doc: store.Document | None, used: set[str]) -> str | None:
    meta = doc.metadata if doc else {}
    title = meta.get("title") or reading.title
    authors = list(meta.get("authors") or reading.authors)
    year = _year(meta.get("published")) or reading.year
    if reading.arxiv_id:
        if not meta.get("authors") and not reading.authors:
            return None
        version = doc.arxiv_version if doc else None
        fields = [
            ("title", "{" + escape(title) + "}"),
            ("author", _authors(authors)),
            ("year", str(year) if year else None),
            ("journal", escape(meta["journal_ref"]) if meta.get("journal_ref") else None),
            ("eprint", escape(reading.arxiv_id + (version or ""))),
            ("archivePrefix", "arXiv"),
            ("primaryClass", escape(meta["primary_category"]) if meta.get("primary_category") else None),
            ("doi", escape(meta["doi"]) if meta.get("doi") else None),
            ("url", url_field(f"https://arxiv.org/abs/{reading.arxiv_id}")),
        ]
        return _entry(
            "article" if meta.get("journal_ref") else "misc", _key(authors, year, title, used), fields
        )
    if doc is None and not reading.authors:
        return None
    fetched = time.strftime("%Y-%m-%d", time.gmtime(doc.fetched_at)) if doc else None
    fields = [
        ("title", "{" + escape(title) + "}"),
        ("author", _authors(authors)),
        ("year", str(year) if year else None),
        ("howpublished", url_command(reading.url)),
        ("url", url_field(reading.url)),
        ("urldate", fetched),
    ]
    return _entry("misc", _key(authors, year, title, used), fields)


def bibtex_for(conn: sqlite3.Connection, curriculum: Curriculum) -> str:
    """BibTeX entries for every reading of ``curriculum`` that has metadata, in curriculum order."""
    entries: list[str] = []
    used: set[str] = set()
    seen: set[str] = set()
    skipped = 0
    for _, reading in curriculum.all_readings():
        work = store.key_of(reading)
        if work in seen:
            continue
        seen.add(work)
        doc = store.document_for_reading(
            conn, reading.id, arxiv_id=reading.arxiv_id, url=reading.url, version=reading.arxiv_version
        )
        entry = entry_for(reading, doc, used)
        if entry is None:
            skipped += 1
        else:
            entries.append(entry)
    header = f"% {curriculum.title}: {len(entries)} entries"
    if skipped:
        header += f"; {skipped} readings without metadata left out (run `syllabus fetch` first)"
    return header + "\n\n" + "\n".join(entries)
