"""Make text from outside safe to show in a terminal: the one sanitising function.

Titles, notes, document text, a server's reason phrase: any of it can carry terminal escape
sequences (by accident, or on purpose: an OSC sequence can set the window title or write to the
clipboard, a CSI sequence can clear the screen or move the cursor and overwrite what is shown),
C1 controls that some terminals obey like ESC sequences, and bidirectional overrides that make
text display in another order than it reads ("Trojan Source"). :func:`strip_escapes` removes
all of them. It is applied where text leaves Syllabus, never at each call site: the CLI's
output streams and Rich console (``reader.output``), the app's every rendered line (a Textual
line filter in ``reader.app``), and the files exports write. JSON keeps the data exact instead:
:func:`json_text` writes those characters as ``\\u`` escapes, which print as plain letters.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Order matters: string-type sequences (OSC, DCS, SOS, PM, APC) run to a terminator and must be
# removed whole before the generic two-byte ESC rule would cut them in half.
_ESCAPES = re.compile(
    r"""
      \x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?     # OSC ... BEL | ST
    | \x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?           # DCS / SOS / PM / APC ... ST
    | [\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?   # the same, 8-bit introducers
    | (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?                 # CSI (7-bit or 8-bit)
    | \x1b[ -/]*[0-~]?                                   # other ESC sequences (charset, keypad, RIS)
    """,
    re.VERBOSE,
)
# C0 controls other than tab and newline, DEL, the remaining C1 controls, and the bidirectional
# embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Lone surrogates (a file name that is not UTF-8, a JSON "\ud800"): not text, cannot be printed.
_SURROGATES = re.compile("[\ud800-\udfff]")
# Anything the three passes would change: most text has none of it and is returned as it is.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def strip_escapes(text: str) -> str:
    """Remove terminal escape sequences, control characters and bidi overrides; keep tabs and newlines.

    A carriage return becomes nothing (``\\r\\n`` line ends stay line ends) and a lone surrogate
    becomes U+FFFD, so what remains can only print, never command.
    """
    if not _UNSAFE.search(text):
        return text
    text = _ESCAPES.sub("", text)
    text = text.replace("\r\n", "\n")
    text = _CONTROLS.sub("", text)
    return _SURROGATES.sub("\ufffd", text)


# What JSON leaves raw with ensure_ascii=False and a terminal would obey (it escapes C0 itself).
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def json_text(data: Any, *, indent: int | None = 2) -> str:
    """``data`` as JSON, readable (non-ASCII letters as they are) yet safe to print: DEL, C1
    controls, bidi overrides and lone surrogates are written as ``\\uXXXX`` escapes, so a program
    reading it gets the exact strings back."""
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
