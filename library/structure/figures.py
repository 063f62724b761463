"""Where a PDF page's figures are: the boxes of its images and drawn shapes, read only when asked.

Text inside a figure (a diagram's box labels, a legend) is not part of the body flow: an outline
entry is never matched to it, and it is not a paragraph. Asking MuPDF for a page's drawing boxes
costs about as much as reading its text again (2-20 ms a page), so :class:`FigureRegions` reads a
page only the first time a row on it is in question, and most pages are never read.
"""

from __future__ import annotations

from library.structure.layout import Page, Row, upright_box

# Drawing operations that paint a figure. Text, clipping and "ignore" entries are left out.
_PAINT = {"fill-path", "stroke-path", "fill-image", "fill-imgmask", "fill-shade"}
# A shape smaller than this in either direction (points) is a rule, a fraction bar, a table line,
# a table row's shading or a glyph drawn as a path, not a figure that holds text.
_MIN_SIDE = (20.0, 20.0)
# A shape covering more than this share of the page is a page frame or background.
_MAX_AREA = 0.6


class FigureRegions:
    """The figure boxes of a document's pages, each page read on first use and then kept."""

    def __init__(self, doc, pages: list[Page]) -> None:
        self._doc = doc
        self._pages = {page.number: page for page in pages}
        self._boxes: dict[int, list[tuple[float, float, float, float]]] = {}

    def boxes(self, number: int) -> list[tuple[float, float, float, float]]:
        """Figure boxes of 1-based page ``number``, in the frame its rows are in."""
        boxes = self._boxes.get(number)
        if boxes is None:
            boxes = self._boxes[number] = _figure_boxes(self._doc[number - 1], self._pages[number])
        return boxes

    def holds(self, rows: list[Row]) -> bool:
        """Whether the middle of every row lies inside one figure box of its page."""
        boxes = self.boxes(rows[0].page)
        if not boxes:
            return False
        for row in rows:
            x = (row.x0 + row.x1) / 2
            y = (row.y0 + row.y1) / 2
            if not any(x0 - 1 <= x <= x1 + 1 and y0 - 1 <= y <= y1 + 1 for x0, y0, x1, y1 in boxes):
                return False
        return True


def _figure_boxes(pdf_page, page: Page) -> list[tuple[float, float, float, float]]:
    sheet = pdf_page.rect
    limit = _MAX_AREA * sheet.width * sheet.height
    min_w, min_h = _MIN_SIDE
    out = []
    # One pass of MuPDF's bbox device over the page: the box of every painting operation.
    for kind, (x0, y0, x1, y1) in pdf_page.get_bboxlog():
        if kind not in _PAINT:
            continue
        w, h = x1 - x0, y1 - y0
        if w < min_w or h < min_h or w * h > limit:
            continue
        box = (x0, y0, x1, y1)
        out.append(upright_box(box, page.turned, sheet.width, sheet.height) if page.turned else box)
    return out
