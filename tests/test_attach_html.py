"""`attach` takes a web page saved by the browser, for a web article, through the fetch's own extraction.

Through the installed ``syllabus``: the same page fetched from the local server into one home and
attached from a file (or from the folder a browser saved it in) into another reads the same.
"""

from __future__ import annotations

import json
import urllib.request

from entry_point import OFFLINE, syllabus
from fetch_server import generated_article, generated_pdf

HEADINGS = ["Why circuits", "Features are directions", "Curve detectors", "Closing thoughts"]


def ok(home, *args: str, env: dict | None = None) -> str:
    result = syllabus(home, *args, env=env)
    assert result.returncode == 0, f"{args}: {result.stderr}"
    return result.stdout


def test_a_saved_page_reads_like_the_fetched_one(server, tmp_path):
    page = generated_article("Circuits, Up Close", HEADINGS)
    base = server.route("/article", body=page, content_type="text/html; charset=utf-8")
    rewrite = {"SYLLABUS_URL_REWRITE": f"https://example.org/article={base}"}
    with urllib.request.urlopen(base) as response:
        saved_bytes = response.read()
    saved = tmp_path / "Circuits, Up Close.html"
    saved.write_bytes(saved_bytes)

    fetched_home, attached_home = tmp_path / "fetched", tmp_path / "attached"
    for home in (fetched_home, attached_home):
        home.mkdir()
        ok(home, "add", "https://example.org/article", "--title", "Circuits")
    ok(fetched_home, "fetch", "circuits", env=rewrite)
    out = ok(attached_home, "attach", "circuits", str(saved), env=OFFLINE)
    assert out.startswith("circuits: attached web page, 5 headings")

    fetched = ok(fetched_home, "read", "circuits")
    assert ok(attached_home, "read", "circuits") == fetched
    assert all(h in fetched for h in HEADINGS)
    doc = json.loads(ok(attached_home, "show", "circuits", "--json"))["document"]
    assert doc["path"].endswith(".html") and doc["text_path"].endswith(".md")


def test_a_folder_saved_by_the_browser(syllabus_home, tmp_path):
    ok(syllabus_home, "add", "https://example.org/article", "--title", "Circuits", env=OFFLINE)
    saved = tmp_path / "saved"
    (saved / "Circuits_files").mkdir(parents=True)
    (saved / "Circuits.html").write_bytes(generated_article("Circuits", HEADINGS))
    (saved / "Circuits_files" / "style.css").write_text("body { margin: 0 }")
    # The folder the page was saved in, and the NAME_files folder beside the page, both work.
    assert "attached web page" in ok(syllabus_home, "attach", "circuits", str(saved))
    again = ok(syllabus_home, "attach", "circuits", str(saved / "Circuits_files"))
    assert again.startswith("circuits: attached")
    assert "Curve detectors" in ok(syllabus_home, "read", "circuits")


def test_a_page_for_a_paper_or_a_pdf_for_nothing_is_refused(syllabus_home, tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(generated_article("A page", HEADINGS))
    paper = syllabus(syllabus_home, "attach", "attention", str(page))
    assert paper.returncode == 2
    assert (
        paper.stderr
        == "error: attention is a paper, not a web article: a saved web page cannot be its document\n"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    ok(syllabus_home, "add", "https://example.org/article", "--title", "Circuits", env=OFFLINE)
    nothing = syllabus(syllabus_home, "attach", "circuits", str(empty))
    assert nothing.returncode == 2 and "no web page in this folder" in nothing.stderr
    fake = tmp_path / "fake.html"
    fake.write_bytes(generated_pdf(pages=1))
    not_html = syllabus(syllabus_home, "attach", "circuits", str(fake))
    assert not_html.returncode == 2 and "is not a web page" in not_html.stderr
