/* The ASB case review chat widget: one script tag, no framework. See docs/web_widget.md.
 * The server fills in CONFIG and STRINGS (one table per language the deployment enables). */
(function () {
  "use strict";
  var CONFIG = /*@CONFIG@*/ {};
  var STRINGS = /*@STRINGS@*/ {};
  var KEY = "asb-widget";
  var RETRY_SECONDS = [2, 4, 8, 16, 30];
  var LIMIT = CONFIG.messageLimit;
  var REFERENCE = /\bASB-\d{4}-[0-9A-Z]{6}\b/;
  // The downloaded record's styles (no "<", ">" or "&": the serialiser would escape them).
  var RECORD_CSS = "body{font:1rem/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;" +
    "padding:0 1rem;color:#0b0c0c}.asbw-record-line{margin:0 0 .75rem;white-space:pre-line}";
  var script = document.currentScript;
  if (!script || document.querySelector(".asbw")) return;

  var data = script.dataset;
  var rasaUrl = (data.rasaUrl || CONFIG.rasaUrl).replace(/\/+$/, "");
  var store = window.sessionStorage;
  var state = load() || fresh(startLanguage());
  var inFlight = false;
  var attempt = 0;
  var retryTimer = null;
  var countTimer = null;
  var shiftPresses = 0;
  var shiftTimer = null;
  var inerted = [];
  var narrow = window.matchMedia("(max-width: 30em), (max-height: 30em)");
  // A 2nd-report link (#asb-prefill=<id>.<signature>): out of the address bar at once (never
  // bookmarked or shared), sent with the greeting of the conversation it opens.
  var prefill = (/^#asb-prefill=([\w.-]+)$/.exec(location.hash) || [])[1];
  if (prefill) history.replaceState(null, "", location.href.split("#")[0]);

  function startLanguage() {
    var wanted = [data.language, document.documentElement.lang];
    for (var i = 0; i < wanted.length; i++) {
      var code = (wanted[i] || "").toLowerCase().split("-")[0];
      if (STRINGS[code]) return code;
    }
    return CONFIG.defaultLanguage;
  }

  function fresh(language) {
    return { sender: newId(), lang: language, open: false, log: [], outbox: [], draft: "" };
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
      if (!saved || !saved.sender || !STRINGS[saved.lang]) return null;
      saved.outbox = saved.outbox || (saved.pending ? [saved.pending] : []);
      delete saved.pending;
      return saved;
    } catch (e) {
      return null;
    }
  }

  function save() {
    try {
      store.setItem(KEY, JSON.stringify(state));
    } catch (e) {
      /* storage full or blocked: the conversation still works in this page */
    }
  }

  function words(lang) {
    return STRINGS[lang] || STRINGS[state.lang];
  }

  function t(key) {
    return STRINGS[state.lang][key];
  }

  // Numbers as the assistant writes them (CLDR, Latin digits, British English).
  function locale(lang) {
    return (lang === "en" ? "en-GB" : lang) + "-u-nu-latn";
  }

  function fill(key, n) {
    return t(key).replace("{n}", n.toLocaleString(locale(state.lang)));
  }

  // A date as the assistant writes it ("Sunday, 13 September 2026"); `day` is a UTC midnight.
  function longDate(day) {
    var names = t("dates");
    return names.f.replace("{E}", names.E[(day.getUTCDay() + 6) % 7])
      .replace("{d}", day.getUTCDate()).replace("{M}", names.M[day.getUTCMonth()])
      .replace("{y}", day.getUTCFullYear());
  }

  function characters(text) {
    return Array.from(text).length; // code points, as the assistant counts them
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (name === "text") node.textContent = value;
      else if (value === true) node.setAttribute(name, "");
      else if (value !== false && value != null) node.setAttribute(name, value);
    });
    node.append.apply(node, children || []);
    return node;
  }

  function hidden(text, id) {
    return el("span", { class: "asbw-vh", id: id, text: text });
  }

  function button(cls, attrs) {
    attrs = attrs || {};
    attrs.type = "button";
    attrs.class = cls;
    return el("button", attrs);
  }

  // ---- the page structure ----
  var launcher = button("asbw-launcher", { "aria-expanded": "false", "aria-controls": "asbw-panel" });
  var title = el("h2", { class: "asbw-title", id: "asbw-title" });
  var agency = el("p", { class: "asbw-agency", text: CONFIG.agencyName });
  var exitButton = button("asbw-exit", { "aria-describedby": "asbw-exit-hint" });
  var exitHint = hidden("", "asbw-exit-hint");
  var closeButton = button("asbw-close");
  var languageButton = button("asbw-tool", {
    "aria-expanded": "false", "aria-controls": "asbw-languages"
  });
  var languageList = el("ul", { class: "asbw-languages", id: "asbw-languages", hidden: true });
  var restartButton = button("asbw-tool");
  var recordButton = button("asbw-tool asbw-record-open", { hidden: true });
  var typing = el("div", { class: "asbw-msg asbw-bot asbw-typing", "aria-hidden": "true", hidden: true },
    [el("span"), el("span"), el("span")]);
  var log = el("div", { class: "asbw-log", role: "log", "aria-live": "polite", tabindex: "0" },
    [typing]);
  var replies = el("div", { class: "asbw-replies", role: "group" });
  var otherLanguages = button("asbw-reply asbw-other");
  var status = el("div", { class: "asbw-status", role: "status" });
  var alertBox = el("div", { class: "asbw-alert", role: "alert" });

  // Dates: GOV.UK's date input (day, month, year), checked here in the user's language.
  var dateLegend = el("legend");
  var dateHint = el("p", { class: "asbw-hint", id: "asbw-date-hint" });
  var dateError = el("p", { class: "asbw-error", id: "asbw-date-error", hidden: true });
  var dateParts = ["day", "month", "year"].map(function (name) {
    var field = el("input", {
      type: "text", id: "asbw-" + name, class: "asbw-field asbw-" + name, inputmode: "numeric",
      autocomplete: "off", spellcheck: "false"
    });
    var label = el("label", { for: "asbw-" + name });
    return { name: name, field: field, label: label };
  });
  var dateSend = el("button", { type: "submit", class: "asbw-send" });
  var dateFieldset = el("fieldset", { class: "asbw-fieldset" }, [
    dateLegend, dateHint, dateError,
    el("div", { class: "asbw-row asbw-parts" }, dateParts.map(function (part) {
      return el("div", { class: "asbw-part" }, [part.label, part.field]);
    }).concat([dateSend]))
  ]);
  var dateForm = el("form", { class: "asbw-form asbw-date-form", hidden: true, novalidate: true },
    [dateFieldset]);

  // The answer box: one line, or several lines with a character count for long answers.
  var line = el("input", { type: "text", class: "asbw-field", autocomplete: "off" });
  var area = el("textarea", { class: "asbw-field", rows: "5", autocomplete: "off" });
  var box = line;
  box.id = "asbw-input";
  var boxSlot = el("div", { class: "asbw-box" }, [box]);
  var inputLabel = el("label", { for: "asbw-input" });
  var boxError = el("p", { class: "asbw-error", id: "asbw-input-error", hidden: true });
  var countHint = hidden("", "asbw-count-hint");
  var countShown = el("p", { class: "asbw-count", "aria-hidden": "true", hidden: true });
  var countSaid = el("span", { class: "asbw-vh", "aria-live": "polite" });
  var send = el("button", { type: "submit", class: "asbw-send" });
  var form = el("form", { class: "asbw-form", novalidate: true }, [
    inputLabel, boxError, el("div", { class: "asbw-row" }, [boxSlot, send]),
    countShown, countHint, countSaid
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
    el("div", { class: "asbw-tools" }, [languageButton, recordButton, restartButton]),
    languageList,
    log, replies, status, alertBox, dateForm, form
  ]);

  // "Save or print my answers": a page made here from the conversation, stored nowhere else.
  var recordTitle = el("h2", { id: "asbw-record-title", tabindex: "-1" });
  var recordBody = el("div", { class: "asbw-record-body" });
  var printButton = button("asbw-send");
  var downloadButton = button("asbw-tool");
  var backButton = button("asbw-tool");
  var recordExit = button("asbw-exit", { "aria-describedby": "asbw-exit-hint" });
  var record = el("div", {
    class: "asbw-record", role: "dialog", "aria-modal": "true",
    "aria-labelledby": "asbw-record-title", hidden: true
  }, [el("div", { class: "asbw-record-tools" }, [printButton, downloadButton, backButton, recordExit]),
    recordBody]);
  var root = el("div", { class: "asbw", hidden: true }, [launcher, panel, record]);

  function applyLanguage() {
    var strings = STRINGS[state.lang];
    root.lang = state.lang;
    root.dir = strings.dir;
    launcher.textContent = t("launcher");
    title.textContent = t("title");
    exitButton.textContent = recordExit.textContent = t("exit");
    exitHint.textContent = t("exit_hint");
    closeButton.replaceChildren(el("span", { "aria-hidden": "true", text: "×" }), hidden(t("close")));
    languageButton.textContent = t("language") + ": " + strings.name;
    restartButton.textContent = t("start_again");
    recordButton.textContent = t("record");
    otherLanguages.textContent = t("other_languages");
    log.setAttribute("aria-label", t("log"));
    replies.setAttribute("aria-label", t("replies"));
    inputLabel.textContent = t("input");
    send.textContent = t("send");
    countHint.textContent = fill("count_hint", LIMIT);
    dateLegend.textContent = t("date");
    dateHint.textContent = t("date_hint");
    dateParts.forEach(function (part) {
      part.label.textContent = t(part.name);
    });
    dateSend.textContent = t("send_date");
    printButton.textContent = t("print");
    downloadButton.textContent = t("download");
    backButton.textContent = t("back_to_chat");
    languageList.replaceChildren.apply(languageList, CONFIG.languages.map(function (code) {
      var choice = button("asbw-choice", {
        lang: code, dir: STRINGS[code].dir, "aria-current": code === state.lang && "true",
        text: STRINGS[code].name
      });
      choice.addEventListener("click", function () {
        toggleLanguages(false);
        languageButton.focus();
        if (code === state.lang || refused()) return;
        setLanguage(code);
        submit({
          message: '/change_language{"language":"' + code + '"}', shown: STRINGS[code].name,
          keep: true, lang: code
        });
      });
      return el("li", {}, [choice]);
    }));
    if (alertBox.firstChild) {
      alertBox.replaceChildren();
      showOffline();
    }
    updateCount();
  }

  // A language switch changes the widget's own words; the conversation so far keeps its own.
  function setLanguage(code) {
    if (!STRINGS[code] || code === state.lang) return;
    state.lang = code;
    applyLanguage();
    renderChoices();
    save();
  }

  // ---- the conversation ----
  var LINK = /\[([^\]\n]+)\]\(((?:https:\/\/|mailto:|tel:)[^\s()]+)\)/g;

  function withLinks(text, lang) {
    var parts = [];
    var last = 0;
    text.replace(LINK, function (match, label, href, offset) {
      parts.push(text.slice(last, offset), el("a", { href: href, rel: "noopener noreferrer", target: "_blank" }, [
        label, hidden(" " + words(lang).new_tab)
      ]));
      last = offset + match.length;
    });
    parts.push(text.slice(last));
    return parts;
  }

  function isLanguage(choice) {
    return /^\/change_language/.test(choice.payload);
  }

  function onlyLanguages(entry) {
    return !!entry.buttons && entry.buttons.every(isLanguage);
  }

  // One message, in the language it was said in: its own lang and dir, never re-rendered.
  function renderEntry(entry) {
    if (!entry.text || (entry.greet && onlyLanguages(entry))) return null;
    var fromBot = entry.from === "bot";
    var lang = STRINGS[entry.lang] ? entry.lang : state.lang;
    var body = el("p", { class: "asbw-text", dir: fromBot ? false : "auto" },
      fromBot ? withLinks(entry.text, lang) : [entry.text]);
    return el("div", {
      class: "asbw-msg asbw-" + entry.from, lang: lang, dir: STRINGS[lang].dir, "data-turn": entry.turn
    }, [
      hidden(STRINGS[lang][fromBot ? "bot" : "you"] + " "), body
    ]);
  }

  // Messages go before the ones still waiting to be sent and the typing indicator.
  function place(node) {
    if (node) log.insertBefore(node, log.querySelector(".asbw-queued") || typing);
    return node;
  }

  function add(entry) {
    state.log.push(entry);
    return place(renderEntry(entry));
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
    var asking = null;
    var purpose = "";
    var asks = "";
    var languages = false;
    replies.replaceChildren();
    latestAnswer().forEach(function (entry) {
      var custom = entry.custom || {};
      if (custom.input === "date") asking = custom;
      if (custom.autocomplete) purpose = String(custom.autocomplete);
      if (custom.asks) asks = String(custom.asks);
      var offered = (entry.buttons || []).filter(function (choice) {
        if (!isLanguage(choice)) return true;
        languages = true;
        return false;
      });
      if (!offered.length) return;
      replies.append(el("div", { class: "asbw-group" }, offered.map(function (choice) {
        var reply = button("asbw-reply", {
          dir: "auto", "data-payload": choice.payload, text: choice.title
        });
        reply.addEventListener("click", function () {
          if (refused()) return;
          reply.classList.add("asbw-chosen");
          submit({ message: choice.payload, shown: choice.title, reply: true });
        });
        return reply;
      })));
    });
    // Languages are in the Language menu; the assistant's list of them becomes one button.
    if (languages && CONFIG.languages.length > 1) {
      replies.append(el("div", { class: "asbw-group" }, [otherLanguages]));
    }
    replies.hidden = !replies.firstChild;
    busyReplies();
    // The user's own name, address, phone or email: the browser may offer to fill it in, and
    // phones show the right keyboard (WCAG 2.2, 1.3.5). Anything else: "off".
    setBox(CONFIG.longAnswers.indexOf(asks) >= 0);
    box.setAttribute("autocomplete", purpose || "off");
    attr(box, "inputmode", { email: "email", tel: "tel" }[purpose]);
    dateForm.hidden = !asking;
    dateForm.dataset.max = asking && asking.max ? asking.max : "";
    if (!asking) showDateError(null);
    recordButton.hidden = !recorded().length;
  }

  function renderOutbox() {
    log.querySelectorAll(".asbw-queued").forEach(function (node) {
      node.remove();
    });
    state.outbox.forEach(function (job, index) {
      if (!job.shown) return;
      var note = index === 0 && inFlight ? "sending" : attempt ? "not_sent" : "waiting";
      var lang = STRINGS[job.lang] ? job.lang : state.lang;
      log.insertBefore(el("div", {
        class: "asbw-msg asbw-user asbw-queued", "aria-hidden": "true", lang: lang,
        dir: STRINGS[lang].dir
      }, [el("p", { class: "asbw-text", dir: "auto", text: job.shown }),
        el("p", { class: "asbw-note", lang: state.lang, text: t(note) })]), typing);
    });
    typing.hidden = !inFlight;
  }

  function renderLog() {
    log.replaceChildren(typing);
    state.log.forEach(function (entry) {
      place(renderEntry(entry));
    });
    renderOutbox();
    renderChoices();
  }

  function receive(messages, turn, greet) {
    var first = null;
    messages.forEach(function (m) {
      if (!m || !(m.text || m.buttons || m.custom)) return;
      var custom = m.custom && typeof m.custom === "object" ? m.custom : null;
      if (custom && custom.language) setLanguage(custom.language);
      var entry = {
        from: "bot", text: typeof m.text === "string" ? m.text : "", turn: turn, lang: state.lang
      };
      if (greet) entry.greet = true;
      if (Array.isArray(m.buttons) && m.buttons.length) entry.buttons = m.buttons;
      if (custom) entry.custom = custom;
      var node = add(entry);
      if (!first) first = node;
    });
    return first;
  }

  // ---- sending: one message at a time, in order; a hung request is given up and retried ----
  function refused() {
    if (!inFlight) return false;
    status.textContent = t("wait");
    return true;
  }

  function busyReplies() {
    replies.querySelectorAll("button").forEach(function (reply) {
      attr(reply, "aria-disabled", inFlight && "true");
    });
  }

  function attr(node, name, value) {
    if (value) node.setAttribute(name, value);
    else node.removeAttribute(name);
  }

  function setBusy(on) {
    inFlight = on;
    root.classList.toggle("asbw-busy", on);
    busyReplies();
    if (on) status.textContent = t("sending");
  }

  function submit(job) {
    job.lang = job.lang || state.lang;
    // A reply chosen while the last one could not be sent takes its place.
    if (job.reply && state.outbox.length === 1 && state.outbox[0].reply) state.outbox = [];
    state.outbox.push(job);
    renderOutbox();
    save();
    deliver();
    // The message just sent (and the typing indicator) in view.
    log.scrollTo({ top: log.scrollHeight, behavior: "instant" });
  }

  function deliver() {
    if (inFlight || !state.outbox.length) return;
    clearTimeout(retryTimer);
    var job = state.outbox[0];
    var sender = state.sender;
    var controller = new AbortController();
    var timer = setTimeout(function () {
      controller.abort();
    }, CONFIG.timeoutSeconds * 1000);
    setBusy(true);
    renderOutbox();
    window.fetch(rasaUrl + "/webhooks/rest/webhook", {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      signal: controller.signal,
      body: JSON.stringify({
        sender: sender, message: job.message, metadata: { language: job.lang, prefill: job.prefill }
      })
    }).then(function (response) {
      // The edge refuses a message (400: too long, say) or a rate (429): its JSON says why.
      if (response.status === 400 || response.status === 429) {
        return response.json().catch(Object).then(function (body) {
          throw { status: response.status, body: body || {} };
        });
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (messages) {
      clearTimeout(timer);
      if (!Array.isArray(messages)) throw new Error("not a list");
      if (sender !== state.sender) return; // started again meanwhile
      setBusy(false);
      var wasOffline = attempt > 0;
      state.outbox.shift();
      attempt = 0;
      alertBox.replaceChildren();
      if (job.shown) add({ from: "user", text: job.shown, lang: job.lang });
      state.turn = (state.turn || 0) + 1;
      var first = receive(messages, state.turn, job.message === "/greet");
      status.textContent = wasOffline ? t("back") : "";
      renderOutbox();
      renderChoices();
      save();
      reveal(first);
      if (state.outbox.length) deliver();
      // A typed answer keeps the focus in the box; after a button or a date it moves to the
      // next question's first choice (or its date field, or the box).
      else if (job.message === "/greet") focusNext(false);
      else if (!job.typed && !job.keep) focusNext(true);
    }).catch(function (problem) {
      clearTimeout(timer);
      if (sender !== state.sender) return;
      setBusy(false);
      status.textContent = "";
      var body = (problem && problem.body) || {};
      if (problem && problem.status === 400) return refusedBy(job, body);
      attempt += 1;
      var seconds = RETRY_SECONDS[Math.min(attempt, RETRY_SECONDS.length) - 1];
      // Too many messages: say how long to wait, keep the message and send it again then.
      if (problem && problem.status === 429) {
        // Retry-After is in the body too: a browser may not read the header across origins.
        seconds = body.retry_after_seconds || seconds;
        alertBox.replaceChildren(el("p", { text: fill("too_many", seconds) }));
      } else showOffline();
      renderOutbox();
      save();
      retryTimer = setTimeout(deliver, seconds * 1000);
    });
  }

  // A message the edge will never take as it is: back in the box (with anything typed since),
  // with what to change; the limit it names is the one counted from now on.
  function refusedBy(job, body) {
    state.outbox.shift();
    // It got through, so the widget is no longer offline.
    attempt = 0;
    alertBox.replaceChildren();
    if (body.limit) LIMIT = body.limit;
    countHint.textContent = fill("count_hint", LIMIT);
    if (job.typed) box.value = state.draft = job.message + (box.value ? " " + box.value : "");
    showBoxError(body.limit ? fill("too_long", LIMIT) : t("not_sent"));
    renderOutbox();
    save();
    updateCount();
    box.focus();
    deliver();
  }

  function focusNext(preferChoice) {
    if (panel.hidden) return;
    var choice = replies.querySelector("button");
    var target = preferChoice && choice ? choice
      : preferChoice && !dateForm.hidden ? dateParts[0].field : box;
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "nearest", behavior: "instant" });
  }

  // The first message of a new answer at the top of the view (a short answer shows whole).
  function reveal(node) {
    if (node && !panel.hidden) node.scrollIntoView({ block: "start", behavior: "instant" });
  }

  // The newest answer in view from its first message, as when it came.
  function toNewest() {
    [log, panel].forEach(function (scroller) {
      scroller.scrollTo({ top: scroller.scrollHeight, behavior: "instant" });
    });
    var last = lastBot();
    reveal(last && log.querySelector('[data-turn="' + last.turn + '"]'));
  }

  // One alert, announced once; later failures leave it as it is.
  function showOffline() {
    if (alertBox.firstChild) return;
    var retry = button("asbw-retry", { text: t("retry") });
    retry.addEventListener("click", function () {
      deliver();
    });
    alertBox.replaceChildren(el("p", { text: t("offline") }), retry);
  }

  // ---- the answer box ----
  function setBox(long) {
    if (long === (box === area)) return;
    var had = document.activeElement === box;
    var value = box.value;
    box.removeAttribute("id");
    box = long ? area : line;
    box.id = "asbw-input";
    box.value = value;
    boxSlot.replaceChildren(box);
    countShown.hidden = !long;
    updateCount();
    if (had) box.focus();
  }

  function describe() {
    var ids = [boxError.hidden ? "" : boxError.id, box === area ? countHint.id : ""];
    var text = ids.join(" ").trim();
    attr(box, "aria-describedby", text);
    (box === area ? line : area).removeAttribute("aria-describedby");
  }

  // GOV.UK's character count: shown at once, said to screen readers when typing pauses.
  function updateCount() {
    describe();
    if (box !== area) return;
    var left = LIMIT - characters(area.value);
    countShown.textContent = left < 0 ? fill("count_over", -left) : fill("count_left", left);
    countShown.classList.toggle("asbw-over", left < 0);
    clearTimeout(countTimer);
    countTimer = setTimeout(function () {
      countSaid.textContent = countShown.textContent;
    }, 1000);
  }

  function showBoxError(text) {
    boxError.hidden = !text;
    boxError.replaceChildren(hidden(t("error") + " "), text || "");
    attr(box, "aria-invalid", text && "true");
    describe();
  }

  // ---- dates ----
  function showDateError(text, wrong) {
    dateError.hidden = !text;
    dateError.replaceChildren(hidden(t("error") + " "), text || "");
    dateFieldset.setAttribute("aria-describedby", "asbw-date-hint" + (text ? " asbw-date-error" : ""));
    dateParts.forEach(function (part) {
      var bad = !!text && (!wrong || wrong.indexOf(part.name) >= 0);
      attr(part.field, "aria-invalid", bad && "true");
    });
  }

  function readDate() {
    var values = {};
    var missing = [];
    dateParts.forEach(function (part) {
      values[part.name] = part.field.value.trim();
      if (!values[part.name]) missing.push(part.name);
    });
    if (missing.length === 3) return { error: "date_empty" };
    if (missing.length) return { error: "date_missing", wrong: missing };
    var numbers = dateParts.map(function (part) {
      return /^\d+$/.test(values[part.name]) ? Number(values[part.name]) : NaN;
    });
    if (!/^\d{4}$/.test(values.year)) return { error: "date_year", wrong: ["year"] };
    var day = new Date(Date.UTC(numbers[2], numbers[1] - 1, numbers[0]));
    if (isNaN(day) || day.getUTCDate() !== numbers[0] || day.getUTCMonth() !== numbers[1] - 1) {
      return { error: "date_real" };
    }
    var iso = day.toISOString().slice(0, 10);
    if (dateForm.dataset.max && iso > dateForm.dataset.max) return { error: "date_future" };
    return { iso: iso, day: day };
  }

  // ---- the record to keep ----
  // What the summary showed, and the reference with what happens next.
  function recorded() {
    var marked = state.log.filter(function (entry) {
      return entry.custom && entry.custom.record;
    });
    if (marked.length) return marked;
    var summary = null;
    var sent = null;
    state.log.forEach(function (entry) {
      if (entry.from !== "bot") return;
      if (entry.custom && entry.custom.asks === "review_choice") summary = entry.turn;
      if (REFERENCE.test(entry.text)) sent = entry.turn;
    });
    return state.log.filter(function (entry) {
      return entry.from === "bot" && entry.text && (entry.turn === sent ||
        (entry.turn === summary && !(entry.custom && entry.custom.asks)));
    });
  }

  function fillRecord() {
    var now = new Date();
    var today = longDate(new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())));
    recordTitle.textContent = t("record_title");
    recordBody.replaceChildren(recordTitle, el("p", { text: CONFIG.agencyName + " – " + today }));
    recorded().forEach(function (entry) {
      var lang = STRINGS[entry.lang] ? entry.lang : state.lang;
      recordBody.append(el("p", {
        class: "asbw-record-line", lang: lang, dir: STRINGS[lang].dir,
        text: entry.text.replace(LINK, "$1 ($2)")
      }));
    });
    recordBody.append(el("p", { class: "asbw-hint", text: t("record_note") }));
  }

  function showRecord(show) {
    fillRecord();
    record.hidden = !show;
    panel.hidden = show;
    document.documentElement.classList.toggle("asbw-printing", show);
    modal();
    if (show) recordTitle.focus();
    else recordButton.focus();
  }

  function download() {
    var doc = document.implementation.createHTMLDocument(t("record_title"));
    doc.documentElement.lang = state.lang;
    doc.documentElement.dir = t("dir");
    doc.head.prepend(el("meta", { charset: "utf-8" }));
    doc.head.append(el("style", { text: RECORD_CSS }));
    recordBody.childNodes.forEach(function (node) {
      doc.body.append(doc.importNode(node, true));
    });
    var text = "<!DOCTYPE html>\n" + new XMLSerializer().serializeToString(doc);
    var found = recorded().map(function (entry) {
      return (entry.text.match(REFERENCE) || [""])[0];
    }).join("");
    var link = el("a", {
      href: URL.createObjectURL(new Blob([text], { type: "text/html;charset=utf-8" })),
      download: "asb-case-review" + (found ? "-" + found.slice(0, 15) : "") + ".html"
    });
    root.append(link);
    link.click();
    link.remove();
    setTimeout(function () {
      URL.revokeObjectURL(link.href);
    }, 10000);
  }

  // ---- opening, closing, starting again, leaving ----
  // Where the panel covers the page (phones, high zoom) it is a modal dialog: the page is inert.
  function modal() {
    var on = (!panel.hidden && narrow.matches) || !record.hidden;
    var dialog = on && !panel.hidden;
    attr(panel, "role", dialog && "dialog");
    attr(panel, "aria-modal", dialog && "true");
    if (on && !inerted.length) {
      Array.prototype.forEach.call(document.body.children, function (node) {
        if (node !== root && !node.inert) {
          node.inert = true;
          inerted.push(node);
        }
      });
    } else if (!on) {
      inerted.forEach(function (node) {
        node.inert = false;
      });
      inerted = [];
    }
    document.documentElement.classList.toggle("asbw-modal", on);
  }

  function setOpen(on) {
    panel.hidden = !on;
    launcher.hidden = on;
    launcher.setAttribute("aria-expanded", String(on));
    state.open = on;
    save();
    modal();
  }

  function open(focus) {
    setOpen(true);
    toNewest();
    if (!state.log.length && !state.outbox.length) submit({ message: "/greet", prefill: prefill });
    else deliver();
    if (focus === "box") box.focus();
    else if (focus) focusNext(true);
  }

  function close() {
    toggleLanguages(false);
    setOpen(false);
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
    attempt = 0;
    alertBox.replaceChildren();
    status.textContent = "";
    box.value = "";
    state = fresh(state.lang);
    state.open = true;
    setBusy(false);
    renderLog();
    save();
    box.focus();
    submit({ message: "/greet" });
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
    if (show) languageList.querySelector("[aria-current]").focus();
  }

  launcher.addEventListener("click", function () {
    open("box");
  });
  closeButton.addEventListener("click", close);
  exitButton.addEventListener("click", exitPage);
  recordExit.addEventListener("click", exitPage);
  restartButton.addEventListener("click", startAgain);
  recordButton.addEventListener("click", function () {
    showRecord(true);
  });
  backButton.addEventListener("click", function () {
    showRecord(false);
  });
  printButton.addEventListener("click", function () {
    window.print();
  });
  downloadButton.addEventListener("click", download);
  languageButton.addEventListener("click", function () {
    toggleLanguages(languageList.hidden);
  });
  otherLanguages.addEventListener("click", function () {
    toggleLanguages(true);
  });
  [line, area].forEach(function (field) {
    field.addEventListener("input", function () {
      state.draft = field.value;
      save();
      updateCount();
    });
  });
  area.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = box.value.trim();
    if (characters(text) > LIMIT) showBoxError(fill("too_long", LIMIT));
    else showBoxError(null);
    if (!text || !boxError.hidden) return box.focus();
    box.value = "";
    state.draft = "";
    updateCount();
    submit({ message: text, shown: text, typed: true });
  });
  dateForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var found = readDate();
    showDateError(found.error ? t(found.error) : null, found.wrong);
    if (found.error) {
      var first = dateParts.filter(function (part) {
        return part.field.hasAttribute("aria-invalid");
      })[0] || dateParts[0];
      return first.field.focus();
    }
    if (refused()) return;
    // Shown back as the assistant writes dates ("Sunday, 23 August 2026").
    var shown = longDate(found.day);
    dateParts.forEach(function (part) {
      part.field.value = "";
    });
    submit({ message: found.iso, shown: shown });
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Tab" && panel.hasAttribute("aria-modal")) trap(event, panel);
    if (event.key !== "Escape") return;
    if (!languageList.hidden) {
      toggleLanguages(false);
      languageButton.focus();
    } else {
      close();
    }
  });
  record.addEventListener("keydown", function (event) {
    if (event.key === "Tab") trap(event, record);
    if (event.key === "Escape") showRecord(false);
  });

  // Tab and Shift+Tab go round the dialog's controls.
  function trap(event, container) {
    var items = Array.prototype.filter.call(
      container.querySelectorAll("button, input, textarea, a[href], [tabindex='0']"),
      function (node) {
        return node.getClientRects().length > 0;
      });
    var first = items[0];
    var last = items[items.length - 1];
    var at = document.activeElement;
    if (event.shiftKey ? at === first || !container.contains(at) : at === last) {
      event.preventDefault();
      (event.shiftKey ? last : first).focus();
    }
  }

  narrow.addEventListener("change", modal);
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
  window.addEventListener("online", deliver);

  // Shown, and a conversation resumed at its newest message, only once the styles apply.
  function ready() {
    if (!root.hidden) return;
    root.hidden = false;
    if (state.open || prefill) open(true);
  }

  var styles = el("link", { rel: "stylesheet", href: new URL(CONFIG.css, script.src).href });
  if (CONFIG.cssIntegrity) {
    styles.integrity = CONFIG.cssIntegrity;
    styles.crossOrigin = "anonymous";
  }
  styles.addEventListener("load", ready);
  styles.addEventListener("error", ready);
  document.head.append(styles);
  applyLanguage();
  renderLog();
  box.value = state.draft || "";
  updateCount();
  document.body.append(root);
}());
