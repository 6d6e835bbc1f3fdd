"""The roles a membership grants (SPEC section 1). An enum that imports no models, so
that scoping, routing and tests can name roles before the app registry is ready;
``directory.Membership.role`` stores these values."""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class Role(TextChoices):
    DECLARANT = "declarant", _("Declarant")
    STRUCTURE_MEMBER = "structure_member", _("Structure SSI correspondent")
    ACSS_ANALYST = "acss_analyst", _("ACSS analyst")
    ARS_OFFICER = "ars_officer", _("ARS officer")
    HFDS = "hfds", _("HFDS/FSSI")
    DGS = "dgs", _("DGS")
    ANSM = "ansm", _("ANSM")
    DEFENCE = "defence", _("Defence chain (CYBER)")
    VENDOR_CONTACT = "vendor_contact", _("Vendor contact")
    ADMINISTRATOR = "administrator", _("Administrator")
    # Service account of the national reporting portal: files declarations through the API.
    API_INTEGRATION = "api_integration", _("National portal integration (API)")


STRUCTURE_ROLES = frozenset({Role.DECLARANT, Role.STRUCTURE_MEMBER})
REGIONAL_ROLES = frozenset({Role.ARS_OFFICER})
NATIONAL_ROLES = frozenset(
    {Role.ACSS_ANALYST, Role.HFDS, Role.DGS, Role.ANSM, Role.DEFENCE, Role.ADMINISTRATOR}
)
# Service accounts hold no target and never log in interactively (API tokens only).
SERVICE_ROLES = frozenset({Role.API_INTEGRATION})
# Staff roles must use multi-factor authentication.
STAFF_ROLES = frozenset(REGIONAL_ROLES | NATIONAL_ROLES)
