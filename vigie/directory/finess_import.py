"""Import of the public FINESS extract of establishments (sites, FINESS ET).

The file is data.gouv.fr's « FINESS Extraction du Fichier des établissements »
(``etalab-cs1100507-stock-*.csv``, and the geolocated ``etalab-cs1100502-*``):
semicolon separated, Windows-1252 in the older files and UTF-8 in some later ones,
standard CSV quoting when a name holds a ``"``. The first line is a header such as
``finess;etalab;111;2026-05-12``; then one ``structureet`` row per site in the
official column order (:data:`COLUMNS`); then ``geolocalisation`` rows, ignored here.

The import creates or updates :class:`Structure` by ``nofinesset`` and
:class:`LegalEntity` by ``nofinessej``. It owns the name, legal entity, département,
town, FINESS category and type of a structure; everything an operator records
(director, OIV/SIIV, NIS2 category, SSI mailbox, active flag) is never touched, and a
type an operator refined by hand survives (see :func:`_next_kind`). It is
idempotent: a second run of the same file changes nothing. Rows are written in
batches of :data:`BATCH_SIZE`, each in its own transaction, with bulk queries only.

``data/finess-sample.csv`` is a small file in the official format: real rows of the
2026-05-12 extract (Ain, Saint-Martin, Saint-Barthélemy, Guyane, La Réunion, Mayotte,
Wallis-et-Futuna) and synthetic rows (valid check keys, invented names) for the
kinds the real rows lack, plus two rows that must be rejected.
"""

from __future__ import annotations

import codecs
import csv
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from vigie.directory.finess import departement_code, finess_error, normalize_finess
from vigie.directory.models import Departement, LegalEntity, Structure, StructureKind

# The official column order of a ``structureet`` row (« Jeu de données FINESS
# etalab_cs1100507 », section structureet).
COLUMNS = (
    "structureet",
    "nofinesset",
    "nofinessej",
    "rs",
    "rslongue",
    "complrs",
    "compldistrib",
    "numvoie",
    "typvoie",
    "voie",
    "compvoie",
    "lieuditbp",
    "commune",
    "departement",
    "libdepartement",
    "ligneacheminement",
    "telephone",
    "telecopie",
    "categetab",
    "libcategetab",
    "categagretab",
    "libcategagretab",
    "siret",
    "codeape",
    "codemft",
    "libmft",
    "codesph",
    "libsph",
    "dateouv",
    "dateautor",
    "datemaj",
    "numuai",
)
_COL = {name: index for index, name in enumerate(COLUMNS)}
# Rows must reach ``libcategetab``; trailing columns come and go between versions.
MIN_FIELDS = _COL["libcategetab"] + 1
BATCH_SIZE = 1000
PROGRESS_STEP = 500  # lines between two progress reports

H = StructureKind.HEALTH_FACILITY
# ``categetab`` -> structure type. Codes and labels: ANS nomenclature TRE_R66
# « Catégorie d'établissement » (OID 1.2.250.1.213.1.6.1.8); the health-facility list is
# the SAE survey's set of health-establishment categories (HL7 France FR Core ValueSet
# « Catégorie SAE établissement », drawn from TRE_R66). A site of a hospital outside its
# walls (CMP, CATTP…) is a health facility: its information system is the hospital's.
# TRE_R66 has no category for radiotherapy or imaging centres: see NAME_REFINED_CATEGORIES.
CATEGORY_KINDS: dict[str, StructureKind] = {
    "101": H,  # Centre Hospitalier Régional (C.H.R.) — CHU included
    "106": H,  # Centre hospitalier, ex Hôpital local
    "109": H,  # Etablissement de santé privé autorisé en SSR
    "114": StructureKind.MILITARY_HOSPITAL,  # Hôpital des armées (HIA)
    # Etablissement de soins du Service de santé des armées: the defence chain too.
    "115": StructureKind.MILITARY_HOSPITAL,
    "122": H,  # Etablissement de soins obstétriques chirurgico-gynécologiques
    "127": H,  # Hospitalisation à domicile
    "128": H,  # Etablissement de soins chirurgicaux
    "129": H,  # Etablissement de soins médicaux
    "131": H,  # Centre de lutte contre le cancer (CLCC; radiotherapy inside a hospital)
    "141": H,  # Centre de dialyse
    "146": H,  # Structure d'alternative à la dialyse en centre
    "156": H,  # Centre médico-psychologique (C.M.P.)
    "161": H,  # Maison de santé pour maladies mentales
    "292": H,  # Centre hospitalier spécialisé lutte maladies mentales (CHS)
    "355": H,  # Centre Hospitalier (C.H.)
    "362": H,  # Etablissement de soins longue durée
    "365": H,  # Etablissement de soins pluridisciplinaire
    "366": H,  # Atelier thérapeutique
    "412": H,  # Appartement thérapeutique
    "415": H,  # Service médico-psychologique régional (S.M.P.R.)
    "422": H,  # Traitements spécialisés à domicile
    "425": H,  # Centre d'accueil thérapeutique à temps partiel (C.A.T.T.P.)
    "426": H,  # Syndicat inter hospitalier (S.I.H.)
    "430": H,  # Centre postcure malades mentaux
    "433": H,  # Etablissement sanitaire des prisons
    "444": H,  # Centre crise accueil permanent
    "695": H,  # Groupement de coopération sanitaire de moyens - Exploitant
    "697": H,  # Groupement de coopération sanitaire - Etablissement de santé
    "698": H,  # Autre établissement loi hospitalière
    "610": StructureKind.BIOLOGY_LAB,  # Laboratoire d'analyses
    "611": StructureKind.BIOLOGY_LAB,  # Laboratoire de biologie médicale
    "612": StructureKind.BIOLOGY_LAB,  # Autre laboratoire de biologie médicale sans FSE
    # Everything else (EHPAD, medico-social, pharmacies, 696 GCS de moyens, 699 « Entité
    # ayant autorisation »…) is OTHER.
}
# Radiotherapy and imaging centres have no category of their own: private ones hold an
# activity or heavy-equipment authorisation and are filed under these generic codes,
# where the name is the only clue. Only these categories are refined by name, so a CH
# called « … imagerie » stays a health facility.
NAME_REFINED_CATEGORIES = frozenset({"695", "696", "698", "699"})
_RADIOTHERAPY_RE = re.compile(
    r"\b(RADIOTHERAP\w*|CURIETHERAP\w*|PROTONTHERAP\w*|RADIO-ONCOLOG\w*|CYBERKNIFE)"
)
_IMAGING_RE = re.compile(
    r"\b(IMAGERIE|RADIOLOG\w*|IRM|SCANNERS?|SCANOGRAPH\w*|MEDECINE NUCLEAIRE|TEP)\b"
)

# The extract writes overseas départements as 9A…9F (some versions as 971…976). 9E
# (Saint-Pierre-et-Miquelon) and 9J (Wallis-et-Futuna) are not covered by an ARS here.
_OVERSEAS_COLUMN = {"9A": "971", "9B": "972", "9C": "973", "9D": "974", "9F": "976"}
# Saint-Barthélemy and Saint-Martin keep Guadeloupe's FINESS prefix and code 9A; only
# the postcode tells them apart.
_COLLECTIVITY_POSTCODES = {"97133": "977", "97150": "978"}
_ROUTING_RE = re.compile(r"^(\d{5})\s+(.*?)(?:\s+CEDEX(?:\s+\d+)?)?$", re.IGNORECASE)

# Fields the import owns; nothing else is ever written on an existing structure.
OWNED_FIELDS = ("name", "legal_entity_id", "departement_id", "town", "finess_category", "kind")


class FinessFileError(ValueError):
    """The file is not a FINESS establishments extract."""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    legal_entities_created: int = 0
    # (line number, reason): rows not imported.
    rejections: list[tuple[int, str]] = field(default_factory=list)
    # (line number, note): rows imported with a reservation (unusable EJ number).
    warnings: list[tuple[int, str]] = field(default_factory=list)

    def reject(self, line: int, reason: str) -> None:
        self.skipped += 1
        self.rejections.append((line, reason))


@dataclass(slots=True)
class _Row:
    line: int
    finess: str
    ej: str | None
    name: str
    departement_id: int
    town: str
    category: str
    kind: str


def kind_for(category: str, name: str) -> StructureKind:
    """The structure type for a FINESS category, refined by name where it is generic."""
    category = category.strip()
    if category in NAME_REFINED_CATEGORIES:
        plain = _plain(name)
        if _RADIOTHERAPY_RE.search(plain):
            return StructureKind.RADIOTHERAPY
        if _IMAGING_RE.search(plain):
            return StructureKind.IMAGING
    return CATEGORY_KINDS.get(category, StructureKind.OTHER)


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.upper())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _next_kind(current: dict[str, Any], row: _Row) -> str:
    """The file's type, unless an operator set another one the file cannot contradict.

    Radiotherapy and imaging centres often cannot be told from the file: a type differing
    from what the structure's last imported category gives was set by hand, and is kept
    as long as the file's category stays the same. A structure never imported (no
    category yet) takes the file's type.
    """
    category = current["finess_category"]
    set_by_hand = bool(category) and current["kind"] != kind_for(category, current["name"])
    if set_by_hand and category == row.category:
        return str(current["kind"])
    return row.kind


def detect_encoding(path: Path | str) -> str:
    """UTF-8 if the whole file decodes as such, else Windows-1252 (the official one)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as handle:
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def count_lines(path: Path | str) -> int:
    """Number of lines in the file (the progress bar's total)."""
    lines = 0
    last = b"\n"
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


def _departement_id(
    fields: list[str], finess: str, routing_line: str, departements: dict[str, int]
) -> int | None:
    column = fields[_COL["departement"]].strip().upper()
    column = _OVERSEAS_COLUMN.get(column, column)
    if column.isdigit() and len(column) == 1:  # « 1 » for 01 in spreadsheet-saved files
        column = column.zfill(2)
    for code in (column, departement_code(finess)):
        if code == "971":
            collectivity = _COLLECTIVITY_POSTCODES.get(routing_line[:5], "")
            if collectivity in departements:
                code = collectivity
        if code in departements:
            return departements[code]
    return None


def _town(routing_line: str) -> str:
    line = " ".join(routing_line.split())
    match = _ROUTING_RE.match(line)
    return (match.group(2) if match else line)[:120]


def _parse(
    fields: list[str],
    line: int,
    departements: dict[str, int],
    seen: dict[str, int],
    result: ImportResult,
) -> _Row | None:
    if len(fields) < MIN_FIELDS:
        result.reject(
            line,
            _("Malformed line: %(count)d fields instead of at least %(expected)d.")
            % {"count": len(fields), "expected": MIN_FIELDS},
        )
        return None
    finess = normalize_finess(fields[_COL["nofinesset"]])
    error = finess_error(finess)
    if error:
        result.reject(line, error)
        return None
    if finess in seen:
        result.reject(
            line,
            _("The FINESS number %(number)s already appears on line %(line)d.")
            % {"number": finess, "line": seen[finess]},
        )
        return None
    seen[finess] = line
    name = " ".join((fields[_COL["rslongue"]] or fields[_COL["rs"]]).split())[:255]
    if not name:
        result.reject(line, _("The establishment %(number)s has no name.") % {"number": finess})
        return None
    routing = fields[_COL["ligneacheminement"]].strip()
    departement_id = _departement_id(fields, finess, routing, departements)
    if departement_id is None:
        result.reject(
            line,
            _("Unknown département %(code)s for the establishment %(number)s.")
            % {"code": fields[_COL["departement"]].strip(), "number": finess},
        )
        return None
    ej: str | None = normalize_finess(fields[_COL["nofinessej"]])
    if ej and finess_error(ej):
        result.warnings.append(
            (
                line,
                _(
                    "The legal entity number %(number)s is not a valid FINESS number: "
                    "the establishment is imported without it."
                )
                % {"number": ej},
            )
        )
        ej = None
    category = fields[_COL["categetab"]].strip()[:4]
    return _Row(
        line=line,
        finess=finess,
        ej=ej or None,
        name=name,
        departement_id=departement_id,
        town=_town(routing),
        category=category,
        kind=kind_for(category, name),
    )


def _write(
    batch: list[_Row],
    departements: dict[str, int],
    legal_entities: dict[str, int],
    result: ImportResult,
) -> None:
    with transaction.atomic():
        _create_legal_entities(batch, departements, legal_entities, result)
        existing = {
            values[1]: dict(zip(("id", "finess", *OWNED_FIELDS), values, strict=True))
            for values in Structure.objects.filter(
                finess__in=[row.finess for row in batch]
            ).values_list("id", "finess", *OWNED_FIELDS)
        }
        to_create: list[Structure] = []
        to_update: list[tuple[Any, ...]] = []
        for row in batch:
            entity_id = legal_entities.get(row.ej) if row.ej else None
            current = existing.get(row.finess)
            if current is None:
                to_create.append(
                    Structure(
                        finess=row.finess,
                        name=row.name,
                        kind=row.kind,
                        legal_entity_id=entity_id,
                        departement_id=row.departement_id,
                        town=row.town,
                        finess_category=row.category,
                    )
                )
                continue
            wanted = {
                "name": row.name,
                # An unusable EJ number in the file never unlinks a structure.
                "legal_entity_id": entity_id or current["legal_entity_id"],
                "departement_id": row.departement_id,
                "town": row.town,
                "finess_category": row.category,
                "kind": _next_kind(current, row),
            }
            if any(current[name] != wanted[name] for name in OWNED_FIELDS):
                to_update.append((current["id"], *(wanted[name] for name in OWNED_FIELDS)))
            else:
                result.unchanged += 1
        Structure.objects.bulk_create(to_create)
        _update_structures(to_update)
        result.created += len(to_create)
        result.updated += len(to_update)


def _create_legal_entities(
    batch: list[_Row],
    departements: dict[str, int],
    legal_entities: dict[str, int],
    result: ImportResult,
) -> None:
    wanted = {row.ej for row in batch if row.ej and row.ej not in legal_entities}
    if not wanted:
        return
    legal_entities.update(LegalEntity.objects.filter(finess__in=wanted).values_list("finess", "id"))
    new: dict[str, LegalEntity] = {}
    for row in batch:
        if row.ej and row.ej not in legal_entities and row.ej not in new:
            # Named after the first of its sites seen; the name is never overwritten
            # afterwards (operators may correct it).
            new[row.ej] = LegalEntity(
                finess=row.ej,
                name=row.name,
                departement_id=departements.get(departement_code(row.ej) or "", row.departement_id),
            )
    LegalEntity.objects.bulk_create(new.values())
    legal_entities.update({ej: entity.pk for ej, entity in new.items()})
    result.legal_entities_created += len(new)


def _update_structures(rows: list[tuple[Any, ...]]) -> None:
    """One ``UPDATE … FROM unnest(…)`` for the batch, one array per column.

    ``QuerySet.bulk_update`` builds a CASE per field and row: minutes for 100 000 rows.
    Triggers (pghistory) fire as for any update.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in OWNED_FIELDS)
    assignments = ", ".join(f"{quote(name)} = v.{quote(name)}" for name in OWNED_FIELDS)
    sql = (
        f"UPDATE {quote(Structure._meta.db_table)} AS s SET {assignments} "  # noqa: S608 (names from the model, values bound)
        "FROM unnest(%s::bigint[], %s::text[], %s::bigint[], %s::bigint[], %s::text[], "
        f"%s::text[], %s::text[]) AS v(id, {columns}) WHERE s.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])


def finess_import(
    *, path: Path | str, progress: Callable[[int], object] | None = None
) -> ImportResult:
    """Create or update structures and legal entities from a FINESS extract file.

    ``progress`` is called with the number of lines read since its last call (for
    instance ``tqdm.update``). Invalid rows are skipped and listed in the result's
    ``rejections`` with their line numbers; they never stop the import.
    """
    result = ImportResult()
    departements = dict(Departement.objects.values_list("code", "id"))
    legal_entities: dict[str, int] = {}
    seen: dict[str, int] = {}
    batch: list[_Row] = []
    reported = 0
    with open(path, encoding=detect_encoding(path), errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        for fields in reader:
            line = reader.line_num
            section = fields[0].strip().lower() if fields else ""
            if line == 1 and section != "structureet":
                if section != "finess":
                    raise FinessFileError(
                        _(
                            "This file is not a FINESS extract of establishments: its "
                            "first line should start with “finess;” or “structureet;”."
                        )
                    )
                continue
            if progress is not None and line - reported >= PROGRESS_STEP:
                progress(line - reported)
                reported = line
            if section != "structureet":
                continue  # geolocalisation rows, blank lines
            row = _parse(fields, line, departements, seen, result)
            if row is not None:
                batch.append(row)
            if len(batch) >= BATCH_SIZE:
                _write(batch, departements, legal_entities, result)
                batch = []
        if batch:
            _write(batch, departements, legal_entities, result)
        if progress is not None:
            progress(reader.line_num - reported)
    return result
