"""add, open, export --format bibtex, the planner, and a download killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from fetch_server import generated_pdf
from fetchtools import connect, curriculum, files_under, install, reading, rows


def test_planner_decides_by_kind_and_host():
    from library.catalogue import Reading
    from library.fetch.planner import plan

    def p(url, kind="link", **kw):
        return plan(Reading(id="x", title="x", kind=kind, url=url, **kw))

    assert p("https://arxiv.org/abs/1706.03762", kind="arxiv", arxiv_id="1706.03762").method == "arxiv"
    assert p("https://youtu.be/abc").reason.startswith("a video")
    assert "needs a login" in p("https://docs.google.com/document/d/1/edit").reason
    assert p("https://github.com/openai/procgen").reason.startswith("not a document")
    assert p("https://www.gutenberg.org/files/100/100-0.txt", kind="dataset").method == "link_only"
    assert p("http://www.incompleteideas.net/book/RLbook2020.pdf", kind="book").method == "pdf"
    assert p("https://lilianweng.github.io/posts/2021-05-31-contrastive/", kind="html").method == "html"


def test_add_arxiv_url_and_local_pdf(server, run_cli, tmp_path):
    server.paper("2101.00001", title="A Paper Added By Hand", authors=["Ann Example"])
    code, out, err = run_cli("add", "2101.00001", "--json")
    assert code == 0, err
    added = json.loads(out)
    assert added["title"] == "A Paper Added By Hand" and added["chapter"] == 100
    code, out, _ = run_cli(
        "add",
        "https://example.org/posts/my-post/",
        "--chapter",
        "1",
        "--optional",
        "--title",
        "My Post",
        "--json",
    )
    assert code == 0 and json.loads(out)["role"] == "optional"
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(generated_pdf(pages=2, title="Scanned Notes"))
    code, out, err = run_cli("add", str(pdf), "--json")
    assert code == 0, err
    local = json.loads(out)
    assert local["document"]["pages"] == 2

    code, out, _ = run_cli("chapters", "--json")
    chapters = {c["number"]: c for c in json.loads(out)["chapters"]}
    assert chapters[100]["title"] == "Your additions"
    assert {r["id"] for r in chapters[100]["readings"]} >= {added["id"], local["id"]}
    assert "my-post" in {r["id"] for r in chapters[1]["readings"]}
    # The same work twice is refused; a missing chapter is named.
    assert run_cli("add", "2101.00001")[0] == 2
    code, _, err = run_cli("add", "https://example.org/x", "--chapter", "42")
    assert code == 2 and "no chapter 42" in err
    # Added readings are fetched like any other.
    code, out, err = run_cli("fetch", added["id"], "--json")
    assert code == 0, err
    assert rows(out)[added["id"]]["status"] == "fetched"


def test_export_bibtex_uses_arxiv_metadata(server, run_cli, tmp_path):
    server.paper(
        "1706.03762",
        title="Attention Is All You Need",
        authors=["Ashish Vaswani", "Noam Shazeer"],
        primary="cs.CL",
        doi="10.0000/example",
    )
    install(
        curriculum(
            reading("attention", "https://arxiv.org/abs/1706.03762", kind="arxiv", arxiv_id="1706.03762"),
            reading("nothing", "https://example.org/unfetched"),
        )
    )
    assert run_cli("fetch", "attention")[0] == 0
    out_file = tmp_path / "refs.bib"
    code, _, err = run_cli("export", "--format", "bibtex", "-o", str(out_file))
    assert code == 0, err
    bib = out_file.read_text()
    assert "@misc{vaswani" in bib and "author = {Ashish Vaswani and Noam Shazeer}" in bib
    assert (
        "eprint = {1706.03762v" in bib
        and "primaryClass = {cs.CL}" in bib
        and "doi = {10.0000/example}" in bib
    )
    assert "archivePrefix = {arXiv}" in bib
    assert "1 readings without metadata left out" in bib


def test_open_builds_an_argument_list_with_the_page(server, run_cli, monkeypatch, tmp_path):
    install(
        curriculum(
            reading(
                "paper",
                "https://arxiv.org/abs/2101.00001",
                kind="arxiv",
                arxiv_id="2101.00001",
                assigned="pages 2-3",
            ),
            reading("talk", "https://www.youtube.com/watch?v=abc", kind="video"),
            reading("later", "https://arxiv.org/abs/2101.00002", kind="arxiv", arxiv_id="2101.00002"),
        )
    )
    pdf = tmp_path / "2101.00001.pdf"
    pdf.write_bytes(generated_pdf(pages=3))
    assert run_cli("attach", "paper", str(pdf))[0] == 0
    monkeypatch.setenv("SYLLABUS_PDF_VIEWER", "my-viewer --page={page} '{path}'")
    code, out, err = run_cli("open", "paper", "--dry-run")
    assert code == 0, err
    assert out.startswith("my-viewer --page=2 ") and out.rstrip().endswith("documents/arxiv/2101.00001.pdf")
    code, out, err = run_cli("open", "paper", "--dry-run", "--json")
    data = json.loads(out)
    assert data["page"] == 2
    assert data["command"][0] == "my-viewer" and data["command"][1] == "--page=2"
    assert data["command"][2].endswith("documents/arxiv/2101.00001.pdf")
    code, out, err = run_cli("open", "paper", "--page", "3", "--dry-run", "--json")
    assert code == 0, err
    assert json.loads(out)["command"][1] == "--page=3"
    code, _, err = run_cli("open", "paper", "--page", "9", "--dry-run")
    assert code == 2 and err.strip() == "error: paper has 3 pages; there is no page 9"
    code, out, _ = run_cli("open", "talk", "--dry-run")
    assert out == "browser: https://www.youtube.com/watch?v=abc\n"
    code, out, _ = run_cli("open", "talk", "--dry-run", "--json")
    assert json.loads(out)["browser"] == "https://www.youtube.com/watch?v=abc"
    code, _, err = run_cli("open", "later")
    assert code == 2 and "syllabus fetch later" in err


def test_kill_9_mid_download_leaves_nothing_and_the_next_run_succeeds(server, run_cli, syllabus_home):
    server.paper("2101.00001", title="Slow Paper")
    install(
        curriculum(reading("slow", "https://arxiv.org/abs/2101.00001", kind="arxiv", arxiv_id="2101.00001"))
    )
    body = server.arxiv_pdf("2101.00001", "v1")
    server.pdf_chunk = 16
    server.pdf_drip = 0.05  # the whole file would take len/16*0.05 s
    assert len(body) / 16 * 0.05 > 3
    env = {**os.environ, **server.env(), "SYLLABUS_HOME": str(syllabus_home)}
    syllabus = Path(sys.executable).parent / "syllabus"
    proc = subprocess.Popen(
        [str(syllabus), "fetch", "slow"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while server.sent.get("/pdf/2101.00001v1", 0) < 512:
            assert proc.poll() is None, "fetch ended before the download started"
            assert time.monotonic() < deadline, "the download never started"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert files_under(syllabus_home) == []
    conn = connect()
    assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 0
    conn.close()

    server.pdf_drip = 0.0
    server.pdf_chunk = 64 * 1024
    code, out, err = run_cli("fetch", "slow", "--json")
    assert code == 0, err
    row = rows(out)["slow"]
    assert row["status"] == "fetched" and Path(row["path"]).read_bytes() == body
    assert files_under(syllabus_home) == ["arxiv/2101.00001v1.pdf"]
