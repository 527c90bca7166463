"""In a real browser: an agent's first sign-in enrols an authenticator (QR code, the key
as text, a real TOTP code computed by pyotp, ten recovery codes shown once), reaches the
queue, signs out, and signs in again with a code; in the agent's language (Mei: zh)."""

from __future__ import annotations

import pytest

from tests.authenticator import Phone
from tests.browser.conftest import PASSWORD, shot, wait_until

pytestmark = pytest.mark.browser


def _password(page, base):  # type: ignore[no-untyped-def]
    page.goto(f"{base}/agent")
    page.fill("#login-user", "mei")
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#second-factor:not([hidden])")


def test_enrol_sign_out_and_sign_in_with_a_code(browser, server):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    _password(page, server)
    assert page.is_hidden("#console")
    page.wait_for_selector("#enrol-secret:text-matches('[A-Z2-7]{4}')")
    assert page.text_content("#factor-title") == "设置两步验证"  # Mei's first language
    wait_until(page, "document.getElementById('enrol-qr').naturalWidth > 0")  # the QR drew
    secret = page.text_content("#enrol-secret").replace(" ", "")
    assert len(secret) == 32
    shot(page, "console-2fa-enrolment.png")

    phone = Phone(secret)
    page.fill("#enrol-code", "000000" if phone.code() != "000000" else "111111")
    phone.last_step = None  # that code was not sent: the next call gives it again
    page.click("#enrol-submit")
    wait_until(page, "document.getElementById('enrol-error').textContent.length > 0")
    assert page.text_content("#enrol-error") == "验证码错误，请重试。"
    page.fill("#enrol-code", phone.code())
    page.click("#enrol-submit")
    page.wait_for_selector("#recovery-codes li")
    recovery = page.locator("#recovery-codes li").all_text_contents()
    assert len(recovery) == 10 and len(set(recovery)) == 10
    assert page.is_hidden("#enrol")
    page.click("#recovery-saved")
    page.wait_for_selector("#console:not([hidden])")
    page.wait_for_selector("#queue-title")
    assert page.text_content("#enrol-secret") == ""  # not left in the page

    page.click("#logout")
    page.wait_for_selector("#login:not([hidden])")
    _password(page, server)
    page.wait_for_selector("#factor-form:not([hidden])")
    assert page.is_hidden("#enrol") and page.is_hidden("#console")
    page.fill("#factor-code", phone.code())
    page.click("#factor-submit")
    page.wait_for_selector("#console:not([hidden])")

    # A reload between the two steps comes back to the code screen, not the console.
    page.click("#logout")
    page.wait_for_selector("#login:not([hidden])")
    _password(page, server)
    page.reload()
    page.wait_for_selector("#factor-form:not([hidden])")
    page.fill("#factor-code", recovery[0])
    page.click("#factor-submit")
    page.wait_for_selector("#console:not([hidden])")
    wait_until(page, "document.getElementById('queue-error').textContent.indexOf('9') >= 0")
    assert errors == []
    context.close()
