"""No escape sequence from data reaches the terminal (issue 16, finding 1).

Titles, notes, tags, a server's reason phrase and Content-Type can carry OSC (window title,
clipboard), CSI (clear screen), C1 controls and bidi overrides. Through the real ``syllabus``
script, no command prints a character in U+0000-U+001F (but tab and newline), U+007F-U+009F,
the bidi embeddings/overrides/isolates or a lone surrogate that came from such data; JSON keeps
the exact strings as ``\\u`` escapes; exports are cleaned; the app's screen is too.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from entry_point import SYLLABUS

from library.textclean import json_text, strip_escapes

# Window title, clipboard write (OSC 52), clear screen, 8-bit CSI, bidi override and isolate.
ATTACK = "\x1b]0;PWNED\x07\x1b]52;c;SGFjaw==\x07\x1b[2J\x9b31m\u202eevil\u2066\x85"
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def run(home: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """``syllabus ARGS``; returns the exit code and stdout + stderr, decoded as strict UTF-8."""
    result = subprocess.run(
        [str(SYLLABUS), *args],
        env={**os.environ, "SYLLABUS_HOME": str(home), **(env or {})},
        capture_output=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    out = result.stdout.decode("utf-8") + result.stderr.decode("utf-8")
    assert "Traceback" not in out, out
    return result.returncode, out


def assert_printable(out: str, what: str) -> None:
    m = UNSAFE.search(out)
    assert m is None, f"{what} printed {m.group(0)!r} in {out[max(0, m.start() - 60) : m.end() + 60]!r}"


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("bidi \u202egnp.exe\u202c and \u2066isolate\u2069", "bidi gnp.exe and isolate"),
        ("c1 \x85next \x9b2J", "c1 next "),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ("clip \x1b]52;c;aGVsbG8=\x07 done", "clip  done"),
        ("plain ünïcödé — text\ttab\n", "plain ünïcödé — text\ttab\n"),
    ],
)
def test_strip_escapes_removes_every_kind(raw, clean):
    assert strip_escapes(raw) == clean


def test_json_keeps_exact_strings_as_escapes():
    data = {"title": ATTACK, "lone": "\udcff"}
    text = json_text(data)
    assert_printable(text, "json_text")
    assert json.loads(text) == data


def _hostile_home(home: Path, tmp_path: Path) -> None:
    """A curriculum, a reading added by hand, notes (with quote and tag) and a study log, all hostile."""
    md = tmp_path / "evil.md"
    md.write_text(
        f"# Evil course {ATTACK}\n\n"
        f"# Chapter 1: Attention {ATTACK}\n\n"
        "## Recommended reading\n\n"
        f"- [Attention {ATTACK} paper](https://arxiv.org/abs/1706.03762)\n\n"
        "## Suggested exercise\n\n"
        f"Build a transformer {ATTACK}.\n",
        encoding="utf-8",
    )
    assert run(home, "curriculum", "import", str(md), "--name", "evil", "--use")[0] == 0
    code, out = run(home, "add", "https://example.org/post", "--title", f"Post {ATTACK}")
    assert code == 0, out
    notes = {
        "type": "AnnotationCollection",
        "first": {
            "items": [
                {
                    "type": "Annotation",
                    "id": "urn:uuid:00000000-0000-4000-8000-000000000001",
                    "body": [
                        {"type": "TextualBody", "value": f"imported {ATTACK} note"},
                        {"type": "TextualBody", "value": f"tag{ATTACK}", "purpose": "tagging"},
                    ],
                    "target": {
                        "source": "https://arxiv.org/abs/1706.03762",
                        "selector": {"type": "TextQuoteSelector", "exact": f"quoted {ATTACK}"},
                    },
                }
            ]
        },
    }
    (tmp_path / "notes.json").write_text(json.dumps(notes), encoding="utf-8")
    assert run(home, "import", "notes", str(tmp_path / "notes.json"))[0] == 0
    assert run(home, "log", "add", "attention-evil-paper", "30m")[0] in (0, 2)
    assert run(home, "log", "add", "post-evil", "20m")[0] in (0, 2)


COMMANDS = [
    ["chapters"],
    ["chapters", "--json"],
    ["progress"],
    ["next"],
    ["next", "--json"],
    ["curriculum", "list"],
    ["curriculum", "use", "evil"],
    ["note", "list"],
    ["note", "list", "--json"],
    ["note", "show", "1"],
    ["review", "--json"],
    ["log", "report"],
    ["log", "report", "--csv"],
    ["log", "report", "--by", "reading"],
    ["plan"],
    ["export", "--format", "bibtex"],
    ["export", "--format", "json"],
    ["show", "nope"],  # an error line that quotes the closest ids
]


def test_no_command_prints_an_escape_from_data(syllabus_home, tmp_path):
    _hostile_home(syllabus_home, tmp_path)
    seen_evil = 0
    for args in COMMANDS:
        _, out = run(syllabus_home, *args)
        assert_printable(out, " ".join(args))
        seen_evil += "evil" in out
    assert seen_evil >= len(COMMANDS) // 2  # the data itself is shown, only the escapes are gone
    # JSON output keeps the exact text, escaped.
    _, out = run(syllabus_home, "note", "list", "--json")
    assert any(ATTACK in n["body"] for n in json.loads(out))


def test_exports_to_files_are_clean(syllabus_home, tmp_path):
    _hostile_home(syllabus_home, tmp_path)
    out_dir = tmp_path / "vault"
    assert run(syllabus_home, "export", "--format", "md", "-o", str(out_dir))[0] == 0
    assert run(syllabus_home, "export", "--format", "bibtex", "-o", str(tmp_path / "r.bib"))[0] == 0
    assert run(syllabus_home, "export", "--format", "json", "-o", str(tmp_path / "n.json"))[0] == 0
    files = [*out_dir.glob("*.md"), tmp_path / "r.bib", tmp_path / "n.json"]
    assert len(files) >= 3
    for path in files:
        assert_printable(path.read_text(encoding="utf-8"), path.name)
    assert "evil" in "".join(p.read_text(encoding="utf-8") for p in files)


def test_anki_fields_are_clean():
    from index.anki import _esc

    assert_printable(_esc(f"note {ATTACK}"), "anki field")


def test_a_hostile_servers_reason_and_content_type_stay_off_the_terminal(syllabus_home, server):
    # The status line and headers are Latin-1: C1 controls (0x80-0x9f) are what a server can send.
    evil = "Not Found \x9b2J\x85\x90q\x9c"
    url = server.route("/evil.pdf", status=404, reason=evil)
    url2 = server.route("/evil2.pdf", body=b"hello", content_type="text/x\x9b2Jy\x85; charset=\x9d0;T\x9c")
    env = server.env()
    assert run(syllabus_home, "add", url, "--title", "evil one")[0] == 0
    assert run(syllabus_home, "add", url2, "--title", "evil two")[0] == 0
    code, out = run(syllabus_home, "fetch", "evil-one", "evil-two", env=env)
    assert code == 1
    assert "HTTP 404" in out and "failed: evil-one" in out and "failed: evil-two" in out
    assert_printable(out, "fetch")


@pytest.mark.slow
def test_search_shows_hostile_notes_cleanly(syllabus_home, tmp_path, model):
    _hostile_home(syllabus_home, tmp_path)
    code, out = run(syllabus_home, "search", "imported note", "--notes")
    assert code == 0 and "imported" in out
    assert_printable(out, "search")


def test_the_app_never_writes_an_escape_from_data(syllabus_home, tmp_path):
    """The real app in a pseudo-terminal: its output holds Textual's own sequences, never the data's."""
    import fcntl
    import pty
    import select
    import struct
    import termios
    import time

    _hostile_home(syllabus_home, tmp_path)
    env = {**os.environ, "SYLLABUS_HOME": str(syllabus_home), "TERM": "xterm-256color"}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the app, as a user starts it
        os.execve(str(SYLLABUS), ["syllabus"], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
    output = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and b"Attention" not in output:
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    output += os.read(fd, 65536)
                except OSError:
                    break
        time.sleep(1.0)  # let the first screen finish drawing
        while select.select([fd], [], [], 0.3)[0]:
            try:
                output += os.read(fd, 65536)
            except OSError:
                break
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    text = output.decode("utf-8", "replace")
    assert "Attention" in text, "the app did not draw the hostile curriculum"
    for sequence in ("\x1b]0;PWNED", "\x1b]52;", "\x1b[2J\x9b", "\u202e", "\u2066", "\x9b", "\x85"):
        assert sequence not in text, f"the app wrote {sequence!r} from the data"
