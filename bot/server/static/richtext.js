/* Safe rich text for bot answers and agent replies (never for what users type).
 *
 * A small subset of Markdown, turned into DOM nodes one by one: paragraphs and line
 * breaks, numbered and bulleted lists, **bold**, [label](url) and bare URLs. Nothing is
 * ever parsed as HTML (no innerHTML anywhere), so a "<script>" in an answer is text.
 *
 * Links are clickable only when they go where the exchange said they may: http/https to
 * one of CONFIG.link_hosts (the configured support links and the sites embedding the
 * widget) or one of their subdomains, and mailto:. Any other URL stays visible as plain
 * text: an agent tricked into pasting a phishing link, or a poisoned answer, cannot put a
 * one-click trap in front of a trader whose funds are at stake.
 *
 * Bundled by the server (bot/server/static_files.py) inside one function with CONFIG in
 * scope, before the widget's or the console's own script: it adds no global name. */
var renderRich = (function () {
  "use strict";
  var hosts = (CONFIG.link_hosts || []).map(function (h) { return String(h).toLowerCase(); });
  // **bold** | [label](target) | a bare http(s) or mailto URL
  var INLINE = /\*\*([^*\n]+?)\*\*|\[([^\]\n]{1,300})\]\(([^()\s]{1,2000})\)|((?:https?:\/\/|mailto:)[^\s<>"'`]+)/g;
  // Punctuation a sentence puts after a URL ("see https://x.com/fees." or "…/fees。")
  var TRAILING = /[.,;:!?'"»」』。，、；：！？）)\]]+$/;

  function safeHref(raw) {
    var url;
    try { url = new URL(raw); } catch (e) { return null; }
    if (url.protocol === "mailto:") return /^mailto:[^\s@]+@[^\s@]+$/.test(url.href) ? url.href : null;
    if (url.protocol !== "https:" && url.protocol !== "http:") return null;
    // https://support.example.com@evil.example reads as the first, goes to the second.
    if (url.username || url.password) return null;
    var host = url.hostname.toLowerCase();
    for (var i = 0; i < hosts.length; i++) {
      if (host === hosts[i] || host.slice(-hosts[i].length - 1) === "." + hosts[i]) return url.href;
    }
    return null;
  }

  function link(parent, href, label) {
    var a = document.createElement("a");
    a.setAttribute("href", href);
    a.setAttribute("target", "_blank");
    a.setAttribute("rel", "noopener noreferrer nofollow");
    a.textContent = label;
    parent.appendChild(a);
  }

  function text(parent, value) {
    if (value) parent.appendChild(document.createTextNode(value));
  }

  function inline(parent, value, nested) {
    INLINE.lastIndex = 0;
    var found, at = 0, parts = [];
    while ((found = INLINE.exec(value)) !== null) { parts.push(found); }
    parts.forEach(function (m) {
      text(parent, value.slice(at, m.index));
      at = m.index + m[0].length;
      if (m[1] !== undefined) {
        var strong = document.createElement("strong");
        if (nested) text(strong, m[1]); else inline(strong, m[1], true);
        parent.appendChild(strong);
      } else if (m[2] !== undefined) {
        var target = safeHref(m[3]);
        // Not allowed: both label and address stay readable, nothing is clickable.
        if (target) link(parent, target, m[2]); else text(parent, m[2] + " (" + m[3] + ")");
      } else {
        var raw = m[4], tail = "";
        var cut = TRAILING.exec(raw);
        if (cut && !(cut[0].charAt(0) === ")" && raw.indexOf("(") >= 0)) {
          tail = cut[0]; raw = raw.slice(0, raw.length - tail.length);
        }
        var href = safeHref(raw);
        if (href) link(parent, href, raw.replace(/^mailto:/, "")); else text(parent, raw);
        text(parent, tail);
      }
    });
    text(parent, value.slice(at));
  }

  return function (container, value) {
    container.classList.add("rich");
    var list = null, paragraph = null;
    String(value).split(/\r?\n/).forEach(function (line) {
      var numbered = /^\s*(\d{1,3})[.)]\s+(.*)$/.exec(line);
      var bulleted = numbered ? null : /^\s*[-*•]\s+(.*)$/.exec(line);
      if (numbered || bulleted) {
        var kind = numbered ? "OL" : "UL";
        if (!list || list.tagName !== kind) {
          list = document.createElement(kind);
          if (numbered && numbered[1] !== "1") list.setAttribute("start", numbered[1]);
          container.appendChild(list);
        }
        var item = document.createElement("li");
        inline(item, numbered ? numbered[2] : bulleted[1], false);
        list.appendChild(item);
        paragraph = null;
        return;
      }
      list = null;
      if (!line.trim()) { paragraph = null; return; }
      if (paragraph) paragraph.appendChild(document.createElement("br"));
      else { paragraph = document.createElement("p"); container.appendChild(paragraph); }
      inline(paragraph, line, false);
    });
    return container;
  };
})();
