"""The routing table (SPEC section 3): who is alerted, depending on the structure,
the impacts, the help requested and the moment of submission in Paris."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from vigie.declarations.models import Declaration
from vigie.declarations.services import declaration_submit
from vigie.notifications.calendar import is_business_hours
from vigie.notifications.models import Notification, OutgoingEmail

PARIS = ZoneInfo("Europe/Paris")
REUNION = ZoneInfo("Indian/Reunion")

pytestmark = pytest.mark.django_db


def submit(
    make_declaration: Callable[..., Declaration],
    structure: Any,
    by: Any,
    at: datetime,
    **values: Any,
) -> Declaration:
    draft = make_declaration(structure, by, **values)
    return declaration_submit(declaration=draft, by=by, at=at)


def routes(declaration: Declaration) -> dict[str, tuple[list[str], bool]]:
    return {r.kind: (r.reasons, r.notice_only) for r in declaration.recipients.all()}


def emails(declaration: Declaration) -> dict[str, OutgoingEmail]:
    return {
        e.purpose: e for e in OutgoingEmail.objects.filter(topic=f"declaration:{declaration.pk}")
    }


def test_overseas_structure_saturday_evening_local_time_alerts_the_fssi(
    world: Any, make_declaration: Callable[..., Declaration], settings: Any
) -> None:
    # Saturday 19:00 in La Réunion is 16:00 in Paris: a Saturday, the cell is closed.
    saturday_evening = datetime(2026, 11, 28, 19, 0, tzinfo=REUNION)
    declaration = submit(
        make_declaration, world.reunion, world.declarant_reunion, saturday_evening, urgent_help=True
    )
    assert routes(declaration) == {
        "ars": (["territory"], False),
        "acss": (["support_cell"], False),
        "fssi": (["out_of_hours_urgent"], False),
    }
    sent = emails(declaration)
    assert sent["routed:ars"].to == ["ssi-reunion@ars.sante.fr"]
    assert sent["routed:fssi"].to == [settings.VIGIE_MAILBOXES["fssi"]]
    assert (
        sent["routed:fssi"].subject.startswith("URGENT") or "URGENT" in sent["routed:fssi"].subject
    )
    assert "ARS La Réunion" in sent["acknowledgement"].body
    assert "HFDS/FSSI" in sent["acknowledgement"].body


def test_overseas_evening_is_still_paris_office_hours_on_a_weekday(
    world: Any, make_declaration: Callable[..., Declaration]
) -> None:
    # Tuesday 19:00 in La Réunion is 16:00 in Paris (winter time): the cell is at work.
    tuesday_evening = datetime(2026, 11, 24, 19, 0, tzinfo=REUNION)
    declaration = submit(
        make_declaration, world.reunion, world.declarant_reunion, tuesday_evening, urgent_help=True
    )
    assert set(routes(declaration)) == {"ars", "acss"}


def test_public_holiday_counts_as_outside_business_hours(
    world: Any, make_declaration: Callable[..., Declaration]
) -> None:
    christmas_morning = datetime(2026, 12, 25, 10, 30, tzinfo=PARIS)  # a Friday
    urgent = submit(
        make_declaration,
        world.lyon_lab,
        world.declarant_lyon_lab,
        christmas_morning,
        urgent_help=True,
    )
    assert "fssi" in routes(urgent)
    # Without urgent help, nobody is woken up on a holiday.
    calm = submit(
        make_declaration,
        world.lyon_lab,
        world.declarant_lyon_lab,
        christmas_morning,
        urgent_help=False,
    )
    assert set(routes(calm)) == {"ars", "acss"}


def test_urgent_help_during_business_hours_goes_to_the_cell_only(
    world: Any, make_declaration: Callable[..., Declaration]
) -> None:
    tuesday_morning = datetime(2026, 11, 24, 9, 0, tzinfo=PARIS)
    declaration = submit(
        make_declaration,
        world.lyon_lab,
        world.declarant_lyon_lab,
        tuesday_morning,
        urgent_help=True,
    )
    assert set(routes(declaration)) == {"ars", "acss"}
    assert declaration.help_needed  # urgent help implies help needed


def test_military_hospital_without_care_impact(
    world: Any, make_declaration: Callable[..., Declaration], make_user: Callable[..., Any]
) -> None:
    from vigie.directory.models import Role

    declarant = make_user(Role.DECLARANT, structure=world.military)
    at = datetime(2026, 11, 24, 10, 0, tzinfo=PARIS)
    declaration = submit(
        make_declaration, world.military, declarant, at, care_impact="potential", urgent_help=True
    )
    # Defence chain only; the ARS gets the template notice; not even the support cell.
    assert routes(declaration) == {
        "defence": (["military"], False),
        "ars": (["military_notice"], True),
    }
    sent = emails(declaration)
    assert set(sent) == {"routed:defence", "ars_notice", "acknowledgement"}
    notice = sent["ars_notice"]
    assert notice.to == ["ssi-idf@ars.sante.fr"]
    # The notice says that an incident exists, not what it is.
    assert declaration.description not in notice.body
    assert "Rançongiciel" not in notice.body
    assert world.military.name in notice.body
    # The ARS officer is told in-app too, without a link to the content.
    ars_notice = Notification.objects.get(user=world.ars_idf)
    assert ars_notice.url == ""


def test_military_hospital_with_care_affected_informs_the_ars_at_once(
    world: Any, make_declaration: Callable[..., Declaration], make_user: Callable[..., Any]
) -> None:
    from vigie.directory.models import Role

    declarant = make_user(Role.DECLARANT, structure=world.military)
    at = datetime(2026, 11, 24, 10, 0, tzinfo=PARIS)
    declaration = submit(make_declaration, world.military, declarant, at, care_impact="actual")
    assert routes(declaration) == {
        "defence": (["military"], False),
        "ars": (["military_care"], False),
    }
    assert "routed:ars" in emails(declaration)
    transferred = submit(
        make_declaration,
        world.military,
        declarant,
        at,
        care_impact="none",
        patients_transferred=True,
    )
    assert routes(transferred)["ars"] == (["military_care"], False)


def test_oiv_structure_alerts_hfds_fssi_and_anssi(
    world: Any, make_declaration: Callable[..., Declaration], settings: Any
) -> None:
    at = datetime(2026, 11, 24, 10, 0, tzinfo=PARIS)
    declaration = submit(make_declaration, world.lyon, world.declarant_lyon, at)
    assert routes(declaration) == {
        "ars": (["territory"], False),
        "acss": (["support_cell"], False),
        "fssi": (["oiv"], False),
        "anssi": (["oiv"], False),
    }
    assert emails(declaration)["routed:anssi"].to == [settings.VIGIE_MAILBOXES["anssi"]]
    # Out of hours with urgent help, the FSSI is alerted once, for both reasons.
    night = datetime(2026, 11, 24, 2, 0, tzinfo=PARIS)
    urgent = submit(make_declaration, world.lyon, world.declarant_lyon, night, urgent_help=True)
    assert routes(urgent)["fssi"] == (["out_of_hours_urgent", "oiv"], False)
    assert emails(urgent)["routed:fssi"].to == [settings.VIGIE_MAILBOXES["fssi"]]


def test_siiv_structure_is_flagged_too(
    world: Any, make_declaration: Callable[..., Declaration]
) -> None:
    world.paris.is_siiv = True
    world.paris.save()
    at = datetime(2026, 11, 24, 10, 0, tzinfo=PARIS)
    declaration = submit(make_declaration, world.paris, world.director_paris, at)
    assert routes(declaration)["anssi"] == (["siiv"], False)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"health_products": ["lap"]}, True),
        ({"health_products": ["dmdiv"]}, True),
        ({"systems_affected": ["biomedical"]}, True),
        ({"systems_affected": ["servers"], "health_products": []}, False),
    ],
)
def test_medical_devices_and_prescription_software_alert_the_ansm(
    world: Any, make_declaration: Callable[..., Declaration], values: dict[str, Any], expected: bool
) -> None:
    at = datetime(2026, 11, 24, 10, 0, tzinfo=PARIS)
    declaration = submit(make_declaration, world.lyon_lab, world.declarant_lyon_lab, at, **values)
    assert ("ansm" in routes(declaration)) is expected
    if expected:
        assert Notification.objects.filter(user=world.ansm).exists()


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (datetime(2026, 11, 24, 8, 59, tzinfo=PARIS), False),
        (datetime(2026, 11, 24, 9, 0, tzinfo=PARIS), True),
        (datetime(2026, 11, 24, 17, 59, tzinfo=PARIS), True),
        (datetime(2026, 11, 24, 18, 0, tzinfo=PARIS), False),
        # 07:30 UTC is 09:30 in Paris in summer (UTC+2) but 08:30 in winter (UTC+1).
        (datetime(2026, 7, 7, 7, 30, tzinfo=ZoneInfo("UTC")), True),
        (datetime(2026, 1, 6, 7, 30, tzinfo=ZoneInfo("UTC")), False),
        (datetime(2026, 7, 14, 11, 0, tzinfo=PARIS), False),  # Fête nationale, a Tuesday
        (datetime(2027, 3, 29, 11, 0, tzinfo=PARIS), False),  # Easter Monday
        (datetime(2026, 5, 14, 11, 0, tzinfo=PARIS), False),  # Ascension
        (datetime(2026, 11, 29, 11, 0, tzinfo=PARIS), False),  # a Sunday
    ],
)
def test_business_hours_calendar(moment: datetime, open_: bool) -> None:
    assert is_business_hours(moment) is open_
