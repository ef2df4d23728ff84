package bot

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestParseCommand(t *testing.T) {
	cases := []struct {
		text, cmd, bot, args string
	}{
		{"/units", "units", "", ""},
		{"/Units@ThiDuaBot", "units", "ThiDuaBot", ""},
		{"/setup Khối thi đua Tây Ninh ", "setup", "", "Khối thi đua Tây Ninh"},
		{"/addunit Cục Thuế\nKho bạc", "addunit", "", "Cục Thuế\nKho bạc"},
		{"/addunit\nCục Thuế\nKho bạc", "addunit", "", "Cục Thuế\nKho bạc"},
		{"/addunit@other_bot x", "addunit", "other_bot", "x"},
		{"hello /units", "", "", ""},
	}
	for _, c := range cases {
		u := Update{Text: c.text}
		var ents []tgbotapi.MessageEntity
		if strings.HasPrefix(c.text, "/") {
			end := strings.IndexAny(c.text, " \n")
			if end < 0 {
				end = len(c.text)
			}
			ents = []tgbotapi.MessageEntity{{Type: "bot_command", Offset: 0, Length: utf16Len(c.text[:end])}}
		}
		parseCommand(&u, ents)
		if u.Command != c.cmd || u.CommandBot != c.bot || u.Args != c.args {
			t.Errorf("%q: got (%q, %q, %q), want (%q, %q, %q)", c.text, u.Command, u.CommandBot, u.Args, c.cmd, c.bot, c.args)
		}
	}
}

func FuzzParseCommand(f *testing.F) {
	f.Add("/setup Khối\nA", 6)
	f.Add("/x@y", 4)
	f.Fuzz(func(t *testing.T, text string, n int) {
		u := Update{Text: text}
		parseCommand(&u, []tgbotapi.MessageEntity{{Type: "bot_command", Offset: 0, Length: n}})
		if strings.Contains(u.Command, "@") {
			t.Fatalf("command %q keeps the bot name", u.Command)
		}
		if !utf8.ValidString(text) {
			return
		}
		if u.Command != "" && !strings.Contains(strings.ToLower(text), u.Command) {
			t.Fatalf("command %q not in %q", u.Command, text)
		}
	})
}

func TestCodec(t *testing.T) {
	c := NewCodec([]byte("secret"))
	d := c.Encode(-100123, "ja", "17", "1")
	if len(d) > MaxCallbackData {
		t.Fatalf("too long: %d", len(d))
	}
	kind, args, err := c.Decode(-100123, d)
	if err != nil || kind != "ja" || len(args) != 2 || args[0] != "17" || args[1] != "1" {
		t.Fatalf("decode: %q %v %v", kind, args, err)
	}
	if _, _, err := c.Decode(-100124, d); err == nil {
		t.Error("data from another chat accepted")
	}
	if _, _, err := c.Decode(-100123, strings.Replace(d, "17", "18", 1)); err == nil {
		t.Error("forged data accepted")
	}
	if _, _, err := NewCodec([]byte("other")).Decode(-100123, d); err == nil {
		t.Error("data signed with another key accepted")
	}
	defer func() {
		if recover() == nil {
			t.Error("over-long data did not panic")
		}
	}()
	c.Encode(1, "x", strings.Repeat("a", 60))
}

func FuzzCodecDecode(f *testing.F) {
	c := NewCodec([]byte("k"))
	f.Add(c.Encode(5, "jn", "3"))
	f.Add("jn|3|AAAAAAAA")
	f.Fuzz(func(t *testing.T, data string) {
		kind, _, err := c.Decode(5, data)
		if err == nil && c.Encode(5, kind, strings.Split(strings.TrimPrefix(data[:strings.LastIndexByte(data, '|')], kind), "|")[1:]...) != data {
			t.Fatalf("accepted data that does not round-trip: %q", data)
		}
	})
}

func TestSplitText(t *testing.T) {
	short := "xin chào"
	if p := splitText(short, 4000); len(p) != 1 || p[0] != short {
		t.Fatalf("short: %q", p)
	}
	var b strings.Builder
	for i := 0; i < 500; i++ {
		b.WriteString("Dòng thành tích số 1234567890 — Cục Thuế tỉnh Tây Ninh\n")
	}
	parts := splitText(b.String(), 4000)
	if len(parts) < 2 {
		t.Fatalf("%d parts", len(parts))
	}
	total := 0
	for _, p := range parts {
		if utf16Len(p) > 4000 {
			t.Fatalf("part of %d units", utf16Len(p))
		}
		total += strings.Count(p, "\n") + 1
	}
	if total != 500 {
		t.Fatalf("%d lines after split, want 500", total)
	}
	long := strings.Repeat("ế", 9000)
	for _, p := range splitText(long, 4000) {
		if utf16Len(p) > 4000 || !utf8.ValidString(p) {
			t.Fatal("a long line was cut badly")
		}
	}
}

// waitUntil polls cond until it holds or d has passed (the caller's assertions then say what
// is missing).
func waitUntil(d time.Duration, cond func() bool) {
	deadline := time.Now().Add(d)
	for !cond() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // polling a condition, bounded by the deadline
	}
}

// editLog records the editMessageText calls a test Bot API server received.
type editLog struct {
	mu    sync.Mutex
	edits []loggedEdit
}

type loggedEdit struct {
	chat, msg string
	at        time.Time
}

// times are the times of the edits keep accepts (all when keep is nil), in order.
func (l *editLog) times(keep func(e loggedEdit) bool) []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []time.Time
	for _, e := range l.edits {
		if keep == nil || keep(e) {
			out = append(out, e.at)
		}
	}
	return out
}

// newEditSender is a Sender with the given edit interval against a test Bot API server that
// answers every call with success and logs the edits.
func newEditSender(t *testing.T, interval time.Duration) (*Sender, *editLog) {
	t.Helper()
	l := &editLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/editMessageText") {
			_ = r.ParseForm()
			l.mu.Lock()
			l.edits = append(l.edits, loggedEdit{chat: r.Form.Get("chat_id"), msg: r.Form.Get("message_id"), at: time.Now()})
			l.mu.Unlock()
		}
		_, _ = w.Write([]byte(`{"ok":true,"result":true}`))
	}))
	t.Cleanup(srv.Close)
	api := NewAPI("1:x", srv.URL, time.Second)
	s := NewSender(context.Background(), api, NewMemLimiter(Limits{GroupPerMinute: 1000, GlobalPerSecond: 1000}), slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	s.EditInterval = interval
	return s, l
}

// Edits of one message are spaced by EditInterval even when changes come one at a time.
func TestEditsAreSpaced(t *testing.T) {
	s, log := newEditSender(t, 80*time.Millisecond)
	for i := 0; i < 4; i++ {
		s.Edit(-1, 5, fmt.Sprintf("v%d", i), nil)
		if err := s.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		// Wait until this edit went out before making the next change (one at a time).
		waitUntil(2*time.Second, func() bool { return len(log.times(nil)) == i+1 })
	}
	times := log.times(nil)
	if len(times) != 4 {
		t.Fatalf("%d edits, want 4", len(times))
	}
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < 75*time.Millisecond {
			t.Errorf("edit %d came %v after the previous one; the interval is 80ms", i, gap)
		}
	}
}

// A person's reply does not wait behind a fan-out of bulk messages.
func TestInteractiveBeforeBulk(t *testing.T) {
	m := NewMemLimiter(Limits{GroupPerMinute: 1000, GlobalPerSecond: 50})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = m.Wait(ctx, int64(-1000-i), true)
		}()
	}
	time.Sleep(50 * time.Millisecond) // let the bulk senders line up (setup, not a wait for time to pass)
	start := time.Now()
	if err := m.Wait(ctx, -1, false); err != nil {
		t.Fatal(err)
	}
	// At 50 a second, 200 bulk sends take 4s; the reply goes within a couple of token intervals.
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Fatalf("the interactive send waited %v behind bulk sends", d)
	}
	cancel()
	wg.Wait()
}

// A message's first edit goes at once; messages of one chat that keep changing take turns,
// an interval apart; another chat's edits do not wait for them.
func TestEditsOfAChatShareItsPace(t *testing.T) {
	const interval = 300 * time.Millisecond
	s, log := newEditSender(t, interval)
	inChat := func(chat string) func(loggedEdit) bool { return func(e loggedEdit) bool { return e.chat == chat } }
	start := time.Now()
	for msg := 1; msg <= 3; msg++ {
		s.Edit(-1, msg, fmt.Sprintf("m%d", msg), nil)
	}
	// Wait until the three first edits went out, then change the three messages again.
	waitUntil(5*time.Second, func() bool { return len(log.times(inChat("-1"))) == 3 })
	for msg := 1; msg <= 3; msg++ {
		s.Edit(-1, msg, fmt.Sprintf("m%d again", msg), nil)
	}
	s.Edit(-2, 1, "other chat", nil)
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	one, two := log.times(inChat("-1")), log.times(inChat("-2"))
	if len(one) != 6 || len(two) != 1 {
		t.Fatalf("edits: chat -1 %d (want 6), chat -2 %d (want 1)", len(one), len(two))
	}
	if d := one[2].Sub(start); d >= interval {
		t.Errorf("the first edits of three messages took %v: a message's first edit waited for a turn", d)
	}
	for i := 4; i < 6; i++ {
		if gap := one[i].Sub(one[i-1]); gap < interval-5*time.Millisecond {
			t.Errorf("redraw %d of the chat came %v after the previous one; the chat's interval is %v", i-2, gap, interval)
		}
	}
	if !two[0].Before(one[4]) {
		t.Errorf("the other chat's edit (at %v) waited behind this chat's turns (at %v)", two[0].Sub(start), one[4].Sub(start))
	}
}

// A burst of first edits (answered join requests) does not make a live message wait for a
// turn after each of them.
func TestFirstEditsDoNotDelayLiveMessages(t *testing.T) {
	const interval = 200 * time.Millisecond
	s, log := newEditSender(t, interval)
	liveMsg := func(e loggedEdit) bool { return e.msg == "1" }
	start := time.Now()
	for msg := 10; msg < 20; msg++ { // ten answered requests
		s.Edit(-1, msg, "done", nil)
	}
	s.Edit(-1, 1, "1 vote", nil)
	// the live message's first edit went out
	waitUntil(5*time.Second, func() bool { return len(log.times(liveMsg)) == 1 })
	s.Edit(-1, 1, "2 votes", nil) // a change right after: it waits for the next turn
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	live := log.times(liveMsg)
	if len(live) != 2 {
		t.Fatalf("%d edits of the live message, want 2", len(live))
	}
	if d := live[0].Sub(start); d >= interval {
		t.Errorf("the live message's first edit came %v after the burst began (interval %v): it waited behind the first edits", d, interval)
	}
	if gap := live[1].Sub(live[0]); gap > 3*interval {
		t.Errorf("the live message's second edit came %v after its first (interval %v): it waited behind the first edits", gap, interval)
	}
}

type countMetrics struct {
	mu           sync.Mutex
	sent, failed map[string]int
}

func (m *countMetrics) Sent(method string) { m.mu.Lock(); m.sent[method]++; m.mu.Unlock() }
func (m *countMetrics) Failed(method string) {
	m.mu.Lock()
	m.failed[method]++
	m.mu.Unlock()
}
func (m *countMetrics) TooMany()  {}
func (m *countMetrics) Queue(int) {}

// A message or document sent without OnSent does not read the sent message back: only its
// success counts (here the answer's result would not decode as a message; one whose id is
// wanted fails, and is not sent again: Telegram had sent it).
func TestSendReadsTheMessageOnlyForOnSent(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		_, _ = w.Write([]byte(`{"ok":true,"result":{"message_id":"eight"}}`))
	}))
	defer srv.Close()
	m := &countMetrics{sent: map[string]int{}, failed: map[string]int{}}
	s := NewSender(context.Background(), NewAPI("1:x", srv.URL, time.Second), NewMemLimiter(Limits{GroupPerMinute: 1000, GlobalPerSecond: 1000}),
		slog.New(slog.NewTextHandler(io.Discard, nil)), m)
	s.Send(Outgoing{ChatID: -1, Text: "a reply", ReplyTo: 3})
	s.Send(Outgoing{ChatID: -1, Document: &Document{Name: "baocao.xlsx", Data: []byte("x"), Caption: "an export"}})
	var got []int
	s.Send(Outgoing{ChatID: -1, Text: "a prompt", OnSent: func(id int) { got = append(got, id) }})
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sent["sendMessage"] != 1 || m.failed["sendMessage"] != 1 || m.sent["sendDocument"] != 1 || len(got) != 0 || requests.Load() != 3 {
		t.Errorf("sent %d, failed %d, documents sent %d, OnSent %v, %d requests; want the reply and the document sent and the prompt failed, each sent once",
			m.sent["sendMessage"], m.failed["sendMessage"], m.sent["sendDocument"], got, requests.Load())
	}
}
