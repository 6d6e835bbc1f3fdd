"""A real IMAP server for the tests: Debian's Dovecot (dovecot-imapd, installed by
`scripts/system-deps.sh test`), started with a throwaway configuration under a temporary
directory, as a non-root process (the `dovecot` system user when the tests run as root),
on free ports of 127.0.0.1: plain IMAP with STARTTLS, and IMAPS, both with a self-signed
certificate made for the run. Each test gets fresh mailboxes (new users in its passwd
file, which Dovecot re-reads when it changes)."""

from __future__ import annotations

import imaplib
import os
import pwd
import secrets
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path
from typing import Any

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Dovecot:
    def __init__(self, base: Path) -> None:
        if not Path(DOVECOT).exists():
            raise RuntimeError(
                "Dovecot is missing: run `scripts/system-deps.sh test` (dovecot-imapd)"
            )
        self.base = base
        self.port = _free_port()
        self.tls_port = _free_port()
        self.passwd = base / "passwd"
        self.cert = base / "cert.pem"
        self.process: subprocess.Popen[bytes] | None = None
        root = os.geteuid() == 0
        self.user = "dovecot" if root else pwd.getpwuid(os.geteuid()).pw_name
        self.group = "dovecot" if root else None

    def _config(self) -> str:
        account = pwd.getpwnam(self.user)
        b = self.base
        return f"""
base_dir = {b}/run
state_dir = {b}/state
log_path = {b}/dovecot.log
instance_name = vigie-test-{self.port}
protocols = imap
listen = 127.0.0.1
default_internal_user = {self.user}
default_internal_group = {self.group or account.pw_name}
default_login_user = {self.user}
first_valid_uid = 1
mail_privileged_group =
ssl = yes
ssl_cert = <{b}/cert.pem
ssl_key = <{b}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{b}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.passwd}
}}
userdb {{
  driver = static
  args = uid={account.pw_uid} gid={account.pw_gid} home={b}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {self.port}
  }}
  inet_listener imaps {{
    port = {self.tls_port}
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  chroot =
}}
"""

    def start(self) -> Dovecot:
        for sub in ("run", "state", "mail"):
            (self.base / sub).mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout", str(self.base / "key.pem"), "-out", str(self.cert),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        self.passwd.write_text("")
        (self.base / "dovecot.conf").write_text(self._config())
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", f"{self.user}:{self.group}", str(self.base)], check=True)
            self.base.chmod(0o755)
        command = [DOVECOT, "-F", "-c", str(self.base / "dovecot.conf")]
        if os.geteuid() == 0:
            command = ["runuser", "-u", self.user, "--", *command]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read() if self.process.stderr else b""
                raise RuntimeError(f"Dovecot did not start: {error.decode(errors='replace')}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("Dovecot did not listen in time")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    # --- mailboxes ---------------------------------------------------------------------

    def mailbox(self) -> tuple[str, str]:
        """A new, empty mailbox: (user, password)."""
        user = f"box-{secrets.token_hex(4)}@vigie.test"
        password = secrets.token_urlsafe(12)
        with self.passwd.open("a") as handle:
            handle.write(f"{user}:{{PLAIN}}{password}\n")
        # Dovecot rereads the passwd file when its modification time changes, to the
        # second: two mailboxes made within one second must still be seen.
        self._stamp = max(getattr(self, "_stamp", 0) + 1, int(time.time()) + 1)
        os.utime(self.passwd, (self._stamp, self._stamp))
        return user, password

    def settings(self, user: str, password: str, *, tls: str = "none") -> dict[str, Any]:
        """The VIGIE_INBOXES entry (vigie/settings.py) of a mailbox of this server."""
        return {
            "host": "127.0.0.1",
            "port": self.tls_port if tls == "ssl" else self.port,
            "tls": tls,
            "user": user,
            "password": password,
            "folder": "INBOX",
            "processed_folder": "",
            "ca_file": str(self.cert),
        }

    def client(self, user: str, password: str) -> imaplib.IMAP4:
        """A plain session of our own, to deliver messages and look at the mailbox."""
        for attempt in range(5):
            client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
            client.starttls(ssl_context=ssl.create_default_context(cafile=str(self.cert)))
            try:
                client.login(user, password)
            except imaplib.IMAP4.error:
                # A mailbox made an instant ago: Dovecot may not have reread the file.
                client.shutdown()
                if attempt == 4:
                    raise
                time.sleep(0.5)
            else:
                return client
        raise AssertionError("unreachable")
