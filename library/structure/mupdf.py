"""PyMuPDF, set up the way Syllabus reads PDFs: the one way the project imports it.

Maths is laid out from each character's ink box (a radical hangs below the baseline, a fraction's
numerator sits above its rule, a subscript is small and low), which MuPDF gives with
``TEXT_ACCURATE_BBOXES`` only when PyMuPDF's own "quad corrections" are off: by default PyMuPDF
stretches every character's box to the line's ascender and descender. Turning them off is a
process-wide switch, so every extraction in Syllabus sees the same boxes (headings, tables,
regions, rendering), set here before the first page is read.
"""

from __future__ import annotations

from types import ModuleType


def load() -> ModuleType:
    """The ``pymupdf`` module, boxes from the glyphs' ink (~0.1 s the first time in a process)."""
    import pymupdf

    pymupdf.TOOLS.unset_quad_corrections(True)
    # PyMuPDF 1.28 prints a suggestion to install its layout add-on on stdout at its first table:
    # in the middle of `syllabus read --json`'s output, or on the app's screen.
    pymupdf.no_recommend_layout()
    return pymupdf
