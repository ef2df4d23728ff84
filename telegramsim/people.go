package telegramsim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Chat is a private chat with the bot, a group or a supergroup. ID, Type and Title
// never change; everything else is read through methods.
type Chat struct {
	ID    int64
	Type  string // "private", "group" or "supergroup"
	Title string // "" for private chats

	s *Sim
	// guarded by s.mu
	user         *User // private chats: the other party
	msgs         []*message
	byID         map[int]*message
	lastID       int
	members      map[int64]*member
	memberOrder  []int64
	botStatus    string // groups: "member", "left" or "kicked"
	botAdmin     bool   // the bot is an administrator (PromoteBot): it gets chat_member updates
	hideMembers  bool   // no join/leave service messages, as in Telegram's larger groups
	migratedTo   *Chat
	migratedFrom *Chat
	changed      chan struct{} // closed on any change in this chat
	botLog       []int         // ids of bot messages, appended on every add and edit
	instance     string        // callback chat_instance
}

type member struct {
	u       *User
	admin   bool
	creator bool
}

// NewUser creates a user. Ids are positive, above 2^32 (as new Telegram accounts
// are) and stable for a given sequence of calls.
func (s *Sim) NewUser(firstName, username, languageCode string) *User {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextUser++
	u := newUser(&User{ID: 7000000000 + s.nextUser, FirstName: firstName, Username: strings.TrimPrefix(username, "@"), LanguageCode: languageCode, s: s})
	s.users[u.ID] = u
	s.userList = append(s.userList, u)
	s.changedLocked()
	return u
}

func (s *Sim) newChatLocked(id int64, typ, title string) *Chat {
	c := &Chat{ID: id, Type: typ, Title: title, s: s, byID: make(map[int]*message), members: make(map[int64]*member), botStatus: "member"}
	c.instance = strconv.FormatUint(uint64(id)*0x9E3779B97F4A7C15>>1, 10)
	s.chats[id] = c
	s.chatList = append(s.chatList, c)
	s.emitLocked(Event{Kind: EventChat, ChatID: id})
	s.changedLocked()
	return c
}

// NewGroup creates a basic group (negative id) with the bot in it.
func (s *Sim) NewGroup(title string) *Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextGroup++
	return s.newChatLocked(-(4000000000 + s.nextGroup), "group", title)
}

// NewSupergroup creates a supergroup (id -100…) with the bot in it.
func (s *Sim) NewSupergroup(title string) *Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newSupergroupLocked(title)
}

func (s *Sim) newSupergroupLocked(title string) *Chat {
	s.nextSuper++
	return s.newChatLocked(-(1000000000000 + 2000000000 + s.nextSuper), "supergroup", title)
}

// PrivateChat returns the user's private chat with the bot (id == user id),
// opening it if needed. The bot cannot write to a user before this (Telegram's
// "bot can't initiate conversation with a user"); a user's first Send in it
// is what opens it in real life.
func (s *Sim) PrivateChat(u *User) *Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.privateLocked(u)
}

func (s *Sim) privateLocked(u *User) *Chat {
	if u.private == nil {
		c := s.newChatLocked(u.ID, "private", "")
		c.user = u
		u.private = c
	}
	return u.private
}

// Name is the title of a group, or the first name of a private chat's user.
func (c *Chat) Name() string {
	if c.Type == "private" {
		return c.user.FirstName
	}
	return c.Title
}

// User returns the other party of a private chat (nil for groups).
func (c *Chat) User() *User { return c.user }

// touchLocked wakes waiters on this chat and on the simulator.
func (c *Chat) touchLocked() {
	if c.changed != nil {
		close(c.changed)
		c.changed = nil
	}
	c.s.changedLocked()
}

// Add makes u a member; admin flags them for getChatAdministrators. The first
// admin added is the group's creator. Adding an existing member updates the flag.
// Add is silent: no update is sent to the bot.
func (c *Chat) Add(u *User, admin bool) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	c.addLocked(u, admin)
	c.touchLocked()
}

func (c *Chat) addLocked(u *User, admin bool) *member {
	if m := c.members[u.ID]; m != nil {
		m.admin = admin || m.creator
		return m
	}
	m := &member{u: u, admin: admin}
	if admin {
		m.creator = true
		for _, other := range c.members {
			if other.creator {
				m.creator = false
			}
		}
	}
	c.members[u.ID] = m
	c.memberOrder = append(c.memberOrder, u.ID)
	return m
}

// Remove takes u out of the group, silently.
func (c *Chat) Remove(u *User) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.removeLocked(u) {
		c.touchLocked()
	}
}

// removeLocked takes u out of the members; false when u was not one.
func (c *Chat) removeLocked(u *User) bool {
	if c.members[u.ID] == nil {
		return false
	}
	delete(c.members, u.ID)
	for i, id := range c.memberOrder {
		if id == u.ID {
			c.memberOrder = append(c.memberOrder[:i:i], c.memberOrder[i+1:]...)
			break
		}
	}
	return true
}

// Leave takes u out of the group as Telegram does when they leave it (by nil or u) or an
// admin removes them (by): the bot gets a left_chat_member service message from by (unless
// HideMemberMessages), and, when it is an administrator (PromoteBot) and asked for them, a
// chat_member update. Silent when u was not a member.
func (c *Chat) Leave(u, by *User) {
	if c.Type == "private" {
		panic("telegramsim: Leave on a private chat")
	}
	status := "kicked"
	if by == nil || by == u {
		by, status = u, "left"
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	was := c.statusOfLocked(u)
	if !c.removeLocked(u) {
		return
	}
	if !c.hideMembers {
		m := &message{from: by, leftMember: u}
		s.addMessageLocked(c, m)
		if s.botSeesLocked(c, m) {
			s.enqueueLocked("message", s.wireMessage(m, true))
		}
	}
	if c.botStatusLocked() == "administrator" && s.allowedLocked("chat_member") {
		s.memberUpdateLocked("chat_member", c, by, u, was, status)
	}
	c.touchLocked()
}

// PromoteBot makes the bot an administrator of the group: it gets a my_chat_member update,
// and chat_member updates from then on (when its allowed_updates ask for them).
func (c *Chat) PromoteBot(by *User) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.Type == "private" {
		panic("telegramsim: PromoteBot on a private chat")
	}
	if c.botAdmin || c.botStatus != "member" {
		return
	}
	c.botAdmin = true
	s.memberUpdateLocked("my_chat_member", c, by, s.bot, "member", "administrator")
	c.touchLocked()
}

// botStatusLocked is the bot's status in group c, as getChatMember and its my_chat_member
// updates give it.
func (c *Chat) botStatusLocked() string {
	if c.botAdmin && c.botStatus == "member" {
		return "administrator"
	}
	return c.botStatus
}

// memberUpdateLocked queues a my_chat_member (u the bot) or chat_member update: by changed
// u's status in c from old to new.
func (s *Sim) memberUpdateLocked(kind string, c *Chat, by, u *User, old, new string) {
	s.enqueueLocked(kind, wireChatMemberUpdated{
		Chat: c.wire(), From: by.wire(), Date: s.clk.Now().Unix(),
		OldChatMember: s.memberWire(u, old), NewChatMember: s.memberWire(u, new),
	})
}

// HideMemberMessages stops (or restarts) the service messages of members joining and leaving,
// as Telegram does in larger groups; chat_member updates still come (Leave).
func (c *Chat) HideMemberMessages(hide bool) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	c.hideMembers = hide
}

// Members returns the group's members in the order they were added.
func (c *Chat) Members() []*User {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*User, 0, len(c.memberOrder))
	for _, id := range c.memberOrder {
		out = append(out, c.members[id].u)
	}
	return out
}

func (c *Chat) statusOfLocked(u *User) string {
	m := c.members[u.ID]
	switch {
	case m == nil:
		return "left"
	case m.creator:
		return "creator"
	case m.admin:
		return "administrator"
	}
	return "member"
}

// MigratedTo returns the supergroup this group became, or nil.
func (c *Chat) MigratedTo() *Chat {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.migratedTo
}

// ---- messages ----

// addMessageLocked stores m in c, numbering and dating it.
func (s *Sim) addMessageLocked(c *Chat, m *message) {
	c.lastID++
	m.id = c.lastID
	m.chat = c
	m.date = s.clk.Now()
	c.msgs = append(c.msgs, m)
	c.byID[m.id] = m
	if m.fromBot() {
		c.botLog = append(c.botLog, m.id)
	}
	if len(s.subs) > 0 {
		snap := m.snapshot()
		s.emitLocked(Event{Kind: EventMessage, ChatID: c.ID, MessageID: m.id, Message: &snap})
	}
	c.touchLocked()
}

func (s *Sim) editedLocked(m *message) {
	m.edits++
	m.editDate = s.clk.Now()
	if m.fromBot() {
		m.chat.botLog = append(m.chat.botLog, m.id)
	}
	if len(s.subs) > 0 {
		snap := m.snapshot()
		s.emitLocked(Event{Kind: EventEdit, ChatID: m.chat.ID, MessageID: m.id, Message: &snap})
	}
	m.chat.touchLocked()
}

func (s *Sim) deleteLocked(m *message) {
	m.deleted = true
	delete(m.chat.byID, m.id)
	s.emitLocked(Event{Kind: EventDelete, ChatID: m.chat.ID, MessageID: m.id})
	m.chat.touchLocked()
}

// Messages returns a snapshot of the chat: every message in order, edits applied,
// deleted ones gone.
func (c *Chat) Messages() []Message {
	return c.collect(func(*message) bool { return true })
}

// BotMessages returns the messages the bot sent, in order.
func (c *Chat) BotMessages() []Message {
	return c.collect((*message).fromBot)
}

func (c *Chat) collect(keep func(*message) bool) []Message {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(c.msgs))
	for _, m := range c.msgs {
		if !m.deleted && keep(m) {
			out = append(out, m.snapshot())
		}
	}
	return out
}

// LastBotMessage returns the bot's latest message still in the chat, or a zero
// Message (ID 0) when there is none.
func (c *Chat) LastBotMessage() Message {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(c.msgs) - 1; i >= 0; i-- {
		if m := c.msgs[i]; m.fromBot() && !m.deleted {
			return m.snapshot()
		}
	}
	return Message{}
}

// Message returns the current state of message id.
func (c *Chat) Message(id int) (Message, bool) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := c.byID[id]; m != nil {
		return m.snapshot(), true
	}
	return Message{}, false
}

// WaitBotMessage waits for a bot message in this chat that satisfies match. It
// first looks at the bot messages already in the chat (newest first), then at
// every bot message sent or edited until the deadline, so it cannot miss a reply
// that came before the call. To ask for a message newer than one you sent, match
// on m.ID > sent.ID (ids grow within a chat) or on m.ReplyTo. match runs without
// simulator locks held.
func (c *Chat) WaitBotMessage(timeout time.Duration, match func(Message) bool) (Message, error) {
	if match == nil {
		match = func(Message) bool { return true }
	}
	s := c.s
	timer := time.NewTimer(timeout)
	defer timer.Stop()

	// Existing messages, newest first, a few at a time so that the usual case (the
	// newest message matches) costs one snapshot.
	s.mu.Lock()
	pos := len(c.botLog) // changes after this point are looked at below
	next := len(c.msgs) - 1
	s.mu.Unlock()
	var batch []Message
	for next >= 0 {
		batch = batch[:0]
		s.mu.Lock()
		for ; next >= 0 && len(batch) < 16; next-- {
			if m := c.msgs[next]; m.fromBot() && !m.deleted {
				batch = append(batch, m.snapshot())
			}
		}
		s.mu.Unlock()
		for _, m := range batch {
			if match(m) {
				return m, nil
			}
		}
	}

	// Then every bot message added or edited from now on.
	for {
		s.mu.Lock()
		batch = batch[:0]
		for _, id := range c.botLog[pos:] {
			if m := c.byID[id]; m != nil {
				batch = append(batch, m.snapshot())
			}
		}
		pos = len(c.botLog)
		if c.changed == nil {
			c.changed = make(chan struct{})
		}
		ch := c.changed
		s.mu.Unlock()
		for _, m := range batch {
			if match(m) {
				return m, nil
			}
		}
		select {
		case <-ch:
		case <-timer.C:
			return Message{}, fmt.Errorf("%w: no matching bot message in chat %d (%s) within %v", ErrTimeout, c.ID, c.Name(), timeout)
		case <-s.done:
			return Message{}, ErrClosed
		}
	}
}

// ---- what users do ----

// resolveTargetLocked follows migrations (a client opens the supergroup) and makes
// the author a member of a group they write in.
func (u *User) resolveTargetLocked(c *Chat) *Chat {
	for c.migratedTo != nil {
		c = c.migratedTo
	}
	switch c.Type {
	case "private":
		if c.user != u {
			panic(fmt.Sprintf("telegramsim: %v cannot write in the private chat of %v", u, c.user))
		}
		if u.blocked {
			// writing to a blocked bot (pressing "Restart") unblocks it
			u.s.setBlockedLocked(u, false)
		}
	default:
		if !u.IsBot {
			c.addLocked(u, false)
		}
	}
	return c
}

// postLocked stores a user message and queues the update for the bot.
func (s *Sim) postLocked(c *Chat, m *message) Message {
	m.entities = detectEntities(m.text)
	s.addMessageLocked(c, m)
	if s.botSeesLocked(c, m) {
		s.enqueueLocked("message", s.wireMessage(m, true))
	}
	return m.snapshot()
}

// botSeesLocked reports whether the bot receives a message in c (membership and
// privacy mode).
func (s *Sim) botSeesLocked(c *Chat, m *message) bool {
	if c.Type == "private" {
		return true
	}
	if c.botStatus != "member" {
		return false
	}
	if !s.opts.PrivacyMode || m.migrateFrom != 0 || m.migrateTo != 0 || len(m.newMembers) > 0 || m.leftMember != nil {
		return true
	}
	if m.replyTo != nil && m.replyTo.fromBot() {
		return true
	}
	for _, e := range m.entities {
		t := substrUTF16(m.text, e.Offset, e.Length)
		switch e.Type {
		case "bot_command":
			if _, at, ok := strings.Cut(t, "@"); !ok || strings.EqualFold(at, s.bot.Username) {
				return true
			}
		case "mention":
			if strings.EqualFold(t[1:], s.bot.Username) {
				return true
			}
		}
	}
	return false
}

// Send writes a text message in c and queues the update; it returns at once,
// without waiting for the bot. Entities (bot_command, mention, hashtag, url) are
// computed as Telegram does. Writing in a group makes u a member; writing in a
// migrated group goes to its supergroup.
func (u *User) Send(c *Chat, text string) Message {
	return u.send(c, &message{text: text}, 0)
}

// Reply writes a text message in c that replies to msg.
func (u *User) Reply(c *Chat, msg Message, text string) Message {
	return u.send(c, &message{text: text}, msg.ID)
}

// SendPhoto sends a photo with a caption.
func (u *User) SendPhoto(c *Chat, caption string) Message {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	ph := s.newFileLocked(filePhoto, "photo.jpg", nil)
	return u.sendLocked(c, &message{text: caption, caption: true, photo: ph}, 0)
}

// SendDocument uploads a document; the bot can getFile and download data.
func (u *User) SendDocument(c *Chat, name string, data []byte, caption string) Message {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	doc := s.newFileLocked(fileDocument, name, data)
	return u.sendLocked(c, &message{text: caption, caption: true, doc: doc}, 0)
}

func (u *User) send(c *Chat, m *message, replyTo int) Message {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	return u.sendLocked(c, m, replyTo)
}

func (u *User) sendLocked(c *Chat, m *message, replyTo int) Message {
	c = u.resolveTargetLocked(c)
	m.from = u
	if replyTo != 0 {
		if r := c.byID[replyTo]; r != nil {
			m.replyTo = r
		}
	}
	return u.s.postLocked(c, m)
}

// Edit changes the text of one of u's own text messages and sends the bot an
// edited_message update.
func (u *User) Edit(c *Chat, msg Message, text string) (Message, error) {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	m := c.byID[msg.ID]
	if m == nil || m.from != u {
		return Message{}, fmt.Errorf("telegramsim: %v has no message %d in chat %d", u, msg.ID, c.ID)
	}
	m.text = text
	m.entities = detectEntities(text)
	s.editedLocked(m)
	if s.botSeesLocked(c, m) {
		s.enqueueLocked("edited_message", s.wireMessage(m, true))
	}
	return m.snapshot(), nil
}

// SendAsChat sends a message as an anonymous group admin: from is
// GroupAnonymousBot and sender_chat is the group.
func (c *Chat) SendAsChat(text string) Message {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	target := c
	for target.migratedTo != nil {
		target = target.migratedTo
	}
	return s.postLocked(target, &message{text: text, from: s.anon, senderChat: target})
}

// Migrate upgrades a basic group to a supergroup, as Telegram does when a group
// grows or an admin changes certain settings. Members (and the bot's membership)
// are carried over. The bot gets two updates: a message in the old group with
// migrate_to_chat_id and one in the new supergroup with migrate_from_chat_id.
// Afterwards the bot's writes to the old id fail with "group chat was upgraded to
// a supergroup chat" (parameters.migrate_to_chat_id), and users' writes to the
// old *Chat land in the new one. Migrate panics if c is not a basic group or was
// already migrated.
func (c *Chat) Migrate() *Chat {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.Type != "group" || c.migratedTo != nil {
		panic(fmt.Sprintf("telegramsim: chat %d (%s) cannot migrate", c.ID, c.Type))
	}
	ng := s.newSupergroupLocked(c.Title)
	for _, id := range c.memberOrder {
		m := c.members[id]
		nm := ng.addLocked(m.u, m.admin)
		nm.creator = m.creator
	}
	ng.botStatus, ng.botAdmin, ng.hideMembers = c.botStatus, c.botAdmin, c.hideMembers
	c.migratedTo, ng.migratedFrom = ng, c

	from := s.anon
	for _, id := range c.memberOrder {
		if m := c.members[id]; m.creator {
			from = m.u
		}
	}
	old := &message{from: from, migrateTo: ng.ID}
	s.addMessageLocked(c, old)
	if s.botSeesLocked(c, old) {
		s.enqueueLocked("message", s.wireMessage(old, true))
	}
	nw := &message{from: from, migrateFrom: c.ID}
	s.addMessageLocked(ng, nw)
	if s.botSeesLocked(ng, nw) {
		s.enqueueLocked("message", s.wireMessage(nw, true))
	}
	c.touchLocked()
	return ng
}

// RemoveBot kicks the bot out of the group: it gets a my_chat_member update, and
// its later writes fail with 403 "bot was kicked from the group chat".
func (c *Chat) RemoveBot(by *User) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.Type == "private" {
		panic("telegramsim: RemoveBot on a private chat; use User.BlockBot")
	}
	s.setBotStatusLocked(c, "kicked", by)
}

// AddBot puts the bot (back) into the group: a my_chat_member update and a
// new_chat_members service message.
func (c *Chat) AddBot(by *User) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.Type == "private" {
		panic("telegramsim: AddBot on a private chat")
	}
	if c.botStatus == "member" {
		return
	}
	s.setBotStatusLocked(c, "member", by)
	m := &message{from: by, newMembers: []*User{s.bot}}
	s.addMessageLocked(c, m)
	s.enqueueLocked("message", s.wireMessage(m, true))
}

func (s *Sim) setBotStatusLocked(c *Chat, status string, by *User) {
	if c.botStatus == status {
		return
	}
	old := c.botStatusLocked()
	c.botStatus = status
	if status != "member" {
		c.botAdmin = false // kicked or left: an administrator no more
	}
	s.memberUpdateLocked("my_chat_member", c, by, s.bot, old, status)
	s.emitLocked(Event{Kind: EventChat, ChatID: c.ID})
	c.touchLocked()
}

// BlockBot makes the user block the bot: a my_chat_member update (kicked) for the
// private chat, and 403 "bot was blocked by the user" on the bot's writes until
// the user writes to the bot again.
func (u *User) BlockBot() {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setBlockedLocked(u, true)
}

// UnblockBot undoes BlockBot.
func (u *User) UnblockBot() {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setBlockedLocked(u, false)
}

func (s *Sim) setBlockedLocked(u *User, blocked bool) {
	if u.blocked == blocked {
		return
	}
	c := s.privateLocked(u)
	u.blocked = blocked
	oldStatus, newStatus := "member", "kicked"
	if !blocked {
		oldStatus, newStatus = newStatus, oldStatus
	}
	s.memberUpdateLocked("my_chat_member", c, u, s.bot, oldStatus, newStatus)
	c.touchLocked()
}

// ---- callbacks ----

// Callback is an inline button press. Answer waits for the bot's
// answerCallbackQuery.
type Callback struct {
	ID        string
	Data      string
	ChatID    int64
	MessageID int
	From      *User
	// Err is set when the press could not happen (no such message or button); no
	// update was sent then, and Answer returns Err.
	Err error

	s    *Sim
	done chan struct{} // closed when answered
	// guarded by s.mu
	answered bool
	answer   Answer
}

// Press presses the inline button whose text is exactly text on msg. The button
// is looked up on the message as it is now, then on the snapshot msg (a stale
// client); if neither has it, the returned Callback carries Err.
func (u *User) Press(c *Chat, msg Message, text string) *Callback {
	return u.press(c, msg, text, "", true)
}

// PressData sends a callback query with arbitrary data for msg, as a forged or
// outdated client could.
func (u *User) PressData(c *Chat, msg Message, data string) *Callback {
	return u.press(c, msg, "", data, false)
}

func (u *User) press(c *Chat, msg Message, text, data string, byText bool) *Callback {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	cb := &Callback{s: s, From: u, ChatID: c.ID, MessageID: msg.ID, done: make(chan struct{})}
	m := c.byID[msg.ID]
	if m == nil {
		cb.Err = fmt.Errorf("telegramsim: message %d not found in chat %d", msg.ID, c.ID)
		return cb
	}
	if byText {
		found := false
		if m.markup != nil {
		search:
			for _, row := range m.markup.rows {
				for _, b := range row {
					if b.text == text {
						found, data = true, b.data
						break search
					}
				}
			}
		}
		if !found {
			var b Button
			b, found = msg.Button(text) // a stale client shows the snapshot's buttons
			data = b.Data
		}
		if !found {
			var texts []string
			if m.markup != nil {
				for _, row := range m.markup.rows {
					for _, b := range row {
						texts = append(texts, b.text)
					}
				}
			}
			for _, row := range msg.Buttons {
				for _, b := range row {
					texts = append(texts, b.Text)
				}
			}
			cb.Err = fmt.Errorf("telegramsim: no button %q on message %d in chat %d (buttons: %q)", text, msg.ID, c.ID, texts)
			return cb
		}
		if data == "" {
			cb.Err = fmt.Errorf("telegramsim: button %q on message %d has no callback_data", text, msg.ID)
			return cb
		}
	}
	s.nextCallback++
	cb.ID = strconv.FormatUint(s.nextCallback, 10)
	cb.Data = data
	s.callbacks[cb.ID] = cb
	s.enqueueLocked("callback_query", wireCallbackQuery{
		ID: cb.ID, From: u.wireShared(), Message: s.wireMessage(m, true), ChatInstance: c.instance, Data: data,
	})
	s.emitLocked(Event{Kind: EventPress, ChatID: c.ID, MessageID: m.id, UserID: u.ID, Data: data})
	return cb
}

// Answer waits until the bot answers the callback and returns the answer.
func (cb *Callback) Answer(timeout time.Duration) (Answer, error) {
	if cb.Err != nil {
		return Answer{}, cb.Err
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-cb.done:
	case <-timer.C:
		return Answer{}, fmt.Errorf("%w: callback %s (%q) not answered within %v", ErrTimeout, cb.ID, cb.Data, timeout)
	case <-cb.s.done:
		return Answer{}, ErrClosed
	}
	cb.s.mu.Lock()
	defer cb.s.mu.Unlock()
	return cb.answer, nil
}

// Answered reports the answer if the bot already gave one.
func (cb *Callback) Answered() (Answer, bool) {
	if cb.Err != nil {
		return Answer{}, false
	}
	cb.s.mu.Lock()
	defer cb.s.mu.Unlock()
	return cb.answer, cb.answered
}

// Answers returns every callback answer so far, in order.
func (s *Sim) Answers() []Answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.answers.all()
}
