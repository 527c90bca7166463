"""A trader's account links forgotten when their data is erased (bot.privacy decides;
this package owns `identity_links` and `link_codes`)."""

from __future__ import annotations

from sqlalchemy import Connection, and_, delete, or_

from bot.storage.schema import identity_links, link_codes


def forget(connection: Connection, uid: str | None, chats: list[tuple[str, str]]) -> int:
    """Delete the links of this exchange UID and of these (channel, channel key) chats, and
    the UID's link codes (hashes, but tied to the account); how many links went."""
    conditions = [and_(identity_links.c.channel == channel, identity_links.c.channel_key == key)
                  for channel, key in chats]
    if uid is not None:
        conditions.append(identity_links.c.uid == uid)
        connection.execute(delete(link_codes).where(link_codes.c.uid == uid))
    if not conditions:
        return 0
    return int(connection.execute(delete(identity_links).where(or_(*conditions))).rowcount)
