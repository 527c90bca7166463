"""In a real browser: formatted answers with safe links, typing both ways, the console
announcing new work, the live packet, the offline banner, and a corpus of XSS payloads
through every path that renders text."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.browser.conftest import agent_login, say_in_widget, shot, wait_until
from tests.phrases import seed_phrase

pytestmark = pytest.mark.browser
PAYLOADS = [line for line in (Path(__file__).parents[1] / "fixtures" / "xss_payloads.txt")
            .read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
SUPPORT = "https://support.example.com"


def _claim_first(console):  # type: ignore[no-untyped-def]
    console.wait_for_selector("#queue li button.claim").click()
    console.wait_for_selector("#conv:not([hidden])")
    console.wait_for_selector("#packet dd")


def test_formatted_answers_with_links_that_work_and_links_that_do_not(browser, server):  # type: ignore[no-untyped-def]
    trader = browser.new_context(locale="en-US")
    # The configured support site answers here (no internet): the link really opens it.
    trader.route(f"{SUPPORT}/**", lambda route: route.fulfill(body="support site",
                                                              content_type="text/plain"))
    widget = say_in_widget(trader, server, "forgot my password, how do i reset it",
                           ".sb-msg.sb-bot[data-kind=faq_answer]")
    answer = widget.locator(".sb-msg.sb-bot[data-kind=faq_answer]").first
    assert answer.locator("strong").count() >= 1  # **Forgot password**, not asterisks
    assert "**" not in answer.inner_text()
    assert answer.locator("ol > li").count() >= 3
    link = answer.locator(f"a[href^='{SUPPORT}']").first
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in (link.get_attribute("rel") or "")
    with trader.expect_page() as opened:
        link.click()
    assert opened.value.url.startswith(SUPPORT)

    widget.click(".sb-human")
    widget.wait_for_selector(".sb-msg[data-kind=handoff_notice]")
    agent = browser.new_context(viewport={"width": 1400, "height": 900})
    console = agent_login(agent, server)
    _claim_first(console)
    console.fill("#reply", "**Important:** the fee table is at https://support.example.com/fees.\n"
                           "1. open it\n2. pick USDT\n"
                           "Do not use https://support-example.evil.test/login or "
                           "[this](https://evil.example/x).")
    console.click("#send")
    # A password case from an anonymous widget: the desk asks for a confirmed first reply.
    console.wait_for_selector("#identity-confirm:not([hidden])")
    console.click("#identity-confirm")
    reply = widget.wait_for_selector(".sb-msg.sb-agent .sb-text")
    assert reply.query_selector("strong").inner_text() == "Important:"
    assert len(reply.query_selector_all("ol li")) == 2
    hrefs = [a.get_attribute("href") for a in reply.query_selector_all("a")]
    assert hrefs == [f"{SUPPORT}/fees"]  # the sentence's full stop is not part of it
    text = reply.inner_text()
    assert "https://support-example.evil.test/login" in text  # shown, not clickable
    assert "this (https://evil.example/x)" in text
    # The console renders the same reply the same way; the trader's text stays plain.
    console.wait_for_selector("#transcript li.agent a")
    assert console.locator("#transcript li.agent a").count() == 1
    assert console.locator("#transcript li.user a, #transcript li.user strong").count() == 0
    trader.close()
    agent.close()


def test_typing_shows_both_ways(browser, server):  # type: ignore[no-untyped-def]
    trader = browser.new_context(locale="en-US")
    widget = say_in_widget(trader, server, "I want to talk to a human",
                           ".sb-msg[data-kind=handoff_notice]")
    agent = browser.new_context(viewport={"width": 1400, "height": 900})
    console = agent_login(agent, server)
    _claim_first(console)
    widget.wait_for_selector(".sb-msg[data-kind=agent_joined]")

    console.type("#reply", "Let me check", delay=30)
    wait_until(widget, "(() => { const t = document.querySelector('.sb-typing');"
                       " return !t.hidden && t.textContent.includes('Mei'); })()")
    console.click("#send")
    widget.wait_for_selector(".sb-msg.sb-agent")
    wait_until(widget, "document.querySelector('.sb-typing').hidden")

    assert console.is_hidden("#user-typing")
    widget.type(".sb-input", "one more thing", delay=30)
    console.wait_for_selector("#user-typing:not([hidden])", timeout=15_000)
    widget.keyboard.press("Enter")
    console.wait_for_selector("#user-typing[hidden]", state="attached", timeout=15_000)
    trader.close()
    agent.close()


def test_new_work_raises_the_title_and_the_packet_stays_live(browser, server):  # type: ignore[no-untyped-def]
    agent = browser.new_context(viewport={"width": 1400, "height": 900})
    console = agent_login(agent, server)
    console.wait_for_selector("#queue li.empty")
    assert not console.title().startswith("(")

    trader = browser.new_context(locale="en-US")
    widget = say_in_widget(trader, server, "I want to talk to a human",
                           ".sb-msg[data-kind=handoff_notice]")
    wait_until(console, "document.title.startsWith('(1) ')")
    card = console.wait_for_selector("#queue li[data-handoff]")
    assert "P1" not in card.inner_text()

    # A seed phrase while queued: the card turns P1 by itself (pushed, no reload) …
    widget.fill(".sb-input", f"is this my backup? {seed_phrase()}")
    widget.keyboard.press("Enter")
    wait_until(console, "document.querySelector('#queue li[data-handoff] .badge')"
                        ".textContent === 'P1'")
    assert "secret" in console.inner_text("#queue li[data-handoff]")
    # … and the packet agrees with it when the agent opens the case.
    console.click("#queue li[data-handoff] button.claim")
    console.wait_for_selector("#packet dd")
    console.wait_for_selector("#mine li[data-handoff]", timeout=15_000)  # held: under "Mine"
    wait_until(console, "!document.title.startsWith('(')")  # nothing waiting, nothing unread
    packet = console.inner_text("#packet")
    assert "P1" in packet and "secret" in packet and "no FAQ answer" not in packet
    assert seed_phrase().split()[5] not in packet

    # With the case open, details the trader sends reach the packet without reopening it.
    widget.fill(".sb-input", "my UID is 84421907")
    widget.keyboard.press("Enter")
    wait_until(console, "document.querySelector('#packet').textContent.includes('84421907')")
    shot(console, "console-live-packet.png")
    trader.close()
    agent.close()


def test_console_says_when_it_is_offline_and_recovers(browser, server):  # type: ignore[no-untyped-def]
    agent = browser.new_context(viewport={"width": 1400, "height": 900})
    console = agent_login(agent, server)
    console.wait_for_selector("#queue li.empty")
    assert console.is_hidden("#offline")
    agent.set_offline(True)
    console.wait_for_selector("#offline:not([hidden])", timeout=30_000)
    assert "可能已过时" in console.inner_text("#offline")  # in Mei's first language
    agent.set_offline(False)
    console.wait_for_selector("#offline[hidden]", state="attached", timeout=30_000)
    agent.close()


def test_no_xss_payload_runs_through_any_path(browser, server):  # type: ignore[no-untyped-def]
    """Every payload as the trader's text (widget, console transcript, queue card, packet
    summary) and as an agent's reply (rich text in the widget and the console)."""
    dialogs: list[str] = []
    trader = browser.new_context(locale="en-US")
    widget = say_in_widget(trader, server, "I want to talk to a human",
                           ".sb-msg[data-kind=handoff_notice]")
    widget.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    conversation = widget.evaluate(
        "Object.values(localStorage).map(v => { try { return JSON.parse(v).conversationId }"
        " catch (e) { return null } }).find(Boolean)")
    # Several payloads per message: the flood limit lets 8 messages through per 10 s.
    batches = [PAYLOADS[i:i + 8] for i in range(0, len(PAYLOADS), 8)]
    for batch in batches:
        httpx.post(f"{server}/api/v1/conversations/{conversation}/messages",
                   json={"text": "\n".join(batch)}, timeout=60).raise_for_status()

    agent = browser.new_context(viewport={"width": 1400, "height": 900})
    console = agent_login(agent, server)
    console.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _claim_first(console)
    send = ("text => fetch('/api/v1/agent/handoffs/' + sessionStorage.getItem('sb.open') + "
            "'/reply', {method: 'POST', credentials: 'same-origin', headers: {'content-type': "
            "'application/json', 'x-csrf-token': sessionStorage.getItem('sb.csrf')}, "
            "body: JSON.stringify({text: text})}).then(r => r.status)")
    for batch in batches:
        assert console.evaluate(send, "\n".join(batch)) == 200
    wait_until(widget, f"document.querySelectorAll('.sb-msg.sb-agent').length === {len(batches)}")
    wait_until(console,
               f"document.querySelectorAll('#transcript li.agent').length === {len(batches)}")
    widget.wait_for_timeout(1500)  # any onerror / onload / autofocus would have fired

    for page, area in ((widget, ".sb-messages"), (console, "#transcript"),
                       (console, "#packet"), (console, "#mine")):
        assert page.evaluate("typeof window.__xss") == "undefined", area
        assert page.locator(f"{area} :is(script, img, iframe, svg, object, embed, video, "
                            f"audio, input, form, style, details, marquee, math, meta)"
                            ).count() == 0, area
        hrefs = page.evaluate(f"[...document.querySelectorAll('{area} a')].map(a => a.href)")
        assert all(re.match(r"https://support\.example\.com/|mailto:", h) for h in hrefs), hrefs
    assert dialogs == []
    # The trader's payloads are there, as text, exactly as typed.
    shown = console.inner_text("#transcript")
    assert "<script>window.__xss=1</script>" in shown
    assert '<img src=x onerror="window.__xss=1">' in widget.inner_text(".sb-messages")
    trader.close()
    agent.close()


def test_files_both_ways_and_a_refused_one(browser, server):  # type: ignore[no-untyped-def]
    """A screenshot from the widget reaches the agent as a thumbnail; the agent's PDF
    reaches the trader; a file lying about its type is refused in the trader's language."""
    import io

    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (640, 400), (20, 120, 220)).save(picture, "PNG")
    trader = browser.new_context(locale="zh-CN")  # Mei, the agent, reads zh and en
    widget = say_in_widget(trader, server, "转人工",
                           ".sb-msg[data-kind=handoff_notice]")
    widget.set_input_files(".sb-file", files=[{"name": "fehler.png", "mimeType": "image/png",
                                               "buffer": picture.getvalue()}])
    thumb = widget.wait_for_selector(".sb-msg.sb-user img.sb-thumb")
    wait_until(widget, "document.querySelector('img.sb-thumb').naturalWidth > 0")
    assert thumb.get_attribute("alt") == "fehler.png"

    agent = browser.new_context(viewport={"width": 1400, "height": 900})
    console = agent_login(agent, server)
    _claim_first(console)
    console.wait_for_selector("#transcript li.user img.thumb")
    wait_until(console, "document.querySelector('#transcript img.thumb').naturalWidth > 0")
    assert console.evaluate("document.querySelector('#transcript img.thumb').naturalWidth") <= 320
    shot(console, "console-attachment.png")

    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    console.set_input_files("#file", files=[{"name": "表格.pdf",
                                             "mimeType": "application/pdf", "buffer": pdf}])
    link = widget.wait_for_selector(".sb-msg.sb-agent a.sb-file-link")
    assert "表格.pdf" in link.inner_text()
    fetched = widget.evaluate("url => fetch(url).then(r => [r.status, r.headers.get("
                              "'content-type'), r.headers.get('content-disposition')])",
                              link.get_attribute("href"))
    assert fetched[0] == 200 and fetched[1] == "application/pdf"
    assert fetched[2].startswith("attachment")

    # HTML dressed up as a PNG: refused, said in Chinese, nothing new in the transcript.
    before = console.locator("#transcript li").count()
    widget.set_input_files(".sb-file", files=[{"name": "bild.png", "mimeType": "image/png",
                                               "buffer": b"<html><script>x</script></html>"}])
    problem = widget.wait_for_selector(".sb-msg.sb-error")
    assert re.search(r"[\u4e00-\u9fff]", problem.inner_text()), problem.inner_text()
    console.wait_for_timeout(2500)  # two console refreshes
    assert console.locator("#transcript li").count() == before
    trader.close()
    agent.close()


@pytest.mark.parametrize(("locale", "question"), [
    ("zh-CN", "忘记密码了怎么重置？TXID 0x" + "9f3c" * 16),
    ("en-US", "forgot my password, how do i reset it? TXID 0x" + "9f3c" * 16),
])
def test_phone_width_keeps_answers_inside_the_screen(browser, server, locale, question):  # type: ignore[no-untyped-def]
    """At 375 px a formatted answer and a 66-character TXID wrap inside the panel: nothing
    scrolls sideways (docs/screenshots/widget-phone-*.png come from here)."""
    context = browser.new_context(locale=locale, viewport={"width": 375, "height": 760},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = say_in_widget(context, server, question, ".sb-msg.sb-bot[data-kind=faq_answer]")
    page.wait_for_timeout(300)
    overflow = page.evaluate("[...document.querySelectorAll('.sb-msg')].filter("
                             "m => m.scrollWidth > m.clientWidth + 1).length")
    assert overflow == 0
    assert page.evaluate("document.querySelector('.sb-messages').scrollWidth"
                         " <= document.querySelector('.sb-messages').clientWidth")
    box = page.locator(".sb-panel").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    shot(page, f"widget-phone-{locale[:2]}.png")
    context.close()
