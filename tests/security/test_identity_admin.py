"""An administrator cannot raise its own rights in the Django admin, cannot reach the
superuser box, groups or permissions, and every grant it makes is on record and
announced to the other administrators."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.forms import SplitDateTimeWidget
from django.test import Client

from tests.factories import login_with_mfa
from vigie.directory import services
from vigie.directory.models import Membership, Role, User
from vigie.notifications.models import Notification, OutgoingEmail

pytestmark = pytest.mark.django_db

SELF_GRANT = "Vous ne pouvez pas vous attribuer"


def form_data(client: Client, url: str, **changes: Any) -> dict[str, Any]:
    """What the admin form at ``url`` posts back unchanged, with ``changes``."""
    page = client.get(url)
    assert page.status_code == 200, url
    form = page.context["adminform"].form
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        widget = form.fields[name].widget
        if isinstance(widget, SplitDateTimeWidget):
            parts = widget.decompress(value)
            data[f"{name}_0"], data[f"{name}_1"] = (
                parts[0].isoformat() if parts[0] else "",
                parts[1].isoformat() if parts[1] else "",
            )
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif value is not None:
            data[name] = str(value)
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = "on" if value is True else value
    return data


@pytest.fixture
def operators(world: Any, make_user: Any) -> Any:
    """world.admin (non-superuser administrator), a second administrator, a superuser."""
    other = make_user(Role.ADMINISTRATOR)
    root = User.objects.create_superuser(email="root@vigie.test", password=None)
    world.admin.is_staff = True  # as membership_grant sets it
    world.admin.save()
    services.administrators_group().user_set.add(world.admin, other)
    return world.admin, other, root


def test_administrator_never_sees_the_superuser_box_groups_or_permissions(
    world: Any, operators: Any
) -> None:
    admin, _other, root = operators
    client = login_with_mfa(Client(), admin)
    url = f"/admin/directory/user/{world.nobody.pk}/change/"
    page = client.get(url)
    fields = page.context["adminform"].form.fields
    assert "is_superuser" not in fields and "groups" not in fields
    assert "user_permissions" not in fields
    assert 'name="is_superuser"' not in page.content.decode()
    # Posting them anyway changes nothing.
    data = form_data(client, url, is_superuser=True)
    data["groups"] = [str(services.administrators_group().pk)]
    assert client.post(url, data).status_code == 302
    world.nobody.refresh_from_db()
    assert not world.nobody.is_superuser and not world.nobody.groups.exists()
    # A superuser's account is out of its reach (its password would be a takeover).
    assert client.get(f"/admin/directory/user/{root.pk}/password/").status_code == 403
    root_url = f"/admin/directory/user/{root.pk}/change/"
    assert client.post(root_url, {"email": "pirate@vigie.test"}).status_code == 403
    root.refresh_from_db()
    assert root.email == "root@vigie.test"
    # A superuser still manages all of it.
    boss = login_with_mfa(Client(), root)
    assert "is_superuser" in boss.get(url).context["adminform"].form.fields


def test_administrator_cannot_grant_itself_a_role(world: Any, operators: Any) -> None:
    admin, _other, _root = operators
    client = login_with_mfa(Client(), admin)
    add = client.get("/admin/directory/membership/add/")
    assert add.status_code == 200
    response = client.post(
        "/admin/directory/membership/add/",
        {
            "user": admin.pk,
            "role": Role.ACSS_ANALYST,
            "starts_at_0": "2026-01-01",
            "starts_at_1": "00:00:00",
        },
    )
    assert response.status_code == 200
    assert SELF_GRANT in response.content.decode()
    assert not admin.memberships.filter(role=Role.ACSS_ANALYST).exists()

    # Nor through a structure's memberships.
    url = f"/admin/directory/structure/{world.lyon.pk}/change/"
    data = form_data(client, url)
    data.update(
        {
            "memberships-TOTAL_FORMS": "2",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": str(world.lyon.memberships.get(user=world.declarant_lyon).pk),
            "memberships-0-structure": str(world.lyon.pk),
            "memberships-0-user": str(world.declarant_lyon.pk),
            "memberships-0-role": Role.DECLARANT,
            "memberships-0-starts_at_0": "2026-01-01",
            "memberships-0-starts_at_1": "00:00:00",
            "memberships-1-structure": str(world.lyon.pk),
            "memberships-1-user": str(admin.pk),
            "memberships-1-role": Role.DECLARANT,
            "memberships-1-starts_at_0": "2026-01-01",
            "memberships-1-starts_at_1": "00:00:00",
        }
    )
    data = {k: v for k, v in data.items() if not k.startswith("memberships-") or k in data}
    response = client.post(url, data)
    assert response.status_code == 200
    assert SELF_GRANT in response.content.decode()
    assert not admin.memberships.filter(structure=world.lyon).exists()

    # Nor through the service (the shell, the pages).
    with pytest.raises(PermissionDenied):
        services.membership_grant(user=admin, role=Role.HFDS, by=admin)


def test_administrator_cannot_make_itself_superuser(world: Any, operators: Any) -> None:
    admin, _other, _root = operators
    client = login_with_mfa(Client(), admin)
    url = f"/admin/directory/user/{admin.pk}/change/"
    data = form_data(client, url, is_superuser=True, first_name="Moi")
    data["groups"] = [str(services.administrators_group().pk)]
    data["user_permissions"] = ["1", "2"]
    assert client.post(url, data).status_code == 302
    admin.refresh_from_db()
    assert admin.first_name == "Moi"  # its own details: yes
    assert not admin.is_superuser  # its rights: no
    assert not admin.user_permissions.exists()


def test_grants_are_recorded_and_announced_to_the_other_administrators(
    world: Any, operators: Any, django_capture_on_commit_callbacks: Any
) -> None:
    admin, other, root = operators
    client = login_with_mfa(Client(), admin)
    response = client.post(
        "/admin/directory/membership/add/",
        {
            "user": world.nobody.pk,
            "role": Role.HFDS,
            "starts_at_0": "2026-01-01",
            "starts_at_1": "00:00:00",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=world.nobody, role=Role.HFDS)
    assert membership.granted_by == admin
    event = membership.events.order_by("pgh_id").last()  # type: ignore[attr-defined]
    assert event.pgh_context.metadata["user"] == admin.pk

    url = f"/admin/directory/user/{world.member_lyon.pk}/change/"
    assert client.post(url, form_data(client, url, is_staff=True)).status_code == 302
    world.member_lyon.refresh_from_db()
    assert world.member_lyon.is_staff
    user_event = world.member_lyon.events.order_by("pgh_id").last()  # type: ignore[attr-defined]
    assert user_event.is_staff and user_event.pgh_context.metadata["user"] == admin.pk

    # The other administrators (and the superuser) are told, in the app and by e-mail;
    # the one who acted is not.
    notified = Notification.objects.filter(topic__startswith="grant:")
    assert {n.user for n in notified} == {other, root}
    assert notified.count() == 4  # two grants, two readers
    titles = " ".join(n.body for n in notified)
    assert world.nobody.email in titles and world.member_lyon.email in titles
    assert admin.email in titles
    emails = OutgoingEmail.objects.filter(topic__startswith="grant:")
    assert emails.count() == 2
    for email in emails:
        assert sorted(email.to) == sorted([other.email, root.email])
        assert admin.email in email.body


def test_service_grants_by_an_administrator_are_announced(world: Any, operators: Any) -> None:
    admin, other, root = operators
    services.membership_grant(user=world.nobody, role=Role.DGS, by=admin)
    notified = Notification.objects.filter(topic__startswith="grant:")
    assert {n.user for n in notified} == {other, root}
    # The operator at the command line (by=None) and directors' designations are not
    # administrators' grants.
    Notification.objects.all().delete()
    services.membership_grant(user=world.nobody, role=Role.ANSM, by=None)
    assert not Notification.objects.filter(topic__startswith="grant:").exists()
