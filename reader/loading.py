"""Loading a reading's document for the reader (in a thread worker) and saying why there is none.

:func:`load_document` finds the stored document of a reading and extracts its structure and
assigned part: PyMuPDF and a large PDF cost from tenths of a second to seconds, so it runs in a
worker of :class:`~reader.widgets.reading_pane.ReadingPane` and reports a
:class:`~reader.messages.DocumentLoaded`.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from index.db import connect
from library import store
from library.catalogue import Reading
from library.errors import SyllabusError
from reader.messages import DocumentLoaded

# Kinds of reading that are followed as a link, never downloaded.
LINK_KINDS = {"video", "course", "tool", "dataset", "link", "project"}


def load_document(reading: Reading) -> DocumentLoaded:
    """Find the stored document of ``reading`` and extract its structure (runs in a thread)."""
    if reading.kind in LINK_KINDS:
        return DocumentLoaded(reading.id, "link", detail=reading.url)
    # ~6 ms of imports (hashlib, URL parsing) that the first paint, which opens no reading, skips.

    conn = connect()
    try:
        document = store.document_for_reading(
            conn, reading.id, arxiv_id=reading.arxiv_id, url=reading.url, version=reading.arxiv_version
        )
    finally:
        conn.close()
    if document is None or document.path is None or not document.path.exists():
        return DocumentLoaded(reading.id, "missing")
    # ~7 ms to import, skipped by the first paint; resolve.load reads a cached structure in
    # milliseconds, a first extraction (PyMuPDF) of a 15-page paper takes about a second.
    from library.structure import resolve

    try:
        # From the cache at once when the document was read before; else extracted by a child
        # process into the cache, or (when the child failed) here, for the error.
        structure = resolve.cached(document.path)
        if structure is None:
            _extract_in_a_process(document.path)
            structure = resolve.load(document.path)
    except SyllabusError as exc:
        return DocumentLoaded(reading.id, "error", document=document, detail=str(exc))
    try:
        content = resolve.resolve(structure, reading.pointer, name=reading.title)
    except SyllabusError as exc:
        # The assigned part cannot be found: show the whole work and say why.
        content = resolve.resolve(structure, None)
        return DocumentLoaded(reading.id, "ok", structure, content, document, detail=str(exc), whole=True)
    return DocumentLoaded(reading.id, "ok", structure, content, document)


def _extract_in_a_process(path: Path) -> None:
    """Extract the structure of ``path`` into the structure cache in a child process.

    Extraction is Python-heavy (maths and tables are laid out glyph by glyph: ~3 s for T5): in a
    thread of the app it would hold the interpreter lock for most of that time, and keys would
    wait up to a few hundred milliseconds for the event loop. A child process costs ~0.3 s to
    start and leaves the app's interpreter free; this thread only waits. When the child fails
    (a damaged PDF), nothing is cached and :func:`load_document` extracts here, for the error.
    """
    import contextlib
    import subprocess
    import sys

    code = "import sys; from library.structure.resolve import load; load(sys.argv[1])"
    # A child that cannot start or takes too long: the structure is extracted in this process.
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        subprocess.run(
            [sys.executable, "-c", code, str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=600,
            check=False,
        )


def state_text(message: DocumentLoaded) -> Text:
    """What the reader shows instead of a document: how to get it, or why it cannot be read."""
    text = Text()
    if message.state == "missing":
        text.append("This reading is not in your library yet.\n\n", style="bold")
        text.append("Press f to fetch it (it downloads in the background), or attach a PDF you have with\n")
        text.append(f"syllabus attach {message.reading_id} FILE.pdf", style="bold")
    elif message.state == "link":
        text.append("Nothing to download: follow the link.\n\n", style="bold")
        text.append(message.detail)
    else:
        text.append("Could not read this document.\n\n", style="bold red")
        text.append(message.detail)
    return text
