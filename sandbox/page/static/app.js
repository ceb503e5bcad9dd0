// The sandbox page: act as any person, chat with the bot, watch the staff forum, break Telegram.
import { el, renderMessages } from "./render.js";

const $ = (id) => document.getElementById(id);
const MAX_ALBUM = 10;
const state = {
  people: [],
  bot: null,
  staffChatId: null,
  me: null,
  chats: [],
  current: null, // {chatId, thread, kind}
  replyTo: null,
  files: [],
  pressed: new Set(),
  earlyToasts: new Map(), // button answers that came before the press's own answer
  revealed: new Set(), // spoilers clicked open, by chat:message:offset
  menu: [],
  sendQueue: Promise.resolve(), // the last send written: the next one waits for it
  pendingSends: 0,
};
// Read by the browser tests and the benchmark.
window.sandbox = { renders: 0, lastRenderMs: 0, state };

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

const post = (path, body) =>
  api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

function toast(text, { alert = false } = {}) {
  const node = el("div", { class: `toast${alert ? " alert" : ""}`, "data-testid": "toast", role: "status", text });
  $("toasts").append(node);
  setTimeout(() => node.remove(), alert ? 8000 : 4000);
}

function person(id) {
  return state.people.find((candidate) => candidate.id === id);
}

// People -------------------------------------------------------------------------------

async function loadPeople() {
  const answer = await api("/sandbox/api/people");
  state.people = answer.people;
  state.bot = answer.bot;
  state.staffChatId = answer.staff_chat_id;
  const select = $("act-as");
  // This tab's person (kept in its address over a reload), else the last one chosen anywhere.
  const chosen = state.me ?? (Number(linked.get("as")) || Number(localStorage.getItem("sandbox.me")) || null);
  select.replaceChildren(
    ...state.people.map((p) =>
      el("option", { value: String(p.id), text: `${p.name} (${p.role}${p.account ? ` ${p.account}` : ""})` }),
    ),
  );
  state.me = person(chosen) ? chosen : state.people[0]?.id ?? null;
  select.value = String(state.me);
  const blockable = state.people.filter((p) => p.role === "customer");
  const blockSelect = $("block-who");
  const previous = blockSelect.value;
  blockSelect.replaceChildren(...blockable.map((p) => el("option", { value: String(p.id), text: p.name })));
  if (previous) blockSelect.value = previous;
  updateBlockButton();
}

function updateBlockButton() {
  const who = person(Number($("block-who").value));
  $("block-toggle").textContent = who?.blocked_bot ? `Unblock the bot` : `Block the bot`;
}

// Chat list ----------------------------------------------------------------------------

async function loadChats() {
  if (state.me === null) return;
  const me = state.me;
  const chats = await api(`/sandbox/api/chats?as=${me}`);
  if (state.me !== me) return; // the person switched meanwhile: their own load is on its way
  state.chats = chats;
  if (!state.current || !state.chats.some((chat) => chat.id === state.current.chatId)) {
    const first = state.chats[0];
    state.current = first ? { chatId: first.id, thread: first.kind === "forum" ? "general" : null, kind: first.kind } : null;
  }
  renderChatList();
  renderTopicChoices();
}

function chatEntry({ title, last, active, onclick, extra = null, testid, status = "" }) {
  return el(
    "button",
    { type: "button", class: `chat-entry${active ? " active" : ""}${status ? ` ${status}` : ""}`, onclick, "data-testid": testid },
    el("span", { class: "chat-title" }, title, extra),
    el("span", { class: "chat-last", text: last || "" }),
  );
}

function renderChatList() {
  const list = $("chat-list");
  const entries = [];
  for (const chat of state.chats) {
    const isCurrent = state.current?.chatId === chat.id;
    if (chat.kind === "private") {
      entries.push(
        chatEntry({
          title: `🤖 ${chat.title}`,
          last: chat.last,
          active: isCurrent,
          testid: "chat-private",
          onclick: () => openChat({ chatId: chat.id, thread: null, kind: "private" }),
        }),
      );
      continue;
    }
    entries.push(
      chatEntry({
        title: `👥 ${chat.title}`,
        last: chat.kind === "forum" ? "General" : chat.last,
        active: isCurrent && (state.current.thread === "general" || state.current.thread === null),
        testid: "chat-group",
        onclick: () => openChat({ chatId: chat.id, thread: chat.kind === "forum" ? "general" : null, kind: chat.kind }),
      }),
    );
    for (const topic of chat.topics || []) {
      const status = topic.deleted ? "deleted" : topic.closed ? "closed" : "open";
      const badge = topic.deleted ? "🗑 deleted" : topic.closed ? "🔒 closed" : "";
      entries.push(
        chatEntry({
          title: el("span", { class: "topic-dot", style: `background:#${topic.icon_color.toString(16).padStart(6, "0")}` }),
          extra: el("span", {}, el("span", { class: "topic-name", text: ` ${topic.name}` }), badge ? el("span", { class: "badge", text: ` ${badge}` }) : null),
          last: topic.last,
          active: isCurrent && state.current.thread === String(topic.thread_id),
          testid: "chat-topic",
          status: `topic ${status}`,
          onclick: () => openChat({ chatId: chat.id, thread: String(topic.thread_id), kind: "topic" }),
        }),
      );
    }
  }
  list.replaceChildren(...entries);
}

function currentTitle() {
  const chat = state.chats.find((candidate) => candidate.id === state.current?.chatId);
  if (!chat) return { title: "Pick a chat", subtitle: "" };
  if (chat.kind === "private") return { title: `🤖 ${chat.title}`, subtitle: "bot" };
  if (state.current.thread && state.current.thread !== "general") {
    const topic = chat.topics.find((candidate) => String(candidate.thread_id) === state.current.thread);
    if (topic) {
      const status = topic.deleted ? "deleted" : topic.closed ? "closed" : "open";
      return { title: topic.name, subtitle: `${chat.title} · topic ${status}`, topic };
    }
  }
  return { title: chat.title, subtitle: chat.kind === "forum" ? "General" : "group" };
}

// The tab's address names its person and chat, so a reload comes back to them.
const linked = new URLSearchParams(location.hash.slice(1));

function remember() {
  const where = new URLSearchParams({ as: String(state.me) });
  if (state.current) where.set("chat", String(state.current.chatId));
  if (state.current?.thread) where.set("thread", state.current.thread);
  history.replaceState(null, "", `#${where}`);
}

// The chat the address names, if this person sees it.
function linkedChat() {
  const chat = state.chats.find((candidate) => String(candidate.id) === linked.get("chat"));
  if (!chat) return null;
  const thread = linked.get("thread");
  if (chat.kind === "private") return { chatId: chat.id, thread: null, kind: "private" };
  if (!thread || thread === "general") return { chatId: chat.id, thread: chat.kind === "forum" ? "general" : null, kind: chat.kind };
  return (chat.topics || []).some((topic) => String(topic.thread_id) === thread) ? { chatId: chat.id, thread, kind: "topic" } : null;
}

async function openChat(target) {
  state.current = target;
  remember();
  state.replyTo = null;
  renderReplyBar();
  $("command-menu").hidden = true;
  renderChatList();
  await Promise.all([loadMessages({ scrollToEnd: true }), loadMenu()]);
  $("text-input").focus();
}

// Messages -----------------------------------------------------------------------------

let loading = null;
async function loadMessages({ scrollToEnd = false } = {}) {
  if (!state.current) {
    $("messages").replaceChildren();
    return;
  }
  const { chatId, thread } = state.current;
  const query = new URLSearchParams({ chat_id: String(chatId) });
  if (thread) query.set("thread", thread);
  const request = api(`/sandbox/api/messages?${query}`);
  loading = request;
  const messages = await request;
  // A newer load is on its way, or the person switched chats meanwhile.
  if (loading !== request || state.current?.chatId !== chatId || state.current?.thread !== thread) return;
  renderMessageList(messages, scrollToEnd);
}

function renderMessageList(messages, scrollToEnd) {
  const started = performance.now();
  const box = $("messages");
  const atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  const { title, subtitle, topic } = currentTitle();
  $("chat-header").replaceChildren(el("div", { class: "chat-header-title", text: title }), el("div", { class: "chat-header-sub", text: subtitle }));
  const context = { me: state.me, showNames: state.current.kind !== "private" };
  const handlers = { press, reply: startReply, edit: editMessage, revealed: state.revealed, sendCommand: (command) => sendText(command) };
  box.replaceChildren(renderMessages(messages, context, handlers));
  if (topic?.deleted) box.append(el("div", { class: "service", text: "This topic was deleted" }));
  if (scrollToEnd || atEnd) box.scrollTop = box.scrollHeight;
  window.sandbox.renders += 1;
  window.sandbox.lastRenderMs = performance.now() - started;
  window.sandbox.lastCount = messages.length;
}

async function loadMenu() {
  if (!state.current) return;
  const { chatId } = state.current;
  const me = state.me;
  const menu = await api(`/sandbox/api/commands?as=${me}&chat_id=${chatId}`);
  if (state.me !== me || state.current?.chatId !== chatId) return;
  state.menu = menu;
  if (!$("command-menu").hidden) renderMenu();
  $("menu-button").disabled = state.menu.length === 0;
}

function renderMenu() {
  const menu = $("command-menu");
  menu.replaceChildren(
    ...state.menu.map((command) =>
      el(
        "button",
        { type: "button", class: "command-item", "data-testid": "command-item", onclick: () => { menu.hidden = true; sendText(`/${command.command}`); } },
        el("span", { class: "command-name", text: `/${command.command}` }),
        el("span", { class: "command-description", text: command.description }),
      ),
    ),
  );
}

// Acting -------------------------------------------------------------------------------

function startReply(message) {
  state.replyTo = message;
  renderReplyBar();
  $("text-input").focus();
}

function renderReplyBar() {
  const bar = $("reply-bar");
  bar.hidden = !state.replyTo;
  if (state.replyTo) {
    const text = state.replyTo.text || state.replyTo.caption || "Message";
    $("reply-bar-text").textContent = `↩ Reply to ${state.replyTo.from?.first_name || ""}: ${text.slice(0, 80)}`;
  }
}

async function sendText(text) {
  return send({ text });
}

function target() {
  // Where a message written now goes: read when it is written, not when it is sent.
  return { me: state.me, chat: state.current, replyTo: state.replyTo };
}

async function send({ text = "", files = [], to = target() }) {
  if (!to.chat) return;
  const form = new FormData();
  form.set("as", String(to.me));
  form.set("chat_id", String(to.chat.chatId));
  if (to.chat.thread) form.set("thread", to.chat.thread);
  if (to.replyTo) form.set("reply_to", String(to.replyTo.message_id));
  if (text) form.set("text", text);
  for (const file of files) form.append("file", file);
  try {
    await api("/sandbox/api/send", { method: "POST", body: form });
  } catch (error) {
    toast(error.message, { alert: true });
    return false;
  }
  if (state.replyTo === to.replyTo) {
    state.replyTo = null;
    renderReplyBar();
  }
  await loadMessages({ scrollToEnd: true });
  return true;
}

async function press(message, data) {
  try {
    const answer = await post("/sandbox/api/press", { as: state.me, chat_id: message.chat.id, message_id: message.message_id, data });
    const early = state.earlyToasts.get(answer.query_id);
    if (early) {
      // The bot answered the press before this page heard back from its own request.
      state.earlyToasts.delete(answer.query_id);
      if (early.text) toast(early.text, { alert: early.show_alert });
    } else {
      state.pressed.add(answer.query_id);
    }
  } catch (error) {
    toast(error.message, { alert: true });
  }
}

// The message field grows with its lines (up to a limit set in the style sheet).
function fitInput() {
  const input = $("text-input");
  input.style.height = "auto";
  input.style.height = `${input.scrollHeight + 2}px`;
}

function showAttachment() {
  const box = $("attachment");
  const files = state.files;
  box.hidden = files.length === 0;
  if (files.length === 0) return;
  const what = files.length === 1 ? files[0].name : `${files.length} files, sent as one album`;
  box.replaceChildren(
    el("span", { "data-testid": "attachment", text: `📎 ${what} — add a caption and press Send` }),
    el("button", { type: "button", text: "✕", title: "Remove", onclick: () => { state.files = []; $("file-input").value = ""; showAttachment(); } }),
  );
}

async function editMessage(message) {
  const field = message.text !== undefined ? "text" : "caption";
  const answer = await ask("Edit the message", [{ name: "text", label: field === "text" ? "Text" : "Caption", value: message[field] || "" }]);
  if (!answer?.text) return;
  try {
    await post("/sandbox/api/edit", { as: state.me, chat_id: message.chat.id, message_id: message.message_id, text: answer.text });
    await loadMessages();
  } catch (error) {
    toast(error.message, { alert: true });
  }
}

// Dialogs ------------------------------------------------------------------------------

function ask(title, fields) {
  const dialog = $("dialog");
  $("dialog-title").textContent = title;
  const inputs = fields.map((field) => el("input", { type: "text", name: field.name, placeholder: field.label, value: field.value, required: true, "data-testid": `dialog-${field.name}` }));
  $("dialog-body").replaceChildren(...inputs.map((input, index) => el("label", {}, fields[index].label, input)));
  $("dialog-cancel").hidden = false;
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => resolve(dialog.returnValue === "ok" ? Object.fromEntries(inputs.map((input) => [input.name, input.value.trim()])) : null),
      { once: true },
    );
  });
}

function inform(title, ...lines) {
  const dialog = $("dialog");
  $("dialog-title").textContent = title;
  $("dialog-body").replaceChildren(...lines.map((line) => el("p", { text: line })));
  $("dialog-cancel").hidden = true;
  dialog.showModal();
}

async function addCustomer() {
  const answer = await ask("Add a customer", [{ name: "first_name", label: "Name" }]);
  if (!answer?.first_name) return;
  try {
    await post("/sandbox/api/customers", answer);
    await loadPeople();
  } catch (error) {
    toast(error.message, { alert: true });
  }
}

async function addAgent() {
  const answer = await ask("Add an agent (account + staff group membership)", [
    { name: "first_name", label: "Name" },
    { name: "username", label: "Account name" },
  ]);
  if (!answer?.first_name) return;
  try {
    const created = await post("/sandbox/api/agents", answer);
    await loadPeople();
    inform(
      "Agent added",
      `Account ${created.username}, password: ${created.password}`,
      "Shown once. Act as the agent and send /login to the bot in their private chat.",
    );
  } catch (error) {
    toast(error.message, { alert: true });
  }
}

// Faults -------------------------------------------------------------------------------

function renderTopicChoices() {
  const staff = state.chats.find((chat) => chat.id === state.staffChatId);
  const select = $("topic-to-delete");
  const previous = select.value;
  const live = (staff?.topics || []).filter((topic) => !topic.deleted);
  select.replaceChildren(...live.map((topic) => el("option", { value: String(topic.thread_id), text: topic.name })));
  if (previous) select.value = previous;
  $("delete-topic").disabled = live.length === 0;
}

function logFailure(event) {
  const log = $("fault-log");
  log.prepend(el("li", { text: `${new Date().toLocaleTimeString()} ${event.method} → ${event.status} ${event.description || ""}` }));
  while (log.children.length > 50) log.lastChild.remove();
}

function wireFaults() {
  $("toggle-faults").addEventListener("click", () => {
    $("faults").hidden = !$("faults").hidden;
  });
  for (const button of document.querySelectorAll("[data-fault]")) {
    button.addEventListener("click", async () => {
      const count = Number($("fault-count").value) || 1;
      try {
        await post("/sandbox/api/faults", { kind: button.dataset.fault, count });
        toast(`The next ${count} sends will ${button.textContent}`);
      } catch (error) {
        toast(error.message, { alert: true });
      }
    });
  }
  $("clear-faults").addEventListener("click", async () => {
    await api("/sandbox/api/faults", { method: "DELETE" });
    toast("Faults cleared");
  });
  $("block-who").addEventListener("change", updateBlockButton);
  $("block-toggle").addEventListener("click", async () => {
    const who = person(Number($("block-who").value));
    if (!who) return;
    await post("/sandbox/api/block", { user_id: who.id, blocked: !who.blocked_bot });
    await loadPeople();
  });
  $("delete-topic").addEventListener("click", async () => {
    const threadId = Number($("topic-to-delete").value);
    if (threadId) await post("/sandbox/api/delete_topic", { thread_id: threadId });
  });
}

// Live updates -------------------------------------------------------------------------

let refreshTimer = null;
let menuChanged = false;
function scheduleRefresh(method) {
  // The bot changed a command menu (an agent logged in or out, a customer chose a language).
  if (method === "setMyCommands" || method === "deleteMyCommands") menuChanged = true;
  if (refreshTimer) return;
  refreshTimer = setTimeout(async () => {
    refreshTimer = null;
    await loadPeople();
    await loadChats();
    await loadMessages();
    if (menuChanged) {
      menuChanged = false;
      await loadMenu();
    }
  }, 60);
}

function listen() {
  const source = new EventSource("/sandbox/api/events");
  source.addEventListener("message", (event) => {
    const news = JSON.parse(event.data);
    if (news.type === "changed") scheduleRefresh(news.method);
    else if (news.type === "failure") logFailure(news);
    else if (news.type === "toast" && state.pressed.has(news.query_id)) {
      state.pressed.delete(news.query_id);
      if (news.text) toast(news.text, { alert: news.show_alert });
    } else if (news.type === "toast") {
      // Maybe this page's press, its request not answered yet; another page's otherwise.
      state.earlyToasts.set(news.query_id, news);
      while (state.earlyToasts.size > 50) state.earlyToasts.delete(state.earlyToasts.keys().next().value);
    }
  });
  source.addEventListener("open", () => {
    if (!document.body.classList.contains("offline")) return;
    document.body.classList.remove("offline");
    $("offline-note").hidden = true;
    // Back after a restart: what changed meanwhile sent no news to this page.
    reloadAll();
  });
  source.addEventListener("error", () => {
    document.body.classList.add("offline");
    $("offline-note").hidden = false;
  });
}

async function reloadAll() {
  try {
    await loadPeople();
    await loadChats();
    await Promise.all([loadMessages(), loadMenu()]);
  } catch (error) {
    toast(error.message, { alert: true });
  }
}

// Start --------------------------------------------------------------------------------

async function start() {
  $("act-as").addEventListener("change", async (event) => {
    delete document.body.dataset.actingAs;
    state.me = Number(event.target.value);
    localStorage.setItem("sandbox.me", String(state.me));
    state.current = null;
    await loadChats();
    if (state.current) await openChat(state.current);
    // Read by the browser tests: this person's first chat is open and ready.
    document.body.dataset.actingAs = String(state.me);
  });
  $("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const composer = $("composer");
    const input = $("text-input");
    const text = input.value.trim();
    if ((!text && state.files.length === 0) || !state.current) return;
    input.value = "";
    fitInput();
    const files = state.files;
    state.files = [];
    $("file-input").value = "";
    showAttachment();
    // Written while another is on its way: it waits its turn, so the chat keeps the order
    // they were written in (the field is empty at once: a second press sends nothing twice).
    const to = target();
    const previous = state.sendQueue;
    state.pendingSends += 1;
    composer.classList.add("sending");
    $("send-button").setAttribute("aria-busy", "true");
    const mine = (async () => {
      await previous;
      // A failed send gives back what was written, unless something new was typed meanwhile.
      if (!(await send({ text, files, to })) && !input.value && state.files.length === 0) {
        input.value = text;
        fitInput();
        state.files = files;
        showAttachment();
      }
    })();
    state.sendQueue = mine.catch(() => {});
    try {
      await mine;
    } finally {
      state.pendingSends -= 1;
      if (state.pendingSends === 0) {
        composer.classList.remove("sending");
        $("send-button").removeAttribute("aria-busy");
      }
    }
  });
  // Enter sends, Shift+Enter starts a new line, as in Telegram's apps.
  $("text-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("text-input").addEventListener("input", fitInput);
  $("file-input").addEventListener("change", (event) => {
    state.files = [...event.target.files].slice(0, MAX_ALBUM);
    if (event.target.files.length > MAX_ALBUM) toast(`An album holds at most ${MAX_ALBUM} files; the first ${MAX_ALBUM} are kept`, { alert: true });
    showAttachment();
  });
  $("menu-button").addEventListener("click", () => {
    renderMenu();
    $("command-menu").hidden = !$("command-menu").hidden;
  });
  $("reply-cancel").addEventListener("click", () => {
    state.replyTo = null;
    renderReplyBar();
  });
  $("add-customer").addEventListener("click", addCustomer);
  $("add-agent").addEventListener("click", addAgent);
  wireFaults();
  listen();
  await loadPeople();
  await loadChats();
  if (String(state.me) === linked.get("as")) state.current = linkedChat() ?? state.current;
  if (state.current) await openChat(state.current);
  remember();
  document.body.dataset.actingAs = String(state.me);
  document.body.dataset.ready = "true";
}

start();
