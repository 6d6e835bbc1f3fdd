"""The rota page: the cell and the FSSI see who is on call now and next, each records
its own rota; nobody else reaches it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client, RequestFactory
from django.utils import timezone

from tests.factories import client_for
from vigie.directory.models import Role
from vigie.oncall.models import OnCallShift

PARIS = ZoneInfo("Europe/Paris")
URL = "/astreinte/"

pytestmark = pytest.mark.django_db


def local(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def shift(person: Any, kind: str, start: datetime, end: datetime) -> OnCallShift:
    return OnCallShift.objects.create(
        person=person, kind=kind, starts_at=start, ends_at=end, recorded_by=person
    )


def test_the_cell_sees_who_is_on_call_now_and_next(world: Any, make_user: Any) -> None:
    now = timezone.now()
    world.hfds.phone = "06 12 34 56 78"
    world.hfds.save()
    later = make_user(Role.HFDS)
    shift(world.hfds, "fssi", now - timedelta(hours=1), now + timedelta(hours=5))
    shift(later, "fssi", now + timedelta(hours=5), now + timedelta(hours=20))
    page = client_for(world.acss).get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    board = html.split('data-testid="board-fssi"')[1].split('data-testid="board-cell"')[0]
    now_part, next_part = board.split('data-testid="next-fssi"')
    assert world.hfds.get_full_name() in now_part and 'href="tel:0612345678"' in now_part
    assert later.get_full_name() in next_part
    cell = html.split('data-testid="board-cell"')[1]
    assert "Personne" in cell.split('data-testid="next-cell"')[0]
    assert html.count('data-testid="shift"') == 2


def test_the_cell_records_its_own_rota(world: Any, make_user: Any) -> None:
    colleague = make_user(Role.ACSS_ANALYST)
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=1)
    client = client_for(world.acss)
    # The cell's rota only: its form offers no choice of rota, and only analysts.
    form = client.get(URL).content.decode()
    assert 'type="hidden" name="kind" value="cell"' in form
    assert colleague.get_full_name() in form and world.hfds.get_full_name() not in form
    response = client.post(
        URL,
        {
            "kind": "cell",
            "person": colleague.pk,
            "starts_at": local(start),
            "ends_at": local(start + timedelta(hours=14)),
        },
    )
    assert response.status_code == 302
    saved = OnCallShift.objects.get()
    assert (saved.person, saved.kind, saved.recorded_by) == (colleague, "cell", world.acss)
    assert saved.starts_at == start and saved.ends_at == start + timedelta(hours=14)
    assert "Le tour d’astreinte a été ajouté" in client.get(URL).content.decode()


def test_an_analyst_cannot_write_the_fssi_rota(world: Any) -> None:
    start = timezone.now() + timedelta(days=1)
    response = client_for(world.acss).post(
        URL,
        {
            "kind": "fssi",
            "person": world.hfds.pk,
            "starts_at": local(start),
            "ends_at": local(start + timedelta(hours=8)),
        },
    )
    assert response.status_code == 400
    assert not OnCallShift.objects.exists()


def test_overlapping_shifts_of_one_person_are_refused(world: Any) -> None:
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=1)
    shift(world.hfds, "fssi", start, start + timedelta(hours=10))
    response = client_for(world.hfds).post(
        URL,
        {
            "kind": "fssi",
            "person": world.hfds.pk,
            "starts_at": local(start + timedelta(hours=9)),
            "ends_at": local(start + timedelta(hours=20)),
        },
    )
    assert response.status_code == 400
    assert "déjà d’astreinte sur cette période" in response.content.decode()
    assert OnCallShift.objects.count() == 1


def test_end_before_start_is_refused_with_the_input_kept(world: Any) -> None:
    start = timezone.now() + timedelta(days=1)
    response = client_for(world.hfds).post(
        URL,
        {
            "kind": "fssi",
            "person": world.hfds.pk,
            "starts_at": local(start),
            "ends_at": local(start - timedelta(hours=1)),
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "La fin doit suivre le début." in html
    assert local(start) in html
    assert not OnCallShift.objects.exists()


def test_withdraw_a_future_shift_and_end_a_running_one(world: Any) -> None:
    now = timezone.now()
    future = shift(world.acss, "cell", now + timedelta(days=1), now + timedelta(days=2))
    running = shift(world.acss, "cell", now - timedelta(hours=1), now + timedelta(hours=3))
    past = shift(world.acss, "cell", now - timedelta(days=2), now - timedelta(days=1))
    client = client_for(world.acss)
    assert client.post(f"{URL}{future.pk}/retirer/").status_code == 302
    assert not OnCallShift.objects.filter(pk=future.pk).exists()
    assert client.post(f"{URL}{running.pk}/retirer/").status_code == 302
    running.refresh_from_db()
    assert running.ends_at <= timezone.now()
    # History stays.
    client.post(f"{URL}{past.pk}/retirer/")
    assert OnCallShift.objects.filter(pk=past.pk).exists()


def test_the_fssi_cannot_withdraw_a_shift_of_the_cell(world: Any) -> None:
    now = timezone.now()
    future = shift(world.acss, "cell", now + timedelta(days=1), now + timedelta(days=2))
    response = client_for(world.hfds).post(f"{URL}{future.pk}/retirer/")
    assert response.status_code == 403
    assert OnCallShift.objects.filter(pk=future.pk).exists()


@pytest.mark.parametrize(
    "who", ["ars_ara", "declarant_lyon", "member_lyon", "dgs", "ansm", "defence", "admin"]
)
def test_nobody_else_reaches_the_rota(world: Any, who: str) -> None:
    now = timezone.now()
    future = shift(world.acss, "cell", now + timedelta(days=1), now + timedelta(days=2))
    client = client_for(getattr(world, who))
    assert client.get(URL).status_code == 403
    assert client.post(f"{URL}{future.pk}/retirer/").status_code == 403
    assert OnCallShift.objects.filter(pk=future.pk).exists()


def test_anonymous_is_sent_to_sign_in() -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/compte/login/")


def test_a_password_only_session_does_not_reach_the_rota(world: Any) -> None:
    TOTP.activate(world.acss, generate_totp_secret())
    client = Client()
    client.force_login(world.acss)
    request = RequestFactory().get("/")
    request.session = client.session
    record_authentication(request, world.acss, "password", email=world.acss.email)
    request.session.save()
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/2fa/reauthenticate/")


def test_the_staff_home_says_who_is_on_call_and_links_the_rota(world: Any) -> None:
    now = timezone.now()
    shift(world.hfds, "fssi", now - timedelta(hours=1), now + timedelta(hours=5))
    home = client_for(world.acss).get("/").content.decode()
    line = home.split('data-testid="home-oncall"')[1].split("</p>")[0]
    assert f"FSSI — {world.hfds.get_full_name()}" in line and "Cellule ACSS — personne" in line
    assert 'href="/astreinte/"' in line
    assert 'href="/declarations/prise/"' in home
    for who in ("ars_ara", "dgs", "declarant_lyon"):
        page = client_for(getattr(world, who)).get("/").content.decode()
        assert "home-oncall" not in page and 'href="/astreinte/"' not in page
        assert 'href="/declarations/prise/"' not in page
