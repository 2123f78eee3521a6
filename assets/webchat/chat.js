/*
 * The web chat's conversation on /chat/{channel_id} (clawscale/pages/chat/channel.py), against
 * the chat API of docs/web_chat.md. Plain JavaScript, no build step.
 *
 * The page renders an empty container (#web-chat, with the API's address and the channel in
 * data-api and data-channel) and, hidden, the words to show (#web-chat-labels, one element per
 * data-label, in the page's language). This script keeps the conversation (the visitor's token
 * in localStorage, the history page by page, the messages being sent, the live stream) and
 * renders it into whichever container the page holds now: React may mount it anew, and a
 * language switch changes the labels, so both are watched and the chat drawn again.
 */
(function () {
  "use strict";

  if (window.clawscaleWebChat) {
    return;
  }

  var CONTAINER_ID = "web-chat";
  var LABELS_ID = "web-chat-labels";
  var TOKEN_KEY = "clawscale-web-chat:";
  var PAGE_SIZE = 50;
  var MAX_LENGTH = 4000;
  var RETRY_DELAYS_MS = [1000, 2000, 5000, 10000, 30000];
  var NEAR_BOTTOM_PX = 80;
  var IMAGE = /\.(png|jpe?g|gif|webp|avif)(?:[?#]|$)/i;

  var chat = null;
  var view = null;
  var drawnLabels = "";

  function label(key) {
    var found = document.querySelector("#" + LABELS_ID + " [data-label='" + key + "']");
    return found ? found.textContent : "";
  }

  function labelsText() {
    var labels = document.getElementById(LABELS_ID);
    return labels ? labels.textContent + "|" + document.documentElement.lang : "";
  }

  function element(tag, className, text) {
    var made = document.createElement(tag);
    if (className) {
      made.className = className;
    }
    if (text !== undefined) {
      made.textContent = text;
    }
    return made;
  }

  function retryDelay(attempt) {
    return RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)];
  }

  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  /* The site embedding the chat, when the page is in a frame: its origin goes with every call. */
  function embeddingSite() {
    if (window.parent === window) {
      return "";
    }
    var ancestors = window.location.ancestorOrigins;
    if (ancestors && ancestors.length) {
      return ancestors[0];
    }
    try {
      return document.referrer ? new URL(document.referrer).origin : "";
    } catch (error) {
      return "";
    }
  }

  /* ---- the API ---- */

  function ApiError(status, code, retryAfter) {
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }

  function channelUrl(c, path) {
    return c.api + "/api/webchat/" + encodeURIComponent(c.channel) + path;
  }

  async function call(c, method, path, body, withToken) {
    var headers = { Accept: "application/json" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    if (withToken) {
      headers.Authorization = "Bearer " + c.token;
    }
    var site = embeddingSite();
    if (site) {
      headers["X-Web-Chat-Site"] = site;
    }
    var response;
    try {
      response = await fetch(channelUrl(c, path), {
        method: method,
        headers: headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError(0, "network", 0);
    }
    var envelope = await response.json().catch(function () {
      return {};
    });
    if (response.ok && envelope.ok) {
      return envelope.data;
    }
    var retryAfter = Number(response.headers.get("Retry-After")) || 0;
    throw new ApiError(response.status, envelope.error || "http_" + response.status, retryAfter);
  }

  function keptToken(c) {
    try {
      return window.localStorage.getItem(c.tokenKey) || "";
    } catch (error) {
      return "";
    }
  }

  function keepToken(c, token) {
    c.token = token;
    try {
      if (token) {
        window.localStorage.setItem(c.tokenKey, token);
      } else {
        window.localStorage.removeItem(c.tokenKey);
      }
    } catch (error) {
      /* a browser that keeps nothing: the visitor lasts as long as the page */
    }
  }

  async function ensureVisitor(c) {
    if (!c.token) {
      c.token = keptToken(c);
    }
    if (!c.token) {
      var visitor = await call(c, "POST", "/visitors");
      keepToken(c, visitor.visitor_token);
    }
  }

  /* The token was refused: forget it and everything read with it, and start a new visitor. */
  async function renewVisitor(c) {
    keepToken(c, "");
    closeStream(c);
    c.messages = {};
    c.nextBefore = null;
    c.lastId = "";
    await ensureVisitor(c);
  }

  async function asVisitor(c, method, path, body) {
    await ensureVisitor(c);
    try {
      return await call(c, method, path, body, true);
    } catch (error) {
      if (error.code !== "invalid_visitor_token") {
        throw error;
      }
      var listening = Boolean(c.source);
      await renewVisitor(c);
      var answer = await call(c, method, path, body, true);
      if (listening) {
        openStream(c);
      }
      return answer;
    }
  }

  /* ---- the conversation ---- */

  function newChat(api, channel) {
    return {
      api: api,
      channel: channel,
      tokenKey: TOKEN_KEY + channel,
      token: "",
      name: "",
      status: "loading",
      messages: {},
      pending: [],
      nextBefore: null,
      lastId: "",
      loadingEarlier: false,
      source: null,
      attempts: 0,
      timer: null,
      stopped: false,
      draft: "",
      stickToBottom: true,
    };
  }

  function ordered(c) {
    return Object.keys(c.messages)
      .sort()
      .map(function (id) {
        return c.messages[id];
      });
  }

  function receive(c, message) {
    if (!message || typeof message.id !== "string") {
      return;
    }
    var known = Object.prototype.hasOwnProperty.call(c.messages, message.id);
    c.messages[message.id] = message;
    if (message.id > c.lastId) {
      c.lastId = message.id;
    }
    if (!known && message.role === "visitor") {
      var echo = c.pending.findIndex(function (entry) {
        return entry.text === message.text;
      });
      if (echo >= 0) {
        c.pending.splice(echo, 1);
      }
    }
  }

  function receivePage(c, page) {
    page.items.forEach(function (message) {
      receive(c, message);
    });
  }

  function fail(c, error) {
    if (error.code === "origin_not_allowed") {
      c.status = "unavailable";
    } else if (error.status === 404) {
      c.status = "not_found";
    } else {
      c.status = "offline";
      later(c, function () {
        start(c);
      });
    }
    if (c.status !== "offline") {
      closeStream(c);
    }
    draw();
  }

  /* Whether the chat cannot be used here at all: another site's, or no such chat. */
  function closing(error) {
    return error.code === "origin_not_allowed" || error.status === 404;
  }

  function later(c, action) {
    clearTimeout(c.timer);
    c.timer = setTimeout(function () {
      if (!c.stopped) {
        action();
      }
    }, retryDelay(c.attempts));
    c.attempts += 1;
  }

  async function start(c) {
    try {
      var channel = await call(c, "GET", "");
      c.name = channel.name || "";
      var page = await asVisitor(c, "GET", "/messages?limit=" + PAGE_SIZE);
      if (c.stopped) {
        return;
      }
      receivePage(c, page);
      c.nextBefore = page.next_before;
      c.status = "ready";
      c.attempts = 0;
      openStream(c);
      draw();
    } catch (error) {
      fail(c, error);
    }
  }

  function closeStream(c) {
    if (c.source) {
      c.source.close();
      c.source = null;
    }
  }

  function openStream(c) {
    closeStream(c);
    if (c.stopped || !c.token) {
      return;
    }
    var query = "?token=" + encodeURIComponent(c.token);
    if (c.lastId) {
      query += "&after=" + encodeURIComponent(c.lastId);
    }
    var site = embeddingSite();
    if (site) {
      query += "&site=" + encodeURIComponent(site);
    }
    var source = new EventSource(channelUrl(c, "/stream" + query));
    c.source = source;
    source.addEventListener("open", function () {
      c.attempts = 0;
      if (c.status === "offline") {
        c.status = "ready";
        draw();
      }
    });
    source.addEventListener("message", function (event) {
      try {
        receive(c, JSON.parse(event.data));
      } catch (error) {
        return;
      }
      draw();
    });
    source.addEventListener("error", function () {
      if (source !== c.source) {
        return;
      }
      if (c.status === "ready") {
        c.status = "offline";
        draw();
      }
      if (source.readyState === EventSource.CLOSED) {
        closeStream(c);
        later(c, function () {
          catchUp(c);
        });
      }
    });
  }

  /* After the stream was refused: read the newest page (renewing a refused visitor), then
   * listen again after the last message. */
  async function catchUp(c) {
    try {
      receivePage(c, await asVisitor(c, "GET", "/messages?limit=" + PAGE_SIZE));
      c.status = "ready";
      openStream(c);
      draw();
    } catch (error) {
      fail(c, error);
    }
  }

  async function readEarlier(c) {
    if (!c.nextBefore || c.loadingEarlier) {
      return;
    }
    c.loadingEarlier = true;
    draw();
    try {
      var before = encodeURIComponent(c.nextBefore);
      var page = await asVisitor(c, "GET", "/messages?limit=" + PAGE_SIZE + "&before=" + before);
      receivePage(c, page);
      c.nextBefore = page.next_before;
    } catch (error) {
      if (closing(error)) {
        fail(c, error);
      }
    } finally {
      c.loadingEarlier = false;
      keepScrollPosition(draw);
    }
  }

  /* Sends one message; a retry sends the same client id, so the API stores it once. */
  async function deliver(c, entry) {
    entry.state = "sending";
    draw();
    try {
      var message = await asVisitor(c, "POST", "/messages", {
        text: entry.text,
        client_message_id: entry.clientId,
      });
      c.pending = c.pending.filter(function (other) {
        return other !== entry;
      });
      receive(c, message);
    } catch (error) {
      entry.state = error.code === "rate_limited" ? "rate_limited" : "failed";
      if (closing(error)) {
        fail(c, error);
      }
    }
    c.stickToBottom = true;
    draw();
  }

  function submit(c) {
    var text = view.input.value.trim();
    if (!text || c.status === "unavailable" || c.status === "not_found") {
      return;
    }
    var entry = { clientId: newClientId(), text: text.slice(0, MAX_LENGTH), state: "sending" };
    c.pending.push(entry);
    view.input.value = "";
    c.draft = "";
    c.stickToBottom = true;
    deliver(c, entry);
  }

  /* ---- drawing ---- */

  function timeOf(iso) {
    var moment = new Date(iso);
    if (isNaN(moment.getTime())) {
      return "";
    }
    var today = new Date().toDateString() === moment.toDateString();
    var options = today ? { timeStyle: "short" } : { dateStyle: "medium", timeStyle: "short" };
    try {
      return new Intl.DateTimeFormat(document.documentElement.lang || undefined, options).format(
        moment,
      );
    } catch (error) {
      return moment.toLocaleString();
    }
  }

  function mediaLink(url) {
    var link = element("a", "wc-media");
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    if (IMAGE.test(url)) {
      var image = element("img");
      image.src = url;
      image.alt = label("attachment");
      image.loading = "lazy";
      link.appendChild(image);
    } else {
      link.textContent = label("attachment");
      link.title = url;
    }
    return link;
  }

  function safeUrl(url) {
    try {
      var parsed = new URL(url, window.location.href);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : "";
    } catch (error) {
      return "";
    }
  }

  function bubble(role, text, mediaUrls, when) {
    var item = element("li", "wc-message wc-from-" + role);
    item.setAttribute("data-role", role);
    var meta = element("div", "wc-meta");
    meta.appendChild(element("span", "wc-author", label(role === "visitor" ? "you" : "agent")));
    if (when) {
      var time = element("time", "wc-time", timeOf(when));
      time.dateTime = when;
      meta.appendChild(time);
    }
    item.appendChild(meta);
    var body = element("div", "wc-bubble");
    if (text) {
      body.appendChild(element("p", "wc-text", text));
    }
    (mediaUrls || []).map(safeUrl).forEach(function (url) {
      if (url) {
        body.appendChild(mediaLink(url));
      }
    });
    item.appendChild(body);
    return item;
  }

  function pendingBubble(c, entry) {
    var item = bubble("visitor", entry.text, [], "");
    item.classList.add("wc-pending");
    item.setAttribute("data-state", entry.state);
    var state = element("div", "wc-state");
    if (entry.state === "sending") {
      state.textContent = label("sending");
    } else {
      state.appendChild(
        element("span", "", label(entry.state === "rate_limited" ? "rate_limited" : "failed")),
      );
      var retry = element("button", "wc-retry", label("retry"));
      retry.type = "button";
      retry.addEventListener("click", function () {
        deliver(c, entry);
      });
      state.appendChild(retry);
    }
    item.appendChild(state);
    return item;
  }

  function noticeText(c) {
    return {
      loading: label("loading"),
      offline: label("offline"),
      unavailable: label("unavailable"),
      not_found: label("not_found"),
    }[c.status] || "";
  }

  function build(container) {
    container.textContent = "";
    var head = element("header", "wc-head");
    var title = element("h1", "wc-title");
    head.appendChild(title);
    var log = element("div", "wc-log");
    log.setAttribute("role", "log");
    log.tabIndex = 0;
    var earlier = element("button", "wc-earlier");
    earlier.type = "button";
    var empty = element("p", "wc-empty");
    var list = element("ol", "wc-messages");
    log.appendChild(earlier);
    log.appendChild(empty);
    log.appendChild(list);
    var notice = element("p", "wc-notice");
    notice.setAttribute("role", "status");
    var form = element("form", "wc-composer");
    var input = element("textarea", "wc-input");
    input.rows = 1;
    input.maxLength = MAX_LENGTH;
    var send = element("button", "wc-send");
    send.type = "submit";
    form.appendChild(input);
    form.appendChild(send);
    container.appendChild(head);
    container.appendChild(log);
    container.appendChild(notice);
    container.appendChild(form);

    log.addEventListener("scroll", function () {
      if (chat) {
        chat.stickToBottom = log.scrollHeight - log.scrollTop - log.clientHeight < NEAR_BOTTOM_PX;
      }
    });
    earlier.addEventListener("click", function () {
      if (chat) {
        readEarlier(chat);
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (chat) {
        submit(chat);
      }
    });
    input.addEventListener("keydown", function (event) {
      var composing = event.isComposing || event.keyCode === 229;
      if (event.key === "Enter" && !event.shiftKey && !composing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    input.addEventListener("input", function () {
      if (chat) {
        chat.draft = input.value;
      }
    });
    return {
      container: container,
      title: title,
      log: log,
      earlier: earlier,
      empty: empty,
      list: list,
      notice: notice,
      form: form,
      input: input,
      send: send,
    };
  }

  function keepScrollPosition(redraw) {
    if (!view) {
      redraw();
      return;
    }
    var fromBottom = view.log.scrollHeight - view.log.scrollTop;
    redraw();
    view.log.scrollTop = view.log.scrollHeight - fromBottom;
  }

  function draw() {
    if (!view || !chat) {
      return;
    }
    var c = chat;
    var closed = c.status === "unavailable" || c.status === "not_found";
    drawnLabels = labelsText();
    view.title.textContent = c.name || label("title");
    view.log.setAttribute("aria-label", label("log"));
    view.log.hidden = closed;
    view.earlier.textContent = label("earlier");
    view.earlier.hidden = !c.nextBefore || closed;
    view.earlier.disabled = c.loadingEarlier;
    var messages = ordered(c);
    view.empty.textContent = label("empty");
    view.empty.hidden = c.status !== "ready" || messages.length + c.pending.length > 0;
    var items = messages.map(function (message) {
      var item = bubble(message.role, message.text, message.media_urls, message.created_at);
      item.setAttribute("data-id", message.id);
      return item;
    });
    c.pending.forEach(function (entry) {
      items.push(pendingBubble(c, entry));
    });
    view.list.replaceChildren.apply(view.list, items);
    view.notice.textContent = noticeText(c);
    view.notice.hidden = !view.notice.textContent;
    view.notice.setAttribute("data-status", c.status);
    view.form.hidden = closed;
    view.input.setAttribute("aria-label", label("message"));
    view.input.placeholder = label("placeholder");
    view.send.textContent = label("send");
    if (c.stickToBottom) {
      view.log.scrollTop = view.log.scrollHeight;
    }
  }

  /* ---- following the page ---- */

  function stop() {
    if (chat) {
      chat.stopped = true;
      clearTimeout(chat.timer);
      closeStream(chat);
    }
    chat = null;
    view = null;
  }

  function mount(container) {
    var api = (container.getAttribute("data-api") || "").replace(/\/+$/, "");
    var channel = container.getAttribute("data-channel") || "";
    if (!api || !channel) {
      return;
    }
    var same = chat && chat.api === api && chat.channel === channel;
    if (!same) {
      stop();
      chat = newChat(api, channel);
    }
    view = build(container);
    view.input.value = chat.draft;
    draw();
    if (!same) {
      start(chat);
    }
  }

  function follow() {
    var container = document.getElementById(CONTAINER_ID);
    if (!container) {
      if (chat) {
        stop();
      }
      return;
    }
    var moved =
      !view ||
      view.container !== container ||
      !container.contains(view.form) ||
      container.getAttribute("data-channel") !== chat.channel ||
      (container.getAttribute("data-api") || "").replace(/\/+$/, "") !== chat.api;
    if (moved) {
      mount(container);
    } else if (labelsText() !== drawnLabels) {
      draw();
    }
  }

  var scheduled = false;
  function schedule() {
    if (!scheduled) {
      scheduled = true;
      window.setTimeout(function () {
        scheduled = false;
        follow();
      }, 0);
    }
  }

  new MutationObserver(schedule).observe(document.documentElement, {
    childList: true,
    subtree: true,
    characterData: true,
    attributes: true,
    attributeFilter: ["data-api", "data-channel", "lang"],
  });
  window.clawscaleWebChat = { follow: follow };
  follow();
})();
