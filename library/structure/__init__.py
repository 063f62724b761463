"""A document's structure: its sections and, for any section, its content in reading order.

``model`` holds the data types every other layer uses (the index splits passages along
them, the reader renders them). Extraction lives in ``pdf`` and ``html``; ``resolve`` maps a
curriculum :class:`~library.pointers.Pointer` onto a document's sections.
"""
