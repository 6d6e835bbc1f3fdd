"""References are human-readable, per year, and never shared under concurrency."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from vigie.declarations.models import Declaration
from vigie.declarations.services import declaration_submit

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_never_share_a_reference(
    world: Any, make_declaration: Callable[..., Declaration]
) -> None:
    drafts = [make_declaration(world.lyon_lab, world.declarant_lyon_lab) for _ in range(12)]
    start = threading.Barrier(len(drafts))
    references: list[str] = []
    errors: list[BaseException] = []

    def submit(draft: Declaration) -> None:
        try:
            start.wait()
            submitted = declaration_submit(declaration=draft, by=world.declarant_lyon_lab)
            references.append(submitted.reference)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(draft,)) for draft in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(set(references)) == len(drafts)
    year = references[0].split("-")[1]
    numbers = sorted(int(reference.rsplit("-", 1)[1]) for reference in references)
    assert numbers == list(range(1, len(drafts) + 1))
    assert all(
        reference == f"SSI-{year}-{n:05d}"
        for reference, n in zip(sorted(references), numbers, strict=True)
    )


@pytest.mark.django_db
def test_numbering_restarts_each_year(
    world: Any, make_declaration: Callable[..., Declaration]
) -> None:
    new_year_eve = datetime(2026, 12, 31, 23, 50, tzinfo=PARIS)
    new_year = datetime(2027, 1, 1, 0, 10, tzinfo=PARIS)
    last = declaration_submit(
        declaration=make_declaration(world.lyon_lab, world.declarant_lyon_lab),
        by=world.declarant_lyon_lab,
        at=new_year_eve,
    )
    first = declaration_submit(
        declaration=make_declaration(world.lyon_lab, world.declarant_lyon_lab),
        by=world.declarant_lyon_lab,
        at=new_year,
    )
    assert last.reference == "SSI-2026-00001"
    # 23:10 UTC on 31 December is already 2027 in Paris.
    assert first.reference == "SSI-2027-00001"


@pytest.mark.django_db(transaction=True)
def test_the_same_portal_call_twice_at_once_files_one_declaration(world: Any) -> None:
    from tests.factories import complete_values
    from vigie.declarations.services import declaration_file

    values = complete_values()
    start = threading.Barrier(4)
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            start.wait()
            declaration, created = declaration_file(
                structure=world.lyon_lab,
                by=world.declarant_lyon_lab,
                values=values,
                external_id="portail-2026-000042",
            )
            results.append((declaration.pk, created))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len({pk for pk, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert Declaration.objects.filter(external_id="portail-2026-000042").count() == 1


@pytest.mark.django_db
def test_numbers_beyond_five_digits_are_not_cut(
    world: Any, make_declaration: Callable[..., Declaration]
) -> None:
    from vigie.declarations.models import ReferenceCounter

    ReferenceCounter.objects.create(year=2026, last=99_999)
    submitted = declaration_submit(
        declaration=make_declaration(world.lyon_lab, world.declarant_lyon_lab),
        by=world.declarant_lyon_lab,
        at=datetime(2026, 6, 1, 12, 0, tzinfo=PARIS),
    )
    assert submitted.reference == "SSI-2026-100000"
    assert submitted.case.reference == "SSI-2026-100000"
