// Live updates through server-sent events; every page also works without this script.
(function () {
  "use strict";
  function status(el, on) {
    if (el) el.textContent = on ? el.dataset.liveLabel : el.dataset.offlineLabel;
  }
  function tickWaits() {
    var now = Date.now() / 1000;
    document.querySelectorAll(".wait[data-since]").forEach(function (el) {
      el.textContent = Math.max(0, Math.floor((now - parseFloat(el.dataset.since)) / 60));
    });
  }
  var liveStatus = document.querySelector(".live-status");

  var queue = document.getElementById("queue-live");
  if (queue && window.EventSource) {
    var version = function () {
      var t = document.getElementById("queue-tables");
      return t ? t.dataset.version : "";
    };
    var source = new EventSource(queue.dataset.events + "?v=" + encodeURIComponent(version()));
    source.onopen = function () { status(liveStatus, true); };
    source.onerror = function () { status(liveStatus, false); };
    source.addEventListener("queue", function (event) {
      var v = JSON.parse(event.data).v;
      if (v === version()) return;
      fetch(queue.dataset.rows, { credentials: "same-origin" }).then(function (r) {
        return r.ok ? r.text() : null;
      }).then(function (html) {
        if (html !== null) { queue.innerHTML = html; tickWaits(); }
      });
    });
    setInterval(tickWaits, 30000);
  }

  var transcript = document.getElementById("transcript");
  if (transcript && window.EventSource) {
    var scrollDown = function () { transcript.scrollTop = transcript.scrollHeight; };
    scrollDown();
    var conv = new EventSource(transcript.dataset.events);
    conv.onopen = function () { status(liveStatus, true); };
    conv.onerror = function () { status(liveStatus, false); };
    conv.addEventListener("messages", function (event) {
      var html = JSON.parse(event.data).html;
      var template = document.createElement("template");
      template.innerHTML = html;
      template.content.querySelectorAll("li[data-id]").forEach(function (li) {
        if (!transcript.querySelector('li[data-id="' + li.dataset.id + '"]')) transcript.appendChild(li);
      });
      var empty = document.getElementById("no-messages");
      if (empty) empty.remove();
      scrollDown();
    });
    conv.addEventListener("delivered", function (event) {
      JSON.parse(event.data).ids.forEach(function (id) {
        var mark = transcript.querySelector('li[data-id="' + id + '"] .delivery');
        if (mark) { mark.dataset.delivered = "yes"; mark.textContent = transcript.dataset.deliveredLabel; }
      });
    });
    conv.addEventListener("state", function () { conv.close(); window.location.reload(); });
    // This page's own claim/transfer/close changes the state too: let that navigation win.
    document.querySelectorAll("form:not([data-ajax])").forEach(function (form) {
      form.addEventListener("submit", function () { conv.close(); });
    });
  }

  var reply = document.querySelector("form[data-ajax]");
  if (reply && window.fetch) {
    var box = reply.querySelector("textarea");
    reply.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!box.value.trim()) return;
      var body = new URLSearchParams(new FormData(reply));
      fetch(reply.action, { method: "POST", body: body, credentials: "same-origin",
                            headers: { "X-Requested-With": "fetch" } }).then(function (r) {
        if (r.ok) { box.value = ""; box.focus(); } else { reply.submit(); }
      });
    });
    document.querySelectorAll("button.snippet").forEach(function (button) {
      button.addEventListener("click", function () {
        box.value = box.value ? box.value + " " + button.dataset.text : button.dataset.text;
        box.focus();
      });
    });
  }
})();
