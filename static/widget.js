/* Opt-in Gateway widget (docs/web.md): <script src=".../static/widget.js" data-business="SLUG"
   [data-placement="CODE"] [data-lang="ja|en"] async></script>. Shadow DOM, one global, no eval. */
(function () {
  "use strict";
  if (window.OptinWidget) return;
  var me = document.currentScript ||
    document.querySelector('script[data-business][src*="/static/widget.js"]');
  if (!me) return;
  var base = me.src.replace(/\/static\/widget\.js.*$/, "");
  var slug = me.getAttribute("data-business") || "";
  var code = me.getAttribute("data-placement");
  var want = me.getAttribute("data-lang") || document.documentElement.lang ||
    navigator.language || "";
  var lang = /^ja/i.test(want) ? "ja" : "en";
  var api = window.OptinWidget = {};

  var CSS =
    ":host{all:initial!important;position:fixed!important;right:20px!important;" +
    "bottom:20px!important;z-index:2147483000!important;display:block!important;" +
    "font:15px/1.45 system-ui,sans-serif!important;color:#1f2933!important}" +
    "*{box-sizing:border-box;letter-spacing:normal}" +
    ".fab{width:60px;height:60px;border-radius:50%;border:0;background:#25d366;" +
    "cursor:pointer;box-shadow:0 4px 14px #0004}.fab:hover{background:#1ebe5b}" +
    "svg{width:32px;height:32px;fill:#fff;vertical-align:middle}" +
    ":focus-visible{outline:3px solid #128c7e;outline-offset:2px}" +
    ".panel{position:absolute;right:0;bottom:72px;width:340px;max-width:calc(100vw - 40px);" +
    "max-height:calc(100vh - 110px);overflow:auto;background:#fff;border-radius:14px;" +
    "box-shadow:0 8px 30px #0004}.head{display:flex;justify-content:space-between;" +
    "background:#128c7e;color:#fff;padding:12px 14px;font-weight:700}" +
    ".close{background:none;border:0;color:#fff;font-size:22px;line-height:1;cursor:pointer}" +
    ".body{padding:14px}p{margin:0 0 12px;color:#52606d}" +
    ".act{display:block;width:100%;text-align:center;font:inherit;font-weight:700;" +
    "padding:10px;margin:0 0 8px;border-radius:99px;text-decoration:none;cursor:pointer;" +
    "border:2px solid #25d366;background:#fff;color:#075e54}" +
    ".chat{background:#25d366;color:#053b1f}" +
    ".note{font-size:13px;color:#52606d;margin:4px 0 0}" +
    ".act,.note{word-break:keep-all;overflow-wrap:anywhere}" +
    "iframe{width:100%;height:640px;border:0}iframe[hidden]{display:none}";

  function el(parent, tag, attrs, text) {
    var n = document.createElement(tag);
    for (var k in attrs) n.setAttribute(k, attrs[k]);
    if (text) n.textContent = text;
    parent.appendChild(n);
    return n;
  }

  function icon(parent) { // a chat bubble with three dots
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    var p = document.createElementNS(ns, "path");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    p.setAttribute("fill-rule", "evenodd");
    p.setAttribute("d", "M12 2C6.5 2 2 6 2 11c0 2.7 1.3 5.1 3.5 6.8L4.6 22l4.6-2.4c.9.3 1.8.4 " +
      "2.8.4 5.5 0 10-4 10-9s-4.5-9-10-9zM6 11a1.5 1.5 0 1 0 3 0 1.5 1.5 0 1 0-3 0zm4.5 0a1.5 " +
      "1.5 0 1 0 3 0 1.5 1.5 0 1 0-3 0zm4.5 0a1.5 1.5 0 1 0 3 0 1.5 1.5 0 1 0-3 0z");
    svg.appendChild(p);
    parent.appendChild(svg);
  }

  function build(info) {
    var L = info.labels;
    var host = document.createElement("optin-gateway-widget");
    var root = host.attachShadow({ mode: "open" });
    var css = CSS, hex = /^#[0-9a-f]{6}$/;
    if (hex.test(info.accent) && hex.test(info.accent_ink)) // the business's colour
      css += ".head{background:" + info.accent + ";color:" + info.accent_ink + "}" +
        ".close{color:" + info.accent_ink + "}";
    try { // a constructed sheet is not an inline style: allowed under a strict CSP
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      el(root, "style", {}, css);
    }
    var fab = el(root, "button", { type: "button", "class": "fab", "aria-label": L.widget_open,
      "aria-expanded": "false", "aria-controls": "ogw-panel", "aria-haspopup": "dialog" });
    icon(fab);
    var panel = el(root, "div", { id: "ogw-panel", "class": "panel", role: "dialog",
      "aria-labelledby": "ogw-title", hidden: "" });
    var head = el(panel, "div", { "class": "head" });
    el(head, "span", { id: "ogw-title" }, info.name);
    var close = el(head, "button", { type: "button", "class": "close",
      "aria-label": L.widget_close }, "\u00d7");
    var body = el(panel, "div", { "class": "body" });
    el(body, "p", {}, L.widget_greeting);
    var chat = el(body, "a", { "class": "act chat", target: "_blank", rel: "noopener",
      href: code ? base + "/l/" + encodeURIComponent(code) : info.chat_url }, L.widget_chat);
    var frame = null;
    if (info.embed_allowed === false) {
      // This site may not frame the form: the hosted page in a new tab, and a sentence why.
      el(body, "a", { "class": "act", target: "_blank", rel: "noopener",
        href: info.optin_url }, L.widget_updates);
      el(body, "p", { "class": "note", "data-ogw": "elsewhere" }, L.widget_elsewhere);
      console.warn("OptinWidget: " + location.origin + " may not embed the sign-up form of " +
        slug + "; it opens in a new tab. Add this site under Settings > Sites in the dashboard.");
    } else {
      var upd = el(body, "button", { type: "button", "class": "act", "aria-expanded": "false",
        "aria-controls": "ogw-form" }, L.widget_updates);
      upd.addEventListener("click", function () {
        frame = frame || el(body, "iframe", { id: "ogw-form", title: L.widget_form_title,
          hidden: "",
          src: info.form_url + "&page=" + encodeURIComponent(location.href.slice(0, 1900)) });
        frame.hidden = !frame.hidden;
        upd.setAttribute("aria-expanded", String(!frame.hidden));
        if (!frame.hidden) frame.focus();
      });
    }

    function open() {
      panel.hidden = false;
      fab.setAttribute("aria-expanded", "true");
      chat.focus();
    }
    function shut() {
      if (panel.hidden) return;
      panel.hidden = true;
      fab.setAttribute("aria-expanded", "false");
      fab.focus();
    }
    fab.addEventListener("click", function () { panel.hidden ? open() : shut(); });
    close.addEventListener("click", shut);
    root.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { e.stopPropagation(); shut(); }
    });
    api.open = open;
    api.close = shut;
    document.body.appendChild(host);
  }

  function start() {
    fetch(base + "/b/" + encodeURIComponent(slug) + "/widget.json?lang=" + lang,
      { credentials: "omit" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(build)
      .catch(function (e) { console.warn("OptinWidget:", e.message); });
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
