// barrierfree: the little JavaScript the site has. Every function here only enhances a page
// that already works without it.
(function () {
  "use strict";

  var status = function () {
    return document.getElementById("status");
  };

  // Say something through the polite live region that is already in the page.
  function announce(message) {
    var region = status();
    if (!region || !message) return;
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = message;
    }, 100);
  }

  // Display modes: the server answered an htmx toggle; bring <html> in line and say so.
  var DISPLAY_MODES = ["large", "contrast"];

  // The modes on: the classes on <html> and the toggles' state (pressed, and the value
  // each sends next), as the server renders them.
  function showModes(modes) {
    DISPLAY_MODES.forEach(function (mode) {
      var on = modes.indexOf(mode) !== -1;
      document.documentElement.classList.toggle(mode, on);
      var toggle = document.getElementById("display-" + mode);
      if (toggle) {
        toggle.setAttribute("aria-pressed", on ? "true" : "false");
        toggle.value = on ? "0" : "1";
      }
    });
  }

  document.addEventListener("displaychange", function (event) {
    var modes = (event.detail && event.detail.modes) || [];
    showModes(modes);
    rememberModes(modes);
    announce(event.detail && event.detail.message);
  });

  // Back and Forward: the browser may show a page as it was when the resident left it (the
  // back/forward cache, or its HTTP cache), in the modes of then; the cookie that says
  // what they are now is HttpOnly. So the modes are also kept in this browser's storage,
  // written whenever a page comes from the server and on each toggle, and a page shown
  // again takes them from there.
  var MODES_KEY = "barrierfree-display";

  function rememberModes(modes) {
    var store = browserStorage();
    try {
      if (store) store.setItem(MODES_KEY, JSON.stringify(modes));
    } catch (error) {
      // Full or refused: a page shown again keeps the modes it had.
    }
  }

  function rememberedModes() {
    var store = browserStorage();
    try {
      var modes = store && JSON.parse(store.getItem(MODES_KEY));
      return Array.isArray(modes) ? modes : null;
    } catch (error) {
      return null;
    }
  }

  function modesNow() {
    return DISPLAY_MODES.filter(function (mode) {
      return document.documentElement.classList.contains(mode);
    });
  }

  // Back or Forward to a page the HTTP cache gave without asking the server (a page the
  // server sent, or confirmed unchanged, is in the modes of now).
  function fromCacheAgain() {
    var entry = window.performance && performance.getEntriesByType &&
      performance.getEntriesByType("navigation")[0];
    return !!entry && entry.type === "back_forward" && entry.transferSize === 0;
  }

  function displayOnLoad() {
    var remembered = fromCacheAgain() && rememberedModes();
    if (remembered) {
      showModes(remembered);
    } else {
      rememberModes(modesNow());
    }
  }

  window.addEventListener("pageshow", function (event) {
    var remembered = event.persisted && rememberedModes();
    if (remembered) showModes(remembered);
  });

  // Live results (search, finders): say only the result count; mark the results busy
  // while loading; after a submit (not while typing or choosing) go to the results heading;
  // keep focus that was in the results.
  // An outerHTML swap replaces the target, so the settled element is looked up by id.
  function liveResults(element) {
    return element && element.id && element.hasAttribute("data-live-results") ? element : null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var results = liveResults(event.detail.target);
    if (results) results.setAttribute("aria-busy", "true");
  });

  // A live update that failed (the server, the network): the results are no longer busy,
  // and the reader is told, on screen and aloud, that they are still the earlier ones. A
  // later update that works replaces the results, and the message with them.
  function updateFailed(event) {
    var results = liveResults(event.detail.target);
    var message = status() && status().getAttribute("data-update-failed-text");
    if (!results || !message) return;
    results.removeAttribute("aria-busy");
    var shown = results.querySelector("[data-update-failed]");
    if (!shown) {
      shown = document.createElement("div");
      shown.className = "notice notice--warning";
      shown.setAttribute("data-update-failed", "");
      shown.appendChild(document.createElement("p"));
      results.insertBefore(shown, results.firstChild);
    }
    shown.firstChild.textContent = message;
    sayAfterTyping(null);
    announce(message);
  }
  document.addEventListener("htmx:responseError", updateFailed);
  document.addEventListener("htmx:sendError", updateFailed);

  // A live update replaces the whole results block, and with it the element that had focus
  // in there (a resident who tabbed into the results while the update was on its way, as on
  // a slow link): focus would fall to <body>, and the next Tab skip every result. So that
  // element is noted before the swap and focused again in the new results, found by its id,
  // a link by its address, a field or button by its name and value (the same one of several
  // alike); gone, the results heading takes focus, and is read for itself (below), or, with
  // no heading (a search box emptied), the field whose change made the update. Focus outside
  // the results (the box being typed in, a filter just chosen) is left where it is.
  var focusInResults = null;

  function focusMatch(element) {
    if (element.id) return "#" + element.id;
    if (element.tagName === "A" && element.hasAttribute("href")) return "a " + element.getAttribute("href");
    if (element.name) return element.tagName + " " + element.name + "=" + element.value;
    return null;
  }

  function alike(results, match) {
    return Array.from(results.querySelectorAll("[id], a[href], [name]")).filter(function (element) {
      return focusMatch(element) === match;
    });
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var results = liveResults(event.detail.target);
    var focused = document.activeElement;
    focusInResults = null;
    if (!results || !focused || focused === results || !results.contains(focused)) return;
    var match = focusMatch(focused);
    focusInResults = { id: results.id, match: match, nth: match ? alike(results, match).indexOf(focused) : -1 };
  });

  // Once per update: search's out-of-band heading reports a swap of its own, for the same target.
  document.addEventListener("htmx:afterSwap", function (event) {
    var kept = focusInResults;
    if (!kept || event.detail.target.id !== kept.id) return;
    focusInResults = null;
    var results = liveResults(document.getElementById(kept.id));
    if (!results) return;
    var same = kept.match ? alike(results, kept.match) : [];
    var trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    var next = same[kept.nth] || same[0] || results.querySelector("[data-results-heading]") ||
      (trigger && trigger.target);
    if (next && next.focus) next.focus();
  });

  // A swap with an out-of-band part (search sends its heading too) settles more than once:
  // the results it brought are announced once.
  var settledResults = null;

  // Results that came with no problem in the filters: the page's report of an earlier
  // bad value (its error summary, the field's message, aria-invalid, the title's 错误：)
  // no longer holds, and would call a good choice wrong.
  function clearFilterErrors(form) {
    if (!form || !form.querySelector) return;
    var summary = document.querySelector("[data-error-summary]");
    var links = summary ? Array.from(summary.querySelectorAll("a[href^='#']")) : [];
    var aboutForm = links.every(function (link) {
      var field = document.getElementById(link.getAttribute("href").slice(1));
      return field && form.contains(field);
    });
    var prefix = form.querySelector(".field__error .visually-hidden");
    if (prefix && document.title.indexOf(prefix.textContent) === 0) {
      document.title = document.title.slice(prefix.textContent.length);
    }
    if (summary && aboutForm) summary.remove();
    form.querySelectorAll(".field__error").forEach(function (error) {
      form.querySelectorAll("[aria-describedby~='" + error.id + "']").forEach(function (control) {
        var ids = control.getAttribute("aria-describedby").split(/\s+/).filter(function (id) {
          return id && id !== error.id;
        });
        if (ids.length) control.setAttribute("aria-describedby", ids.join(" "));
        else control.removeAttribute("aria-describedby");
      });
      error.remove();
    });
    form.querySelectorAll(".field--error").forEach(function (field) {
      field.classList.remove("field--error");
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (control) {
      control.removeAttribute("aria-invalid");
    });
  }

  // Typing: the results follow the box (600 ms after a letter, components/search_form.html),
  // but what they found is said only once the resident has stopped typing for a while. A
  // slow typist's screen reader echoes each letter, and a count after every one (找到0条结果,
  // 找到32条结果, …) cut across it. Another letter, or a composition begun, puts it off
  // again; what is said is the message of the latest results, and nothing while newer
  // ones are on their way (their own settle says them).
  var TYPING_PAUSE_MS = 1800;
  var lastTyped = 0;
  var typedResults = null;
  var typedTimer = null;

  function sayAfterTyping(results, delay) {
    window.clearTimeout(typedTimer);
    typedTimer = null;
    typedResults = results;
    if (results && delay !== null) typedTimer = window.setTimeout(sayTyped, delay);
  }

  function sayTyped() {
    var results = typedResults && document.getElementById(typedResults.id);
    typedResults = null;
    typedTimer = null;
    if (results && results.getAttribute("aria-busy") !== "true") {
      announce(results.getAttribute("data-announce"));
    }
  }

  function announceAfterTyping(results) {
    sayAfterTyping(results, Math.max(0, lastTyped + TYPING_PAUSE_MS - Date.now()));
  }

  document.addEventListener("input", function () {
    lastTyped = Date.now();
    if (typedResults) sayAfterTyping(typedResults, TYPING_PAUSE_MS);
  });

  // Held, not timed, while a composition goes on: at its end the words chosen are typing
  // too (with an input event, or with the update held for them, below).
  document.addEventListener("compositionstart", function () {
    if (typedResults) sayAfterTyping(typedResults, null);
  });
  document.addEventListener("compositionend", function () {
    lastTyped = Date.now();
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var results = liveResults(document.getElementById(event.detail.target.id));
    if (!results || results === settledResults) return;
    settledResults = results;
    if (!results.hasAttribute("data-problems")) {
      clearFilterErrors(event.detail.requestConfig && event.detail.requestConfig.elt);
    }
    var trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    var heading = results.querySelector("[data-results-heading]");
    if (heading && trigger && trigger.type === "submit") heading.focus();
    if (heading && document.activeElement === heading) {
      // A submit, or focus kept from the results replaced (above): the heading has focus and
      // is read for itself; the live region says only the notes below it (a correction, a
      // spelling it may have meant), never the heading twice.
      sayAfterTyping(null);
      announce(results.getAttribute("data-announce-notes"));
    } else if (trigger && trigger.type === "input") {
      announceAfterTyping(results);
    } else {
      sayAfterTyping(null);
      announce(results.getAttribute("data-announce"));
    }
  });

  // Typing through an input method (pinyin, wubi, handwriting, voice): until the resident
  // picks the characters, the box holds what is being composed ("lunyi" on the way to 轮椅)
  // under the method's list of candidates. Nothing on the page reacts to that: an input
  // event inside a composition goes no further, and when the composition ends one input
  // event says what was chosen. So live results are asked for, announced and put in the
  // URL once, for the chosen words, and not over the candidates the resident is reading.
  // An update already due as the composition began (a word chosen just before) waits for
  // its end as well, then asks for what the box holds by then.
  var composing = null;
  var heldUpdate = null;

  document.addEventListener("compositionstart", function (event) {
    composing = event.target;
  }, true);

  document.addEventListener("input", function (event) {
    if (event.isComposing) event.stopImmediatePropagation();
  }, true);

  document.addEventListener("compositionend", function (event) {
    var held = heldUpdate;
    composing = null;
    heldUpdate = null;
    if (held) {
      held();
    } else {
      event.target.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }, true);

  document.addEventListener("htmx:confirm", function (event) {
    var trigger = event.detail.triggeringEvent;
    // A box that lost focus has ended its composition, whether or not it said so.
    if (!trigger || trigger.type !== "input" || !composing || composing !== document.activeElement) return;
    event.preventDefault();
    heldUpdate = event.detail.issueRequest;
  });

  // History: a submit or a changed filter adds an entry (a choice waits half a second
  // first, so going down a list with the arrow keys is one change, not one each). Typing
  // adds one entry for what it finds and then replaces it as it goes on, so Back does not
  // walk through half-typed queries, yet still reaches the search shown before the typing
  // began (one loaded, submitted or chosen; not a box still empty, where there was nothing
  // to go back to). (Back to an entry loads the whole page from the server: the page keeps
  // no copy of itself to restore.) A submit that changed nothing (the same path and the
  // same filled-in fields) adds no entry either, so that Back always goes somewhere else.
  function filledIn(url) {
    var pairs = Array.from(url.searchParams).filter(function (pair) { return pair[1] !== ""; });
    return url.pathname + "?" + pairs.map(function (pair) { return pair.join("="); }).sort().join("&");
  }

  // Whether the entry shown was made by typing. A page the browser loads (Back to an entry
  // made by typing too) starts as one that was not: what it shows is a search to keep.
  var typedEntry = false;

  window.addEventListener("pageshow", function () {
    typedEntry = false;
  });

  // True when the box being typed in held something at `url`: a search to come back to.
  function searchedFor(url, box) {
    return !!box && !!box.name && (url.searchParams.get(box.name) || "").trim() !== "";
  }

  document.addEventListener("htmx:beforeHistoryUpdate", function (event) {
    var trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    var history = event.detail.history;
    var typing = !!trigger && trigger.type === "input";
    var here = new URL(window.location.href);
    if (filledIn(new URL(history.path, here)) === filledIn(here)) {
      // The same entry again: a submit makes it a search to keep; typing back to the
      // address of one kept does not make it one to replace.
      history.type = "replace";
      typedEntry = typedEntry && typing;
      return;
    }
    if (history.type === "push" && typing && (typedEntry || !searchedFor(here, trigger.target))) {
      history.type = "replace";
    }
    typedEntry = typing;
  });

  // A live update that changed the address (filters, search) leaves the links the server
  // wrote for the old one: the header's language link, the alternates in <head> and the
  // display toggle's way back (its `next`). Each is brought to the new address, so that
  // English (or 大字版 without htmx) keeps the filters and the query. Each link's own path
  // tells its language's prefix: what it has before the path it shares with the address
  // the page was loaded at. (The footer's 这一页的信息有误？ names the path alone, which a
  // live update does not change.)
  var addressShown = window.location.pathname;

  function commonEnd(one, other) {
    var length = 0;
    while (length < one.length && length < other.length &&
      one.charAt(one.length - 1 - length) === other.charAt(other.length - 1 - length)) {
      length++;
    }
    return length;
  }

  // `url` (a page's address in some language, as the server wrote it for the address the
  // page was shown at) for the address now shown; null for one that is not of this page.
  function samePageNow(url) {
    var parsed = new URL(url, window.location.href);
    if (parsed.origin !== window.location.origin) return null;
    var shared = commonEnd(parsed.pathname, addressShown);
    var ownPrefix = parsed.pathname.slice(0, parsed.pathname.length - shared);
    var pagePrefix = addressShown.slice(0, addressShown.length - shared);
    var now = window.location.pathname;
    if (now.indexOf(pagePrefix) !== 0) return null;
    parsed.pathname = ownPrefix + now.slice(pagePrefix.length);
    parsed.search = window.location.search;
    return url.charAt(0) === "/" ? parsed.pathname + parsed.search : parsed.href;
  }

  function followAddress() {
    document.querySelectorAll("a.language-link[href], link[rel='alternate'][hreflang]").forEach(function (link) {
      var url = samePageNow(link.getAttribute("href"));
      if (url) link.setAttribute("href", url);
    });
    document.querySelectorAll(".display-controls input[name='next']").forEach(function (input) {
      var url = samePageNow(input.value);
      if (url) input.value = url;
    });
    addressShown = window.location.pathname;
  }
  document.addEventListener("htmx:pushedIntoHistory", followAddress);
  document.addEventListener("htmx:replacedInHistory", followAddress);

  // "用我的位置排序": offered only where the browser can tell its location; the position
  // goes to the server as lat and lon, and the form is submitted as if by its button.
  function setHidden(form, name, value) {
    var input = form.querySelector('input[type="hidden"][name="' + name + '"]');
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    input.value = value;
  }

  // What is happening is shown beside the button too, not only announced: a sighted user
  // who waits, or is refused, sees why.
  function setupLocate(button) {
    var form = button.closest("form");
    var select = form && form.querySelector('select[name="near"]');
    var message = form && form.querySelector("[data-locate-message]");
    if (!select || !message) return;
    function show(text) {
      message.textContent = text;
      message.hidden = !text;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      show(button.getAttribute("data-locating"));
      navigator.geolocation.getCurrentPosition(
        function (position) {
          show("");
          if (!select.querySelector('option[value="here"]')) {
            select.add(new Option(button.getAttribute("data-here-label"), "here"));
          }
          select.value = "here";
          setHidden(form, "lat", position.coords.latitude.toFixed(5));
          setHidden(form, "lon", position.coords.longitude.toFixed(5));
          form.requestSubmit();
        },
        function () {
          show(button.getAttribute("data-locate-error"));
          announce(button.getAttribute("data-locate-error"));
        },
        { timeout: 15000, maximumAge: 600000 }
      );
    });
  }

  // 朗读: read the main content aloud, block by block, each run of its text in its own
  // language: the nearest lang attribute inside main (the 大字版 of an English page, a
  // Chinese banner on it), else the content's language (the button's data-lang).
  var READ_BLOCKS = "h1, h2, h3, h4, h5, p, li, dt, dd, caption, th, td";
  var SKIP = "nav, button, .visually-hidden, [hidden], [aria-hidden='true']";

  function readablePieces(root, fallback) {
    var pieces = [];
    Array.prototype.forEach.call(root.querySelectorAll(READ_BLOCKS), function (block) {
      if (block.closest(SKIP) || block.querySelector(READ_BLOCKS)) return;
      var start = pieces.length;
      var walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
      for (var node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.parentElement.closest(SKIP)) continue;
        var holder = node.parentElement.closest("[lang]");
        var lang = holder && root.contains(holder) ? holder.getAttribute("lang") : fallback;
        var last = pieces.length > start ? pieces[pieces.length - 1] : null;
        if (last && last.lang === lang) {
          last.text += node.nodeValue;
        } else {
          pieces.push({ text: node.nodeValue, lang: lang });
        }
      }
    });
    return pieces
      .map(function (piece) {
        return { text: piece.text.replace(/\s+/g, " ").trim(), lang: piece.lang };
      })
      .filter(function (piece) {
        return /[\w\u3400-\u9fff]/.test(piece.text);
      });
  }

  function voiceFor(lang) {
    var voices = window.speechSynthesis.getVoices();
    var prefix = lang.split("-")[0];
    return (
      voices.find(function (v) { return v.lang === lang; }) ||
      voices.find(function (v) { return v.lang.indexOf(prefix) === 0; }) ||
      null
    );
  }

  function setupReadAloud(button) {
    var speech = window.speechSynthesis;
    function stop() {
      speech.cancel();
      button.setAttribute("aria-pressed", "false");
    }
    button.addEventListener("click", function () {
      if (button.getAttribute("aria-pressed") === "true") {
        stop();
        return;
      }
      var lang = button.getAttribute("data-lang") || document.documentElement.lang;
      var pieces = readablePieces(document.getElementById("main"), lang);
      speech.cancel();
      button.setAttribute("aria-pressed", "true");
      pieces.forEach(function (piece, index) {
        var utterance = new window.SpeechSynthesisUtterance(piece.text);
        utterance.lang = piece.lang;
        var voice = voiceFor(piece.lang);
        if (voice) utterance.voice = voice;
        if (index === pieces.length - 1) {
          utterance.onend = function () {
            button.setAttribute("aria-pressed", "false");
          };
        }
        speech.speak(utterance);
      });
    });
    window.addEventListener("pagehide", stop);
  }

  // Staff session: open the warning dialog a few minutes before the session ends, and say
  // so when it has ended. Every back-office response tells how long is left
  // (X-Session-Expires), so typing (which autosaves) keeps the warning away.
  var sessionTimers = [];

  function scheduleSessionWarning(seconds, warnBefore) {
    sessionTimers.forEach(window.clearTimeout);
    sessionTimers = [];
    if (!(seconds > 0)) return;
    sessionTimers.push(window.setTimeout(function () {
      unlessRenewed(openSessionWarning);
    }, Math.max(0, seconds - warnBefore) * 1000));
    sessionTimers.push(window.setTimeout(function () {
      unlessRenewed(sessionEnded);
    }, seconds * 1000));
  }

  // Work in another tab keeps the session alive too: ask the server (without extending
  // anything) how long is left before warning or saying it has ended.
  function unlessRenewed(then) {
    var dialog = sessionDialog();
    if (!dialog || !window.fetch) return then();
    var warnBefore = parseInt(dialog.getAttribute("data-warn"), 10) || 300;
    var url = dialog.querySelector("[data-session-extend]").getAttribute("action");
    window.fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) {
        var left = parseInt(response.headers.get("X-Session-Expires"), 10);
        if (!response.redirected && left > warnBefore + 5) {
          scheduleSessionWarning(left, warnBefore);
        } else {
          then();
        }
      })
      .catch(then);
  }

  function sessionDialog() {
    var dialog = document.getElementById("session-warning");
    return dialog && typeof dialog.showModal === "function" ? dialog : null;
  }

  var focusBeforeWarning = null;

  function openSessionWarning() {
    var dialog = sessionDialog();
    if (!dialog || dialog.open) return;
    focusBeforeWarning = document.activeElement;
    dialog.showModal();
    var button = dialog.querySelector("button");
    if (button) button.focus();
  }

  function sessionEnded() {
    var dialog = sessionDialog();
    if (!dialog) return;
    var title = dialog.querySelector("#session-warning-title");
    title.textContent = title.getAttribute("data-expired-text");
    var message = dialog.querySelector("[data-session-message]");
    message.textContent = message.getAttribute("data-expired-text");
    dialog.querySelector("[data-session-extend]").hidden = true;
    dialog.querySelector("[data-session-sign-in]").hidden = false;
    if (!dialog.open) dialog.showModal();
    dialog.querySelector("[data-session-sign-in] a").focus();
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    var left = xhr && parseInt(xhr.getResponseHeader("X-Session-Expires"), 10);
    var dialog = sessionDialog();
    if (dialog && left > 0) {
      scheduleSessionWarning(left, parseInt(dialog.getAttribute("data-warn"), 10) || 300);
    }
  });

  // "继续保持登录" after the session ended elsewhere (signed out in another tab, the password
  // changed): the answer is a refusal or the sign-in page, never a dialog. Say it has ended.
  // A server or network that failed (5xx, no answer) ended nothing: say to try again.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var config = event.detail.requestConfig;
    if (!config || !config.elt || !config.elt.hasAttribute("data-session-extend")) return;
    var xhr = event.detail.xhr;
    var answered = new URL(xhr.responseURL || config.path, window.location.href).pathname;
    if (xhr.status >= 500) {
      event.detail.shouldSwap = false;
      sessionNotExtended();
    } else if (xhr.status >= 400 || answered !== new URL(config.path, window.location.href).pathname) {
      event.detail.shouldSwap = false;
      sessionEnded();
    }
  });

  function sessionNotExtended() {
    var dialog = sessionDialog();
    if (!dialog) return;
    // The message is an assertive live region: changing it is read out.
    dialog.querySelector("[data-session-message]").textContent = dialog.getAttribute("data-failed-text");
  }

  document.addEventListener("htmx:sendError", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.hasAttribute("data-session-extend")) sessionNotExtended();
  });

  // After "继续保持登录" the server sends a fresh, closed dialog: focus goes back to where it was.
  document.addEventListener("htmx:afterSwap", function (event) {
    var config = event.detail.requestConfig;
    if (!config || !config.elt || !config.elt.hasAttribute("data-session-extend")) return;
    if (focusBeforeWarning && document.contains(focusBeforeWarning)) focusBeforeWarning.focus();
    var dialog = sessionDialog();
    if (dialog) announce(dialog.getAttribute("data-extended-text"));
  });

  // Uploads: a progress bar while the file goes up, then the reader starts at the result.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest && event.target.closest("[data-upload-progress]");
    var box = form && form.querySelector("[data-progress]");
    if (!box || !event.detail.lengthComputable) return;
    box.hidden = false;
    box.querySelector("progress").value = Math.round((event.detail.loaded / event.detail.total) * 100);
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var config = event.detail.requestConfig;
    if (!config || !config.elt || !config.elt.hasAttribute("data-upload-progress")) return;
    var target = document.querySelector("[data-error-summary]") || document.getElementById("main");
    if (target) target.focus();
  });

  // The editor's text, kept in this browser too while it is typed (a second copy beside the
  // server's autosave, for when a save or the server fails): offered back when the form
  // shows different text, dropped once the server says the form was saved. The key is the
  // account and the form's URL, so nobody is offered another account's text; a new item's
  // form adds its own draft key (editor.copy_name), so two tabs writing new items keep two
  // copies and neither takes the other's.
  // The copy keeps the version the form was loaded at, so a copy put back after someone
  // else saved is refused as out of date and shown beside their version to merge. It is
  // dropped on signing out, and after as long as the server keeps a late form (12 hours).
  var COPY_PREFIX = "barrierfree-copy:";
  var KEEP_COPY_MS = 12 * 3600 * 1000;

  function forgetEveryCopy() {
    var store = browserStorage();
    if (!store) return;
    for (var index = store.length - 1; index >= 0; index--) {
      var key = store.key(index);
      if (key && key.indexOf(COPY_PREFIX) === 0) store.removeItem(key);
    }
  }

  function browserStorage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage switched off: the server's autosave is the only copy
    }
  }

  // The fields a person writes in or chooses from: not the buttons (nor a file, which no
  // script may put back), nor the hidden fields, which say how the page was made (the CSRF
  // token, the version it was loaded at, whether an autosave is on offer above it), not
  // what was written. A page made again for the same text (after an error, or with the
  // autosave no longer on offer) has other hidden values, and a copy holding them would
  // differ from its own text. The version goes with the copy on its own (versionField).
  var NOT_WRITTEN = ["hidden", "submit", "button", "reset", "image", "file"];

  function ownField(element) {
    return !!element.name && !element.disabled && NOT_WRITTEN.indexOf(element.type) === -1 &&
      ["INPUT", "SELECT", "TEXTAREA"].indexOf(element.tagName) !== -1;
  }

  // What the form would submit from its own fields, by field name, as lists of values.
  function formText(form) {
    var text = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!ownField(element)) return;
      var name = element.name;
      var values = text[name] || (text[name] = []);
      if (element.type === "checkbox" || element.type === "radio") {
        if (element.checked) values.push(element.value);
      } else if (element.tagName === "SELECT") {
        Array.prototype.forEach.call(element.selectedOptions, function (option) {
          values.push(option.value);
        });
      } else {
        values.push(element.value);
      }
    });
    return text;
  }

  // Put saved values back into the form's own fields (the reverse of formText).
  function fillForm(form, text) {
    var seen = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      var values = ownField(element) && text[element.name];
      if (!values) return;
      if (element.type === "checkbox" || element.type === "radio") {
        element.checked = values.indexOf(element.value) !== -1;
      } else if (element.tagName === "SELECT") {
        Array.prototype.forEach.call(element.options, function (option) {
          option.selected = values.indexOf(option.value) !== -1;
        });
      } else {
        var index = seen[element.name] || 0;
        if (index < values.length) element.value = values[index];
        seen[element.name] = index + 1;
      }
    });
  }

  function readCopy(store, key) {
    try {
      var copy = JSON.parse(store.getItem(key));
      if (copy && copy.text && Date.now() - (copy.at || 0) < KEEP_COPY_MS) return copy;
    } catch (error) {
      // not a copy of ours: dropped below
    }
    store.removeItem(key);
    return null;
  }

  function versionField(form) {
    return form.querySelector('input[name="version"]');
  }

  // The server saved the text of the form named here: its copy is no longer needed.
  function forgetSavedCopy(form) {
    var store = browserStorage();
    if (store) store.removeItem(COPY_PREFIX + form.getAttribute("data-local-copy-saved"));
  }

  function setupLocalCopy(form) {
    var store = browserStorage();
    var offer = document.querySelector("[data-local-copy-offer]");
    if (!store || !offer) return;
    var key = COPY_PREFIX + form.getAttribute("data-local-copy");
    var pending = readCopy(store, key);
    if (pending && JSON.stringify(pending.text) === JSON.stringify(formText(form))) pending = null;
    var timer = null;

    function write() {
      window.clearTimeout(timer);
      if (pending) return; // the offered copy stays until the user chooses
      try {
        var version = versionField(form);
        var copy = { text: formText(form), version: version ? version.value : "", at: Date.now() };
        store.setItem(key, JSON.stringify(copy));
      } catch (error) {
        // Full or refused: the server's autosave remains.
      }
    }
    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(write, 500);
    }
    function settle(message) {
      pending = null;
      offer.hidden = true;
      write();
      var first = form.querySelector("input:not([type=hidden]), textarea, select");
      if (first) first.focus();
      announce(message);
    }

    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("submit", write);
    if (!pending) return;
    offer.querySelector("[data-local-copy-restore]").addEventListener("click", function () {
      fillForm(form, pending.text);
      var version = versionField(form);
      if (version && pending.version !== undefined) version.value = pending.version;
      settle(offer.getAttribute("data-restored-text"));
    });
    offer.querySelector("[data-local-copy-forget]").addEventListener("click", function () {
      settle(offer.getAttribute("data-forgotten-text"));
    });
    offer.hidden = false;
    announce(offer.getAttribute("data-offered-text"));
  }

  // A table wider than its wrapper scrolls sideways: make the wrapper a named region the
  // keyboard can reach and scroll (the server already did so for tables known to be wide).
  // Measured whenever the wrapper or its table changes size (a window narrowed, text
  // zoomed, a phone turned, rows added), not only once: a table that fitted when the page
  // opened may not fit later.
  var tableSizes = window.ResizeObserver
    ? new ResizeObserver(function (entries) {
        entries.forEach(function (entry) {
          makeScrollable(entry.target.closest(".table-wrapper"));
        });
      })
    : null;

  function scrollableTable(wrapper) {
    if (wrapper.hasAttribute("tabindex")) return;
    if (tableSizes) {
      // The first reports come after the first layout, as the page opens.
      tableSizes.observe(wrapper);
      if (wrapper.firstElementChild) tableSizes.observe(wrapper.firstElementChild);
    } else {
      // Measured after the first frame: reading sizes while the page loads forces a layout.
      window.requestAnimationFrame(function () {
        makeScrollable(wrapper);
      });
    }
  }

  function makeScrollable(wrapper) {
    if (wrapper.hasAttribute("tabindex") || wrapper.scrollWidth <= wrapper.clientWidth) return;
    if (tableSizes) {
      tableSizes.unobserve(wrapper);
      if (wrapper.firstElementChild) tableSizes.unobserve(wrapper.firstElementChild);
    }
    var caption = wrapper.querySelector("caption");
    wrapper.setAttribute("tabindex", "0");
    if (caption) {
      wrapper.setAttribute("role", "region");
      wrapper.setAttribute("aria-label", caption.textContent.trim());
    }
  }

  // An autosave the server refused (too long, page expired, database unavailable) says why
  // where the autosave reports; htmx would otherwise drop an error's answer. That paragraph
  // is a status region, so it is read out once, as a successful save's time is: announcing
  // it through the page's own region as well would say it twice.
  function refusedAutosave(event) {
    var config = event.detail.requestConfig;
    var xhr = event.detail.xhr;
    var autosave = config && config.elt && config.elt.hasAttribute("data-autosave");
    return autosave && xhr && xhr.status >= 400;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!refusedAutosave(event)) return;
    var xhr = event.detail.xhr;
    if (/<(html|body)[\s>]/i.test(xhr.responseText || "")) {
      // A page, not the site's sentence (a proxy's error page): say so in our words.
      event.detail.shouldSwap = false;
      autosaveFailed(event.detail.target);
      return;
    }
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  });

  // An autosave that reached no server (the network is down): its report says so, where a
  // save's time stood, so no one trusts a save that did not happen.
  function autosaveFailed(report) {
    if (report && report.hasAttribute("data-failed-text")) {
      report.textContent = report.getAttribute("data-failed-text");
    }
  }

  document.addEventListener("htmx:sendError", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.hasAttribute("data-autosave")) autosaveFailed(event.detail.target);
  });

  // Any other request that failed (the display toggle, an upload): a sentence beside what
  // sent it, read out, saying nothing was done; the element's own (data-failed-text) or the
  // page's. The next request that works takes it away.
  function requestFailed(event) {
    var elt = event.detail.elt;
    if (!elt || liveResults(event.detail.target)) return;
    if (elt.hasAttribute("data-autosave") || elt.hasAttribute("data-session-extend")) return;
    var message = elt.getAttribute("data-failed-text") ||
      (status() && status().getAttribute("data-request-failed-text"));
    if (!message) return;
    var form = elt.tagName === "FORM" ? elt : null;
    var notice = document.createElement("div");
    notice.className = "notice notice--warning";
    notice.setAttribute("data-request-failed", "");
    notice.appendChild(document.createElement("p")).textContent = message;
    clearRequestFailed();
    if (form) {
      form.insertBefore(notice, form.firstChild);
      var progress = form.querySelector("[data-progress]");
      if (progress) progress.hidden = true;
    } else {
      elt.insertAdjacentElement("afterend", notice);
    }
    announce(message);
  }
  document.addEventListener("htmx:responseError", requestFailed);
  document.addEventListener("htmx:sendError", requestFailed);

  function clearRequestFailed() {
    document.querySelectorAll("[data-request-failed]").forEach(function (notice) {
      notice.remove();
    });
  }
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) clearRequestFailed();
  });

  // A message from the page with its {placeholder} filled in. The value is given by a
  // function, so a "$&" or "$'" in it (a file may be named so) is shown as written, not
  // taken for a pattern of String.replace.
  function filled(text, placeholder, value) {
    return text.replace("{" + placeholder + "}", function () {
      return String(value);
    });
  }

  // A count as the page's language writes it, as the server does (i18n.Number): 2,000 on
  // an English page, 2000 on a Chinese one.
  function counted(number) {
    return document.documentElement.lang.indexOf("en") === 0 ? number.toLocaleString("en") : String(number);
  }

  // Character counts under text boxes (the residents' forms): the paragraph
  // [data-character-count-for] is hidden without JavaScript (the limit is in the hint).
  // It shows the count as the resident types; the polite live region speaks only when
  // the text goes over the limit or back under it, never on every key.
  function characterCount(count) {
    var box = document.getElementById(count.getAttribute("data-character-count-for"));
    if (!box) return;
    var limit = parseInt(box.getAttribute("data-character-count"), 10);
    var wasOver = false;
    var update = function (speak) {
      var length = Array.from(box.value).length;
      var over = length > limit;
      count.textContent = over
        ? filled(count.getAttribute("data-over-text"), "over", counted(length - limit))
        : filled(count.getAttribute("data-count-text"), "count", counted(length));
      count.classList.toggle("character-count--over", over);
      if (speak && over !== wasOver) announce(count.textContent);
      wasOver = over;
    };
    var described = (box.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    described.push(count.id);
    box.setAttribute("aria-describedby", described.join(" "));
    count.hidden = false;
    update(false);
    box.addEventListener("input", function () {
      update(true);
    });
  }

  // Photo inputs (the barrier report): a file input cuts a long name short ("坡道….jpg"),
  // more so at 320 px and in large text. The paragraph [data-file-choice-for] under each,
  // hidden without JavaScript, shows the whole name of what is chosen, wrapping as it must;
  // the live region says it once, and says so when the choice is cleared.
  function fileChoice(shown) {
    var input = document.getElementById(shown.getAttribute("data-file-choice-for"));
    if (!input) return;
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    described.push(shown.id);
    input.setAttribute("aria-describedby", described.join(" "));
    var update = function (speak) {
      var names = Array.from(input.files || []).map(function (file) { return file.name; });
      var had = !shown.hidden;
      shown.textContent = names.length
        ? filled(shown.getAttribute("data-chosen-text"), "name", names.join(", "))
        : "";
      shown.hidden = !names.length;
      if (!speak) return;
      if (names.length) announce(shown.textContent);
      else if (had) announce(shown.getAttribute("data-cleared-text"));
    };
    update(false); // a choice the browser kept (Back, a reload)
    input.addEventListener("change", function () {
      update(true);
    });
  }

  function ready() {
    displayOnLoad();
    // Without JavaScript, the display toggle on a page that keeps its form sends that form
    // (components/display_controls.html); here htmx sends the toggle alone and the page,
    // with all that was typed, stays: the buttons go back to their own form. Only when
    // htmx is there to send it: otherwise they keep sending the page's form.
    if (window.htmx) {
      document.querySelectorAll(".display-controls button[form]").forEach(function (button) {
        button.removeAttribute("form");
      });
    }
    var speaks = window.speechSynthesis && window.SpeechSynthesisUtterance;
    document.querySelectorAll("[data-read-aloud]").forEach(function (button) {
      button.classList.remove("read-aloud--waiting");
      if (speaks) {
        setupReadAloud(button);
      } else {
        button.hidden = true;
      }
    });
    if (navigator.geolocation) {
      document.querySelectorAll("[data-locate]").forEach(setupLocate);
    }
    document.querySelectorAll("form[data-local-copy-saved]").forEach(forgetSavedCopy);
    document.querySelectorAll("form.sign-out").forEach(function (form) {
      form.addEventListener("submit", forgetEveryCopy);
    });
    document.querySelectorAll(".table-wrapper").forEach(scrollableTable);
    document.querySelectorAll("[data-character-count-for]").forEach(characterCount);
    document.querySelectorAll("[data-file-choice-for]").forEach(fileChoice);
    document.querySelectorAll("[data-autosave-promise]").forEach(function (promise) {
      promise.hidden = false;
    });
    document.querySelectorAll("form[data-local-copy]").forEach(setupLocalCopy);
    var dialog = sessionDialog();
    if (dialog) {
      scheduleSessionWarning(parseInt(dialog.getAttribute("data-expires"), 10), parseInt(dialog.getAttribute("data-warn"), 10) || 300);
    }
    // An error summary, else a message about what was just done, is where the reader starts.
    var summary = document.querySelector("[data-error-summary]") || document.querySelector("[data-flash]");
    if (summary) summary.focus();
  }

  // An error summary's link goes to its field with the field's label or question in view:
  // the browser's own jump puts the field at the top of the screen, its label above it,
  // out of sight of a magnifier or large-text reader.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    var label = document.querySelector("label[for='" + CSS.escape(field.id) + "']") || field;
    // A choice's question (the legend) rather than its own label, when they fit together.
    var fieldset = field.closest("fieldset");
    var legend = fieldset && fieldset.querySelector("legend");
    if (legend && field.getBoundingClientRect().top - legend.getBoundingClientRect().top < window.innerHeight / 2) {
      label = legend;
    }
    event.preventDefault();
    label.scrollIntoView();
    field.focus({ preventScroll: true });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
