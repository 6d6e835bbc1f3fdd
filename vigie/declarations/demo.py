"""Demo declarations for `make run` (idempotent: keyed by a portal identifier)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from vigie.declarations.models import Declaration, DeclarationSource, IncidentType
from vigie.declarations.services import declaration_file, declaration_save, declaration_start
from vigie.directory.demo import DEMO_DOMAIN
from vigie.directory.finess import with_check_key
from vigie.directory.models import Structure, User

DEMO = [
    {
        "key": "demo-rancongiciel-lyon",
        "structure": "69000001",
        "by": "declarant",
        "hours_ago": 30,
        "values": {
            "incident_type": "ransomware",
            "systems_affected": ["servers", "workstations", "directory"],
            "software": "Serveurs de fichiers, DPI (accès dégradé)",
            "care_impact": "actual",
            "data_availability": True,
            "data_integrity": True,
            "degraded_mode": True,
            "service_downtime": True,
            "estimated_patients": 1200,
            "malicious": "yes",
            "can_handle_alone": "no",
            "help_needed": True,
            "urgent_help": True,
            "isolation_done": True,
            "containment_done": True,
            "bodies_notified": ["anssi", "police"],
            "description": (
                "Vers 1 h 40, les postes des urgences affichent une note de rançon. Les "
                "partages de fichiers et deux contrôleurs de domaine sont chiffrés. Les "
                "connexions Internet ont été coupées à 2 h 15 ; passage en mode dégradé papier."
            ),
            "tlp": "amber",
        },
        "qualify": {
            "criticity": "significant",
            "outcomes": ["b2", "b3"],
            "note": "Rançongiciel, DPI arrêté, transferts possibles : incident significatif.",
        },
    },
    {
        "key": "demo-hameconnage-lyon",
        "structure": "69000001",
        "by": "declarant",
        "hours_ago": 200,
        "values": {
            "incident_type": "phishing",
            "systems_affected": ["messaging"],
            "care_impact": "none",
            "data_confidentiality": True,
            "malicious": "yes",
            "can_handle_alone": "yes",
            "description": (
                "Campagne de courriels imitant la DGFiP ; trois agents ont saisi leurs "
                "identifiants. Mots de passe réinitialisés, règles de transfert supprimées."
            ),
            "tlp": "green",
        },
        "qualify": {
            "criticity": "serious",
            "outcomes": ["b2"],
            "note": "Comptes de messagerie compromis : incident grave, sans impact sanitaire.",
        },
    },
    {
        "key": "demo-panne-reunion",
        "structure": "97040061",
        "by": "declarant-reunion",
        "hours_ago": 75,
        "values": {
            "incident_type": "malfunction",
            "systems_affected": ["network", "business_software"],
            "health_products": ["lap"],
            "care_impact": "potential",
            "data_availability": True,
            "degraded_mode": True,
            "malicious": "no",
            "can_handle_alone": "unknown",
            "help_needed": True,
            "description": (
                "Coupure du lien réseau entre les sites nord et sud ; le logiciel d'aide à "
                "la prescription est indisponible au site sud depuis 19 h."
            ),
            "tlp": "amber",
        },
    },
]


def _user(key: str) -> User:
    return User.objects.get(email=f"{key}@{DEMO_DOMAIN}")


@transaction.atomic
def demo_declarations_load() -> int:
    """Submit the demo declarations that are missing and leave one draft; returns count."""
    created = 0
    now = timezone.now()
    for item in sorted(DEMO, key=lambda entry: -int(entry["hours_ago"])):  # type: ignore[call-overload]
        if Declaration.objects.filter(external_id=item["key"]).exists():
            continue
        by = _user(str(item["by"]))
        structure = Structure.objects.get(finess=with_check_key(str(item["structure"])))
        values: dict[str, Any] = dict(item["values"])  # type: ignore[call-overload]
        values["incident_type"] = IncidentType.objects.get(code=values["incident_type"])
        submitted_at = now - timedelta(hours=int(item["hours_ago"]))  # type: ignore[call-overload]
        values.update(
            declarant_name=by.get_full_name(),
            declarant_function=by.job_title,
            declarant_email=by.email,
            declarant_phone=by.phone or "01 02 03 04 05",
            detected_at=submitted_at - timedelta(minutes=50),
        )
        declaration_file(
            structure=structure,
            by=by,
            values=values,
            external_id=str(item["key"]),
            source=DeclarationSource.WEB,
            at=submitted_at,
        )
        created += 1
    declarant = _user("declarant")
    if not Declaration.objects.filter(created_by=declarant, status="draft").exists():
        draft = declaration_start(
            structure=Structure.objects.get(finess=with_check_key("69000001")), by=declarant
        )
        declaration_save(
            declaration=draft,
            by=declarant,
            step="identite",
            values={
                "incident_type": IncidentType.objects.get(code="account_compromise"),
                "detected_at": now - timedelta(hours=1),
            },
        )
    return created
