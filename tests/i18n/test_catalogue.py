"""The French catalogue reads as French: full plural forms, typographic apostrophes."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "vigie" / "locale" / "fr" / "LC_MESSAGES" / "django.po"

# A straight apostrophe is allowed only inside HTML tags (attributes) and URLs.
TAGS_AND_URLS = re.compile(r"<[^>]*>|https?://\S+")


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def parse_po(text: str) -> list[Entry]:
    """The live (non-obsolete) entries of a .po file, header excluded."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal entry, target
        if entry.msgid or entry.msgstr:
            entries.append(entry)
        entry, target = Entry(), None

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                finish()
            continue
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            value, rest = ast.literal_eval(line), ""
        else:
            value = ast.literal_eval(rest)
            if keyword.startswith("msgstr["):
                target = ("msgstr", int(keyword[7:-1]))
            else:
                target = (keyword, 0)
        assert target is not None
        name, index = target
        if name == "msgstr":
            entry.msgstr[index] = entry.msgstr.get(index, "") + value
        elif name == "msgctxt":
            entry.msgctxt = (entry.msgctxt or "") + value
        elif name == "msgid":
            entry.msgid += value
        elif name == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + value
    finish()
    return [item for item in entries if item.msgid]


def label(entry: Entry) -> str:
    return f"{entry.msgctxt + ' | ' if entry.msgctxt else ''}{entry.msgid!r}"


def test_the_parser_reads_plural_entries() -> None:
    entries = parse_po(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=2;\\n"\n\n'
        '#, python-format\nmsgctxt "c"\nmsgid "%(n)s file"\nmsgid_plural "%(n)s files"\n'
        'msgstr[0] "%(n)s fichier"\nmsgstr[1] ""\n"%(n)s fichiers"\n\n'
        '#~ msgid "old"\n#~ msgstr "vieux"\n'
    )
    assert len(entries) == 1
    assert entries[0].msgctxt == "c"
    assert entries[0].msgstr == {0: "%(n)s fichier", 1: "%(n)s fichiers"}
    assert "python-format" in entries[0].flags


def plural_problems(entries: list[Entry]) -> list[str]:
    """Plural messages whose French lacks msgstr[0] or msgstr[1], or has an empty form."""
    return [
        label(entry)
        for entry in entries
        if entry.msgid_plural is not None
        and not (set(entry.msgstr) >= {0, 1} and all(entry.msgstr[i].strip() for i in (0, 1)))
    ]


def apostrophe_problems(entries: list[Entry]) -> list[str]:
    return [
        f"{label(entry)} => {text!r}"
        for entry in entries
        for text in entry.msgstr.values()
        if "'" in TAGS_AND_URLS.sub("", text)
    ]


def test_the_checks_catch_what_they_are_for() -> None:
    entries = parse_po(
        'msgid "%(n)s file"\nmsgid_plural "%(n)s files"\nmsgstr[0] "%(n)s fichier"\n\n'
        'msgid "%(n)s day"\nmsgid_plural "%(n)s days"\nmsgstr[0] "%(n)s jour"\nmsgstr[1] ""\n\n'
        'msgid "It\'s"\nmsgstr "C\'est"\n\n'
        "msgid \"<a href='/x'>Home</a>\"\nmsgstr \"<a href='/x'>L’accueil</a>\"\n\n"
        'msgid "See https://x.fr/l\'a"\nmsgstr "Voir https://x.fr/l\'a"\n'
    )
    assert plural_problems(entries) == ["'%(n)s file'", "'%(n)s day'"]
    found = apostrophe_problems(entries)  # not the tag's attribute, not the URL
    assert len(found) == 1
    assert found[0].startswith(repr("It's"))


def test_every_plural_message_has_both_french_forms() -> None:
    faulty = plural_problems(parse_po(CATALOGUE.read_text(encoding="utf-8")))
    assert faulty == [], "Plural messages without both French forms:\n" + "\n".join(faulty)


def test_french_messages_use_the_typographic_apostrophe() -> None:
    faulty = apostrophe_problems(parse_po(CATALOGUE.read_text(encoding="utf-8")))
    assert faulty == [], "Straight apostrophes in French messages (use ’):\n" + "\n".join(faulty)
