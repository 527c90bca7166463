/* supportbot agent console. User text is only ever set with textContent. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var csrf = sessionStorage.getItem("sb.csrf") || "";
  var current = null;          // the open handoff id
  var lastMessageId = 0;
  var queueItems = [];
  var stream = null, heartbeatTimer = null, conversationTimer = null;
  var languages = {};
  var shownPacket = "";        // the packet as last drawn (redrawn only when it changes)

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function call(method, path, body) {
    var headers = { "content-type": "application/json" };
    if (method !== "GET") headers["x-csrf-token"] = csrf;
    return fetch(path, { method: method, headers: headers, credentials: "same-origin",
                         body: body ? JSON.stringify(body) : undefined })
      .then(function (response) {
        if (response.status === 401) { showLogin(); throw new Error("signed out"); }
        return response.json().then(function (data) {
          if (!response.ok) throw new Error(data.detail || response.status);
          return data;
        });
      });
  }

  // ---- sign-in ------------------------------------------------------------------------
  function showLogin() {
    if (stream) { stream.close(); stream = null; }
    clearInterval(heartbeatTimer); clearInterval(conversationTimer);
    $("console").hidden = true; $("login").hidden = false;
    $("login-user").focus();
  }
  $("login-form").addEventListener("submit", function (event) {
    event.preventDefault();
    fetch("/api/v1/agent/login", {
      method: "POST", headers: { "content-type": "application/json" }, credentials: "same-origin",
      body: JSON.stringify({ username: $("login-user").value, password: $("login-password").value })
    }).then(function (response) {
      if (response.status === 429) {
        var wait = response.headers.get("Retry-After") || "a few";
        throw new Error("Too many failed sign-ins. Try again in " + wait + " seconds.");
      }
      if (!response.ok) throw new Error("Wrong username or password.");
      return response.json();
    }).then(function (session) {
      csrf = session.csrf_token; sessionStorage.setItem("sb.csrf", csrf);
      $("login-password").value = ""; $("login-error").textContent = "";
      start(session.agent);
    }, function (error) { $("login-error").textContent = error.message; });
  });
  $("logout").addEventListener("click", function () {
    call("POST", "/api/v1/agent/logout").finally(showLogin);
  });

  function start(agent) {
    $("login").hidden = true; $("console").hidden = false;
    $("me").textContent = agent.display_name + " (" + agent.languages.join(", ") + ")";
    listen();
    heartbeatTimer = setInterval(heartbeat, 20000);
    heartbeat();
    var reopen = sessionStorage.getItem("sb.open");
    if (reopen) openConversation(Number(reopen));
  }

  // ---- connection: a stale queue says so ---------------------------------------------------
  function listen() {
    if (stream) stream.close();
    stream = new EventSource("/api/v1/agent/stream");
    stream.addEventListener("queue", function (event) { online(true); renderQueue(JSON.parse(event.data)); });
    stream.onopen = function () { online(true); };
    stream.onerror = function () {
      online(false);
      // The session may have expired (the answer shows the sign-in) or the server is down:
      // a closed stream is reopened by hand, a broken one reconnects by itself.
      call("GET", "/api/v1/agent/me").catch(function () {});
      if (stream && stream.readyState === EventSource.CLOSED) {
        setTimeout(function () { if (!$("console").hidden) listen(); }, 3000);
      }
    };
  }
  function heartbeat() {
    call("POST", "/api/v1/agent/heartbeat").then(function () { online(true); },
                                                 function () { online(false); });
  }
  function online(up) {
    $("offline").hidden = up;
    document.body.classList.toggle("stale", !up);
  }

  // ---- new work announces itself: tab title, sound, desktop notification ---------------------
  var announced = null;        // queue ids already seen (null until the first snapshot)
  var audio = null;
  $("sound").checked = localStorage.getItem("sb.sound") === "on";
  $("sound").addEventListener("change", function () {
    localStorage.setItem("sb.sound", $("sound").checked ? "on" : "off");
    if ($("sound").checked) beep();  // also unlocks audio, which needs a click
  });
  $("notify").hidden = !("Notification" in window);
  $("notify").addEventListener("click", function () {
    Notification.requestPermission().then(function (answer) {
      $("notify").textContent = answer === "granted" ? "Desktop alerts on" : "Desktop alerts blocked";
    });
  });
  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tone = audio.createOscillator(), gain = audio.createGain();
      tone.frequency.value = 880; gain.gain.value = 0.08;
      tone.connect(gain); gain.connect(audio.destination);
      tone.start(); tone.stop(audio.currentTime + 0.18);
    } catch (e) { /* no audio device: the title and the list still say it */ }
  }
  function announce(snapshot) {
    var unread = snapshot.mine.filter(isUnread).length;
    var waiting = snapshot.items.length;
    document.title = (waiting + unread ? "(" + (waiting + unread) + ") " : "") + "supportbot — agent console";
    var fresh = snapshot.items.filter(function (item) { return announced && !announced[item.id]; });
    announced = announced || {};
    snapshot.items.forEach(function (item) { announced[item.id] = true; });
    if (!fresh.length) return;
    if ($("sound").checked) beep();
    if ("Notification" in window && Notification.permission === "granted" && document.hidden) {
      var first = fresh[0];
      new Notification(first.priority + " · " + first.lang + " · " + (first.intent || "new conversation"),
                       { body: first.summary.slice(0, 160), tag: "sb-queue-" + first.id });
    }
  }
  // A conversation this agent holds has a user message newer than the last one shown here.
  function seenUpTo(handoffId) { return Number(sessionStorage.getItem("sb.seen." + handoffId) || 0); }
  function isUnread(item) { return item.id !== current && item.last_user_message_id > seenUpTo(item.id); }

  // ---- queue ----------------------------------------------------------------------------
  function renderQueue(snapshot) {
    announce(snapshot);
    queueItems = snapshot.items;
    snapshot.items.forEach(function (item) {
      if (!languages[item.lang]) {
        languages[item.lang] = true;
        $("lang-filter").appendChild(el("option", { value: item.lang }, item.lang));
      }
    });
    drawQueue();
    var mine = $("mine"); mine.textContent = "";
    snapshot.mine.forEach(function (item) {
      var li = el("li", { "data-handoff": String(item.id) });
      if (isUnread(item)) {
        li.classList.add("unread");
        li.appendChild(el("span", { "class": "dot", title: "New message" }, "\u25cf"));
      }
      li.appendChild(el("span", { "class": "badge " + item.priority }, item.priority));
      li.appendChild(document.createTextNode(" " + item.lang + " · " + (item.intent || "?") + " "));
      var open = el("button", { type: "button" }, "Open");
      open.addEventListener("click", function () { openConversation(item.id); });
      li.appendChild(open);
      mine.appendChild(li);
    });
  }
  function drawQueue() {
    var filter = $("lang-filter").value;
    var list = $("queue"); list.textContent = "";
    var shown = queueItems.filter(function (item) { return !filter || item.lang === filter; });
    if (!shown.length) list.appendChild(el("li", { "class": "empty" }, "Nobody is waiting."));
    shown
      .forEach(function (item) {
        var li = el("li", { "data-handoff": String(item.id), "data-deadline": String(item.sla_deadline) });
        li.appendChild(el("span", { "class": "badge " + item.priority }, item.priority));
        li.appendChild(el("span", { "class": "sla" }));
        li.appendChild(el("div", {}, item.lang + " · " + (item.intent || "?") + " · " + item.reason));
        li.appendChild(el("div", { "class": "summary" }, item.summary));
        var claim = el("button", { type: "button", "class": "claim" }, "Claim");
        claim.addEventListener("click", function () {
          call("POST", "/api/v1/agent/handoffs/" + item.id + "/claim").then(function () {
            $("queue-error").textContent = "";
            openConversation(item.id);
          }, function (error) { $("queue-error").textContent = inWords(error.message); });
        });
        li.appendChild(claim);
        list.appendChild(li);
      });
    tickSla();
  }
  function tickSla() {
    if (document.body.classList.contains("stale")) return;  // a stale queue's timers mean nothing
    var now = Date.now() / 1000;
    document.querySelectorAll("#queue li[data-deadline]").forEach(function (li) {
      var left = Math.round(Number(li.getAttribute("data-deadline")) - now);
      var label = left >= 0 ? "SLA " + Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2)
                            : "SLA breached " + Math.floor(-left / 60) + " min";
      li.querySelector(".sla").textContent = label;
      li.classList.toggle("breached", left < 0);
    });
  }
  setInterval(tickSla, 1000);
  $("lang-filter").addEventListener("change", drawQueue);
  // The oldest, most urgent conversation this agent may take (priority, then waiting time).
  $("take-next").addEventListener("click", function () {
    call("POST", "/api/v1/agent/handoffs/next").then(function (data) {
      $("queue-error").textContent = "";
      openConversation(data.handoff_id);
    }, function (error) {
      $("queue-error").textContent = error.message === "nothing in the queue for you"
        ? "Nobody is waiting for you right now." : inWords(error.message);
    });
  });

  // ---- conversation -----------------------------------------------------------------------
  function openConversation(handoffId) {
    saveDraft();
    current = handoffId; lastMessageId = 0;
    var held = document.querySelector('#mine li[data-handoff="' + handoffId + '"]');
    if (held) { held.classList.remove("unread"); if (held.querySelector(".dot")) held.querySelector(".dot").remove(); }
    sessionStorage.setItem("sb.open", String(handoffId));
    $("transcript").textContent = ""; $("conv-error").textContent = "";
    $("conv").hidden = false; $("conv-empty").hidden = true;
    $("reply").value = sessionStorage.getItem("sb.draft." + handoffId) || "";
    refreshConversation(true);
    clearInterval(conversationTimer);
    conversationTimer = setInterval(function () { refreshConversation(false); }, 2000);
    call("GET", "/api/v1/agent/handoffs/" + handoffId + "/suggestions").then(renderSuggestions);
    loadTransferTargets();
  }
  // Only colleagues who are online and have room are offered (the server checks again).
  function loadTransferTargets() {
    call("GET", "/api/v1/agent/transfer-targets").then(function (targets) {
      var select = $("transfer-to"); select.textContent = "";
      targets.forEach(function (t) {
        select.appendChild(el("option", { value: t.username },
          t.display_name + " (" + t.languages.join(", ") + " · " + t.free + " free)"));
      });
      if (!targets.length) select.appendChild(el("option", { value: "" }, "No colleague online with room"));
      $("transfer").disabled = !targets.length;
    }, function () { /* the list stays as it was */ });
  }
  $("transfer-to").addEventListener("focus", loadTransferTargets);
  function refreshConversation(withPacket) {
    if (!current) return;
    var id = current;
    call("GET", "/api/v1/agent/handoffs/" + id + "?after=" + lastMessageId).then(function (data) {
      if (id !== current) return;
      // The packet is live: redrawn whenever the case or what is known about it changed.
      var packetNow = JSON.stringify([data.handoff, data.packet, data.conversation]);
      if (withPacket || packetNow !== shownPacket) { shownPacket = packetNow; renderPacket(data); }
      data.messages.forEach(function (m) {
        var li = el("li", { "class": m.author, "data-id": String(m.id) });
        li.appendChild(el("span", { "class": "who" }, m.author === "agent" ? (m.author_name || "agent") : m.author));
        // A quick-reply button reads as what the user pressed, not as a slash command.
        li.appendChild(m.attachment ? fileView(m.attachment)
                       : m.button ? el("span", { "class": "text button" }, "\u25b8 " + m.button)
                       : m.author === "user" ? el("span", { "class": "text" }, m.text)
                       : renderRich(el("div", { "class": "text" }), m.text));
        $("transcript").appendChild(li);
        lastMessageId = Math.max(lastMessageId, m.id);
        if (m.id > seenUpTo(id)) sessionStorage.setItem("sb.seen." + id, String(m.id));
      });
      if (data.messages.length) $("transcript").scrollTop = $("transcript").scrollHeight;
      $("user-typing").hidden = !(data.typing && data.typing.user);
    }).catch(function () {});
  }
  // A file in the conversation: an image's thumbnail or the PDF's name; both open the file.
  function fileView(file) {
    var url = "/api/v1/agent/attachments/" + encodeURIComponent(file.id);
    var link = el("a", { href: url, target: "_blank", rel: "noopener noreferrer", "class": "text file" });
    if (file.thumbnail) {
      link.appendChild(el("img", { src: url + "?thumbnail=true", alt: file.name, "class": "thumb" }));
    } else {
      link.textContent = "\ud83d\udcc4 " + file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " KB)";
    }
    return link;
  }
  $("attach").addEventListener("click", function () { $("file").click(); });
  $("file").setAttribute("accept", (CONFIG.attachment_types || []).join(","));
  $("file").addEventListener("change", function () {
    var file = $("file").files && $("file").files[0];
    $("file").value = "";
    if (!file || !current) return;
    if (file.size > CONFIG.attachment_bytes) {
      $("conv-error").textContent = "This file is over the " +
        Math.round(CONFIG.attachment_bytes / 1048576) + " MB limit.";
      return;
    }
    fetch("/api/v1/agent/handoffs/" + current + "/attachments?filename=" + encodeURIComponent(file.name), {
      method: "POST", credentials: "same-origin", body: file,
      headers: { "content-type": file.type || "application/octet-stream", "x-csrf-token": csrf }
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.detail || response.status);
        $("conv-error").textContent = "";
        refreshConversation(false);
      });
    }).catch(function (error) { $("conv-error").textContent = inWords(error.message); });
  });
  function renderPacket(data) {
    var packet = data.packet || {}, dl = $("packet");
    dl.textContent = "";
    function row(name, value) {
      dl.appendChild(el("dt", {}, name));
      dl.appendChild(el("dd", {}, value === undefined || value === null || value === "" ? "—" : value));
    }
    row("Case", "#" + data.handoff.id + " · " + data.handoff.status);
    row("Channel", data.conversation.channel + (data.conversation.user ? " · " + data.conversation.user : ""));
    row("Language", packet.lang + (packet.script ? " (" + packet.script + ")" : ""));
    row("Intent", (packet.intent || "?") + " · confidence " + Math.round((packet.confidence || 0) * 100) + "%");
    row("Urgency", data.handoff.priority);
    row("Reason", packet.reason_text || data.handoff.reason);
    row("Entities", (packet.entities || []).map(function (e) { return e.label + ": " + e.text; }).join("\n"));
    row("FAQ answers tried", (packet.faq_tried || []).map(function (t) { return t.question; }).join("\n"));
    row("Confidence trail", (packet.confidence_trail || []).map(function (t) {
      return t.intent + " " + Math.round(t.confidence * 100) + "% " + t.urgency; }).join("\n"));
    row("Summary", packet.summary);
  }
  function renderSuggestions(data) {
    var list = $("suggestions"); list.textContent = "";
    data.suggestions.forEach(function (s) {
      var li = el("li");
      li.appendChild(el("div", { "class": "q" }, s.question));
      var insert = el("button", { type: "button", "class": "insert" }, "Insert");
      insert.addEventListener("click", function () {
        var box = $("reply");
        box.value = box.value ? box.value + "\n\n" + s.text : s.text;
        box.focus(); saveDraft();
      });
      li.appendChild(insert);
      list.appendChild(li);
    });
  }
  function saveDraft() {
    if (current) sessionStorage.setItem("sb.draft." + current, $("reply").value);
  }
  // The trader sees "<name> typing…" while the agent writes (a mark every few seconds).
  var typedAt = 0;
  $("reply").addEventListener("input", function () {
    saveDraft();
    if (!current || Date.now() - typedAt < 3000 || !$("reply").value.trim()) return;
    typedAt = Date.now();
    call("POST", "/api/v1/agent/handoffs/" + current + "/typing", { active: true }).catch(function () {});
  });
  $("reply-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("reply").value.trim();
    if (!text || !current) return;
    call("POST", "/api/v1/agent/handoffs/" + current + "/reply", { text: text }).then(function () {
      typedAt = 0; $("conv-error").textContent = "";
      $("reply").value = ""; sessionStorage.removeItem("sb.draft." + current);
      refreshConversation(false);
    }, function (error) { $("conv-error").textContent = error.message; });
  });
  // The API's short codes, said in words (errors show inline and clear on success).
  var WORDS = {
    taken: "Another agent took this conversation first.",
    at_capacity: "You already hold as many conversations as your capacity allows: close or release one first.",
    missing: "This conversation is no longer in the queue."
  };
  function inWords(message) { return WORDS[message] || message; }
  function act(path, body, done) {
    call("POST", "/api/v1/agent/handoffs/" + current + path, body).then(done || function () {
      $("conv-error").textContent = "";
      sessionStorage.removeItem("sb.open"); current = null;
      clearInterval(conversationTimer);
      $("conv").hidden = true; $("conv-empty").hidden = false; $("packet").textContent = "";
    }, function (error) { $("conv-error").textContent = inWords(error.message); });
  }
  $("release").addEventListener("click", function () { act("/release"); });
  $("transfer").addEventListener("click", function () { act("/transfer", { to: $("transfer-to").value }); });
  $("close").addEventListener("click", function () {
    act("/close", { resolution: $("resolution").value || "resolved" });
  });

  // ---- dashboard ------------------------------------------------------------------------
  function tab(name) {
    $("queue-view").hidden = name !== "queue"; $("dashboard-view").hidden = name !== "dashboard";
    $("tab-queue").setAttribute("aria-pressed", String(name === "queue"));
    $("tab-dashboard").setAttribute("aria-pressed", String(name === "dashboard"));
    if (name === "dashboard") call("GET", "/api/v1/agent/dashboard").then(renderDashboard);
  }
  $("tab-queue").addEventListener("click", function () { tab("queue"); });
  $("tab-dashboard").addEventListener("click", function () { tab("dashboard"); });

  function bars(values) {
    var NS = "http://www.w3.org/2000/svg";
    var keys = Object.keys(values), max = Math.max.apply(null, keys.map(function (k) { return values[k]; }).concat([1]));
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 240 " + (keys.length * 18 + 4));
    svg.setAttribute("role", "img");
    keys.forEach(function (key, i) {
      var label = document.createElementNS(NS, "text");
      label.setAttribute("x", "0"); label.setAttribute("y", String(i * 18 + 13));
      label.setAttribute("font-size", "10"); label.textContent = key;
      var bar = document.createElementNS(NS, "rect");
      bar.setAttribute("x", "110"); bar.setAttribute("y", String(i * 18 + 3));
      bar.setAttribute("height", "12"); bar.setAttribute("fill", "#0b5fff");
      bar.setAttribute("width", String(Math.max(1, 110 * values[key] / max)));
      var count = document.createElementNS(NS, "text");
      count.setAttribute("x", "225"); count.setAttribute("y", String(i * 18 + 13));
      count.setAttribute("font-size", "10"); count.textContent = String(values[key]);
      svg.appendChild(label); svg.appendChild(bar); svg.appendChild(count);
    });
    return svg;
  }
  function tile(title, value, chart) {
    var box = el("section", { "class": "tile", "data-tile": title });
    box.appendChild(el("h3", {}, title));
    box.appendChild(el("div", { "class": "value" }, value));
    if (chart) box.appendChild(chart);
    $("dashboard").appendChild(box);
  }
  function renderDashboard(d) {
    $("dashboard").textContent = "";
    tile("Conversations", d.conversations, bars(d.conversations_per_day));
    tile("Bot-resolved share", d.deflection === null ? "—" : Math.round(d.deflection * 100) + "%",
         bars({ "without a human": d.conversations - d.handed_off, "handed off": d.handed_off }));
    tile("Handoffs by reason", d.handed_off, bars(d.handoffs_by_reason));
    tile("Wait (median / p90)", d.wait_seconds.median === null ? "—" :
         Math.round(d.wait_seconds.median) + " s / " + Math.round(d.wait_seconds.p90) + " s",
         bars({ median: Math.round(d.wait_seconds.median || 0), p90: Math.round(d.wait_seconds.p90 || 0) }));
    tile("CSAT average", d.csat.average === null ? "—" : d.csat.average + " (" + d.csat.n + ")",
         bars(d.csat.distribution));
  }

  call("GET", "/api/v1/agent/me").then(function (me) {
    csrf = me.csrf_token; sessionStorage.setItem("sb.csrf", csrf); start(me);
  }, function () { showLogin(); });
})();
