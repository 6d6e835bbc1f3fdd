#!/usr/bin/env bash
# Install the system packages Vigie needs when they are missing (Debian/Ubuntu).
#   scripts/system-deps.sh run    PostgreSQL server, gettext, WeasyPrint's libraries
#   scripts/system-deps.sh test   the same plus Debian's chromium for browser tests and
#                                 Dovecot (IMAP) for the functional mailbox tests
set -euo pipefail
mode="${1:-run}"
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || missing+=(postgresql postgresql-contrib)
command -v psql >/dev/null || missing+=(postgresql-client)
command -v msgfmt >/dev/null || missing+=(gettext)
ldconfig -p 2>/dev/null | grep -q libpango-1.0 || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ "$mode" = "test" ]; then
  command -v chromium >/dev/null || missing+=(chromium)
  fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
  # PDF pages rendered to PNG by the screenshot scenario (e2e/test_screens.py).
  command -v pdftoppm >/dev/null || missing+=(poppler-utils)
  # The IMAP server the mailbox tests start as a non-root process (tests/inbox/dovecot.py);
  # Debian does not start the system service where policy-rc.d forbids it (containers).
  [ -x /usr/sbin/dovecot ] && [ -e /usr/lib/dovecot/imap ] || missing+=(dovecot-imapd)
  command -v openssl >/dev/null || missing+=(openssl)
  # Validates deploy/Caddyfile (tests/ops/test_deploy.py); the service is not started.
  command -v caddy >/dev/null || missing+=(caddy)
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing system packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
