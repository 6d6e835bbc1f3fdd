"""Demo content of the portal: bulletins, reflex sheets, a guide, a provider and one
anonymised RETEX, the latter through the real workflow (close, write, share, anonymise,
review, publish). Idempotent."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from vigie.declarations.models import IncidentType
from vigie.directory.models import User, Vendor
from vigie.portal.models import Bulletin, Guide, ProviderListEntry, ReflexSheet

logger = logging.getLogger(__name__)

BULLETINS: list[dict[str, Any]] = [
    {
        "slug": "citrix-netscaler-cve-2023-4966",
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
        "slug": "fortios-ssl-vpn-cve-2024-21762",
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
    },
]

SHEETS: list[dict[str, Any]] = [
    {
        "slug": "rancongiciel-premiers-reflexes",
        "title": "Rançongiciel : les premiers réflexes",
        "incident_type": "ransomware",
        "audience": "non_specialist",
        "body": (
            "1. Débranchez le câble réseau du poste touché ; ne l’éteignez pas.\n"
            "2. Prévenez immédiatement le service informatique et votre encadrement.\n"
            "3. Ne payez pas de rançon et ne contactez pas les attaquants.\n"
            "4. Notez l’heure et ce que vous avez vu à l’écran."
        ),
    },
    {
        "slug": "rancongiciel-equipe-informatique",
        "title": "Rançongiciel : confinement par l’équipe informatique",
        "incident_type": "ransomware",
        "audience": "it_team",
        "body": (
            "Isoler les segments touchés, couper les accès VPN et les flux vers Internet, "
            "préserver les journaux, vérifier l’intégrité des sauvegardes hors ligne, "
            "déclarer l’incident sur Vigie et demander l’appui de la cellule ACSS."
        ),
    },
]

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


@transaction.atomic
def demo_portal_load() -> int:
    """Create the missing demo items; returns how many were created."""
    created = 0
    now = timezone.now()
    for item in BULLETINS:
        if Bulletin.objects.filter(slug=item["slug"]).exists():
            continue
        vendor, _ = Vendor.objects.get_or_create(name=item["vendor"])
        bulletin = Bulletin.objects.create(
            slug=item["slug"],
            title=item["title"],
            cve_ids=item["cve_ids"],
            products=item["products"],
            severity=item["severity"],
            summary=item["summary"],
            remediation=item["remediation"],
            state="published",
            published_at=now - timedelta(days=int(item["days_ago"])),
        )
        bulletin.vendors.add(vendor)
        created += 1
    for sheet in SHEETS:
        if ReflexSheet.objects.filter(slug=sheet["slug"]).exists():
            continue
        ReflexSheet.objects.create(
            slug=sheet["slug"],
            title=sheet["title"],
            incident_type=IncidentType.objects.get(code=sheet["incident_type"]),
            audience=sheet["audience"],
            body=sheet["body"],
            state="published",
        )
        created += 1
    if not Guide.objects.filter(slug="guide-plan-continuite").exists():
        Guide.objects.create(
            slug="guide-plan-continuite",
            title="Préparer le fonctionnement en mode dégradé",
            summary="Organiser la continuité des soins quand le système d’information s’arrête.",
            body=(
                "Identifier les processus critiques, tenir à jour des procédures papier, "
                "exercer les équipes deux fois par an et prévoir l’impression des plannings."
            ),
            state="published",
        )
        created += 1
    if not ProviderListEntry.objects.filter(
        name="Prestataire de réponse à incident (exemple)"
    ).exists():
        ProviderListEntry.objects.create(
            name="Prestataire de réponse à incident (exemple)",
            services="Réponse à incident, investigation numérique, reconstruction.",
            qualification="PRIS",
            regions="France entière",
            state="published",
        )
        created += 1
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
