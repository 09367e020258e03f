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
    never inside an English word or option such as ``--batch-size``, and never before
    Chinese closing punctuation. A word longer than a line gets a line of its own."""
    lines: list[str] = []
    line, used, space = "", 0, False
    for token in _TOKENS.findall(text):
        if token.isspace():
            space = bool(line)
            continue
        gap = 1 if space and line else 0
        w = width(token)
        if line and used + gap + w > columns and token not in _NO_LINE_START:
            lines.append(line)
            line, used, gap = "", 0, 0
        line += " " * gap + token
        used += gap + w
        space = False
    if line:
        lines.append(line)
    return lines
