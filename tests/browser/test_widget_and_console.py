"""In a real browser (Debian's headless Chromium, driven by Playwright): a trader on the
demo page and an agent in the console, end to end, plus the XSS checks."""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import sys
import threading

import pytest

from tests.browser.conftest import (
    PASSWORD,
    agent_login,
    pass_second_factor_in_console,
    say_in_widget,
    shot,
    wait_until,
)
from tests.server.live_server import ROOT, free_port, live_server

pytestmark = pytest.mark.browser


def test_trader_and_agent_end_to_end(browser, server):
    user = browser.new_context(locale="zh-CN", viewport={"width": 1100, "height": 800})
    widget = user.new_page()
    widget.goto(server + "/")
    widget.get_by_role("button", name=re.compile("Open support chat|打开客服聊天")).click()
    widget.fill(".sb-input", "usdt充值两个小时了还没到账")
    widget.keyboard.press("Enter")
    answer = widget.wait_for_selector(".sb-msg.sb-bot[data-kind=faq_answer]")
    assert re.search(r"[\u4e00-\u9fff]", answer.inner_text())
    shot(widget, "widget.png")

    widget.click(".sb-human")  # the always-visible "talk to a human" control
    widget.wait_for_selector(".sb-msg[data-kind=handoff_notice]")
    wait_until(widget, "document.querySelector('.sb-status').textContent.includes('1')")

    agent = browser.new_context(viewport={"width": 1400, "height": 900})
    console = agent_login(agent, server)
    first = console.wait_for_selector("#queue li")
    assert "zh" in first.inner_text()
    # One conversation: opening the panel and the first message must not create two.
    assert len(console.query_selector_all("#queue li")) == 1
    shot(console, "console-queue.png")
    first.query_selector("button.claim").click()
    console.wait_for_selector("#packet dd")
    packet = console.inner_text("#packet")
    assert "zh" in packet and "P3" in packet and "deposit_missing" in packet
    console.wait_for_selector("#suggestions li button.insert")
    console.click("#suggestions li button.insert")
    suggested = console.input_value("#reply")
    assert re.search(r"[\u4e00-\u9fff]", suggested)
    console.click("#send")
    shot(console, "console-conversation.png")

    widget.wait_for_selector(".sb-msg.sb-agent")
    # Shown formatted: its first line without the list number and bold marks.
    first_line = re.sub(r"^\d+[.)]\s*", "", suggested.strip().splitlines()[0]).replace("**", "")
    assert first_line[:12] in widget.inner_text(".sb-msg.sb-agent .sb-text")

    # A reload in the middle of the conversation keeps the whole history.
    before = widget.locator(".sb-msg").count()
    widget.reload()
    widget.get_by_role("button", name=re.compile("Open support chat|打开客服聊天")).click()
    wait_until(widget, f"document.querySelectorAll('.sb-msg').length >= {before}")
    assert widget.locator(".sb-msg.sb-agent").count() == 1
    # The pressed "talk to a human" shows as its label, not the payload it stored, and
    # the history opens at the latest message.
    assert "/request_human" not in widget.inner_text(".sb-messages")
    assert widget.locator(".sb-msg.sb-user", has_text="转人工").count() == 1
    wait_until(widget, "(() => { const l = document.querySelector('.sb-messages');"
                        " return l.scrollTop + l.clientHeight >= l.scrollHeight - 2; })()")

    console.fill("#resolution", "explained confirmations")
    console.click("#close")
    widget.wait_for_selector(".sb-stars:not([hidden])")
    widget.click(".sb-star[data-score='4']")
    widget.wait_for_selector(".sb-stars[hidden]", state="attached")
    # Rated once: after a reload the stars do not come back.
    widget.reload()
    widget.get_by_role("button", name=re.compile("Open support chat|打开客服聊天")).click()
    widget.wait_for_selector(".sb-msg[data-kind=csat_prompt]", state="attached")
    widget.wait_for_timeout(500)
    assert widget.locator(".sb-stars").get_attribute("hidden") is not None

    console.click("#tab-dashboard")
    tile = console.wait_for_selector("[data-tile='CSAT average'] .value")
    assert tile.inner_text().startswith("4")
    shot(console, "console-dashboard.png")
    user.close()
    agent.close()


def test_user_html_is_shown_as_text_in_the_console(browser, server):
    user = browser.new_context()
    widget = user.new_page()
    widget.goto(server + "/")
    widget.click(".sb-bubble")
    payloads = ['<img src=x onerror="window.__xss=1">', "<script>window.__xss=1</script>"]
    for payload in payloads:
        widget.fill(".sb-input", payload)
        widget.keyboard.press("Enter")
    widget.fill(".sb-input", "转人工")
    widget.keyboard.press("Enter")
    widget.wait_for_selector(".sb-msg[data-kind=handoff_notice]")
    assert widget.evaluate("typeof window.__xss") == "undefined"
    assert widget.locator(".sb-msg.sb-user img").count() == 0

    agent = browser.new_context()
    console = agent_login(agent, server)
    console.wait_for_selector("#queue li button.claim").click()
    wait_until(console, "document.querySelectorAll('#transcript li').length >= 3")
    transcript = console.inner_text("#transcript")
    for payload in payloads:
        assert payload in transcript
    assert console.locator("#transcript img, #transcript script").count() == 0
    assert console.evaluate("typeof window.__xss") == "undefined"
    user.close()
    agent.close()


def test_widget_fits_a_phone_and_works_by_keyboard(browser, server):
    phone = browser.new_context(viewport={"width": 375, "height": 700}, locale="en-US")
    page = phone.new_page()
    page.goto(server + "/")
    page.keyboard.press("Tab")  # the bubble is the first focusable element after the link
    page.focus(".sb-bubble")
    page.keyboard.press("Enter")
    page.wait_for_selector(".sb-panel:not([hidden])")
    box = page.locator(".sb-panel").bounding_box()
    assert box is not None and box["width"] <= 375
    page.keyboard.type("hello")
    page.keyboard.press("Enter")
    page.wait_for_selector(".sb-msg.sb-bot")
    assert page.get_attribute(".sb-messages", "role") == "log"
    assert page.get_attribute(".sb-bubble", "aria-expanded") == "true"
    phone.close()


def test_expired_session_goes_back_to_login_and_keeps_the_draft(browser, server, data_dir):
    import sqlite3

    user = browser.new_context()
    say_in_widget(user, server, "I need a human", ".sb-msg[data-kind=handoff_notice]")

    agent = browser.new_context()
    console = agent_login(agent, server)
    console.wait_for_selector("#queue li button.claim").click()
    console.wait_for_selector("#packet dd")
    console.fill("#reply", "Half-written answer about your limits")
    with sqlite3.connect(data_dir / "supportbot.sqlite3") as db:  # the session expires
        db.execute("UPDATE agent_sessions SET expires_at = 0")
    console.click("#send")
    console.wait_for_selector("#login:not([hidden])")
    console.fill("#login-user", "mei")
    console.fill("#login-password", PASSWORD)
    console.click("#login-form button[type=submit]")
    pass_second_factor_in_console(console, server)  # a code from Mei's authenticator
    console.wait_for_selector("#conv:not([hidden])")
    assert console.input_value("#reply") == "Half-written answer about your limits"
    user.close()
    agent.close()


def test_messages_typed_offline_are_stored_in_the_order_typed(browser, server):
    import httpx

    context = browser.new_context(locale="en-US")
    page = say_in_widget(context, server, "hello", ".sb-msg.sb-bot")
    context.set_offline(True)
    page.wait_for_timeout(500)
    for text in ("alpha", "beta", "gamma"):
        page.fill(".sb-input", text)
        page.keyboard.press("Enter")
    page.wait_for_timeout(1000)
    assert page.locator(".sb-msg.sb-pending").count() == 3
    context.set_offline(False)
    wait_until(page, "document.querySelectorAll('.sb-msg.sb-pending').length === 0",
                           timeout=60_000)
    conversation = page.evaluate(
        "Object.values(localStorage).map(v => { try { return JSON.parse(v).conversationId }"
        " catch (e) { return null } }).find(Boolean)")
    stored = httpx.get(f"{server}/api/v1/conversations/{conversation}").json()["messages"]
    users = [m["text"] for m in stored if m["author"] == "user"]
    assert users == ["hello", "alpha", "beta", "gamma"]
    context.close()


def test_widget_chrome_follows_the_conversation_language(browser, server):  # type: ignore[no-untyped-def]
    """A trader writing Chinese in an en-US browser: once the conversation's language is
    known the header, placeholder and Send turn Chinese; the input is 16 px (no iOS zoom)."""
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 800})
    page = say_in_widget(context, server, "请问提现手续费是多少？", ".sb-msg.sb-bot")
    wait_until(page, "document.querySelector('.sb-send').textContent === '发送'")
    assert page.inner_text(".sb-title") == "客服"
    assert page.get_attribute(".sb-input", "placeholder") == "请输入消息…"
    assert page.evaluate(
        "getComputedStyle(document.querySelector('.sb-input')).fontSize") == "16px"
    context.close()


def test_a_taiwan_browser_gets_traditional_chrome(browser, server):  # type: ignore[no-untyped-def]
    """A zh-TW browser: the widget's own words in Traditional script with Taiwan wording
    (found by a product trial: they were the mainland's Simplified strings)."""
    context = browser.new_context(locale="zh-TW", viewport={"width": 390, "height": 800})
    page = say_in_widget(context, server, "請問提領手續費是多少？", ".sb-msg.sb-bot")
    wait_until(page, "document.querySelector('.sb-send').textContent === '傳送'")
    assert page.get_attribute(".sb-input", "placeholder") == "請輸入訊息…"
    assert page.inner_text(".sb-human") == "轉真人客服"
    context.close()


def test_a_pasted_password_leaves_the_traders_screen_once_stored(browser, server):  # type: ignore[no-untyped-def]
    """The trader's own bubble showed a pasted password until the page was reloaded
    (0.11.12 trial); now it shows what was stored. A zh-TW browser also gets Traditional
    replies to a greeting whose characters are the same in both scripts."""
    context = browser.new_context(locale="zh-TW")
    page = say_in_widget(context, server, "你好", ".sb-msg.sb-bot")
    greeting = page.inner_text(".sb-msg.sb-bot")
    assert "客服助手" in greeting and "諮詢" in greeting and "咨询" not in greeting
    page.fill(".sb-input", "我的密碼是 Tr0ub4dor&3xyz 幫我看看")
    page.keyboard.press("Enter")
    wait_until(page, "[...document.querySelectorAll('.sb-msg.sb-user')].some("
                     "m => m.textContent.includes('[REDACTED:password]'))")
    assert "Tr0ub4dor&3xyz" not in page.inner_text(".sb-messages")
    context.close()


def test_widget_embedded_in_a_page_of_another_origin(browser, shipped_model_dir, tmp_path):  # type: ignore[no-untyped-def]
    """The README's one-tag embed on the exchange's own site: a page served from a second
    origin (localhost vs 127.0.0.1, another port) loads widget.js from the support server
    and chats through CORS and the WebSocket; an unlisted site's page cannot."""
    site_port = free_port()
    site = f"http://localhost:{site_port}"
    config = f"web:\n  allowed_origins: ['{site}']\n"
    with live_server(shipped_model_dir, tmp_path, extra_config=config) as (base, _c, _p):
        pages = tmp_path / "site"
        pages.mkdir()
        (pages / "index.html").write_text(
            "<!doctype html><html><head><meta charset='utf-8'></head><body>"
            f"<h1>Example Exchange</h1><script src='{base}/widget.js' defer></script>"
            "</body></html>")
        handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                    directory=str(pages))
        site_server = http.server.ThreadingHTTPServer(("127.0.0.1", site_port), handler)
        threading.Thread(target=site_server.serve_forever, daemon=True).start()
        try:
            context = browser.new_context()
            page = context.new_page()
            sockets: list[str] = []
            page.on("websocket", lambda socket: sockets.append(socket.url))
            page.goto(site + "/")
            page.click(".sb-bubble")
            page.fill(".sb-input", "how do I deposit USDT?")
            page.keyboard.press("Enter")
            page.wait_for_selector(".sb-msg.sb-bot", timeout=30_000)
            assert any(url.startswith(base.replace("http", "ws")) for url in sockets)
            assert not page.locator(".sb-user.sb-pending").count()
            context.close()
        finally:
            site_server.shutdown()
            site_server.server_close()


def test_console_offers_no_offline_agent_and_speaks_in_words(browser, server, data_dir):  # type: ignore[no-untyped-def]
    """Transfer to an offline colleague is not offered and is refused in words; the queue
    says when nobody is waiting; "take next" takes the conversation."""
    env = {**os.environ, "SUPPORTBOT_AGENT_PASSWORD": PASSWORD, "SUPPORTBOT_DATABASE_URL": ""}
    subprocess.run([sys.executable, "-m", "bot", "--config", str(data_dir / "config.yml"),
                    "agent", "add", "bob", "--languages", "en", "--name", "Bob"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    agent = browser.new_context(viewport={"width": 1400, "height": 900})
    console = agent_login(agent, server)
    console.wait_for_selector("#queue li.empty")
    # Mei's first language is Chinese: the console's own words are Chinese for her.
    assert "目前没有人在等待" in console.inner_text("#queue")
    trader = browser.new_context(locale="en-US")
    say_in_widget(trader, server, "I want to talk to a human", ".sb-msg[data-kind=handoff_notice]")
    console.wait_for_selector("#queue li button.claim")
    console.click("#take-next")
    console.wait_for_selector("#conv:not([hidden])")
    wait_until(console, "document.querySelectorAll('#transfer-to option').length > 0")
    assert "Bob" not in console.inner_text("#transfer-to")
    assert console.is_disabled("#transfer")
    answer = console.evaluate(
        "fetch('/api/v1/agent/handoffs/' + sessionStorage.getItem('sb.open') + '/transfer', "
        "{method: 'POST', credentials: 'same-origin', headers: {'content-type': "
        "'application/json', 'x-csrf-token': sessionStorage.getItem('sb.csrf')}, "
        "body: JSON.stringify({to: 'bob'})}).then(r => r.json().then(b => [r.status, b.detail]))")
    assert answer[0] == 409 and "offline" in answer[1]
    agent.close()
    trader.close()
