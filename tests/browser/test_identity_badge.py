"""In a real browser: a trader whose page carries the exchange's signed identity shows as
verified on the queue card and in the packet; an unverified trader asking for 2FA help
gets the agent a warning, and the first reply needs an explicit confirmation."""

from __future__ import annotations

import json
import time

import pytest

from bot.identity.service import SECRET_ENV
from bot.identity.tokens import sign
from tests.browser.conftest import agent_login, say_in_widget, shot, wait_until

pytestmark = pytest.mark.browser
SECRET = "browser identity secret of forty chars.."


@pytest.fixture(autouse=True)
def _identity_secret(monkeypatch):  # type: ignore[no-untyped-def]
    # Set before the live server starts: it inherits the environment.
    monkeypatch.setenv(SECRET_ENV, SECRET)


def _signed_page(context, uid, email, lifetime=3600):  # type: ignore[no-untyped-def]
    """The exchange's page, logged in: its identity set before widget.js runs."""
    expires = int(time.time()) + lifetime
    identity = {"uid": uid, "email": email, "expires": expires,
                "signature": sign(SECRET.encode(), uid, email, expires)}
    context.add_init_script(f"window.supportbotIdentity = {json.dumps(identity)};")


def _errors(page, found):  # type: ignore[no-untyped-def]
    page.on("pageerror", lambda error: found.append(f"{page.url}: {error}"))
    return page


def test_verified_badge_and_the_unverified_warning(browser, server):  # type: ignore[no-untyped-def]
    problems: list[str] = []
    verified = browser.new_context(locale="en-US")
    _signed_page(verified, "U8800123", "mei.trader@example.com")
    verified.on("page", lambda page: _errors(page, problems))
    say_in_widget(verified, server, "I want to talk to a human",
                  ".sb-msg[data-kind=handoff_notice]")

    # A page left open too long: its token expired. Refused, the widget opens the
    # conversation without it and the trader is helped, unverified.
    anonymous = browser.new_context(locale="en-US")
    _signed_page(anonymous, "U8800999", "late@example.com", lifetime=-3600)
    anonymous.on("page", lambda page: _errors(page, problems))
    widget = say_in_widget(anonymous, server, "I lost my phone, please reset my 2FA",
                           ".sb-msg.sb-bot")
    widget.click(".sb-human")
    widget.wait_for_selector(".sb-msg[data-kind=handoff_notice]")

    agent = browser.new_context(viewport={"width": 1400, "height": 900})
    agent.on("page", lambda page: _errors(page, problems))
    console = agent_login(agent, server)
    wait_until(console, "document.querySelectorAll('#queue li .idbadge').length === 2")
    good = console.locator("#queue li", has=console.locator(".idbadge.verified"))
    bad = console.locator("#queue li", has=console.locator(".idbadge.unverified"))
    assert good.count() == 1 and bad.count() == 1
    # Mei's first language is Chinese: the console speaks it (WORDS, 12 languages).
    assert good.locator(".idbadge").inner_text() == "\u2714 已验证"  # verified
    assert bad.locator(".idbadge").inner_text() == "未验证"  # unverified

    # The unverified trader's 2FA case: warned, and the first reply waits for a click.
    bad.locator("button.claim").click()
    console.wait_for_selector("#packet .idbadge.unverified")
    warning = console.wait_for_selector("#identity-warning:not([hidden])")
    assert "身份未验证——请勿更改账户设置" in warning.inner_text()  # identity not verified
    console.fill("#reply", "Let me look into your 2FA reset.")
    console.click("#send")
    console.wait_for_selector("#identity-confirm:not([hidden])")
    assert "未经验证" in console.inner_text("#conv-error")  # confirm first: not verified
    time.sleep(1.0)
    assert console.locator("#transcript li.agent").count() == 0  # nothing sent yet
    shot(console, "console-verified-badge.png")
    console.click("#identity-confirm")
    console.wait_for_selector("#transcript li.agent")
    widget.wait_for_selector(".sb-msg.sb-agent")
    console.fill("#reply", "Please log in and open the chat from your account page.")
    console.click("#send")  # once confirmed, replies go straight out
    wait_until(console, "document.querySelectorAll('#transcript li.agent').length === 2")
    assert console.is_hidden("#identity-confirm")

    # The verified trader's case: the badge with the account, no warning.
    good.locator("button.claim").click()
    console.wait_for_selector("#packet .idbadge.verified")
    packet = console.inner_text("#packet")
    assert "UID U8800123" in packet and "mei.trader@example.com" in packet
    assert "通过 widget 验证" in packet  # verified via widget
    assert console.is_hidden("#identity-warning")
    assert problems == []
    for context in (verified, anonymous, agent):
        context.close()
