"""Without a network: one look per run, every download fails at once, and the user is told what to do.

All through the installed ``syllabus`` with every address sent to hosts that never resolve.
"""

from __future__ import annotations

import json

from entry_point import OFFLINE, syllabus
from fetch_server import generated_pdf

RAW_LIBRARY_TEXT = ("HTTPSConnectionPool", "HTTPConnectionPool", "Max retries", "Errno", "Traceback")


def _no_raw_errors(text: str) -> None:
    for raw in RAW_LIBRARY_TEXT:
        assert raw not in text, text


def test_fetch_fails_at_once_and_names_attach_and_fetch_from(syllabus_home):
    result = syllabus(syllabus_home, "fetch", "--chapter", "1", "--optional", "--json", env=OFFLINE)
    assert result.returncode == 1
    rows = json.loads(result.stdout)
    failed = [r for r in rows if r["status"] == "failed"]
    assert failed and all(r["offline"] for r in failed)
    # One look at the network decided for every reading: no request was tried, let alone retried.
    assert {r["detail"] for r in failed} == {"offline: cannot resolve export.arxiv.invalid"}
    hint = result.stderr.strip().splitlines()[-1]
    assert "syllabus attach" in hint and "syllabus fetch --from" in hint
    _no_raw_errors(result.stderr)


def test_check_and_refresh_keep_what_is_stored_and_say_why(syllabus_home, tmp_path):
    pdf = tmp_path / "attention.pdf"
    pdf.write_bytes(generated_pdf(pages=3))
    assert syllabus(syllabus_home, "attach", "attention", str(pdf)).returncode == 0
    check = syllabus(syllabus_home, "fetch", "--check", "attention", "--json", env=OFFLINE)
    assert check.returncode == 0, check.stderr
    (row,) = json.loads(check.stdout)
    assert (
        row["status"] == "cached"
        and row["detail"] == "could not check: offline: cannot resolve export.arxiv.invalid"
    )
    refresh = syllabus(syllabus_home, "fetch", "--refresh", "attention", "--json", env=OFFLINE)
    assert refresh.returncode == 0, refresh.stderr
    (row,) = json.loads(refresh.stdout)
    assert row["status"] == "cached" and "offline: cannot resolve" in row["detail"]
    _no_raw_errors(check.stdout + check.stderr + refresh.stdout + refresh.stderr)


def test_add_offline_says_to_pass_a_title(syllabus_home):
    result = syllabus(syllabus_home, "add", "1512.03385", env=OFFLINE)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == (
        "note: no title from arXiv (offline: cannot resolve export.arxiv.invalid); pass --title to name it"
    )
    assert "added 1512.03385" in result.stdout
    _no_raw_errors(result.stderr)


def test_add_with_a_title_or_a_duplicate_never_asks_the_network(syllabus_home):
    titled = syllabus(syllabus_home, "add", "1512.03385", "--title", "Deep Residual Learning", env=OFFLINE)
    assert titled.returncode == 0 and titled.stderr == ""
    assert "added 1512.03385" in titled.stdout and "Deep Residual Learning" in titled.stdout
    duplicate = syllabus(syllabus_home, "add", "2203.15556", env=OFFLINE)
    assert duplicate.returncode == 2
    assert duplicate.stderr == (
        "error: 2203.15556 is already in deep-learning as 'chinchilla' (chapter 2): Chinchilla\n"
    )


def test_behind_a_proxy_the_look_is_at_the_proxy(monkeypatch):
    """httpx and requests go through HTTPS_PROXY: so does the one look at the network."""
    from library.fetch import network

    monkeypatch.delenv("https_proxy", raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert network.no_network("https://export.arxiv.org/api/query") == "cannot resolve proxy.invalid"
    monkeypatch.setenv("NO_PROXY", "arxiv.org")
    assert (
        network._through_proxy("https://export.arxiv.org/api/query") == "https://export.arxiv.org/api/query"
    )
