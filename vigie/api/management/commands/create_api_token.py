from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from vigie.api.services import api_token_create, integration_account_create
from vigie.directory.models import Role, User
from vigie.directory.services import membership_grant


class Command(BaseCommand):
    help = (
        "Issue an API token for the account E and print its key (shown only this once). "
        "With --integration, the account is the national portal's service account: it is "
        "created if needed and given the API integration role."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True, help="Account the token acts as.")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument(
            "--integration",
            action="store_true",
            help="National portal service account (created when missing).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        try:
            with transaction.atomic():
                user = User.objects.filter(email__iexact=email).first()
                if user is None:
                    if not options["integration"]:
                        raise CommandError(
                            f"No account {email}. Use --integration to create the portal's "
                            "service account."
                        )
                    user = integration_account_create(email=email, name=options["name"])
                    self.stderr.write(f"Created the integration account {email}.")
                elif options["integration"]:
                    membership_grant(user=user, role=Role.API_INTEGRATION, by=None)
                token, key = api_token_create(user=user, name=options["name"], by=None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stderr.write(
            f"Token “{token.name}” ({token.key_prefix}…) for {user.email}. "
            "The key is shown only now; keep it in a secret store:"
        )
        self.stdout.write(key)
