"""Keep glassnet's message catalogues in step with the source (a development tool).

    python tools/catalog.py           # extract _("...") messages into the .po, compile the .mo
    python tools/catalog.py --check   # exit 1 if the .po or the .mo is out of date
    python tools/catalog.py --merge OTHER.po ...
                                      # also take translations from other .po files (after a
                                      # git merge: each branch's .po), for messages this one lacks

Extraction reads the source with ``ast``, so implicitly concatenated literals give one
message, exactly as Python joins them. Messages new in the source are added to the .po
with an empty translation (``msgstr ""``) for a translator to fill in; messages gone from
the source are dropped. The .mo is GNU gettext's binary format (what ``msgfmt`` writes, no
hash table), which the standard library's ``gettext`` reads. Standard library only.
"""

from __future__ import annotations

import ast
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "glassnet"
PO = PACKAGE / "locale" / "zh_CN" / "LC_MESSAGES" / "glassnet.po"
MO = PO.with_suffix(".mo")
HEADER = ("Project-Id-Version: glassnet\nLanguage: zh_CN\nMIME-Version: 1.0\n"
          "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n")


def extract(package: Path = PACKAGE) -> dict[str, list[str]]:
    """Every ``_("literal")`` and ``N_("literal")`` (marked, translated elsewhere) in the
    package: message -> ``["file.py:line", ...]``."""
    found: dict[str, list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("_", "N_") and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                where = f"{path.relative_to(package).as_posix()}:{node.lineno}"
                found.setdefault(node.args[0].value, []).append(where)
    return found


# -- .po -----------------------------------------------------------------------------
def _unquote(line: str) -> str:
    return ast.literal_eval(line)  # a PO string literal is a valid Python literal


def read_po(path: Path = PO) -> dict[str, str]:
    """msgid -> msgstr (the header under ``""``); fuzzy entries are skipped."""
    entries: dict[str, str] = {}
    msgid = msgstr = None
    fuzzy = False
    field = None

    def flush():
        if msgid is not None and not fuzzy:
            entries[msgid] = msgstr or ""

    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("msgid "):
            msgid, field = _unquote(line[6:]), "msgid"
        elif line.startswith("msgstr "):
            msgstr, field = _unquote(line[7:]), "msgstr"
        elif line.startswith('"'):
            if field == "msgid":
                msgid += _unquote(line)
            else:
                msgstr += _unquote(line)
        elif not line:
            flush()
            msgid = msgstr = field = None
            fuzzy = False
    return entries


def _quote(text: str, width: int = 76) -> str:
    """A PO string, split into lines of at most ``width`` characters after spaces."""
    def q(s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if len(text) <= width - 8:
        return q(text)
    pieces, piece = [], ""
    for word in text.split(" "):
        if piece and len(piece) + len(word) + 1 > width - 2:
            pieces.append(piece + " ")
            piece = word
        else:
            piece = f"{piece} {word}" if piece else word
    pieces.append(piece)
    # words split on " " rejoin exactly only if no piece was empty: keep the text exact
    if "".join(pieces) != text:
        return q(text)
    return '""\n' + "\n".join(q(p) for p in pieces)


def _quote_zh(text: str, width: int = 40) -> str:
    """A translation in lines of about ``width`` characters, broken after Chinese
    punctuation where possible (Chinese has few spaces), never inside a placeholder."""
    if len(text) <= width:
        return _quote(text)
    chunks, chunk, depth = [], "", 0
    for ch in text:
        chunk += ch
        depth += (ch == "{") - (ch == "}")
        if depth == 0 and ((ch in "，。：；、）？" and len(chunk) >= width // 2)
                           or (ch == " " and len(chunk) >= width)):
            chunks.append(chunk)
            chunk = ""
    if chunks and len(chunk) < 4:
        chunks[-1] += chunk  # no line of a lone "。"
    else:
        chunks.append(chunk)
    return '""\n' + "\n".join(_quote(c, 10_000) for c in chunks if c)


def write_po(found: dict[str, list[str]], translations: dict[str, str], path: Path = PO):
    out = ["# Simplified Chinese messages of glassnet.", "# Kept in step by tools/catalog.py.",
           'msgid ""', 'msgstr ""']
    out += [_quote(line + "\n", 10_000) for line in HEADER.splitlines()] + [""]
    def first_place(item):
        file, line = item[1][0].rsplit(":", 1)
        return file, int(line)

    for msgid, places in sorted(found.items(), key=first_place):
        out.append("#: " + " ".join(places))
        out.append("msgid " + _quote(msgid))
        out.append("msgstr " + _quote_zh(translations.get(msgid, "")))
        out.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out), encoding="utf-8")


# -- .mo -----------------------------------------------------------------------------
def mo_bytes(entries: dict[str, str]) -> bytes:
    """GNU .mo for the translated entries (untranslated ones are left out, as msgfmt does)."""
    pairs = sorted((k.encode(), v.encode()) for k, v in entries.items() if v)
    n = len(pairs)
    originals_at = 7 * 4
    translations_at = originals_at + 8 * n
    data_at = translations_at + 8 * n
    table, strings = [], b""
    for text in [k for k, _ in pairs] + [v for _, v in pairs]:
        table.append((len(text), data_at + len(strings)))
        strings += text + b"\0"
    head = struct.pack("<7I", 0x950412DE, 0, n, originals_at, translations_at, 0, data_at)
    return head + b"".join(struct.pack("<2I", *t) for t in table) + strings


def main(argv: list[str]) -> int:
    found = extract()
    translations = read_po() if PO.exists() else {}
    if "--merge" in argv:
        for other in argv[argv.index("--merge") + 1:]:
            for msgid, msgstr in read_po(Path(other)).items():
                if msgstr and not translations.get(msgid):
                    translations[msgid] = msgstr
    if "--check" in argv:
        stale = sorted(set(translations) - set(found) - {""})
        missing = sorted(m for m in found if not translations.get(m))
        drift = not MO.exists() or MO.read_bytes() != mo_bytes(translations)
        for m in stale:
            print("stale:", m[:70])
        for m in missing:
            print("untranslated:", m[:70])
        if drift:
            print("the .mo differs from the .po: run python tools/catalog.py")
        return int(bool(stale or missing or drift))
    write_po(found, translations)
    entries = read_po()
    MO.write_bytes(mo_bytes(entries))
    untranslated = sum(1 for m in found if not entries.get(m))
    print(f"{len(found)} messages, {untranslated} untranslated; wrote {PO.name} and {MO.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
