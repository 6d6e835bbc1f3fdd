"""The outbound leak matrix: every service that notifies or e-mails from a case, each
recipient × the content it got, against levels written here by hand from SPEC §1.

Every free text typed in the scenario carries a marker (``SECRET-…``). A reader at level
FULL may receive it; SUMMARY receives messages without it; NOTICE and NONE receive
nothing at all once the case is open (the notice of existence left at declaration).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from tests.security.case_world import ROLES, military_declarant
from vigie.cases import services as case_services
from vigie.cases.models import Case
from vigie.directory.models import Region, Structure
from vigie.insights.models import Obligation
from vigie.insights.services import obligations_remind, obligations_sync
from vigie.notifications.models import Notification, OutgoingEmail

pytestmark = pytest.mark.django_db

FULL, SUMMARY, NOTHING = "full", "summary", "nothing"
PEOPLE = ROLES  # everybody of the world, the structure's own declarant first


def expected(kind: str, reader: str, *, shared: bool = False) -> str:
    """SPEC §1, by hand: what each reader may receive about the scenario's case."""
    if kind == "civil":  # Lyon (Auvergne-Rhône-Alpes), qualified B2 + B3, OIV
        full = {"declarant", "acss", "ars_ara", "hfds", "dgs"}
        return FULL if reader in full else NOTHING
    full = {"declarant", "defence", "hfds"} | ({"acss"} if shared else set())
    if reader in full:
        return FULL
    if reader == "ars_idf" and kind == "military_care":
        return SUMMARY
    return NOTHING


def _reader_of_address(world: Any, kind: str, address: str) -> str:
    boxes = settings.VIGIE_MAILBOXES
    by_address = {
        boxes["acss"]: "acss",
        boxes["fssi"]: "hfds",
        boxes["dgs"]: "dgs",
        boxes["ansm"]: "ansm",
        boxes["defence"]: "defence",
        Region.objects.get(code="84").ssi_mailbox: "ars_ara",
        Region.objects.get(code="11").ssi_mailbox: "ars_idf",
        Region.objects.get(code="04").ssi_mailbox: "ars_reunion",
        f"rssi-{kind}@structure.test": "declarant",
    }
    structure = world.lyon if kind == "civil" else world.military
    if structure.ssi_mailbox:
        by_address[structure.ssi_mailbox] = "declarant"
    for person in PEOPLE:
        user = _user(world, kind, person)
        by_address.setdefault(user.email, person)
    return by_address[address]


def _user(world: Any, kind: str, person: str) -> Any:
    if person == "declarant":
        return world.declarant_lyon if kind == "civil" else world.declarant_military
    return getattr(world, person)


class Outbox:
    """What each step sent, read back from the database like an attacker's inbox."""

    def __init__(self, world: Any, kind: str) -> None:
        self.world, self.kind = world, kind
        self.last_notification = (
            Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        )
        self.last_email = (
            OutgoingEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        )
        self.received: list[tuple[str, str, str]] = []

    def collect(self, step: str) -> list[tuple[str, str, str]]:
        """(reader, step, text) for everything sent since the last call."""
        users = {_user(self.world, self.kind, p).pk: p for p in PEOPLE}
        got = []
        for note in Notification.objects.filter(pk__gt=self.last_notification).order_by("pk"):
            self.last_notification = note.pk
            got.append(
                (users.get(note.user_id, f"user {note.user_id}"), step, note.title + note.body)
            )
        for email in OutgoingEmail.objects.filter(pk__gt=self.last_email).order_by("pk"):
            self.last_email = email.pk
            for address in email.to:
                reader = _reader_of_address(self.world, self.kind, address)
                got.append((reader, step, email.subject + email.body))
        self.received += got
        return got


def _check(got: list[tuple[str, str, str]], kind: str, *, shared: bool = False) -> list[Any]:
    problems = []
    for reader, step, text in got:
        level = expected(kind, reader, shared=shared)
        if level == NOTHING:
            problems.append((reader, step, "should receive nothing", text[:80]))
        elif level == SUMMARY and "SECRET" in text:
            problems.append((reader, step, "free text leaked", text[:80]))
    return problems


def _scenario(world: Any, make_case: Callable[..., Case], kind: str, other: Case) -> Any:
    """Take the case through every notifying service, checking after each step."""
    structure = world.lyon if kind == "civil" else world.military
    by = world.declarant_lyon if kind == "civil" else world.declarant_military
    care = {"civil": "potential", "military": "none", "military_care": "actual"}[kind]
    case = make_case(structure, by, care_impact=care, declarant_email=f"rssi-{kind}@structure.test")
    handler = world.acss if kind == "civil" else world.defence
    outbox = Outbox(world, kind)
    problems: list[Any] = []
    shared = False

    def step(name: str, action: Callable[[], object]) -> None:
        action()
        problems.extend(_check(outbox.collect(name), kind, shared=shared))

    outcomes = ["b2", "b3"] if kind == "civil" else ["b2"]
    step(
        "qualify",
        lambda: case_services.case_qualify(
            case=case,
            by=handler,
            version=None,
            criticity="serious",
            outcomes=outcomes,
            note="SECRET-qualification",
        ),
    )
    if kind == "military_care":
        shared = True
        step(
            "share",
            lambda: case_services.case_share_with_cell(
                case=case, by=world.defence, version=None, reason="SECRET-share"
            ),
        )
    step("ask", lambda: case_services.case_ask(case=case, by=handler, text="SECRET-question"))
    question = case.questions.get()
    step("answer", lambda: case_services.case_answer(question=question, by=by, answer="SECRET-a"))
    if kind == "civil":
        step(
            "support",
            lambda: case_services.case_choose_support(
                case=case, by=world.ars_ara, version=None, mode="cell", reason="SECRET-mode"
            ),
        )
        step(
            "significant",
            lambda: case_services.case_switch_significant(
                case=case,
                by=world.acss,
                version=None,
                reason="SECRET-significant",
                related_case_ids=[other.pk],
            ),
        )
    step(
        "track",
        lambda: case_services.case_track(
            case=case, by=handler, kind="containment", text="SECRET-track"
        ),
    )
    if kind != "military":
        step(
            "report",
            lambda: case_services.case_report_to_ars(case=case, by=handler, text="SECRET-report"),
        )
    # The clock: the weekly-update reminder and the regulatory reminders.
    Case.objects.filter(pk=case.pk).update(ars_update_due_at=timezone.now() - timedelta(days=1))
    step("remind_overdue", lambda: case_services.case_remind_overdue())
    obligations_sync(case=case)
    Obligation.objects.filter(case=case).update(due_at=timezone.now() + timedelta(hours=1))
    step("obligations_remind", lambda: obligations_remind())
    step(
        "end_support",
        lambda: case_services.case_end_support(
            case=case, by=handler, version=None, reason="SECRET-end"
        ),
    )
    parties = (
        [("cell", world.acss), ("ars", world.ars_ara), ("hfds", world.hfds)]
        if kind == "civil"
        else [("defence", world.defence)]
    )
    for party, agent in [*parties, ("structure", by)]:
        step(
            f"agree {party}",
            lambda party=party, agent=agent: case_services.case_agree(
                case=case, by=agent, party=party, comment="SECRET-agree", opinion="useful"
            ),
        )
    step(
        "close",
        lambda: case_services.case_close(
            case=case, by=handler, version=None, synthesis="SECRET-closure"
        ),
    )
    return case, outbox, problems


@pytest.mark.parametrize("kind", ["civil", "military", "military_care"])
def test_every_message_respects_the_audience_rule(
    world: Any, make_user: Any, make_case: Callable[..., Case], kind: str
) -> None:
    military_declarant(world, make_user)
    other = make_case(world.paris, world.director_paris)  # Île-de-France, not ARA's
    _case, outbox, problems = _scenario(world, make_case, kind, other)
    assert problems == []
    readers = {reader for reader, _step, _text in outbox.received}
    if kind == "civil":
        # The people in charge did hear: the matrix is not empty by accident.
        assert {"declarant", "acss", "ars_ara", "hfds", "dgs"} <= readers
    if kind == "military":
        assert "ars_idf" not in readers and {"declarant", "defence"} <= readers
    if kind == "military_care":
        summaries = [text for reader, _s, text in outbox.received if reader == "ars_idf"]
        assert summaries and not any("SECRET" in text for text in summaries)


def test_text_about_other_cases_is_rendered_per_reader(
    world: Any, make_user: Any, make_case: Callable[..., Case]
) -> None:
    """The 4 bis list names another region's case: its ARS of ARA never reads it, the
    HFDS does; the declarant reads neither the list nor the other structure's name."""
    military_declarant(world, make_user)
    other = make_case(world.paris, world.director_paris)
    case, outbox, _problems = _scenario(world, make_case, "civil", other)
    significant = [(r, text) for r, step, text in outbox.received if step == "significant"]
    assert any(r == "hfds" and other.reference in text for r, text in significant)
    assert all(other.reference not in text for r, text in significant if r != "hfds")
    for reader, _step, text in outbox.received:
        if reader in ("declarant", "ars_ara"):
            assert other.reference not in text and world.paris.name not in text
    # The timeline stores ids; each reader's page lists only what it may read.
    event = case.timeline.get(kind="significant")
    assert other.reference not in event.reason and event.data["related"] == [other.pk]
    from tests.factories import client_for

    for user, sees in ((world.hfds, True), (world.ars_ara, False), (world.declarant_lyon, False)):
        page = client_for(user).get(f"/dossiers/{case.pk}/").content.decode()
        assert (other.reference in page) is sees, user


def test_a_structure_that_moves_region_moves_its_open_cases(
    world: Any, make_user: Any, make_case: Callable[..., Case]
) -> None:
    """Issue 14 #11: the former ARS loses the case, the new one gets it and can agree to
    close it; both are told, and the timeline says so."""
    from tests.factories import client_for
    from vigie.directory.models import Departement

    case = make_case(world.lyon, world.declarant_lyon)
    case = case_services.case_qualify(
        case=case, by=world.acss, version=None, criticity="serious", outcomes=["b2"]
    )
    outbox = Outbox(world, "civil")
    Structure.objects.filter(pk=world.lyon.pk).update(
        departement=Departement.objects.get(code="75")
    )
    assert case_services.cases_follow_structures() == 1
    case = Case.objects.get(pk=case.pk)
    assert case.region.code == "11"
    assert case.timeline.filter(kind="region").count() == 1
    told = {reader for reader, _s, _t in outbox.collect("move")}
    assert {"ars_ara", "ars_idf"} <= told
    assert client_for(world.ars_ara).get(f"/dossiers/{case.pk}/").status_code == 404
    assert client_for(world.ars_idf).get(f"/dossiers/{case.pk}/").status_code == 200
    case = case_services.case_end_support(case=case, by=world.acss, version=None)
    agreement = case_services.case_agree(case=case, by=world.ars_idf, party="ars")
    assert agreement.party == "ars"
    assert case_services.cases_follow_structures() == 0  # nothing left to move


def test_the_ars_of_a_military_hospital_never_owes_nor_gets_a_weekly_point(
    world: Any, make_user: Any, make_case: Callable[..., Case]
) -> None:
    """Issue 14 #2: no "point ARS" form, never overdue, nothing sent to that ARS."""
    from tests.factories import client_for

    military_declarant(world, make_user)
    case = make_case(world.military, world.declarant_military, care_impact="none")
    case = case_services.case_qualify(
        case=case, by=world.defence, version=None, criticity="serious", outcomes=["b2"]
    )
    assert case.ars_update_due_at is None and not case.is_overdue
    page = client_for(world.defence).get(f"/dossiers/{case.pk}/")
    assert "report" not in page.context["forms"] or page.context["forms"]["report"] is None
    refused = client_for(world.defence).post(
        f"/dossiers/{case.pk}/point-ars/", {"version": case.version, "text": "SECRET"}
    )
    assert refused.status_code == 200 and "SECRET" in refused.content.decode()
    ars_mailbox = Region.objects.get(code="11").ssi_mailbox
    after_open = OutgoingEmail.objects.filter(topic=f"case:{case.pk}")
    assert not [e for e in after_open if ars_mailbox in e.to]
    assert not Notification.objects.filter(user=world.ars_idf, topic=f"case:{case.pk}").exists()
