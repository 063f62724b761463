"""How each reading can be had: from arXiv, as a PDF, as a web page, or only as a link (and why).

The decision uses what the curriculum says (kind, arXiv id, URL) and nothing from the
network, so ``syllabus fetch`` can report link-only readings even offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from library.catalogue import Reading

Method = Literal["arxiv", "pdf", "html", "link_only"]

VIDEO_HOSTS = ("youtube.com", "youtu.be", "vimeo.com", "twitch.tv")
LOGIN_HOSTS = ("docs.google.com", "drive.google.com", "twitter.com", "x.com", "facebook.com", "linkedin.com")
NOTEBOOK_HOSTS = ("colab.research.google.com", "kaggle.com")
CODE_HOSTS = ("github.com", "gitlab.com", "huggingface.co", "pypi.org")
DATA_SUFFIXES = (
    ".txt",
    ".zip",
    ".gz",
    ".tgz",
    ".tar",
    ".csv",
    ".json",
    ".jsonl",
    ".npz",
    ".parquet",
    ".ipynb",
)


@dataclass(frozen=True)
class Plan:
    method: Method
    reason: str | None = None

    @property
    def fetchable(self) -> bool:
        return self.method != "link_only"


def _host_matches(host: str, hosts: tuple[str, ...]) -> bool:
    return any(host == h or host.endswith("." + h) for h in hosts)


def is_video(url: str) -> bool:
    """Whether ``url`` is on a video site (watched online, never downloaded)."""
    return _host_matches((urlsplit(url).hostname or "").lower(), VIDEO_HOSTS)


def plan(reading: Reading) -> Plan:
    if reading.arxiv_id:
        return Plan("arxiv")
    parts = urlsplit(reading.url)
    host = (parts.hostname or "").lower()
    path = parts.path.lower()
    if parts.scheme not in ("http", "https"):
        return Plan(
            "link_only",
            f"not a web address ({parts.scheme or 'no scheme'}): attach the file with `syllabus attach`",
        )
    if reading.kind == "video" or _host_matches(host, VIDEO_HOSTS):
        return Plan("link_only", "a video: watch it online")
    if _host_matches(host, LOGIN_HOSTS):
        what = "a Google Doc" if "google.com" in host else "a page"
        return Plan("link_only", f"{what} that needs a login: save it as PDF and use `syllabus attach`")
    if _host_matches(host, NOTEBOOK_HOSTS):
        return Plan("link_only", "an interactive notebook: open it online")
    is_pdf = path.endswith(".pdf") or (host.endswith("openreview.net") and path.startswith("/pdf"))
    if reading.kind == "pdf" or is_pdf:
        return Plan("pdf")
    if reading.kind in ("tool", "dataset", "project") or _host_matches(host, CODE_HOSTS):
        what = reading.kind if reading.kind in ("tool", "dataset", "project") else "repository or tool"
        return Plan(
            "link_only",
            f"not a document (a {what})",
        )
    if path.endswith(DATA_SUFFIXES):
        return Plan("link_only", "not a document (a data file)")
    if reading.kind == "book":
        return Plan("link_only", "a book without a PDF link: attach your copy with `syllabus attach`")
    if reading.kind == "course" and not path.endswith((".html", ".htm")):
        return Plan("link_only", "a course site, not a single document")
    return Plan("html")
