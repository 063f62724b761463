"""What the terminal can draw, asked before Textual takes it over: images (sixel, kitty graphics).

textual-image asks the terminal at import time, which is only possible before Textual starts: so
:func:`detect_image_support` runs in ``reader.app.run_app``, and only for a real terminal. It costs
0.2-0.35 s where the terminal does not answer: Pillow and numpy imports (~0.1 s), a sixel query,
then a kitty graphics query that waits 0.1 s for an answer.

Under tmux the kitty query is never sent: tmux does not pass kitty graphics on, and it reads the
query (an APC string, ``ESC _ Gi=…,s=1,v=1… ESC \\``) as a new pane title, which its status bar
then showed for as long as the app ran. tmux is asked instead whether its terminal has sixel, and
only then does textual-image probe (its sixel query answers first, so the kitty one never goes).
"""

from __future__ import annotations

import os
import subprocess
import sys


def detect_image_support() -> bool:
    """Whether this terminal can draw images (sixel or the kitty graphics protocol)."""
    if not (sys.__stdout__ and sys.__stdout__.isatty()) or os.environ.get("SYLLABUS_NO_IMAGES"):
        return False
    if os.environ.get("TMUX") and not tmux_has_sixel():
        return False
    try:
        import textual_image.widget  # noqa: F401  (caches the cell size while the terminal can still answer)
        from textual_image.renderable import Image, SixelImage, TGPImage
    except Exception:
        return False
    return Image in (SixelImage, TGPImage)


def tmux_has_sixel() -> bool:
    """Whether the terminal of the tmux client this runs in draws sixel (tmux ≥ 3.4 passes it on).
    One ``tmux display-message``, ~5 ms; no answer (no client attached, an old tmux) is a no."""
    try:
        result = subprocess.run(
            ["tmux", "display-message", "-p", "#{client_termfeatures}"],
            capture_output=True,
            text=True,
            timeout=2,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0 and "sixel" in result.stdout.split(",")
