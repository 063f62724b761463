"""PDFs the user already has: ``syllabus attach ID PATH`` and ``syllabus fetch --from DIR``.

A file is checked to be a PDF (``%PDF-`` header, opens with PyMuPDF), its arXiv id and
version read from its name (``1706.03762v5.pdf``) or from the stamp on its first page, then
copied atomically into the store and recorded with its sha256, exactly like a download.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from library import paths, store
from library.catalogue import Reading
from library.errors import UsageError
from library.fetch import pdf
from library.fetch.files import PendingFile
from library.fetch.outcome import Outcome


def _copy_pending(source: Path) -> PendingFile:
    pending = PendingFile(paths.documents_dir())
    try:
        with open(source, "rb") as src:
            while chunk := src.read(1 << 20):
                pending.write(chunk)
    except BaseException:
        pending.discard()
        raise
    return pending


HTML_SUFFIXES = (".html", ".htm", ".xhtml")


def saved_page(source: Path) -> Path:
    """The HTML file of a page saved by a browser: ``source`` itself, or, for a folder, the one page
    in it, or the ``NAME.html`` beside a ``NAME_files`` folder ("Save Page As…, complete")."""
    if not source.is_dir():
        return source
    pages = sorted(p for p in source.iterdir() if p.suffix.lower() in HTML_SUFFIXES and p.is_file())
    if len(pages) == 1:
        return pages[0]
    if source.name.endswith("_files"):
        stem = source.name[: -len("_files")]
        beside = [source.parent / f"{stem}{suffix}" for suffix in HTML_SUFFIXES]
        found = [p for p in beside if p.is_file()]
        if found:
            return found[0]
    what = "no web page" if not pages else f"{len(pages)} web pages"
    raise UsageError(f"{source}: {what} in this folder; name the .html file to attach")


def is_page(source: Path) -> bool:
    return source.is_dir() or source.suffix.lower() in HTML_SUFFIXES


def attach(
    conn: sqlite3.Connection, reading: Reading, source: Path, *, version_hint: str | None = None
) -> Outcome:
    """Store ``source`` as the document of ``reading``: a PDF, or for a web article a page saved by
    the browser (an .html file or the folder it was saved in). Raises :class:`UsageError` for a bad file."""
    source = source.expanduser()
    if is_page(source):
        return attach_page(conn, reading, saved_page(source))
    facts = pdf.local_facts(source)
    notes = []
    if reading.arxiv_id:
        if facts.stamp_id and facts.stamp_id != reading.arxiv_id:
            raise UsageError(f"{source} is arXiv:{facts.stamp_id}, not {reading.arxiv_id} ({reading.id})")
        version = version_hint or facts.stamp_version
        if facts.stamp_version and version_hint and facts.stamp_version != version_hint:
            version = facts.stamp_version  # the stamp printed by arXiv beats a file name
        if reading.arxiv_version and version and version != reading.arxiv_version:
            notes.append(f"file is {version}; the curriculum pins {reading.arxiv_version}")
        key = store.reading_key(arxiv_id=reading.arxiv_id)
        target = store.arxiv_file(reading.arxiv_id, version)
    else:
        version = None
        key = store.reading_key(url=reading.url)
        target = store.pdf_file(reading.url)
    pending = _copy_pending(source)
    try:
        same = [
            d for d in store.documents_for_key(conn, key) if d.status == "ok" and d.sha256 == pending.sha256
        ]
        if same and same[-1].path and same[-1].path.is_file():
            pending.discard()
            return Outcome(reading.id, reading.title, "cached", "the same file is already stored", same[-1])
        # Keep metadata arXiv gave us for another copy of this work; else what the PDF and curriculum say.
        previous = store.document_for_reading(conn, reading.id, arxiv_id=reading.arxiv_id, url=reading.url)
        metadata = dict(previous.metadata) if previous and previous.metadata.get("title") else {}
        metadata.setdefault("title", facts.title or reading.title)
        metadata["attached_from"] = str(source.resolve())
        final = store.free_name(conn, target, pending.sha256)
        pending.commit(final)
    except BaseException:
        pending.discard()
        raise
    doc = store.record(
        conn,
        key=key,
        source_url=source.resolve().as_uri(),
        path=final,
        sha256=pending.sha256,
        size=pending.size,
        content_type="application/pdf",
        pages=facts.pages,
        arxiv_id=reading.arxiv_id,
        arxiv_version=version,
        metadata=metadata,
    )
    detail = ", ".join(
        [f"{version or 'version unknown'}" if reading.arxiv_id else "", f"{facts.pages} pages", *notes]
    )
    return Outcome(reading.id, reading.title, "attached", detail.strip(", "), doc)


def attach_page(conn: sqlite3.Connection, reading: Reading, page: Path) -> Outcome:
    """Store a saved web page as the document of a web article, through the same extraction as a
    fetched page (its article text, headings kept, is what `read` shows and search indexes)."""
    from library.fetch.html_text import looks_javascript_only
    from library.fetch.http import sniff
    from library.fetch.planner import plan
    from library.fetch.run import store_page
    from library.structure.encoding import decode_page
    from library.structure.html import article_markdown

    if plan(reading).method != "html":
        what = "a paper" if reading.arxiv_id or plan(reading).method == "pdf" else f"a {reading.kind}"
        raise UsageError(
            f"{reading.id} is {what}, not a web article: a saved web page cannot be its document"
        )
    if not page.is_file():
        raise UsageError(f"{page}: no such file")
    pending = _copy_pending(page)
    try:
        if sniff(pending.head(4096)) != "html":
            raise UsageError(f"{page} is not a web page (no HTML in it)")
        html = decode_page(pending.read_all(), "")
        markdown = article_markdown(html, reading.url)
        if looks_javascript_only(html, markdown):
            raise UsageError(
                f"{page}: no article text in this page; save it after it has loaded in the browser"
            )
        doc, detail = store_page(
            conn,
            reading,
            pending,
            html,
            markdown,
            metadata={"attached_from": str(page.resolve())},
            source_url=page.resolve().as_uri(),
        )
    except BaseException:
        pending.discard()
        raise
    return Outcome(reading.id, reading.title, "attached", detail, doc)


def arxiv_files(directory: Path) -> dict[str, tuple[Path, str | None]]:
    """PDFs in ``directory`` named by arXiv id: bare id -> (file, version from the name or None).

    When several versions of one paper are there, the highest version wins.
    """
    if not directory.is_dir():
        raise UsageError(f"{directory}: not a folder")
    found: dict[str, tuple[Path, str | None]] = {}
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() != ".pdf" or not path.is_file():
            continue
        split = store.split_arxiv(path.stem.replace("_", "/"))
        if not split:
            continue
        arxiv_id, version = split
        have = found.get(arxiv_id)
        if have is None or _vnum(version) > _vnum(have[1]):
            found[arxiv_id] = (path, version)
    return found


def _vnum(version: str | None) -> int:
    return int(version[1:]) if version else 0


def from_directory(
    conn: sqlite3.Connection, readings: list[Reading], directory: Path, *, explicit: bool
) -> list[Outcome]:
    """Attach each arXiv reading's PDF found in ``directory``.

    ``explicit`` (ids or a chapter were named): a reading without a file there is a failure;
    otherwise only readings that have a file are touched, and files no reading wants are reported.
    """
    files = arxiv_files(directory)
    outcomes: list[Outcome] = []
    wanted: set[str] = set()
    for reading in readings:
        if not reading.arxiv_id or reading.arxiv_id in wanted:
            continue  # one work listed twice (a reading and an exercise resource) is attached once
        wanted.add(reading.arxiv_id)
        found = files.get(reading.arxiv_id)
        if found is None:
            if explicit:
                outcomes.append(
                    Outcome(reading.id, reading.title, "failed", f"no {reading.arxiv_id}.pdf in {directory}")
                )
            continue
        path, version = found
        try:
            outcomes.append(attach(conn, reading, path, version_hint=version))
        except (UsageError, OSError) as exc:
            # One bad or unreadable file fails its own reading; the rest of the folder is still attached.
            detail = str(exc) if isinstance(exc, UsageError) else f"{path}: {exc.strerror or exc}"
            outcomes.append(Outcome(reading.id, reading.title, "failed", detail))
    if not explicit:
        for arxiv_id, (path, _) in sorted(files.items()):
            if arxiv_id not in wanted:
                outcomes.append(Outcome(arxiv_id, path.name, "skipped", "not a reading of this curriculum"))
    return outcomes
