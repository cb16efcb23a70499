// Web chat page. The server issues the session token; it is kept in sessionStorage only (gone when
// the tab closes) and "quick exit" forgets it, empties the page and leaves for a neutral site.
(function () {
  "use strict";
  var KEY = "jisr-webchat-session";
  var body = document.body;
  var list = document.getElementById("messages");
  var form = document.getElementById("composer");
  var input = document.getElementById("message");
  var status = document.getElementById("status");
  var socket = io({ path: "/socket.io", transports: ["websocket", "polling"] });

  function label(text) {
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = text + ": ";
    return who;
  }

  function show(role, text) {
    var item = document.createElement("li");
    item.className = role;
    item.appendChild(label(role === "bot" ? body.dataset.assistant : body.dataset.you));
    var words = document.createElement("div");
    words.className = "text";
    words.dir = "auto";
    words.textContent = text;
    item.appendChild(words);
    list.appendChild(item);
    item.scrollIntoView({ block: "end" });
    return item;
  }

  function choices(item, replies) {
    var group = document.createElement("div");
    group.className = "choices";
    replies.forEach(function (reply) {
      var button = document.createElement("button");
      button.type = "button";
      button.dir = "auto";
      button.textContent = reply.title;
      button.addEventListener("click", function () {
        show("citizen", reply.title);
        socket.emit("user_uttered", { payload: reply.payload, signature: reply.signature });
        input.focus();
      });
      group.appendChild(button);
    });
    item.appendChild(group);
  }

  socket.on("connect", function () {
    status.textContent = "";
    socket.emit("session_request", { session_id: sessionStorage.getItem(KEY) });
  });
  socket.on("session_confirm", function (data) {
    if (data && typeof data.session_id === "string") sessionStorage.setItem(KEY, data.session_id);
  });
  socket.on("session_required", function () {
    socket.emit("session_request", { session_id: sessionStorage.getItem(KEY) });
  });
  socket.on("bot_uttered", function (message) {
    if (!message || typeof message.text !== "string") return;
    var item = show("bot", message.text);
    if (Array.isArray(message.quick_replies) && message.quick_replies.length) choices(item, message.quick_replies);
  });
  socket.on("disconnect", function () { status.textContent = body.dataset.error; });
  socket.on("connect_error", function () { status.textContent = body.dataset.error; });

  function send() {
    var text = input.value.trim();
    if (!text) return;
    show("citizen", text);
    socket.emit("user_uttered", { message: text });
    input.value = "";
  }
  form.addEventListener("submit", function (event) { event.preventDefault(); send(); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); send(); }
  });

  document.getElementById("quick-exit").addEventListener("click", function () {
    sessionStorage.removeItem(KEY);
    socket.disconnect();
    list.replaceChildren();
    input.value = "";
    location.replace(body.dataset.exitUrl || "about:blank");
  });
  input.focus();
})();
