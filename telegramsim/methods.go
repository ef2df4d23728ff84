package telegramsim

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

type methodFunc func(*Sim, *request) (any, error)

type methodEntry struct {
	name string
	fn   methodFunc
}

// methodTable maps lower-cased method names (Telegram's are case-insensitive) to
// their implementation; methodExact maps the canonical names, as clients send them.
var methodTable, methodExact = map[string]methodEntry{}, map[string]methodEntry{}

func register(name string, fn methodFunc) {
	methodTable[strings.ToLower(name)] = methodEntry{name: name, fn: fn}
	methodExact[name] = methodEntry{name: name, fn: fn}
}

func init() {
	register("getMe", (*Sim).getMe)
	register("logOut", (*Sim).trueResult)
	register("close", (*Sim).trueResult)
	register("getUpdates", (*Sim).getUpdates)
	register("setWebhook", (*Sim).setWebhook)
	register("deleteWebhook", (*Sim).deleteWebhook)
	register("getWebhookInfo", (*Sim).getWebhookInfo)
	register("sendMessage", (*Sim).sendMessage)
	register("editMessageText", (*Sim).editMessageText)
	register("editMessageCaption", (*Sim).editMessageCaption)
	register("editMessageReplyMarkup", (*Sim).editMessageReplyMarkup)
	register("deleteMessage", (*Sim).deleteMessage)
	register("answerCallbackQuery", (*Sim).answerCallbackQuery)
	register("sendDocument", (*Sim).sendDocument)
	register("sendPhoto", (*Sim).sendPhoto)
	register("sendPoll", (*Sim).sendPoll)
	register("stopPoll", (*Sim).stopPoll)
	register("sendChatAction", (*Sim).sendChatAction)
	register("pinChatMessage", (*Sim).pinChatMessage)
	register("unpinChatMessage", (*Sim).unpinChatMessage)
	register("unpinAllChatMessages", (*Sim).unpinAllChatMessages)
	register("setMyCommands", (*Sim).setMyCommands)
	register("getMyCommands", (*Sim).getMyCommands)
	register("deleteMyCommands", (*Sim).deleteMyCommands)
	register("getChat", (*Sim).getChat)
	register("getChatMember", (*Sim).getChatMember)
	register("getChatAdministrators", (*Sim).getChatAdministrators)
	register("getChatMemberCount", (*Sim).getChatMemberCount)
	register("getChatMembersCount", (*Sim).getChatMemberCount)
	register("leaveChat", (*Sim).leaveChat)
	register("getFile", (*Sim).getFile)
}

func lookupMethod(name string) (string, methodFunc) {
	if e, ok := methodExact[name]; ok {
		return e.name, e.fn
	}
	e, ok := methodTable[strings.ToLower(name)]
	if !ok {
		return name, nil
	}
	return e.name, e.fn
}

const notModified = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"

func (s *Sim) trueResult(*request) (any, error) { return true, nil }

func (s *Sim) getMe(*request) (any, error) {
	w := s.bot.wire()
	yes, no, readAll := true, false, !s.opts.PrivacyMode
	w.CanJoinGroups, w.CanReadAllGroupMessages, w.SupportsInlineQueries = &yes, &readAll, &no
	return w, nil
}

// lookupChatLocked resolves chat_id. With write, it also applies the checks a
// send/edit/delete meets: migrated group, bot kicked, user blocked the bot, user
// never opened a private chat.
func (s *Sim) lookupChatLocked(rq *request, write bool) (*Chat, error) {
	raw := strings.TrimSpace(rq.str("chat_id"))
	if raw == "" {
		return nil, badRequest("chat_id is empty")
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil, errChatNotFound
	}
	c := s.chats[id]
	if c == nil {
		if u := s.users[id]; u != nil && write && !u.IsBot {
			return nil, forbidden("bot can't initiate conversation with a user")
		}
		return nil, errChatNotFound
	}
	if write {
		if err := s.canWriteLocked(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (s *Sim) canWriteLocked(c *Chat) error {
	if c.migratedTo != nil {
		e := badRequest("group chat was upgraded to a supergroup chat")
		e.migrateTo = c.migratedTo.ID
		return e
	}
	if c.Type == "private" {
		if c.user.blocked {
			return forbidden("bot was blocked by the user")
		}
		return nil
	}
	kind := "group chat"
	if c.Type == "supergroup" {
		kind = "supergroup chat"
	}
	switch c.botStatus {
	case "kicked":
		return forbidden("bot was kicked from the " + kind)
	case "left":
		return forbidden("bot is not a member of the " + kind)
	}
	return nil
}

// replyParams reads reply_to_message_id / reply_parameters.
func replyParams(rq *request) (id int, allowWithout bool, err error) {
	allowWithout = rq.boolean("allow_sending_without_reply")
	if raw := rq.str("reply_parameters"); raw != "" && raw != "null" {
		var rp struct {
			MessageID                int   `json:"message_id"`
			ChatID                   any   `json:"chat_id"`
			AllowSendingWithoutReply *bool `json:"allow_sending_without_reply"`
		}
		if json.Unmarshal([]byte(raw), &rp) != nil {
			return 0, false, badRequest("can't parse reply parameters JSON object")
		}
		if rp.AllowSendingWithoutReply != nil {
			allowWithout = *rp.AllowSendingWithoutReply
		}
		return rp.MessageID, allowWithout, nil
	}
	v, _, err := rq.int64("reply_to_message_id")
	return int(v), allowWithout, err
}

// postBotMessage stores a message the bot sends. resolve, when not nil, runs under
// the lock after the chat checks (to attach files).
func (s *Sim) postBotMessage(rq *request, m *message, resolve func() error) (any, error) {
	replyID, allowWithout, err := replyParams(rq)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.lookupChatLocked(rq, true)
	if err != nil {
		return nil, err
	}
	if replyID != 0 {
		if r := c.byID[replyID]; r != nil && !r.deleted {
			m.replyTo = r
		} else if !allowWithout {
			return nil, badRequest("message to be replied not found")
		}
	}
	if resolve != nil {
		if err := resolve(); err != nil {
			return nil, err
		}
	}
	if err := s.floodLocked(c); err != nil {
		return nil, err
	}
	s.addMessageLocked(c, m)
	return s.wireMessage(m, true), nil
}

func (s *Sim) sendMessage(rq *request) (any, error) {
	f, err := s.formatText(rq.str("text"), rq.str("parse_mode"), rq.str("entities"), false)
	if err != nil {
		return nil, err
	}
	mk, err := parseReplyMarkup(rq.str("reply_markup"), false)
	if err != nil {
		return nil, err
	}
	return s.postBotMessage(rq, &message{text: f.text, entities: f.entities, html: f.html, markup: mk}, nil)
}

// editTargetLocked finds the bot message an edit method addresses.
func (s *Sim) editTargetLocked(rq *request) (*message, error) {
	if rq.str("inline_message_id") != "" {
		return nil, badRequest("MESSAGE_ID_INVALID")
	}
	c, err := s.lookupChatLocked(rq, true)
	if err != nil {
		return nil, err
	}
	id, ok, err := rq.int64("message_id")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, badRequest("message identifier is not specified")
	}
	m := c.byID[int(id)]
	if m == nil || m.deleted {
		return nil, badRequest("message to edit not found")
	}
	if !m.fromBot() {
		return nil, badRequest("message can't be edited")
	}
	return m, nil
}

func (s *Sim) editMessageText(rq *request) (any, error) {
	f, err := s.formatText(rq.str("text"), rq.str("parse_mode"), rq.str("entities"), false)
	if err != nil {
		return nil, err
	}
	mk, err := parseReplyMarkup(rq.str("reply_markup"), true)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.editTargetLocked(rq)
	if err != nil {
		return nil, err
	}
	if m.caption || m.poll != nil {
		return nil, badRequest("there is no text in the message to edit")
	}
	if m.text == f.text && entitiesEqual(m.entities, f.entities) && sameInline(m.markup, mk) {
		return nil, badRequest(notModified)
	}
	if err := s.floodLocked(m.chat); err != nil {
		return nil, err
	}
	m.text, m.entities, m.html, m.markup = f.text, f.entities, f.html, mk
	s.editedLocked(m)
	return s.wireMessage(m, true), nil
}

func (s *Sim) editMessageCaption(rq *request) (any, error) {
	f, err := s.formatText(rq.str("caption"), rq.str("parse_mode"), rq.str("caption_entities"), true)
	if err != nil {
		return nil, err
	}
	mk, err := parseReplyMarkup(rq.str("reply_markup"), true)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.editTargetLocked(rq)
	if err != nil {
		return nil, err
	}
	if !m.caption {
		return nil, badRequest("there is no caption in the message to edit")
	}
	if m.text == f.text && entitiesEqual(m.entities, f.entities) && sameInline(m.markup, mk) {
		return nil, badRequest(notModified)
	}
	if err := s.floodLocked(m.chat); err != nil {
		return nil, err
	}
	m.text, m.entities, m.html, m.markup = f.text, f.entities, f.html, mk
	s.editedLocked(m)
	return s.wireMessage(m, true), nil
}

func (s *Sim) editMessageReplyMarkup(rq *request) (any, error) {
	mk, err := parseReplyMarkup(rq.str("reply_markup"), true)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.editTargetLocked(rq)
	if err != nil {
		return nil, err
	}
	if sameInline(m.markup, mk) {
		return nil, badRequest(notModified)
	}
	if err := s.floodLocked(m.chat); err != nil {
		return nil, err
	}
	m.markup = mk
	s.editedLocked(m)
	return s.wireMessage(m, true), nil
}

func (s *Sim) deleteMessage(rq *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.lookupChatLocked(rq, true)
	if err != nil {
		return nil, err
	}
	id, ok, err := rq.int64("message_id")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, badRequest("message identifier is not specified")
	}
	m := c.byID[int(id)]
	if m == nil || m.deleted {
		return nil, badRequest("message to delete not found")
	}
	s.deleteLocked(m)
	return true, nil
}

func (s *Sim) answerCallbackQuery(rq *request) (any, error) {
	text := rq.str("text")
	if utf16Len(text) > 200 {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	cacheTime, _, err := rq.int64("cache_time")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cb := s.callbacks[rq.str("callback_query_id")]
	if cb == nil { // unknown, or answered already (an answer deletes it)
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	a := Answer{
		CallbackID: cb.ID, ChatID: cb.ChatID, MessageID: cb.MessageID, UserID: cb.From.ID, Data: cb.Data,
		Text: text, ShowAlert: rq.boolean("show_alert"), URL: rq.str("url"), CacheTime: int(cacheTime), Time: time.Now(),
	}
	cb.answered, cb.answer = true, a
	delete(s.callbacks, cb.ID) // answered once: another answer finds nothing, as Telegram says
	close(cb.done)
	s.answers.add(a)
	s.stats.CallbacksAnswered++
	if len(s.subs) > 0 { // a copy for the event: a itself stays off the heap
		ea := a
		s.emitLocked(Event{Kind: EventAnswer, ChatID: a.ChatID, MessageID: a.MessageID, UserID: a.UserID, Data: a.Data, Answer: &ea})
	}
	s.changedLocked()
	return true, nil
}

func (s *Sim) sendDocument(rq *request) (any, error) {
	return s.sendMedia(rq, "document", fileDocument, func(m *message, f *file) { m.doc = f })
}

func (s *Sim) sendPhoto(rq *request) (any, error) {
	return s.sendMedia(rq, "photo", filePhoto, func(m *message, f *file) { m.photo = f })
}

// sendMedia posts a message with a caption and the file given in the field.
func (s *Sim) sendMedia(rq *request, field string, kind fileKind, attach func(*message, *file)) (any, error) {
	f, err := s.formatText(rq.str("caption"), rq.str("parse_mode"), rq.str("caption_entities"), true)
	if err != nil {
		return nil, err
	}
	mk, err := parseReplyMarkup(rq.str("reply_markup"), false)
	if err != nil {
		return nil, err
	}
	m := &message{caption: true, text: f.text, entities: f.entities, html: f.html, markup: mk}
	return s.postBotMessage(rq, m, func() error {
		file, err := s.inputFileLocked(rq, field, kind)
		attach(m, file)
		return err
	})
}

func (s *Sim) sendPoll(rq *request) (any, error) {
	q := rq.str("question")
	if strings.TrimSpace(q) == "" {
		return nil, badRequest("poll question must be non-empty")
	}
	if utf16Len(q) > 300 {
		return nil, badRequest("poll question length must not exceed 300")
	}
	var raw []json.RawMessage
	if json.Unmarshal([]byte(rq.str("options")), &raw) != nil {
		return nil, badRequest("can't parse options JSON object")
	}
	var opts []string
	for _, o := range raw {
		var text string
		if json.Unmarshal(o, &text) != nil {
			var obj struct {
				Text string `json:"text"`
			}
			if json.Unmarshal(o, &obj) != nil {
				return nil, badRequest("can't parse options JSON object")
			}
			text = obj.Text
		}
		if text == "" || utf16Len(text) > 100 {
			return nil, badRequest("poll options length must not exceed 100")
		}
		opts = append(opts, text)
	}
	if len(opts) < 2 {
		return nil, badRequest("poll must have at least 2 option")
	}
	if len(opts) > 10 {
		return nil, badRequest("poll can't have more than 10 options")
	}
	mk, err := parseReplyMarkup(rq.str("reply_markup"), false)
	if err != nil {
		return nil, err
	}
	typ := rq.str("type")
	if typ == "" {
		typ = "regular"
	}
	if typ != "regular" && typ != "quiz" {
		return nil, badRequest("wrong poll type specified")
	}
	p := &Poll{Question: q, Options: opts, Anonymous: !rq.has("is_anonymous") || rq.boolean("is_anonymous"),
		Type: typ, MultipleAnswers: rq.boolean("allows_multiple_answers"), Closed: rq.boolean("is_closed")}
	m := &message{poll: p, markup: mk}
	return s.postBotMessage(rq, m, func() error {
		s.nextPoll++
		p.ID = strconv.FormatInt(5300000000000000000+s.nextPoll, 10)
		return nil
	})
}

func (s *Sim) stopPoll(rq *request) (any, error) {
	mk, err := parseReplyMarkup(rq.str("reply_markup"), true)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.lookupChatLocked(rq, true)
	if err != nil {
		return nil, err
	}
	id, _, err := rq.int64("message_id")
	if err != nil {
		return nil, err
	}
	m := c.byID[int(id)]
	if m == nil || m.deleted || m.poll == nil {
		return nil, badRequest("message with poll to stop not found")
	}
	if !m.fromBot() {
		return nil, badRequest("poll can't be stopped")
	}
	if m.poll.Closed {
		return nil, badRequest("poll has already been closed")
	}
	m.poll.Closed = true
	if mk != nil {
		m.markup = mk
	}
	s.editedLocked(m)
	return wirePollOf(m.poll), nil
}

func (s *Sim) sendChatAction(rq *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.lookupChatLocked(rq, true); err != nil {
		return nil, err
	}
	if rq.str("action") == "" {
		return nil, badRequest("wrong parameter action in request")
	}
	return true, nil
}

func (s *Sim) pinChatMessage(rq *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.lookupChatLocked(rq, true)
	if err != nil {
		return nil, err
	}
	id, _, err := rq.int64("message_id")
	if err != nil {
		return nil, err
	}
	if m := c.byID[int(id)]; m == nil || m.deleted {
		return nil, badRequest("message to pin not found")
	}
	return true, nil
}

func (s *Sim) unpinChatMessage(rq *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.lookupChatLocked(rq, true); err != nil {
		return nil, err
	}
	return true, nil
}

func (s *Sim) unpinAllChatMessages(rq *request) (any, error) { return s.unpinChatMessage(rq) }

func (s *Sim) getChat(rq *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.lookupChatLocked(rq, false)
	if err != nil {
		return nil, err
	}
	w := c.wire()
	if c.Type == "group" {
		no := false
		w.AllMembersAreAdministrators = &no
	}
	return w, nil
}

func (s *Sim) memberWire(u *User, status string) wireChatMember {
	w := wireChatMember{User: u.wire(), Status: status}
	no, yes := false, true
	switch status {
	case "creator":
		w.IsAnonymous = &no
	case "administrator":
		w.IsAnonymous, w.CanBeEdited = &no, &no
		w.CanManageChat, w.CanDeleteMessages, w.CanRestrictMembers, w.CanPromoteMembers = &yes, &yes, &yes, &no
		w.CanChangeInfo, w.CanInviteUsers, w.CanPinMessages, w.CanManageVideoChats = &yes, &yes, &yes, &yes
	case "kicked":
		var zero int64
		w.UntilDate = &zero
	}
	return w
}

func (s *Sim) getChatMember(rq *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.lookupChatLocked(rq, false)
	if err != nil {
		return nil, err
	}
	uid, ok, err := rq.int64("user_id")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, badRequest("user_id is empty")
	}
	if uid == s.bot.ID {
		if c.Type == "private" {
			return s.memberWire(s.bot, "member"), nil
		}
		return s.memberWire(s.bot, c.botStatusLocked()), nil
	}
	u := s.users[uid]
	if u == nil {
		return nil, badRequest("user not found")
	}
	if c.Type == "private" {
		if c.user != u {
			return nil, badRequest("user not found")
		}
		return s.memberWire(u, "member"), nil
	}
	return s.memberWire(u, c.statusOfLocked(u)), nil
}

func (s *Sim) getChatAdministrators(rq *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.lookupChatLocked(rq, false)
	if err != nil {
		return nil, err
	}
	if c.Type == "private" {
		return nil, badRequest("there are no administrators in the private chat")
	}
	out := []wireChatMember{}
	for _, id := range c.memberOrder {
		if m := c.members[id]; m.creator {
			out = append(out, s.memberWire(m.u, "creator"))
		}
	}
	for _, id := range c.memberOrder {
		if m := c.members[id]; m.admin && !m.creator {
			out = append(out, s.memberWire(m.u, "administrator"))
		}
	}
	return out, nil
}

func (s *Sim) getChatMemberCount(rq *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.lookupChatLocked(rq, false)
	if err != nil {
		return nil, err
	}
	if c.Type == "private" {
		return 2, nil
	}
	n := len(c.members)
	if c.botStatus == "member" {
		n++
	}
	return n, nil
}

func (s *Sim) leaveChat(rq *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.lookupChatLocked(rq, false)
	if err != nil {
		return nil, err
	}
	if c.Type == "private" {
		return nil, badRequest("chat member status can't be changed in private chats")
	}
	if err := s.canWriteLocked(c); err != nil {
		return nil, err
	}
	s.setBotStatusLocked(c, "left", s.bot)
	return true, nil
}
