"""Syllabus's user interfaces: the Textual app and the ``syllabus`` command line.

Both are thin layers over ``index`` and ``library``; nothing here holds domain logic.
"""
