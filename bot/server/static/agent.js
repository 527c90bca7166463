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
  // What the console says of itself, in the agent's first language.
  var WORDS = {
    en: {"taken": "Another agent took this conversation first.", "at_capacity": "You already hold as many conversations as your capacity allows: close or release one first.", "missing": "This conversation is no longer in the queue.", "nobody_for_you": "Nobody is waiting for you right now.", "file_too_large": "This file is over the {mb} MB limit.", "offline": "Connection to the server lost: the queue below may be out of date. Reconnecting…", "not_yours": "This conversation is not yours to read (ask a supervisor).", "conflict": "This conversation is no longer yours: it was closed, released or transferred.", "target_offline": "That colleague is offline: choose an agent who is online.", "target_full": "That colleague has no room for another conversation.", "empty": "Nobody is waiting.", "user_typing": "The user is typing…"},
    zh: {"taken": "另一位客服已先接手此会话。", "at_capacity": "您接待的会话已达上限：请先结束或释放一个。", "missing": "此会话已不在队列中。", "nobody_for_you": "目前没有等待您的用户。", "file_too_large": "文件超过 {mb} MB 的上限。", "offline": "与服务器的连接已断开：下方队列可能已过时，正在重新连接…", "not_yours": "您无权查看此会话（请联系主管）。", "conflict": "此会话已不归您处理：它已被结束、释放或转接。", "target_offline": "该同事不在线：请选择在线的客服。", "target_full": "该同事已无法再接待会话。", "empty": "目前没有人在等待。", "user_typing": "用户正在输入…"},
    es: {"taken": "Otro agente tomó esta conversación primero.", "at_capacity": "Ya tienes tantas conversaciones como permite tu capacidad: cierra o libera una antes.", "missing": "Esta conversación ya no está en la cola.", "nobody_for_you": "Ahora mismo nadie te está esperando.", "file_too_large": "El archivo supera el límite de {mb} MB.", "offline": "Se perdió la conexión con el servidor: la cola puede estar desactualizada. Reconectando…", "not_yours": "No tienes acceso a esta conversación (consulta a un supervisor).", "conflict": "Esta conversación ya no es tuya: se cerró, se liberó o se transfirió.", "target_offline": "Ese compañero no está conectado: elige un agente en línea.", "target_full": "Ese compañero no tiene hueco para otra conversación.", "empty": "No hay nadie esperando.", "user_typing": "El usuario está escribiendo…"},
    ru: {"taken": "Другой оператор уже взял этот диалог.", "at_capacity": "У вас уже максимум диалогов: сначала закройте или освободите один.", "missing": "Этого диалога больше нет в очереди.", "nobody_for_you": "Сейчас вас никто не ждёт.", "file_too_large": "Файл больше допустимых {mb} МБ.", "offline": "Связь с сервером потеряна: очередь может быть устаревшей. Переподключение…", "not_yours": "У вас нет доступа к этому диалогу (обратитесь к супервайзеру).", "conflict": "Этот диалог больше не ваш: его закрыли, освободили или передали.", "target_offline": "Этот коллега не в сети: выберите оператора онлайн.", "target_full": "У этого коллеги нет места для ещё одного диалога.", "empty": "Никто не ждёт.", "user_typing": "Пользователь печатает…"},
    ja: {"taken": "別の担当者が先にこの会話を引き受けました。", "at_capacity": "対応できる会話数の上限です。先にどれかを終了するか解放してください。", "missing": "この会話はもうキューにありません。", "nobody_for_you": "今あなたを待っているユーザーはいません。", "file_too_large": "ファイルが上限の {mb} MB を超えています。", "offline": "サーバーとの接続が切れました。下のキューは古い可能性があります。再接続中…", "not_yours": "この会話を閲覧する権限がありません（スーパーバイザーに確認してください）。", "conflict": "この会話はもうあなたの担当ではありません（終了・解放・転送済み）。", "target_offline": "その同僚はオフラインです。オンラインの担当者を選んでください。", "target_full": "その同僚はこれ以上会話を受けられません。", "empty": "待っている人はいません。", "user_typing": "ユーザーが入力中…"},
    ko: {"taken": "다른 상담원이 먼저 이 대화를 맡았습니다.", "at_capacity": "담당 가능한 대화 수가 가득 찼습니다. 먼저 하나를 종료하거나 반환하세요.", "missing": "이 대화는 더 이상 대기열에 없습니다.", "nobody_for_you": "지금 기다리는 고객이 없습니다.", "file_too_large": "파일이 {mb} MB 제한을 넘습니다.", "offline": "서버와 연결이 끊겼습니다. 아래 대기열이 최신이 아닐 수 있습니다. 다시 연결 중…", "not_yours": "이 대화를 볼 권한이 없습니다(관리자에게 문의하세요).", "conflict": "이 대화는 더 이상 담당이 아닙니다: 종료, 반환 또는 이관되었습니다.", "target_offline": "해당 동료는 오프라인입니다. 온라인 상담원을 선택하세요.", "target_full": "해당 동료는 더 이상 대화를 맡을 수 없습니다.", "empty": "기다리는 고객이 없습니다.", "user_typing": "고객이 입력 중…"},
    de: {"taken": "Eine Kollegin oder ein Kollege hat dieses Gespräch zuerst übernommen.", "at_capacity": "Sie haben bereits so viele Gespräche, wie Ihre Kapazität erlaubt: Schließen oder geben Sie zuerst eines ab.", "missing": "Dieses Gespräch ist nicht mehr in der Warteschlange.", "nobody_for_you": "Gerade wartet niemand auf Sie.", "file_too_large": "Die Datei ist größer als {mb} MB.", "offline": "Verbindung zum Server verloren: Die Warteschlange ist evtl. veraltet. Neuer Versuch…", "not_yours": "Dieses Gespräch dürfen Sie nicht lesen (fragen Sie eine Aufsicht).", "conflict": "Dieses Gespräch gehört Ihnen nicht mehr: Es wurde geschlossen, abgegeben oder weitergeleitet.", "target_offline": "Diese Person ist offline: Wählen Sie jemanden, der online ist.", "target_full": "Diese Person hat keinen Platz für ein weiteres Gespräch.", "empty": "Niemand wartet.", "user_typing": "Der Kunde schreibt…"},
    fr: {"taken": "Un autre conseiller a pris cette conversation en premier.", "at_capacity": "Vous avez déjà autant de conversations que votre capacité le permet : fermez-en ou libérez-en une d'abord.", "missing": "Cette conversation n'est plus dans la file.", "nobody_for_you": "Personne ne vous attend pour l'instant.", "file_too_large": "Le fichier dépasse la limite de {mb} Mo.", "offline": "Connexion au serveur perdue : la file ci-dessous peut être périmée. Reconnexion…", "not_yours": "Vous n'avez pas accès à cette conversation (demandez à un superviseur).", "conflict": "Cette conversation n'est plus la vôtre : elle a été fermée, libérée ou transférée.", "target_offline": "Ce collègue est hors ligne : choisissez un conseiller en ligne.", "target_full": "Ce collègue n'a plus de place pour une conversation.", "empty": "Personne n'attend.", "user_typing": "L'utilisateur écrit…"},
    tr: {"taken": "Bu görüşmeyi önce başka bir temsilci aldı.", "at_capacity": "Kapasitenizin izin verdiği kadar görüşmeniz var: önce birini kapatın veya bırakın.", "missing": "Bu görüşme artık kuyrukta değil.", "nobody_for_you": "Şu anda sizi bekleyen kimse yok.", "file_too_large": "Dosya {mb} MB sınırını aşıyor.", "offline": "Sunucuyla bağlantı koptu: aşağıdaki kuyruk güncel olmayabilir. Yeniden bağlanılıyor…", "not_yours": "Bu görüşmeyi okuma yetkiniz yok (bir yöneticiye sorun).", "conflict": "Bu görüşme artık sizde değil: kapatıldı, bırakıldı veya aktarıldı.", "target_offline": "Bu çalışma arkadaşınız çevrimdışı: çevrimiçi bir temsilci seçin.", "target_full": "Bu çalışma arkadaşınızın yeni bir görüşmeye yeri yok.", "empty": "Bekleyen kimse yok.", "user_typing": "Kullanıcı yazıyor…"},
    pt: {"taken": "Outro atendente pegou esta conversa primeiro.", "at_capacity": "Você já tem tantas conversas quanto sua capacidade permite: encerre ou libere uma antes.", "missing": "Esta conversa não está mais na fila.", "nobody_for_you": "Ninguém está esperando por você agora.", "file_too_large": "O arquivo passa do limite de {mb} MB.", "offline": "Conexão com o servidor perdida: a fila abaixo pode estar desatualizada. Reconectando…", "not_yours": "Você não tem acesso a esta conversa (fale com um supervisor).", "conflict": "Esta conversa não é mais sua: foi encerrada, liberada ou transferida.", "target_offline": "Esse colega está offline: escolha um atendente online.", "target_full": "Esse colega não tem espaço para outra conversa.", "empty": "Ninguém está esperando.", "user_typing": "O usuário está digitando…"},
    it: {"taken": "Un altro operatore ha preso per primo questa conversazione.", "at_capacity": "Hai già tutte le conversazioni che la tua capacità consente: chiudine o rilasciane una prima.", "missing": "Questa conversazione non è più in coda.", "nobody_for_you": "In questo momento nessuno ti sta aspettando.", "file_too_large": "Il file supera il limite di {mb} MB.", "offline": "Connessione al server persa: la coda qui sotto potrebbe non essere aggiornata. Riconnessione…", "not_yours": "Non puoi leggere questa conversazione (chiedi a un supervisore).", "conflict": "Questa conversazione non è più tua: è stata chiusa, rilasciata o trasferita.", "target_offline": "Quel collega è offline: scegli un operatore online.", "target_full": "Quel collega non ha posto per un'altra conversazione.", "empty": "Nessuno in attesa.", "user_typing": "L'utente sta scrivendo…"},
    vi: {"taken": "Một nhân viên khác đã nhận cuộc trò chuyện này trước.", "at_capacity": "Bạn đã nhận đủ số cuộc trò chuyện cho phép: hãy đóng hoặc trả lại một cuộc trước.", "missing": "Cuộc trò chuyện này không còn trong hàng chờ.", "nobody_for_you": "Hiện không có ai đang chờ bạn.", "file_too_large": "Tệp vượt quá giới hạn {mb} MB.", "offline": "Mất kết nối với máy chủ: hàng chờ bên dưới có thể đã cũ. Đang kết nối lại…", "not_yours": "Bạn không có quyền xem cuộc trò chuyện này (hãy hỏi giám sát viên).", "conflict": "Cuộc trò chuyện này không còn do bạn phụ trách: đã bị đóng, trả lại hoặc chuyển đi.", "target_offline": "Đồng nghiệp đó đang ngoại tuyến: hãy chọn nhân viên đang trực tuyến.", "target_full": "Đồng nghiệp đó không còn chỗ cho cuộc trò chuyện khác.", "empty": "Không có ai đang chờ.", "user_typing": "Người dùng đang nhập…"}
  };
  var agentLang = "en";
  function say(key) { return (WORDS[agentLang] || WORDS.en)[key] || WORDS.en[key]; }

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
    agentLang = WORDS[agent.languages[0]] ? agent.languages[0] : "en";
    document.documentElement.setAttribute("lang", agentLang);
    $("offline").textContent = say("offline"); $("user-typing").textContent = say("user_typing");
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
  var lastSnapshot = { items: [], mine: [] };
  // The tab title counts who waits and what is unread; redone when either changes here too
  // (opening a conversation reads it), not only when the server sends a new queue.
  function retitle() {
    var count = lastSnapshot.items.length + lastSnapshot.mine.filter(isUnread).length;
    document.title = (count ? "(" + count + ") " : "") + "supportbot — agent console";
  }
  function announce(snapshot) {
    lastSnapshot = snapshot;
    retitle();
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
    if (!shown.length) list.appendChild(el("li", { "class": "empty" }, say("empty")));
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
        ? say("nobody_for_you") : inWords(error.message);
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
        if (m.id > seenUpTo(id)) { sessionStorage.setItem("sb.seen." + id, String(m.id)); retitle(); }
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
      $("conv-error").textContent = say("file_too_large").replace(
        "{mb}", String(Math.round(CONFIG.attachment_bytes / 1048576)));
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
    }, function (error) { $("conv-error").textContent = inWords(error.message); });
  });
  // The API's short codes and refusals, said in words in the agent's language (errors
  // show inline and clear on success); a sentence not recognised is shown as it came.
  function inWords(message) {
    if (WORDS.en[message]) return say(message);
    var known = [[/not yours to read/, "not_yours"], [/not yours|not your conversation/, "conflict"],
                 [/is offline/, "target_offline"], [/has no room/, "target_full"]];
    for (var i = 0; i < known.length; i++) if (known[i][0].test(message)) return say(known[i][1]);
    return message;
  }
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
