"""Reference data (référentiel) and people: regions, départements, structures, roles."""

from __future__ import annotations

from typing import Any, ClassVar

import pghistory
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Collate, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigie.core import roles
from vigie.core.scoping import ScopedQuerySet
from vigie.directory.finess import format_finess, validate_finess


class Region(models.Model):
    """One of the 18 French regions, with its regional health agency (ARS)."""

    code = models.CharField(_("INSEE code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    ars_name = models.CharField(_("regional health agency"), max_length=150)
    ssi_mailbox = models.EmailField(_("ARS SSI mailbox"))
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    is_overseas = models.BooleanField(_("overseas"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Departement(models.Model):
    """A département, or an overseas collectivity covered by an ARS (977, 978)."""

    code = models.CharField(_("code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="departements", verbose_name=_("region")
    )
    is_collectivity = models.BooleanField(_("collectivity"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["code"]
        verbose_name = _("département")
        verbose_name_plural = _("départements")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StructureKind(models.TextChoices):
    HEALTH_FACILITY = "health_facility", _("Health facility")
    MILITARY_HOSPITAL = "military_hospital", _("Military hospital")
    BIOLOGY_LAB = "biology_lab", _("Medical biology laboratory")
    RADIOTHERAPY = "radiotherapy", _("Radiotherapy centre")
    IMAGING = "imaging", _("Imaging / radiology centre")
    OTHER = "other", _("Other")


class Nis2Category(models.TextChoices):
    ESSENTIAL = "essential", _("Essential entity")
    IMPORTANT = "important", _("Important entity")
    NONE = "none", _("Not subject")


class Vendor(models.Model):
    """A software or hardware vendor (éditeur) with its security contact."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    security_contact = models.EmailField(_("security contact"), blank=True)
    website = models.URLField(_("website"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")

    def __str__(self) -> str:
        return self.name


class LegalEntity(models.Model):
    """FINESS juridique (EJ): the legal entity owning one or more sites."""

    finess = models.CharField(
        _("FINESS EJ number"), max_length=9, unique=True, validators=[validate_finess]
    )
    name = models.CharField(_("name"), max_length=255)
    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, related_name="+", verbose_name=_("département")
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("legal entity")
        verbose_name_plural = _("legal entities")

    def __str__(self) -> str:
        return f"{self.name} ({format_finess(self.finess)})"


@pghistory.track()
class Structure(models.Model):
    """A health structure site (FINESS ET), the unit that declares incidents."""

    finess = models.CharField(
        _("FINESS ET number"), max_length=9, unique=True, validators=[validate_finess]
    )
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("type"), max_length=32, choices=StructureKind.choices)
    legal_entity = models.ForeignKey(
        LegalEntity,
        on_delete=models.PROTECT,
        related_name="sites",
        verbose_name=_("legal entity"),
        null=True,
        blank=True,
    )
    departement = models.ForeignKey(
        Departement,
        on_delete=models.PROTECT,
        related_name="structures",
        verbose_name=_("département"),
    )
    town = models.CharField(_("town"), max_length=120, blank=True)
    finess_category = models.CharField(_("FINESS category code"), max_length=4, blank=True)
    is_oiv = models.BooleanField(_("OIV"), default=False)
    is_siiv = models.BooleanField(_("SIIV"), default=False)
    nis2_category = models.CharField(
        _("NIS2 category"), max_length=16, choices=Nis2Category.choices, default=Nis2Category.NONE
    )
    ssi_mailbox = models.EmailField(_("SSI functional mailbox"), blank=True)
    director = models.ForeignKey(
        "User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="directed_structures",
        verbose_name=_("director"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        indexes: ClassVar = [
            models.Index(fields=["departement", "kind"]),
            # A region's active structures, read from these indexes alone rather than by
            # scanning every structure of the country: the action plan's regional figures
            # (vigie/actionplan/figures.py) count them by type and read a page of them by
            # name département by département (the first of each in the database's order),
            # and the first by name as Python orders them (code points: "C").
            models.Index(
                fields=["departement", "name", "id"],
                include=["finess", "kind", "town"],
                condition=Q(is_active=True),
                name="structure_active_name",
            ),
            models.Index(
                F("departement"),
                Collate("name", "C"),
                F("id"),
                include=["finess", "kind", "town"],
                condition=Q(is_active=True),
                name="structure_active_name_c",
            ),
            # The case queue's search: a substring of the name, in any case (icontains
            # compares UPPER(name), hence the expression), found from trigrams.
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="structure_name_trgm"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({format_finess(self.finess)})"

    @property
    def is_military(self) -> bool:
        return self.kind == StructureKind.MILITARY_HOSPITAL

    @property
    def region(self) -> Region:
        return self.departement.region

    @property
    def finess_display(self) -> str:
        return format_finess(self.finess)


class UserManager(BaseUserManager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


# Who changed an account's address or its admin flags, and when (never the password hash:
# only these fields are copied, and only their changes make an event).
@pghistory.track(
    fields=["email", "is_active", "is_staff", "is_superuser"],
    obj_field=pghistory.ObjForeignKey(related_name="events"),
    model_name="UserEvent",
)
class User(AbstractUser):
    """A person with an account. Logs in by e-mail; rights come from memberships."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    job_title = models.CharField(_("function"), max_length=150, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        ordering: ClassVar = ["last_name", "first_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} <{self.email}>" if full else self.email


# The roles live in core.roles (an enum importable without models); named here too.
Role = roles.Role
STRUCTURE_ROLES = roles.STRUCTURE_ROLES
REGIONAL_ROLES = roles.REGIONAL_ROLES
NATIONAL_ROLES = roles.NATIONAL_ROLES
SERVICE_ROLES = roles.SERVICE_ROLES
STAFF_ROLES = roles.STAFF_ROLES


class MembershipQuerySet(ScopedQuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        now = timezone.now()
        return self.filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=now), starts_at__lte=now)


@pghistory.track()
class Membership(models.Model):
    """A role held by a user, bound to a structure, a region or a vendor as the role needs.

    A declarant membership is the director's dated, revocable delegation.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    structure = models.ForeignKey(
        Structure,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("structure"),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("region"),
    )
    vendor = models.ForeignKey(
        Vendor,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("vendor"),
    )
    starts_at = models.DateTimeField(_("valid from"), default=timezone.now)
    granted_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revocation_reason = models.CharField(_("revocation reason"), max_length=255, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["user", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints: ClassVar = [
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    Q(
                        role__in=sorted(r.value for r in STRUCTURE_ROLES),
                        structure__isnull=False,
                        region__isnull=True,
                        vendor__isnull=True,
                    )
                    | Q(
                        role__in=sorted(r.value for r in REGIONAL_ROLES),
                        structure__isnull=True,
                        region__isnull=False,
                        vendor__isnull=True,
                    )
                    | Q(
                        role=Role.VENDOR_CONTACT.value,
                        structure__isnull=True,
                        region__isnull=True,
                        vendor__isnull=False,
                    )
                    | Q(
                        role__in=sorted(r.value for r in NATIONAL_ROLES | SERVICE_ROLES),
                        structure__isnull=True,
                        region__isnull=True,
                        vendor__isnull=True,
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "structure", "region", "vendor"],
                condition=Q(revoked_at__isnull=True),
                nulls_distinct=False,
                name="membership_unique_active",
            ),
        ]

    def __str__(self) -> str:
        target = self.structure or self.region or self.vendor
        label = self.get_role_display()
        return f"{self.user} — {label}" + (f" ({target})" if target else "")

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.starts_at <= now and (self.revoked_at is None or self.revoked_at > now)


# How long a designation waits for the designated person to accept it.
INVITATION_VALIDITY_DAYS = 7
INVITATION_TOKEN_SALT = "vigie.directory.invitation"


@pghistory.track()
class Invitation(models.Model):
    """A director's designation of a declarant, waiting for the person to accept it.

    The delegation (a Membership) exists only once the person follows the signed link
    e-mailed to the address and accepts from that address's account: owning the mailbox,
    not typing an address into an account, is what counts.
    """

    structure = models.ForeignKey(
        Structure,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("structure"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.DECLARANT)
    # The address and the identity as the director typed them (never an account's).
    email = models.EmailField(_("e-mail address"))
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    job_title = models.CharField(_("function"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    invited_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("designated by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    membership = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("delegation"),
    )
    # Replaced by a newer invitation to the same address for the same structure.
    cancelled_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes: ClassVar = [models.Index(fields=["structure", "email"])]

    def __str__(self) -> str:
        return f"{self.email} → {self.structure}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.cancelled_at is None and not self.is_expired
