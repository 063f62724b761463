"""Whether there is a network at all, and what a failed connection means, in a few words.

``syllabus fetch`` looks once per run (:func:`no_network`) before its first request: offline, a
name does not resolve or no route exists, and every reading that needs a download then fails at
once with the same reason instead of each one retrying for tens of seconds. :func:`describe`
turns the chain of exceptions that httpx or requests raise for a failed connection into a short
reason ("cannot resolve arxiv.org") instead of a library's ``HTTPSConnectionPool(...)`` text.
"""

from __future__ import annotations

import errno
import socket
from urllib.parse import urlsplit

# What to do without a network, named wherever a fetch failed for want of one.
OFFLINE_HINT = (
    "no network: use a copy you have instead, with `syllabus attach ID FILE` (a PDF, or a web page "
    "saved from the browser) or `syllabus fetch --from DIR` (PDFs named by arXiv id, e.g. 1706.03762.pdf)"
)
# Seconds the one connection test may take; a working network answers a TCP handshake far sooner.
PROBE_TIMEOUT = 2.5
_NO_ROUTE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN}


def no_network(url: str, timeout: float = PROBE_TIMEOUT) -> str | None:
    """Why nothing can be downloaded from ``url``'s host: no name resolution, no route, no answer.

    None when the host answers, or refuses (a refusing host is reachable: that failure belongs to
    the request itself, with its retries)."""
    parts = urlsplit(_through_proxy(url))
    host = parts.hostname
    if not host:
        return None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        reason = describe(exc, host)
        return None if isinstance(exc, ConnectionRefusedError) else reason


def _through_proxy(url: str) -> str:
    """The address a request for ``url`` first connects to: the proxy set for it (HTTPS_PROXY and
    friends, which httpx and requests honour too), or the URL's own host."""
    import urllib.request

    parts = urlsplit(url)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(parts.hostname or ""):
        return proxy if "://" in proxy else f"http://{proxy}"
    return url


def describe(exc: BaseException, host: str) -> str:
    """A short reason for a failed connection to ``host``, from the exception and its causes."""
    for cause in _chain(exc):
        if isinstance(cause, socket.gaierror) or "Name or service not known" in str(cause):
            return f"cannot resolve {host}"
        if isinstance(cause, ConnectionRefusedError):
            return f"cannot reach {host} (connection refused)"
        if isinstance(cause, TimeoutError | socket.timeout):
            return f"cannot reach {host} (no answer)"
        if isinstance(cause, OSError) and cause.errno in _NO_ROUTE:
            return f"cannot reach {host} (no route to it)"
    return f"cannot reach {host}"


def unresolvable(exc: BaseException) -> bool:
    """True when the host's name did not resolve: trying again a moment later cannot help."""
    return describe(exc, "").startswith("cannot resolve")


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and everything it wraps: causes, contexts, urllib3's ``reason``, exceptions in args."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo and len(seen) < 20:
        item = todo.pop(0)
        if item in seen:
            continue
        seen.append(item)
        nested = [item.__cause__, item.__context__, getattr(item, "reason", None), *item.args]
        todo.extend(n for n in nested if isinstance(n, BaseException))
    return seen
