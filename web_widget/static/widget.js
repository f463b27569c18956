/* The ASB case review chat widget: one script tag, no framework. See docs/web_widget.md.
 * The server fills in CONFIG and STRINGS (one table per language the deployment enables). */
(function () {
  "use strict";
  var CONFIG = /*@CONFIG@*/ {};
  var STRINGS = /*@STRINGS@*/ {};
  var KEY = "asb-widget";
  var RETRY_SECONDS = [2, 4, 8, 16, 30];
  var script = document.currentScript;
  if (!script || document.querySelector(".asbw")) return;

  var data = script.dataset;
  var rasaUrl = (data.rasaUrl || CONFIG.rasaUrl).replace(/\/+$/, "");
  var store = window.sessionStorage;
  var state = load() || fresh(startLanguage());
  var pending = state.pending || null;
  var busy = false;
  var attempt = 0;
  var retryTimer = null;
  var shiftPresses = 0;
  var shiftTimer = null;

  function startLanguage() {
    var wanted = [data.language, document.documentElement.lang];
    for (var i = 0; i < wanted.length; i++) {
      var code = (wanted[i] || "").toLowerCase().split("-")[0];
      if (STRINGS[code]) return code;
    }
    return CONFIG.defaultLanguage;
  }

  function fresh(language) {
    return { sender: newId(), lang: language, open: false, log: [] };
  }

  function newId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return (b + 256).toString(16).slice(1);
    }).join("");
  }

  function load() {
    try {
      var saved = JSON.parse(store.getItem(KEY));
      return saved && saved.sender && STRINGS[saved.lang] ? saved : null;
    } catch (e) {
      return null;
    }
  }

  function save() {
    state.pending = pending;
    try {
      store.setItem(KEY, JSON.stringify(state));
    } catch (e) {
      /* storage full or blocked: the conversation still works in this page */
    }
  }

  function t(key) {
    return STRINGS[state.lang][key];
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (name === "text") node.textContent = value;
      else if (value === true) node.setAttribute(name, "");
      else if (value !== false && value != null) node.setAttribute(name, value);
    });
    (children || []).forEach(function (child) {
      node.append(child);
    });
    return node;
  }

  function hidden(text, id) {
    return el("span", { class: "asbw-vh", id: id, text: text });
  }

  // ---- the page structure ----
  var launcher = el("button", {
    type: "button", class: "asbw-launcher", "aria-expanded": "false", "aria-controls": "asbw-panel"
  });
  var title = el("h2", { class: "asbw-title", id: "asbw-title" });
  var agency = el("p", { class: "asbw-agency", text: CONFIG.agencyName });
  var exitButton = el("button", {
    type: "button", class: "asbw-exit", "aria-describedby": "asbw-exit-hint"
  });
  var exitHint = hidden("", "asbw-exit-hint");
  var closeButton = el("button", { type: "button", class: "asbw-close" });
  var languageButton = el("button", {
    type: "button", class: "asbw-tool", "aria-expanded": "false", "aria-controls": "asbw-languages"
  });
  var languageList = el("ul", { class: "asbw-languages", id: "asbw-languages", hidden: true });
  var restartButton = el("button", { type: "button", class: "asbw-tool" });
  var log = el("div", { class: "asbw-log", role: "log", "aria-live": "polite", tabindex: "0" });
  var replies = el("div", { class: "asbw-replies", role: "group" });
  var status = el("div", { class: "asbw-status", role: "status" });
  var alertBox = el("div", { class: "asbw-alert", role: "alert" });
  var dateInput = el("input", { type: "date", id: "asbw-date", class: "asbw-field" });
  var dateLabel = el("label", { for: "asbw-date" });
  var dateSend = el("button", { type: "submit", class: "asbw-send" });
  var dateForm = el("form", { class: "asbw-form asbw-date-form", hidden: true }, [
    dateLabel, el("div", { class: "asbw-row" }, [dateInput, dateSend])
  ]);
  var input = el("input", {
    type: "text", id: "asbw-input", class: "asbw-field", autocomplete: "off", maxlength: "1000"
  });
  var inputLabel = el("label", { for: "asbw-input" });
  var send = el("button", { type: "submit", class: "asbw-send" });
  var form = el("form", { class: "asbw-form" }, [
    inputLabel, el("div", { class: "asbw-row" }, [input, send])
  ]);
  var logo = CONFIG.logoUrl ? el("img", { class: "asbw-logo", src: CONFIG.logoUrl, alt: "" }) : "";
  var panel = el("section", {
    class: "asbw-panel", id: "asbw-panel", "aria-labelledby": "asbw-title", hidden: true
  }, [
    el("div", { class: "asbw-header" }, [
      logo,
      el("div", { class: "asbw-names" }, [title, agency]),
      el("div", { class: "asbw-actions" }, [exitButton, exitHint, closeButton])
    ]),
    el("div", { class: "asbw-tools" }, [languageButton, restartButton]),
    languageList,
    log, replies, status, alertBox, dateForm, form
  ]);
  var root = el("div", { class: "asbw", hidden: true }, [launcher, panel]);

  function applyLanguage() {
    var strings = STRINGS[state.lang];
    root.lang = state.lang;
    root.dir = strings.dir;
    launcher.textContent = t("launcher");
    title.textContent = t("title");
    exitButton.textContent = t("exit");
    exitHint.textContent = t("exit_hint");
    closeButton.replaceChildren(el("span", { "aria-hidden": "true", text: "×" }), hidden(t("close")));
    languageButton.textContent = t("language") + ": " + strings.name;
    restartButton.textContent = t("start_again");
    log.setAttribute("aria-label", t("log"));
    replies.setAttribute("aria-label", t("replies"));
    inputLabel.textContent = t("input");
    send.textContent = t("send");
    dateLabel.textContent = t("date");
    dateSend.textContent = t("send_date");
    languageList.replaceChildren.apply(languageList, CONFIG.languages.map(function (code) {
      var choice = el("button", {
        type: "button", class: "asbw-choice", lang: code, dir: STRINGS[code].dir,
        "aria-current": code === state.lang ? "true" : false, text: STRINGS[code].name
      });
      choice.addEventListener("click", function () {
        toggleLanguages(false);
        languageButton.focus();
        if (code !== state.lang) {
          setLanguage(code);
          submit('/change_language{"language":"' + code + '"}', STRINGS[code].name, false, true);
        }
      });
      return el("li", {}, [choice]);
    }));
    if (alertBox.firstChild) showOffline();
  }

  function setLanguage(code) {
    if (!STRINGS[code] || code === state.lang) return;
    state.lang = code;
    applyLanguage();
    renderLog();
    save();
  }

  // ---- the conversation ----
  var LINK = /\[([^\]\n]+)\]\(((?:https:\/\/|mailto:|tel:)[^\s()]+)\)/g;

  function withLinks(text) {
    var parts = [];
    var last = 0;
    text.replace(LINK, function (match, label, href, offset) {
      parts.push(text.slice(last, offset));
      parts.push(el("a", { href: href, rel: "noopener noreferrer", target: "_blank" }, [
        label, hidden(" " + t("new_tab"))
      ]));
      last = offset + match.length;
    });
    parts.push(text.slice(last));
    return parts;
  }

  function renderEntry(entry) {
    if (!entry.text) return;
    var fromBot = entry.from === "bot";
    var body = el("p", { class: "asbw-text", dir: "auto" },
      fromBot ? withLinks(entry.text) : [entry.text]);
    log.append(el("div", { class: "asbw-msg asbw-" + entry.from }, [
      hidden(t(fromBot ? "bot" : "you") + " "), body
    ]));
  }

  function renderLog() {
    log.replaceChildren();
    state.log.forEach(renderEntry);
    renderChoices();
    log.scrollTop = log.scrollHeight;
  }

  function lastBot() {
    var last = state.log[state.log.length - 1];
    return last && last.from === "bot" ? last : null;
  }

  // The assistant's latest answer (one or more messages) while the user has not replied to it.
  function latestAnswer() {
    var last = lastBot();
    return last ? state.log.filter(function (entry) {
      return entry.from === "bot" && entry.turn === last.turn;
    }) : [];
  }

  function renderChoices() {
    var answer = latestAnswer();
    var asking = null;
    var purpose = "";
    replies.replaceChildren();
    answer.forEach(function (entry) {
      if (entry.custom && entry.custom.input === "date") asking = entry.custom;
      if (entry.custom && entry.custom.autocomplete) purpose = String(entry.custom.autocomplete);
      if (!entry.buttons) return;
      replies.append(el("div", { class: "asbw-group" }, entry.buttons.map(function (button) {
        var choice = el("button", {
          type: "button", class: "asbw-reply", dir: "auto", "data-payload": button.payload,
          text: button.title
        });
        choice.addEventListener("click", function () {
          submit(button.payload, button.title, false);
        });
        return choice;
      })));
    });
    replies.hidden = !replies.firstChild;
    // The user's own name, address, phone or email: the browser may offer to fill it in, and
    // phones show the right keyboard (WCAG 2.2, 1.3.5). Anything else: "off".
    input.setAttribute("autocomplete", purpose || "off");
    var mode = { email: "email", tel: "tel" }[purpose];
    if (mode) input.setAttribute("inputmode", mode);
    else input.removeAttribute("inputmode");
    dateForm.hidden = !asking;
    if (asking && asking.max) dateInput.max = asking.max;
    else dateInput.removeAttribute("max");
  }

  function add(entry) {
    state.log.push(entry);
    renderEntry(entry);
  }

  function receive(messages, turn) {
    var bots = messages.filter(function (m) {
      return m && (m.text || m.buttons || m.custom);
    });
    bots.forEach(function (m) {
      var custom = m.custom && typeof m.custom === "object" ? m.custom : null;
      if (custom && custom.language) setLanguage(custom.language);
      var entry = { from: "bot", text: typeof m.text === "string" ? m.text : "", turn: turn };
      if (Array.isArray(m.buttons) && m.buttons.length) entry.buttons = m.buttons;
      if (custom) entry.custom = custom;
      add(entry);
    });
  }

  // Sends one message; while it cannot be delivered it is kept (and the typed text stays in the
  // box) and tried again with a growing delay, or at once with the retry button.
  function submit(message, shown, typed, keepFocus) {
    if (busy) return;
    if (pending && !pending.typed && typed) {
      deliver();
      return;
    }
    pending = {
      message: message, shown: shown, typed: typed, keepFocus: !!keepFocus, lang: state.lang
    };
    save();
    deliver();
  }

  function deliver() {
    if (!pending || busy) return;
    clearTimeout(retryTimer);
    var job = pending;
    busy = true;
    root.classList.add("asbw-busy");
    status.textContent = t("sending");
    window.fetch(rasaUrl + "/webhooks/rest/webhook", {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        sender: state.sender, message: job.message, metadata: { language: job.lang }
      })
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (messages) {
      if (!Array.isArray(messages)) throw new Error("not a list");
      var wasOffline = attempt > 0;
      pending = null;
      attempt = 0;
      alertBox.replaceChildren();
      if (job.shown) add({ from: "user", text: job.shown });
      if (job.typed && input.value === job.shown) input.value = "";
      state.turn = (state.turn || 0) + 1;
      receive(messages, state.turn);
      renderChoices();
      log.scrollTop = log.scrollHeight;
      status.textContent = wasOffline ? t("back") : "";
      // A typed answer keeps the focus in the box; after a button or a date it moves to the
      // next question's first choice (or its date field, or the box).
      if (job.message === "/greet") focusNext(false);
      else if (!job.typed && !job.keepFocus) focusNext(true);
    }).catch(function () {
      attempt += 1;
      status.textContent = "";
      showOffline();
      var seconds = RETRY_SECONDS[Math.min(attempt, RETRY_SECONDS.length) - 1];
      retryTimer = setTimeout(deliver, seconds * 1000);
    }).then(function () {
      busy = false;
      root.classList.remove("asbw-busy");
      save();
    });
  }

  function focusNext(preferChoice) {
    if (panel.hidden) return;
    var choice = replies.querySelector("button");
    if (preferChoice && choice) choice.focus();
    else if (preferChoice && !dateForm.hidden) dateInput.focus();
    else input.focus();
  }

  function showOffline() {
    var retry = el("button", { type: "button", class: "asbw-retry", text: t("retry") });
    retry.addEventListener("click", function () {
      deliver();
    });
    alertBox.replaceChildren(el("p", { text: t("offline") }), retry);
  }

  // ---- opening, closing, starting again, leaving ----
  function open(moveFocus) {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    state.open = true;
    save();
    log.scrollTop = log.scrollHeight;
    if (moveFocus) input.focus();
    if (!state.log.length && !pending) submit("/greet", null, false);
    else if (pending) deliver();
  }

  function close() {
    toggleLanguages(false);
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    save();
    launcher.focus();
  }

  function startAgain() {
    var oldSender = state.sender;
    window.fetch(rasaUrl + "/webhooks/rest/webhook", {
      method: "POST", mode: "cors", credentials: "omit", keepalive: true,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: oldSender, message: "/restart" })
    }).catch(function () { /* the new conversation does not depend on it */ });
    clearTimeout(retryTimer);
    pending = null;
    attempt = 0;
    alertBox.replaceChildren();
    input.value = "";
    state = fresh(state.lang);
    state.open = true;
    renderLog();
    save();
    input.focus();
    submit("/greet", null, false);
  }

  function exitPage() {
    document.documentElement.classList.add("asbw-exiting");
    document.body.append(el("div", { class: "asbw-cover" }));
    root.remove();
    document.title = "";
    try {
      store.removeItem(KEY);
    } catch (e) { /* nothing to clear */ }
    window.location.replace(CONFIG.exitUrl);
  }

  function toggleLanguages(show) {
    languageList.hidden = !show;
    languageButton.setAttribute("aria-expanded", show ? "true" : "false");
  }

  launcher.addEventListener("click", function () {
    open(true);
  });
  closeButton.addEventListener("click", close);
  exitButton.addEventListener("click", exitPage);
  restartButton.addEventListener("click", startAgain);
  languageButton.addEventListener("click", function () {
    toggleLanguages(languageList.hidden);
    if (!languageList.hidden) languageList.querySelector("[aria-current]").focus();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (text) submit(text, text, true);
    else input.focus();
  });
  dateForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var value = dateInput.value;
    if (!value) return dateInput.focus();
    var shown = new Date(value + "T12:00:00").toLocaleDateString(state.lang, {
      day: "numeric", month: "long", year: "numeric"
    });
    dateInput.value = "";
    submit(value, shown, false);
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    if (!languageList.hidden) {
      toggleLanguages(false);
      languageButton.focus();
    } else {
      close();
    }
  });
  // "Exit this page" on three presses of Shift, as in the GOV.UK component.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift") {
      shiftPresses = 0;
      return;
    }
    if (event.repeat) return;
    shiftPresses += 1;
    clearTimeout(shiftTimer);
    shiftTimer = setTimeout(function () {
      shiftPresses = 0;
    }, 5000);
    if (shiftPresses >= 3) exitPage();
  });
  window.addEventListener("online", function () {
    if (pending) deliver();
  });

  var styles = el("link", { rel: "stylesheet", href: new URL(CONFIG.css, script.src).href });
  if (CONFIG.cssIntegrity) {
    styles.integrity = CONFIG.cssIntegrity;
    styles.crossOrigin = "anonymous";
  }
  styles.addEventListener("load", function () {
    root.hidden = false;
  });
  styles.addEventListener("error", function () {
    root.hidden = false;
  });
  document.head.append(styles);
  applyLanguage();
  renderLog();
  document.body.append(root);
  if (state.open) open(false);
}());
