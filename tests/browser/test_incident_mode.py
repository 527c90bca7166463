"""In a real browser: an incident declared from the command line shows as a banner in the
widget (Japanese, phone width) and in the console, where the cases about it fold into one
group card beside a P1 that stays apart; a supervisor ends it from the console."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.incidents.templates import read_templates
from bot.taxonomy import SUPPORTED_LANGUAGES
from tests.browser.conftest import PASSWORD, agent_login, shot, wait_until
from tests.server.live_server import ROOT

pytestmark = pytest.mark.browser
BANNER = read_templates(ROOT / "responses" / "incidents.yml",
                        SUPPORTED_LANGUAGES)["withdrawals_delayed"].banner


def _cli(config: Path, *args: str) -> None:
    env = {**os.environ, "SUPPORTBOT_AGENT_PASSWORD": PASSWORD, "SUPPORTBOT_DATABASE_URL": ""}
    subprocess.run([sys.executable, "-m", "bot", "--config", str(config), *args], cwd=ROOT,
                   env=env, check=True, capture_output=True)


def _trader(base: str, locale: str, *texts: str) -> dict:  # type: ignore[type-arg]
    """A trader through the HTTP API (quicker than a page; the widget is tested below)."""
    opened = httpx.post(f"{base}/api/v1/conversations", json={"channel": "web"})
    conversation = opened.json()["id"]
    turn: dict = {}  # type: ignore[type-arg]
    for text in texts:
        response = httpx.post(f"{base}/api/v1/conversations/{conversation}/messages",
                              json={"text": text, "locale": locale}, timeout=60)
        assert response.status_code == 200, response.text
        turn = response.json()
    return turn


def test_incident_banner_in_widget_and_console(browser, server, data_dir):  # type: ignore[no-untyped-def]
    config = data_dir / "config.yml"
    _cli(config, "agent", "add", "sato", "--languages", "en,ja,zh", "--name", "Sato",
         "--role", "supervisor")
    _cli(config, "incident", "start", "--template", "withdrawals_delayed")
    errors: list[str] = []

    # The trader: Japanese, phone width. The banner comes from the server (within the
    # server's cache time) and is set as text.
    trader = browser.new_context(locale="ja-JP", viewport={"width": 390, "height": 844},
                                 is_mobile=True, has_touch=True)
    widget = trader.new_page()
    widget.on("pageerror", lambda error: errors.append(f"widget: {error}"))
    widget.goto(server + "/")
    widget.click(".sb-bubble")
    deadline = time.monotonic() + 10
    while widget.locator(".sb-incident:not([hidden])").count() == 0:
        assert time.monotonic() < deadline, "the widget never showed the incident banner"
        widget.reload()
        widget.click(".sb-bubble")
        widget.wait_for_timeout(800)
    assert widget.inner_text(".sb-incident").strip() == BANNER["ja"]
    widget.fill(".sb-input", "出金申請から3時間たってもまだ届きません。どうなっていますか？")
    widget.keyboard.press("Enter")
    said = widget.wait_for_selector(".sb-msg.sb-bot[data-kind=incident_banner]")
    assert said.inner_text().strip() == BANNER["ja"]
    shot(widget, "widget-incident-ja.png")
    widget.click(".sb-human")
    widget.wait_for_selector(".sb-msg[data-kind=handoff_notice]")

    # Two more traders about the incident, one about something else, and a takeover.
    for locale, text in (("en-US", "My ETH withdrawal is still pending after two hours"),
                         ("zh-CN", "提现一直在处理中，已经等了很久了")):
        assert _trader(server, locale, text, "/request_human")["handoff"]
    _trader(server, "en-US", "How long does KYC verification take?", "/request_human")
    p1 = _trader(server, "en-US", "Someone logged into my account and withdrew all my USDT. "
                                  "It was not me!")
    assert p1["handoff"]["priority"] == "P1"

    # A supervisor at the desk (signed in with the second factor, as any agent).
    agent = browser.new_context(viewport={"width": 1400, "height": 900})
    agent.on("weberror", lambda error: errors.append(f"console: {error.error}"))
    console = agent_login(agent, server, "sato")
    console.wait_for_selector("#incident:not([hidden])")
    assert "Withdrawals delayed" in console.inner_text("#incident")
    assert BANNER["en"] in console.inner_text("#incident-text")
    card = console.wait_for_selector("#queue > li.group")
    assert "Incident: Withdrawals delayed — 3 waiting" in card.inner_text()
    # The P1 is a card of its own, first, outside the group.
    first = console.query_selector("#queue > li")
    assert first is not None and "P1" in first.inner_text() and "group" not in (
        first.get_attribute("class") or "")
    assert console.locator("#queue > li.group .group-members li").count() == 3
    assert not console.is_visible("#queue > li.group .group-members")
    console.click("#queue > li.group .group-toggle")
    wait_until(console, "!document.querySelector('#queue > li.group .group-members').hidden")
    shot(console, "console-incident.png")

    console.click("#tab-dashboard")
    console.wait_for_selector("svg[data-chart=incident-spike] rect")
    console.click("#tab-queue")

    # A supervisor ends it from the console: the banner and the group go.
    console.click("#incident-end")
    console.wait_for_selector("#incident", state="hidden")
    console.wait_for_selector("#incident-form:not([hidden])")
    wait_until(console, "document.querySelectorAll('#queue > li.group').length === 0")
    time.sleep(3.5)  # the widget's server process re-reads the incident
    widget.reload()
    widget.click(".sb-bubble")
    widget.wait_for_timeout(1500)
    assert widget.locator(".sb-incident").get_attribute("hidden") is not None
    assert errors == []
    trader.close()
    agent.close()
