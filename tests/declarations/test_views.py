"""The declarant's pages: steps, drafts that never lose input, summary, submission,
attachments and who may reach each page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import constants as message_levels
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from tests.factories import client_for
from vigie.declarations.models import Attachment, Declaration, DeclarationStatus, IncidentType
from vigie.declarations.services import declaration_start, declaration_submit
from vigie.directory.models import Role

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))


def step_url(declaration: Declaration, slug: str) -> str:
    return f"/declarations/{declaration.pk}/etape/{slug}/"


def autosave_url(declaration: Declaration, slug: str) -> str:
    return f"/declarations/{declaration.pk}/enregistrer/{slug}/"


def error_messages(response: Any) -> list[str]:
    return [m.message for m in response.context["messages"] if m.level == message_levels.ERROR]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def draft(world: Any) -> Declaration:
    return declaration_start(structure=world.lyon, by=world.declarant_lyon)


# --- starting ------------------------------------------------------------------------


def test_a_declarant_with_one_structure_starts_without_choosing(world: Any) -> None:
    client = client_for(world.declarant_lyon)
    page = client.get("/declarations/nouvelle/")
    assert page.status_code == 200
    assert 'type="hidden" name="structure"' in page.content.decode()

    response = client.post("/declarations/nouvelle/", {"structure": world.lyon.pk})
    created = Declaration.objects.get(created_by=world.declarant_lyon)
    assert response.status_code == 302
    assert response["Location"] == step_url(created, "identite")
    assert created.structure == world.lyon and created.status == DeclarationStatus.DRAFT
    # Pre-filled from the account, so there is less to type at 2 a.m.
    assert created.declarant_email == world.declarant_lyon.email


@pytest.mark.parametrize("role", ["acss", "member_lyon", "nobody", "ars_ara", "admin"])
def test_who_cannot_declare_cannot_start(world: Any, role: str) -> None:
    client = client_for(getattr(world, role))
    assert client.get("/declarations/nouvelle/").status_code == 403
    assert client.post("/declarations/nouvelle/", {"structure": world.lyon.pk}).status_code == 403
    assert not Declaration.objects.exists()


def test_a_declarant_cannot_start_for_another_structure(world: Any) -> None:
    client = client_for(world.declarant_lyon_lab)
    response = client.post("/declarations/nouvelle/", {"structure": world.lyon.pk})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Declaration.objects.exists()


@pytest.mark.parametrize("role", ["declarant_lyon_lab", "member_lyon", "acss", "ars_ara", "hfds"])
def test_nobody_but_the_author_reaches_a_draft(world: Any, draft: Declaration, role: str) -> None:
    client = client_for(getattr(world, role))
    pk = draft.pk
    urls_get = [
        step_url(draft, "identite"),
        f"/declarations/{pk}/recapitulatif/",
        f"/declarations/{pk}/supprimer/",
        f"/declarations/{pk}/",
    ]
    for url in urls_get:
        assert client.get(url).status_code == 404, url
    posts = [
        (step_url(draft, "identite"), {"declarant_name": "Intrus"}),
        (f"/declarations/{pk}/recapitulatif/", {}),
        (f"/declarations/{pk}/supprimer/", {}),
        (f"/declarations/{pk}/pieces-jointes/", {"files": SimpleUploadedFile("a.png", PNG)}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    draft.refresh_from_db()
    assert draft.declarant_name != "Intrus" and draft.is_draft
    assert not Attachment.objects.exists()


def test_anonymous_is_sent_to_login_and_brought_back_to_the_step(draft: Declaration) -> None:
    response = Client().get(step_url(draft, "perimetre"))
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/login/")
    assert "next=/declarations/" in response["Location"]
    assert f"{draft.pk}/etape/perimetre/" in response["Location"]


# --- nothing typed is lost -----------------------------------------------------------


def test_draft_survives_a_validation_error(world: Any, draft: Declaration) -> None:
    client = client_for(world.declarant_lyon)
    typed = {
        "declarant_name": "Claire Martin",
        "declarant_function": "RSSI de garde cette nuit",
        "declarant_email": "claire.martin@chu.example.test",
        "declarant_phone": "04 72 00 00 00",
        "detected_at": "hier vers 2h du matin",
        "started_at": "",
        "incident_type": "",
        "action": "continue",
    }
    response = client.post(step_url(draft, "identite"), typed)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="error-summary"' in page
    assert 'href="#id_detected_at"' in page  # the summary links to the field
    assert "aria-invalid" in page
    assert response.context["form"].errors.keys() == {"detected_at"}
    assert 'value="hier vers 2h du matin"' in page
    assert 'value="RSSI de garde cette nuit"' in page

    draft.refresh_from_db()
    # Valid fields are stored; the whole raw input is kept for the invalid step.
    assert draft.declarant_function == "RSSI de garde cette nuit"
    assert draft.draft_data["identite"]["detected_at"] == "hier vers 2h du matin"
    assert "action" not in draft.draft_data["identite"]
    assert draft.detected_at is None

    # Coming back later: what was typed, and what is wrong with it, are shown again.
    again = client.get(step_url(draft, "identite"))
    assert again.status_code == 200
    again_page = again.content.decode()
    assert 'value="hier vers 2h du matin"' in again_page
    assert 'data-testid="error-summary"' in again_page

    # Once corrected, the kept input is cleared and the date stored.
    typed["detected_at"] = (timezone.localtime() - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    corrected = client.post(step_url(draft, "identite"), typed)
    assert corrected.status_code == 302
    assert corrected["Location"] == step_url(draft, "perimetre")
    draft.refresh_from_db()
    assert "identite" not in draft.draft_data and draft.detected_at is not None


def test_dates_in_the_future_or_out_of_order_are_refused(world: Any, draft: Declaration) -> None:
    client = client_for(world.declarant_lyon)
    now = timezone.localtime()
    response = client.post(
        step_url(draft, "identite"),
        {
            "detected_at": (now - timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M"),
            "started_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"started_at"}
    future = client.post(
        step_url(draft, "identite"),
        {"detected_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")},
    )
    assert set(future.context["form"].errors) == {"detected_at"}


def test_multiple_choices_are_kept_when_the_step_is_invalid(world: Any, draft: Declaration) -> None:
    client = client_for(world.declarant_lyon)
    response = client.post(
        step_url(draft, "impacts"),
        {
            "care_impact": "actual",
            "degraded_mode": "on",
            "estimated_patients": "plusieurs centaines",
        },
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.care_impact == "actual" and draft.degraded_mode is True
    assert draft.draft_data["impacts"]["estimated_patients"] == "plusieurs centaines"

    client.post(
        step_url(draft, "perimetre"),
        {"systems_affected": ["servers", "biomedical"], "software": "DPI v12"},
    )
    draft.refresh_from_db()
    assert draft.systems_affected == ["servers", "biomedical"]
    # An invalid choice keeps every ticked box in the draft.
    client.post(step_url(draft, "perimetre"), {"systems_affected": ["servers", "toaster"]})
    draft.refresh_from_db()
    assert draft.draft_data["perimetre"]["systems_affected"] == ["servers", "toaster"]
    page = client.get(step_url(draft, "perimetre")).content.decode()
    assert re.search(r'<input[^>]*value="servers"[^>]*checked', page)


def test_save_draft_and_previous_buttons(world: Any, draft: Declaration) -> None:
    client = client_for(world.declarant_lyon)
    saved = client.post(step_url(draft, "impacts"), {"care_impact": "none", "action": "save"})
    assert saved["Location"] == step_url(draft, "impacts")
    back = client.post(step_url(draft, "impacts"), {"care_impact": "none", "action": "previous"})
    assert back["Location"] == step_url(draft, "perimetre")
    last = client.post(step_url(draft, "description"), {"tlp": "amber", "action": "continue"})
    assert last["Location"] == f"/declarations/{draft.pk}/recapitulatif/"
    draft.refresh_from_db()
    assert draft.last_step == "description"


def test_reunion_local_time_is_stored_as_the_right_instant(world: Any) -> None:
    draft = declaration_start(structure=world.reunion, by=world.declarant_reunion)
    client = client_for(world.declarant_reunion)
    reunion = ZoneInfo("Indian/Reunion")
    local = (
        (timezone.now() - timedelta(days=2)).astimezone(reunion).replace(second=0, microsecond=0)
    )
    typed = local.strftime("%Y-%m-%dT%H:%M")

    page = client.get(step_url(draft, "identite")).content.decode()
    # The help text names the expected time zone in French, not as an IANA identifier.
    assert "heure de La Réunion" in page
    assert "Indian/Reunion" not in page
    response = client.post(step_url(draft, "identite"), {"detected_at": typed})
    assert response.status_code == 302

    draft.refresh_from_db()
    assert draft.detected_at == local
    utc = draft.detected_at.astimezone(ZoneInfo("UTC"))
    assert (local.replace(tzinfo=None) - utc.replace(tzinfo=None)) == timedelta(hours=4)
    # Shown back in Réunion time, not Paris time.
    again = client.get(step_url(draft, "identite")).content.decode()
    assert f'value="{typed}"' in again


# --- autosave ------------------------------------------------------------------------


def test_autosave_saves_and_answers_json(world: Any, draft: Declaration) -> None:
    client = client_for(world.declarant_lyon)
    response = client.post(
        autosave_url(draft, "perimetre"),
        {"software": "Dossier patient v12", "systems_affected": ["servers"]},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["errors"] == {}
    draft.refresh_from_db()
    assert body["saved_at"] == draft.updated_at.isoformat()
    assert draft.software == "Dossier patient v12" and draft.systems_affected == ["servers"]

    invalid = client.post(autosave_url(draft, "impacts"), {"estimated_patients": "beaucoup"})
    assert invalid.status_code == 200
    assert list(invalid.json()["errors"]) == ["estimated_patients"]
    draft.refresh_from_db()
    assert draft.draft_data["impacts"] == {"estimated_patients": "beaucoup"}


@pytest.mark.parametrize("role", [None, "declarant_lyon_lab", "member_lyon", "acss"])
def test_autosave_answers_json_403_to_anyone_else(
    world: Any, draft: Declaration, role: str | None
) -> None:
    client = Client() if role is None else client_for(getattr(world, role))
    response = client.post(autosave_url(draft, "perimetre"), {"software": "Intrus"})
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
    draft.refresh_from_db()
    assert draft.software == ""


def test_autosave_of_a_submitted_declaration_is_refused(
    world: Any, make_declaration: Callable[..., Declaration]
) -> None:
    submitted = declaration_submit(
        declaration=make_declaration(world.lyon, world.declarant_lyon), by=world.declarant_lyon
    )
    client = client_for(world.declarant_lyon)
    response = client.post(autosave_url(submitted, "perimetre"), {"software": "Après coup"})
    assert response.status_code == 403 and response.json()["detail"]
    # The step pages of a submitted declaration lead to its page.
    assert client.get(step_url(submitted, "perimetre"))["Location"] == (
        f"/declarations/{submitted.pk}/"
    )


# --- summary and submission ----------------------------------------------------------


def test_summary_flags_what_is_missing_and_submission_waits_for_it(
    world: Any, make_declaration: Callable[..., Declaration]
) -> None:
    draft = make_declaration(world.lyon, world.declarant_lyon, description="", malicious="")
    client = client_for(world.declarant_lyon)
    summary_url = f"/declarations/{draft.pk}/recapitulatif/"

    summary = client.get(summary_url)
    page = summary.content.decode()
    assert summary.status_code == 200
    assert set(summary.context["problems"]) == {"description", "malicious"}
    assert 'data-testid="problem-description"' in page
    assert 'data-testid="problem-malicious"' in page
    assert f'href="{step_url(draft, "description")}#id_description"' in page
    assert f'href="{step_url(draft, "origine")}#id_malicious_0"' in page  # first radio
    assert re.search(r'data-testid="submit"[^>]*disabled', page)
    # Every value typed is listed, step by step.
    assert "RSSI" in page and "claire.martin@chu.example.test" in page
    assert IncidentType.objects.get(code="ransomware").label in page

    refused = client.post(summary_url)
    assert refused.status_code == 200
    assert 'data-testid="submit-refused"' in refused.content.decode()
    draft.refresh_from_db()
    assert draft.is_draft and draft.reference is None

    client.post(step_url(draft, "origine"), {"malicious": "unknown", "can_handle_alone": "no"})
    client.post(
        step_url(draft, "description"),
        {"description": "Écran de rançon sur les postes des urgences.", "tlp": "amber"},
    )
    complete = client.get(summary_url)
    assert complete.context["problems"] == {}
    assert not re.search(r'data-testid="submit"[^>]*disabled', complete.content.decode())

    submitted = client.post(summary_url)
    assert submitted.status_code == 302
    assert submitted["Location"] == f"/declarations/{draft.pk}/"
    draft.refresh_from_db()
    assert draft.status == DeclarationStatus.SUBMITTED
    assert re.fullmatch(r"SSI-\d{4}-\d{5}", draft.reference or "")

    detail = client.get(submitted["Location"])
    detail_page = detail.content.decode()
    assert detail.status_code == 200
    assert draft.reference in detail_page
    recipients = list(draft.recipients.all())
    # Lyon is an OIV: its ARS, the cell, HFDS/FSSI and ANSSI are all alerted.
    assert {r.kind for r in recipients} == {"ars", "acss", "fssi", "anssi"}
    assert detail_page.count('data-testid="recipient"') == len(recipients)
    assert "ARS Auvergne-Rhône-Alpes" in detail_page
    assert 'data-testid="tlp"' in detail_page
    messages = [str(m) for m in detail.context["messages"]]
    assert any(draft.reference in m for m in messages)


def test_the_summary_of_a_step_left_invalid_blocks_submission(
    world: Any, make_declaration: Callable[..., Declaration]
) -> None:
    draft = make_declaration(world.lyon, world.declarant_lyon)
    client = client_for(world.declarant_lyon)
    client.post(step_url(draft, "impacts"), {"care_impact": "none", "estimated_patients": "??"})
    summary = client.get(f"/declarations/{draft.pk}/recapitulatif/")
    assert "step:impacts" in summary.context["problems"]
    assert 'data-testid="problem-step-impacts"' in summary.content.decode()
    assert client.post(f"/declarations/{draft.pk}/recapitulatif/").status_code == 200
    draft.refresh_from_db()
    assert draft.is_draft


def test_a_draft_detail_sends_its_author_to_the_summary(world: Any, draft: Declaration) -> None:
    response = client_for(world.declarant_lyon).get(f"/declarations/{draft.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/declarations/{draft.pk}/recapitulatif/"


def test_detail_shows_times_in_local_and_paris_time(
    world: Any, make_declaration: Callable[..., Declaration]
) -> None:
    draft = make_declaration(world.reunion, world.declarant_reunion)
    submitted = declaration_submit(declaration=draft, by=world.declarant_reunion)
    page = client_for(world.ars_reunion).get(f"/declarations/{submitted.pk}/").content.decode()
    local = timezone.localtime(submitted.submitted_at, ZoneInfo("Indian/Reunion"))
    paris = timezone.localtime(submitted.submitted_at, ZoneInfo("Europe/Paris"))
    shown = re.search(r'data-testid="submitted-at">(.*?)</dd>', page, re.S)
    assert shown is not None
    assert local.strftime("%H:%M") in shown.group(1)
    assert paris.strftime("%H:%M") in shown.group(1)
    assert "(heure de La Réunion)" in shown.group(1)
    assert "(heure de Paris)" in shown.group(1)
    assert "Indian/Reunion" not in page


def test_military_hospital_ars_notice_is_shown_as_a_notice(
    world: Any, make_declaration: Callable[..., Declaration], make_user: Callable[..., Any]
) -> None:
    declarant = make_user(Role.DECLARANT, structure=world.military)
    draft = make_declaration(world.military, declarant)
    submitted = declaration_submit(declaration=draft, by=declarant)
    page = client_for(declarant).get(f"/declarations/{submitted.pk}/").content.decode()
    assert page.count('data-testid="recipient"') == 2
    ars = submitted.recipients.get(kind="ars")
    assert ars.notice_only
    assert re.search(r'ARS Île-de-France</strong>\s*<span class="fr-badge', page)


def test_discarding_a_draft(world: Any, draft: Declaration) -> None:
    client = client_for(world.declarant_lyon)
    assert client.get(f"/declarations/{draft.pk}/supprimer/").status_code == 200
    response = client.post(f"/declarations/{draft.pk}/supprimer/")
    assert response["Location"] == "/declarations/"
    assert not Declaration.objects.filter(pk=draft.pk).exists()


# --- list ----------------------------------------------------------------------------


def test_list_shows_drafts_to_resume_and_visible_declarations(
    world: Any, make_declaration: Callable[..., Declaration]
) -> None:
    lyon = declaration_submit(
        declaration=make_declaration(world.lyon, world.declarant_lyon, urgent_help=True),
        by=world.declarant_lyon,
    )
    paris = declaration_submit(
        declaration=make_declaration(world.paris, world.director_paris),
        by=world.director_paris,
    )
    draft = declaration_start(structure=world.lyon, by=world.declarant_lyon)
    client_for(world.declarant_lyon).post(step_url(draft, "impacts"), {"care_impact": "none"})

    declarant = client_for(world.declarant_lyon).get("/declarations/")
    page = declarant.content.decode()
    assert [d.pk for d in declarant.context["drafts"]] == [draft.pk]
    assert f'href="{step_url(draft, "impacts")}"' in page  # resumes where it stopped
    assert [d.pk for d in declarant.context["page_obj"]] == [lyon.pk]
    assert 'data-testid="urgent"' in page

    member = client_for(world.member_lyon).get("/declarations/")
    assert [d.pk for d in member.context["page_obj"]] == [lyon.pk]
    assert not member.context["drafts"]

    acss = client_for(world.acss).get("/declarations/")
    assert [d.pk for d in acss.context["page_obj"]] == [paris.pk, lyon.pk]  # newest first
    ars_idf = client_for(world.ars_idf).get("/declarations/")
    assert [d.pk for d in ars_idf.context["page_obj"]] == [paris.pk]
    assert client_for(world.admin).get("/declarations/").context["page_obj"].paginator.count == 0


def test_navigation_offers_to_declare_only_to_declarants(world: Any) -> None:
    def urls(user: Any) -> list[str]:
        return [item["url"] for item in client_for(user).get("/").context["nav_items"]]

    assert "/declarations/nouvelle/" in urls(world.declarant_lyon)
    assert "/declarations/" in urls(world.declarant_lyon)
    assert "/declarations/nouvelle/" not in urls(world.member_lyon)
    assert "/declarations/" in urls(world.member_lyon)
    assert "/declarations/" in urls(world.ars_ara)
    assert "/declarations/" not in urls(world.vendor_contact)


# --- attachments ---------------------------------------------------------------------


def upload(client: Client, declaration: Declaration, *files: SimpleUploadedFile) -> Any:
    return client.post(
        f"/declarations/{declaration.pk}/pieces-jointes/", {"files": list(files)}, follow=True
    )


def test_attachments_are_served_only_to_those_who_see_the_declaration(
    world: Any, make_declaration: Callable[..., Declaration]
) -> None:
    draft = make_declaration(world.lyon_lab, world.declarant_lyon_lab)
    author = client_for(world.declarant_lyon_lab)
    response = upload(
        author,
        draft,
        SimpleUploadedFile("capture écran.png", PNG, content_type="image/png"),
        SimpleUploadedFile("journal.log", b"Jan 1 02:00 sshd: accepted\n", content_type="text/x"),
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == step_url(draft, "description") + "#attachments"
    assert not error_messages(response)
    png = Attachment.objects.get(original_name="capture écran.png")
    assert png.sha256 in response.content.decode()
    assert Path(png.file.path).read_bytes() == PNG
    url = f"/declarations/pieces-jointes/{png.pk}/"

    # While a draft, only its author.
    assert client_for(world.ars_ara).get(url).status_code == 404

    declaration_submit(declaration=draft, by=world.declarant_lyon_lab)
    for role in ("declarant_lyon_lab", "ars_ara", "acss", "hfds"):
        served = client_for(getattr(world, role)).get(url)
        assert served.status_code == 200, role
        assert b"".join(served.streaming_content) == PNG
        assert served["Content-Type"] == "image/png"
        assert served["X-Content-Type-Options"] == "nosniff"
        assert served["Content-Disposition"].startswith("attachment;")
        assert "capture" in served["Content-Disposition"]
    for role in ("ars_idf", "admin", "declarant_lyon", "dgs", "ansm", "vendor_contact"):
        assert client_for(getattr(world, role)).get(url).status_code == 404, role
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/compte/login/")
    # No more removal once submitted.
    removal = author.post(f"/declarations/pieces-jointes/{png.pk}/supprimer/")
    assert removal.status_code == 404
    assert Attachment.objects.filter(pk=png.pk).exists()

    summary_links = client_for(world.acss).get(f"/declarations/{draft.pk}/").content.decode()
    assert url in summary_links and png.sha256 in summary_links


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("outil.exe", b"MZ\x90\x00" + bytes(60)),
        ("rapport.pdf", b"MZ\x90\x00 this is no PDF"),  # spoofed extension
        ("photo.png", b"%PDF-1.7\n"),
        ("vide.txt", b""),
    ],
)
def test_refused_files_are_explained_and_not_stored(
    world: Any, draft: Declaration, settings: Any, name: str, content: bytes
) -> None:
    response = upload(client_for(world.declarant_lyon), draft, SimpleUploadedFile(name, content))
    # The description step is shown again, the error next to the file field.
    assert response.status_code == 200 and not response.redirect_chain
    errors = response.context["upload_errors"]
    assert len(errors) == 1 and name in errors[0]
    page = response.content.decode()
    assert 'data-testid="upload-errors"' in page
    assert escape(errors[0]) in page
    assert not Attachment.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_removing_an_attachment_while_draft(
    world: Any, draft: Declaration, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(world.declarant_lyon)
    upload(client, draft, SimpleUploadedFile("a.png", PNG))
    attachment = Attachment.objects.get()
    stored = Path(attachment.file.path)
    assert (
        client_for(world.declarant_lyon_lab)
        .post(f"/declarations/pieces-jointes/{attachment.pk}/supprimer/")
        .status_code
        == 404
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/declarations/pieces-jointes/{attachment.pk}/supprimer/")
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert not stored.exists()


def test_incident_types_offered_are_the_active_ones(world: Any, draft: Declaration) -> None:
    retired = IncidentType.objects.create(code="retired", label="Type retiré", is_active=False)
    page = client_for(world.declarant_lyon).get(step_url(draft, "identite")).content.decode()
    assert "Type retiré" not in page
    assert IncidentType.objects.get(code="ransomware").label in page
    assert retired.pk
