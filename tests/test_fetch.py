"""Fetching against a local server: arXiv metadata and PDFs, web pages, failures, caching, versions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fetch_server import corpus_versions, generated_pdf
from fetchtools import connect, curriculum, docs, files_under, install, reading, rows

# --- the bundled curriculum's chapter 1, mirrored ----------------------------------------------


def test_fetch_chapter_1_stores_every_fetchable_reading_then_downloads_nothing(
    server, run_cli, monkeypatch, syllabus_home
):
    from library import catalogue, store
    from library.fetch.planner import plan
    from library.fetch.run import select

    cur = catalogue.load_bundled()
    chapter_readings = select(cur, chapter=1, optional=True)
    for r in chapter_readings:
        if r.arxiv_id:
            server.paper(r.arxiv_id, title=r.title, doi="10.0000/test." + r.arxiv_id)
    monkeypatch.setenv("SYLLABUS_URL_REWRITE", server.rewrites_for(r.url for r in chapter_readings))

    code, out, err = run_cli("fetch", "--chapter", "1", "--optional", "--json")
    assert code == 0, err
    result = rows(out)
    conn = connect()
    for r in chapter_readings:
        row = result[r.id]
        how = plan(r)
        if not how.fetchable:
            assert row["status"] == "link_only" and row["detail"] == how.reason
            continue
        assert row["status"] == "fetched", (r.id, row)
        doc = store.document_for_reading(conn, r.id, arxiv_id=r.arxiv_id, url=r.url)
        assert doc is not None and doc.path.is_file() and doc.size == doc.path.stat().st_size
        import hashlib

        assert hashlib.sha256(doc.path.read_bytes()).hexdigest() == doc.sha256
        assert str(doc.path).startswith(str(syllabus_home))
        if r.arxiv_id:
            assert doc.metadata["title"] == r.title
            assert doc.metadata["authors"] and doc.metadata["latest_version"] == doc.arxiv_version
            assert doc.metadata["doi"] == "10.0000/test." + r.arxiv_id
            assert doc.path.name == f"{r.arxiv_id}{doc.arxiv_version}.pdf"
        else:
            assert doc.metadata["title"]
    conn.close()
    hits_before = dict(server.hits)

    code, out, err = run_cli("fetch", "--chapter", "1", "--optional", "--json")
    assert code == 0, err
    assert {row["status"] for row in rows(out).values()} <= {"cached", "link_only"}
    downloads = {p: n for p, n in server.hits.items() if p != "/api/query"}
    assert downloads == {p: n for p, n in hits_before.items() if p != "/api/query"}, "second run downloaded"
    assert server.hits.get("/api/query") == hits_before.get("/api/query"), "second run asked arXiv again"


# --- web pages -----------------------------------------------------------------------------------


def test_html_reading_keeps_its_section_headings(server, run_cli, corpus):
    page = (corpus / "html" / "lilianweng-contrastive.html").read_bytes()
    url = server.route("/posts/contrastive/", body=page, content_type="text/html; charset=utf-8")
    install(curriculum(reading("contrastive", url)))
    code, out, err = run_cli("fetch", "contrastive", "--json")
    assert code == 0, err
    row = rows(out)["contrastive"]
    assert row["status"] == "fetched"
    text = Path(row["text_path"]).read_text(encoding="utf-8")
    assert any(
        line.lstrip("#").strip() == "Contrastive Training Objectives"
        for line in text.splitlines()
        if line.startswith("#")
    )
    assert Path(row["path"]).read_bytes() == page  # the original bytes are kept
    assert row["path"].endswith(".html") and "contrastive" not in row["path"].rsplit("/", 1)[-1]
    assert text.count("\n$$\n") == 2 * 36  # every display equation of the page, as TeX


def test_latin1_page_without_charset_reads_as_latin1(server, run_cli):
    words = "Les réseaux de neurones sont optimisés par des méthodes d'apprentissage, déjà vu et naïve. " * 3
    body = "<html><head><title>Été</title></head><body><article><h1>Résumé</h1>"
    body += "".join(f"<h2>Partie {n}</h2><p>{words}</p>" for n in range(1, 5)) + "</article></body></html>"
    url = server.route("/latin1/", body=body.encode("latin-1"), content_type="text/html")
    install(curriculum(reading("latin", url)))
    code, out, err = run_cli("fetch", "latin", "--json")
    assert code == 0, err
    code, out, err = run_cli("read", "latin", "--whole")
    assert code == 0, err
    assert "méthodes d'apprentissage, déjà vu et naïve" in out and "\ufffd" not in out


def test_javascript_only_page_is_link_only_with_reason(server, run_cli, corpus):
    shell = (corpus / "html" / "negative" / "distill-multimodal-shell.html").read_bytes()
    url = server.route("/2021/multimodal-neurons/", body=shell, content_type="text/html")
    install(curriculum(reading("multimodal", url)))
    code, out, err = run_cli("fetch", "multimodal", "--json")
    assert code == 0, err
    row = rows(out)["multimodal"]
    assert row["status"] == "link_only"
    assert row["detail"] == "page renders only with JavaScript (no article text)"
    assert files_under_home_clean()
    [doc] = docs()
    assert doc.status == "link_only" and doc.path is None


def files_under_home_clean() -> bool:
    from library import paths

    return files_under(paths.data_home()) == []


def test_direct_pdf_link(server, run_cli):
    url = server.route("/book/RLbook.pdf", body=generated_pdf(pages=5), content_type="application/pdf")
    install(curriculum(reading("book", url, kind="pdf")))
    code, out, err = run_cli("fetch", "book", "--json")
    assert code == 0, err
    row = rows(out)["book"]
    assert row["status"] == "fetched" and row["pages"] == 5
    assert "/documents/pdf/" in row["path"] and "RLbook" not in row["path"]


def test_link_only_readings_are_tracked_with_reasons(server, run_cli):
    install(
        curriculum(
            reading("talk", "https://www.youtube.com/watch?v=abc", kind="video"),
            reading("gdoc", "https://docs.google.com/document/d/xyz/edit", kind="doc"),
            reading("repo", "https://github.com/someone/tool", kind="tool"),
        )
    )
    code, out, err = run_cli("fetch", "--chapter", "1", "--json")
    assert code == 0, err
    result = rows(out)
    assert result["talk"]["detail"].startswith("a video")
    assert "needs a login" in result["gdoc"]["detail"]
    assert result["repo"]["detail"].startswith("not a document")
    assert {r["status"] for r in result.values()} == {"link_only"}
    assert server.hits == {}
    assert len([d for d in docs() if d.status == "link_only"]) == 3


# --- failures leave nothing behind ---------------------------------------------------------------


@pytest.mark.parametrize(
    "route, expected",
    [
        (dict(body=b"gone", status=404, content_type="text/plain"), "not found (HTTP 404"),
        (
            dict(body=b"<!DOCTYPE html><html><body>captcha</body></html>", content_type="application/pdf"),
            "HTML page where a PDF was expected",
        ),
        (
            dict(body=b"%PDF-1.5 only the start", declared_length=50_000, content_type="application/pdf"),
            "truncated download",
        ),
        (dict(body=b"%PDF-1.5 no end marker here", content_type="application/pdf"), "truncated PDF"),
    ],
    ids=["404", "html-instead-of-pdf", "truncated-body", "no-eof-marker"],
)
def test_failed_download_leaves_no_file_and_no_record(server, run_cli, syllabus_home, route, expected):
    url = server.route("/paper.pdf", **route)
    install(curriculum(reading("paper", url, kind="pdf")))
    code, out, err = run_cli("fetch", "paper", "--json")
    assert code == 1
    row = rows(out)["paper"]
    assert row["status"] == "failed" and expected in row["detail"], row
    assert f"failed: paper: {row['detail']}" in err
    assert files_under(syllabus_home) == []
    assert docs() == []


def test_server_error_then_success_is_retried(server, run_cli):
    url = server.route("/flaky.pdf", body=generated_pdf(), content_type="application/pdf", fail_first=2)
    install(curriculum(reading("flaky", url, kind="pdf")))
    code, out, err = run_cli("fetch", "flaky", "--json")
    assert code == 0, err
    assert rows(out)["flaky"]["status"] == "fetched"
    assert server.hits["/flaky.pdf"] == 3


def test_slow_server_past_the_timeout_fails_cleanly(server, run_cli, monkeypatch, syllabus_home):
    monkeypatch.setenv("SYLLABUS_HTTP_TIMEOUT", "0.2")
    monkeypatch.setenv("SYLLABUS_HTTP_RETRIES", "1")
    url = server.route("/slow.pdf", body=generated_pdf(), content_type="application/pdf", delay=0.6)
    install(curriculum(reading("slow", url, kind="pdf")))
    code, out, _err = run_cli("fetch", "slow", "--json")
    assert code == 1
    assert "timed out" in rows(out)["slow"]["detail"]
    assert files_under(syllabus_home) == [] and docs() == []


def test_file_over_the_size_limit_is_refused(server, run_cli, monkeypatch, syllabus_home):
    monkeypatch.setenv("SYLLABUS_MAX_DOWNLOAD_MB", "0.001")
    url = server.route("/big.pdf", body=generated_pdf(pages=4), content_type="application/pdf")
    install(curriculum(reading("big", url, kind="pdf")))
    code, out, _err = run_cli("fetch", "big", "--json")
    assert code == 1
    assert "too large" in rows(out)["big"]["detail"]
    assert files_under(syllabus_home) == [] and docs() == []


# --- arXiv versions --------------------------------------------------------------------------------


def test_pinned_version_is_fetched_as_that_version(server, run_cli):
    server.paper("1811.02553", latest="v4", title="A Closer Look")
    install(
        curriculum(
            reading(
                "closer",
                "https://arxiv.org/abs/1811.02553",
                kind="arxiv",
                arxiv_id="1811.02553",
                arxiv_version="v3",
            )
        )
    )
    code, out, err = run_cli("fetch", "closer", "--json")
    assert code == 0, err
    row = rows(out)["closer"]
    assert row["status"] == "fetched" and row["version"] == "v3"
    assert row["path"].endswith("arxiv/1811.02553v3.pdf")
    assert "v4 is out" in row["detail"]
    assert server.hits.get("/pdf/1811.02553v3") == 1 and "/pdf/1811.02553v4" not in server.hits


def test_newer_version_is_reported_then_fetched_on_request_keeping_the_old(server, run_cli):
    from library import store

    server.paper("1706.03762", title="Attention Is All You Need")
    first = server.papers["1706.03762"].latest
    install(
        curriculum(
            reading("attention", "https://arxiv.org/abs/1706.03762", kind="arxiv", arxiv_id="1706.03762")
        )
    )
    code, out, _ = run_cli("fetch", "attention", "--json")
    assert code == 0 and rows(out)["attention"]["version"] == first

    newer = f"v{int(first[1:]) + 2}"
    server.papers["1706.03762"].latest = newer
    code, out, _ = run_cli("fetch", "attention", "--json")
    assert code == 0 and rows(out)["attention"]["status"] == "cached"  # a re-fetch is a no-op
    code, out, _ = run_cli("fetch", "--check", "attention", "--json")
    row = rows(out)["attention"]
    assert code == 0 and row["status"] == "newer" and newer in row["detail"]
    assert f"/pdf/1706.03762{newer}" not in server.hits

    code, out, err = run_cli("fetch", "--refresh", "attention", "--json")
    assert code == 0, err
    row = rows(out)["attention"]
    assert row["status"] == "updated" and row["version"] == newer
    conn = connect()
    all_docs = store.documents_for_key(conn, "arxiv:1706.03762")
    assert [d.arxiv_version for d in all_docs] == [first, newer]
    old, new = all_docs
    assert old.superseded_by == new.id and old.path.is_file() and new.path.is_file()
    assert store.document_for_reading(conn, "attention", arxiv_id="1706.03762").id == new.id
    conn.close()


# --- offline ---------------------------------------------------------------------------------------


def closed_port() -> int:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_no_network_serves_cached_and_reports_each_missing_reading(server, run_cli, monkeypatch):
    server.paper("1706.03762")
    page = server.route(
        "/post/",
        body=b"<html><body><article><h2>A</h2><p>" + b"word " * 400 + b"</p></article></body></html>",
        content_type="text/html",
    )
    install(
        curriculum(
            reading("attention", "https://arxiv.org/abs/1706.03762", kind="arxiv", arxiv_id="1706.03762"),
            reading("t5", "https://arxiv.org/abs/1910.10683", kind="arxiv", arxiv_id="1910.10683"),
            reading("post", page),
            reading("other", "http://example.invalid/other.pdf", kind="pdf"),
        )
    )
    assert run_cli("fetch", "attention", "post")[0] == 0

    dead = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("SYLLABUS_ARXIV_API_URL", dead + "/api/query")
    monkeypatch.setenv("SYLLABUS_ARXIV_PDF_URL", dead + "/pdf")
    monkeypatch.setenv("SYLLABUS_URL_REWRITE", f"http://example.invalid/={dead}/")
    code, out, err = run_cli("fetch", "--chapter", "1", "--json")
    assert code == 1
    result = rows(out)
    assert result["attention"]["status"] == "cached" and result["post"]["status"] == "cached"
    assert result["t5"]["status"] == "failed" and result["other"]["status"] == "failed"
    failures = [line for line in err.splitlines() if line.startswith("failed: ")]
    assert len(failures) == 2 and all("cannot reach" in line for line in failures)

    # Asking only for what is cached succeeds offline.
    code, out, err = run_cli("fetch", "attention", "post", "--json")
    assert code == 0 and {r["status"] for r in rows(out).values()} == {"cached"}


# --- local PDFs ------------------------------------------------------------------------------------


def test_fetch_from_corpus_attaches_every_corpus_pdf_offline(run_cli, corpus, monkeypatch):
    from library import catalogue, store

    dead = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("SYLLABUS_ARXIV_API_URL", dead + "/api/query")
    monkeypatch.setenv("SYLLABUS_ARXIV_PDF_URL", dead + "/pdf")
    cur = catalogue.load_bundled()
    in_catalogue = {r.arxiv_id for _, r in cur.all_readings() if r.arxiv_id}
    corpus_ids = {p.stem for p in (corpus / "arxiv").glob("*.pdf")}
    expected = corpus_ids & in_catalogue
    assert expected, "the bundled catalogue names none of the corpus papers"

    code, out, err = run_cli("fetch", "--from", str(corpus / "arxiv"), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert not [r for r in result if r["status"] == "failed"]
    conn = connect()
    versions = corpus_versions()
    for arxiv_id in expected:
        doc = store.document_for_reading(conn, None, arxiv_id=arxiv_id)
        assert doc is not None, arxiv_id
        assert (
            doc.sha256
            == __import__("hashlib").sha256((corpus / "arxiv" / f"{arxiv_id}.pdf").read_bytes()).hexdigest()
        )
        assert doc.arxiv_version == versions.get(
            arxiv_id
        )  # read from the first-page stamp (None when unstamped)
    conn.close()
    code, out, _ = run_cli("fetch", "--from", str(corpus / "arxiv"), "--json")
    assert code == 0 and {r["status"] for r in json.loads(out) if r["status"] != "skipped"} == {"cached"}


def test_fetch_from_reads_the_version_from_the_file_name(run_cli, tmp_path):
    install(
        curriculum(reading("paper", "https://arxiv.org/abs/2101.00001", kind="arxiv", arxiv_id="2101.00001"))
    )
    (tmp_path / "2101.00001v2.pdf").write_bytes(generated_pdf())  # no stamp inside
    (tmp_path / "notes.pdf").write_bytes(generated_pdf())
    code, out, err = run_cli("fetch", "--from", str(tmp_path), "--json")
    assert code == 0, err
    row = rows(out)["paper"]
    assert row["status"] == "attached" and row["path"].endswith("arxiv/2101.00001v2.pdf")


def test_attach_uses_a_pdf_the_user_has(run_cli, tmp_path):
    install(
        curriculum(
            reading("gdoc", "https://docs.google.com/document/d/xyz/edit", kind="doc"),
            reading("paper", "https://arxiv.org/abs/2101.00001", kind="arxiv", arxiv_id="2101.00001"),
        )
    )
    mine = tmp_path / "From Zotero (final).pdf"
    mine.write_bytes(generated_pdf(pages=2))
    assert run_cli("fetch", "gdoc")[0] == 0  # link only first
    code, out, err = run_cli("attach", "gdoc", str(mine), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] == "attached" and data["pages"] == 2 and "Zotero" not in data["path"]
    code, out, _ = run_cli("fetch", "gdoc", "--json")
    assert rows(out)["gdoc"]["status"] == "cached"

    stamped = tmp_path / "other.pdf"
    stamped.write_bytes(generated_pdf("2202.02222v1"))
    code, _, err = run_cli("attach", "paper", str(stamped))
    assert code == 2 and "2202.02222" in err
    text = tmp_path / "x.pdf"
    text.write_text("not a pdf")
    code, _, err = run_cli("attach", "paper", str(text))
    assert code == 2 and "not a PDF" in err
