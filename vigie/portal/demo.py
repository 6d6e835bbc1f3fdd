"""Demo content of the portal, written in the editorial space by the two demo ACSS
analysts (each approving the other's drafts): bulletins, reflex sheets, a guide and the
providers list, some in two versions, one bulletin awaiting review and a draft of the
providers list; and one anonymised RETEX, through the real workflow (close, write, share,
anonymise, review, publish). Idempotent."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pgtrigger
from django.db import transaction
from django.utils import timezone

from vigie.declarations.models import IncidentType
from vigie.directory.models import User, Vendor
from vigie.portal import services
from vigie.portal.models import (
    Bulletin,
    DocumentKind,
    EditorialEvent,
    Guide,
    Published,
    ReflexSheet,
    Revision,
)

logger = logging.getLogger(__name__)

BULLETINS: list[dict[str, Any]] = [
    {
        "title": "Vulnérabilité critique dans Citrix NetScaler ADC et Gateway (Citrix Bleed)",
        "cve_ids": ["CVE-2023-4966"],
        "products": ["NetScaler ADC", "NetScaler Gateway"],
        "vendor": "Citrix",
        "severity": "critical",
        "summary": (
            "Une fuite de mémoire permet à un attaquant non authentifié de dérober des jetons "
            "de session. Elle est exploitée par des groupes de rançongiciels contre des "
            "établissements de santé."
        ),
        "remediation": (
            "Appliquer les versions correctives de l’éditeur, puis invalider toutes les "
            "sessions actives (kill icaconnection -all) : le correctif seul ne suffit pas."
        ),
        "days_ago": 20,
    },
    {
        "title": "Exécution de code à distance dans le VPN SSL de FortiOS",
        "cve_ids": ["CVE-2024-21762"],
        "products": ["FortiOS", "FortiProxy"],
        "vendor": "Fortinet",
        "severity": "critical",
        "summary": (
            "Une écriture hors limites dans le VPN SSL permet l’exécution de code sans "
            "authentification. Des exploitations actives sont signalées."
        ),
        "remediation": (
            "Mettre à jour FortiOS ; à défaut, désactiver le VPN SSL. Rechercher des traces "
            "de compromission avant et après la mise à jour."
        ),
        "days_ago": 5,
        # Version 2, by the other analyst: the versions concerned, once the vendor said.
        "v2": {
            "remediation": (
                "Mettre à jour FortiOS vers 7.4.3, 7.2.7, 7.0.14 ou 6.4.15 ; à défaut, "
                "désactiver le VPN SSL (désactiver l’interface web ne suffit pas). "
                "Rechercher des traces de compromission avant et après la mise à jour."
            ),
            "days_ago": 2,
        },
    },
]

# Written and submitted by the first analyst: the second one reviews it.
IN_REVIEW: dict[str, Any] = {
    "title": "Ivanti Connect Secure : exécution de code sans authentification",
    "cve_ids": ["CVE-2025-0282"],
    "products": ["Ivanti Connect Secure", "Policy Secure"],
    "vendor": "Ivanti",
    "severity": "critical",
    "summary": (
        "Un débordement de pile permet à un attaquant non authentifié d’exécuter du code "
        "sur la passerelle VPN. Des exploitations sont observées."
    ),
    "remediation": (
        "Appliquer la version 22.7R2.5, lancer l’outil de vérification d’intégrité de "
        "l’éditeur et, en cas de compromission, réinitialiser l’équipement."
    ),
}

SHEETS: list[dict[str, Any]] = [
    {
        "title": "Rançongiciel : les premiers réflexes",
        "incident_type": "ransomware",
        "audience": "non_specialist",
        "structure_kind": "",
        "body": (
            "1. Débranchez le câble réseau du poste touché ; ne l’éteignez pas.\n"
            "2. Prévenez immédiatement le service informatique et votre encadrement.\n"
            "3. Ne payez pas de rançon et ne contactez pas les attaquants.\n"
            "4. Notez l’heure et ce que vous avez vu à l’écran."
        ),
        "days_ago": 30,
        "v2": {
            "body": (
                "1. Débranchez le câble réseau du poste touché (et coupez le Wi-Fi) ; ne "
                "l’éteignez pas.\n"
                "2. Prévenez immédiatement le service informatique et votre encadrement.\n"
                "3. Ne payez pas de rançon et ne contactez pas les attaquants.\n"
                "4. Notez l’heure et ce que vous avez vu à l’écran ; photographiez-le.\n"
                "5. Passez en mode dégradé selon les procédures papier de votre service."
            ),
            "days_ago": 3,
        },
    },
    {
        "title": "Rançongiciel : confinement par l’équipe informatique",
        "incident_type": "ransomware",
        "audience": "it_team",
        "structure_kind": "",
        "body": (
            "Isoler les segments touchés, couper les accès VPN et les flux vers Internet, "
            "préserver les journaux, vérifier l’intégrité des sauvegardes hors ligne, "
            "déclarer l’incident sur Vigie et demander l’appui de la cellule ACSS."
        ),
        "days_ago": 30,
    },
    {
        "title": "Hameçonnage : identifiants saisis sur un faux site",
        "incident_type": "phishing",
        "audience": "non_specialist",
        "structure_kind": "",
        "body": (
            "1. Changez tout de suite le mot de passe saisi, et partout où vous l’utilisez.\n"
            "2. Prévenez le service informatique : il vérifiera les règles de transfert de "
            "votre messagerie.\n"
            "3. Ne supprimez pas le courriel : transférez-le comme pièce jointe au service "
            "informatique."
        ),
        "days_ago": 25,
    },
]

GUIDE: dict[str, Any] = {
    "title": "Préparer le fonctionnement en mode dégradé",
    "kind": "guide",
    "summary": "Organiser la continuité des soins quand le système d’information s’arrête.",
    "body": (
        "Identifier les processus critiques, tenir à jour des procédures papier, "
        "exercer les équipes deux fois par an et prévoir l’impression des plannings."
    ),
    "days_ago": 40,
}

PROVIDERS: list[dict[str, str]] = [
    {
        "name": "Prestataire de réponse à incident (exemple)",
        "website": "",
        "services": "Réponse à incident, investigation numérique, reconstruction.",
        "qualification": "PRIS",
        "regions": "France entière",
    },
    {
        "name": "Cabinet d’audit SSI (exemple)",
        "website": "",
        "services": "Audit de configuration et test d’intrusion après incident.",
        "qualification": "PASSI",
        "regions": "Auvergne-Rhône-Alpes, Île-de-France",
    },
]
# A draft of the next version of the list, by the second analyst.
PROVIDER_DRAFT: dict[str, str] = {
    "name": "Prestataire de réponse à incident outre-mer (exemple)",
    "website": "",
    "services": "Réponse à incident sur site à La Réunion et à Mayotte.",
    "qualification": "PRIS",
    "regions": "La Réunion, Mayotte",
}

RETEX_TEXT: dict[str, Any] = {
    "causes": (
        "Le 3 mars, Mme Sophie Leroy a signalé des courriels imitant la DGFiP envoyés depuis "
        "rh-paie@impots-remboursement.fr. Trois agents de l’Hôpital Édouard Herriot ont saisi "
        "leurs identifiants sur https://portail-dgfip.example.net/connexion."
    ),
    "aggravating_factors": (
        "L’authentification à double facteur n’était pas activée sur la messagerie ; le "
        "serveur SRV-MAIL01 (10.69.4.12) acceptait les connexions IMAP depuis l’étranger."
    ),
    "difficulties": (
        "Joindre l’astreinte informatique au 04 72 11 22 33 la nuit a pris plus d’une heure."
    ),
    "measures_taken": (
        "Réinitialisation des mots de passe, suppression des règles de transfert, blocage du "
        "domaine frauduleux sur la passerelle de messagerie."
    ),
    "recommendations": (
        "Activer la double authentification sur la messagerie, désactiver les protocoles "
        "hérités (IMAP, POP) et sensibiliser les agents à l’hameçonnage."
    ),
}


def _backdate(revision: Revision, days_ago: float) -> None:
    """Date a demo version in the past (a version is otherwise final: the demo steps
    around the trigger that keeps it so, and around the journal's)."""
    at = timezone.now() - timedelta(days=days_ago)
    with pgtrigger.ignore(
        "portal.Revision:versions_are_final", "portal.EditorialEvent:editorial_journal_append_only"
    ):
        Revision.objects.filter(pk=revision.pk).update(
            created_at=at, edited_at=at, submitted_at=at, published_at=at
        )
        EditorialEvent.objects.filter(revision=revision).update(at=at)
    document = revision.document
    if document is not None:
        changes: dict[str, Any] = {"revised_at": at}
        if revision.number == 1:
            changes["published_at"] = at
        type(document).objects.filter(pk=document.pk).update(**changes)


def _publish(kind: str, values: dict[str, Any], author: User, reviewer: User) -> Revision:
    revision = services.revision_create(kind=kind, by=author, values=values)
    revision = services.revision_submit(revision=revision, by=author, seq=None)
    return services.revision_publish(revision=revision, by=reviewer, seq=None)


def _new_version(
    kind: str, document: Published, changes: dict[str, Any], author: User, reviewer: User
) -> Revision:
    revision = services.revision_start(kind=kind, by=author, document=document)
    revision = services.revision_save(
        revision=revision, by=author, values={**revision.data, **changes}, seq=None
    )
    revision = services.revision_submit(revision=revision, by=author, seq=None)
    return services.revision_publish(revision=revision, by=reviewer, seq=None)


def _bulletin_values(item: dict[str, Any]) -> dict[str, Any]:
    vendor, _created = Vendor.objects.get_or_create(name=item["vendor"])
    fields = ("title", "cve_ids", "products", "severity", "summary", "remediation")
    return {**{name: item[name] for name in fields}, "vendors": [vendor.pk]}


def _documents(acss: User, acss2: User) -> int:
    created = 0
    for item in BULLETINS:
        bulletin = Bulletin.objects.filter(title=item["title"]).first()
        if bulletin is None:
            _backdate(
                _publish(DocumentKind.BULLETIN, _bulletin_values(item), acss, acss2),
                item["days_ago"],
            )
            bulletin = Bulletin.objects.get(title=item["title"])
            created += 1
        if (
            "v2" in item
            and bulletin.version < 2
            and not bulletin.revisions.filter(state__in=["draft", "in_review"]).exists()
        ):
            changes = {k: v for k, v in item["v2"].items() if k != "days_ago"}
            version = _new_version(DocumentKind.BULLETIN, bulletin, changes, acss2, acss)
            _backdate(version, item["v2"]["days_ago"])
    if not Revision.objects.filter(title=IN_REVIEW["title"]).exists():
        draft = services.revision_create(
            kind=DocumentKind.BULLETIN, by=acss, values=_bulletin_values(IN_REVIEW)
        )
        services.revision_submit(revision=draft, by=acss, seq=None)
        created += 1
    for sheet in SHEETS:
        row = ReflexSheet.objects.filter(title=sheet["title"]).first()
        if row is None:
            values = {name: sheet[name] for name in ("title", "audience", "structure_kind", "body")}
            values["incident_type"] = IncidentType.objects.get(code=sheet["incident_type"]).pk
            _backdate(_publish(DocumentKind.REFLEX_SHEET, values, acss, acss2), sheet["days_ago"])
            row = ReflexSheet.objects.get(title=sheet["title"])
            created += 1
        if (
            "v2" in sheet
            and row.version < 2
            and not row.revisions.filter(state__in=["draft", "in_review"]).exists()
        ):
            changes = {k: v for k, v in sheet["v2"].items() if k != "days_ago"}
            version = _new_version(DocumentKind.REFLEX_SHEET, row, changes, acss2, acss)
            _backdate(version, sheet["v2"]["days_ago"])
    if not Guide.objects.filter(title=GUIDE["title"]).exists():
        values = {name: GUIDE[name] for name in ("title", "kind", "summary", "body")}
        _backdate(_publish(DocumentKind.GUIDE, values, acss, acss2), GUIDE["days_ago"])
        created += 1
    providers = Revision.objects.filter(kind=DocumentKind.PROVIDERS)
    if not providers.exists():
        draft = services.revision_start(kind=DocumentKind.PROVIDERS, by=acss)
        for entry in PROVIDERS:
            draft = services.provider_entry_save(revision=draft, by=acss, values=entry, seq=None)
        draft = services.revision_submit(revision=draft, by=acss, seq=None)
        _backdate(services.revision_publish(revision=draft, by=acss2, seq=None), 30)
        created += 1
    if (
        not providers.filter(number__gt=1).exists()
        and not providers.filter(state__in=["draft", "in_review"]).exists()
    ):
        draft = services.revision_start(kind=DocumentKind.PROVIDERS, by=acss2)
        services.provider_entry_save(revision=draft, by=acss2, values=PROVIDER_DRAFT, seq=None)
    return created


@transaction.atomic
def demo_portal_load() -> int:
    """Create the missing demo items; returns how many were created."""
    from vigie.directory.demo import DEMO_DOMAIN

    analysts = {
        user.email.split("@")[0]: user
        for user in User.objects.filter(email__in=[f"acss@{DEMO_DOMAIN}", f"acss2@{DEMO_DOMAIN}"])
    }
    if len(analysts) < 2:
        return 0  # the demo accounts (directory.demo) are not loaded
    created = _documents(analysts["acss"], analysts["acss2"])
    created += _demo_retex()
    return created


ARCHIVE_KEY = "demo-retex-hameconnage-archive"


def _demo_retex() -> int:
    """An archived phishing incident (two months ago) taken through the whole workflow:
    qualified, support ended, agreed, closed, RETEX written, shared, anonymised, reviewed
    and published. The other demo cases are left as the declarations demo set them."""
    from vigie.cases import services as case_services
    from vigie.cases.models import Case, CaseStatus, Party
    from vigie.declarations.models import Declaration, DeclarationSource
    from vigie.declarations.services import declaration_file
    from vigie.directory.demo import DEMO_DOMAIN
    from vigie.directory.finess import with_check_key
    from vigie.directory.models import Structure
    from vigie.retex import services
    from vigie.retex.models import RETEX_FIELDS, AnonymisedRetex

    if AnonymisedRetex.objects.filter(retex__case__declaration__external_id=ARCHIVE_KEY).exists():
        return 0

    def user(key: str) -> User:
        return User.objects.get(email=f"{key}@{DEMO_DOMAIN}")

    if not User.objects.filter(email=f"acss@{DEMO_DOMAIN}").exists():
        return 0  # the demo accounts (directory.demo) are not loaded
    acss, declarant = user("acss"), user("declarant")
    at = timezone.now() - timedelta(days=60)
    try:
        with transaction.atomic():
            declaration = Declaration.objects.filter(external_id=ARCHIVE_KEY).first()
            if declaration is None:
                declaration, _created = declaration_file(
                    structure=Structure.objects.get(finess=with_check_key("69000001")),
                    by=declarant,
                    values={
                        "declarant_name": declarant.get_full_name(),
                        "declarant_function": declarant.job_title,
                        "declarant_email": declarant.email,
                        "declarant_phone": declarant.phone or "01 02 03 04 05",
                        "detected_at": at - timedelta(minutes=40),
                        "incident_type": IncidentType.objects.get(code="phishing"),
                        "systems_affected": ["messaging"],
                        "care_impact": "none",
                        "data_confidentiality": True,
                        "malicious": "yes",
                        "can_handle_alone": "yes",
                        "description": "Courriels imitant la DGFiP ; identifiants saisis.",
                        "tlp": "green",
                    },
                    external_id=ARCHIVE_KEY,
                    source=DeclarationSource.WEB,
                    at=at,
                )
            case = Case.objects.get(declaration=declaration)
            if case.status == CaseStatus.AWAITING_QUALIFICATION:
                case = case_services.case_qualify(
                    case=case,
                    by=acss,
                    version=None,
                    criticity="serious",
                    outcomes=["b2"],
                    note="Comptes de messagerie compromis, sans impact sanitaire.",
                )
            if case.status == CaseStatus.TO_PROCESS:
                case = case_services.case_end_support(case=case, by=acss, version=None)
            if case.status == CaseStatus.TO_CLOSE:
                by_party = {
                    Party.CELL: acss,
                    Party.ARS: user("ars-ara"),
                    Party.HFDS: user("hfds"),
                    Party.STRUCTURE: declarant,
                }
                for party in case_services.missing_agreements(case):
                    case_services.case_agree(
                        case=case, by=by_party[Party(party)], party=party, opinion="useful"
                    )
                case = case_services.case_close(
                    case=case,
                    by=acss,
                    version=None,
                    synthesis="Comptes réinitialisés, domaine bloqué, agents sensibilisés.",
                )
            retex = services.retex_write(case=case, by=acss, **RETEX_TEXT)
            if not retex.is_shared:
                retex = services.retex_share(retex=retex, by=acss)
            publication = services.anonymised_retex_prepare(retex=retex, by=acss)
            services.anonymised_retex_publish(
                publication=publication,
                by=acss,
                reviewed=True,
                title="Hameçonnage ciblant la messagerie d’un centre hospitalier",
                **{name: getattr(publication, name) for name in RETEX_FIELDS},
            )
    except Exception:  # the demo must load even if the case workflow changes
        logger.exception("Demo RETEX not published")
        return 0
    return 1
