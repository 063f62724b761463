"""Settings for fetching, read from the environment so tests and mirrors need no code changes.

=========================  ====================================================================
``SYLLABUS_ARXIV_API_URL``  arXiv API endpoint (default ``https://export.arxiv.org/api/query``)
``SYLLABUS_ARXIV_PDF_URL``  base of arXiv PDF links (default ``https://arxiv.org/pdf``)
``SYLLABUS_ARXIV_DELAY``    seconds between two requests to arXiv (default 3, arXiv's terms)
``SYLLABUS_HTTP_TIMEOUT``   seconds to wait for a connection or for the next bytes (default 30)
``SYLLABUS_HTTP_DEADLINE``  seconds one download may take in all, retries included (default 600):
                            a server that drips a byte at a time cannot hold a fetch for hours
``SYLLABUS_HTTP_RETRIES``   retries after a 5xx, 429, timeout or connection error (default 3)
``SYLLABUS_HTTP_BACKOFF``   first backoff in seconds, doubled on each retry (default 1)
``SYLLABUS_MAX_DOWNLOAD_MB`` largest document accepted (default 200)
``SYLLABUS_URL_REWRITE``    space-separated ``PREFIX=REPLACEMENT`` pairs applied to every URL
                            before it is requested (a local mirror; the tests' local server)
``SYLLABUS_PDF_VIEWER``     command for ``syllabus open``; may contain ``{path}`` and ``{page}``
``SYLLABUS_CONTACT``        an e-mail address added to the User-Agent, as arXiv asks of heavy users
=========================  ====================================================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

from library.errors import UsageError


@cache
def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    try:
        return package_version("syllabus")
    except PackageNotFoundError:
        return "0+unknown"


def user_agent() -> str:
    """A descriptive User-Agent (arXiv's terms ask for one): the tool, its version, and a contact if set."""
    contact = os.environ.get("SYLLABUS_CONTACT", "").strip()
    return f"syllabus/{version()} (terminal reading companion{'; mailto:' + contact if contact else ''})"


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{name}={raw!r} is not a number") from None
    return max(0.0, value)


@dataclass(frozen=True)
class FetchSettings:
    arxiv_api_url: str
    arxiv_pdf_url: str
    arxiv_delay: float
    timeout: float
    deadline: float
    retries: int
    backoff: float
    max_bytes: int
    rewrites: tuple[tuple[str, str], ...]

    def rewrite(self, url: str) -> str:
        """The URL actually requested: the first matching mirror prefix is replaced."""
        for prefix, replacement in self.rewrites:
            if url.startswith(prefix):
                return replacement + url[len(prefix) :]
        return url


def settings() -> FetchSettings:
    """Read the settings now (not at import: tests change the environment between runs)."""
    rewrites = []
    for pair in os.environ.get("SYLLABUS_URL_REWRITE", "").split():
        prefix, sep, replacement = pair.partition("=")
        if sep and prefix:
            rewrites.append((prefix, replacement))
    return FetchSettings(
        arxiv_api_url=os.environ.get("SYLLABUS_ARXIV_API_URL", "").strip()
        or "https://export.arxiv.org/api/query",
        arxiv_pdf_url=(
            os.environ.get("SYLLABUS_ARXIV_PDF_URL", "").strip() or "https://arxiv.org/pdf"
        ).rstrip("/"),
        arxiv_delay=_float("SYLLABUS_ARXIV_DELAY", 3.0),
        timeout=_float("SYLLABUS_HTTP_TIMEOUT", 30.0) or 30.0,
        deadline=_float("SYLLABUS_HTTP_DEADLINE", 600.0) or 600.0,
        retries=int(_float("SYLLABUS_HTTP_RETRIES", 3)),
        backoff=_float("SYLLABUS_HTTP_BACKOFF", 1.0),
        max_bytes=int(_float("SYLLABUS_MAX_DOWNLOAD_MB", 200) * 1024 * 1024),
        rewrites=tuple(rewrites),
    )
