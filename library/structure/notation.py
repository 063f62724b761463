"""Reading the TeX-like maths of blocks as Unicode, where Unicode says it exactly.

Blocks hold maths in one TeX-like linear form (``softmax(\\frac{QK^{T}}{\\sqrt{d_{k}}})V``); readers
show it through :func:`to_unicode` (``softmax(QKᵀ/√dₖ)V``): symbols and letters of the maths
alphabets become their characters, scripts become superscript and subscript characters when every
character of the script has one (``d_{model}`` stays ``d_model``: Unicode has no subscript d),
fractions become a slash with parentheses where a part needs them, radicals a √, accents combining
marks. What Unicode cannot express stays in the TeX-like form, never approximated.

:func:`render_ranges` renders the maths ranges of a block's text and leaves its prose alone (an
underscore in prose is an underscore).
"""

from __future__ import annotations

import re
import unicodedata

from library.structure.model import Block
from library.structure.symbols import TEX_OF_CHAR

_SUPERSCRIPT = dict(
    zip(
        "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWαβγδεθιφχ",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵅᵝᵞᵟᵋᶿᶥᵠᵡ",
        strict=True,
    )
)
_SUBSCRIPT = dict(
    zip("0123456789+-=()aehijklmnoprstuvxβγρφχ", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ", strict=True)
)
# TeX command -> character, the inverse of the extraction's table, plus spellings it does not use.
_CHAR_OF_COMMAND = {
    tex[1:]: char for char, tex in TEX_OF_CHAR.items() if tex.startswith("\\") and tex[1:].isalpha()
}
_CHAR_OF_COMMAND.update(
    {
        "cdot": "·",
        "circ": "∘",
        "bullet": "•",
        "Delta": "Δ",
        "langle": "⟨",
        "rangle": "⟩",
        "epsilon": "ϵ",
        "varepsilon": "ε",
        "phi": "ϕ",
        "varphi": "φ",
        "mu": "μ",
        "emptyset": "∅",
        "le": "≤",
        "ge": "≥",
        "ne": "≠",
        "to": "→",
        "gets": "←",
        "mid": "|",
        "lvert": "|",
        "rvert": "|",
        "vert": "|",
        "lVert": "‖",
        "rVert": "‖",
        "Vert": "‖",
        "intercal": "⊤",
        "cdotp": "·",
        "colon": ":",
        "ast": "∗",
        "prime": "′",
        "dots": "…",
        "dotsc": "…",
        "dotsb": "⋯",
        "iff": "⟺",
        "implies": "⟹",
        "land": "∧",
        "lor": "∨",
        "lnot": "¬",
        "square": "□",
        "backslash": "\\",
        "surd": "√",
        "coloneqq": "≔",
        "parallel": "∥",
    }
)
_SPACES = {",": " ", ";": " ", ":": " ", "!": "", " ": " ", "quad": "  ", "qquad": "    ", "enspace": " "}
_IGNORED = {
    "left",
    "right",
    "big",
    "Big",
    "bigg",
    "Bigg",
    "bigl",
    "bigr",
    "Bigl",
    "Bigr",
    "biggl",
    "biggr",
    "bigm",
    "Bigm",
    "middle",
    "scriptstyle",
    "scriptscriptstyle",
    "small",
    "footnotesize",
    "normalsize",
    "large",
    "displaystyle",
    "textstyle",
    "limits",
    "nolimits",
    "nonumber",
    "notag",
}
_FONT_COMMANDS = {
    "mathrm",
    "text",
    "textrm",
    "mathit",
    "textit",
    "mathsf",
    "mathtt",
    "operatorname",
    "mathbf",
    "boldsymbol",
    "bm",
    "textbf",
    "texttt",
    "textsf",
    "textsl",
    "textup",
    "textnormal",
    "mathnormal",
    "emph",
    "mbox",
    "hbox",
    "mathstrut",
}
# Operators set upright as words: shown as the word.
_OPERATOR_WORDS = {
    "log",
    "ln",
    "lg",
    "exp",
    "sin",
    "cos",
    "tan",
    "cot",
    "sec",
    "csc",
    "sinh",
    "cosh",
    "tanh",
    "coth",
    "arcsin",
    "arccos",
    "arctan",
    "max",
    "min",
    "sup",
    "inf",
    "lim",
    "liminf",
    "limsup",
    "arg",
    "det",
    "dim",
    "ker",
    "deg",
    "gcd",
    "Pr",
    "hom",
    "argmax",
    "argmin",
    "sgn",
    "tr",
    "Tr",
    "diag",
    "softmax",
    "mod",
    "bmod",
}
# Commands whose arguments say how to draw, not what: dropped with them (\color{red}{x} is x).
_DROPPED_WITH_ARGUMENT = {
    "color": 1,
    "label": 1,
    "hspace": 1,
    "vspace": 1,
    "phantom": 1,
    "hphantom": 1,
    "vphantom": 1,
}
_ACCENT_MARKS = {
    "hat": "\u0302",
    "widehat": "\u0302",
    "tilde": "\u0303",
    "widetilde": "\u0303",
    "bar": "\u0304",
    "overline": "\u0305",
    "dot": "\u0307",
    "ddot": "\u0308",
    "vec": "\u20d7",
    "check": "\u030c",
    "breve": "\u0306",
    "acute": "\u0301",
    "grave": "\u0300",
    "mathring": "\u030a",
}
_ALPHABETS = {"mathbb": "DOUBLE-STRUCK", "mathcal": "SCRIPT", "mathscr": "SCRIPT", "mathfrak": "FRAKTUR"}
_BMP_LETTERS = {
    ("DOUBLE-STRUCK", "C"): "ℂ",
    ("DOUBLE-STRUCK", "H"): "ℍ",
    ("DOUBLE-STRUCK", "N"): "ℕ",
    ("DOUBLE-STRUCK", "P"): "ℙ",
    ("DOUBLE-STRUCK", "Q"): "ℚ",
    ("DOUBLE-STRUCK", "R"): "ℝ",
    ("DOUBLE-STRUCK", "Z"): "ℤ",
    ("SCRIPT", "B"): "ℬ",
    ("SCRIPT", "E"): "ℰ",
    ("SCRIPT", "F"): "ℱ",
    ("SCRIPT", "H"): "ℋ",
    ("SCRIPT", "I"): "ℐ",
    ("SCRIPT", "L"): "ℒ",
    ("SCRIPT", "M"): "ℳ",
    ("SCRIPT", "R"): "ℛ",
    ("FRAKTUR", "C"): "ℭ",
    ("FRAKTUR", "H"): "ℌ",
    ("FRAKTUR", "I"): "ℑ",
    ("FRAKTUR", "R"): "ℜ",
    ("FRAKTUR", "Z"): "ℨ",
}
_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
_INNER_SPACE = re.compile(r"([(\[]) +| +([)\],])")
# Top-level characters that make a fraction's part need parentheses: "(a+b)/c", not "a+b/c".
_LOOSE = re.compile(r"[\s+\-−=<>≤≥±∓/,]")


def to_unicode(tex: str) -> str:
    """TeX-like maths as Unicode where exact, the TeX-like form where Unicode cannot say it."""
    if not tex:
        return tex
    out, _ = _Reader(tex).sequence()
    if "\n" in out:  # the lines of an aligned display, without the spaces around \\ and &
        out = "\n".join(line.strip() for line in out.split("\n") if line.strip())
    # Spacing that the layout left inside brackets ("softmax(x )") goes.
    out = _INNER_SPACE.sub(lambda m: m.group(1) or m.group(2), out)
    return unicodedata.normalize("NFC", out)


def render_ranges(text: str, ranges: list[tuple[int, int]] | None) -> str:
    """``text`` with each [start, end) maths range rendered by :func:`to_unicode`."""
    if not ranges:
        return text
    parts: list[str] = []
    pos = 0
    for start, end in sorted(ranges):
        if start < pos or end > len(text):
            continue  # ranges that do not fit the text (it changed): leave the text as it is
        parts.append(text[pos:start])
        parts.append(to_unicode(text[start:end]))
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


class _Reader:
    """A small recursive reader of the TeX-like form: groups, commands, scripts."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def sequence(self, stop: str = "") -> tuple[str, bool]:
        """Read up to ``stop`` (or the end): the rendered text and whether it ended at ``stop``."""
        out: list[str] = []
        while self.i < len(self.s):
            c = self.s[self.i]
            if stop and c == stop:
                self.i += 1
                return "".join(out), True
            if c in "^_":
                self.i += 1
                script = self.argument()
                base = out.pop() if out else ""
                out.append(base + _script(script, up=c == "^"))
            elif c == "{":
                self.i += 1
                inner, _ = self.sequence("}")
                out.append(inner)
            elif c == "\\":
                out.append(self.command())
            elif c == "&":
                self.i += 1
            else:
                out.append(c)
                self.i += 1
        return "".join(out), False

    def argument(self) -> str:
        """One argument: a {group}, a command, or one character."""
        while self.i < len(self.s) and self.s[self.i] == " ":
            self.i += 1
        if self.i >= len(self.s):
            return ""
        c = self.s[self.i]
        if c == "{":
            self.i += 1
            inner, _ = self.sequence("}")
            return inner
        if c == "\\":
            return self.command()
        self.i += 1
        return c

    def command(self) -> str:
        m = _COMMAND.match(self.s, self.i)
        if m is None:  # a lone backslash at the end
            self.i += 1
            return "\\"
        self.i = m.end()
        name = m.group(1)
        if name in _SPACES:
            return _SPACES[name]
        if name in _IGNORED:
            while self.s.startswith(" ", self.i):  # as in TeX, a control word takes the spaces after it
                self.i += 1
            return ""
        if name == "\\":
            return "\n"
        if name in "{}_%&$#|":
            return "‖" if name == "|" else name
        if name in _CHAR_OF_COMMAND:
            return _CHAR_OF_COMMAND[name]
        if name in ("frac", "dfrac", "tfrac"):
            return _fraction(self.argument(), self.argument())
        if name == "sqrt":
            index = ""
            if self.s.startswith("[", self.i):
                end = self.s.find("]", self.i)
                if end > 0:
                    index = _script(to_unicode(self.s[self.i + 1 : end]), up=True)
                    self.i = end + 1
            return index + "√" + _grouped(self.argument())
        if name in _FONT_COMMANDS:
            if self.s.startswith("*", self.i):  # \operatorname*: limits below, the same word
                self.i += 1
            return self.argument()
        if name in _OPERATOR_WORDS:
            word = name.removeprefix("b")  # \\bmod
            # TeX sets the word apart from what follows (\\log\\frac{a}{b}, \\log p).
            following = self.s[self.i : self.i + 1]
            return word + " " if following.isalnum() or following == "\\" else word
        if name in _DROPPED_WITH_ARGUMENT:
            for _ in range(_DROPPED_WITH_ARGUMENT[name]):
                self.argument()
            return ""
        if name == "textcolor":
            self.argument()
            return self.argument()
        if name in ("overset", "stackrel", "underset"):
            mark = self.argument()
            return self.argument() + _script(mark, up=name != "underset")
        if name in _ALPHABETS:
            return "".join(_letter(c, _ALPHABETS[name]) for c in self.argument())
        if name in _ACCENT_MARKS:
            inner = self.argument()
            if len(inner) == 1 or (len(inner) > 1 and all(unicodedata.combining(c) for c in inner[1:])):
                return inner + _ACCENT_MARKS[name]
            return "\\" + name + "{" + inner + "}"
        if name == "substack":
            rows = [r.strip() for r in self.argument().split("\n")]
            return ", ".join(r.rstrip(",") for r in rows if r)
        if name in ("begin", "end"):
            environment = self.argument()
            if name == "begin" and environment.rstrip("*") in ("array", "tabular", "alignat"):
                self.argument()  # the column layout ({cc}) or the number of columns
            if environment == "cases":
                return "{ " if name == "begin" else ""
            return ""
        if name == "mathop":
            return self.argument()
        # A command Unicode has no character for stays as written, its arguments in their braces
        # (\underbrace{x}, a macro of the page's own such as \underE).
        written = "\\" + name
        while self.s.startswith("{", self.i):
            written += "{" + self.argument() + "}"
        return written


def _script(text: str, *, up: bool) -> str:
    """A superscript or subscript: Unicode characters when all of it has them, else ^x / _{...}."""
    if text in ("'", "′"):
        return "′"
    table = _SUPERSCRIPT if up else _SUBSCRIPT
    plain = text.replace("−", "-").replace(" ", "")
    if plain and all(c in table for c in plain):
        return "".join(table[c] for c in plain)
    mark = "^" if up else "_"
    if len(text) == 1 or re.fullmatch(r"[A-Za-z0-9]+", text):
        return mark + text
    return mark + "{" + text + "}"


def _fraction(numerator: str, denominator: str) -> str:
    return _grouped(numerator) + "/" + _grouped(denominator)


def _grouped(text: str) -> str:
    """A part of a fraction or a radicand, in parentheses when it is more than one term."""
    text = text.strip()
    depth = 0
    for c in text:
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and _LOOSE.match(c):
            return "(" + text + ")"
    return text


def _letter(char: str, style: str) -> str:
    """A letter of a maths alphabet (𝔼, 𝒟, ℝ)."""
    if (style, char) in _BMP_LETTERS:
        return _BMP_LETTERS[(style, char)]
    if "0" <= char <= "9":
        names = ["ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"]
        try:
            return unicodedata.lookup(f"MATHEMATICAL {style} DIGIT {names[int(char)]}")
        except KeyError:
            return char
    if not ("A" <= char <= "Z" or "a" <= char <= "z"):
        return char
    case = "CAPITAL" if char.isupper() else "SMALL"
    try:
        return unicodedata.lookup(f"MATHEMATICAL {style} {case} {char.upper()}")
    except KeyError:
        return char


def readable(block: Block, *, tex: bool = False) -> str:
    """A block's text as a reader shows it: maths rendered (or left TeX-like with ``tex``), an
    equation with its number, a table as a Markdown table of rendered cells."""
    if block.kind == "table" and block.rows:
        if tex:
            return block.text
        return markdown_table([[to_unicode(cell) for cell in row] for row in block.rows])
    if block.kind == "equation":
        body = block.text if tex else "\n".join(to_unicode(line) for line in block.text.split("\n"))
        return f"{body}    ({block.number})" if block.number else body
    return block.text if tex else render_ranges(block.text, block.math)


def markdown_table(rows: list[list[str]]) -> str:
    """A GitHub-style Markdown table, the first row its header, one row a line."""
    width = max(len(r) for r in rows)
    lines = []
    for i, row in enumerate(rows):
        cells = [c.replace("|", r"\|").replace("\n", " ") for c in row] + [""] * (width - len(row))
        lines.append("|" + "|".join(f" {c} " if c else " " for c in cells) + "|")
        if i == 0:
            lines.append("|" + "---|" * width)
    return "\n".join(lines)
