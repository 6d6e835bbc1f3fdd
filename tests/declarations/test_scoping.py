"""Who reads which declaration: every role against drafts, ordinary, OIV, overseas,
military (with and without consequences on care) and ANSM-flagged declarations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from vigie.declarations.models import Attachment, Declaration, DeclarationRecipient
from vigie.declarations.services import declaration_submit
from vigie.directory.models import Role

pytestmark = pytest.mark.django_db

EXPECTED = {
    "declarant_lyon_lab": {"lab", "ansm", "draft_lab"},
    "other_declarant_lyon_lab": {"lab", "ansm"},  # not a colleague's draft
    "declarant_lyon": {"oiv"},
    "member_lyon": {"oiv"},
    "declarant_reunion": {"reunion"},
    "director_paris": set(),
    "acss": {"lab", "oiv", "reunion", "ansm"},  # military hospitals are not routed to it
    "ars_ara": {"lab", "oiv", "ansm"},
    "ars_idf": set(),  # military hospitals' declarations: the case summary only
    "ars_reunion": {"reunion"},
    "hfds": {"lab", "oiv", "reunion", "ansm", "military_notice", "military_care"},
    "dgs": set(),  # until a case is qualified with a sanitary impact
    "ansm": {"ansm"},
    "defence": {"military_notice", "military_care"},
    "vendor_contact": set(),
    "admin": set(),  # operators never read declaration content by default
    "nobody": set(),
}


@pytest.fixture
def declarations(
    world: Any, make_declaration: Callable[..., Declaration], make_user: Callable[..., Any]
) -> dict[str, Declaration]:
    military_declarant = make_user(Role.DECLARANT, structure=world.military)
    world.other_declarant_lyon_lab = make_user(Role.DECLARANT, structure=world.lyon_lab)

    def submitted(structure: Any, by: Any, **values: Any) -> Declaration:
        return declaration_submit(declaration=make_declaration(structure, by, **values), by=by)

    return {
        "lab": submitted(world.lyon_lab, world.declarant_lyon_lab),
        "oiv": submitted(world.lyon, world.declarant_lyon),
        "reunion": submitted(world.reunion, world.declarant_reunion),
        "military_notice": submitted(world.military, military_declarant, care_impact="none"),
        "military_care": submitted(world.military, military_declarant, care_impact="actual"),
        "ansm": submitted(world.lyon_lab, world.declarant_lyon_lab, health_products=["dm"]),
        "draft_lab": make_declaration(world.lyon_lab, world.declarant_lyon_lab),
    }


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_each_role_reads_exactly_its_declarations(
    world: Any, declarations: dict[str, Declaration], who: str
) -> None:
    user = getattr(world, who)
    names = {pk: name for name, pk in ((n, d.pk) for n, d in declarations.items())}
    visible = {
        names[pk] for pk in Declaration.objects.visible_to(user).values_list("pk", flat=True)
    }
    assert visible == EXPECTED[who]
    # Recipients follow their declaration.
    recipients = DeclarationRecipient.objects.visible_to(user)
    assert {names[r.declaration_id] for r in recipients} <= EXPECTED[who]


def test_attachments_follow_their_declaration(
    world: Any, declarations: dict[str, Declaration], tmp_path: Any
) -> None:
    from django.core.files.base import ContentFile

    attachment = Attachment(
        declaration=declarations["military_notice"],
        original_name="journal.txt",
        content_type="text/plain",
        size=5,
        sha256="0" * 64,
        uploaded_by=world.hfds,
    )
    attachment.file.save("journal.txt", ContentFile(b"trace"), save=True)
    assert Attachment.objects.visible_to(world.defence).filter(pk=attachment.pk).exists()
    assert Attachment.objects.visible_to(world.hfds).filter(pk=attachment.pk).exists()
    for who in ("ars_idf", "acss", "admin", "declarant_lyon"):
        assert not Attachment.objects.visible_to(getattr(world, who)).exists(), who


def test_a_revoked_declarant_loses_its_drafts(
    world: Any, declarations: dict[str, Declaration]
) -> None:
    from vigie.directory.models import Membership
    from vigie.directory.services import membership_revoke

    membership = Membership.objects.get(user=world.declarant_lyon_lab, role=Role.DECLARANT)
    membership_revoke(membership=membership, by=world.admin, reason="Départ de l'établissement")
    again = type(world.declarant_lyon_lab).objects.get(pk=world.declarant_lyon_lab.pk)
    # Submitted declarations of the structure are no longer theirs to read either.
    assert not Declaration.objects.visible_to(again).exists()
