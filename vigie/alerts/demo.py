"""Demo alert, forum thread and vendor request for `make run` (idempotent)."""

from __future__ import annotations

from django.db import transaction

from vigie.alerts.models import Alert, RequestKind, Severity, VendorRequest
from vigie.alerts.services import alert_send, vendor_request_create
from vigie.community.models import Thread
from vigie.community.services import post_create, thread_create
from vigie.directory.demo import DEMO_DOMAIN
from vigie.directory.models import Region, StructureKind, User, Vendor

ALERT_TITLE = "Campagne d’hameçonnage visant les établissements de santé"
THREAD_TITLE = "Retour d’expérience : segmentation du réseau biomédical"
REQUEST_TITLE = "Injection SQL dans le module de prise de rendez-vous"


def _user(name: str) -> User | None:
    return User.objects.filter(email=f"{name}@{DEMO_DOMAIN}").first()


@transaction.atomic
def demo_community_load() -> int:
    """Returns how many demo objects were created."""
    created = 0
    hfds, acss, declarant = _user("hfds"), _user("acss"), _user("declarant")
    if hfds and not Alert.objects.filter(title=ALERT_TITLE).exists():
        alert_send(
            by=hfds,
            title=ALERT_TITLE,
            body=(
                "Des courriels usurpant l’identité de l’Assurance maladie invitent les agents "
                "à saisir leurs identifiants sur un faux portail. Rappelez la consigne à vos "
                "équipes et bloquez les domaines listés dans le bulletin associé."
            ),
            severity=Severity.WARNING,
            regions=Region.objects.filter(code="84"),
            structure_kinds=[StructureKind.HEALTH_FACILITY],
        )
        created += 1
    if declarant and acss and not Thread.objects.filter(title=THREAD_TITLE).exists():
        thread = thread_create(
            by=declarant,
            title=THREAD_TITLE,
            body=(
                "Nous avons isolé les équipements biomédicaux dans un VLAN dédié. "
                "Comment gérez-vous les accès de télémaintenance des fournisseurs ?"
            ),
        )
        post_create(
            thread=thread,
            by=acss,
            body=(
                "La fiche réflexe « télémaintenance » du portail détaille une approche par bastion."
            ),
        )
        created += 1
    vendor = Vendor.objects.filter(name="MédiLogiciel (démo)").first()
    if acss and vendor and not VendorRequest.objects.filter(title=REQUEST_TITLE).exists():
        vendor_request_create(
            by=acss,
            vendor=vendor,
            kind=RequestKind.PATCH,
            title=REQUEST_TITLE,
            description=(
                "Une injection SQL non authentifiée permet de lire la base des rendez-vous. "
                "Exploitée lors d’un incident déclaré ; merci d’indiquer un délai de correctif."
            ),
            product="MédiAgenda",
            affected_versions="4.2 à 4.7",
        )
        created += 1
    return created
