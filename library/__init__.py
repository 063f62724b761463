"""Syllabus's domain layer: curricula, the paper store, section extraction, progress.

Nothing here imports Textual or the reader package (tests/test_import_hygiene.py checks it),
and nothing here touches the disk at import time.
"""
