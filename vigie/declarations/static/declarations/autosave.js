/*
 * Autosave of a declaration step (nothing typed is ever lost).
 *
 * - posts the step form to its autosave endpoint a few seconds after typing stops, and
 *   with navigator.sendBeacon when the page is hidden or left;
 * - mirrors the input into localStorage until the server confirms it, so that an expired
 *   session or a lost connection costs nothing: the input is restored on the next visit
 *   and sent again;
 * - tells the user, discreetly, where things stand (aria-live region).
 *
 * The copy kept in localStorage remembers which server version of the draft it was typed
 * over ("base"). If the draft changed on the server since (the form was submitted, or a
 * beacon got through), the copy is stale and dropped; otherwise it is restored.
 */
(function () {
  "use strict";

  var form = document.getElementById("step-form");
  if (!form || !form.dataset.autosaveUrl || !window.fetch) {
    return;
  }
  var url = form.dataset.autosaveUrl;
  var key = form.dataset.storageKey;
  var base = form.dataset.savedAt;
  var status = document.getElementById("autosave-status");
  var expiredBox = document.getElementById("autosave-expired");
  var restoredBox = document.getElementById("autosave-restored");
  var DELAY = 3000;
  var RETRY = 20000;

  var timer = null;
  var retryTimer = null;
  var inFlight = false;
  var again = false;
  var submitting = false;
  var revision = 0; // bumped on every change
  var savedRevision = 0; // last revision the server confirmed

  function message(name, time) {
    var text = (status && status.dataset["msg" + name]) || "";
    return time ? text.replace("{time}", time) : text;
  }

  function setStatus(state, text) {
    if (!status) {
      return;
    }
    status.dataset.state = state;
    status.textContent = text;
  }

  function clock(iso) {
    var date = iso ? new Date(iso) : new Date();
    return date.toLocaleTimeString(document.documentElement.lang || undefined, {
      hour: "2-digit",
      minute: "2-digit",
    });
  }

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  // The CSRF token may have changed since the page was rendered (signed in again in
  // another tab): the cookie holds the current one.
  function freshToken() {
    var token = cookie(form.dataset.csrfCookie || "csrftoken");
    if (token) {
      var input = form.querySelector("input[name=csrfmiddlewaretoken]");
      if (input) {
        input.value = token;
      }
    }
    return token;
  }

  function entries() {
    var out = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && name !== "csrfmiddlewaretoken") {
        out.push([name, value]);
      }
    });
    return out;
  }

  function payload() {
    freshToken();
    return new FormData(form);
  }

  function remember() {
    try {
      window.localStorage.setItem(
        key,
        JSON.stringify({ base: base, fields: entries(), at: Date.now() })
      );
    } catch (e) {
      /* storage full or disabled: the server save still runs */
    }
  }

  function forget() {
    try {
      window.localStorage.removeItem(key);
    } catch (e) {
      /* ignore */
    }
  }

  function stored() {
    try {
      var raw = window.localStorage.getItem(key);
      return raw ? JSON.parse(raw) : null;
    } catch (e) {
      return null;
    }
  }

  function restore(fields) {
    var values = {};
    fields.forEach(function (pair) {
      (values[pair[0]] = values[pair[0]] || []).push(pair[1]);
    });
    Array.prototype.forEach.call(form.elements, function (element) {
      var name = element.name;
      if (!name || name === "csrfmiddlewaretoken" || element.type === "file") {
        return;
      }
      var wanted = values[name] || [];
      if (element.type === "checkbox" || element.type === "radio") {
        element.checked = wanted.indexOf(element.value) !== -1;
      } else if (element.tagName === "SELECT" && element.multiple) {
        Array.prototype.forEach.call(element.options, function (option) {
          option.selected = wanted.indexOf(option.value) !== -1;
        });
      } else if (element.type !== "submit" && element.type !== "button") {
        element.value = wanted.length ? wanted[0] : "";
      }
    });
  }

  function dirty() {
    return revision !== savedRevision;
  }

  function scheduleRetry() {
    if (!retryTimer) {
      retryTimer = window.setInterval(function () {
        if (dirty()) {
          save();
        } else {
          window.clearInterval(retryTimer);
          retryTimer = null;
        }
      }, RETRY);
    }
  }

  function failed(expired) {
    remember();
    if (expired) {
      if (expiredBox) {
        expiredBox.hidden = false;
      }
      setStatus("expired", message("Expired"));
    } else {
      setStatus("error", message("Error"));
    }
    scheduleRetry();
  }

  function save() {
    window.clearTimeout(timer);
    timer = null;
    if (inFlight) {
      again = true;
      return;
    }
    var sending = revision;
    inFlight = true;
    setStatus("saving", message("Saving"));
    window
      .fetch(url, {
        method: "POST",
        body: payload(),
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-Requested-With": "XMLHttpRequest" },
      })
      .then(function (response) {
        if (response.status === 401 || response.status === 403 || response.redirected) {
          return { expired: true };
        }
        if (!response.ok) {
          return { failed: true };
        }
        return response.json().then(function (data) {
          return { data: data };
        });
      })
      .then(function (result) {
        if (!result.data) {
          failed(result.expired);
          return;
        }
        var data = result.data;
        base = data.saved_at;
        form.dataset.savedAt = base;
        savedRevision = sending;
        if (revision === sending) {
          forget();
        } else {
          remember(); // typed again meanwhile: keep the newer input, over the new base
        }
        if (expiredBox) {
          expiredBox.hidden = true;
        }
        var hasErrors = data.errors && Object.keys(data.errors).length > 0;
        setStatus(hasErrors ? "invalid" : "saved", message(hasErrors ? "Invalid" : "Saved", clock(data.saved_at)));
      })
      .catch(function () {
        failed(false);
      })
      .then(function () {
        inFlight = false;
        if (again) {
          again = false;
          save();
        }
      });
  }

  function changed() {
    revision += 1;
    remember();
    window.clearTimeout(timer);
    timer = window.setTimeout(save, DELAY);
  }

  function flush() {
    // Leaving or hiding the page: send what is not saved yet, without waiting.
    if (submitting || !dirty()) {
      return;
    }
    remember();
    if (navigator.sendBeacon) {
      navigator.sendBeacon(url, payload());
    }
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () {
    submitting = true;
    freshToken();
    remember(); // dropped on the next visit once the server has the new version
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      flush();
    } else if (dirty()) {
      save(); // back from signing in again in another tab, for instance
    }
  });
  window.addEventListener("pagehide", flush);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      submitting = false; // back-forward cache: the page is live again
    }
  });

  var copy = stored();
  if (copy && Array.isArray(copy.fields)) {
    if (copy.base === base) {
      restore(copy.fields);
      if (restoredBox) {
        restoredBox.hidden = false;
      }
      revision += 1;
      save();
    } else {
      forget();
    }
  }
})();
