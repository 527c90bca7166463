"""CLI verbs for verified identity: what the exchange's backend does, from a shell
(a Telegram link code for a UID; a signed widget identity for testing and demos)."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from bot.cli import _PARSER_EXTENSIONS, command
from bot.config import Settings
from bot.errors import SupportbotError


def _add_verbs(verbs: Any) -> None:
    identity = verbs.add_parser("identity", help="verified trader identity (widget tokens, "
                                                 "Telegram link codes)")
    actions = identity.add_subparsers(dest="identity_command", required=True)
    link = actions.add_parser("link-code", help="a one-time code that links a Telegram "
                                                "account to this exchange UID (/link CODE)")
    link.add_argument("--uid", required=True)
    link.add_argument("--ttl", type=int, default=None, help="seconds (default: "
                                                            "identity.link_code_ttl_seconds)")
    sign = actions.add_parser("sign", help="print a signed widget identity (needs "
                                           "SUPPORTBOT_IDENTITY_SECRET): for tests and demos")
    sign.add_argument("--uid", required=True)
    sign.add_argument("--email", default="")
    sign.add_argument("--ttl", type=int, default=3600, help="seconds until it expires")


_PARSER_EXTENSIONS.append(_add_verbs)


@command("identity")
def _identity(args: argparse.Namespace, settings: Settings) -> int:
    from bot.identity.service import SECRET_ENV, IdentityService, read_environment
    from bot.identity.tokens import TokenRefused, sign

    if args.identity_command == "sign":
        secret, _key = read_environment()
        if secret is None:
            raise SupportbotError(f"set {SECRET_ENV} (the secret the exchange signs with)")
        expires = int(time.time()) + args.ttl
        try:
            signature = sign(secret, args.uid, args.email, expires)
        except TokenRefused as error:
            raise SupportbotError(str(error)) from None
        token = {"uid": args.uid, "email": args.email, "expires": expires,
                 "signature": signature}
        print(json.dumps(token))
        print("# on the page, before widget.js:\n"
              f"# <script>window.supportbotIdentity = {json.dumps(token)};</script>")
        return 0
    from bot.storage.database import create_database_engine, database_url, migrate

    engine = create_database_engine(database_url(settings.paths.data_dir))
    migrate(engine)
    # From a shell the operator is the exchange: no API key is needed to make a code.
    service = IdentityService(engine, settings.identity, None, None)
    try:
        code, expires_at = service.issue_link_code(args.uid, args.ttl)
    except TokenRefused as error:
        raise SupportbotError(str(error)) from None
    when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(expires_at))
    print(f"{code}\n# the trader sends /link {code} to the bot in a private Telegram chat; "
          f"valid once, until {when}")
    return 0
