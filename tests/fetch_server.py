"""A local HTTP server for the fetch tests: arXiv's API and PDFs, web pages, and failures.

Runs on 127.0.0.1 (a free port) in a daemon thread. It serves:

- ``/api/query?id_list=...`` — an Atom feed in the arXiv API's shape for the papers in
  :attr:`FetchServer.papers` (``latest`` version, title, authors, categories, DOI);
- ``/pdf/<id>[vN]`` — the real PDF from ``../shared/corpus/arxiv/`` when there is one, else a
  small PDF generated with PyMuPDF whose first page carries the arXiv stamp of that version;
- ``/site/<host>/<path>`` — a mirror of web readings: a real page from ``corpus/html/`` when
  its original URL matches, a generated PDF for ``.pdf`` paths, a generated article otherwise;
- any path registered with :meth:`FetchServer.route`, with a status, a delay, a slow drip,
  a lying Content-Length (truncated body), or failures before success.

Every request is counted in :attr:`hits` (by path) and bytes sent in :attr:`sent`.
"""

from __future__ import annotations

import csv
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"

WORDS = [
    "model",
    "layer",
    "weight",
    "gradient",
    "token",
    "attention",
    "signal",
    "loss",
    "batch",
    "network",
    "training",
    "data",
    "vector",
    "update",
    "result",
    "method",
    "step",
    "value",
    "estimate",
    "scale",
    "sample",
    "policy",
    "reward",
]


def generated_article(title: str, headings: list[str], words_per_section: int = 120) -> bytes:
    """A plain article with ``headings`` as <h2> sections of filler words (no real prose)."""
    parts = [f"<!DOCTYPE html><html><head><title>{title}</title></head><body><article><h1>{title}</h1>"]
    for n, heading in enumerate(headings):
        filler = " ".join(WORDS[(n + i) % len(WORDS)] for i in range(words_per_section))
        parts.append(f"<h2>{heading}</h2><p>{filler}.</p><p>{filler}.</p>")
    parts.append("</article></body></html>")
    return "".join(parts).encode()


def generated_pdf(stamp: str | None = None, pages: int = 3, title: str = "Generated Paper") -> bytes:
    """A small real PDF (PyMuPDF) with numbered sections; page 1 carries ``stamp`` if given."""
    import pymupdf

    doc = pymupdf.open()
    for n in range(pages):
        page = doc.new_page()
        if n == 0:
            page.insert_text((72, 72), title, fontsize=16)
            if stamp:
                page.insert_text((20, 700), f"arXiv:{stamp} [cs.LG] 1 Jan 2020", fontsize=8, rotate=90)
        page.insert_text((72, 120), f"{n + 1} Section {n + 1}", fontsize=12)
        page.insert_text((72, 140), " ".join(WORDS[:12]), fontsize=10)
    doc.set_metadata({"title": title})
    data = doc.tobytes()
    doc.close()
    return data


def corpus_versions() -> dict[str, str]:
    """arXiv id -> version stamped on the corpus PDF (from corpus/SOURCES.tsv)."""
    out: dict[str, str] = {}
    sources = CORPUS / "SOURCES.tsv"
    if sources.exists():
        with open(sources, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                stamp = row.get("arxiv_version_stamp") or ""
                if row["file"].startswith("arxiv/") and stamp.startswith(row["id"] + "v"):
                    out[row["id"]] = stamp[len(row["id"]) :]
    return out


def corpus_pages() -> dict[str, Path]:
    """Original URL (no trailing slash) -> corpus HTML file (from corpus/html/SOURCES.tsv)."""
    out: dict[str, Path] = {}
    sources = CORPUS / "html" / "SOURCES.tsv"
    if sources.exists():
        with open(sources, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                if row["file"].endswith(".html"):
                    out[row["original_url"].rstrip("/")] = CORPUS / "html" / row["file"]
    return out


@dataclass
class Paper:
    arxiv_id: str
    latest: str = "v1"
    title: str = ""
    authors: list[str] = field(default_factory=lambda: ["Ada Author", "Bo Builder"])
    primary: str = "cs.LG"
    doi: str | None = None


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    reason: str | None = None  # the status line's reason phrase (a hostile server's, say)
    content_type: str = "application/octet-stream"
    delay: float = 0.0  # before the status line
    drip: float = 0.0  # between chunks
    chunk: int = 64 * 1024
    declared_length: int | None = None  # a Content-Length that lies (truncated body)
    fail_first: int = 0  # answer 500 to the first N requests


class FetchServer:
    def __init__(self) -> None:
        self.papers: dict[str, Paper] = {}
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self.sent: dict[str, int] = {}
        self.pdf_drip = 0.0  # slow every arXiv PDF down (the kill -9 test)
        self.pdf_chunk = 64 * 1024
        self._pdf_cache: dict[str, bytes] = {}
        self._versions = corpus_versions()
        self._pages = corpus_pages()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                server._handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    # --- configuration -----------------------------------------------------------------------

    def paper(self, arxiv_id: str, **kwargs) -> Paper:
        latest = kwargs.pop("latest", None) or self._versions.get(arxiv_id, "v1")
        paper = Paper(arxiv_id, latest=latest, title=kwargs.pop("title", f"Paper {arxiv_id}"), **kwargs)
        self.papers[arxiv_id] = paper
        return paper

    def route(self, path: str, **kwargs) -> str:
        self.routes[path] = Route(**kwargs)
        return self.base + path

    def mirror(self, url: str) -> str:
        """Where a real URL is served: ``https://host/p`` -> ``<base>/site/host/p``."""
        parts = urlsplit(url)
        return f"{self.base}/site/{parts.netloc}{parts.path}" + (f"?{parts.query}" if parts.query else "")

    def rewrites_for(self, urls) -> str:
        """``SYLLABUS_URL_REWRITE`` sending each URL's ``scheme://host/`` to the mirror."""
        prefixes = {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}/" for u in urls}
        return " ".join(f"{p}={self.base}/site/{urlsplit(p).netloc}/" for p in sorted(prefixes))

    def env(self) -> dict[str, str]:
        return {
            "SYLLABUS_ARXIV_API_URL": f"{self.base}/api/query",
            "SYLLABUS_ARXIV_PDF_URL": f"{self.base}/pdf",
            "SYLLABUS_ARXIV_DELAY": "0",
            "SYLLABUS_HTTP_BACKOFF": "0.01",
            "SYLLABUS_HTTP_RETRIES": "2",
            "SYLLABUS_HTTP_TIMEOUT": "5",
        }

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def arxiv_pdf(self, arxiv_id: str, version: str) -> bytes:
        key = arxiv_id + version
        if key not in self._pdf_cache:
            real = CORPUS / "arxiv" / f"{arxiv_id}.pdf"
            if real.exists() and self._versions.get(arxiv_id) == version:
                self._pdf_cache[key] = real.read_bytes()
            else:
                self._pdf_cache[key] = generated_pdf(arxiv_id + version, title=f"Paper {arxiv_id}")
        return self._pdf_cache[key]

    # --- serving -----------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        path = parts.path
        with self._lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            count = self.hits[path]
        if path in self.routes:
            route = self.routes[path]
            if route.delay:
                time.sleep(route.delay)
            if count <= route.fail_first:
                return self._send(h, path, Route(b"busy", status=500, content_type="text/plain"))
            return self._send(h, path, route)
        if path == "/api/query":
            return self._send(
                h, path, Route(self._feed(parse_qs(parts.query)), content_type="application/atom+xml")
            )
        if path.startswith("/pdf/"):
            return self._pdf(h, path)
        if path.startswith("/site/"):
            return self._site(h, path)
        self._send(h, path, Route(b"not here", status=404, content_type="text/plain"))

    def _pdf(self, h, path: str) -> None:
        from library.store import split_arxiv

        split = split_arxiv(path[len("/pdf/") :])
        paper = self.papers.get(split[0]) if split else None
        if paper is None:
            return self._send(h, path, Route(b"no such paper", status=404, content_type="text/plain"))
        version = split[1] or paper.latest
        if int(version[1:]) > int(paper.latest[1:]):
            return self._send(h, path, Route(b"no such version", status=404, content_type="text/plain"))
        body = self.arxiv_pdf(paper.arxiv_id, version)
        self._send(
            h, path, Route(body, content_type="application/pdf", drip=self.pdf_drip, chunk=self.pdf_chunk)
        )

    def _site(self, h, path: str) -> None:
        rest = path[len("/site/") :]
        for scheme in ("https", "http"):
            real = self._pages.get(f"{scheme}://{rest}".rstrip("/"))
            if real is not None:
                return self._send(h, path, Route(real.read_bytes(), content_type="text/html; charset=utf-8"))
        if rest.lower().endswith(".pdf"):
            return self._send(
                h, path, Route(generated_pdf(title="A web PDF"), content_type="application/pdf")
            )
        page = generated_article(f"Page {rest}", ["Introduction", "Main Idea", "Discussion"])
        self._send(h, path, Route(page, content_type="text/html; charset=utf-8"))

    def _feed(self, query: dict) -> bytes:
        from xml.sax.saxutils import escape

        from library.store import split_arxiv

        ids = [i for i in (query.get("id_list", [""])[0]).split(",") if i]
        entries = []
        for raw in ids:
            split = split_arxiv(raw)
            paper = self.papers.get(split[0]) if split else None
            if paper is None:
                continue
            v = split[1] or paper.latest
            doi = f"<arxiv:doi>{escape(paper.doi)}</arxiv:doi>" if paper.doi else ""
            authors = "".join(f"<author><name>{escape(a)}</name></author>" for a in paper.authors)
            entries.append(
                f"<entry><id>http://arxiv.org/abs/{paper.arxiv_id}{v}</id>"
                "<updated>2023-08-02T00:41:18Z</updated><published>2017-06-12T17:57:34Z</published>"
                f"<title>{escape(paper.title)}</title><summary>Abstract of {paper.arxiv_id}.</summary>{authors}{doi}"
                f'<link href="http://arxiv.org/abs/{paper.arxiv_id}{v}" rel="alternate" type="text/html"/>'
                f'<link title="pdf" href="http://arxiv.org/pdf/{paper.arxiv_id}{v}"'
                ' rel="related" type="application/pdf"/>'
                f'<arxiv:primary_category term="{paper.primary}"/><category term="{paper.primary}"/></entry>'
            )
        feed = (
            '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"'
            ' xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">'
            f"<title>arXiv Query</title><opensearch:totalResults>{len(entries)}</opensearch:totalResults>"
            f"<opensearch:startIndex>0</opensearch:startIndex><opensearch:itemsPerPage>{len(entries)}</opensearch:itemsPerPage>"
            + "".join(entries)
            + "</feed>"
        )
        return feed.encode()

    def _send(self, h, path: str, route: Route) -> None:
        try:
            h.send_response(route.status, route.reason)
            h.send_header("Content-Type", route.content_type)
            h.send_header("Content-Length", str(route.declared_length or len(route.body)))
            if route.declared_length:
                h.send_header("Connection", "close")
            h.end_headers()
            for start in range(0, len(route.body), route.chunk):
                h.wfile.write(route.body[start : start + route.chunk])
                h.wfile.flush()
                with self._lock:
                    self.sent[path] = self.sent.get(path, 0) + len(route.body[start : start + route.chunk])
                if route.drip:
                    time.sleep(route.drip)
            if route.declared_length:
                h.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True
