"""PyMuPDF, imported without its page-layout add-on: the one way the project imports it.

PyMuPDF 2.0 tries ``import pymupdf.layout`` inside ``import pymupdf``; with onnxruntime installed
(Syllabus has it for embeddings) that loads an ONNX layout model every time, ~0.6 s of a
command's start. Syllabus finds equations, tables and footnotes with its own rules (README,
"Maths, tables and footnotes") and never asks for the model, so the add-on is marked absent
before the first import: ``import pymupdf`` then costs ~0.09 s, as 1.x did. 2.0 is required for
its glyph boxes: ``TEXT_ACCURATE_BBOXES`` gives each character's ink box (a radical that hangs
below the baseline, a fraction's parts), which maths is laid out from; 1.28's are line-high.
"""

from __future__ import annotations

import sys
from types import ModuleType


def keep_layout_addon_out() -> None:
    """Make a later ``import pymupdf`` skip the layout add-on (no-op once PyMuPDF is loaded)."""
    if "pymupdf" not in sys.modules:
        # A None entry makes the import raise ImportError, which PyMuPDF catches. pymupdf4llm
        # (Markdown export, which imports the add-on and numpy: ~0.13 s) is not used either.
        for name in ("pymupdf.layout", "pymupdf4llm"):
            sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def load() -> ModuleType:
    """The ``pymupdf`` module (~0.09 s the first time in a process)."""
    keep_layout_addon_out()
    import pymupdf

    # Without the add-on PyMuPDF prints a suggestion to install it on stdout at its first table:
    # in the middle of `syllabus read --json`'s output, or on the app's screen.
    pymupdf.no_recommend_layout()
    return pymupdf
