"""Maths from glyph geometry to the TeX-like linear form.

A typeset formula is two-dimensional; the text a reader shows is one line. This module reads the
structure back from where the glyphs sit, the way TeX put them there:

- a thin rule with glyphs above and below is a fraction (``\\frac{a}{b}``), one that starts at a
  radical sign's top covers its radicand (``\\sqrt{x}``), one with glyphs only below is an
  overline; rules are taken shortest first, so nested structures are built inside out;
- an accent glyph above a symbol is ``\\hat{x}``, ``\\tilde{x}``, ``\\bar{x}``…;
- glyphs centred above or below a big operator (∑, ∏, ∫) or an operator name (max, arg min,
  maximize) are its limits (``\\sum_{i=1}^{n}``);
- on each line, a glyph smaller than the text around it and raised or lowered from the baseline
  is a superscript or subscript of the glyph before it (``W_{i}^{Q}``), recursively (the
  exponent of ``10000^{2i/d_{model}}`` has a subscript of its own); primes stay primes (``a'``);
  two rows of scripts stacked under one symbol are a ``\\substack``;
- a display whose glyphs sit on several baselines is several lines; a tall brace opening on the
  left of rows is a ``cases``.

Display equations come out as lines (:func:`display_lines`), rows of running text as text with
their maths marked (:func:`inline_text`). Positions are PDF points, y growing downwards.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from library.structure.glyphs import Glyph, Rule
from library.structure.model import box_around
from library.structure.symbols import ACCENTS, OPERATOR_WORDS, is_extension_font, join_tokens

# Where TeX centres fraction bars and big operators: the maths axis, a quarter em above the baseline.
AXIS = 0.25
# Marks around inline maths inside running text until blocks are made (Unicode noncharacters:
# never in a document's text).
MATH_OPEN = "\ufdd0"
MATH_CLOSE = "\ufdd1"

_EQUATION_NUMBER = re.compile(r"^\(([A-Z]?\d{1,3}(?:[.\-]\d{1,3})?[a-z]?|[A-Z]\.\d{1,3}|[*†‡]+)\)$")


# --- building structures -----------------------------------------------------------------------


def _built(text: str, parts: list[Glyph], base: float, size: float, extra: tuple | None = None) -> Glyph:
    x0, y0, x1, y1 = box_around(parts)
    if extra is not None:
        x0, y0, x1, y1 = min(x0, extra[0]), min(y0, extra[1]), max(x1, extra[2]), max(y1, extra[3])
    first = min(parts, key=lambda g: g.x0)
    return Glyph(text, x0, y0, x1, y1, base, size, first.font, "built", True, first.space_before)


def _merge_pieces(glyphs: list[Glyph]) -> list[Glyph]:
    """Delimiters built from pieces (top, extension, middle, bottom) become one tall delimiter."""
    pieces = [g for g in glyphs if g.role == "piece"]
    if not pieces:
        return glyphs
    rest = [g for g in glyphs if g.role != "piece"]
    pieces.sort(key=lambda g: (round(g.x0), g.y0))
    groups: list[list[Glyph]] = []
    for g in pieces:
        for group in groups:
            last = group[-1]
            overlap = min(last.x1, g.x1) - max(last.x0, g.x0)
            if overlap > 0.4 * min(last.x1 - last.x0, g.x1 - g.x0) and g.y0 - last.y1 < 0.5 * g.size:
                group.append(g)
                break
        else:
            groups.append([g])
    for group in groups:
        token = group[0].text
        role = "open" if token in ("(", "[", r"\{", r"\langle", r"\lfloor", r"\lceil") else "close"
        if token in ("|", r"\|"):
            role = "fence"
        x0, y0, x1, y1 = box_around(group)
        size = group[0].size
        rest.append(Glyph(token, x0, y0, x1, y1, (y0 + y1) / 2 + AXIS * size, size, group[0].font, role))
    return rest


def _place_big(glyphs: list[Glyph]) -> None:
    """Big operators and delimiters sit on the axis: their baseline is read from their ink's middle."""
    for g in glyphs:
        if g.role in ("op", "open", "close", "fence") and (
            g.y1 - g.y0 > 1.2 * g.size or is_extension_font(g.font)
        ):
            g.base = g.cy + AXIS * g.size


def _accents(glyphs: list[Glyph]) -> list[Glyph]:
    """An accent glyph set above a symbol (or, wide, above a few) wraps it: ``\\hat{A}``."""
    accents = [g for g in glyphs if g.role == "accent"]
    if not accents:
        return glyphs
    used: set[int] = set()
    for accent in accents:
        below = [
            g
            for g in glyphs
            if g is not accent
            and g.role != "accent"
            and id(g) not in used
            and accent.x0 - 0.3 <= g.cx <= accent.x1 + 0.3
            and g.cy > accent.y1
            and g.y0 > accent.y0
            and g.y0 - accent.y1 < 0.6 * g.size
        ]
        if not below:
            accent.role = "ord"
            continue
        # The symbols right under it, on one baseline (an accent covers one row of glyphs).
        top_base = min(g.base for g in below)
        below = [
            g
            for g in below
            if abs(g.base - top_base) < 0.2 * g.size and g.size > 0.6 * max(b.size for b in below)
        ]
        below.sort(key=lambda g: g.x0)
        command = _accent_command(accent.text)
        inner = join_tokens([g.text for g in below])
        base_glyph = max(below, key=lambda g: g.size)
        wrapped = _built(command + "{" + inner + "}", [*below, accent], base_glyph.base, base_glyph.size)
        wrapped.role = "ord"
        wrapped.space_before = below[0].space_before
        wrapped.math = True
        for g in below:
            used.add(id(g))
        used.add(id(accent))
        glyphs = [g for g in glyphs if id(g) not in used]
        glyphs.append(wrapped)
    return glyphs


def _accent_command(token: str) -> str:
    if token.startswith("\\") and token in (r"\hat", r"\tilde"):
        return token
    return ACCENTS.get(token, r"\hat")


def _rule_structures(glyphs: list[Glyph], rules: list[Rule]) -> list[Glyph]:
    """Radicals, fractions and overlines from the rules among the glyphs, innermost first."""
    for rule in sorted(rules, key=lambda r: r.length):
        radical = _radical_at(glyphs, rule)
        if radical is not None:
            inside = [
                g
                for g in glyphs
                if g is not radical
                and rule.x0 - 0.5 <= g.cx <= rule.x1 + 0.5
                and g.cy > rule.y
                and g.y0 >= rule.y - 0.5
                and g.y1 <= radical.y1 + 0.5 * g.size
            ]
            if inside:
                main = _reference(inside)
                text = r"\sqrt{" + render(inside) + "}"
                node = _built(text, [radical, *inside], main[0], main[1])
                node.space_before = radical.space_before
                drop = {id(g) for g in inside} | {id(radical)}
                glyphs = [g for g in glyphs if id(g) not in drop]
                glyphs.append(node)
            continue
        above = _stack(glyphs, rule, up=True)
        below = _stack(glyphs, rule, up=False)
        if above and below:
            size = max(g.size for g in above + below)
            text = r"\frac{" + render(above) + "}{" + render(below) + "}"
            node = _built(text, above + below, rule.y + AXIS * size, size, (rule.x0, rule.y, rule.x1, rule.y))
        elif below and not above and _covers(rule, below):
            main = _reference(below)
            node = _built(r"\overline{" + render(below) + "}", below, main[0], main[1])
        else:
            continue
        drop = {id(g) for g in above + below}
        glyphs = [g for g in glyphs if id(g) not in drop]
        glyphs.append(node)
    return glyphs


def _covers(rule: Rule, glyphs: list[Glyph]) -> bool:
    """Whether a rule spans the glyphs under it closely enough to be their overline."""
    x0, y0, x1, _ = box_around(glyphs)
    return abs(rule.x0 - x0) < 2.5 and abs(rule.x1 - x1) < 2.5 and y0 - rule.y < 3.0


def _radical_at(glyphs: list[Glyph], rule: Rule) -> Glyph | None:
    """The radical sign whose top right corner starts ``rule``, if any."""
    for g in glyphs:
        if g.role == "radical" and abs(g.x1 - rule.x0) < 1.5 and abs(g.y0 - rule.y) < 1.5:
            return g
    return None


def _stack(glyphs: list[Glyph], rule: Rule, *, up: bool) -> list[Glyph]:
    """The glyphs stacked right above (or below) a rule, within its width, touching each other."""
    if up:
        near = [
            g for g in glyphs if rule.x0 - 1 <= g.cx <= rule.x1 + 1 and g.y1 <= rule.y + 0.8 and g.cy < rule.y
        ]
        near.sort(key=lambda g: -g.y1)
    else:
        near = [
            g for g in glyphs if rule.x0 - 1 <= g.cx <= rule.x1 + 1 and g.y0 >= rule.y - 0.8 and g.cy > rule.y
        ]
        near.sort(key=lambda g: g.y0)
    if not near:
        return []
    first = near[0]
    gap = rule.y - first.y1 if up else first.y0 - rule.y
    if gap > 0.9 * first.size:
        return []
    taken = [first]
    edge = first.y0 if up else first.y1
    for g in near[1:]:
        if up:
            if g.y1 < edge - 0.3 * g.size:
                break
            taken.append(g)
            edge = min(edge, g.y0)
        else:
            if g.y0 > edge + 0.3 * g.size:
                break
            taken.append(g)
            edge = max(edge, g.y1)
    return taken


def _operator_words(glyphs: list[Glyph]) -> list[Glyph]:
    """Upright letters spelling an operator name (max, arg min, maximize) become one operator glyph.

    Letters are read along their own baseline, so a limit set under the word (θ under
    "maximize") does not cut it in two.
    """
    letters: dict[tuple[str, int], list[Glyph]] = {}
    for g in glyphs:
        if g.role == "ord" and len(g.text) == 1 and g.text.isascii() and g.text.isalpha():
            letters.setdefault((g.font, round(g.base)), []).append(g)
    words: list[tuple[str, list[Glyph]]] = []
    for run in letters.values():
        if len(run) < 2:
            continue
        run.sort(key=lambda g: g.x0)
        word = [run[0]]
        for g in run[1:]:
            if g.x0 - word[-1].x1 < 0.25 * g.size:
                word.append(g)
                continue
            words.append(("".join(w.text for w in word), word))
            word = [g]
        words.append(("".join(w.text for w in word), word))
    made: list[Glyph] = []
    drop: set[int] = set()
    for name, word in words:
        if name in OPERATOR_WORDS or (name.startswith("arg") and name[3:] in OPERATOR_WORDS):
            x0, y0, x1, y1 = box_around(word)
            text = "arg " + name[3:] if name.startswith("arg") and len(name) > 3 else name
            first = word[0]
            made.append(
                Glyph(
                    text, x0, y0, x1, y1, first.base, first.size, first.font, "op", True, first.space_before
                )
            )
            drop.update(id(g) for g in word)
    if not made:
        return glyphs
    return [g for g in glyphs if id(g) not in drop] + made


def _limits(glyphs: list[Glyph]) -> list[Glyph]:
    """Glyphs centred above or below an operator are its limits: ``\\sum_{i=1}^{n}``, ``max_{a'}``."""
    glyphs = _operator_words(glyphs)
    ops = [g for g in glyphs if g.role == "op"]
    for op in ops:
        below = _limit_row(glyphs, op, up=False)
        above = _limit_row(glyphs, op, up=True)
        if not below and not above:
            continue
        text = op.text
        if below:
            text += "_{" + render(below) + "}"
        if above:
            text += "^{" + render(above) + "}"
        node = _built(text, [op, *below, *above], op.base, op.size)
        node.role = "op"
        node.space_before = op.space_before
        drop = {id(g) for g in [op, *below, *above]}
        glyphs = [g for g in glyphs if id(g) not in drop]
        glyphs.append(node)
    return glyphs


def _limit_row(glyphs: list[Glyph], op: Glyph, *, up: bool) -> list[Glyph]:
    """The rows of glyphs set right above (below) ``op`` and centred on it."""
    size = op.size if op.role != "op" or op.y1 - op.y0 < 1.2 * op.size else (op.y1 - op.y0) / 1.4

    def close(g: Glyph) -> bool:
        if g is op:
            return False
        if up:
            return g.y1 <= op.y0 + 0.15 * size and op.y0 - g.y1 < 0.7 * size
        return g.y0 >= op.y1 - 0.15 * size and g.y0 - op.y1 < 0.7 * size

    seeds = [g for g in glyphs if close(g) and min(g.x1, op.x1) - max(g.x0, op.x0) > 0]
    if not seeds:
        return []
    row = list(seeds)
    base = sorted(g.base for g in seeds)[len(seeds) // 2]
    # Glyphs under (over) another operator are that operator's limits.
    others = [o for o in glyphs if o.role == "op" and o is not op]

    def owned_by_other(g: Glyph) -> bool:
        # Under (over) another operator, or nearer its middle than this one's.
        return any(
            abs(g.cy - o.cy) < 2 * size
            and (min(g.x1, o.x1) - max(g.x0, o.x0) > 0 or abs(g.cx - o.cx) < abs(g.cx - op.cx))
            for o in others
        )

    # Grow sideways along the limit's baseline (a limit can be wider than its operator).
    changed = True
    while changed:
        changed = False
        x0, _, x1, _ = box_around(row)
        for g in glyphs:
            if g is op or any(g is r for r in row) or (not close(g) and abs(g.base - base) > 0.35 * g.size):
                continue
            if owned_by_other(g):
                continue
            if abs(g.base - base) < 0.6 * g.size and (
                x0 - 0.4 * g.size <= g.x1 and g.x0 <= x1 + 0.4 * g.size
            ):
                if (up and g.y1 > op.y0 + 0.15 * size) or (not up and g.y0 < op.y1 - 0.15 * size):
                    continue
                row.append(g)
                changed = True
    x0, _, x1, _ = box_around(row)
    centre = (x0 + x1) / 2
    if abs(centre - op.cx) > max(0.35 * (op.x1 - op.x0), 0.3 * size):
        return []  # not centred on the operator: a script of something else
    if max(g.size for g in row) > 0.95 * op.size and op.role == "op" and op.y1 - op.y0 < 1.2 * op.size:
        # A text-size operator name over a full-size row: the next display line, not a limit.
        return []
    return row


# --- rendering -----------------------------------------------------------------------------------


def _reference(glyphs: list[Glyph]) -> tuple[float, float]:
    """(baseline, size) of a group: the baseline of its largest ordinary glyphs."""
    plain = [g for g in glyphs if g.role not in ("built", "op", "open", "close", "fence", "radical")]
    if not plain:
        plain = glyphs
    size = max(g.size for g in plain)
    # The leftmost of the largest glyphs sets the baseline: in "θ_old" both are the same size.
    first = min((g for g in plain if g.size >= 0.9 * size), key=lambda g: g.x0)
    return first.base, size


@dataclass
class _Item:
    nucleus: Glyph
    sups: list[Glyph] = field(default_factory=list)
    subs: list[Glyph] = field(default_factory=list)

    @property
    def x0(self) -> float:
        return min([self.nucleus.x0] + [g.x0 for g in self.sups + self.subs])

    @property
    def x1(self) -> float:
        return max([self.nucleus.x1] + [g.x1 for g in self.sups + self.subs])


def _on_level(g: Glyph, base: float, size: float) -> bool:
    if g.role == "op" and g.size < 0.88 * size and g.y1 - g.y0 < 1.2 * g.size:
        pass  # an operator name set small ("max" in ε_max) is a script like any other glyph
    elif g.role in ("built", "op", "open", "close", "fence", "radical"):
        return abs(g.base - base) < 0.45 * size or g.size >= 0.9 * size
    if g.size >= 0.88 * size:
        return abs(g.base - base) <= 0.22 * size
    return abs(g.base - base) <= 0.04 * size


def items_of(glyphs: list[Glyph], base: float, size: float) -> list[_Item]:
    """A line's glyphs as nuclei with the scripts attached to each."""
    items: list[_Item] = []
    for g in sorted(glyphs, key=lambda g: (g.x0, g.y0)):
        if items:
            item = items[-1]
            # A glyph smaller than a script just before it, and set as a script of that script
            # (the prime of s' in a subscript, "model" in d_{model}), stays with it; so does one
            # that goes on along that script's own baseline ("in" of p^{in}).
            owner = _script_owner(g, item.sups + item.subs) or _script_run(g, item)
            if owner is not None:
                (item.sups if any(owner is h for h in item.sups) else item.subs).append(g)
                continue
        if not items or _on_level(g, base, size):
            items.append(_Item(g))
            continue
        item = items[-1]
        nucleus = item.nucleus
        rel = g.base - (nucleus.base if nucleus.role not in ("built",) else base)
        if g.base < nucleus.base - 0.1 * size or (rel < 0 and g.y1 < nucleus.cy):
            item.sups.append(g)
        else:
            item.subs.append(g)
    return items


def _script_run(g: Glyph, item: _Item) -> Glyph | None:
    """The script ``g`` continues: the last one, same size, same baseline, right after it."""
    scripts = item.sups + item.subs
    if not scripts:
        return None
    last = max(scripts, key=lambda h: h.x1)
    if (
        abs(g.size - last.size) < 0.1 * last.size
        and abs(g.base - last.base) < 0.12 * last.size
        and -0.3 * last.size < g.x0 - last.x1 < 0.6 * last.size
        and g.size < 0.88 * item.nucleus.size
    ):
        return last
    return None


def _script_owner(g: Glyph, scripts: list[Glyph]) -> Glyph | None:
    best = None
    best_gap = 0.0
    for h in scripts:
        if g.size >= 0.9 * h.size:
            continue
        gap = g.x0 - h.x1
        if not -0.3 * h.size <= gap <= 0.3 * h.size:
            continue
        sup = g.base < h.base - 0.1 * h.size and g.y1 > h.y0
        sub = g.base > h.base + 0.05 * h.size and g.y0 < h.y1
        if (sup or sub) and (best is None or abs(gap) < best_gap):
            best, best_gap = h, abs(gap)
    return best


def render(glyphs: list[Glyph], reference: tuple[float, float] | None = None) -> str:
    """A group of glyphs (a numerator, a script, a radicand) as TeX-like text."""
    if not glyphs:
        return ""
    glyphs = _limits(glyphs)
    base, size = reference or _reference(glyphs)
    return _render_items(items_of(glyphs, base, size), size)


def _render_items(items: list[_Item], size: float) -> str:
    parts: list[str] = []
    prev: _Item | None = None
    items = _dots(items)
    for item in items:
        text = item.nucleus.text
        sups = item.sups
        primes = 0
        while sups and sups[0].role == "prime" and len(sups) and min(sups, key=lambda g: g.x0) is sups[0]:
            primes += sups[0].text.count("'") or 1
            sups = sups[1:]
        text += "'" * primes
        if item.subs:
            text += "_{" + _render_script(item.subs) + "}"
        if sups:
            text += "^{" + _render_script(sups) + "}"
        space = prev is not None and (item.nucleus.space_before or item.x0 - prev.x1 > 0.25 * size)
        parts.append((" " if space and parts else "") + text)
        prev = item
    return join_tokens(parts)


def _render_script(glyphs: list[Glyph]) -> str:
    """A script; two rows of it stacked under one another are a ``\\substack``."""
    rows = _rows(glyphs)
    if len(rows) > 1:
        return r"\substack{" + r" \\ ".join(render(row) for row in rows) + "}"
    return render(glyphs)


def _rows(glyphs: list[Glyph]) -> list[list[Glyph]]:
    """Glyphs split into rows stacked one under another (a ``\\substack``), else one row.

    Rows are the baselines of the group's largest glyphs, at least most of a line apart; smaller
    glyphs (their own scripts) go with the nearest row above them.
    """
    size = max(g.size for g in glyphs)
    main = sorted((g for g in glyphs if g.size >= 0.9 * size), key=lambda g: g.base)
    bases = [main[0].base]
    for g in main[1:]:
        if g.base - bases[-1] > 0.8 * size:
            bases.append(g.base)
    if len(bases) == 1:
        return [glyphs]
    rows: list[list[Glyph]] = [[] for _ in bases]
    for g in glyphs:
        above = [i for i, b in enumerate(bases) if b <= g.base + 0.45 * size]
        rows[above[-1] if above else 0].append(g)
    # Stacked rows overlap horizontally; rows side by side are scripts at different heights.
    spans = [box_around(r) for r in rows if r]
    for a, b in itertools.pairwise(spans):
        if min(a[2], b[2]) - max(a[0], b[0]) < 0.3 * min(a[2] - a[0], b[2] - b[0]):
            return [glyphs]
    return [r for r in rows if r]


def _dots(items: list[_Item]) -> list[_Item]:
    """Three centred dots are ``\\cdots``, three low ones ``\\ldots``."""
    out: list[_Item] = []
    for item in items:
        out.append(item)
        last3 = out[-3:]
        if len(last3) == 3 and all(not i.sups and not i.subs for i in last3):
            texts = {i.nucleus.text for i in last3}
            if (
                texts in ({r"\cdot"}, {"."})
                and last3[2].nucleus.x0 - last3[0].nucleus.x1 < 2.5 * last3[0].nucleus.size
            ):
                first = last3[0].nucleus
                merged = _built(
                    r"\cdots" if texts == {r"\cdot"} else r"\ldots",
                    [i.nucleus for i in last3],
                    first.base,
                    first.size,
                )
                merged.role = "ord"
                merged.space_before = first.space_before
                del out[-3:]
                out.append(_Item(merged))
    return out


# --- displays ------------------------------------------------------------------------------------


def split_number(glyphs: list[Glyph]) -> tuple[list[Glyph], str | None]:
    """The equation number printed at the right end of a display ("(2.12)"), taken out of its glyphs."""
    if not glyphs:
        return glyphs, None
    ordered = sorted(glyphs, key=lambda g: g.x1)
    last = ordered[-1]
    if last.text != ")":
        return glyphs, None
    # The number's glyphs: back from the closing parenthesis to the opening one, on one baseline.
    taken = [last]
    for g in reversed(ordered[:-1]):
        if abs(g.base - last.base) > 0.3 * last.size or last.x0 - g.x1 > 3 * last.size:
            continue
        taken.append(g)
        if g.text == "(":
            break
        if len(taken) > 12:
            return glyphs, None
    taken.sort(key=lambda g: g.x0)
    text = "".join(g.text for g in taken)
    m = _EQUATION_NUMBER.match(text)
    if not m:
        return glyphs, None
    rest = [g for g in glyphs if all(g is not t for t in taken)]
    if not rest:
        return glyphs, None
    # A number stands apart from the formula (a wide gap), or at least past all of its glyphs.
    left = taken[0].x0
    before = [g for g in rest if g.x1 <= left + 0.5]
    if len(before) < len(rest) or (before and left - max(g.x1 for g in before) < 0.8 * last.size):
        return glyphs, None
    return rest, m.group(1)


def prepare(glyphs: list[Glyph], rules: list[Rule]) -> list[Glyph]:
    """Structures built from the region's glyphs and rules: pieces, accents, radicals, fractions."""
    glyphs = _merge_pieces(glyphs)
    _place_big(glyphs)
    glyphs = _accents(glyphs)
    if rules:
        glyphs = _rule_structures(glyphs, rules)
    return glyphs


def display_lines(glyphs: list[Glyph], rules: list[Rule]) -> list[str]:
    """A display equation's lines, top to bottom, each as TeX-like text."""
    atoms = _limits(prepare(glyphs, rules))
    if not atoms:
        return []
    lines = _lines(atoms)
    out: list[str] = []
    for line in lines:
        text = _cases(line)
        if text is None:
            base, size = _line_reference(line)
            text = _render_items(items_of(line, base, size), size)
        if text:
            out.append(text)
    return out


def _line_reference(line: list[Glyph]) -> tuple[float, float]:
    plain = [g for g in line if g.role == "ord" and g.size > 0]
    if plain:
        size = max(g.size for g in plain)
        bases = sorted(g.base for g in plain if g.size >= 0.9 * size)
        return bases[len(bases) // 2], size
    return _reference(line)


def _lines(atoms: list[Glyph]) -> list[list[Glyph]]:
    """Atoms grouped into display lines by the baselines of their full-size glyphs."""
    sizes = [g.size for g in atoms if g.role == "ord"] or [g.size for g in atoms]
    main = sorted(sizes)[len(sizes) // 2]
    main = max(s for s in sizes if s <= main * 1.05)
    anchors = sorted(
        (
            g
            for g in atoms
            if (g.size >= 0.88 * main and g.role in ("ord", "built", "op")) and g.y1 - g.y0 < 3.2 * main
        ),
        key=lambda g: g.base,
    )
    if not anchors:
        return [atoms]
    clusters: list[list[float]] = [[anchors[0].base]]
    for g in anchors[1:]:
        if g.base - clusters[-1][-1] > 0.95 * main:
            clusters.append([g.base])
        else:
            clusters[-1].append(g.base)
    if len(clusters) == 1:
        return [atoms]
    centres = [sorted(c)[len(c) // 2] for c in clusters]
    lines: list[list[Glyph]] = [[] for _ in centres]
    for g in atoms:
        k = min(range(len(centres)), key=lambda i: abs(centres[i] - g.base))
        # A glyph taller than a line (a brace spanning rows) goes with the middle of what it spans.
        lines[k].append(g)
    lines = [line for line in lines if line]
    return _merge_tall(lines)


def _merge_tall(lines: list[list[Glyph]]) -> list[list[Glyph]]:
    """Lines spanned by one tall delimiter (a ``cases`` brace, a matrix) are one line."""
    merged: list[list[Glyph]] = []
    for line in lines:
        if merged:
            prev = merged[-1]
            tall = [
                g for g in prev + line if g.role in ("open", "close", "fence") and g.y1 - g.y0 > 1.8 * g.size
            ]
            y0 = min(g.y0 for g in line)
            py1 = max(g.y1 for g in prev if g.role not in ("open", "close", "fence")) if prev else 0
            if any(t.y0 < min(py1, y0) and t.y1 > y0 for t in tall):
                prev.extend(line)
                continue
        merged.append(line)
    return merged


def _cases(line: list[Glyph]) -> str | None:
    """A line whose tall opening delimiter has rows to its right: ``y = \\begin{cases} … \\end{cases}``."""
    tall = [g for g in line if g.role == "open" and g.y1 - g.y0 > 1.8 * g.size]
    if not tall:
        return None
    brace = min(tall, key=lambda g: g.x0)
    # A bracket closed by one as tall groups a formula ("[(N_c/N)^{α} + D_c/D]^{α_D}"): no cases.
    if any(g.role == "close" and g.x0 > brace.x1 and g.y1 - g.y0 > 0.8 * (brace.y1 - brace.y0) for g in line):
        return None
    right = [g for g in line if g.x0 >= brace.x1 - 0.5 and g is not brace]
    left = [g for g in line if g.x1 <= brace.x0 + 0.5 and g is not brace]
    rows = _lines(right) if right else []
    if len(rows) < 2:
        return None
    head = ""
    if left:
        base, size = _line_reference(left)
        head = _render_items(items_of(left, base, size), size) + " "
    body = []
    for row in rows:
        base, size = _line_reference(row)
        body.append(_render_items(items_of(row, base, size), size))
    opener = r"\begin{cases}" if brace.text == r"\{" else r"\left" + brace.text + r" \begin{matrix}"
    closer = r"\end{cases}" if brace.text == r"\{" else r"\end{matrix}"
    return head + opener + " " + r" \\ ".join(body) + " " + closer


# --- running text --------------------------------------------------------------------------------


def inline_text(glyphs: list[Glyph], rules: list[Rule], base: float, size: float) -> str:
    """A row of running text with its maths laid out and marked with :data:`MATH_OPEN` / ``CLOSE``."""
    atoms = _limits(prepare(glyphs, rules)) if rules or any(g.role != "ord" for g in glyphs) else glyphs
    items = _dots(items_of(atoms, base, size))
    out: list[str] = []
    run: list[str] = []  # the maths being collected
    pending: list[str] = []  # text between maths that may yet join it ("=", "(", digits)
    prev: _Item | None = None
    prev_math = False
    for item in items:
        gap = item.x0 - prev.x1 if prev is not None else 0.0
        marker = _footnote_mark(item)
        if marker is not None:
            text = item.nucleus.text + marker
            is_math = False
        else:
            text = _render_items([item], size)
            is_math = item.nucleus.math or bool(item.sups or item.subs) or item.nucleus.role != "ord"
            words = item.nucleus.text.rstrip()
            if is_math and not item.nucleus.math and " " in words:
                # A run of text ending in a power ("The scale is 8.8 × 10" with 13 raised): only
                # its last word carries the script; the words before are prose.
                cut = words.rindex(" ") + 1
                head = words[:cut]
                space = prev is not None and (item.nucleus.space_before or gap > 0.25 * size)
                if run:
                    run.extend(_closing(run, pending))
                    out.append(_wrap(run))
                    run = []
                out.extend(pending)
                pending = []
                out.append((" " if space else "") + head)
                item.nucleus.text = words[cut:]
                item.nucleus.space_before = False
                gap = 0.0
                prev, prev_math = item, False
                text = _render_items([item], size)
        space = prev is not None and prev is not item and (item.nucleus.space_before or gap > 0.25 * size)
        if prev is not None and not space and is_math != prev_math and gap > 0.02 * size:
            # Between maths and a word, the advance widths of the fonts eat the space: "≻ are".
            space = (text[:1].isalnum() and not is_math) or (
                is_math and out[-1:] != [] and out[-1][-1:].isalnum()
            )
        prev, prev_math = item, is_math
        piece = (" " if space else "") + text
        if is_math:
            if not run and out and pending:
                out.extend(pending)
                pending = []
            run.extend(pending)
            pending = []
            run.append(piece)
        elif run and _joins_maths(text):
            pending.append(piece)
        else:
            if run:
                run.extend(_closing(run, pending))
                out.append(_wrap(run))
                run = []
            out.extend(pending)
            pending = []
            out.append(piece)
    if run:
        run.extend(_closing(run, pending))
        out.append(_wrap(run))
    out.extend(pending)
    return "".join(out)


def _closing(run: list[str], pending: list[str]) -> list[str]:
    """The closing brackets (taken off ``pending``) that balance brackets opened in the maths."""
    text = "".join(run)
    depth = text.count("(") - text.count(")") + text.count("[") - text.count("]")
    taken: list[str] = []
    while depth > 0 and pending and pending[0].strip() in (")", "]", "),", ")."):
        piece = pending.pop(0)
        if piece.strip()[1:]:  # ")," or ").": the bracket joins, the punctuation stays text
            taken.append(piece.rstrip()[:-1])
            pending.insert(0, piece.rstrip()[-1])
        else:
            taken.append(piece)
        depth -= 1
    return taken


def _wrap(run: list[str]) -> str:
    text = join_tokens(run)
    lead = len(text) - len(text.lstrip())
    return text[:lead] + MATH_OPEN + text[lead:].rstrip() + MATH_CLOSE + text[len(text.rstrip()) :]


_JOINS_MATHS = re.compile(r"^\s*[\d=+\-−<>()\[\]|/.,:;]+\s*$")


def _joins_maths(text: str) -> bool:
    """Text between two pieces of maths that belongs to them (an operator, digits, brackets)."""
    return _JOINS_MATHS.match(text) is not None and text.strip() not in (",", ".", ";", ":")


_MARK_CHARS = re.compile(r"^[\d*†‡§¶∗]+$")
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _footnote_mark(item: _Item) -> str | None:
    """A footnote mark after a word (a raised digit or dagger in the text font), as superscripts."""
    if item.subs or not item.sups or item.nucleus.math:
        return None
    if any(g.math for g in item.sups):
        return None
    mark = "".join(g.text for g in sorted(item.sups, key=lambda g: g.x0)).strip()
    if not _MARK_CHARS.match(mark) or len(mark) > 3:
        return None
    last = item.nucleus.text.rstrip()[-1:]
    if last.isdigit():
        return None  # 10 with a raised 13 is a power, not a footnote
    return mark.translate(_SUPERSCRIPT).replace("*", "*")
