/* supportbot chat widget: embed with one tag,
 *   <script src="https://your-server/widget.js" defer></script>
 * No build step: the server bundles it with richtext.js. Every text is rendered with
 * textContent or DOM nodes, never as HTML.
 * Transport: WebSocket; HTTP polling when the socket is down. Messages typed while
 * offline wait in an outbox (localStorage) and are sent once: each carries a
 * client_message_id the server deduplicates on.
 * Verified identity: a page whose trader is logged in sets, before this script,
 *   window.supportbotIdentity = {uid, email, expires, signature}
 * signed by the exchange's backend (docs/identity.md); the widget hands it to the server
 * with the conversation. A refused one (expired, forged) leaves the chat unverified. */
(function () {
  "use strict";
  var script = document.currentScript;
  var BASE = script ? new URL(script.src, location.href).origin : location.origin;
  var KEY = "supportbot.widget.v1";
  var UI = {
    en: { open: "Open support chat", title: "Support", human: "Talk to a human", send: "Send",
          placeholder: "Type your message…", close: "Close chat", typing: "typing…",
          queue: "Position in queue: ", rate: "Rate this conversation", thanks: "Thanks!",
          attach: "Attach a file (image or PDF)", tooLarge: "This file is too large: the limit is {mb} MB.",
          failed: "The file could not be sent. Please try again.",
          offline: "Offline — your messages will be sent when the connection is back.",
          notice: "Service notice" },
    zh: { open: "打开客服聊天", title: "客服", human: "转人工", send: "发送", placeholder: "请输入消息…",
          close: "关闭", typing: "正在输入…", queue: "排队位置：", rate: "为本次服务评分",
          thanks: "谢谢！", attach: "添加文件（图片或 PDF）", tooLarge: "文件太大：上限为 {mb} MB。",
          failed: "文件发送失败，请重试。",
          offline: "网络已断开——恢复后将自动发送您的消息。",
          notice: "服务公告" },
    // Taiwan / Hong Kong browsers: their own script and words (帳號, 訊息), not the
    // mainland's strings.
    "zh-Hant": { open: "開啟客服聊天", title: "客服", human: "轉真人客服", send: "傳送",
          placeholder: "請輸入訊息…", close: "關閉", typing: "正在輸入…", queue: "排隊順位：",
          rate: "為本次服務評分", thanks: "謝謝！", attach: "附加檔案（圖片或 PDF）",
          tooLarge: "檔案太大：上限為 {mb} MB。", failed: "檔案傳送失敗，請再試一次。",
          offline: "網路已中斷——恢復連線後會自動傳送您的訊息。",
          notice: "服務公告" },
    es: { open: "Abrir chat de soporte", title: "Soporte", human: "Hablar con un agente",
          send: "Enviar", placeholder: "Escribe tu mensaje…", close: "Cerrar", typing: "escribiendo…",
          queue: "Posición en la cola: ", rate: "Valora esta conversación", thanks: "¡Gracias!",
          attach: "Adjuntar un archivo (imagen o PDF)", tooLarge: "El archivo es demasiado grande: el límite es {mb} MB.",
          failed: "No se pudo enviar el archivo. Inténtalo de nuevo.",
          offline: "Sin conexión: enviaremos tus mensajes al volver.",
          notice: "Aviso de servicio" },
    ru: { open: "Открыть чат поддержки", title: "Поддержка", human: "Связаться с оператором",
          send: "Отправить", placeholder: "Введите сообщение…", close: "Закрыть", typing: "печатает…",
          queue: "Место в очереди: ", rate: "Оцените разговор", thanks: "Спасибо!",
          attach: "Прикрепить файл (изображение или PDF)", tooLarge: "Файл слишком большой: предел {mb} МБ.",
          failed: "Не удалось отправить файл. Попробуйте ещё раз.",
          offline: "Нет связи — сообщения отправятся, когда она появится.",
          notice: "Уведомление о работе сервиса" },
    ja: { open: "サポートチャットを開く", title: "サポート", human: "担当者と話す", send: "送信",
          placeholder: "メッセージを入力…", close: "閉じる", typing: "入力中…", queue: "順番待ち：",
          rate: "この会話を評価", thanks: "ありがとうございます！",
          attach: "ファイルを添付（画像または PDF）", tooLarge: "ファイルが大きすぎます（上限 {mb} MB）。",
          failed: "ファイルを送信できませんでした。もう一度お試しください。",
          offline: "オフラインです。接続が戻り次第送信します。",
          notice: "サービスのお知らせ" },
    ko: { open: "고객지원 채팅 열기", title: "고객지원", human: "상담원 연결", send: "보내기",
          placeholder: "메시지를 입력하세요…", close: "닫기", typing: "입력 중…", queue: "대기 순서: ",
          rate: "상담 평가하기", thanks: "감사합니다!", attach: "파일 첨부 (이미지 또는 PDF)", tooLarge: "파일이 너무 큽니다. 최대 {mb} MB까지 보낼 수 있습니다.",
          failed: "파일을 보내지 못했습니다. 다시 시도해 주세요.",
          offline: "오프라인입니다. 연결되면 메시지를 보냅니다.",
          notice: "서비스 공지" },
    de: { open: "Support-Chat öffnen", title: "Support", human: "Mit einem Menschen sprechen",
          send: "Senden", placeholder: "Nachricht eingeben…", close: "Schließen", typing: "schreibt…",
          queue: "Platz in der Warteschlange: ", rate: "Gespräch bewerten", thanks: "Danke!",
          attach: "Datei anhängen (Bild oder PDF)", tooLarge: "Die Datei ist zu groß: höchstens {mb} MB.",
          failed: "Die Datei konnte nicht gesendet werden. Bitte erneut versuchen.",
          offline: "Offline – Ihre Nachrichten werden gesendet, sobald die Verbindung zurück ist.",
          notice: "Servicehinweis" },
    fr: { open: "Ouvrir le chat d'assistance", title: "Assistance", human: "Parler à un conseiller",
          send: "Envoyer", placeholder: "Écrivez votre message…", close: "Fermer", typing: "écrit…",
          queue: "Position dans la file : ", rate: "Évaluer la conversation", thanks: "Merci !",
          attach: "Joindre un fichier (image ou PDF)", tooLarge: "Fichier trop volumineux : {mb} Mo au maximum.",
          failed: "Le fichier n'a pas pu être envoyé. Réessayez.",
          offline: "Hors ligne — vos messages partiront dès le retour de la connexion.",
          notice: "Avis de service" },
    tr: { open: "Destek sohbetini aç", title: "Destek", human: "Temsilciyle görüş", send: "Gönder",
          placeholder: "Mesajınızı yazın…", close: "Kapat", typing: "yazıyor…", queue: "Sıradaki yeriniz: ",
          rate: "Görüşmeyi değerlendirin", thanks: "Teşekkürler!",
          attach: "Dosya ekle (görsel veya PDF)", tooLarge: "Dosya çok büyük: sınır {mb} MB.",
          failed: "Dosya gönderilemedi. Lütfen tekrar deneyin.",
          offline: "Çevrimdışı — bağlantı gelince mesajlarınız gönderilecek.",
          notice: "Hizmet duyurusu" },
    pt: { open: "Abrir chat de suporte", title: "Suporte", human: "Falar com um atendente",
          send: "Enviar", placeholder: "Digite sua mensagem…", close: "Fechar", typing: "digitando…",
          queue: "Posição na fila: ", rate: "Avalie a conversa", thanks: "Obrigado!",
          attach: "Anexar arquivo (imagem ou PDF)", tooLarge: "O arquivo é grande demais: o limite é {mb} MB.",
          failed: "Não foi possível enviar o arquivo. Tente de novo.",
          offline: "Sem conexão — enviaremos suas mensagens quando ela voltar.",
          notice: "Aviso de serviço" },
    it: { open: "Apri la chat di assistenza", title: "Assistenza", human: "Parla con un operatore",
          send: "Invia", placeholder: "Scrivi un messaggio…", close: "Chiudi", typing: "sta scrivendo…",
          queue: "Posizione in coda: ", rate: "Valuta la conversazione", thanks: "Grazie!",
          attach: "Allega un file (immagine o PDF)", tooLarge: "Il file è troppo grande: il limite è {mb} MB.",
          failed: "Impossibile inviare il file. Riprova.",
          offline: "Offline: invieremo i messaggi appena torna la connessione.",
          notice: "Avviso di servizio" },
    vi: { open: "Mở trò chuyện hỗ trợ", title: "Hỗ trợ", human: "Gặp nhân viên", send: "Gửi",
          placeholder: "Nhập tin nhắn…", close: "Đóng", typing: "đang nhập…", queue: "Vị trí trong hàng chờ: ",
          rate: "Đánh giá cuộc trò chuyện", thanks: "Cảm ơn bạn!",
          attach: "Đính kèm tệp (ảnh hoặc PDF)", tooLarge: "Tệp quá lớn: tối đa {mb} MB.",
          failed: "Không gửi được tệp. Vui lòng thử lại.",
          offline: "Mất kết nối — tin nhắn sẽ được gửi khi có mạng.",
          notice: "Thông báo dịch vụ" }
  };
  function ui(key) {
    var lang = (state.lang || navigator.language || "en").slice(0, 2);
    if (lang === "zh" && /^zh-(tw|hk|mo|hant)/i.test(navigator.language || "")) {
      lang = "zh-Hant";
    }
    return (UI[lang] || UI.en)[key] || UI.en[key];
  }

  var state = load();
  var IDENTITY = readIdentity(window.supportbotIdentity);
  function readIdentity(given) {
    if (!given || typeof given !== "object") return null;
    return { uid: String(given.uid || ""), email: String(given.email || ""),
             expires: Number(given.expires), signature: String(given.signature || "") };
  }
  // Another account logged in on this browser: its conversation is not theirs to read.
  if (IDENTITY && state.verifiedAs && state.verifiedAs !== IDENTITY.uid) state = {};
  var socket = null, pollTimer = null, retryDelay = 1000, typingTimer = null;
  var seen = {};

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }
  function save() {
    try { localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }
  state.outbox = state.outbox || [];
  state.lastId = state.lastId || 0;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ---- the DOM ------------------------------------------------------------------------
  var css = el("link", { rel: "stylesheet", href: BASE + "/widget.css" });
  document.head.appendChild(css);
  var root = el("div", { "class": "sb-root" });
  var bubble = el("button", { "class": "sb-bubble", type: "button", "aria-expanded": "false",
                              "aria-controls": "sb-panel", "aria-label": ui("open") }, "💬");
  var panel = el("section", { "class": "sb-panel", id: "sb-panel", role: "dialog",
                              "aria-label": ui("title"), hidden: "" });
  var header = el("header", { "class": "sb-header" });
  var title = el("h2", { "class": "sb-title" }, ui("title"));
  var human = el("button", { "class": "sb-human", type: "button" }, ui("human"));
  var closeButton = el("button", { "class": "sb-close", type: "button", "aria-label": ui("close") }, "×");
  header.appendChild(title); header.appendChild(human); header.appendChild(closeButton);
  var status = el("p", { "class": "sb-status", role: "status", "aria-live": "polite" });
  // A declared incident's status (an outage, a market event), from the server in the
  // trader's language: shown at the top while it lasts, as text.
  var incident = el("p", { "class": "sb-incident", role: "status", "aria-label": ui("notice"),
                           hidden: "" });
  var list = el("ol", { "class": "sb-messages", role: "log", "aria-live": "polite",
                        "aria-label": ui("title") });
  var typing = el("p", { "class": "sb-typing", hidden: "" }, ui("typing"));
  var quick = el("div", { "class": "sb-quick", role: "group" });
  var stars = el("div", { "class": "sb-stars", role: "group", "aria-label": ui("rate"), hidden: "" });
  var form = el("form", { "class": "sb-form" });
  var input = el("textarea", { "class": "sb-input", rows: "1", maxlength: "4096",
                               "aria-label": ui("placeholder"), placeholder: ui("placeholder") });
  var send = el("button", { "class": "sb-send", type: "submit" }, ui("send"));
  // Screenshots and receipts: the server checks the type by content and strips metadata.
  var picker = el("input", { type: "file", "class": "sb-file", hidden: "",
                             accept: (CONFIG.attachment_types || []).join(",") });
  var attach = el("button", { "class": "sb-attach", type: "button", "aria-label": ui("attach"),
                              title: ui("attach") }, "\ud83d\udcce");
  form.appendChild(attach); form.appendChild(picker); form.appendChild(input); form.appendChild(send);
  [header, incident, status, list, typing, quick, stars, form].forEach(function (n) { panel.appendChild(n); });
  root.appendChild(panel); root.appendChild(bubble);
  document.body.appendChild(root);

  for (var score = 1; score <= 5; score++) {
    (function (value) {
      var star = el("button", { type: "button", "class": "sb-star", "data-score": String(value),
                                "aria-label": ui("rate") + ": " + value + "/5" }, "★");
      star.addEventListener("click", function () { rate(value); });
      stars.appendChild(star);
    })(score);
  }

  // The chrome speaks the conversation's language once it is known (a Chinese-writing
  // trader in an en-US browser gets Chinese buttons), else the browser's.
  function relabel() {
    title.textContent = ui("title"); panel.setAttribute("aria-label", ui("title"));
    human.textContent = ui("human"); send.textContent = ui("send");
    input.setAttribute("placeholder", ui("placeholder"));
    input.setAttribute("aria-label", ui("placeholder"));
    closeButton.setAttribute("aria-label", ui("close"));
    attach.setAttribute("aria-label", ui("attach")); attach.setAttribute("title", ui("attach"));
    bubble.setAttribute("aria-label", ui("open"));
    incident.setAttribute("aria-label", ui("notice"));
    list.setAttribute("aria-label", ui("title")); stars.setAttribute("aria-label", ui("rate"));
    if (typing.textContent === UI.en.typing || !typing.textContent) typing.textContent = ui("typing");
  }
  function toLatest() { list.scrollTop = list.scrollHeight; }
  function openPanel(open) {
    panel.hidden = !open;
    bubble.setAttribute("aria-expanded", String(open));
    // Laid out only now (a hidden panel has no height): open at the latest message.
    if (open) { toLatest(); input.focus(); start(); }
  }
  bubble.addEventListener("click", function () { openPanel(panel.hidden); });
  closeButton.addEventListener("click", function () { openPanel(false); bubble.focus(); });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { openPanel(false); bubble.focus(); }
  });
  human.addEventListener("click", function () { submit("/request_human", ui("human")); });
  // What a pressed button stored ("/request_human") is shown as the button's label.
  function shownText(message) {
    if (message.author !== "user" || !/^\/[a-z_]+$/.test(message.text)) return message.text;
    if (message.text === "/request_human") return ui("human");
    return (state.labels || {})[message.text.slice(1)] || message.text;
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (text) { tellTyping(false); submit(text, text); input.value = ""; }
  });
  // The agent sees "typing…" while the trader writes: one frame every few seconds at most,
  // and a last one when the message goes (or the box is emptied).
  var typedAt = 0;
  function tellTyping(active) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    if (active && Date.now() - typedAt < 3000) return;
    if (!active && !typedAt) return;
    typedAt = active ? Date.now() : 0;
    socket.send(JSON.stringify({ type: "typing", active: active }));
  }
  input.addEventListener("input", function () { tellTyping(input.value.trim() !== ""); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });

  // ---- rendering ------------------------------------------------------------------------
  function render(message) {
    if (seen[message.id]) return;
    seen[message.id] = true;
    var pending = message.client_message_id &&
      list.querySelector('[data-client-id="' + CSS.escape(message.client_message_id) + '"]');
    if (pending) pending.remove();
    var item = el("li", { "class": "sb-msg sb-" + message.author, "data-id": String(message.id),
                          "data-kind": message.kind });
    if (message.author === "agent" && message.author_name) {
      item.appendChild(el("span", { "class": "sb-author" }, message.author_name));
    }
    // What the user typed stays plain text; answers and agents may format and link.
    if (message.attachment) item.appendChild(fileView(message.attachment));
    else item.appendChild(message.author === "user" ? el("span", { "class": "sb-text" }, shownText(message))
                                                    : renderRich(el("div", { "class": "sb-text" }), message.text));
    list.appendChild(item);
    toLatest();
    if (message.author !== "user") typingOff();
    if (message.author !== "user") showQuickReplies(message.quick_replies || []);
    if (message.kind === "csat_prompt" && !state.rated) stars.hidden = false;
  }
  // An image as its thumbnail, a PDF as a link; either opens the whole file.
  function fileView(file) {
    var url = BASE + "/api/v1/conversations/" + encodeURIComponent(state.conversationId) +
      "/attachments/" + encodeURIComponent(file.id);
    var link = el("a", { href: url, target: "_blank", rel: "noopener noreferrer", "class": "sb-file-link" });
    if (file.thumbnail) {
      link.appendChild(el("img", { src: url + "?thumbnail=true", alt: file.name, "class": "sb-thumb",
                                   loading: "lazy" }));
    } else {
      link.textContent = "\ud83d\udcc4 " + file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " KB)";
    }
    return link;
  }
  attach.addEventListener("click", function () { picker.click(); });
  picker.addEventListener("change", function () {
    var file = picker.files && picker.files[0];
    picker.value = "";
    if (!file) return;
    if (file.size > CONFIG.attachment_bytes) {
      fileProblem(ui("tooLarge").replace("{mb}", String(Math.round(CONFIG.attachment_bytes / 1048576))));
      return;
    }
    var pending = el("li", { "class": "sb-msg sb-user sb-pending" }, "\ud83d\udcce " + file.name);
    list.appendChild(pending); toLatest();
    ensureConversation().then(function (id) {
      return fetch(BASE + "/api/v1/conversations/" + encodeURIComponent(id) + "/attachments?filename=" +
                   encodeURIComponent(file.name) + "&locale=" + encodeURIComponent(navigator.language || ""),
                   { method: "POST", headers: { "content-type": file.type || "application/octet-stream" },
                     body: file });
    }).then(function (response) {
      return response.json().then(function (body) {
        pending.remove();
        if (!response.ok) { fileProblem(body.detail || ui("failed")); return; }
        if (!socket) poll();  // the socket's live update brings it otherwise
      });
    }).catch(function () { pending.remove(); fileProblem(ui("failed")); });
  });
  // A refused file: the server's reason, in the trader's language, where messages are.
  function fileProblem(text) {
    list.appendChild(el("li", { "class": "sb-msg sb-system sb-error", role: "alert" }, text));
    toLatest();
  }
  function renderPending(entry) {
    var item = el("li", { "class": "sb-msg sb-user sb-pending", "data-client-id": entry.id });
    item.appendChild(el("span", { "class": "sb-text" }, entry.shown));
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
  }
  function showQuickReplies(buttons) {
    quick.textContent = "";
    state.labels = state.labels || {};
    buttons.forEach(function (button) {
      if (/^[1-5]$/.test(button.payload)) return;  // the stars handle ratings
      state.labels[String(button.payload).replace(/^\//, "")] = button.title;
      var node = el("button", { type: "button", "class": "sb-chip" }, button.title);
      node.addEventListener("click", function () { submit(button.payload, button.title); });
      quick.appendChild(node);
    });
    toLatest();  // the buttons took room from the list: keep the last message in view
  }
  function typingOn() {
    typing.textContent = ui("typing");
    typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(typingOff, 15000);
  }
  // A busy server stored the message and answers it a little later: its notice (in the
  // user's language) stands where "typing…" does until the reply comes.
  function busyOn(notice) {
    typing.textContent = notice;
    typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(typingOff, 120000);
  }
  function typingOff() { typing.hidden = true; typing.textContent = ui("typing"); agentTyping = null; }
  // "Bob typing…" while the agent writes (from the live updates); gone when they stop.
  var agentTyping = null;
  function showAgentTyping(name) {
    if (name) {
      agentTyping = name;
      typing.textContent = name + " " + ui("typing");
      typing.hidden = false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(typingOff, 15000);
    } else if (agentTyping) {
      typingOff();
    }
  }
  function applyUpdate(update) {
    (update.messages || []).forEach(function (message) {
      render(message);
      if (message.id > state.lastId) state.lastId = message.id;
    });
    if (update.lang && update.lang !== state.lang) { state.lang = update.lang; relabel(); checkIncident(); }
    if (update.typing) showAgentTyping(update.typing.agent);
    var position = update.handoff && update.handoff.status === "queued" ? update.handoff.position : null;
    status.textContent = position ? ui("queue") + position : "";
    if (update.state && update.state !== "closed") stars.hidden = true;
    save();
  }

  // ---- transport --------------------------------------------------------------------------
  function api(path, options) {
    return fetch(BASE + path, Object.assign({ headers: { "content-type": "application/json" } },
                                            options || {})).then(function (response) {
      if (response.status === 429 && /\/messages$/.test(path)) {
        // Too many messages: this one is stored but will not be answered.
        return response.json().then(function (body) { return { flood: body.detail }; });
      }
      if (!response.ok) throw new Error(response.status);
      return response.json();
    });
  }
  // Opening the panel and sending the first message both need the conversation; sharing
  // one pending request keeps them from creating two (the message would land in one and
  // the "talk to a human" request in the other).
  var creating = null;
  function ensureConversation() {
    if (state.conversationId) return Promise.resolve(state.conversationId);
    if (!creating) {
      var opening = function (withIdentity) {
        var body = { channel: "web", locale: navigator.language };
        if (withIdentity) body.identity = IDENTITY;
        return api("/api/v1/conversations", { method: "POST", body: JSON.stringify(body) });
      };
      creating = opening(!!IDENTITY).catch(function (error) {
        // The exchange's token was refused (expired, forged, verification off): the
        // trader still gets help, unverified.
        if (IDENTITY && /^(401|409|422)$/.test(error.message)) return opening(false);
        throw error;
      }).then(function (conversation) {
        state.conversationId = conversation.id;
        if (conversation.identity && conversation.identity.verified) state.verifiedAs = conversation.identity.uid;
        save();
        creating = null;
        return conversation.id;
      }, function (error) { creating = null; throw error; });
    }
    return creating;
  }
  function start() {
    if (socket || pollTimer) return;
    ensureConversation().then(function () { connect(); checkIncident(); },
                              function () { schedulePoll(); });
  }
  // The incident banner: asked when the panel opens, when the conversation's language is
  // known, and every half minute (an operator may declare or end one at any time).
  var incidentTimer = null;
  function checkIncident() {
    if (!state.conversationId) return;
    if (!incidentTimer) incidentTimer = setInterval(checkIncident, 30000);
    api("/api/v1/conversations/" + encodeURIComponent(state.conversationId) +
        "/incident?locale=" + encodeURIComponent(navigator.language || "")).then(function (body) {
      var shown = body.incident;
      incident.textContent = shown ? shown.text : "";
      incident.hidden = !shown;
    }, function () { /* keep what is shown: the next check corrects it */ });
  }
  function connect() {
    var url = BASE.replace(/^http/, "ws") + "/ws/conversations/" +
      encodeURIComponent(state.conversationId) + "?after=" + state.lastId +
      "&locale=" + encodeURIComponent(navigator.language || "");
    try { socket = new WebSocket(url); } catch (e) { socket = null; schedulePoll(); return; }
    socket.onopen = function () {
      retryDelay = 1000; status.classList.remove("sb-offline");
      stopPoll(); flush();
    };
    socket.onmessage = function (event) {
      var frame = JSON.parse(event.data);
      if (frame.type === "update") applyUpdate(frame);
      if (frame.type === "ack" && frame.client_message_id) {
        acknowledge(frame.client_message_id, frame.message_id, frame.stored_text);
        if (frame.busy) busyOn(frame.busy);
        if (frame.notice) busyOn(frame.notice);  // too many messages: stored, not answered
      }
      if (frame.type === "error" && frame.client_message_id) acknowledge(frame.client_message_id);
    };
    socket.onclose = function () {
      socket = null;
      schedulePoll();  // keep going over HTTP while the socket is down
      setTimeout(function () { if (!socket) connect(); }, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    };
  }
  function schedulePoll() {
    if (pollTimer) return;
    pollTimer = setInterval(poll, 2000);
    poll();
  }
  function stopPoll() { clearInterval(pollTimer); pollTimer = null; }
  function poll() {
    if (!state.conversationId) { start(); return; }
    api("/api/v1/conversations/" + encodeURIComponent(state.conversationId) +
        "/messages?after=" + state.lastId).then(function (update) {
      status.classList.remove("sb-offline");
      applyUpdate(update); flush();
    }, function () {
      status.classList.add("sb-offline"); status.textContent = ui("offline");
    });
  }
  function submit(text, shown) {
    // Numbered on the client: the server stores them in this order, whatever order the
    // network delivers them in.
    state.seq = (state.seq || 0) + 1;
    var entry = { id: (crypto.randomUUID ? crypto.randomUUID() : String(Date.now() + Math.random())),
                  text: text, shown: shown, seq: state.seq };
    state.outbox.push(entry); save();
    renderPending(entry); showQuickReplies([]); typingOn();
    ensureConversation().then(flush, function () {
      status.classList.add("sb-offline"); status.textContent = ui("offline");
    });
  }
  var sending = {};
  // One message in flight at a time, oldest first: what was typed while offline goes out
  // in the order it was typed.
  function flush() {
    var entry = state.outbox[0];
    if (!entry || sending[entry.id] || !state.conversationId) return;
    sending[entry.id] = true;
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "message", text: entry.text, client_message_id: entry.id,
                                   client_seq: entry.seq, locale: navigator.language }));
      setTimeout(function () {  // resend if never acked
        if (sending[entry.id]) { delete sending[entry.id]; flush(); }
      }, 10000);
    } else {
      api("/api/v1/conversations/" + encodeURIComponent(state.conversationId) + "/messages", {
        method: "POST",
        // Replies may follow later (polling fetches them): a busy server answers at once.
        headers: { "content-type": "application/json", "prefer": "respond-async" },
        body: JSON.stringify({ text: entry.text, client_message_id: entry.id,
                               client_seq: entry.seq, locale: navigator.language })
      }).then(function (turn) {
        if (turn.flood) {  // stored, not answered: say why
          acknowledge(entry.id); busyOn(turn.flood); return;
        }
        acknowledge(entry.id, turn.message_id, turn.stored_text);
        if (turn.deferred && turn.notice) busyOn(turn.notice);
        applyUpdate({ messages: turn.replies, handoff: turn.handoff, state: turn.state,
                      lang: turn.lang });
      }, function () {
        delete sending[entry.id];
        status.classList.add("sb-offline"); status.textContent = ui("offline");
      });
    }
  }
  // Stored: the message is no longer pending (its stored copy may never be fetched again,
  // since the replies that follow it move the cursor past it).
  // A pasted secret: the bubble shows the stored text ("[REDACTED:password]"), not what
  // was typed, as soon as the server has it.
  function acknowledge(clientId, messageId, storedText) {
    state.outbox = state.outbox.filter(function (entry) { return entry.id !== clientId; });
    delete sending[clientId];
    var item = list.querySelector('[data-client-id="' + CSS.escape(clientId) + '"]');
    if (item) {
      item.classList.remove("sb-pending");
      var shown = item.querySelector(".sb-text");
      if (typeof storedText === "string" && shown) shown.textContent = storedText;
      if (messageId) { item.setAttribute("data-id", String(messageId)); seen[messageId] = true; }
    }
    save();
    flush();
  }
  function rate(value) {
    stars.querySelectorAll("button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(Number(b.getAttribute("data-score")) <= value));
    });
    api("/api/v1/conversations/" + encodeURIComponent(state.conversationId) + "/csat", {
      method: "POST", body: JSON.stringify({ score: value })
    }).then(function () {
      state.rated = true; save();
      stars.hidden = true; status.textContent = ui("thanks");
    }, function () {  // refused: rated before (in another tab) or not closed
      state.rated = true; save(); stars.hidden = true;
    });
  }
  window.addEventListener("online", function () { if (!socket) { stopPoll(); start(); } });

  // A trader who logged in since the conversation began: it becomes verified (a refusal
  // leaves it as it was).
  if (state.conversationId && IDENTITY && state.verifiedAs !== IDENTITY.uid) {
    api("/api/v1/conversations/" + encodeURIComponent(state.conversationId) + "/identity", {
      method: "POST", body: JSON.stringify(IDENTITY)
    }).then(function (identity) {
      if (identity.verified) { state.verifiedAs = identity.uid; save(); }
    }, function () { /* stays unverified */ });
  }
  // Reloading keeps the conversation: replay it from the server, then carry on live.
  if (state.conversationId) {
    var resume = state.lastId;
    state.lastId = 0;
    api("/api/v1/conversations/" + encodeURIComponent(state.conversationId) + "/messages?after=0")
      .then(function (update) {
        applyUpdate(update);
        state.outbox.forEach(renderPending);
      }, function () { state.lastId = resume; });
  }
  window.supportbotWidget = { open: function () { openPanel(true); } };
})();
