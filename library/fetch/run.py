"""``syllabus fetch``: get each selected reading into the store, or say why not.

One run asks arXiv for the metadata of every paper it needs in a single batch, then handles
the readings one by one: a cached document is served without touching the network (unless
``refresh``), a newer arXiv version is downloaded beside the older one on ``refresh`` and
reported on ``check``, and everything else ends as an :class:`~library.fetch.outcome.Outcome`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from library import curricula, paths, store
from library.catalogue import Chapter, Curriculum, Reading
from library.errors import UsageError
from library.fetch import arxiv_source, network, pdf
from library.fetch.config import FetchSettings
from library.fetch.config import settings as read_settings
from library.fetch.files import PendingFile, write_atomic
from library.fetch.html_text import looks_javascript_only
from library.fetch.http import Download, Downloader, FetchError
from library.fetch.outcome import NoProgress, Outcome, Progress, Status
from library.fetch.planner import Plan, plan
from library.structure.encoding import decode_page
from library.structure.html import article_markdown

JS_ONLY = "page renders only with JavaScript (no article text)"


def select(
    curriculum: Curriculum,
    ids: tuple[str, ...] | list[str] = (),
    *,
    chapter: int | None = None,
    everything: bool = False,
    optional: bool = False,
) -> list[Reading]:
    """The readings a command names: ids, a chapter, or all; recommended ones unless ``optional``.

    Named ids are taken whatever their role. With ``optional``, exercise resources come too.
    The same work listed twice (an arXiv paper in two chapters) is handled once.
    """
    picked: list[Reading] = []
    for item in ids:
        found = curricula.find(curriculum, item)
        if isinstance(found.item, Reading):
            picked.append(found.item)
        else:
            picked.extend(found.item.resources)  # an exercise id: its linked resources
    if chapter is not None or everything:
        chapters: list[Chapter] = (
            [curriculum.chapter(chapter)] if chapter is not None else list(curriculum.chapters)
        )
        for ch in chapters:
            picked.extend(r for r in ch.readings if r.role == "recommended" or optional)
            if optional:
                picked.extend(r for e in ch.exercises for r in e.resources)
    if not ids and chapter is None and not everything:
        raise UsageError("say which readings: reading ids, --chapter N or --all")
    seen: set[tuple[str, str | None]] = set()
    out = []
    for reading in picked:
        key = (store.key_of(reading), reading.arxiv_version)
        if key not in seen:
            seen.add(key)
            out.append(reading)
    return out


def _vnum(version: str | None) -> int:
    return int(version[1:]) if version and version[1:].isdigit() else 0


@dataclass
class Fetcher:
    conn: sqlite3.Connection
    refresh: bool = False
    check: bool = False
    progress: Progress = field(default_factory=NoProgress)
    # Read from the environment when the fetcher is made (tests change it between runs).
    config: FetchSettings = field(default_factory=read_settings)

    def run(self, readings: list[Reading]) -> list[Outcome]:
        plans = {r.id: plan(r) for r in readings}
        self._meta: dict[str, dict] = {}
        self._meta_error: FetchError | None = None
        want_meta = [
            r.arxiv_id
            for r in readings
            if r.arxiv_id is not None
            and plans[r.id].method == "arxiv"
            and (self.refresh or self.check or self._cached(r) is None)
        ]
        # One look at the network before the first request: offline, every download fails at once.
        self._offline: FetchError | None = None
        first = self._first_url(readings, plans, want_meta)
        reason = network.no_network(first) if first else None
        if reason:
            self._offline = FetchError(f"offline: {reason}", offline=True)
            self._meta_error = self._offline if want_meta else None
        elif want_meta:
            try:
                self._meta = arxiv_source.fetch_metadata(want_meta, self.config)
            except FetchError as exc:
                self._meta_error = exc
        self._downloader: Downloader | None = None
        try:
            return [self._one(r, plans[r.id]) for r in readings]
        finally:
            if self._downloader is not None:
                self._downloader.close()

    def _first_url(self, readings: list[Reading], plans: dict[str, Plan], want_meta: list) -> str | None:
        """The first address this run will ask for, or None when it needs no network."""
        assert self.config is not None
        if want_meta:
            return self.config.arxiv_api_url
        if self.check:
            return None  # web readings are only looked up in the library
        for reading in readings:
            how = plans[reading.id]
            if how.method in ("pdf", "html") and (self.refresh or self._cached(reading) is None):
                return self.config.rewrite(reading.url)
        return None

    # --- one reading -------------------------------------------------------------------------

    def _cached(self, reading: Reading) -> store.Document | None:
        doc = store.document_for_reading(
            self.conn, reading.id, arxiv_id=reading.arxiv_id, url=reading.url, version=reading.arxiv_version
        )
        if doc is None or doc.path is None or not doc.path.is_file():
            return None
        if reading.arxiv_version and doc.arxiv_version != reading.arxiv_version:
            return None  # a pinned version is fetched as that version
        return doc

    def _one(self, reading: Reading, how: Plan) -> Outcome:
        cached = self._cached(reading)
        try:
            if how.method == "link_only":
                if cached is not None:
                    return Outcome(reading.id, reading.title, "cached", "your attached copy", cached)
                if self.check:
                    return Outcome(reading.id, reading.title, "link_only", how.reason or "")
                doc = store.record_link_only(
                    self.conn,
                    key=store.key_of(reading),
                    source_url=reading.url,
                    reason=how.reason or "",
                    metadata={"title": reading.title},
                )
                return Outcome(reading.id, reading.title, "link_only", how.reason or "", doc)
            if how.method == "arxiv":
                return self._arxiv(reading, cached)
            return self._web(reading, how, cached)
        except FetchError as exc:
            return Outcome(reading.id, reading.title, "failed", exc.reason, cached, offline=exc.offline)
        except pdf.NotAPdf as exc:
            return Outcome(reading.id, reading.title, "failed", str(exc), cached)

    def _downloads(self) -> Downloader:
        if self._downloader is None:
            self._downloader = Downloader(self.config)
        return self._downloader

    def _download(self, reading: Reading, url: str, *, expect, arxiv: bool = False) -> Download:
        if self._offline is not None:
            raise self._offline
        report = self.progress.start(reading.id)
        try:
            before = (lambda: arxiv_source.LIMITER.wait(self.config.arxiv_delay)) if arxiv else None
            return self._downloads().download(
                url, paths.documents_dir(), expect=expect, on_progress=report, before_request=before
            )
        finally:
            self.progress.stop(reading.id)

    def _arxiv(self, reading: Reading, cached: store.Document | None) -> Outcome:
        arxiv_id = reading.arxiv_id
        assert arxiv_id is not None
        pinned = reading.arxiv_version
        meta = self._meta.get(arxiv_id)
        latest = meta.get("latest_version") if meta else None
        newer_note = (
            f"{latest} is out (pinned to {pinned})" if pinned and _vnum(latest) > _vnum(pinned) else ""
        )
        if self.check:
            if cached is None:
                return Outcome(reading.id, reading.title, "missing", "not fetched yet")
            if self._meta_error and not meta:
                return Outcome(
                    reading.id, reading.title, "cached", f"could not check: {self._meta_error.reason}", cached
                )
            if not pinned and _vnum(latest) > _vnum(cached.arxiv_version):
                return Outcome(
                    reading.id,
                    reading.title,
                    "newer",
                    f"{latest} available (have {cached.arxiv_version or 'unknown version'}); "
                    "run `syllabus fetch --refresh` to get it",
                    cached,
                )
            return Outcome(reading.id, reading.title, "cached", newer_note or "up to date", cached)
        if cached is not None and not self.refresh:
            return Outcome(reading.id, reading.title, "cached", cached.arxiv_version or "", cached)
        if cached is not None and meta is None:
            note = (
                f"could not check for a newer version: {self._meta_error.reason}" if self._meta_error else ""
            )
            return Outcome(reading.id, reading.title, "cached", note, cached)
        if meta is None and self._meta_error is None:
            raise FetchError(f"arXiv has no paper {arxiv_id}")
        version = pinned or latest
        if cached is not None and version and cached.arxiv_version == version:
            # arXiv versions never change: refresh the metadata, keep the file.
            store.update_metadata(self.conn, cached.id, {**cached.metadata, **(meta or {})})
            return Outcome(
                reading.id,
                reading.title,
                "cached",
                newer_note or f"{version} is the latest",
                store.get(self.conn, cached.id),
            )
        url = arxiv_source.pdf_url(arxiv_id, version, self.config)
        download = self._download(reading, url, expect="pdf", arxiv=True)
        pending = download.pending
        try:
            facts = pdf.facts(pending.read_all())
            if facts.stamp_id and facts.stamp_id != arxiv_id:
                raise FetchError(f"the PDF served is arXiv:{facts.stamp_id}, not {arxiv_id}")
            version = version or facts.stamp_version
            final = store.free_name(self.conn, store.arxiv_file(arxiv_id, version), pending.sha256)
            pending.commit(final)
        except BaseException:
            pending.discard()
            raise
        metadata = dict(meta or {"title": reading.title})
        doc = store.record(
            self.conn,
            key=store.key_of(reading),
            source_url=url,
            path=final,
            sha256=pending.sha256,
            size=pending.size,
            content_type="application/pdf",
            pages=facts.pages,
            arxiv_id=arxiv_id,
            arxiv_version=version,
            metadata=metadata,
        )
        status: Status = "updated" if cached is not None else "fetched"
        parts = [version or "version unknown", f"{facts.pages} pages"]
        if cached is not None:
            parts.append(f"{cached.arxiv_version} kept")
        if newer_note:
            parts.append(newer_note)
        if self._meta_error and meta is None:
            parts.append(f"no metadata: {self._meta_error.reason}")
        return Outcome(reading.id, reading.title, status, ", ".join(parts), doc)

    def _web(self, reading: Reading, how: Plan, cached: store.Document | None) -> Outcome:
        if self.check:
            if cached is None:
                return Outcome(reading.id, reading.title, "missing", "not fetched yet")
            return Outcome(reading.id, reading.title, "cached", "", cached)
        if cached is not None and not self.refresh:
            return Outcome(reading.id, reading.title, "cached", "", cached)
        download = self._download(reading, reading.url, expect="pdf" if how.method == "pdf" else "html")
        pending = download.pending
        key = store.key_of(reading)
        try:
            if download.kind == "pdf":
                facts = pdf.facts(pending.read_all())
                final = store.free_name(self.conn, store.pdf_file(reading.url), pending.sha256)
                pending.commit(final)
                metadata = {"title": facts.title or reading.title, "final_url": download.final_url}
                doc = store.record(
                    self.conn,
                    key=key,
                    source_url=reading.url,
                    path=final,
                    sha256=pending.sha256,
                    size=pending.size,
                    content_type="application/pdf",
                    pages=facts.pages,
                    metadata=metadata,
                )
                detail = f"PDF, {facts.pages} pages"
            else:
                html = decode_page(pending.read_all(), download.content_type)
                markdown = article_markdown(html, download.final_url)
                if looks_javascript_only(html, markdown):
                    pending.discard()
                    doc = store.record_link_only(
                        self.conn,
                        key=key,
                        source_url=reading.url,
                        reason=JS_ONLY,
                        metadata={"title": reading.title},
                    )
                    return Outcome(reading.id, reading.title, "link_only", JS_ONLY, doc)
                doc, detail = store_page(
                    self.conn,
                    reading,
                    pending,
                    html,
                    markdown,
                    metadata={"final_url": download.final_url},
                    source_url=reading.url,
                )
        except BaseException:
            pending.discard()
            raise
        if cached is not None:
            if cached.id == doc.id:
                return Outcome(reading.id, reading.title, "cached", "unchanged", doc)
            return Outcome(reading.id, reading.title, "updated", detail + ", older copy kept", doc)
        return Outcome(reading.id, reading.title, "fetched", detail, doc)


def store_page(
    conn: sqlite3.Connection,
    reading: Reading,
    pending: PendingFile,
    html: str,
    markdown: str,
    *,
    metadata: dict,
    source_url: str,
) -> tuple[store.Document, str]:
    """Commit a web page (downloaded, or saved by the user's browser and attached) with the article
    text extracted from it, and record it: the same for both, so `read` and search see one thing."""
    final = store.free_name(conn, store.web_file(reading.url), pending.sha256)
    text_path = final.with_suffix(".md")
    pending.commit(final)
    write_atomic(text_path, markdown.encode("utf-8"))
    doc = store.record(
        conn,
        key=store.key_of(reading),
        source_url=source_url,
        path=final,
        sha256=pending.sha256,
        size=pending.size,
        content_type="text/html",
        text_path=text_path,
        metadata={"title": _html_title(html) or reading.title, **metadata},
    )
    headings = sum(1 for line in markdown.splitlines() if line.startswith("#"))
    return doc, f"web page, {headings} headings"


def _html_title(html: str) -> str | None:
    import html as html_lib
    import re

    m = re.search(r"<title[^>]*>(.*?)</title>", html, re.I | re.S)
    if not m:
        return None
    title = " ".join(html_lib.unescape(m.group(1)).split())
    return title or None
