"""A real Rasa 3.6 server with our NLU and our desk, end to end (issue 15): a Chinese user
on Rasa's callback channel is understood through our NLU, asks for a person, is queued
with a packet, an agent claims and replies through the Rasa channel, the bot is silent
while the agent holds the conversation, and closing brings the bot back with a rating."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.authenticator import Phone, pass_second_factor
from tests.rasa.rasa_stack import (
    CallbackUser,
    action_server,
    rasa_environment,
    rasa_server,
    train_core,
    validate,
)
from tests.server.live_server import ROOT, free_port, live_server

TOKEN = "rasa-bridge-token-for-the-end-to-end-test"
RASA_AUTH = "rasa-own-auth-token-for-the-end-to-end-test"
PASSWORD = "rasa end to end password"
pytestmark = pytest.mark.rasa


def _agent(base: str, config: Path) -> dict[str, str]:
    env = {**os.environ, "SUPPORTBOT_AGENT_PASSWORD": PASSWORD, "SUPPORTBOT_DATABASE_URL": ""}
    subprocess.run([sys.executable, "-m", "bot", "--config", str(config), "agent", "add", "mei",
                    "--languages", "zh,en", "--name", "Mei"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    client = httpx.Client(base_url=base, timeout=30)
    login = client.post("/api/v1/agent/login", json={"username": "mei", "password": PASSWORD})
    assert login.status_code == 200, login.text
    body = login.json()
    phones: dict[str, Phone] = {}
    pass_second_factor(client.post, body["token"], body["second_factor"], "mei", phones)
    return {"Authorization": f"Bearer {body['token']}"}


def _say(rasa: str, sender: str, text: str) -> None:
    response = httpx.post(f"{rasa}/webhooks/callback/webhook",
                          json={"sender": sender, "message": text}, timeout=60)
    assert response.status_code == 200, response.text


def _wait(predicate, timeout: float = 60.0, what: str = ""):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.2)


def test_a_rasa_user_reaches_an_agent_and_comes_back(shipped_model_dir, tmp_path):  # type: ignore[no-untyped-def]
    env_dir = rasa_environment()
    user = CallbackUser()
    rasa_port = free_port()
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    ours = {"SUPPORTBOT_RASA_TOKEN": TOKEN, "SUPPORTBOT_RASA_URL": rasa_url,
            "RASA_AUTH_TOKEN": RASA_AUTH}
    try:
        with live_server(shipped_model_dir, tmp_path / "server", env=ours) as (base, config, _):
            agent = _agent(base, config)
            with action_server(tmp_path, config, base, TOKEN) as actions:
                project = tmp_path / "project"
                done = subprocess.run(
                    [sys.executable, "-m", "bot", "--config", str(config), "export", "rasa",
                     str(project), "--server-url", base, "--actions-url", actions,
                     "--callback-url", user.url], cwd=ROOT, capture_output=True, text=True)
                assert done.returncode == 0, done.stderr
                # Only "not used in any story" warnings: every intent has a rule.
                assert "is listed in the domain file, but is not found" not in validate(
                    env_dir, project)
                train_core(env_dir, project)
                with rasa_server(env_dir, project, rasa_port, RASA_AUTH, TOKEN) as rasa:
                    _conversation(rasa, base, agent, user)
    finally:
        user.close()


def _conversation(rasa: str, base: str, agent: dict[str, str], user: CallbackUser) -> None:
    desk = httpx.Client(base_url=base, headers=agent, timeout=30)
    # 1. Rasa answers a greeting itself, in Chinese: our NLU filled its language slot.
    _say(rasa, "trader-7", "你好")
    greeting = user.wait_for(1)[0]
    assert greeting["recipient_id"] == "trader-7"
    assert "您好" in greeting["text"] or "你好" in greeting["text"], greeting

    # 2. A request for a person, with a detail, in Chinese: queued with a packet. (Not
    #    "我的USDT提现两天了还没到账…": the incident detector reads that late withdrawal as a
    #    takeover, a known false P1 of issue 10 listed in the README; a P1 is answered
    #    with the security steps before the queue notice.)
    _say(rasa, "trader-7", "USDT提现一直在审核中，我要转人工客服")
    items = _wait(lambda: desk.get("/api/v1/agent/queue").json()["items"],
                  what="a queued case")
    handoff_id = items[0]["id"]
    notice = user.wait_for(2)[1]
    assert "第 1 位" in notice["text"], notice  # "you are number 1", in Chinese
    detail = desk.get(f"/api/v1/agent/handoffs/{handoff_id}").json()
    transcript = " ".join(m["text"] for m in detail["messages"])
    assert "你好" in transcript and "转人工" in transcript
    assert detail["packet"]["lang"] == "zh"

    # 3. The agent claims and replies: the reply reaches the user through Rasa.
    assert desk.post(f"/api/v1/agent/handoffs/{handoff_id}/claim").status_code == 200
    joined = user.wait_for(3)[2]
    assert "Mei" in joined["text"]
    assert desk.post(f"/api/v1/agent/handoffs/{handoff_id}/reply",
                     json={"text": "您好，我是Mei，请告诉我您的提现订单号"}).status_code == 200
    assert "订单号" in user.wait_for(4)[3]["text"]

    # 4. While the agent holds it, the user's messages reach the console and the bot is
    #    silent (Rasa is paused; "你好" would otherwise get a greeting).
    _say(rasa, "trader-7", "你好，订单号是 88123456")
    _wait(lambda: any("88123456" in m["text"] for m in desk.get(
        f"/api/v1/agent/handoffs/{handoff_id}").json()["messages"]), what="the order id")
    time.sleep(3)
    assert len(user.texts()) == 4, user.texts()

    # 5. Closing brings the bot back: the closing notice, the rating, then Rasa again.
    assert desk.post(f"/api/v1/agent/handoffs/{handoff_id}/close",
                     json={"resolution": "withdrawal re-sent"}).status_code == 200
    rating_prompt = user.wait_for(6)[5]
    assert rating_prompt.get("buttons"), rating_prompt
    _say(rasa, "trader-7", rating_prompt["buttons"][-1]["payload"])  # "5"
    thanks = user.wait_for(7)[6]
    assert "谢谢" in thanks["text"] or "感谢" in thanks["text"], thanks
    _wait(lambda: desk.get(f"/api/v1/agent/handoffs/{handoff_id}").json()["conversation"]
          ["csat"] == 5, what="the rating stored")
    _say(rasa, "trader-7", "你好")
    again = user.wait_for(8)[7]
    assert again["text"] == greeting["text"]
