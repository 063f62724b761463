"""Downloads over HTTP(S) with httpx: timeouts, retries with backoff, a size limit, atomic files.

:meth:`Downloader.download` streams a response into a :class:`~library.fetch.files.PendingFile`
in the document's final directory and hands it back uncommitted, so the caller can check it
(a PDF where a PDF was expected, the extracted text of a page) before it appears under its
final name. Every failure is a :class:`FetchError` whose message is one line fit for the user.
"""

from __future__ import annotations

import email.utils
import errno
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from library.fetch import network
from library.fetch.config import FetchSettings, user_agent
from library.fetch.config import settings as read_settings
from library.fetch.files import PendingFile

Expect = Literal["pdf", "html", "any"]
Kind = Literal["pdf", "html", "other"]

# Worth another try: the server or the path to it may recover.
RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 30.0


class FetchError(Exception):
    """A download that did not succeed. ``offline`` marks failures to reach the host at all."""

    def __init__(self, reason: str, *, offline: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.offline = offline


@dataclass
class Download:
    pending: PendingFile
    url: str
    final_url: str
    kind: Kind
    content_type: str

    @property
    def size(self) -> int:
        return self.pending.size

    @property
    def sha256(self) -> str:
        return self.pending.sha256


def sniff(head: bytes, content_type: str | None = None) -> Kind:
    """What the bytes are, whatever the server claims: PDFs start with ``%PDF-`` (within 1 KiB)."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    lowered = head[:4096].lower()
    if re.search(rb"<(?:!doctype\s+html|html|head|body|article)[\s>]", lowered):
        return "html"
    if content_type and "html" in content_type.lower():
        return "html"
    return "other"


def host_of(url: str) -> str:
    return urlsplit(url).netloc.lower()


def describe_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


class Downloader:
    """One httpx client for a whole run; remembers hosts that could not be reached at all."""

    def __init__(self, config: FetchSettings | None = None):
        # httpx costs ~60 ms to import; only runs that download pay it.
        import httpx

        self.config = config or read_settings()
        self._httpx = httpx
        self.client = httpx.Client(
            timeout=httpx.Timeout(self.config.timeout, connect=min(10.0, self.config.timeout)),
            headers={"User-Agent": user_agent()},
            follow_redirects=True,
            max_redirects=10,
        )
        self.unreachable: dict[str, str] = {}

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Downloader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def download(
        self,
        url: str,
        directory: Path,
        *,
        expect: Expect = "any",
        on_progress: Callable[[int, int | None], None] | None = None,
        before_request: Callable[[], None] | None = None,
    ) -> Download:
        """Fetch ``url`` into an uncommitted file in ``directory``. Raises :class:`FetchError`."""
        requested = self.config.rewrite(url)
        host = host_of(requested)
        if host in self.unreachable:
            raise FetchError(self.unreachable[host], offline=True)
        pending = PendingFile(directory)
        try:
            final_url, content_type = self._fetch_with_retries(
                requested, pending, on_progress, before_request
            )
            kind = sniff(pending.head(), content_type)
            if expect == "pdf" and kind != "pdf":
                what = "an HTML page" if kind == "html" else f"a {content_type or 'non-PDF'} response"
                raise FetchError(f"got {what} where a PDF was expected")
            if kind == "pdf" and b"%%EOF" not in pending.tail(64 * 1024):
                raise FetchError(f"truncated PDF: no end-of-file marker after {describe_size(pending.size)}")
            if expect == "html" and kind == "other":
                raise FetchError(f"not a web page or a PDF ({content_type or 'unknown content type'})")
            return Download(pending, url, final_url, kind, content_type)
        except BaseException:
            pending.discard()
            raise

    # --- internals ---------------------------------------------------------------------------

    def _fetch_with_retries(self, url, pending, on_progress, before_request) -> tuple[str, str]:
        httpx = self._httpx
        attempts = self.config.retries + 1
        last: FetchError | None = None
        wait = 0.0
        # One deadline for the whole download, retries included: the timeout alone bounds each wait
        # for bytes, and a server sending one byte every few seconds would never trip it.
        deadline = time.monotonic() + self.config.deadline
        tries = 0
        for attempt in range(attempts):
            if attempt:
                pause = wait or self.config.backoff * 2 ** (attempt - 1)
                if time.monotonic() + pause >= deadline:
                    break
                time.sleep(pause)
                wait = 0.0
            pending.reset()
            tries += 1
            try:
                if before_request is not None:
                    before_request()
                remaining = max(0.5, deadline - time.monotonic())
                timeout = httpx.Timeout(
                    min(self.config.timeout, remaining), connect=min(10.0, self.config.timeout, remaining)
                )
                with self.client.stream("GET", url, timeout=timeout) as response:
                    status = response.status_code
                    if status in RETRY_STATUS:
                        wait = _retry_after(response.headers.get("retry-after"))
                        last = FetchError(f"server error (HTTP {status} {response.reason_phrase})".rstrip())
                        continue
                    if status >= 400:
                        label = "not found" if status in (404, 410) else "refused"
                        raise FetchError(f"{label} (HTTP {status} {response.reason_phrase})".rstrip())
                    declared = _int(response.headers.get("content-length"))
                    if declared is not None and declared > self.config.max_bytes:
                        raise FetchError(self._too_large(declared))
                    if on_progress:
                        on_progress(0, declared)
                    for chunk in response.iter_bytes():  # as the bytes arrive, so the deadline is seen
                        pending.write(chunk)
                        if pending.size > self.config.max_bytes:
                            raise FetchError(self._too_large(pending.size))
                        if time.monotonic() > deadline:
                            raise FetchError(self._too_slow(pending.size))
                        if on_progress:
                            on_progress(pending.size, declared)
                    if declared is not None and response.num_bytes_downloaded < declared:
                        last = FetchError(
                            f"truncated download: got {response.num_bytes_downloaded} of {declared} bytes"
                        )
                        continue
                    return str(response.url), response.headers.get("content-type", "")
            except httpx.TimeoutException:
                last = FetchError(f"timed out (no response within {self.config.timeout:g} s)")
            except httpx.ConnectError as exc:
                last = FetchError(network.describe(exc, host_of(url)), offline=True)
                if network.unresolvable(exc):
                    break  # a name that does not resolve now will not a second later
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                last = FetchError(
                    f"truncated download: connection closed after {pending.size} bytes ({_short(exc)})"
                )
            except httpx.TooManyRedirects:
                raise FetchError("too many redirects") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"download failed: {_short(exc)}") from None
            except OSError as exc:
                if exc.errno == errno.ENOSPC:
                    raise FetchError("disk full: no space left for the download") from None
                raise FetchError(f"cannot write the download: {exc.strerror or exc}") from None
        if last is None:  # the deadline passed before a first try could finish
            raise FetchError(self._too_slow(pending.size))
        if last.offline:
            self.unreachable[host_of(url)] = last.reason
        if tries > 1:
            last.reason = last.args[0] + f" (after {tries} tries)"
            last.args = (last.reason,)
        raise last

    def _too_slow(self, size: int) -> str:
        got = f" ({describe_size(size)} received)" if size else ""
        return (
            f"timed out: not finished after {self.config.deadline:g} s{got}; "
            "SYLLABUS_HTTP_DEADLINE allows longer"
        )

    def _too_large(self, size: int) -> str:
        return f"too large: {describe_size(size)} is over the {describe_size(self.config.max_bytes)} limit"


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _retry_after(value: str | None) -> float:
    """Seconds the server asked us to wait (number or HTTP date), capped; 0 when it did not say."""
    if not value:
        return 0.0
    try:
        seconds = float(value)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return 0.0
        seconds = parsed.timestamp() - time.time()
    return max(0.0, min(MAX_RETRY_AFTER, seconds))


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:160] if text else type(exc).__name__
