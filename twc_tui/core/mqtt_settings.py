"""The ``[mqtt]`` settings: which broker the hub publishes to, as whom, under which topics.

A password never sits in the config file or on a command line (both end up in shells'
history, backups and ``ps``): it is read from ``password_file`` or ``TWC_MQTT_PASSWORD`` when
the bridge starts. Checks raise ``ValueError`` with one line; core/config.py adds the file and
line, the command line adds the flag.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from twc_tui.core.targets import check_host

PASSWORD_ENV = "TWC_MQTT_PASSWORD"
SCHEMES = {"mqtt": 1883, "mqtts": 8883}
_TOPIC_BAD = re.compile(r"[+#\x00-\x1f\x7f-\x9f]")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


@dataclass(frozen=True)
class MqttSettings:
    """Where and how the hub publishes."""

    url: str
    """``mqtt://HOST[:PORT]`` or ``mqtts://HOST[:PORT]`` (TLS)."""
    username: str | None = None
    password_file: str | None = None
    base_topic: str = "twc"
    discovery_prefix: str = "homeassistant"
    client_id: str | None = None
    """Default: ``twc-tui-<this host's name>``, stable across restarts so the broker can
    replace a dead session of ours instead of keeping two."""

    @property
    def tls(self) -> bool:
        return urlsplit(self.url).scheme == "mqtts"

    @property
    def host(self) -> str:
        return check_url(self.url)[1]

    @property
    def port(self) -> int:
        return check_url(self.url)[2]

    @property
    def identifier(self) -> str:
        if self.client_id:
            return self.client_id
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", socket.gethostname())[:40] or "hub"
        return f"twc-tui-{name}"

    def password(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The password from ``password_file`` (first line) or the environment; raises
        ``ValueError`` when the file cannot be read."""
        env = os.environ if environ is None else environ
        if self.password_file:
            path = Path(self.password_file).expanduser()
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                why = getattr(error, "strerror", None) or error
                raise ValueError(f"cannot read the MQTT password file {path}: {why}") from None
            lines = text.splitlines()
            return lines[0] if lines else ""
        return env.get(PASSWORD_ENV)


def check_url(value: Any) -> tuple[bool, str, int]:
    """``(tls, host, port)`` of a broker URL, or ``ValueError``."""
    if not isinstance(value, str):
        raise ValueError("expected a string like mqtt://HOST:PORT")
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        raise ValueError(f"not a broker URL: {value!r}") from None
    if parts.scheme not in SCHEMES:
        raise ValueError(f"the broker URL must start with mqtt:// or mqtts://, not {value!r}")
    if parts.username is not None or parts.password is not None:
        raise ValueError("no user name or password in the broker URL: use username, and "
                         f"password_file or {PASSWORD_ENV}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"the broker URL takes only a host and a port: {value!r}")
    if not parts.hostname:
        raise ValueError(f"no host in the broker URL {value!r}")
    if port == 0:
        raise ValueError("the broker port must be between 1 and 65535")
    return parts.scheme == "mqtts", check_host(parts.hostname), port or SCHEMES[parts.scheme]


def check_topic(value: Any) -> str:
    """A topic prefix we may publish under: levels of printable text, no wildcards."""
    if not isinstance(value, str):
        raise ValueError("expected a string")
    if not value or len(value) > 128:
        raise ValueError("must be 1 to 128 characters")
    if _TOPIC_BAD.search(value):
        raise ValueError(f"no +, # or control characters in a topic: {value!r}")
    if value.startswith("/") or value.endswith("/") or "//" in value:
        raise ValueError(f"no empty topic levels: {value!r}")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value or _TOPIC_BAD.search(value):
        raise ValueError("expected a non-empty string without control characters")
    return value


def _client_id(value: Any) -> str:
    if not isinstance(value, str) or not _CLIENT_ID.match(value):
        raise ValueError("expected 1 to 64 letters, digits, or _ . : -")
    return value


def _no_password(value: Any) -> str:
    raise ValueError(f"a password never goes in the config file: use password_file or "
                     f"the {PASSWORD_ENV} environment variable")


def _url(value: Any) -> str:
    check_url(value)
    return str(value).strip()


MQTT_KEYS = {
    "url": _url, "username": _text, "password_file": _text, "password": _no_password,
    "base_topic": check_topic, "discovery_prefix": check_topic, "client_id": _client_id,
}  # fmt: skip
"""The keys of ``[mqtt]`` and their checks (``password`` only to say where it goes)."""


def mqtt_settings(values: Mapping[str, Any]) -> MqttSettings:
    """The settings from already-checked ``[mqtt]`` keys; ``url`` is required."""
    if "url" not in values:
        raise ValueError("missing key url (e.g. url = \"mqtt://192.168.1.10:1883\")")
    return MqttSettings(**values)
