// Render Bot API messages as Telegram shows them. User text only ever becomes text nodes.

const TAGS = {
  bold: "b",
  italic: "i",
  underline: "u",
  strikethrough: "s",
  code: "code",
  pre: "pre",
  blockquote: "blockquote",
  expandable_blockquote: "blockquote",
};
const SAFE_SCHEMES = ["http:", "https:", "tg:", "mailto:"];

// Append children, skipping the absent ones (null or undefined).
export function put(node, ...children) {
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

export function el(tag, options = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  return put(node, ...children);
}

function safeHref(url) {
  try {
    const parsed = new URL(url, "https://example.invalid/");
    return SAFE_SCHEMES.includes(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

function wrap(entity, slice, handlers) {
  const tag = TAGS[entity.type];
  if (tag === "pre") {
    const pre = el("pre");
    const code = el("code", { class: entity.language ? `language-${entity.language}` : null });
    pre.append(code);
    return { outer: pre, inner: code };
  }
  if (tag) {
    const node = el(tag);
    return { outer: node, inner: node };
  }
  if (entity.type === "text_link" || entity.type === "url") {
    const href = safeHref(entity.type === "url" ? slice : entity.url);
    const node = href
      ? el("a", { href, target: "_blank", rel: "noopener noreferrer nofollow" })
      : el("span", { class: "link" });
    return { outer: node, inner: node };
  }
  if (entity.type === "spoiler") {
    // Remembered across re-renders (live updates redraw the chat): revealed stays revealed.
    const key = `${handlers.spoilerKey}:${entity.offset}`;
    const revealed = handlers.revealed?.has(key);
    const node = el("span", { class: `spoiler${revealed ? " revealed" : ""}`, title: "Spoiler: click to reveal" });
    node.addEventListener("click", () => {
      node.classList.add("revealed");
      handlers.revealed?.add(key);
    });
    return { outer: node, inner: node };
  }
  if (entity.type === "bot_command") {
    const node = el("span", { class: "command", title: "Send this command" });
    node.addEventListener("click", () => handlers.sendCommand?.(slice));
    return { outer: node, inner: node };
  }
  const node = el("span", { class: `entity-${entity.type.replace(/[^a-z_]/g, "")}` });
  return { outer: node, inner: node };
}

// A command starts the text, or follows a space or an opening bracket or quote ("</b>" is none).
const COMMAND = /(?<![^\s(\["'«])\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@])/g;

// Telegram marks /commands in what a bot sends as bot_command entities (taps send them);
// add those the text has outside the entities the bot gave.
export function withCommands(text, entities = []) {
  const found = [];
  for (const match of text.matchAll(COMMAND)) {
    const start = match.index;
    const end = start + match[0].length;
    if (!entities.some((entity) => entity.offset < end && start < entity.offset + entity.length)) {
      found.push({ type: "bot_command", offset: start, length: match[0].length });
    }
  }
  return found.length ? [...entities, ...found] : entities;
}

// Offsets are UTF-16 code units, like JavaScript strings: they map one to one.
export function formatted(text, entities = [], handlers = {}) {
  const sorted = [...entities].sort((a, b) => a.offset - b.offset || b.length - a.length);
  const build = (start, end, list) => {
    const fragment = document.createDocumentFragment();
    let position = start;
    let index = 0;
    while (index < list.length) {
      const entity = list[index];
      if (entity.offset < position) {
        index += 1;
        continue;
      }
      if (entity.offset > position) fragment.append(text.slice(position, entity.offset));
      const entityEnd = Math.min(entity.offset + entity.length, end);
      const inside = [];
      let next = index + 1;
      while (next < list.length && list[next].offset < entityEnd) {
        if (list[next].offset + list[next].length <= entityEnd) inside.push(list[next]);
        next += 1;
      }
      const { outer, inner } = wrap(entity, text.slice(entity.offset, entityEnd), handlers);
      inner.append(build(entity.offset, entityEnd, inside));
      fragment.append(outer);
      position = entityEnd;
      index = next;
    }
    if (position < end) fragment.append(text.slice(position, end));
    return fragment;
  };
  return build(0, text.length, sorted);
}

function senderName(user) {
  if (!user) return "";
  return [user.first_name, user.last_name].filter(Boolean).join(" ");
}

function time(message) {
  const date = new Date(message.date * 1000);
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function serviceText(message) {
  const who = senderName(message.from);
  if (message.forum_topic_created) return `${who} created the topic «${message.forum_topic_created.name}»`;
  if (message.forum_topic_closed) return `${who} closed the topic`;
  if (message.forum_topic_reopened) return `${who} reopened the topic`;
  if (message.forum_topic_edited) {
    const edited = message.forum_topic_edited;
    return edited.name ? `${who} renamed the topic to «${edited.name}»` : `${who} changed the topic icon`;
  }
  return null;
}

export function isService(message) {
  return serviceText(message) !== null;
}

function media(message) {
  if (message.photo) {
    const largest = message.photo[message.photo.length - 1];
    const image = el("img", {
      class: "photo",
      src: `/sandbox/files/${encodeURIComponent(largest.file_id)}`,
      alt: "Photo",
      loading: "lazy",
      width: largest.width,
      height: largest.height,
    });
    image.addEventListener("error", () => image.replaceWith(el("div", { class: "photo placeholder", text: "🖼 Photo" })));
    return image;
  }
  for (const [kind, icon] of [["document", "📄"], ["video", "🎬"], ["audio", "🎵"], ["voice", "🎤"], ["animation", "🎞"], ["video_note", "⏺"]]) {
    if (message[kind]) {
      const file = message[kind];
      const name = file.file_name || kind.replace("_", " ");
      return el(
        "a",
        { class: "file", href: `/sandbox/files/${encodeURIComponent(file.file_id)}`, download: name },
        el("span", { class: "file-icon", text: icon }),
        el("span", { class: "file-name", text: name }),
      );
    }
  }
  if (message.sticker) return el("div", { class: "sticker", text: message.sticker.emoji || "🙂" });
  if (message.location) return el("div", { class: "file", text: `📍 ${message.location.latitude}, ${message.location.longitude}` });
  if (message.contact) return el("div", { class: "file", text: `👤 ${message.contact.first_name} ${message.contact.phone_number}` });
  return null;
}

function replyQuote(message) {
  const target = message.reply_to_message;
  if (!target || target.forum_topic_created) return null;
  const text = target.text || target.caption || (target.photo ? "Photo" : target.document ? "File" : "Message");
  return el(
    "div",
    { class: "quote" },
    el("div", { class: "quote-name", text: senderName(target.from) }),
    el("div", { class: "quote-text", text: text.slice(0, 120) }),
  );
}

function keyboard(message, handlers) {
  const rows = message.reply_markup?.inline_keyboard;
  if (!rows) return null;
  const board = el("div", { class: "keyboard", "data-testid": "keyboard" });
  for (const row of rows) {
    const line = el("div", { class: "keyboard-row" });
    for (const button of row) {
      if (button.url && safeHref(button.url)) {
        line.append(el("a", { class: "key", href: safeHref(button.url), target: "_blank", rel: "noopener noreferrer", text: `${button.text} ↗` }));
      } else {
        line.append(
          el("button", {
            type: "button",
            class: "key",
            text: button.text,
            onclick: () => handlers.press?.(message, button.callback_data),
          }),
        );
      }
    }
    board.append(line);
  }
  return board;
}

function bubble(group, context, handlers) {
  const first = group[0];
  const mine = first.from?.id === context.me;
  const captioned = group.find((message) => message.caption) || first;
  const node = el("div", {
    class: `bubble ${mine ? "mine" : "theirs"}${first.from?.is_bot ? " bot" : ""}`,
    "data-testid": "message",
    dataset: { messageId: String(first.message_id) },
  });
  if (context.showNames && !mine) put(node, el("div", { class: "sender", text: senderName(first.from) }));
  put(node, replyQuote(first));
  if (first.forward_origin) {
    const origin = first.forward_origin;
    const name = origin.sender_user ? senderName(origin.sender_user) : origin.sender_user_name || origin.chat?.title || origin.sender_chat?.title || "";
    put(node, el("div", { class: "forwarded", text: `Forwarded from ${name}` }));
  }
  const items = group.map(media).filter(Boolean);
  if (items.length > 1) put(node, el("div", { class: "album", "data-testid": "album" }, ...items));
  else if (items.length === 1) put(node, items[0]);
  const body = captioned.text ?? captioned.caption;
  // People edit their own texts and captions (the bot edits its messages itself).
  const editable = mine && !first.from?.is_bot && (captioned.text !== undefined || captioned.caption !== undefined);
  if (body) {
    const given = captioned.entities || captioned.caption_entities || [];
    const entities = first.from?.is_bot ? withCommands(body, given) : given;
    const spoilerKey = `${captioned.chat.id}:${captioned.message_id}`;
    put(node, el("div", { class: "text" }, formatted(body, entities, { ...handlers, spoilerKey })));
  }
  put(
    node,
    el(
      "div",
      { class: "meta" },
      first.edit_date ? el("span", { class: "edited", text: "edited" }) : null,
      el("span", { text: time(first) }),
      editable ? el("button", { type: "button", class: "reply-button", title: "Edit", "data-testid": "edit", text: "✏️", onclick: () => handlers.edit?.(captioned) }) : null,
      el("button", { type: "button", class: "reply-button", title: "Reply", "data-testid": "reply", text: "↩", onclick: () => handlers.reply?.(first) }),
    ),
  );
  put(node, keyboard(group[group.length - 1], handlers));
  return node;
}

// Group consecutive messages of one album into one bubble.
export function groupAlbums(messages) {
  const groups = [];
  for (const message of messages) {
    const last = groups[groups.length - 1];
    if (last && message.media_group_id && last[0].media_group_id === message.media_group_id) last.push(message);
    else groups.push([message]);
  }
  return groups;
}

export function renderMessages(messages, context, handlers) {
  const fragment = document.createDocumentFragment();
  for (const group of groupAlbums(messages)) {
    const service = serviceText(group[0]);
    if (service !== null) {
      fragment.append(el("div", { class: "service", "data-testid": "service", text: service }));
    } else {
      fragment.append(bubble(group, context, handlers));
    }
  }
  return fragment;
}
