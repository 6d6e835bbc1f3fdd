from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.urls import reverse

from vigie.actionplan.demo import demo_assessments_load
from vigie.alerts.demo import demo_community_load
from vigie.cases.demo import demo_cases_progress
from vigie.declarations.demo import demo_declarations_load
from vigie.directory.demo import demo_load
from vigie.directory.models import Role
from vigie.oncall.demo import demo_rota_load
from vigie.portal.demo import demo_portal_load


class Command(BaseCommand):
    help = "Create demo structures and one account per role (idempotent); prints passwords."

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = demo_load()
        rota = demo_rota_load()
        if rota:
            self.stdout.write(f"{rota} demo on-call shifts recorded (FSSI and cell).")
        created = demo_declarations_load()
        if created:
            self.stdout.write(f"{created} demo declarations submitted (e-mails under var/mail).")
        qualified = demo_cases_progress()
        if qualified:
            self.stdout.write(f"{qualified} demo cases qualified.")
        assessed = demo_assessments_load()
        if assessed:
            self.stdout.write(f"{assessed} demo action plan assessments recorded.")
        community = demo_community_load()
        if community:
            self.stdout.write(f"{community} demo alert, forum thread and vendor request created.")
        portal = demo_portal_load()
        if portal:
            self.stdout.write(f"{portal} demo portal items published.")
        setup = reverse("mfa_activate_totp")
        self.stdout.write("\nDemo accounts (passwords kept in var/demo-credentials.txt):")
        for account, email, password in accounts:
            role = Role(account.role).label if account.role else "Director (declarant)"
            self.stdout.write(f"  {email:<40} {password:<18} {role}")
        self.stdout.write(
            "\nStaff accounts (ACSS, ARS, HFDS/FSSI, DGS, ANSM, défense, administration) "
            "must set up two-factor authentication at first login: scan the QR code shown "
            f"at http://127.0.0.1:8000{setup} with an authenticator application "
            "(FreeOTP, Aegis, Google Authenticator...).\n"
        )
