package bot

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"thiduabot/internal/jsonw"
)

// MaxMessageLength is Telegram's limit on a message's text, in UTF-16 code units.
const MaxMessageLength = 4096

// Button is an inline keyboard button: callback data or a URL.
type Button struct {
	Text string
	Data string
	URL  string
}

// Document is a file to send.
type Document struct {
	Name    string
	Data    []byte
	Caption string // HTML
	// FileID sends a file Telegram already has (one a person sent, kept as a report's
	// evidence) instead of Data; Photo sends it as a photo (sendPhoto), else as a document.
	FileID string
	Photo  bool
}

// Outgoing is a message to send. Text is Telegram HTML in which every piece of user text has
// been escaped.
type Outgoing struct {
	ChatID      int64
	Text        string
	Buttons     [][]Button
	ForceReply  bool
	Placeholder string
	ReplyTo     int
	Document    *Document
	// Bulk marks reminders and other mass sends: interactive replies go first.
	Bulk bool
	// OnSent is called with the id of the (last part of the) message once it is sent.
	OnSent func(messageID int)
}

// Limiter paces outgoing requests. Wait blocks until a message to chatID may go.
type Limiter interface {
	Wait(ctx context.Context, chatID int64, bulk bool) error
	// Pause stops sends to a chat (0: all chats) for d after a 429.
	Pause(chatID int64, d time.Duration)
}

// Completer is implemented by limiters that count a request against Telegram's limits until
// it has been answered (the shared limiter, store.RedisLimiter): after each request a Wait let
// go, the sender calls Done with its chat, whatever the outcome.
type Completer interface {
	Done(chatID int64)
}

// Metrics receives the sender's counts; nil fields are fine.
type SenderMetrics interface {
	Sent(method string)
	Failed(method string)
	TooMany()
	Queue(delta int)
}

type noMetrics struct{}

func (noMetrics) Sent(string)   {}
func (noMetrics) Failed(string) {}
func (noMetrics) TooMany()      {}
func (noMetrics) Queue(int)     {}

// Sender is the one way out: per-chat queues that keep order, pacing by the limiter,
// retries on 429 (after retry_after) and on temporary failures, debounced edits.
type Sender struct {
	api          *API
	lim          Limiter
	log          *slog.Logger
	metrics      SenderMetrics
	EditInterval time.Duration
	MaxAttempts  int

	mu    sync.Mutex
	chats map[int64]*chatQueue
	edits map[editKey]*editState
	// editNext is, per chat, the earliest time its next debounced edit may go out: edits of
	// all of a chat's messages share one pace (Telegram's budget of a group is per chat).
	editNext map[int64]time.Time
	pending  int
	idle     *sync.Cond
	ctx      context.Context
}

type job struct {
	out  *Outgoing
	edit *editKey
	del  *editKey
}

type chatQueue struct {
	jobs    []job
	running bool
}

type editKey struct {
	chat int64
	msg  int
}

type editState struct {
	text    string
	buttons [][]Button
	// render, when set, gives the content when the edit is sent (EditFunc).
	render func() (string, [][]Button, bool)
	// last is when the message was last edited (set after every edit, sent or skipped).
	last      time.Time
	scheduled bool
	dirty     bool
}

// NewSender returns a sender. ctx bounds its retries (cancel it to give up at shutdown, after
// Flush).
func NewSender(ctx context.Context, api *API, lim Limiter, log *slog.Logger, m SenderMetrics) *Sender {
	if m == nil {
		m = noMetrics{}
	}
	s := &Sender{api: api, lim: lim, log: log, metrics: m, EditInterval: 3 * time.Second, MaxAttempts: 30,
		chats: map[int64]*chatQueue{}, edits: map[editKey]*editState{}, editNext: map[int64]time.Time{}, ctx: ctx}
	s.idle = sync.NewCond(&s.mu)
	return s
}

// Send queues a message; parts over Telegram's length are split at line ends.
func (s *Sender) Send(m Outgoing) {
	parts := splitText(m.Text, MaxMessageLength-96)
	for i, p := range parts {
		o := m
		o.Text = p
		if i < len(parts)-1 {
			o.Buttons, o.ForceReply, o.OnSent, o.Document = nil, false, nil, nil
		}
		if i > 0 {
			o.ReplyTo = 0
		}
		s.enqueue(m.ChatID, job{out: &o})
	}
}

// Edit changes a sent message's text and buttons. Edits of one message are spaced by
// EditInterval, and a chat's messages that keep changing take turns, an interval apart (a
// group's live ballot, pledge and poll: Telegram allows a group about 20 messages a minute,
// one every 3 s, edits included); in between, only the newest content of each message is
// kept, so a burst of votes makes one edit, not one per vote.
func (s *Sender) Edit(chatID int64, messageID int, text string, buttons [][]Button) {
	s.edit(chatID, messageID, text, buttons, nil)
}

// EditFunc is Edit with the content rendered when the edit goes out: a burst of changes costs
// one rendering (and the reads it needs) per edit sent, not one per change, and the edit always
// shows the newest state. render returns ok=false to skip the edit.
func (s *Sender) EditFunc(chatID int64, messageID int, render func() (text string, buttons [][]Button, ok bool)) {
	s.edit(chatID, messageID, "", nil, render)
}

func (s *Sender) edit(chatID int64, messageID int, text string, buttons [][]Button, render func() (string, [][]Button, bool)) {
	k := editKey{chatID, messageID}
	s.mu.Lock()
	st := s.edits[k]
	if st == nil {
		st = &editState{}
		s.edits[k] = st
	}
	st.text, st.buttons, st.render, st.dirty = text, buttons, render, true
	now := time.Now()
	if st.scheduled {
		s.mu.Unlock()
		return
	}
	st.scheduled = true
	s.pending++
	s.metrics.Queue(1)
	// A live message (edited within the last interval — every change since was edited, so
	// this covers one changed within it too: a ballot, pledge or poll message under a stream
	// of changes) is redrawn at the chat's next free turn, no earlier
	// than an interval after its previous edit: a chat's live messages take turns, in the order
	// their changes came. A message changed after a quiet interval (a join request answered,
	// the first vote) is edited at once, and leaves the turns of the live messages where they
	// are (a burst of such edits must not make the live messages wait for all of them).
	next := s.editNext[chatID]
	var at time.Time
	if own := st.last.Add(s.EditInterval); own.After(now) {
		at = own
		if next.After(at) {
			at = next
		}
		s.editNext[chatID] = at.Add(s.EditInterval)
	} else {
		at = now
		if n := at.Add(s.EditInterval); n.After(next) {
			s.editNext[chatID] = n
		}
	}
	wait := at.Sub(now)
	s.mu.Unlock()
	if wait <= 0 {
		s.enqueueCounted(chatID, job{edit: &k})
		return
	}
	time.AfterFunc(wait, func() { s.enqueueCounted(chatID, job{edit: &k}) })
}

func (s *Sender) enqueue(chatID int64, j job) {
	s.mu.Lock()
	s.pending++
	s.mu.Unlock()
	s.metrics.Queue(1)
	s.enqueueCounted(chatID, j)
}

func (s *Sender) enqueueCounted(chatID int64, j job) {
	s.mu.Lock()
	q := s.chats[chatID]
	if q == nil {
		q = &chatQueue{}
		s.chats[chatID] = q
	}
	q.jobs = append(q.jobs, j)
	start := !q.running
	q.running = true
	s.mu.Unlock()
	if start {
		go s.drain(chatID, q)
	}
}

func (s *Sender) drain(chatID int64, q *chatQueue) {
	for {
		s.mu.Lock()
		if len(q.jobs) == 0 {
			q.running = false
			delete(s.chats, chatID)
			s.mu.Unlock()
			return
		}
		j := q.jobs[0]
		q.jobs = q.jobs[1:]
		s.mu.Unlock()
		switch {
		case j.edit != nil:
			s.doEdit(chatID, *j.edit)
		case j.del != nil:
			p := tgbotapi.Params{}
			p.AddFirstValid("chat_id", chatID)
			p["message_id"] = strconv.Itoa(j.del.msg)
			if err := s.retry("deleteMessage", chatID, false, func() error { return s.api.Call(s.ctx, "deleteMessage", p, nil) }); err != nil {
				s.log.Warn("delete failed", "chat", chatID, "message", j.del.msg, "err", err)
			}
		default:
			s.doSend(j.out)
		}
		s.mu.Lock()
		s.pending--
		if s.pending == 0 {
			s.idle.Broadcast()
		}
		s.mu.Unlock()
		s.metrics.Queue(-1)
	}
}

// Flush waits until every queued message and edit has been sent (or given up), or ctx ends.
func (s *Sender) Flush(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		s.mu.Lock()
		for s.pending > 0 {
			s.idle.Wait()
		}
		s.mu.Unlock()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		s.idle.Broadcast()
		s.mu.Unlock()
		return ctx.Err()
	}
}

func (s *Sender) doEdit(chatID int64, k editKey) {
	s.mu.Lock()
	st := s.edits[k]
	text, buttons, render := st.text, st.buttons, st.render
	st.dirty = false
	s.mu.Unlock()
	// A render function draws the message when its turn has come (after the limiter, and again
	// on a retry), so the edit shows the state of that moment; it may decide not to send.
	send := true
	err := s.retry("editMessageText", chatID, false, func() error {
		if render != nil {
			if text, buttons, send = render(); !send {
				return errNothingToSend
			}
		}
		p := tgbotapi.Params{}
		p.AddFirstValid("chat_id", chatID)
		p["message_id"] = strconv.Itoa(k.msg)
		p["text"] = text
		p["parse_mode"] = "HTML"
		addMarkup(p, buttons, false, "")
		return s.api.Call(s.ctx, "editMessageText", p, nil)
	})
	if !send {
		err = nil
	}
	s.mu.Lock()
	if send {
		st.last = time.Now() // a skipped edit does not hold the message's next one back
	}
	st.scheduled = false
	again := st.dirty
	text, buttons, render = st.text, st.buttons, st.render
	if !again {
		// Sent: only the time matters now; the content, and what a render function holds, go.
		st.text, st.buttons, st.render = "", nil, nil
	}
	s.mu.Unlock()
	if !again {
		// Keep the time of this edit for one more interval, so the next change waits for it;
		// forget the message after that if nothing new came.
		time.AfterFunc(s.EditInterval, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if cur := s.edits[k]; cur == st && !st.scheduled && !st.dirty && time.Since(st.last) >= s.EditInterval {
				delete(s.edits, k)
			}
			if next, ok := s.editNext[chatID]; ok && !time.Now().Before(next) {
				delete(s.editNext, chatID)
			}
		})
	}
	if err != nil && !IsNotModified(err) {
		s.log.Warn("edit failed", "chat", chatID, "message", k.msg, "err", err)
	}
	if again {
		// Newer content arrived while this edit was on its way: edit again after the interval.
		s.edit(chatID, k.msg, text, buttons, render)
	}
}

// sentMessage is what the bot reads of a sent message: its id (decoding the whole Message,
// with the replied-to message, entities and keyboard echoed back, was most of a send's cost).
type sentMessage struct {
	MessageID int `json:"message_id"`
}

func (s *Sender) doSend(m *Outgoing) {
	var msg sentMessage
	var out any // the sent message is read only for OnSent (a report's reply, say, is not)
	if m.OnSent != nil {
		out = &msg
	}
	var err error
	if d := m.Document; d != nil && d.FileID != "" {
		method, field := "sendDocument", "document"
		if d.Photo {
			method, field = "sendPhoto", "photo"
		}
		p := tgbotapi.Params{}
		p.AddFirstValid("chat_id", m.ChatID)
		p[field] = d.FileID
		p.AddNonEmpty("caption", d.Caption)
		p["parse_mode"] = "HTML"
		if m.ReplyTo != 0 {
			p["reply_to_message_id"] = strconv.Itoa(m.ReplyTo)
			p["allow_sending_without_reply"] = "true"
		}
		err = s.retry(method, m.ChatID, m.Bulk, func() error { return s.api.Call(s.ctx, method, p, out) })
	} else if m.Document != nil {
		cfg := tgbotapi.NewDocument(m.ChatID, tgbotapi.FileBytes{Name: m.Document.Name, Bytes: m.Document.Data})
		cfg.Caption = m.Document.Caption
		cfg.ParseMode = "HTML"
		if m.ReplyTo != 0 {
			cfg.ReplyToMessageID = m.ReplyTo
			cfg.AllowSendingWithoutReply = true
		}
		err = s.retry("sendDocument", m.ChatID, m.Bulk, func() error { return s.api.Chattable(s.ctx, "sendDocument", cfg, out) })
	} else {
		p := tgbotapi.Params{}
		p.AddFirstValid("chat_id", m.ChatID)
		p["text"] = m.Text
		p["parse_mode"] = "HTML"
		p["disable_web_page_preview"] = "true"
		if m.ReplyTo != 0 {
			p["reply_to_message_id"] = strconv.Itoa(m.ReplyTo)
			p["allow_sending_without_reply"] = "true"
		}
		addMarkup(p, m.Buttons, m.ForceReply, m.Placeholder)
		err = s.retry("sendMessage", m.ChatID, m.Bulk, func() error { return s.api.Call(s.ctx, "sendMessage", p, out) })
	}
	if err != nil {
		s.log.Error("send failed", "chat", m.ChatID, "err", err)
		return
	}
	if m.OnSent != nil {
		m.OnSent(msg.MessageID)
	}
}

// errNothingToSend: the request's function decided, once its turn came, that there is nothing
// to send (an edit's render function). Not counted as sent or failed.
var errNothingToSend = errors.New("nothing to send")

// retry runs one request through the limiter, retrying 429s after retry_after and temporary
// failures with backoff.
func (s *Sender) retry(method string, chatID int64, bulk bool, f func() error) error {
	backoff := 250 * time.Millisecond
	var err error
	for attempt := 0; attempt < s.MaxAttempts; attempt++ {
		if err := s.lim.Wait(s.ctx, chatID, bulk); err != nil {
			return err
		}
		err = f()
		if c, ok := s.lim.(Completer); ok {
			c.Done(chatID)
		}
		if errors.Is(err, errNothingToSend) {
			return err
		}
		if err == nil {
			s.metrics.Sent(method)
			return nil
		}
		var te *Error
		if !errors.As(err, &te) || !te.Temporary() {
			s.metrics.Failed(method)
			return err
		}
		wait := backoff
		if te.Code == 429 {
			s.metrics.TooMany()
			wait = te.RetryAfter
			if wait <= 0 {
				wait = time.Second
			}
			s.lim.Pause(chatID, wait)
			s.log.Warn("telegram asked to slow down", "method", method, "chat", chatID, "retry_after", wait)
		} else {
			backoff = min(backoff*2, 30*time.Second)
			s.log.Warn("telegram request failed, will retry", "method", method, "chat", chatID, "err", err, "in", wait)
		}
		select {
		case <-time.After(wait):
		case <-s.ctx.Done():
			return s.ctx.Err()
		}
	}
	s.metrics.Failed(method)
	return err
}

// Answer answers a callback query at once (it is not a chat message and is not queued).
func (s *Sender) Answer(ctx context.Context, callbackID, text string, alert bool) error {
	p := tgbotapi.Params{}
	p["callback_query_id"] = callbackID
	if text != "" {
		p["text"] = truncateRunes(text, 190)
	}
	p.AddBool("show_alert", alert)
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = s.api.Call(ctx, "answerCallbackQuery", p, nil); err == nil {
			s.metrics.Sent("answerCallbackQuery")
			return nil
		}
		var te *Error
		if !errors.As(err, &te) || !te.Temporary() {
			break
		}
		wait := time.Duration(attempt+1) * 200 * time.Millisecond
		if te.RetryAfter > 0 {
			wait = te.RetryAfter
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.metrics.Failed("answerCallbackQuery")
	return err
}

// Delete deletes a message (queued, in order with the chat's other messages).
func (s *Sender) Delete(chatID int64, messageID int) {
	s.enqueue(chatID, job{del: &editKey{chatID, messageID}})
}

func addMarkup(p tgbotapi.Params, buttons [][]Button, force bool, placeholder string) {
	switch {
	case force:
		b := append(make([]byte, 0, 64+len(placeholder)), `{"force_reply":true,"selective":true`...)
		if placeholder != "" {
			b = append(b, `,"input_field_placeholder":`...)
			b = jsonw.AppendString(b, truncateRunes(placeholder, 64))
		}
		p["reply_markup"] = string(append(b, '}'))
	case buttons != nil:
		p["reply_markup"] = string(appendInlineKeyboard(nil, buttons))
	}
}

// appendInlineKeyboard appends {"inline_keyboard":[[{"text":…,"callback_data"|"url":…},…],…]}.
// It runs for every message and redraw with buttons, so it is written out rather than built
// as maps for encoding/json (a third of a redraw's encoding time went there).
func appendInlineKeyboard(b []byte, buttons [][]Button) []byte {
	b = append(b, `{"inline_keyboard":[`...)
	for i, row := range buttons {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, btn := range row {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"text":`...)
			b = jsonw.AppendString(b, btn.Text)
			if btn.URL != "" {
				b = append(b, `,"url":`...)
				b = jsonw.AppendString(b, btn.URL)
			} else {
				b = append(b, `,"callback_data":`...)
				b = jsonw.AppendString(b, btn.Data)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, "]}"...)
}

func truncateRunes(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2 // a surrogate pair
		} else {
			n++
		}
	}
	return n
}

// splitText cuts text into parts of at most limit UTF-16 units, at line ends where it can.
func splitText(text string, limit int) []string {
	// A UTF-16 unit takes at least one byte of UTF-8: a text of at most limit bytes fits.
	if len(text) <= limit || utf16Len(text) <= limit {
		return []string{text}
	}
	var parts []string
	var cur strings.Builder
	curLen := 0
	flush := func() {
		if cur.Len() > 0 {
			parts = append(parts, strings.TrimRight(cur.String(), "\n"))
			cur.Reset()
			curLen = 0
		}
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		l := utf16Len(line)
		if curLen+l > limit {
			flush()
		}
		for l > limit { // a single line longer than a message: cut it at rune boundaries
			r := []rune(line)
			cut, n := 0, 0
			for cut < len(r) && n+len(utf16.Encode(r[cut:cut+1])) <= limit {
				n += len(utf16.Encode(r[cut : cut+1]))
				cut++
			}
			parts = append(parts, string(r[:cut]))
			line = string(r[cut:])
			l = utf16Len(line)
		}
		cur.WriteString(line)
		curLen += l
	}
	flush()
	return parts
}

// EditNow edits a message right away, paced by the limiter but not debounced (a page turned
// by its reader).
func (s *Sender) EditNow(ctx context.Context, chatID int64, messageID int, text string, buttons [][]Button) error {
	p := tgbotapi.Params{}
	p.AddFirstValid("chat_id", chatID)
	p["message_id"] = strconv.Itoa(messageID)
	p["text"] = text
	p["parse_mode"] = "HTML"
	addMarkup(p, buttons, false, "")
	err := s.retry("editMessageText", chatID, false, func() error { return s.api.Call(ctx, "editMessageText", p, nil) })
	if IsNotModified(err) {
		return nil
	}
	return err
}

// WaitChat waits (up to d) until nothing is queued or being sent to a chat, so that a reply to
// a prompt is not routed before the prompt's OnSent has recorded it.
func (s *Sender) WaitChat(chatID int64, d time.Duration) { s.WaitChats([]int64{chatID}, d) }

// WaitChats waits (up to d in all) until nothing is queued or being sent to any of the chats.
func (s *Sender) WaitChats(chats []int64, d time.Duration) {
	deadline := time.Now().Add(d)
	for _, id := range chats {
		for {
			s.mu.Lock()
			_, busy := s.chats[id]
			s.mu.Unlock()
			if !busy || time.Now().After(deadline) {
				break
			}
			time.Sleep(2 * time.Millisecond) // polling a condition, bounded by the deadline
		}
	}
}
