"""Demo data for `make run`: structures in several regions and one account per role.

Passwords are random, generated once and kept in var/demo-credentials.txt (mode 600), so
running the loader again changes nothing and no password is ever committed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from vigie.directory.finess import with_check_key
from vigie.directory.models import (
    Departement,
    LegalEntity,
    Nis2Category,
    Region,
    Role,
    Structure,
    StructureKind,
    User,
    Vendor,
)
from vigie.directory.services import membership_grant

DEMO_DOMAIN = "demo.vigie.test"


@dataclass(frozen=True)
class DemoStructure:
    key: str
    finess8: str
    name: str
    departement: str
    town: str
    kind: str
    entity: str = ""
    oiv: bool = False
    nis2: str = Nis2Category.NONE


STRUCTURES = [
    DemoStructure(
        "lyon",
        "69000001",
        "Centre hospitalier universitaire de Lyon-Sud",
        "69",
        "Pierre-Bénite",
        StructureKind.HEALTH_FACILITY,
        entity="69000000",
        oiv=True,
        nis2=Nis2Category.ESSENTIAL,
    ),
    DemoStructure(
        "lyon2",
        "69000002",
        "Hôpital de la Croix-Rousse",
        "69",
        "Lyon",
        StructureKind.HEALTH_FACILITY,
        entity="69000000",
        nis2=Nis2Category.ESSENTIAL,
    ),
    DemoStructure(
        "grenoble",
        "38000011",
        "Laboratoire de biologie médicale des Alpes",
        "38",
        "Grenoble",
        StructureKind.BIOLOGY_LAB,
        nis2=Nis2Category.IMPORTANT,
    ),
    DemoStructure(
        "paris",
        "75000021",
        "Clinique du Parc Montsouris",
        "75",
        "Paris",
        StructureKind.HEALTH_FACILITY,
    ),
    DemoStructure(
        "begin",
        "94000031",
        "Hôpital d'instruction des armées Bégin",
        "94",
        "Saint-Mandé",
        StructureKind.MILITARY_HOSPITAL,
    ),
    DemoStructure(
        "rennes",
        "35000041",
        "Centre de radiothérapie de Bretagne",
        "35",
        "Rennes",
        StructureKind.RADIOTHERAPY,
    ),
    DemoStructure(
        "ajaccio",
        "2A000051",
        "Centre d'imagerie médicale d'Ajaccio",
        "2A",
        "Ajaccio",
        StructureKind.IMAGING,
    ),
    DemoStructure(
        "reunion",
        "97040061",
        "Centre hospitalier universitaire de La Réunion",
        "974",
        "Saint-Denis",
        StructureKind.HEALTH_FACILITY,
        oiv=True,
        nis2=Nis2Category.ESSENTIAL,
    ),
]


@dataclass(frozen=True)
class DemoAccount:
    email: str
    first_name: str
    last_name: str
    job_title: str
    role: str | None
    target: str = ""  # structure key, region code or "vendor"
    director_of: str = ""


ACCOUNTS = [
    DemoAccount("directeur", "Claire", "Martin", "Directrice générale", None, director_of="lyon"),
    DemoAccount(
        "declarant", "Karim", "Benali", "Responsable de la sécurité des SI", Role.DECLARANT, "lyon"
    ),
    DemoAccount(
        "correspondant", "Sophie", "Leroy", "Correspondante SSI", Role.STRUCTURE_MEMBER, "lyon"
    ),
    DemoAccount("declarant-reunion", "Jean-Marc", "Payet", "DSI", Role.DECLARANT, "reunion"),
    DemoAccount("acss", "Nadia", "Roussel", "Analyste, cellule ACSS", Role.ACSS_ANALYST),
    # A second analyst: the portal's documents are approved by another than their author.
    DemoAccount("acss2", "Julien", "Marchand", "Analyste, cellule ACSS", Role.ACSS_ANALYST),
    DemoAccount(
        "ars-ara",
        "Thomas",
        "Girard",
        "Référent SSI, ARS Auvergne-Rhône-Alpes",
        Role.ARS_OFFICER,
        "84",
    ),
    DemoAccount(
        "ars-reunion", "Marie", "Hoarau", "Référente SSI, ARS La Réunion", Role.ARS_OFFICER, "04"
    ),
    DemoAccount("hfds", "Philippe", "Durand", "FSSI", Role.HFDS),
    DemoAccount("dgs", "Isabelle", "Moreau", "Centre opérationnel de régulation, DGS", Role.DGS),
    DemoAccount("ansm", "Luc", "Fontaine", "Matériovigilance, ANSM", Role.ANSM),
    DemoAccount(
        "defense", "Colonel", "Garnier", "Chaîne CYBER, ministère des armées", Role.DEFENCE
    ),
    DemoAccount("editeur", "Julie", "Perrin", "PSIRT, éditeur DPI", Role.VENDOR_CONTACT, "vendor"),
    DemoAccount("admin", "Alex", "Renaud", "Exploitant de la plateforme", Role.ADMINISTRATOR),
]


def _credentials_path() -> Path:
    return Path(settings.VAR_DIR) / "demo-credentials.txt"


def _load_passwords() -> dict[str, str]:
    path = _credentials_path()
    if not path.exists():
        return {}
    pairs = (line.split("\t", 1) for line in path.read_text().splitlines() if "\t" in line)
    return {email: password for email, password in pairs}


def _save_passwords(passwords: dict[str, str]) -> None:
    path = _credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{email}\t{pw}\n" for email, pw in sorted(passwords.items())))
    path.chmod(0o600)


@transaction.atomic
def demo_load() -> list[tuple[DemoAccount, str, str]]:
    """Create the demo structures and accounts; returns (account, e-mail, password)."""
    structures: dict[str, Structure] = {}
    for item in STRUCTURES:
        dep = Departement.objects.get(code=item.departement)
        entity = None
        if item.entity:
            entity, _ = LegalEntity.objects.get_or_create(
                finess=with_check_key(item.entity),
                defaults={"name": "Hospices civils de Lyon", "departement": dep},
            )
        structure, _ = Structure.objects.get_or_create(
            finess=with_check_key(item.finess8),
            defaults={
                "name": item.name,
                "kind": item.kind,
                "departement": dep,
                "town": item.town,
                "legal_entity": entity,
                "is_oiv": item.oiv,
                "nis2_category": item.nis2,
                "ssi_mailbox": f"ssi@{item.key}.{DEMO_DOMAIN}",
            },
        )
        structures[item.key] = structure
    vendor, _ = Vendor.objects.get_or_create(
        name="MédiLogiciel (démo)", defaults={"security_contact": f"psirt@{DEMO_DOMAIN}"}
    )

    passwords = _load_passwords()
    result = []
    for account in ACCOUNTS:
        email = f"{account.email}@{DEMO_DOMAIN}"
        password = passwords.get(email) or secrets.token_urlsafe(12)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=password,
                first_name=account.first_name,
                last_name=account.last_name,
                job_title=account.job_title,
            )
        elif email not in passwords or not user.check_password(password):
            # The credentials file was lost (or belongs to another database): the password
            # printed must be the one that works.
            user.set_password(password)
            user.save(update_fields=["password"])
        passwords[email] = password
        if account.director_of:
            Structure.objects.filter(pk=structures[account.director_of].pk).update(director=user)
        if account.role:
            target: dict[str, Any] = {}
            if account.role in (Role.DECLARANT, Role.STRUCTURE_MEMBER):
                target["structure"] = structures[account.target]
            elif account.role == Role.ARS_OFFICER:
                target["region"] = Region.objects.get(code=account.target)
            elif account.role == Role.VENDOR_CONTACT:
                target["vendor"] = vendor
            membership_grant(user=user, role=account.role, by=None, **target)
        result.append((account, email, password))
    _save_passwords(passwords)
    return result
