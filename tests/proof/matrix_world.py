"""The world of the visibility matrix (tests/proof/test_visibility_matrix.py), and the
helpers its tests read pages with.

Submitted declarations (each with its case) for a Lyon laboratory, the same laboratory
with a B3-qualified case (sanitary impact), an OIV in Lyon, La Réunion, a military
hospital without and with consequences on care; and a draft of the laboratory's
declarant. Each declaration carries an attachment. The cases except the B3 one are
closed and carry RETEX, shared or draft, written by the ACSS, the HFDS or the case's
ARS; three have an anonymised version, one published. Alerts target a region, a
structure type, a software; two vendors each have a request; five structures in three
regions record an action plan measure with an evidence file; the ARS of
Auvergne-Rhône-Alpes and of La Réunion and the cell have quarterly reports. Everybody
has a notification; a forum thread and the published RETEX hold hidden and visible
messages; five cases share an indicator (the cell's three form a recorded cluster).
"""

from __future__ import annotations

import io
import re
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import UserMaker, client_for, declaration_draft, world_build
from vigie.actionplan.catalogue import SHIPPED_PLANS, plan_load
from vigie.actionplan.deadlines import quarter_of
from vigie.actionplan.services import assessment_update, evidence_add, report_request
from vigie.actionplan.tasks import report_build
from vigie.alerts.models import AlertRecipient
from vigie.alerts.services import (
    alert_acknowledge,
    alert_send,
    vendor_request_create,
    vendor_request_update,
)
from vigie.cases.models import Case, CaseStatus
from vigie.cases.services import case_qualify
from vigie.community.services import (
    comment_create,
    comment_hide,
    post_create,
    post_hide,
    thread_create,
)
from vigie.declarations.models import Attachment, Declaration
from vigie.declarations.services import declaration_submit
from vigie.directory.models import Region, Role, StructureKind, Vendor
from vigie.insights.services import clusters_record, indicator_add
from vigie.notifications.services import notification_create
from vigie.retex.models import AnonymisedRetex
from vigie.retex.services import anonymised_retex_publish, retex_share, retex_write

# The users of tests.factories.world_build(), one per role.
ROLES = (
    "acss",
    "admin",
    "ansm",
    "ars_ara",
    "ars_idf",
    "ars_reunion",
    "declarant_lyon",
    "declarant_lyon_lab",
    "declarant_reunion",
    "defence",
    "dgs",
    "director_paris",
    "hfds",
    "member_lyon",
    "nobody",
    "vendor_contact",
)
SUBMITTED = ("lab", "lab_b3", "oiv", "reunion", "military_notice", "military_care")
OBJECTS = (*SUBMITTED, "draft_lab")
CASE_REGION = {
    "lab": "ara",
    "lab_b3": "ara",
    "oiv": "ara",
    "reunion": "reunion",
    "military_notice": "idf",
    "military_care": "idf",
}

# The RETEX of each closed case: its author, and whether it is in the sharing base.
RETEX_AUTHORS = {
    "oiv": "ars_ara",
    "lab": "acss",
    "reunion": "ars_reunion",
    "military_care": "ars_idf",
    "military_notice": "hfds",
}
SHARED_RETEX = {"oiv", "reunion", "military_care"}  # the others are drafts
# A distinctive sentence of each RETEX (never copied into its anonymised version).
RETEX_MARK = {name: f"Consigne retenue [{name}]" for name in RETEX_AUTHORS}
# Anonymised versions: "oiv" is published, the others await review.
PUBLISHED = {"oiv"}

# Structures each alert reaches (region × structure type × software).
ALERT_TARGETS = {
    "ara": {"lyon", "lyon_lab"},  # region 84, every type but military hospitals
    "labs": {"lyon_lab"},  # regions 84 and 11, laboratories only: nothing in 11
    "software": {"reunion"},  # a software named in one of its declarations
    "military": {"military"},  # military hospitals, chosen explicitly
    "paris": {"paris"},  # region 11, health facilities
}
ACKNOWLEDGED = {("ara", "lyon_lab")}  # by the laboratory's declarant

PLAN_STRUCTURES = ("lyon", "lyon_lab", "paris", "reunion", "military")
REGION_CODES = {"ara": "84", "idf": "11", "reunion": "04"}
REGION_STRUCTURES = {
    "ara": {"lyon", "lyon_lab"},
    "idf": {"paris", "military"},
    "reunion": {"reunion"},
}
REPORTS = ("ara_pdf", "ara_xlsx", "reunion_xlsx", "national_xlsx")  # scope_format

# Cases sharing an indicator (the La Réunion one stands alone).
CLUSTERED = {"lab", "lab_b3", "oiv", "military_notice", "military_care"}


def build() -> Any:
    """The world: tests.factories.world_build() and everything above."""
    w = world_build()
    w.soldier = UserMaker(prefix="-hia-")(Role.DECLARANT, structure=w.military)
    _declarations(w)
    _indicators(w)  # before _retex closes cases: a closed case takes no indicator
    _retex(w)
    _alerts(w)
    _action_plan(w)
    _notes_and_community(w)
    _signals(w)
    return w


def _declarations(w: Any) -> None:
    def submitted(structure: Any, by: Any, **values: Any) -> Declaration:
        return declaration_submit(declaration=declaration_draft(structure, by, **values), by=by)

    w.declarations = {
        "lab": submitted(w.lyon_lab, w.declarant_lyon_lab),
        "lab_b3": submitted(w.lyon_lab, w.declarant_lyon_lab),
        "oiv": submitted(w.lyon, w.declarant_lyon),
        # The software named here is what the "software" alert targets.
        "reunion": submitted(w.reunion, w.declarant_reunion, software="Zèbre DPI"),
        "military_notice": submitted(w.military, w.soldier, care_impact="none"),
        "military_care": submitted(w.military, w.soldier, care_impact="actual"),
        "draft_lab": declaration_draft(w.lyon_lab, w.declarant_lyon_lab),
    }
    w.cases = {
        name: Case.objects.get(declaration=d) for name, d in w.declarations.items() if d.reference
    }
    case_qualify(
        case=w.cases["lab_b3"],
        by=w.acss,
        version=None,
        criticity="serious",
        outcomes=["b2", "b3"],
    )
    w.attachments = {}
    for name, declaration in w.declarations.items():
        attachment = Attachment(
            declaration=declaration,
            original_name=f"{name}.txt",
            content_type="text/plain",
            size=5,
            sha256="0" * 64,
            uploaded_by=declaration.created_by,
        )
        attachment.file.save(f"{name}.txt", ContentFile(b"trace"), save=True)
        w.attachments[name] = attachment


def _retex(w: Any) -> None:
    names = list(RETEX_AUTHORS)
    Case.objects.filter(pk__in=[w.cases[n].pk for n in names]).update(
        status=CaseStatus.CLOSED, closed_at=timezone.now()
    )
    w.retex = {}
    for name, author in RETEX_AUTHORS.items():
        by = getattr(w, author)
        retex = retex_write(
            case=w.cases[name],
            by=by,
            causes="Sauvegardes accessibles depuis le réseau bureautique.",
            recommendations=RETEX_MARK[name],
        )
        if name in SHARED_RETEX:
            retex = retex_share(retex=retex, by=by)
        w.retex[name] = retex
    # Anonymised drafts as anonymised_retex_prepare leaves them, without loading the
    # French NER model (seconds; the anonymiser is tested in tests/retex). The HFDS
    # prepares the military hospital's, which the cell may not read.
    w.publications = {
        name: AnonymisedRetex.objects.create(
            retex=w.retex[name],
            title=f"Retour d'expérience {n}",
            slug=f"retour-d-experience-{n}",
            causes="Sauvegardes accessibles depuis le réseau bureautique.",
            recommendations="Isoler les sauvegardes.",
            prepared_by=by,
        )
        for n, (name, by) in enumerate(
            (("oiv", w.acss), ("reunion", w.acss), ("military_care", w.hfds)), start=1
        )
    }
    w.publications["oiv"] = anonymised_retex_publish(
        publication=w.publications["oiv"], by=w.acss, reviewed=True, title="RETEX publié"
    )


def _alerts(w: Any) -> None:
    ara, idf = Region.objects.get(code="84"), Region.objects.get(code="11")

    def send(name: str, by: Any, **targeting: Any) -> Any:
        title = f"Alerte [{name}]"
        return alert_send(by=by, title=title, body="Correctif.", severity="warning", **targeting)

    w.alerts = {
        "ara": send("ara", w.hfds, regions=[ara]),
        "labs": send(
            "labs", w.acss, regions=[ara, idf], structure_kinds=[StructureKind.BIOLOGY_LAB]
        ),
        "software": send("software", w.hfds, software="Zèbre DPI"),
        "military": send("military", w.hfds, structure_kinds=[StructureKind.MILITARY_HOSPITAL]),
        "paris": send(
            "paris", w.acss, regions=[idf], structure_kinds=[StructureKind.HEALTH_FACILITY]
        ),
    }
    for name, alert in w.alerts.items():
        reached = set(alert.recipients.values_list("structure_id", flat=True))
        assert reached == {getattr(w, s).pk for s in ALERT_TARGETS[name]}, name
    w.alert_rows = {(row.alert_id, row.structure_id): row for row in AlertRecipient.objects.all()}
    for alert, structure in ACKNOWLEDGED:
        row = w.alert_rows[(w.alerts[alert].pk, getattr(w, structure).pk)]
        alert_acknowledge(recipient=row, by=w.declarant_lyon_lab)

    w.vendor_other = Vendor.objects.create(
        name="Autre éditeur", security_contact="psirt@autre.test"
    )
    w.requests = {
        "own": vendor_request_create(
            by=w.acss,
            vendor=w.vendor,
            kind="vulnerability",
            title="Demande [own]",
            description="Injection SQL dans le module de rendez-vous.",
            product="DPI",
        ),
        "other": vendor_request_create(
            by=w.hfds,
            vendor=w.vendor_other,
            kind="patch",
            title="Demande [other]",
            description="Correctif attendu pour le serveur PACS.",
            product="PACS",
        ),
    }
    vendor_request_update(request=w.requests["own"], by=w.vendor_contact, comment="Reçu [own].")
    vendor_request_update(request=w.requests["other"], by=w.acss, comment="Relance [other].")


def _action_plan(w: Any) -> None:
    w.plan, _created = plan_load(SHIPPED_PLANS[0])
    owners = {
        "lyon": w.declarant_lyon,
        "lyon_lab": w.declarant_lyon_lab,
        "paris": w.director_paris,
        "reunion": w.declarant_reunion,
        "military": w.soldier,
    }
    measure = w.plan.measures.get(number=1)
    w.evidence = {}
    for name, owner in owners.items():
        assessment = assessment_update(
            structure=getattr(w, name), measure=measure, by=owner, status="in_progress"
        )
        upload = SimpleUploadedFile(f"preuve-{name}.pdf", f"%PDF-1.4 preuve {name}".encode())
        w.evidence[name] = evidence_add(assessment=assessment, by=owner, upload=upload)
    year, quarter = quarter_of(timezone.localdate())
    w.reports = {}
    for scope, code, formats, by in (
        ("ara", "84", ["pdf", "xlsx"], w.ars_ara),
        ("reunion", "04", ["xlsx"], w.ars_reunion),
        ("national", None, ["xlsx"], w.acss),
    ):
        region = Region.objects.get(code=code) if code else None
        for run in report_request(
            plan=w.plan, region=region, year=year, quarter=quarter, formats=formats, by=by
        ):
            report_build(run_id=run.pk)
            run.refresh_from_db()
            assert run.file, (scope, run.format, run.error)
            w.reports[f"{scope}_{run.format}"] = run


def _notes_and_community(w: Any) -> None:
    w.notes = {
        who: notification_create(
            users=[getattr(w, who)], title=f"Repère [{who}]", url="/notifications/"
        )[0]
        for who in ROLES
    }
    w.thread = thread_create(by=w.declarant_lyon, title="Discussion [forum]", body="Bonjour [1].")
    hidden = post_create(thread=w.thread, by=w.declarant_reunion, body="Message masqué [2].")
    post_hide(post=hidden, by=w.acss, reason="Hors sujet.")
    post_create(thread=w.thread, by=w.ars_ara, body="Réponse visible [3].")
    document = w.publications["oiv"]
    comment_create(document=document, by=w.member_lyon, body="Commentaire visible [4].")
    hidden_comment = comment_create(
        document=document, by=w.declarant_lyon_lab, body="Commentaire masqué [5]."
    )
    comment_hide(comment=hidden_comment, by=w.acss, reason="Hors sujet.")


def _indicators(w: Any) -> None:
    for name in CLUSTERED:
        by = w.hfds if name.startswith("military") else w.acss
        indicator_add(case=w.cases[name], by=by, kind="ip", value="192.0.2.7")


def _signals(w: Any) -> None:
    # Recorded from the cell's cases only (three in Auvergne-Rhône-Alpes); the cluster of
    # the shared indicator (the same-type rule also groups cases of one territory).
    [w.cluster] = [c for c in clusters_record() if c.basis == "indicator"]


# --- reading pages ---------------------------------------------------------------------


class Reader:
    """One role's signed-in client, and the differences found with the tables."""

    def __init__(self, w: Any, who: str) -> None:
        self.who = who
        self.user = getattr(w, who)
        self.client = client_for(self.user)
        self.wrong: list[str] = []

    def get(self, url: str, **params: Any) -> Any:
        return self.client.get(url, params)

    def check(self, endpoint: str, name: str, visible: bool, expected: bool) -> None:
        if visible != expected:
            self.wrong.append(f"{self.who} {'sees' if visible else 'misses'} {name} via {endpoint}")

    def status(self, endpoint: str, name: str, got: int, expected: int) -> None:
        if got != expected:
            self.wrong.append(f"{self.who} gets {got} (not {expected}) for {name} via {endpoint}")

    def same(self, endpoint: str, got: set[Any], expected: set[Any]) -> None:
        if got != expected:
            self.wrong.append(
                f"{self.who} via {endpoint}: extra {sorted(got - expected)}, "
                f"missing {sorted(expected - got)}"
            )

    def done(self) -> None:
        assert not self.wrong, "\n".join(self.wrong)


def page_text(response: Any) -> str:
    return response.content.decode() if response.status_code == 200 else ""


def body_of(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def section(text: str, testid: str) -> str:
    """The element marked ``data-testid=testid`` up to the end of its table or section."""
    if f'data-testid="{testid}"' not in text:
        return ""
    rest = text.split(f'data-testid="{testid}"', 1)[1]
    return re.split(r"</table>|</section>|</ul>", rest, maxsplit=1)[0]


def csv_references(body: bytes) -> set[str]:
    import csv

    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    return {row[0] for row in rows[1:]}


def xlsx_references(body: bytes) -> set[str]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(body)).active
    return {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
