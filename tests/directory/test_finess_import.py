"""Import of the public FINESS extract (service and management command)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.directory.test_finess import with_key
from vigie.directory.finess_import import (
    COLUMNS,
    FinessFileError,
    count_lines,
    detect_encoding,
    finess_import,
    kind_for,
)
from vigie.directory.models import LegalEntity, Nis2Category, Structure, StructureKind, User

SAMPLE = Path(__file__).resolve().parents[2] / "vigie" / "directory" / "data" / "finess-sample.csv"
SAMPLE_ROWS = 30
SAMPLE_VALID = 28
SAMPLE_LEGAL_ENTITIES = 22
HEADER = "finess;etalab;111;2026-05-12"

pytestmark = pytest.mark.django_db


def sample_lines() -> list[str]:
    return SAMPLE.read_text(encoding="latin-1").splitlines()


def line_of(number: str, lines: list[str] | None = None) -> int:
    """1-based line number of the structureet row for ``number``."""
    for index, line in enumerate(lines or sample_lines(), start=1):
        if line.startswith(f"structureet;{number};"):
            return index
    raise AssertionError(number)


def et_row(number: str, ej: str, name: str, **values: str) -> str:
    """One structureet row in the official layout (official column names as keys)."""
    fields = dict.fromkeys(COLUMNS, "")
    fields.update(
        structureet="structureet",
        nofinesset=number,
        nofinessej=ej,
        rs=name[:38],
        rslongue=name,
        departement=number[:2],
        ligneacheminement=f"{number[:2]}000 VILLE",
        categetab="355",
        libcategetab="Centre Hospitalier (C.H.)",
    )
    fields.update(values)
    buffer = StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="").writerow(fields.values())
    return buffer.getvalue()


def write(path: Path, lines: list[str], encoding: str = "latin-1") -> Path:
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def snapshot() -> dict[str, tuple[Any, ...]]:
    return {
        s.finess: (
            s.name,
            s.kind,
            s.legal_entity_id,
            s.departement_id,
            s.town,
            s.finess_category,
            s.is_oiv,
            s.is_siiv,
            s.nis2_category,
            s.ssi_mailbox,
            s.director_id,
            s.is_active,
        )
        for s in Structure.objects.all()
    }


def structure(number: str) -> Structure:
    return Structure.objects.select_related("departement__region", "legal_entity").get(
        finess=number
    )


def test_sample_is_latin1_like_the_official_file() -> None:
    assert detect_encoding(SAMPLE) == "cp1252"
    assert count_lines(SAMPLE) == len(sample_lines())
    rows = [line for line in sample_lines() if line.startswith("structureet;")]
    assert len(rows) == SAMPLE_ROWS


def test_import_the_sample() -> None:
    result = finess_import(path=SAMPLE)

    assert (result.created, result.updated, result.unchanged) == (SAMPLE_VALID, 0, 0)
    assert result.skipped == 2
    assert result.legal_entities_created == SAMPLE_LEGAL_ENTITIES
    assert Structure.objects.count() == SAMPLE_VALID
    assert LegalEntity.objects.count() == SAMPLE_LEGAL_ENTITIES
    assert result.warnings == []


def test_invalid_rows_are_reported_with_their_line_numbers() -> None:
    result = finess_import(path=SAMPLE)

    lines = [line for line, _ in result.rejections]
    # A mistyped check key, and Wallis-et-Futuna (a real number, outside any ARS).
    assert lines == [line_of("750012347"), line_of("980600027")]
    assert all(
        "75 001 234 7" in reason or "98 060 002 7" in reason for _, reason in result.rejections
    )
    assert not Structure.objects.filter(finess__in=["750012347", "980600027"]).exists()


@pytest.mark.parametrize(
    ("number", "departement", "region", "kind", "town"),
    [
        ("010000024", "01", "84", StructureKind.HEALTH_FACILITY, "VIRIAT"),
        ("830100426", "83", "93", StructureKind.MILITARY_HOSPITAL, "TOULON"),
        ("690042114", "69", "84", StructureKind.BIOLOGY_LAB, "LYON"),
        ("330054800", "33", "75", StructureKind.RADIOTHERAPY, "PESSAC"),
        ("590098703", "59", "32", StructureKind.IMAGING, "LILLE"),
        ("440027605", "44", "52", StructureKind.IMAGING, "NANTES"),  # GIE IRM scanner
        ("2A0003109", "2A", "94", StructureKind.HEALTH_FACILITY, "AJACCIO"),
        ("2B0005201", "2B", "94", StructureKind.HEALTH_FACILITY, "BASTIA"),
        ("350007829", "35", "53", StructureKind.HEALTH_FACILITY, "RENNES"),  # CMP
        ("350007837", "35", "53", StructureKind.OTHER, "RENNES"),  # EHPAD
        ("130026206", "13", "93", StructureKind.OTHER, "MARSEILLE"),  # pharmacy
        ("970105557", "971", "01", StructureKind.HEALTH_FACILITY, "POINTE A PITRE"),
        ("970102018", "977", "01", StructureKind.OTHER, "ST BARTHELEMY"),  # PMI
        ("970100400", "978", "01", StructureKind.HEALTH_FACILITY, "ST MARTIN"),
        ("970216057", "972", "02", StructureKind.OTHER, "FORT DE FRANCE"),
        ("970300026", "973", "03", StructureKind.HEALTH_FACILITY, "CAYENNE"),  # CEDEX
        ("970400024", "974", "04", StructureKind.HEALTH_FACILITY, "ST DENIS"),
        ("970409645", "974", "04", StructureKind.HEALTH_FACILITY, "LA POSSESSION"),
        ("980501506", "976", "06", StructureKind.OTHER, "CHIRONGUI"),
        ("980502199", "976", "06", StructureKind.OTHER, "KOUNGOU"),  # 699, no clue
    ],
)
def test_imported_structures(
    number: str, departement: str, region: str, kind: str, town: str
) -> None:
    finess_import(path=SAMPLE)

    site = structure(number)
    assert site.departement.code == departement
    assert site.region.code == region
    assert site.kind == kind
    assert site.town == town
    assert site.is_active


def test_names_and_categories() -> None:
    finess_import(path=SAMPLE)

    fleyriat = structure("010000024")
    assert fleyriat.name == "CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT"  # rslongue
    assert fleyriat.finess_category == "355"
    assert structure("970300026").name == "CENTRE HOSPITALIER DE CAYENNE"  # spaces collapsed
    assert structure("980501506").name == 'LIEU DE VIE ET D\'ACCUEIL "MAVOUNA MEMA 1"'
    assert structure("980502199").name == "UBIPHARM-MAYOTTE"  # no rslongue: rs
    assert structure("330054800").name == "CENTRE DE RADIOTHÉRAPIE DU PARC"


def test_legal_entities_and_their_sites() -> None:
    finess_import(path=SAMPLE)

    lab = LegalEntity.objects.get(finess="690042106")
    assert sorted(lab.sites.values_list("finess", flat=True)) == [
        "690042114",
        "690042122",
        "690042130",
    ]
    # Named after the first of its sites in the file.
    assert lab.name == "LABORATOIRE DE BIOLOGIE MEDICALE BIOLYS - SITE BELLECOUR"
    assert lab.departement.code == "69"
    assert LegalEntity.objects.get(finess="350789004").sites.count() == 4
    cayenne = LegalEntity.objects.get(finess="970302022")
    assert set(cayenne.sites.values_list("finess", flat=True)) == {"970300026", "970302287"}
    # The legal entity's département comes from its own number (ALEFPA: Nord).
    alefpa = structure("970216057").legal_entity
    assert alefpa is not None
    assert alefpa.departement.code == "59"


def test_second_run_changes_nothing() -> None:
    finess_import(path=SAMPLE)
    before = snapshot()
    entities = list(LegalEntity.objects.values_list("finess", "name", "departement_id"))

    result = finess_import(path=SAMPLE)

    assert (result.created, result.updated, result.unchanged) == (0, 0, SAMPLE_VALID)
    assert result.skipped == 2
    assert result.legal_entities_created == 0
    assert snapshot() == before
    assert list(LegalEntity.objects.values_list("finess", "name", "departement_id")) == entities


def test_fields_the_import_does_not_own_survive_a_new_import(
    make_user: Callable[..., User], tmp_path: Path
) -> None:
    finess_import(path=SAMPLE)
    director = make_user()
    Structure.objects.filter(finess="010000024").update(
        director=director,
        is_oiv=True,
        is_siiv=True,
        nis2_category=Nis2Category.ESSENTIAL,
        ssi_mailbox="ssi@ch-fleyriat.example",
    )
    Structure.objects.filter(finess="970102018").update(is_active=False)
    # An operator knows better than the file: the wholesaler (699) is re-typed by hand.
    Structure.objects.filter(finess="980502199").update(kind=StructureKind.IMAGING)
    LegalEntity.objects.filter(finess="010780054").update(name="CH de Bourg-en-Bresse")
    before = snapshot()

    result = finess_import(path=SAMPLE)

    assert (result.created, result.updated, result.unchanged) == (0, 0, SAMPLE_VALID)
    assert snapshot() == before
    fleyriat = structure("010000024")
    assert fleyriat.director == director
    assert (fleyriat.is_oiv, fleyriat.is_siiv) == (True, True)
    assert fleyriat.nis2_category == Nis2Category.ESSENTIAL
    assert fleyriat.ssi_mailbox == "ssi@ch-fleyriat.example"
    assert fleyriat.legal_entity is not None
    assert fleyriat.legal_entity.name == "CH de Bourg-en-Bresse"
    assert structure("980502199").kind == StructureKind.IMAGING

    # Once the file's category changes, the type follows the file again.
    lines = sample_lines()
    at = line_of("980502199", lines) - 1
    lines[at] = lines[at].replace(
        ";699;Entité Ayant Autorisation;", ";611;Laboratoire de Biologie Médicale;"
    )
    finess_import(path=write(tmp_path / "changed.csv", lines))
    assert structure("980502199").kind == StructureKind.BIOLOGY_LAB
    assert structure("010000024").director == director


def test_a_change_in_the_file_is_applied(tmp_path: Path) -> None:
    finess_import(path=SAMPLE)
    lines = sample_lines()
    at = line_of("010000024", lines) - 1
    lines[at] = lines[at].replace(
        "CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT", "CENTRE HOSPITALIER FLEYRIAT"
    )
    at = line_of("690042130", lines) - 1
    lines[at] = lines[at].replace("69200 VENISSIEUX", "69200 VÉNISSIEUX CEDEX 3")

    result = finess_import(path=write(tmp_path / "modified.csv", lines))

    assert (result.created, result.updated, result.unchanged) == (0, 2, SAMPLE_VALID - 2)
    assert structure("010000024").name == "CENTRE HOSPITALIER FLEYRIAT"
    assert structure("690042130").town == "VÉNISSIEUX"
    # The legal entity keeps the name it was given when it was created.
    assert LegalEntity.objects.get(finess="010780054").name == (
        "CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT"
    )


def test_a_site_moving_to_another_legal_entity(tmp_path: Path) -> None:
    finess_import(path=SAMPLE)
    lines = sample_lines()
    at = line_of("690042130", lines) - 1
    lines[at] = lines[at].replace(";690042106;", ";690042197;")

    result = finess_import(path=write(tmp_path / "moved.csv", lines))

    assert (result.updated, result.legal_entities_created) == (1, 1)
    moved = structure("690042130").legal_entity
    assert moved is not None
    assert moved.finess == "690042197"
    assert LegalEntity.objects.get(finess="690042106").sites.count() == 2


def test_utf8_files_are_read_too(tmp_path: Path) -> None:
    utf8 = write(tmp_path / "utf8.csv", sample_lines(), encoding="utf-8")
    assert detect_encoding(utf8) == "utf-8-sig"

    result = finess_import(path=utf8)

    assert result.created == SAMPLE_VALID
    assert structure("330054800").name == "CENTRE DE RADIOTHÉRAPIE DU PARC"
    # The latin-1 original then changes nothing.
    assert finess_import(path=SAMPLE).unchanged == SAMPLE_VALID


def test_a_structure_created_by_hand_is_completed_not_duplicated(
    make_structure: Callable[..., Structure],
) -> None:
    make_structure("690042114", "Labo Bellecour", "69", kind=StructureKind.HEALTH_FACILITY)

    result = finess_import(path=SAMPLE)

    assert (result.created, result.updated) == (SAMPLE_VALID - 1, 1)
    site = structure("690042114")
    assert site.name == "LABORATOIRE DE BIOLOGIE MEDICALE BIOLYS - SITE BELLECOUR"
    assert site.kind == StructureKind.BIOLOGY_LAB  # never imported before: the file decides
    assert site.legal_entity is not None


def test_problem_rows(tmp_path: Path) -> None:
    good = with_key("01000900")
    lines = [
        HEADER,
        et_row(good, with_key("01000899"), "CH UN"),
        "structureet;010009010;010009002;TROP COURT",
        et_row(good, with_key("01000899"), "CH UN BIS"),  # duplicate number
        et_row(with_key("01000901"), "010009999", "CH DEUX"),  # invalid EJ number
        et_row(with_key("01000902"), "", "CH TROIS"),  # no EJ at all
        et_row(with_key("01000903"), "", "", rs=""),  # no name
        et_row(with_key("01000904"), "", "CH ZERO", departement="1"),  # spreadsheet-style
        "geolocalisation;010009010;882538.9;6542885.8;1;ATLASANTE;100;IGN;BD_ADRESSE",
        "",
    ]

    result = finess_import(path=write(tmp_path / "problems.csv", lines))

    assert result.created == 4
    assert [line for line, _ in result.rejections] == [3, 4, 7]
    assert [line for line, _ in result.warnings] == [5]
    assert structure(with_key("01000901")).legal_entity is None
    assert structure(with_key("01000902")).legal_entity is None
    assert structure(with_key("01000904")).departement.code == "01"


def test_the_prefix_decides_when_the_departement_column_is_unknown(tmp_path: Path) -> None:
    number = with_key("97040012")
    lines = [HEADER, et_row(number, "", "CLINIQUE", departement="9Z")]

    finess_import(path=write(tmp_path / "prefix.csv", lines))

    assert structure(number).departement.code == "974"


def test_an_unexpected_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "other.csv", ["code;name", "01;Ain"])
    with pytest.raises(FinessFileError):
        finess_import(path=path)


def test_many_rows_use_few_queries(tmp_path: Path, django_assert_max_num_queries: Any) -> None:
    count = 2500
    lines = [HEADER]
    for n in range(count):
        # Groups of 7 sites per legal entity, straddling the batch boundaries.
        ej = with_key(f"75{900000 + n // 7:06d}")
        lines.append(et_row(with_key(f"75{100000 + n:06d}"), ej, f"SITE {n}"))
    lines += [f"geolocalisation;{n};1;2" for n in range(500)]
    path = write(tmp_path / "many.csv", lines)
    reported: list[int] = []

    # Three batches, each a handful of queries, whatever the number of rows.
    with django_assert_max_num_queries(30):
        result = finess_import(path=path, progress=reported.append)

    assert result.created == count
    assert result.legal_entities_created == -(-count // 7)
    assert sum(reported) == count_lines(path) == len(lines)
    again = finess_import(path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, count)


def test_command_prints_a_summary() -> None:
    out, err = StringIO(), StringIO()

    with translation.override("en"):  # the msgids; French comes from the catalogue
        call_command("import_finess", str(SAMPLE), stdout=out, stderr=err)

    assert (
        f"{SAMPLE_VALID} created, 0 updated, 0 unchanged, 2 skipped; "
        f"{SAMPLE_LEGAL_ENTITIES} new legal entities"
    ) in out.getvalue()
    assert f"line {line_of('750012347')}:" in err.getvalue()
    assert f"line {line_of('980600027')}:" in err.getvalue()

    out = StringIO()
    with translation.override("en"):
        call_command("import_finess", str(SAMPLE), stdout=out, stderr=StringIO())
    assert f"0 created, 0 updated, {SAMPLE_VALID} unchanged" in out.getvalue()


def test_command_errors(tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        call_command("import_finess", str(tmp_path / "missing.csv"))
    path = write(tmp_path / "other.csv", ["code;name", "01;Ain"])
    with pytest.raises(CommandError):
        call_command("import_finess", str(path), stdout=StringIO(), stderr=StringIO())


@pytest.mark.parametrize(
    ("category", "name", "kind"),
    [
        ("101", "CHU", StructureKind.HEALTH_FACILITY),
        ("355", "CH SERVICE D'IMAGERIE", StructureKind.HEALTH_FACILITY),  # never refined
        ("114", "HIA", StructureKind.MILITARY_HOSPITAL),
        ("611", "LBM", StructureKind.BIOLOGY_LAB),
        ("699", "Centre de radiothérapie", StructureKind.RADIOTHERAPY),
        ("698", "ONCOLOGIE RADIOTHERAPIE ET IMAGERIE", StructureKind.RADIOTHERAPY),
        ("698", "CABINET DE RADIOLOGIE", StructureKind.IMAGING),
        ("696", "GIE TEP", StructureKind.IMAGING),
        ("698", "AUTRE", StructureKind.HEALTH_FACILITY),
        ("699", "GROSSISTE", StructureKind.OTHER),
        ("500", "EHPAD", StructureKind.OTHER),
        ("", "", StructureKind.OTHER),
    ],
)
def test_kind_for(category: str, name: str, kind: str) -> None:
    assert kind_for(category, name) == kind
