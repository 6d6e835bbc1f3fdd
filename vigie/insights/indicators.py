"""Indicator values in canonical form, so that the same IP, domain or hash typed two ways
correlates; and their STIX 2.1 patterns."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

from vigie.insights.models import IndicatorKind

HASH_LENGTHS = {32: "MD5", 40: "SHA-1", 64: "SHA-256", 128: "SHA-512"}
CVE_RE = re.compile(r"^CVE-\d{4}-\d{4,}$")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


def _defang(value: str) -> str:
    """Analysts paste defanged indicators (hxxp, [.]): bring them back."""
    value = value.replace("[.]", ".").replace("(.)", ".").replace("[:]", ":").replace("[@]", "@")
    return re.sub(r"^hxxp", "http", value, flags=re.IGNORECASE)


def _domain(value: str) -> str:
    value = value.strip().rstrip(".").lower()
    try:
        value = value.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ValidationError(_("Enter a valid domain name.")) from error
    if not DOMAIN_RE.match(value):
        raise ValidationError(_("Enter a valid domain name."))
    return value


def normalise(kind: str, value: str) -> str:
    """Canonical form of ``value``; raises ValidationError when it is not a ``kind``."""
    raw = " ".join(_defang(value.strip()).split())
    if not raw:
        raise ValidationError(_("Enter a value."))
    if kind == IndicatorKind.IP:
        try:
            return str(ipaddress.ip_address(raw))
        except ValueError as error:
            raise ValidationError(_("Enter a valid IPv4 or IPv6 address.")) from error
    if kind == IndicatorKind.DOMAIN:
        return _domain(raw)
    if kind == IndicatorKind.URL:
        parts = urlsplit(raw)
        if parts.scheme.lower() not in ("http", "https", "ftp") or not parts.hostname:
            raise ValidationError(_("Enter a valid URL (http, https or ftp)."))
        host = _domain(parts.hostname) if not _is_ip(parts.hostname) else parts.hostname
        netloc = host if parts.port is None else f"{host}:{parts.port}"
        return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))
    if kind == IndicatorKind.HASH:
        digest = raw.lower()
        if not re.fullmatch(r"[0-9a-f]+", digest) or len(digest) not in HASH_LENGTHS:
            raise ValidationError(_("Enter an MD5, SHA-1, SHA-256 or SHA-512 hash in hexadecimal."))
        return digest
    if kind == IndicatorKind.EMAIL:
        address = raw.lower()
        EmailValidator(message=_("Enter a valid e-mail address."))(address)
        return address
    if kind == IndicatorKind.CVE:
        cve = raw.upper()
        if not CVE_RE.match(cve):
            raise ValidationError(_("Enter a CVE identifier such as CVE-2024-12345."))
        return cve
    if kind in (IndicatorKind.SOFTWARE, IndicatorKind.VENDOR):
        return normalise_name(raw)
    raise ValidationError(_("Unknown indicator kind."))


def normalise_name(value: str) -> str:
    """Software or vendor names: case and spacing do not matter."""
    return " ".join(value.casefold().split())


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def stix_pattern(kind: str, normalised: str) -> str | None:
    """STIX 2.1 pattern of an observable indicator; None for CVE, software and vendor
    (exported as vulnerability, software and identity objects instead)."""
    v = _quote(normalised)
    if kind == IndicatorKind.IP:
        family = "ipv6-addr" if ":" in normalised else "ipv4-addr"
        return f"[{family}:value = '{v}']"
    if kind == IndicatorKind.DOMAIN:
        return f"[domain-name:value = '{v}']"
    if kind == IndicatorKind.URL:
        return f"[url:value = '{v}']"
    if kind == IndicatorKind.EMAIL:
        return f"[email-addr:value = '{v}']"
    if kind == IndicatorKind.HASH:
        return f"[file:hashes.'{HASH_LENGTHS[len(normalised)]}' = '{v}']"
    return None
