"""Opening a PDF in the system viewer at a page: the command, never run through a shell.

Used by ``syllabus open`` and the app's "open this page" key. ``$SYLLABUS_PDF_VIEWER`` wins when
set (``{path}`` and ``{page}`` are filled in); else the first installed viewer that can be told a
page; else the desktop's opener (which opens at page 1).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from library.errors import UsageError

# Viewers that can open at a page, tried in order when SYLLABUS_PDF_VIEWER is not set.
KNOWN_VIEWERS = [
    ("zathura", ["zathura", "--page={page}", "{path}"]),
    ("evince", ["evince", "--page-label={page}", "{path}"]),
    ("okular", ["okular", "--page", "{page}", "{path}"]),
    ("qpdfview", ["qpdfview", "{path}#{page}"]),
    ("mupdf", ["mupdf", "{path}", "{page}"]),
]


def viewer_command(path: Path, page: int) -> tuple[list[str], bool]:
    """The argument list that opens ``path`` (at ``page`` when the viewer can); and whether it can."""
    configured = os.environ.get("SYLLABUS_PDF_VIEWER", "").strip()
    if configured:
        template = shlex.split(configured)
        if not any("{path}" in part for part in template):
            template.append("{path}")
    else:
        known = next((t for name, t in KNOWN_VIEWERS if shutil.which(name)), None)
        opener = "open" if sys.platform == "darwin" else "xdg-open"
        template = known if known is not None else [opener, "{path}"]
    supports_page = any("{page}" in part for part in template)
    return [
        part.replace("{path}", str(path)).replace("{page}", str(page)) for part in template
    ], supports_page


def start(command: list[str]) -> None:
    """Start the viewer detached from us (its output discarded); a viewer that cannot start is a
    one-line :class:`UsageError`."""
    try:
        # A list, never a shell: a path or title can hold any character.
        subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise UsageError(
            f"cannot start {command[0]}: {exc.strerror or exc}; set SYLLABUS_PDF_VIEWER"
        ) from None
