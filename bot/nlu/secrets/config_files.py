"""Credentials pasted in the shape of a file: a PEM private key (an exchange's key file,
often as JSON with escaped line breaks) and values assigned to a credential's name in a
.env or config line ("BYBIT_API_SECRET=…"). Names, not cue words, say what they are."""

from __future__ import annotations

import re

from bot.nlu.secrets.keys import API_SECRET, PRIVATE_KEY, Found
from bot.nlu.secrets.passwords import PASSWORD

# A PEM private key, its line breaks real or escaped inside JSON ("\\n"), the END line
# possibly cut off by the paste: all of it, up to the END line or the end of the base64.
_PEM = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:[A-Za-z0-9+/=\s]|\\n)*"
                  r"(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:\\n)?)?")
# A credential in a config file, .env line or query string: "BYBIT_API_SECRET=…",
# "api_passphrase: …", "apiKey=…&apiSecret=…" (a query string's "&" ends the value).
_ASSIGNED = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z0-9_]*(?:SECRET|PASSPHRASE|PASSWORD|PRIVATE_?KEY|API_?KEY"
    r"|ACCESS_?KEY|TOKEN)[A-Za-z0-9_]*[ \t]*[=:][ \t]*[\"']?([^\s\"',;&]{6,200})",
    re.IGNORECASE)
# camelCase, a programmer's name: "apiSecret", "secretKey" (not "Password" opening prose).
_CAMEL = re.compile(r"[a-z][A-Z]")


def config_secrets(text: str) -> list[Found]:
    """PEM private keys and values assigned to a credential's name (.env files, JSON)."""
    found = [Found(*m.span(), PRIVATE_KEY) for m in _PEM.finditer(text)]
    for match in _ASSIGNED.finditer(text):
        name = match.group(0)[:match.start(1) - match.start()]
        in_query = text[match.start() - 1:match.start()] in ("?", "&")  # "…&secret=…"
        if "_" not in name and not name.isupper() and not _CAMEL.search(name) and (
                not in_query):
            continue  # "password: …" in prose is the password scanner's to read
        kind = API_SECRET if re.search(r"secret|key|token", name, re.IGNORECASE) else PASSWORD
        found.append(Found(*match.span(1), kind))
    return found
