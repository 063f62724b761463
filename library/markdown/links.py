"""What a URL is, from the URL alone: its kind, its arXiv id and version, the work it names,
and the slugs and stand-in titles made from it (a curriculum rarely says any of this)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from library.catalogue import ARXIV_ID, ReadingKind

_ARXIV_URL = re.compile(
    r"arxiv\.org/(?:abs|pdf|html|format)/(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?", re.I
)
_COURSE_HOSTS = (
    "coursera.org",
    "udemy.com",
    "udacity.com",
    "edx.org",
    "course.fast.ai",
    "fullstackdeeplearning.com",
)
_DATA_SUFFIXES = (".txt", ".csv", ".tsv", ".zip", ".gz", ".tgz", ".json", ".jsonl", ".parquet", ".npz")


def arxiv_of(url: str) -> tuple[str, str | None] | None:
    """(arXiv id, version such as "v2" or None) of an arXiv abs/pdf/html link, else None."""
    m = _ARXIV_URL.search(url)
    if m and ARXIV_ID.match(m.group(1)):
        return m.group(1), (m.group(2) or None)
    return None


def work_of(url: str) -> str:
    """The work a link names, so two links to one paper (abs and pdf, v1 and v2) count as one."""
    arxiv = arxiv_of(url)
    return f"arxiv:{arxiv[0]}" if arxiv else f"url:{url.rstrip('/')}"


def host(url: str) -> str:
    """The URL's host, lower-case, without ``www.``."""
    name = (urlsplit(url).hostname or "").lower()
    return name[4:] if name.startswith("www.") else name


def kind_of(url: str) -> ReadingKind:
    """What a link is (a ``Reading.kind``), from its URL alone."""
    if arxiv_of(url):
        return "arxiv"
    site = host(url)
    path = urlsplit(url).path.lower()
    if path.endswith(".pdf"):
        return "pdf"
    if site.endswith(("youtube.com", "youtu.be", "vimeo.com")):
        return "video"
    if re.fullmatch(r"(?:[a-z]+\.)?(?:google\.[a-z.]+|bing\.com|duckduckgo\.com)", site) and path.startswith(
        "/search"
    ):
        return "link"  # a web search standing in for a book: nothing to fetch
    if site == "docs.google.com":
        return "doc"
    if site == "huggingface.co":
        return "dataset" if path.startswith("/datasets/") else "tool"
    if site in ("github.com", "gitlab.com", "colab.research.google.com", "pypi.org"):
        return "tool"
    if any(site == h or site.endswith("." + h) for h in _COURSE_HOSTS):
        return "course"
    if site == "link.springer.com" or "/book/" in path:
        return "book"
    if path.endswith(_DATA_SUFFIXES):
        return "dataset"
    return "html"


def slug(text: str, limit: int = 48) -> str:
    """Lower-case words joined by "-", cut at a word boundary within ``limit`` characters."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower().replace("'", "").replace("’", "")).strip("-")
    if len(s) > limit:
        s = s[:limit].rsplit("-", 1)[0] or s[:limit]
    return s


def title_slug(title: str) -> str:
    """Slug of a title; for derived titles ("Parent: exercises", "Parent (see also)") the part that
    tells them apart is kept whole and the parent is shortened."""
    m = re.match(r"^(.+?)(?::\s+(.+)|\s+\((see also(?: \d+)?)\))$", title)
    if m:
        return f"{slug(m.group(1), 32)}-{slug(m.group(2) or m.group(3), 20)}".strip("-")
    return slug(title)


def url_title(url: str) -> str:
    """A readable stand-in title for a link whose text says nothing ("here", "this post")."""
    arxiv = arxiv_of(url)
    if arxiv:
        return f"arXiv:{arxiv[0]}"
    segments = [
        s for s in urlsplit(url).path.split("/") if s and s.lower() not in ("index.html", "index.htm", "edit")
    ]
    tail = re.sub(r"\.(html?|php|aspx?|pdf)$", "", segments[-1]) if segments else ""
    tail = re.sub(r"[-_]+", " ", tail).strip()
    return f"{host(url)}: {tail}" if tail else host(url)


def url_tag(url: str) -> str:
    """A short slug that tells two links with one title apart: the URL's last path segment, or its host.

    Its rules differ slightly from :func:`url_title`'s (no ``index.htm``, no ``.aspx``): it is part
    of reading ids, which must not change between versions (progress is keyed by them).
    """
    segments = [s for s in urlsplit(url).path.split("/") if s and s.lower() not in ("index.html", "edit")]
    tail = re.sub(r"\.(html?|php|pdf)$", "", segments[-1]) if segments else ""
    return slug(tail, 24) or slug(host(url), 24) or "link"
