/*
 * The web chat widget a site embeds (docs/web_chat.md):
 *
 *   <script src="{web}/webchat/widget.js" data-channel="{channel_id}" async></script>
 *
 * It adds a round button in the bottom corner that opens and closes the chat page
 * ({web}/chat/{channel_id}?embed=1&lang=zh|en, the site's <html lang>) in a frame above it;
 * on a phone the frame fills the screen. It runs on other people's pages, so it keeps to
 * itself: one button, one frame, styles under its own class names, no globals but a guard.
 */
(function () {
  "use strict";

  var WIDGET_PATH = "/webchat/widget.js";
  var PREFIX = "clawscale-webchat";
  var WORDS = {
    en: { open: "Open the chat window", close: "Minimise the chat window", frame: "Chat" },
    zh: { open: "打开聊天窗口", close: "收起聊天窗口", frame: "聊天" },
  };
  var CHAT_ICON =
    '<svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true" fill="none" ' +
    'stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">' +
    '<path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"/></svg>';
  var CLOSE_ICON =
    '<svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" fill="none" ' +
    'stroke="currentColor" stroke-width="2" stroke-linecap="round">' +
    '<path d="M18 6 6 18M6 6l12 12"/></svg>';
  var STYLE =
    "." + PREFIX + "-toggle{position:fixed;right:20px;bottom:20px;z-index:2147483001;" +
    "width:56px;height:56px;border:none;border-radius:50%;padding:0;cursor:pointer;" +
    "display:flex;align-items:center;justify-content:center;color:#fff;background:#3e63dd;" +
    "box-shadow:0 6px 20px rgba(0,0,0,.25)}" +
    "." + PREFIX + "-toggle:focus-visible{outline:3px solid #9eb1ff;outline-offset:2px}" +
    "." + PREFIX + "-frame{position:fixed;right:20px;bottom:88px;z-index:2147483000;" +
    "width:380px;height:min(600px,calc(100vh - 110px));border:none;border-radius:14px;" +
    "background:#fff;box-shadow:0 12px 40px rgba(0,0,0,.25)}" +
    "." + PREFIX + "-frame[hidden]{display:none}" +
    "@media (max-width:480px){" +
    "." + PREFIX + "-frame{inset:0;width:100%;height:100%;border-radius:0}" +
    "." + PREFIX + "-toggle[aria-expanded=true]{top:8px;right:8px;bottom:auto;" +
    "width:40px;height:40px}}";

  var script =
    document.currentScript ||
    document.querySelector('script[data-channel][src*="' + WIDGET_PATH + '"]');
  if (!script || !script.getAttribute("data-channel")) {
    return;
  }
  var channel = script.getAttribute("data-channel");
  var guard = PREFIX + ":" + channel;
  if (window[guard]) {
    return;
  }
  window[guard] = true;

  var source = new URL(script.src, window.location.href);
  var base = source.origin + source.pathname.slice(0, source.pathname.lastIndexOf(WIDGET_PATH));

  function language() {
    var lang = (document.documentElement.lang || "").toLowerCase();
    return lang.indexOf("zh") === 0 ? "zh" : "en";
  }

  function chatUrl() {
    var query = "?embed=1&lang=" + language();
    return base + "/chat/" + encodeURIComponent(channel) + query;
  }

  function setUp() {
    var style = document.createElement("style");
    style.textContent = STYLE;
    document.head.appendChild(style);

    var frameId = PREFIX + "-frame-" + channel;
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = PREFIX + "-toggle";
    toggle.setAttribute("aria-controls", frameId);
    var frame = null;

    function show(open) {
      var words = WORDS[language()];
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      toggle.setAttribute("aria-label", open ? words.close : words.open);
      toggle.innerHTML = open ? CLOSE_ICON : CHAT_ICON;
      if (open && !frame) {
        frame = document.createElement("iframe");
        frame.id = frameId;
        frame.className = PREFIX + "-frame";
        frame.title = words.frame;
        frame.src = chatUrl();
        document.body.appendChild(frame);
      }
      if (frame) {
        frame.hidden = !open;
      }
    }

    toggle.addEventListener("click", function () {
      show(toggle.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        show(false);
        toggle.focus();
      }
    });
    show(false);
    document.body.appendChild(toggle);
  }

  if (document.body) {
    setUp();
  } else {
    document.addEventListener("DOMContentLoaded", setUp);
  }
})();
