// The sandbox page: a Telegram-like view of the simulator's chats.
//
// The text on this page comes from people typing, from the bot, or from the page's own words
// (WORDS, in Vietnamese and English). None of it is ever parsed as markup: messages are built
// as DOM nodes from the simulator's plain text and its entities (bold, links, mentions...), and
// text goes in through textContent and text nodes only: no string is ever handed to the
// browser as HTML.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);

  // ---- the page's own words, in Vietnamese and in English ----
  // The bot's words are the bot's: it speaks the bloc's language (/ngonngu, /lang). These are
  // the page's: its labels, notes and errors. Vietnamese first; ?lang=en or the EN button
  // switches (remembered in this browser).
  const WORDS = {
    vi: {
      'who': 'Bạn là',
      'who.admin': '{0} — quản trị viên nhóm',
      'clock': 'Đồng hồ mô phỏng',
      'clock.title': 'Giờ mô phỏng (Asia/Ho_Chi_Minh)',
      'clock.hour': '+1 giờ',
      'clock.hour.title': 'Tua nhanh 1 giờ',
      'clock.day': '+1 ngày',
      'clock.day.title': 'Tua nhanh 1 ngày',
      'clock.next': '⏭ Lời nhắc tiếp theo',
      'clock.next.title': 'Tua đến lời nhắc / hạn chót tiếp theo',
      'clock.none': 'Không có lời nhắc hay hạn chót nào đang chờ.',
      'clock.now': '🕘 Bây giờ là {0}',
      'chats': 'Cuộc trò chuyện',
      'reply.cancel': 'Bỏ trả lời',
      'commands': 'Các lệnh của bot',
      'commands.none': 'Bot chưa đặt danh sách lệnh.',
      'attach': 'Gửi tệp (chú thích: nội dung đang gõ)',
      'input': 'Tin nhắn',
      'send': 'Gửi (Enter; Shift+Enter xuống dòng)',
      'conn': 'Mất kết nối với sandbox — đang kết nối lại…',
      'lang.other': 'EN',
      'lang.other.title': 'This page in English',
      'msg.deleted': 'Tin nhắn đã bị xoá',
      'msg.photo': '🖼 Ảnh',
      'msg.edited': 'đã sửa',
      'msg.reply': 'Trả lời',
      'msg.download': 'Tải xuống',
      'poll.closed': ' (đã đóng)',
      'spoiler': 'Bấm để xem',
      'command.click': 'Bấm để gửi lệnh',
      'chat.private.sub': 'Trò chuyện riêng: {0}',
      'header.private': 'bot · @{0} · bạn là {1}',
      'header.group': '{0} thành viên và @{1} · bạn là {2}',
      'note.private': 'Trò chuyện riêng của {0} với bot. Gõ /start hoặc /trogiup.',
      'note.empty': 'Sandbox trống: nhóm chưa là khối thi đua. Chọn quản trị viên ở “Bạn là” rồi gõ /thietlap <tên khối>.',
      'note.group': 'Sandbox: mọi người trong nhóm là người mô phỏng. Chọn ở “Bạn là” để nói với tư cách người khác; gõ /trogiup để xem các lệnh. Bot nói ngôn ngữ của khối: quản trị viên gõ /ngonngu en để bot nói tiếng Anh.',
      'composer': 'Nhập tin nhắn… (Shift+Enter: xuống dòng)',
      'composer.answer': 'Nhập câu trả lời…',
      'reply.prompt': 'Bot hỏi bạn — trả lời {0}',
      'reply.to': 'Trả lời {0}',
      'pending': 'Bot chưa trả lời…',
      'service.joined': '{0} đã tham gia nhóm',
      'service.migrated_to': 'Nhóm đã được nâng cấp thành siêu nhóm',
      'service.migrated_from': 'Siêu nhóm được tạo từ một nhóm',
      'err.status': 'Lỗi {0}',
      'err.offline': 'Không kết nối được với sandbox.',
      'err.unreadable': 'Không đọc được tệp.',
      'err.empty': 'Tin nhắn trống.',
      'err.too_long': 'Tin nhắn quá dài (tối đa 4096 ký tự).',
      'err.reply_gone': 'Tin nhắn được trả lời không còn nữa.',
      'err.bad_name': 'Tên tệp không hợp lệ.',
      'err.empty_file': 'Tệp trống.',
      'err.file_too_big': 'Tệp quá lớn (tối đa 10 MB).',
      'err.caption_too_long': 'Chú thích quá dài (tối đa 1024 ký tự).',
      'err.message_gone': 'Tin nhắn không còn nữa.',
      'err.button_gone': 'Nút này không còn nữa.',
    },
    en: {
      'who': 'You are',
      'who.admin': '{0} — group admin',
      'clock': 'Simulated clock',
      'clock.title': 'Simulated time (Asia/Ho_Chi_Minh)',
      'clock.hour': '+1 hour',
      'clock.hour.title': 'Fast-forward 1 hour',
      'clock.day': '+1 day',
      'clock.day.title': 'Fast-forward 1 day',
      'clock.next': '⏭ Next reminder',
      'clock.next.title': 'Fast-forward to the next reminder or deadline',
      'clock.none': 'No reminder or deadline is waiting.',
      'clock.now': '🕘 It is now {0}',
      'chats': 'Chats',
      'reply.cancel': 'Cancel the reply',
      'commands': "The bot's commands",
      'commands.none': 'The bot has not set its commands yet.',
      'attach': 'Send a file (what you have typed becomes its caption)',
      'input': 'Message',
      'send': 'Send (Enter; Shift+Enter for a new line)',
      'conn': 'Lost the connection to the sandbox — reconnecting…',
      'lang.other': 'VI',
      'lang.other.title': 'Trang này bằng tiếng Việt',
      'msg.deleted': 'Deleted message',
      'msg.photo': '🖼 Photo',
      'msg.edited': 'edited',
      'msg.reply': 'Reply',
      'msg.download': 'Download',
      'poll.closed': ' (closed)',
      'spoiler': 'Click to reveal',
      'command.click': 'Click to send this command',
      'chat.private.sub': 'Private chat: {0}',
      'header.private': 'bot · @{0} · you are {1}',
      'header.group': '{0} members and @{1} · you are {2}',
      'note.private': "{0}'s private chat with the bot. Type /start or /help.",
      'note.empty': 'An empty sandbox: the group is not an emulation bloc yet. Choose the admin under “You are”, then type /setup <bloc name>.',
      'note.group': 'Sandbox: everyone in the group is simulated. Choose someone under “You are” to speak as them; /help lists the commands. The bot speaks the bloc’s language, Vietnamese here: as the group admin, type /lang en to switch it to English (/lang vi back).',
      'composer': 'Message… (Shift+Enter: new line)',
      'composer.answer': 'Your answer…',
      'reply.prompt': 'The bot asks you — replying to {0}',
      'reply.to': 'Replying to {0}',
      'pending': 'The bot has not answered yet…',
      'service.joined': '{0} joined the group',
      'service.migrated_to': 'The group was upgraded to a supergroup',
      'service.migrated_from': 'The supergroup was created from a group',
      'err.status': 'Error {0}',
      'err.offline': 'Cannot reach the sandbox.',
      'err.unreadable': 'Could not read the file.',
      'err.empty': 'The message is empty.',
      'err.too_long': 'The message is too long (4,096 characters at most).',
      'err.reply_gone': 'The message you are replying to is gone.',
      'err.bad_name': 'Not a valid file name.',
      'err.empty_file': 'The file is empty.',
      'err.file_too_big': 'The file is too big (10 MB at most).',
      'err.caption_too_long': 'The caption is too long (1,024 characters at most).',
      'err.message_gone': 'The message is gone.',
      'err.button_gone': 'This button is gone.',
    },
  };
  const LANG_KEY = 'sandbox.lang';

  function pickLang() {
    const q = new URLSearchParams(location.search).get('lang');
    if (q && WORDS[q]) {
      try { localStorage.setItem(LANG_KEY, q); } catch (_) { /* storage may be off */ }
      return q;
    }
    try {
      const saved = localStorage.getItem(LANG_KEY);
      if (saved && WORDS[saved]) return saved;
    } catch (_) { /* storage may be off */ }
    return 'vi';
  }
  let lang = pickLang();

  // T is the page's word for key in its language, with {0}, {1}... replaced by args in one
  // pass (a name holding "{1}" or "$&" stays as it is). Like every text, it goes into the page
  // through textContent only.
  function T(key, ...args) {
    let s = WORDS[lang][key];
    if (s === undefined) s = WORDS.vi[key];
    if (s === undefined) return key;
    return s.replace(/\{(\d+)\}/g, (m, i) => (i < args.length ? String(args[i]) : m));
  }

  // applyWords puts the page's words in the static parts of the page (data-t: text,
  // data-t-title: title, data-t-aria: aria-label, data-t-placeholder: placeholder).
  function applyWords() {
    document.documentElement.lang = lang;
    for (const e of document.querySelectorAll('[data-t]')) e.textContent = T(e.dataset.t);
    for (const e of document.querySelectorAll('[data-t-placeholder]')) e.placeholder = T(e.dataset.tPlaceholder);
    for (const e of document.querySelectorAll('[data-t-title]')) e.title = T(e.dataset.tTitle);
    for (const e of document.querySelectorAll('[data-t-aria]')) e.setAttribute('aria-label', T(e.dataset.tAria));
    const b = $('lang');
    b.textContent = T('lang.other');
    b.title = T('lang.other.title');
    b.setAttribute('aria-label', T('lang.other.title'));
    b.lang = lang === 'vi' ? 'en' : 'vi';
  }

  const S = {
    bot: null,
    bloc: '',
    people: [],
    chats: new Map(), // chat id -> {id, type, title, user}
    msgs: new Map(), // chat id -> Map(message id -> message)
    commands: {}, // the bot's menus by scope, for Vietnamese
    commandsEn: {}, // and for anyone else (its default list, in English)
    me: null, // the person the page acts as
    chatId: null, // the open chat
    manualReply: null, // {chat, id}: the message the person chose to reply to
    dismissed: new Set(), // prompts the person closed: "me:chat:id"
    pressed: new Set(), // messages whose button the person pressed: "me:chat:id"
    unread: new Map(), // chat id -> count
    empty: false,
    rendered: { chat: null, last: 0, lastDay: '' },
  };

  // ---- small helpers ----

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  const palette = ['#e17076', '#faa774', '#a695e7', '#7bc862', '#6ec9cb', '#65aadd', '#ee7aae'];
  function colorOf(id) {
    return palette[Math.abs(Number(id) % palette.length)];
  }

  function initials(name) {
    const parts = String(name || '?').trim().split(/\s+/);
    const a = parts.length > 1 ? [...parts[0]][0] + [...parts[parts.length - 1]][0] : [...parts[0]].slice(0, 2).join('');
    return a.toUpperCase();
  }

  function avatar(id, name) {
    const a = el('div', 'avatar', initials(name));
    a.style.background = colorOf(id);
    return a;
  }

  function safeURL(u) {
    try {
      const x = new URL(u, location.href);
      return ['http:', 'https:', 'mailto:'].includes(x.protocol) ? x.href : null;
    } catch (_) {
      return null;
    }
  }

  function fmtSize(n) {
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KB';
    return (n / 1024 / 1024).toFixed(1) + ' MB';
  }

  function snippet(m) {
    if (!m) return T('msg.deleted');
    if (m.document) return '📄 ' + m.document.name + (m.text ? ' — ' + m.text : '');
    if (m.photo) return T('msg.photo') + (m.text ? ' — ' + m.text : '');
    const t = (m.text || serviceText(m) || '').replace(/\s+/g, ' ');
    return t.length > 90 ? t.slice(0, 90) + '…' : t;
  }

  // serviceText is a service message in the page's language.
  function serviceText(m) {
    if (!m.service) return '';
    if (m.serviceKind && WORDS[lang]['service.' + m.serviceKind]) return T('service.' + m.serviceKind, (m.serviceNames || []).join(', '));
    return m.service;
  }

  async function api(path, body) {
    try {
      const res = await fetch(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      const data = await res.json().catch(() => ({ error: T('err.status', res.status) }));
      if (!res.ok && !data.error) data.error = T('err.status', res.status);
      if (data.code && WORDS[lang]['err.' + data.code]) data.error = T('err.' + data.code);
      return data;
    } catch (e) {
      return { error: T('err.offline') };
    }
  }

  let toastTimer = null;
  function toast(text) {
    const t = $('toast');
    t.textContent = text;
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.hidden = true; }, 4000);
  }

  function showAlert(text) {
    $('alert-text').textContent = text;
    $('alert').hidden = false;
    $('alert-ok').focus();
  }

  // ---- the bot's formatting: entities to DOM ----

  function renderText(text, entities) {
    const frag = document.createDocumentFragment();
    const ents = (entities || [])
      .filter((e) => e.length > 0 && e.offset >= 0 && e.offset + e.length <= text.length)
      .slice()
      .sort((a, b) => a.offset - b.offset || b.length - a.length);
    build(frag, text, ents, 0, text.length);
    return frag;
  }

  // build appends text[start:end) to parent, wrapping each entity (offsets in UTF-16 code
  // units, as JavaScript strings count) in its element. Entities nest; one that crosses
  // another's end keeps its text but loses its formatting.
  function build(parent, text, ents, start, end) {
    let pos = start;
    let i = 0;
    while (i < ents.length) {
      const e = ents[i];
      if (e.offset < pos) { i++; continue; }
      const eEnd = e.offset + e.length;
      if (e.offset > pos) parent.append(text.slice(pos, e.offset));
      const inner = [];
      let j = i + 1;
      while (j < ents.length && ents[j].offset < eEnd) {
        if (ents[j].offset + ents[j].length <= eEnd) inner.push(ents[j]);
        j++;
      }
      const node = entityNode(e, text.slice(e.offset, eEnd));
      build(node, text, inner, e.offset, eEnd);
      parent.append(node);
      pos = eEnd;
      i = j;
    }
    if (pos < end) parent.append(text.slice(pos, end));
  }

  function entityNode(e, t) {
    switch (e.type) {
      case 'bold': return el('b');
      case 'italic': return el('i');
      case 'underline': return el('u');
      case 'strikethrough': return el('s');
      case 'spoiler': {
        const s = el('span', 'spoiler');
        s.title = T('spoiler');
        s.addEventListener('click', () => s.classList.add('revealed'));
        return s;
      }
      case 'code': return el('code');
      case 'pre': return el('pre');
      case 'blockquote':
      case 'expandable_blockquote': return el('blockquote');
      case 'text_link': {
        const m = /^tg:\/\/user\?id=(\d+)$/.exec(e.url || '');
        if (m) {
          const s = el('span', 'mention');
          s.dataset.user = m[1];
          return s;
        }
        return link(e.url);
      }
      case 'url': return link(/^[a-z][a-z0-9+.-]*:/i.test(t) ? t : 'http://' + t);
      case 'email': return link('mailto:' + t);
      case 'mention':
      case 'text_mention': return el('span', 'mention');
      case 'hashtag':
      case 'cashtag': return el('span', 'hashtag');
      case 'bot_command': {
        const s = el('span', 'command');
        s.title = T('command.click');
        s.addEventListener('click', (ev) => {
          ev.stopPropagation();
          sendText(t, null);
        });
        return s;
      }
      default: return el('span');
    }
  }

  function link(url) {
    const href = safeURL(url);
    if (!href) return el('span', 'link');
    const a = el('a');
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.title = href;
    return a;
  }

  // ---- state ----

  function chatMsgs(chatId) {
    let m = S.msgs.get(chatId);
    if (!m) { m = new Map(); S.msgs.set(chatId, m); }
    return m;
  }

  function ordered(chatId) {
    return [...chatMsgs(chatId).values()].sort((a, b) => a.id - b.id);
  }

  function getMsg(chatId, id) { return chatMsgs(chatId).get(id); }

  function key(chatId, id) { return S.me.id + ':' + chatId + ':' + id; }

  function privateChatOf(userId) {
    for (const c of S.chats.values()) if (c.type === 'private' && c.user === userId) return c;
    return null;
  }

  function groups() { return [...S.chats.values()].filter((c) => c.type !== 'private'); }

  function visibleChats() {
    const out = groups();
    const p = S.me && privateChatOf(S.me.id);
    if (p) out.push(p);
    return out;
  }

  // addressedToMe: the bot's message is meant for the person acting now. In a group, a
  // selective ForceReply is for the author of the message it replies to (or for the one who
  // pressed the button of that message, or who is mentioned).
  function addressedToMe(m, chat) {
    if (chat.type === 'private' || !m.selective) return true;
    if (m.replyTo) {
      const r = getMsg(chat.id, m.replyTo);
      if (r && r.from && r.from.id === S.me.id) return true;
      if (r && r.from && r.from.bot && S.pressed.has(key(chat.id, r.id))) return true;
    }
    for (const e of m.entities || []) {
      if (e.type === 'text_link' && e.url === 'tg://user?id=' + S.me.id) return true;
      if (e.type === 'mention' && S.me.username &&
          m.text.substr(e.offset + 1, e.length - 1).toLowerCase() === S.me.username.toLowerCase()) return true;
    }
    return false;
  }

  // currentPrompt is the bot's latest message to the person in the open chat when it is a
  // ForceReply prompt they have not answered: the composer then replies to it.
  function currentPrompt() {
    const chat = S.chats.get(S.chatId);
    if (!chat || !S.me) return null;
    const list = ordered(chat.id);
    for (let i = list.length - 1; i >= 0; i--) {
      const m = list[i];
      if (!m.from || !m.from.bot || !addressedToMe(m, chat)) continue;
      if (!m.forceReply || S.dismissed.has(key(chat.id, m.id))) return null;
      const answered = list.some((x) => x.replyTo === m.id && x.from && x.from.id === S.me.id);
      return answered ? null : m;
    }
    return null;
  }

  function replyTarget() {
    if (S.manualReply && S.manualReply.chat === S.chatId) {
      const m = getMsg(S.chatId, S.manualReply.id);
      if (m) return { msg: m, prompt: false };
    }
    const p = currentPrompt();
    return p ? { msg: p, prompt: true } : null;
  }

  // ---- rendering ----

  function renderPeople() {
    const sel = $('who');
    clear(sel);
    for (const p of S.people) {
      const label = p.admin ? T('who.admin', p.name) : p.name + (p.unit ? ' — ' + p.unit : '');
      const o = el('option', null, label);
      o.value = String(p.id);
      sel.append(o);
    }
    if (S.me) sel.value = String(S.me.id);
  }

  function renderChatList() {
    const nav = $('chats');
    clear(nav);
    for (const c of visibleChats()) {
      const item = el('button', 'chat-item' + (c.id === S.chatId ? ' active' : ''));
      item.type = 'button';
      item.dataset.chat = String(c.id);
      item.dataset.kind = c.type === 'private' ? 'private' : 'group';
      const title = c.type === 'private' ? S.bot.name : c.title;
      item.append(avatar(c.type === 'private' ? S.bot.id : c.id, title));
      const body = el('div', 'chat-item-body');
      body.append(el('div', 'chat-item-title', title));
      const list = ordered(c.id);
      const last = list[list.length - 1];
      const sub = c.type === 'private' ? T('chat.private.sub', S.me.name) : '';
      body.append(el('div', 'chat-item-last', last ? (last.from ? last.from.name + ': ' : '') + snippet(last) : sub));
      item.append(body);
      const n = S.unread.get(c.id) || 0;
      if (n > 0) item.append(el('span', 'badge', n));
      item.addEventListener('click', () => openChat(c.id));
      nav.append(item);
    }
  }

  function renderHeader() {
    const c = S.chats.get(S.chatId);
    const av = $('chat-avatar');
    if (!c) return;
    const title = c.type === 'private' ? S.bot.name : c.title;
    av.textContent = initials(title);
    av.style.background = colorOf(c.type === 'private' ? S.bot.id : c.id);
    $('chat-title').textContent = title;
    $('chat-sub').textContent = c.type === 'private'
      ? T('header.private', S.bot.username, S.me.name)
      : T('header.group', S.people.length, S.bot.username, S.me.name);
  }

  function msgNode(m) {
    const chat = S.chats.get(m.chat);
    if (m.service) {
      const d = el('div', 'msg service');
      d.dataset.id = String(m.id);
      d.append(el('span', 'service-text', serviceText(m)));
      return d;
    }
    const mine = !!(m.from && S.me && m.from.id === S.me.id);
    const row = el('div', 'msg ' + (mine ? 'out' : 'in') + (m.from && m.from.bot ? ' from-bot' : ''));
    row.dataset.id = String(m.id);
    row.id = 'm' + m.chat + '_' + m.id;
    if (!mine && chat && chat.type !== 'private') row.append(avatar(m.from ? m.from.id : 0, m.from ? m.from.name : '?'));
    const col = el('div', 'col');
    const bubble = el('div', 'bubble' + (m.forceReply ? ' prompt' : ''));
    if (!mine && m.from && chat && chat.type !== 'private') {
      const name = el('div', 'sender', m.from.name + (m.from.bot ? ' 🤖' : ''));
      name.style.color = colorOf(m.from.id);
      bubble.append(name);
    }
    if (m.replyTo) {
      const r = getMsg(m.chat, m.replyTo);
      const q = el('div', 'quote');
      q.append(el('div', 'quote-name', r && r.from ? r.from.name : ''));
      q.append(el('div', 'quote-text', snippet(r)));
      q.addEventListener('click', () => {
        const target = document.getElementById('m' + m.chat + '_' + m.replyTo);
        if (target) {
          target.scrollIntoView({ block: 'center', behavior: 'smooth' });
          target.classList.add('flash');
          setTimeout(() => target.classList.remove('flash'), 1200);
        }
      });
      bubble.append(q);
    }
    if (m.document) {
      const a = el('a', 'doc');
      a.href = '/api/file/' + encodeURIComponent(m.document.fileId);
      a.setAttribute('download', m.document.name || 'file');
      a.title = T('msg.download');
      a.append(el('span', 'doc-icon', '📄'));
      const info = el('span', 'doc-info');
      info.append(el('span', 'doc-name', m.document.name || 'file'));
      info.append(el('span', 'doc-size', fmtSize(m.document.size) + ' · ' + T('msg.download')));
      a.append(info);
      bubble.append(a);
    }
    if (m.photo) bubble.append(el('div', 'photo', T('msg.photo')));
    if (m.poll) {
      const p = el('div', 'poll');
      p.append(el('div', 'poll-q', '📊 ' + m.poll.question + (m.poll.closed ? T('poll.closed') : '')));
      for (const o of m.poll.options || []) p.append(el('div', 'poll-o', '○ ' + o));
      bubble.append(p);
    }
    if (m.text) {
      const t = el('div', 'text');
      t.append(renderText(m.text, m.entities));
      bubble.append(t);
    }
    const meta = el('div', 'meta');
    if (m.edited) meta.append(el('span', 'edited', T('msg.edited')));
    meta.append(el('time', null, m.time));
    bubble.append(meta);
    col.append(bubble);
    if (m.buttons && m.buttons.length) {
      const kb = el('div', 'kb');
      m.buttons.forEach((rowBtns, r) => {
        const kr = el('div', 'kb-row');
        rowBtns.forEach((b, c) => {
          const btn = el('button', 'kb-btn', b.text + (b.url && !b.callback ? ' ↗' : ''));
          btn.type = 'button';
          btn.addEventListener('click', () => press(m, r, c, btn));
          kr.append(btn);
        });
        kb.append(kr);
      });
      col.append(kb);
    }
    row.append(col);
    const rb = el('button', 'reply-btn', '↩');
    rb.type = 'button';
    rb.title = T('msg.reply');
    rb.addEventListener('click', () => {
      S.manualReply = { chat: m.chat, id: m.id };
      renderComposer();
      $('input').focus();
    });
    row.append(rb);
    return row;
  }

  function nearBottom() {
    const box = $('messages');
    return box.scrollHeight - box.scrollTop - box.clientHeight < 120;
  }

  function scrollBottom() {
    const box = $('messages');
    box.scrollTop = box.scrollHeight;
  }

  function renderMessages() {
    const box = $('messages');
    clear(box);
    S.rendered = { chat: S.chatId, last: 0, lastDay: '' };
    const note = el('div', 'note');
    const c = S.chats.get(S.chatId);
    if (c && c.type === 'private') {
      note.textContent = T('note.private', S.me.name);
    } else if (S.empty && ordered(S.chatId).length === 0) {
      note.textContent = T('note.empty');
    } else {
      note.textContent = T('note.group');
    }
    box.append(note);
    for (const m of ordered(S.chatId)) appendMsg(m);
    scrollBottom();
  }

  function appendMsg(m) {
    const box = $('messages');
    if (m.day && m.day !== S.rendered.lastDay) {
      box.append(el('div', 'day', m.day));
      S.rendered.lastDay = m.day;
    }
    box.append(msgNode(m));
    S.rendered.last = Math.max(S.rendered.last, m.id);
  }

  function renderComposer() {
    const t = replyTarget();
    const bar = $('reply-bar');
    const input = $('input');
    if (!t) {
      bar.hidden = true;
      input.placeholder = T('composer');
      return;
    }
    bar.hidden = false;
    bar.classList.toggle('prompt', t.prompt);
    $('reply-to-name').textContent = T(t.prompt ? 'reply.prompt' : 'reply.to', t.msg.from ? t.msg.from.name : '');
    $('reply-to-text').textContent = snippet(t.msg);
    input.placeholder = t.msg.placeholder || T('composer.answer');
  }

  function renderAll() {
    renderPeople();
    renderChatList();
    renderHeader();
    renderMessages();
    renderComposer();
  }

  function openChat(id) {
    S.chatId = id;
    S.unread.delete(id);
    S.manualReply = null;
    try { localStorage.setItem('sandbox.chat', String(id)); } catch (_) { /* private mode */ }
    document.body.classList.add('in-chat');
    renderChatList();
    renderHeader();
    renderMessages();
    renderComposer();
  }

  function setMe(id) {
    const p = S.people.find((x) => x.id === id) || S.people[0];
    const prev = S.chats.get(S.chatId);
    S.me = p;
    try { localStorage.setItem('sandbox.as', String(p.id)); } catch (_) { /* private mode */ }
    if (!prev || prev.type === 'private') {
      const own = privateChatOf(p.id);
      if (prev && own) S.chatId = own.id;
    }
    S.unread.delete(S.chatId);
    S.manualReply = null;
    renderAll();
  }

  // ---- live updates ----

  function applySnapshot(snap) {
    S.bot = snap.bot;
    S.bloc = snap.bloc;
    S.people = snap.people || [];
    S.commands = snap.commands || {};
    S.commandsEn = snap.commandsEn || {};
    S.empty = !!snap.empty;
    S.chats = new Map();
    S.msgs = new Map();
    for (const c of snap.chats || []) S.chats.set(c.id, c);
    for (const m of snap.messages || []) chatMsgs(m.chat).set(m.id, m);
    setClock(snap.clock);
    let as = null;
    let chat = null;
    try {
      as = Number(localStorage.getItem('sandbox.as'));
      chat = Number(localStorage.getItem('sandbox.chat'));
    } catch (_) { /* private mode */ }
    S.me = S.people.find((p) => p.id === as) || S.people[0];
    const vis = visibleChats();
    const c = vis.find((x) => x.id === chat) || vis[0];
    S.chatId = c ? c.id : null;
    renderAll();
  }

  function upsert(m, isNew) {
    const known = getMsg(m.chat, m.id);
    chatMsgs(m.chat).set(m.id, m);
    const here = m.chat === S.chatId && S.rendered.chat === S.chatId;
    if (!here) {
      const vis = visibleChats().some((c) => c.id === m.chat) || S.chats.get(m.chat)?.type === 'private';
      if (isNew && !known && vis) S.unread.set(m.chat, (S.unread.get(m.chat) || 0) + 1);
      renderChatList();
      return;
    }
    const stick = nearBottom();
    const old = document.getElementById('m' + m.chat + '_' + m.id);
    if (old) {
      old.replaceWith(msgNode(m));
    } else if (m.id > S.rendered.last) {
      appendMsg(m);
    } else {
      renderMessages();
    }
    if (stick || (m.from && S.me && m.from.id === S.me.id)) scrollBottom();
    renderChatList();
    renderComposer();
  }

  function remove(chatId, id) {
    chatMsgs(chatId).delete(id);
    const old = document.getElementById('m' + chatId + '_' + id);
    if (old) old.remove();
    renderChatList();
    renderComposer();
  }

  function setClock(c) {
    if (!c) return;
    $('clock-now').textContent = c.label;
    $('clock-now').dataset.now = String(c.now);
  }

  function connect() {
    const es = new EventSource('/api/events');
    es.addEventListener('open', () => { $('conn').hidden = true; });
    es.addEventListener('error', () => { $('conn').hidden = false; });
    es.addEventListener('snapshot', (e) => applySnapshot(JSON.parse(e.data)));
    es.addEventListener('message', (e) => upsert(JSON.parse(e.data), true));
    es.addEventListener('edit', (e) => upsert(JSON.parse(e.data), false));
    es.addEventListener('delete', (e) => { const d = JSON.parse(e.data); remove(d.chat, d.id); });
    es.addEventListener('chat', (e) => {
      const c = JSON.parse(e.data);
      S.chats.set(c.id, c);
      renderChatList();
    });
    es.addEventListener('clock', (e) => setClock(JSON.parse(e.data)));
  }

  // ---- actions ----

  async function sendText(text, replyTo) {
    if (!S.me || !S.chatId) return false;
    const res = await api('/api/send', { as: S.me.id, chat: S.chatId, text, replyTo: replyTo || 0 });
    if (res.error) {
      toast(res.error);
      return false;
    }
    return true;
  }

  async function submit(ev) {
    if (ev) ev.preventDefault();
    const input = $('input');
    const text = input.value.trim();
    if (!text) return;
    const t = replyTarget();
    if (await sendText(text, t ? t.msg.id : 0)) {
      input.value = '';
      autosize();
      S.manualReply = null;
      renderComposer();
    }
    input.focus();
  }

  // upload sends a file as the person, with what they typed as its caption.
  function upload(file) {
    if (!file || !S.me || !S.chatId) return;
    if (file.size > 10 * 1024 * 1024) { toast(T('err.file_too_big')); return; }
    const reader = new FileReader();
    reader.onload = async () => {
      const url = String(reader.result);
      const data = url.slice(url.indexOf(',') + 1);
      const input = $('input');
      const res = await api('/api/upload', { as: S.me.id, chat: S.chatId, name: file.name, data, caption: input.value.trim() });
      if (res.error) { toast(res.error); return; }
      input.value = '';
      autosize();
    };
    reader.onerror = () => toast(T('err.unreadable'));
    reader.readAsDataURL(file);
  }

  async function press(m, r, c, btn) {
    const b = m.buttons[r][c];
    if (!b.callback) {
      const href = safeURL(b.url);
      if (href) window.open(href, '_blank', 'noopener');
      return;
    }
    S.pressed.add(key(m.chat, m.id));
    btn.classList.add('busy');
    const res = await api('/api/press', { as: S.me.id, chat: m.chat, message: m.id, row: r, col: c });
    btn.classList.remove('busy');
    if (res.error) toast(res.error);
    else if (res.pending) toast(T('pending'));
    else if (res.alert && res.text) showAlert(res.text);
    else if (res.text) toast(res.text);
    if (res.url) {
      const href = safeURL(res.url);
      if (href) window.open(href, '_blank', 'noopener');
    }
    renderComposer();
  }

  async function moveClock(op) {
    const btns = [$('adv-hour'), $('adv-day'), $('adv-next')];
    btns.forEach((b) => { b.disabled = true; });
    const res = await api('/api/clock', { op });
    btns.forEach((b) => { b.disabled = false; });
    if (res.error) { toast(res.error); return; }
    setClock(res);
    if (res.none) toast(T('clock.none'));
    else toast(T('clock.now', res.label));
  }

  function autosize() {
    const input = $('input');
    input.style.height = 'auto';
    input.style.height = Math.min(input.scrollHeight, 180) + 'px';
  }

  function toggleCommands() {
    const menu = $('cmd-menu');
    if (!menu.hidden) { menu.hidden = true; return; }
    clear(menu);
    const c = S.chats.get(S.chatId);
    // Telegram shows a person the list for their app's language: the Vietnamese one, or the
    // bot's default (English) for anyone else.
    const menus = lang === 'vi' ? S.commands : S.commandsEn;
    const list = (c && c.type === 'private' ? menus.private : menus.group) || [];
    for (const cmd of list) {
      const item = el('button', 'cmd-item');
      item.type = 'button';
      item.append(el('span', 'cmd-name', '/' + cmd.command));
      item.append(el('span', 'cmd-desc', cmd.description));
      item.addEventListener('click', () => {
        menu.hidden = true;
        const input = $('input');
        input.value = '/' + cmd.command + ' ';
        autosize();
        input.focus();
      });
      menu.append(item);
    }
    if (!list.length) menu.append(el('div', 'cmd-desc', T('commands.none')));
    menu.hidden = false;
  }

  function setLang(l) {
    lang = l;
    try { localStorage.setItem(LANG_KEY, l); } catch (_) { /* storage may be off */ }
    const u = new URL(location.href);
    if (u.searchParams.has('lang')) {
      u.searchParams.set('lang', l);
      history.replaceState(null, '', u.href);
    }
    applyWords();
    $('cmd-menu').hidden = true;
    if (S.bot && S.me) {
      const box = $('messages');
      const at = nearBottom() ? null : box.scrollTop; // the reader keeps their place
      renderAll();
      if (at !== null) box.scrollTop = at;
    }
  }

  function init() {
    applyWords();
    $('lang').addEventListener('click', () => setLang(lang === 'vi' ? 'en' : 'vi'));
    $('composer').addEventListener('submit', submit);
    $('input').addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        submit();
      }
    });
    $('input').addEventListener('input', autosize);
    $('who').addEventListener('change', (e) => setMe(Number(e.target.value)));
    $('reply-cancel').addEventListener('click', () => {
      const t = replyTarget();
      if (t && t.prompt) S.dismissed.add(key(S.chatId, t.msg.id));
      S.manualReply = null;
      renderComposer();
    });
    $('adv-hour').addEventListener('click', () => moveClock('hour'));
    $('adv-day').addEventListener('click', () => moveClock('day'));
    $('adv-next').addEventListener('click', () => moveClock('next'));
    $('cmd-button').addEventListener('click', toggleCommands);
    $('attach').addEventListener('click', () => $('file').click());
    $('file').addEventListener('change', (e) => {
      upload(e.target.files[0]);
      e.target.value = '';
    });
    $('alert-ok').addEventListener('click', () => { $('alert').hidden = true; });
    $('chat-header').addEventListener('click', () => document.body.classList.remove('in-chat'));
    connect();
  }

  init();
})();
