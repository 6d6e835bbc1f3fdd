"""Every API error is JSON with a ``detail``; validation errors add ``errors`` by field.

Installed project-wide as REST_FRAMEWORK["EXCEPTION_HANDLER"].
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler, set_rollback

from vigie.core.unavailable import RETRY_AFTER_SECONDS, database_unavailable, unavailable_detail

logger = logging.getLogger("vigie.api")


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def _messages(value: Any, prefix: str = "") -> list[str]:
    """Flatten DRF's nested error structures (list items, nested objects) into strings."""
    if isinstance(value, Mapping):
        found: list[str] = []
        for key, item in value.items():
            found += _messages(item, prefix=f"{prefix}{key}: " if isinstance(key, str) else prefix)
        return found
    if isinstance(value, Iterable) and not isinstance(value, str):
        return [message for item in value for message in _messages(item, prefix)]
    return [f"{prefix}{value}"]


def field_errors(detail: Any) -> dict[str, list[str]]:
    """``{"field": ["message", …]}`` from any ValidationError detail."""
    if not isinstance(detail, Mapping):
        detail = {api_settings.NON_FIELD_ERRORS_KEY: detail}
    return {str(field): _messages(value) for field, value in detail.items()}


def validation_response(errors: Mapping[str, list[str]]) -> Response:
    names = [name for name in errors if name != api_settings.NON_FIELD_ERRORS_KEY]
    if names:
        detail = _("Invalid data in: %(fields)s.") % {"fields": ", ".join(names)}
    else:
        detail = " ".join(message for messages in errors.values() for message in messages)
    return Response({"detail": detail, "errors": dict(errors)}, status=400)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(_("The request body is too large."))
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError(_("The request could not be read."))

    if isinstance(exc, exceptions.ValidationError):
        set_rollback()
        return validation_response(field_errors(exc.detail))

    if database_unavailable(exc):
        set_rollback()
        return Response(
            {"detail": unavailable_detail()},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    response = exception_handler(exc, context)
    if response is None:
        # Anything unforeseen: logged with its traceback, answered in JSON all the same.
        set_rollback()
        logger.exception("Unhandled API error", exc_info=exc)
        return Response(
            {"detail": _("An internal error occurred; it has been logged.")},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if not isinstance(response.data, dict) or "detail" not in response.data:
        response.data = {"detail": response.data}
    return response
