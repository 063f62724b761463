"""Import reading lists written in markdown (or TOML) as a validated :class:`library.catalogue.Curriculum`.

Facts are recognised from prose by patterns (an "order of importance" list, "chapter X is
helpful for understanding chapters ...", "between half a week and 2 weeks", "longer version of
Chapter N, replace it by [link]", section pointers such as "Section 3 of the paper"), never by
matching one curriculum's wording; each is optional, and a list without it still imports.

The modules, in the order the import runs:

* :mod:`.importer` — ``import_path``: TOML, file or folder; reading files; validation.
* :mod:`.parse` — tolerant markdown: headings, list items, paragraphs, links, sentences.
* :mod:`.chapters` — which headings are chapters; their reading and exercise sections.
* :mod:`.readings` / :mod:`.exercises` — the drafts (:mod:`.drafts`) of a section's items,
  titled by :mod:`.titles`, with the section pointers :mod:`.pointer_targets` finds for them.
* :mod:`.links` — a URL's kind, arXiv id and version, slugs and stand-in titles.
* :mod:`.facts`, :mod:`.prerequisites`, :mod:`.solutions` — front matter and solutions page.
* :mod:`.assemble` and :mod:`.ids` — drafts to a curriculum, with ids that survive re-imports.
"""

from library.markdown.importer import Missed, import_checked, import_path

__all__ = ["Missed", "import_checked", "import_path"]
