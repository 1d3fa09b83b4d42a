"""The hub's token: where it comes from, and the constant-time check of a request's.

Never on the command line (other users can read a process's arguments): ``--token-file``,
else ``$TWC_HUB_TOKEN``, else ``[hub] token_file`` in the config.
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path

ENV = "TWC_HUB_TOKEN"
MAX_TOKEN_BYTES = 4096


def load_token(token_file: str | None, config_token_file: str | None = None) -> str | None:
    """The token, or None when none is configured. Raises ``ValueError`` in one line for a
    file that cannot be read or holds no token."""
    if token_file is None and os.environ.get(ENV):
        return _checked(os.environ[ENV].strip(), f"${ENV}")
    source = token_file or config_token_file
    if source is None:
        return None
    path = Path(source).expanduser()
    try:
        with path.open("rb") as handle:
            text = handle.read(MAX_TOKEN_BYTES + 1).decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read the token file {path}: "
                         f"{getattr(error, 'strerror', None) or error}") from None
    if len(text) > MAX_TOKEN_BYTES:
        raise ValueError(f"the token file {path} is too large for a token")
    return _checked(text.strip(), str(path))


def _checked(token: str, where: str) -> str:
    if not token:
        raise ValueError(f"{where} holds no token")
    if any(c.isspace() or not c.isprintable() for c in token):
        raise ValueError(f"the token in {where} must be one word of printable characters")
    return token


def authorized(header: str | None, token: str) -> bool:
    """Whether an ``Authorization`` header carries ``Bearer <token>`` (constant time)."""
    if not header:
        return False
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())
