"""Run the installed ``syllabus`` console script in a subprocess: the path a user's shell takes.

Exit codes, stderr lines and files written are only what a user sees when they go through the real
entry point (``reader.cli:main`` behind the venv's ``syllabus`` script), not click's test runner.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SYLLABUS = Path(sys.executable).parent / "syllabus"

# No network at all: hosts under .invalid never resolve (RFC 6761), and every URL is sent there.
OFFLINE = {
    "SYLLABUS_ARXIV_API_URL": "http://export.arxiv.invalid/api/query",
    "SYLLABUS_ARXIV_PDF_URL": "http://arxiv.invalid/pdf",
    "SYLLABUS_URL_REWRITE": "https://=http://web.invalid/ http://=http://web.invalid/",
}


def syllabus(
    home: Path,
    *args: str,
    env: dict[str, str] | None = None,
    input: str | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess:
    """``syllabus ARGS`` with SYLLABUS_HOME=home (plus ``env``); stdin is ``input`` or empty."""
    full_env = {**os.environ, "SYLLABUS_HOME": str(home), **(env or {})}
    return subprocess.run(
        [str(SYLLABUS), *args],
        env=full_env,
        input=input or "",
        capture_output=True,
        text=True,
        timeout=timeout,
    )
