// Chat page: sends the conversation to /api/chat/stream and renders the server-sent events
// (meta, delta, done, error) as they arrive. Plain browser JavaScript, no build step.
(function () {
  "use strict";
  const messagesEl = document.getElementById("messages");
  const inputEl = document.getElementById("input");
  const sendEl = document.getElementById("send");
  const errorEl = document.getElementById("error");
  const providerEl = document.getElementById("provider");
  const fallbackEl = document.getElementById("fallback");
  const history = [];
  let conversationId = null;

  function bubble(role, text) {
    const el = document.createElement("div");
    el.className = "msg " + role;
    el.textContent = text;
    messagesEl.appendChild(el);
    messagesEl.scrollTop = messagesEl.scrollHeight;
    return el;
  }

  function showError(text) {
    errorEl.textContent = text;
    errorEl.hidden = false;
  }

  function describe(status, body, retryAfter) {
    const reason = body && (typeof body.error === "string" ? body.error : body.error && body.error.message);
    const wait = retryAfter ? " Try again in " + retryAfter + " s." : "";
    if (status === 429) return "Too many requests." + wait + (reason ? " (" + reason + ")" : "");
    if (status === 503) return "The model is not available right now." + wait + (reason ? " (" + reason + ")" : "");
    if (status === 504) return "The model did not answer in time. Please try again.";
    if (status === 413) return "Your message is too long: " + (reason || "please shorten it") + ".";
    if (status >= 500) return "The chat service had a problem (" + status + ")" + (reason ? ": " + reason : ".");
    return "Request failed (" + status + ")" + (reason ? ": " + reason : ".");
  }

  function showProvider(meta) {
    providerEl.textContent = meta.provider + " · " + meta.model;
    fallbackEl.hidden = !meta.fallback;
  }

  async function send(text) {
    errorEl.hidden = true;
    history.push({ role: "user", content: text });
    bubble("user", text);
    const answer = bubble("assistant", "");
    answer.classList.add("streaming");
    answer.dataset.chunks = "0";
    sendEl.disabled = true;
    let reply = "";
    let finished = false;
    try {
      const response = await fetch("api/chat/stream", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "text/event-stream" },
        body: JSON.stringify({ messages: history, conversationId: conversationId })
      });
      if (!response.ok) {
        let body = null;
        try { body = await response.json(); } catch (e) { /* not JSON */ }
        throw new Error(describe(response.status, body, response.headers.get("Retry-After")));
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let event = "message";
          let data = "";
          for (const line of block.split("\n")) {
            if (line.startsWith("event:")) event = line.slice(6).trim();
            else if (line.startsWith("data:")) data += line.slice(5).trim();
          }
          if (!data) continue;
          const payload = JSON.parse(data);
          if (event === "meta") {
            conversationId = payload.conversationId;
            showProvider(payload);
            if (payload.fallback) answer.dataset.fallback = "true";
          } else if (event === "delta") {
            reply += payload.content;
            answer.textContent = reply;
            answer.dataset.chunks = String(Number(answer.dataset.chunks) + 1);
            messagesEl.scrollTop = messagesEl.scrollHeight;
          } else if (event === "done") {
            finished = true;
            reply = payload.reply;
            answer.textContent = reply;
            showProvider(payload);
          } else if (event === "error") {
            throw new Error("The answer was interrupted: " + payload.error);
          }
        }
      }
      if (!finished) throw new Error("The answer was interrupted: the connection closed early.");
      history.push({ role: "assistant", content: reply });
      if (answer.dataset.fallback) {
        const note = document.createElement("span");
        note.className = "note";
        note.textContent = "fallback answer (the model provider failed)";
        answer.appendChild(note);
      }
      answer.dataset.done = "true";
    } catch (e) {
      const message = e instanceof TypeError ? "Cannot reach the chat service. Check your connection." : e.message;
      showError(message);
      if (!reply) answer.remove();
      history.pop();
    } finally {
      answer.classList.remove("streaming");
      sendEl.disabled = false;
      inputEl.focus();
    }
  }

  document.getElementById("composer").addEventListener("submit", function (e) {
    e.preventDefault();
    const text = inputEl.value.trim();
    if (!text || sendEl.disabled) return;
    inputEl.value = "";
    send(text);
  });
  inputEl.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      document.getElementById("composer").requestSubmit();
    }
  });
})();
