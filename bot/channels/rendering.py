"""Replies as each channel shows them: one place turns the bot's markdown (what FAQ
answers and replies are written in) into a platform's format.

The subset used in our texts: **bold**, *italic* or _italic_, `code`, [label](url) and
bare URLs. Everything else is text, escaped for the platform."""

from __future__ import annotations

import html
import re

TELEGRAM_TEXT_LIMIT = 4096  # characters after entity parsing
TELEGRAM_BUTTON_TEXT = 64  # longer labels are cut with an ellipsis (Telegram trims badly)

_INLINE = re.compile(
    r"\*\*(?P<bold>[^*\n]+?)\*\*"
    r"|`(?P<code>[^`\n]+)`"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<href>https?://[^\s)]+)\)"
    r"|(?P<url>https?://[^\s<>()\"']+[^\s<>()\"'.,;:!?])"
    r"|(?<![\w*])\*(?P<em>[^*\n]+?)\*(?![\w*])"
    r"|(?<![\w_])_(?P<em2>[^_\n]+?)_(?![\w_])"
)


def telegram_html(markdown: str) -> str:
    """Our markdown as Telegram's HTML parse mode: user-visible text escaped, links
    clickable."""
    out: list[str] = []
    cursor = 0
    for match in _INLINE.finditer(markdown):
        out.append(html.escape(markdown[cursor:match.start()], quote=False))
        cursor = match.end()
        if match["bold"] is not None:
            out.append(f"<b>{html.escape(match['bold'], quote=False)}</b>")
        elif match["code"] is not None:
            out.append(f"<code>{html.escape(match['code'], quote=False)}</code>")
        elif match["label"] is not None:
            out.append(f'<a href="{html.escape(match["href"])}">'
                       f"{html.escape(match['label'], quote=False)}</a>")
        elif match["url"] is not None:
            url = match["url"]
            out.append(f'<a href="{html.escape(url)}">{html.escape(url, quote=False)}</a>')
        else:
            out.append(f"<i>{html.escape(match['em'] or match['em2'], quote=False)}</i>")
    out.append(html.escape(markdown[cursor:], quote=False))
    return "".join(out)


def split_markdown(markdown: str, limit: int = TELEGRAM_TEXT_LIMIT - 96) -> list[str]:
    """A long reply as several messages, cut between paragraphs, else lines, else words,
    never inside a word or a markup pair. The limit leaves room for the tags HTML adds."""
    parts: list[str] = []
    rest = markdown.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), 0) or max(window.rfind("\n"), 0) or max(
            window.rfind(" "), 0)
        if cut < limit // 2:
            cut = window.rfind(" ") if window.rfind(" ") > limit // 2 else limit
        piece = rest[:cut].rstrip()
        if piece.count("**") % 2:  # do not leave a bold pair open across messages
            piece = piece.rsplit("**", 1)[0].rstrip() or piece
        parts.append(piece)
        rest = rest[len(piece):].lstrip()
    if rest:
        parts.append(rest)
    return parts


def button_label(title: str, limit: int = TELEGRAM_BUTTON_TEXT) -> str:
    """A button's label shortened (not dropped) when it is long."""
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def plain_text(markdown: str) -> str:
    """Our markdown for channels that show text as it is (Rasa's callback, REST and
    socket.io channels): the marks dropped, a link's address written after its label."""
    out: list[str] = []
    cursor = 0
    for match in _INLINE.finditer(markdown):
        out.append(markdown[cursor:match.start()])
        cursor = match.end()
        if match["label"] is not None:
            out.append(f"{match['label']} ({match['href']})")
        else:
            out.append(next(group for group in (match["bold"], match["code"], match["url"],
                                                match["em"], match["em2"])
                            if group is not None))
    out.append(markdown[cursor:])
    return "".join(out)
