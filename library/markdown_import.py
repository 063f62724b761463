"""Former home of the markdown importer, now the package :mod:`library.markdown`.

Kept so that code written against ``library.markdown_import.import_path`` keeps working.
"""

from library.markdown import import_path

__all__ = ["import_path"]
