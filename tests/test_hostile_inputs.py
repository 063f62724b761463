"""Inputs that used to hang, inject or crash (issue 16, findings 6, 7 and 10).

Hangs: ``next`` over 10,000 chapters, 200 KB markdown reading lists built to make a parser
backtrack or rescan, a server that drips one byte at a time, ``/dev/zero`` as an import. The
time limits here are hang guards far above the measured times (``tests/benchmarks/
bench_reliability.py`` measures them), not timings. Injection: a URL into BibTeX, a title into a
spreadsheet. Crashes: encrypted PDFs, oversized numbers, deeply nested files, text that is not
UTF-8, a read-only home and a full disk all end in one line.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec
import pytest
from entry_point import SYLLABUS, syllabus

from library import progress
from library.catalogue import Reading, load_bundled
from library.markdown import import_path


@contextmanager
def hang_guard(seconds: float) -> Iterator[None]:
    """Fail (instead of hanging the suite) when the block runs longer than ``seconds``."""

    def hung(*_):
        raise TimeoutError(f"still running after {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _one_line_error(result: subprocess.CompletedProcess, code: int | None = None) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    if code is not None:
        assert result.returncode == code, result.stderr
    return lines[0]


# --- 6: inputs that hang -------------------------------------------------------------------------


def _quadratic_study_order(curriculum) -> list[int]:
    """The former definition, kept as the oracle: O(n^3), exactly the rule the README states."""
    ranked = curriculum.importance_order()
    rank = {n: i for i, n in enumerate(ranked)}
    waiting = {n: set(curriculum.helpers_of(n)) - {n} for n in ranked}
    order: list[int] = []
    while waiting:
        ready = [n for n, helpers in waiting.items() if not helpers - set(order)]
        pick = min(ready or waiting, key=rank.__getitem__)
        order.append(pick)
        del waiting[pick]
    return order


def test_study_order_is_the_same_rule_on_random_graphs_with_cycles():
    base = load_bundled()
    template = base.chapters[1]
    for trial in range(300):
        rnd = random.Random(trial)
        numbers = rnd.sample(range(60), rnd.randint(1, 25))
        chapters = [
            msgspec.structs.replace(
                template, number=n, helps=rnd.sample(numbers, rnd.randint(0, min(3, len(numbers))))
            )
            for n in numbers
        ]
        curriculum = msgspec.structs.replace(
            base, chapters=chapters, importance=rnd.sample(numbers, rnd.randint(0, len(numbers)))
        )
        assert progress.study_order(curriculum) == _quadratic_study_order(curriculum), trial


def _big_curriculum(path: Path, chapters: int) -> Path:
    rnd = random.Random(1)
    lines = [f'name = "big{chapters}"', f'title = "Big {chapters}"', ""]
    for c in range(1, chapters + 1):
        helps = sorted({rnd.randint(c + 1, chapters) for _ in range(2)}) if c < chapters else []
        lines += [
            "[[chapters]]",
            f"number = {c}",
            f'title = "Chapter {c}"',
            f"helps = {helps}",
            "",
            "[[chapters.readings]]",
            f'id = "r{c}"',
            f'title = "Reading {c}"',
            'kind = "html"',
            f'url = "https://example.org/{c}"',
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_next_over_ten_thousand_chapters_does_not_hang(syllabus_home, tmp_path):
    toml = _big_curriculum(tmp_path / "big.toml", 10_000)
    assert syllabus(syllabus_home, "curriculum", "import", str(toml), "--use", timeout=120).returncode == 0
    result = syllabus(syllabus_home, "next", "--json", timeout=60)  # measured 0.2 s; it took > 15 min
    assert result.returncode == 0, result.stderr
    assert [p["chapter"] for p in json.loads(result.stdout)] == [1, 2, 3, 4, 5]


HEAD = "# Chapter 1: T\n\n## Recommended reading\n\n- [Attention](https://arxiv.org/abs/1706.03762) {X}\n"
PROSE = "# Chapter 1: T\n\n{X}\n\n## Recommended reading\n\n- [Attention](https://arxiv.org/abs/1706.03762)\n"
EXERCISE = (
    "# Chapter 1: T\n\n## Recommended reading\n\n- [A](https://arxiv.org/abs/1706.03762)\n\n"
    "## Suggested exercise\n\n{X}\n"
)
N = 200_000
HOSTILE_MARKDOWN = {
    "open brackets": (HEAD, "[" * N),
    "nested brackets": (HEAD, "[" * (N // 2) + "]" * (N // 2)),
    "list brackets": (EXERCISE, "- [" * (N // 3)),
    "backticks": (HEAD, "`" * N),
    "code fences": (HEAD, "```" * (N // 3)),
    "autolinks": (PROSE, "<http://" * (N // 8)),
    "quotes": (HEAD, "\"'“‘" * (N // 4)),
    "link titles": (HEAD, '[a](https://x.org "t" "t" ' + '"t" ' * (N // 4) + "x)"),
    "links and sentences": (EXERCISE, "[a](https://x.org/p). A " * (N // 24)),
    "abbreviations": (HEAD, "e.g. [a](https://x.org/p) A " * (N // 28)),
    "section lists": (
        PROSE,
        "Section 3 of [the paper](https://arxiv.org/abs/1706.03762), chapter 2, " * (N // 70),
    ),
    "urls in code": (EXERCISE, "https://a.b/`" * (N // 13)),
    "same titles": (HEAD, "".join(f"\n- [Same title](https://x.org/{i})" for i in range(N // 30))),
    "bold": (HEAD, "**a " * (N // 4)),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_MARKDOWN))
def test_a_hostile_200kb_reading_list_imports_without_hanging(tmp_path, name):
    template, payload = HOSTILE_MARKDOWN[name]
    path = tmp_path / "list.md"
    path.write_text(template.replace("{X}", payload), encoding="utf-8")
    assert path.stat().st_size >= 150_000
    with hang_guard(60):  # each took over 300 s; all are under 2 s now
        curriculum = import_path(path)
    assert curriculum.chapters[0].readings  # the real reading is still found


def test_a_slow_drip_server_meets_the_download_deadline(syllabus_home, server):
    # 2 MB sent 1 KB every 0.05 s: each read is quick, the whole would take 100 s.
    url = server.route("/slow.pdf", body=b"%PDF-1.4\n" + b"x" * 2_000_000, chunk=1024, drip=0.05)
    assert syllabus(syllabus_home, "add", url, "--title", "slow one").returncode == 0
    result = syllabus(
        syllabus_home, "fetch", "slow-one", env={**server.env(), "SYLLABUS_HTTP_DEADLINE": "2"}, timeout=60
    )
    assert result.returncode == 1
    assert "timed out: not finished after 2 s" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args, what", [(["curriculum", "import"], "reading list"), (["import", "notes"], "notes file")]
)
def test_dev_zero_as_an_import_is_refused(syllabus_home, args, what):
    result = syllabus(syllabus_home, *args, "/dev/zero", timeout=60)
    assert f"too large for a {what}" in _one_line_error(result, 2)


# --- 7: injection ----------------------------------------------------------------------------------


def test_a_url_cannot_inject_latex_into_the_bibtex():
    from library.bibtex import entry_for

    url = "https://example.org/a}\\input{/etc/passwd}%\n#x"
    reading = Reading(id="r", title="T", kind="html", url=url, authors=["Ada Author"], year=2020)
    entry = entry_for(reading, None, set())
    assert entry is not None
    assert "\\input" not in entry and "/etc/passwd}" not in entry
    body = entry.split("\n", 1)[1]
    assert body.count("{") == body.count("}") - 1  # balanced, the entry's own closing brace aside
    assert "%7D%5Cinput%7B" in entry


def test_csv_cells_cannot_run_as_formulas(syllabus_home):
    title = '=HYPERLINK("http://evil.example","click")'
    assert syllabus(syllabus_home, "add", "https://example.org/x", "--title", title).returncode == 0
    added = json.loads(syllabus(syllabus_home, "chapters", "--json").stdout)
    reading_id = next(r["id"] for c in added["chapters"] for r in c["readings"] if r["title"] == title)
    assert syllabus(syllabus_home, "log", "add", reading_id, "20m").returncode == 0
    import csv
    import io

    for by in ("day", "reading"):
        result = syllabus(syllabus_home, "log", "report", "--csv", "--by", by)
        rows = list(csv.reader(io.StringIO(result.stdout)))
        cells = [cell for row in rows[1:] for cell in row]
        assert "'" + title in cells
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]


# --- 10: one line instead of a traceback -------------------------------------------------------------


def _pdf(path: Path, stamp: str, password: str | None = None) -> Path:
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "A paper")
    page.insert_text((20, 700), f"arXiv:{stamp} [cs.LG] 1 Jan 2020", fontsize=8, rotate=90)
    if password:
        doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw=password, owner_pw=password + "!")
    else:
        doc.save(path)
    return path


def test_encrypted_pdfs_are_one_line_and_do_not_stop_the_batch(syllabus_home, tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    locked = _pdf(folder / "1706.03762.pdf", "1706.03762v5", password="secret")
    _pdf(folder / "2001.08361.pdf", "2001.08361v1")
    for args in (["attach", "attention", str(locked)], ["add", str(locked)]):
        assert "encrypted" in _one_line_error(syllabus(syllabus_home, *args), 2)
    result = syllabus(syllabus_home, "fetch", "--from", str(folder), "--json")
    assert "Traceback" not in result.stderr
    rows = {r["reading"]: r for r in json.loads(result.stdout)}
    assert rows["attention"]["status"] == "failed" and "encrypted" in rows["attention"]["detail"]
    assert rows["scaling-laws"]["status"] == "attached"
    assert result.returncode == 1


@pytest.mark.parametrize(
    "args",
    [
        ["note", "add", "attention", "x", "--page", "9" * 30],
        ["review", "--limit", "9" * 30],
        ["note", "show", "9" * 30],
        ["log", "add", "attention", "9" * 30 + "m"],
    ],
)
def test_oversized_numbers_are_usage_errors(syllabus_home, args):
    result = syllabus(syllabus_home, *args)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr


def _annotation(**extra) -> dict:
    item = {
        "type": "Annotation",
        "id": "urn:uuid:00000000-0000-4000-8000-000000000009",
        "body": {"type": "TextualBody", "value": "a note"},
        "target": "https://arxiv.org/abs/1706.03762",
    }
    item.update(extra)
    return {"type": "AnnotationCollection", "first": {"items": [item]}}


@pytest.mark.parametrize(
    "content, expected",
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        (json.dumps(_annotation(body={"type": "TextualBody", "value": "lone \ud800"})), "not valid Unicode"),
        (
            json.dumps(
                _annotation(
                    target={
                        "source": "https://arxiv.org/abs/1706.03762",
                        "selector": {"type": "FragmentSelector", "value": "page=" + "9" * 30},
                    }
                )
            ),
            "no document has that many pages",
        ),
        (json.dumps(_annotation(**{"syllabus:note": {"chapter": 10**30}})), "syllabus:note"),
    ],
    ids=["nested", "lone surrogate", "huge page", "huge chapter"],
)
def test_hostile_notes_files_are_one_line_and_write_nothing(syllabus_home, tmp_path, content, expected):
    path = tmp_path / "notes.json"
    path.write_text(content, encoding="utf-8")
    assert expected in _one_line_error(syllabus(syllabus_home, "import", "notes", str(path)), 2)
    assert syllabus(syllabus_home, "note", "list").stdout.strip() == "no notes"


def test_a_deeply_nested_toml_curriculum_is_one_line(syllabus_home, tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    assert "nested too deeply" in _one_line_error(
        syllabus(syllabus_home, "curriculum", "import", str(path)), 2
    )


def test_arguments_that_are_not_utf8_are_one_line(syllabus_home):
    # What a shell passes for the Latin-1 byte \xe9: Python keeps it as a lone surrogate.
    args = [str(SYLLABUS), "note", "add", "--standalone", os.fsdecode(b"caf\xe9")]
    result = subprocess.run(
        args, env={**os.environ, "SYLLABUS_HOME": str(syllabus_home)}, capture_output=True, timeout=60
    )
    err = result.stderr.decode("utf-8")
    assert result.returncode == 2 and "Traceback" not in err
    assert err.startswith("error: ") and "not valid UTF-8 text" in err and len(err.strip().splitlines()) == 1


def _in_a_mount_namespace(script: str) -> subprocess.CompletedProcess:
    """Run a shell script in a private mount namespace (to mount a read-only or tiny filesystem)."""
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("needs root and unshare(1) to mount a read-only or full filesystem privately")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a mount namespace here: {probe.stderr.decode().strip()}")
    return subprocess.run(
        ["unshare", "-m", "bash", "-c", script], capture_output=True, text=True, timeout=300
    )


def test_a_read_only_home_still_reads_and_refuses_writes_in_one_line(syllabus_home):
    assert syllabus(syllabus_home, "note", "add", "--standalone", "readable").returncode == 0
    script = f"""
    set -e
    mount --bind -o ro {syllabus_home} {syllabus_home}
    export SYLLABUS_HOME={syllabus_home}
    {SYLLABUS} note list; echo "list=$?"
    {SYLLABUS} progress > /dev/null; echo "progress=$?"
    {SYLLABUS} note add --standalone more 2>&1 || echo "add=$?"
    """
    result = _in_a_mount_namespace(script)
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    assert "readable" in result.stdout and "list=0" in result.stdout and "progress=0" in result.stdout
    assert "is read-only" in result.stdout and "add=1" in result.stdout


def test_a_full_disk_is_one_line(syllabus_home, tmp_path):
    home = tmp_path / "small"
    home.mkdir()
    script = f"""
    mount -t tmpfs -o size=2m tmpfs {home}
    export SYLLABUS_HOME={home}
    {SYLLABUS} note add --standalone first > /dev/null || exit 9
    dd if=/dev/zero of={home}/filler bs=4k 2>/dev/null
    for args in "note add --standalone second" "mark attention done" "backup" "note list"; do
        {SYLLABUS} $args 2>&1 >/dev/null; echo "rc=$?"
    done
    """
    result = _in_a_mount_namespace(script)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "Traceback" not in out, out
    errors = [line for line in out.splitlines() if line.startswith("error: ")]
    assert len(errors) == 4 and all("full" in line for line in errors), out
    assert out.count("rc=1") == 4
