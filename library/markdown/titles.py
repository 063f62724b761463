"""Titles for links: from the link's text when it names the work, else from its context.

Link texts are often "here" or "this post"; a link in an item's prose is often a part of the
item's main reading ("[exercises](…)"), or another link to a reading already found.
"""

from __future__ import annotations

import re

from library.markdown.drafts import Known
from library.markdown.links import url_title, work_of
from library.markdown.parse import MdLink, strip_emphasis

# Link texts that name nothing: the link's context has to give the title.
_GENERIC_TEXT = re.compile(
    r"^(?:this|that|these|more|more here|see here|click here|"
    r"(?:(?:this|that|these|the|our|my)\s+)?(?:blog\s+|dataset\s+|project\s+|github\s+|web\s+)?"
    r"(?:here|link|paper|post|page|notebook|repo|repository|code|site|website|article|guide|thread|video|"
    r"tutorial|source|one|pdf))$",
    re.I,
)


def clean_title(text: str) -> str:
    """Text as a title: no emphasis, brackets, surrounding quotes or runs of spaces."""
    text = strip_emphasis(text).replace("[", "").replace("]", "").strip().strip("\"“”'‘’").strip()
    return re.sub(r"\s+", " ", text)


def names_nothing(text: str, url: str) -> bool:
    """Whether a (cleaned) link text says nothing of the work: empty, "here", "this post", the URL."""
    return not text or bool(_GENERIC_TEXT.match(text)) or text == url


def nested_title(link: MdLink, parent: str | None, known: Known) -> str:
    """Title for a link found in prose: the known reading it points at, the parent's, or its own text."""
    same = known.get(work_of(link.url))
    text = clean_title(link.text)
    if same is not None:
        return same.title
    generic = names_nothing(text, link.url)
    page = known.get(work_of(link.url.split("#", 1)[0]))  # a deep link into a known reading
    if page is not None:
        return page.title if generic else f"{page.title}: {text}"
    if generic:
        return f"{parent} (see also)" if parent else url_title(link.url)
    if parent and text[:1].islower() and len(text.split()) <= 3:
        return f"{parent}: {text}"
    # "attribution" -> "Attribution", but an identifier such as "mpi4py" keeps its case.
    return text[:1].upper() + text[1:] if text.split()[0].isalpha() else text
