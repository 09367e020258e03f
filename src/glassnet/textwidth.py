"""Text as wide as a terminal shows it: a Chinese character takes two columns.

``len("参数")`` is 2, but a terminal draws it in 4 columns, so tables padded with
``f"{text:<20}"`` and help text wrapped by ``textwrap`` come out too wide once the text
is Chinese. The display width of a string is the sum over its characters of

    2  for East Asian Wide and Fullwidth characters (``unicodedata.east_asian_width``
       is ``"W"`` or ``"F"``: 汉字, ，。：（）),
    0  for combining marks,
    1  for everything else,

as terminals and ``wcwidth`` count them.
"""

from __future__ import annotations

import re
import unicodedata

_WIDE = ("W", "F")
#: Where a line may break: between words, and between any two wide characters.
_TOKENS = re.compile(r"\s+|[\u2e80-\uffef]|[^\s\u2e80-\uffef]+")
#: Wide punctuation that never begins a line (it stays with the character before).
_NO_LINE_START = set("，。、；：？！）》」』”’")
#: Wide punctuation that never ends a line (it moves down with the character after).
_NO_LINE_END = set("（《「『“‘")


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal."""
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(ch) else
               2 if unicodedata.east_asian_width(ch) in _WIDE else 1 for ch in text)


def pad(text: str, columns: int, align: str = "<") -> str:
    """``text`` padded with spaces to ``columns`` display columns, on the right for
    ``align="<"``, on the left for ``">"`` (``f"{text:<{columns}}"`` counting columns)."""
    fill = " " * max(columns - width(text), 0)
    return fill + text if align == ">" else text + fill


def wrap(text: str, columns: int) -> list[str]:
    """``text`` in lines of at most ``columns`` display columns (``textwrap.wrap`` for
    mixed Chinese and English): lines break at spaces and between Chinese characters,
    never inside an English word or option such as ``--batch-size``; Chinese closing
    punctuation never begins a line and opening punctuation never ends one (the character
    beside it moves down with it). A word longer than a line gets a line of its own."""
    lines: list[str] = []
    line: list[str] = []  # the tokens of the line being filled, " " for a space
    used, space = 0, False
    for token in _TOKENS.findall(text):
        if token.isspace():
            space = bool(line)
            continue
        gap, space = int(space), False
        if line and used + gap + width(token) > columns:
            carried: list[str] = []  # what moves down with the token
            while len(line) > 1 and line[-1] != " " and (
                    (carried[0] if carried else token) in _NO_LINE_START
                    or line[-1] in _NO_LINE_END):
                carried.insert(0, line.pop())
            lines.append("".join(line).rstrip())
            line, used, gap = carried, sum(map(width, carried)), 0
        line += [" "] * gap + [token]
        used += gap + width(token)
    if line:
        lines.append("".join(line))
    return lines
