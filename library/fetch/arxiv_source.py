"""arXiv, politely: metadata through the ``arxiv`` package, PDFs through our downloader.

arXiv's terms ask for at most one request every three seconds and a User-Agent that says
who is asking. One process-wide :class:`RateLimiter` spaces *every* request to arXiv (API
pages, retries and PDF downloads alike); the ``arxiv`` client is given a session that sets
our User-Agent, a timeout and exponential backoff after a failed request. Metadata is asked
for in batches of up to 100 ids, so fetching a whole curriculum costs one API request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from urllib.parse import urlsplit

from library.fetch import network
from library.fetch.config import FetchSettings, user_agent
from library.fetch.http import FetchError
from library.store import split_arxiv

BATCH = 100


class RateLimiter:
    """At most one request per ``delay`` seconds, across threads and calls."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: float | None = None

    def wait(self, delay: float) -> None:
        with self._lock:
            now = time.monotonic()
            if self._last is not None and now - self._last < delay:
                time.sleep(delay - (now - self._last))
            self._last = time.monotonic()


LIMITER = RateLimiter()


def pdf_url(arxiv_id: str, version: str | None, config: FetchSettings) -> str:
    return f"{config.arxiv_pdf_url}/{arxiv_id}{version or ''}"


def abs_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


def _session(config: FetchSettings):
    # requests comes with the arxiv package; imported here with it.
    import requests

    class PoliteSession(requests.Session):
        """Our User-Agent, a timeout, the shared rate limit, and backoff after failures."""

        failures = 0

        def request(self, method, url, **kwargs):  # type: ignore[override]
            headers = {
                k: v for k, v in (kwargs.pop("headers", None) or {}).items() if k.lower() != "user-agent"
            }
            headers["User-Agent"] = user_agent()
            kwargs.setdefault("timeout", (min(10.0, config.timeout), config.timeout))
            if self.failures:
                time.sleep(config.backoff * 2 ** (self.failures - 1))
            LIMITER.wait(config.arxiv_delay)
            try:
                response = super().request(method, url, headers=headers, stream=True, **kwargs)
                _read_within(response, time.monotonic() + config.deadline)
            except requests.RequestException:
                self.failures += 1
                raise
            self.failures = self.failures + 1 if response.status_code >= 500 else 0
            return response

    return PoliteSession()


# The API answers a batch of 100 papers in well under 1 MB; anything far larger is not the API.
MAX_FEED_BYTES = 20 * 1024 * 1024


def _read_within(response, deadline: float) -> None:
    """Read a streamed response's body before ``deadline`` and within :data:`MAX_FEED_BYTES`.

    requests bounds each wait for bytes, not the whole body: a server dripping a byte at a time
    would hold the metadata request for hours. The body is then where requests keeps a body it
    read itself (``_content``), so ``response.content`` works as usual for the arxiv package.
    """
    import requests

    parts: list[bytes] = []
    size = 0
    for part in response.iter_content(64 * 1024):
        parts.append(part)
        size += len(part)
        if size > MAX_FEED_BYTES:
            response.close()
            raise requests.exceptions.ContentDecodingError(f"answer over {MAX_FEED_BYTES} bytes")
        if time.monotonic() > deadline:
            response.close()
            raise requests.exceptions.ReadTimeout("the answer did not finish in time")
    response._content = b"".join(parts)


def client(config: FetchSettings):
    # The arxiv package (and requests, lxml) cost ~0.2 s to import.
    import arxiv

    c = arxiv.Client(page_size=BATCH, delay_seconds=config.arxiv_delay, num_retries=config.retries)
    c.query_url_format = config.arxiv_api_url + "?{}"
    c._session = _session(config)  # the package's documented Client has no hook for headers or timeouts
    return c


def metadata_dict(result) -> dict:
    """The facts we keep from an ``arxiv.Result`` (JSON-ready)."""
    short = result.get_short_id()
    split = split_arxiv(short)
    return {
        "title": " ".join(result.title.split()),
        "authors": [a.name for a in result.authors],
        "abstract": " ".join((result.summary or "").split()),
        "published": result.published.isoformat() if result.published else None,
        "updated": result.updated.isoformat() if result.updated else None,
        "latest_version": split[1] if split else None,
        "categories": list(result.categories),
        "primary_category": result.primary_category or None,
        "doi": result.doi or None,
        "journal_ref": result.journal_ref or None,
        "comment": result.comment or None,
        "pdf_url": result.pdf_url,
        "abs_url": abs_url(split[0]) if split else result.entry_id,
    }


def fetch_metadata(arxiv_ids: Iterable[str], config: FetchSettings) -> dict[str, dict]:
    """Metadata for each id that arXiv knows, keyed by the bare id. Raises :class:`FetchError`."""
    import arxiv
    import requests

    ids = sorted({i for i in arxiv_ids})
    out: dict[str, dict] = {}
    c = client(config)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        try:
            for result in c.results(arxiv.Search(id_list=chunk, max_results=len(chunk))):
                split = split_arxiv(result.get_short_id())
                if split:
                    out[split[0]] = metadata_dict(result)
        except requests.exceptions.ConnectionError as exc:
            why = network.describe(exc, urlsplit(config.arxiv_api_url).hostname or "the arXiv API")
            raise FetchError(f"the arXiv API: {why}", offline=True) from None
        except requests.exceptions.Timeout:
            raise FetchError(f"the arXiv API timed out (no response within {config.timeout:g} s)") from None
        except arxiv.HTTPError as exc:
            raise FetchError(
                f"the arXiv API failed (HTTP {exc.status}, after {config.retries + 1} tries)"
            ) from None
        except (arxiv.ArxivError, requests.RequestException) as exc:
            raise FetchError(f"the arXiv API failed: {_first_line(exc)}") from None
    return out


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:160] if lines else type(exc).__name__
