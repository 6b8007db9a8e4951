#include "server/chat_page.h"

namespace locus::server {

// It streams replies from /v1/chat/completions with fetch() and a body reader. Opening
// /?prompt=TEXT[&temperature=T&max_tokens=N] sends TEXT at load (handy for links and for the headless test).
// When a reply ends, its element gets data-done="1" and data-chunks="<stream events received>".
std::string_view chat_page_html() {
    return R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Locus chat</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d232b; }
  header { background: #1d3557; color: #fff; padding: 10px 18px; display: flex; gap: 14px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  header span { opacity: .8; font-size: 13px; }
  main { max-width: 820px; margin: 0 auto; padding: 14px; }
  #log { display: flex; flex-direction: column; gap: 10px; min-height: 300px; }
  .msg { padding: 9px 13px; border-radius: 10px; white-space: pre-wrap; max-width: 85%; }
  .user { align-self: flex-end; background: #d8e6fb; }
  .assistant { align-self: flex-start; background: #fff; border: 1px solid #dde1e6; }
  .error { align-self: stretch; background: #fde2e1; color: #8a1c17; }
  form { display: flex; gap: 8px; margin-top: 14px; }
  textarea { flex: 1; font: inherit; padding: 8px; border-radius: 8px; border: 1px solid #c4cad2; resize: vertical; }
  button { font: inherit; padding: 8px 16px; border: 0; border-radius: 8px; background: #1d3557; color: #fff; }
  button:disabled { opacity: .5; }
  .settings { display: flex; gap: 14px; margin-top: 8px; font-size: 13px; color: #4a5563; }
  .settings input { width: 70px; }
  .settings input.key { width: 180px; }
</style>
</head>
<body>
<header><h1>Locus</h1><span id="model">connecting...</span></header>
<main>
  <div id="log"></div>
  <form id="form">
    <textarea id="input" rows="2" placeholder="Write a message (Enter sends, Shift+Enter adds a line)"></textarea>
    <button id="send" type="submit">Send</button>
  </form>
  <div class="settings">
    <label>temperature <input id="temperature" type="number" step="0.1" min="0" max="2" value="0.7"></label>
    <label>max tokens <input id="max_tokens" type="number" min="1" value="256"></label>
    <label>API key <input id="key" class="key" type="password" placeholder="(if the server wants one)"></label>
    <button id="clear" type="button">New chat</button>
  </div>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const history = [];

function headers() {
  const h = { "Content-Type": "application/json" };
  if ($("key").value) h["Authorization"] = "Bearer " + $("key").value;
  return h;
}

function addMessage(role, text) {
  const div = document.createElement("div");
  div.className = "msg " + role;
  div.textContent = text;
  $("log").appendChild(div);
  div.scrollIntoView({ block: "end" });
  return div;
}

async function loadModel() {
  try {
    const r = await fetch("/v1/models", { headers: headers() });
    const j = await r.json();
    $("model").textContent = r.ok ? j.data[0].id : (j.error ? j.error.message : "unavailable");
  } catch (e) { $("model").textContent = "server unreachable"; }
}

// Reads a server-sent event stream; calls onEvent with each parsed JSON payload until [DONE].
async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      for (const line of event.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        if (data === "[DONE]") return;
        onEvent(JSON.parse(data));
      }
    }
  }
}

async function send(text) {
  if (!text.trim()) return;
  history.push({ role: "user", content: text });
  addMessage("user", text);
  const out = addMessage("assistant", "");
  $("send").disabled = true;
  document.body.dataset.state = "busy";
  let reply = "", chunks = 0;
  try {
    const body = { messages: history, stream: true,
                   temperature: parseFloat($("temperature").value),
                   max_tokens: parseInt($("max_tokens").value, 10) };
    const r = await fetch("/v1/chat/completions", { method: "POST", headers: headers(), body: JSON.stringify(body) });
    if (!r.ok) {
      const j = await r.json().catch(() => ({}));
      throw new Error(j.error ? j.error.message : ("HTTP " + r.status));
    }
    await readEvents(r, (ev) => {
      chunks++;
      if (ev.error) throw new Error(ev.error.message);
      const c = ev.choices && ev.choices[0];
      if (c && c.delta && c.delta.content) {
        reply += c.delta.content;
        out.textContent = reply;
        out.scrollIntoView({ block: "end" });
      }
    });
    history.push({ role: "assistant", content: reply });
  } catch (e) {
    addMessage("error", "Error: " + e.message);
    history.pop();
  } finally {
    out.dataset.chunks = String(chunks);
    out.dataset.done = "1";
    $("send").disabled = false;
    document.body.dataset.state = "idle";
  }
}

$("form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("input").value;
  $("input").value = "";
  send(text);
});
$("input").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("form").requestSubmit(); }
});
$("clear").addEventListener("click", () => { history.length = 0; $("log").textContent = ""; });

const params = new URLSearchParams(location.search);
if (params.has("temperature")) $("temperature").value = params.get("temperature");
if (params.has("max_tokens")) $("max_tokens").value = params.get("max_tokens");
loadModel().then(() => { if (params.has("prompt")) send(params.get("prompt")); });
</script>
</body>
</html>
)HTML";
}

}  // namespace locus::server
