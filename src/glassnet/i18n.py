"""Messages in the learner's language: English, or Simplified Chinese.

A message is written in English in the source, wrapped in ``_()``, and formatted with
named placeholders after translation::

    raise InputError(_("{what} is missing: pass an array.").format(what=what))

(an f-string cannot be looked up: its text differs each time). The translations live in
``locale/zh_CN/LC_MESSAGES/glassnet.po``, compiled to ``glassnet.mo`` next to it by
``python tools/catalog.py``; both ship in the package, so users need no build step.

The language, read on every message (so a test or a notebook can switch it):

1. ``GLASSNET_LANG``, e.g. ``zh``, ``zh_CN``, ``en``;
2. else the first of ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set, as
   GNU gettext reads them (``LANGUAGE`` may list several, ``zh_CN:en``); on Windows, where
   none is usually set, the user's locale (``zh-CN``);
3. else English. Any ``zh*`` value means Simplified Chinese; a language without a
   catalogue falls back to English.

``gettext`` is imported on the first message in Chinese, never by ``import glassnet``;
an English message costs four dictionary look-ups.

``ArgparseLanguage`` makes the words ``argparse`` writes itself (``usage:``, ``options``,
``invalid choice: ...``) follow the same language, for the ``glassnet`` command.
"""

from __future__ import annotations

import os
import sys

DOMAIN = "glassnet"
LOCALE_DIR = os.path.join(os.path.dirname(__file__), "locale")
ENGLISH = "en"
CHINESE = "zh_CN"
_ENV = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
_catalogs: dict[str, object] = {}  # language -> gettext.GNUTranslations, loaded once
_system: list[str] = []  # the Windows user locale, read once


def language() -> str:
    """``"zh_CN"`` or ``"en"``: the language messages are shown in now."""
    requested = os.environ.get("GLASSNET_LANG")
    if requested:
        candidates = requested.split(":")
    else:
        value = next((os.environ[v] for v in _ENV if os.environ.get(v)), "")
        candidates = (value or system_locale()).split(":")
    for candidate in candidates:
        code = candidate.split(".")[0].split("@")[0].strip().lower()
        if code.startswith("zh"):
            return CHINESE
        if code.startswith("en") or code in ("c", "posix"):
            return ENGLISH
    return ENGLISH


def system_locale() -> str:
    """The user's locale on Windows (``"zh-CN"``), which sets no ``LANG``; else ``""``."""
    if sys.platform != "win32":
        return ""
    if not _system:
        import ctypes  # Windows only, on the first message

        buffer = ctypes.create_unicode_buffer(85)  # LOCALE_NAME_MAX_LENGTH
        ok = ctypes.windll.kernel32.GetUserDefaultLocaleName(buffer, len(buffer))
        _system.append(buffer.value if ok else "")
    return _system[0]


def _(message: str) -> str:
    """``message`` in the current language (itself in English, or when untranslated)."""
    lang = language()
    if lang == ENGLISH:
        return message
    return _catalog(lang).gettext(message)


def _catalog(lang: str):
    catalog = _catalogs.get(lang)
    if catalog is None:
        import gettext  # on the first translated message: `import glassnet` stays fast

        catalog = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)
        _catalogs[lang] = catalog
    return catalog


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it here (it is translated
    where it is used, by someone else's ``gettext``)."""
    return message


# The words argparse writes itself that a user of the glassnet command meets (Python 3.10-3.13).
ARGPARSE_MESSAGES = (
    N_("usage: "), N_("positional arguments"), N_("options"),
    N_("show this help message and exit"), N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("the following arguments are required: %s"), N_("unrecognized arguments: %s"),
    N_("invalid %(type)s value: %(value)r"), N_("expected one argument"),
    N_("expected at least one argument"), N_("expected at most one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"), N_("one of the arguments %s is required"),
    N_("can't open '%(filename)s': %(error)s"),
)


class ArgparseLanguage:
    """``with ArgparseLanguage(): parser = make_parser(); parser.parse_args()``: argparse's
    own words in the current language for the duration. Make the parser inside the block:
    its section titles are fixed when it is made. argparse looks up its module-level ``_``
    on every call; the previous one is put back on exit, so other users of argparse in the
    process are not affected afterwards."""

    def __enter__(self) -> ArgparseLanguage:
        import argparse

        self._previous = argparse._
        argparse._ = _
        return self

    def __exit__(self, *exc) -> None:
        import argparse

        argparse._ = self._previous
