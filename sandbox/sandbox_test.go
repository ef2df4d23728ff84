package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"thiduabot/clock"
	"thiduabot/config"
	"thiduabot/internal/redistest"
	"thiduabot/internal/tayninh"
	"thiduabot/scheduler"
)

// The demo world is the bloc set up by its people through the bot: the page's snapshot shows
// the admin and one person per unit, the group with that conversation, and the bot's menus.
func TestDemoWorld(t *testing.T) {
	r := startSandbox(t, Options{})
	snap := r.state(t)
	if len(snap.People) != 1+len(tayninh.People) || !snap.People[0].Admin || snap.People[0].Name != tayninh.Admin {
		t.Fatalf("people: %+v", snap.People)
	}
	units := tayninh.Load().Units
	for i, p := range snap.People[1:] {
		if p.Name != tayninh.People[i] || p.Unit != units[i] || p.Admin {
			t.Errorf("person %d: %+v", i, p)
		}
	}
	var group int64
	privates := 0
	for _, c := range snap.Chats {
		switch c.Type {
		case "supergroup":
			group = c.ID
		case "private":
			privates++
		}
	}
	if group == 0 || privates != len(snap.People) {
		t.Fatalf("chats: %+v", snap.Chats)
	}
	confirmed := 0
	for _, m := range snap.Messages {
		if m.Chat == group && m.From != nil && m.From.Bot && strings.Contains(m.Text, "đã được xác nhận đại diện") {
			confirmed++
		}
	}
	if confirmed != len(units) {
		t.Errorf("the group shows %d confirmed representatives, want %d", confirmed, len(units))
	}
	if len(snap.Commands["group"]) == 0 || len(snap.Commands["private"]) == 0 {
		t.Errorf("command menus: %v", snap.Commands)
	}
	// The menus for a page in English are the bot's default (English) lists.
	hasCommand := func(list []jsonCommand, name string) bool {
		for _, c := range list {
			if c.Command == name {
				return true
			}
		}
		return false
	}
	if !hasCommand(snap.Commands["group"], "trogiup") || !hasCommand(snap.CommandsEN["group"], "help") ||
		hasCommand(snap.CommandsEN["group"], "trogiup") || !hasCommand(snap.CommandsEN["private"], "help") {
		t.Errorf("menus: vi %v, en %v", snap.Commands, snap.CommandsEN)
	}
	if want := "15/01/2024 09:00"; snap.Clock.Label != want {
		t.Errorf("clock %q, want %q", snap.Clock.Label, want)
	}
}

// -empty starts with the people and the group, but the bot has not been talked to.
func TestEmpty(t *testing.T) {
	r := startSandbox(t, Options{Empty: true})
	snap := r.state(t)
	if !snap.Empty || len(snap.People) != 8 {
		t.Fatalf("empty %v, people %d", snap.Empty, len(snap.People))
	}
	if len(snap.Messages) != 0 {
		t.Fatalf("messages in a blank sandbox: %+v", snap.Messages)
	}
	ev := r.subscribe(t)
	admin := snap.People[0].ID
	if code := r.post(t, "/api/send", sendRequest{As: admin, Chat: r.Group.ID, Text: "/thietlap Khối thử"}, nil); code != 200 {
		t.Fatalf("send: %d", code)
	}
	ev.wait(t, 0, botMessage(r.Group.ID, "Khối thử"))
}

// What a person types reaches the bot, and the bot's answer comes back on the event stream:
// in the group and in the person's private chat; a button press returns the callback answer.
func TestSendAndEvents(t *testing.T) {
	r := startSandbox(t, Options{})
	ev := r.subscribe(t)
	first, i := ev.wait(t, 0, func(e sseEvent) bool { return e.Kind == "snapshot" })
	var snap jsonSnapshot
	if err := json.Unmarshal(first.Data, &snap); err != nil || len(snap.Messages) == 0 {
		t.Fatalf("snapshot: %v %d", err, len(snap.Messages))
	}
	minh := r.People[1].User

	var sent jsonMessage
	if code := r.post(t, "/api/send", sendRequest{As: minh.ID, Chat: r.Group.ID, Text: "/donvi"}, &sent); code != 200 || sent.ID == 0 {
		t.Fatalf("send: %d %+v", code, sent)
	}
	e, _ := ev.wait(t, i, func(e sseEvent) bool {
		return botMessage(r.Group.ID, "7 đơn vị")(e) && decodeMessage(t, e).ReplyTo == sent.ID
	})
	units := decodeMessage(t, e)
	bold := false
	for _, en := range units.Entities {
		bold = bold || en.Type == "bold"
	}
	if !strings.Contains(units.Text, tayninh.People[0]) {
		t.Errorf("/donvi does not list the linked people: %q", units.Text)
	}
	_ = bold // the units list may or may not use bold; formatting is checked in the browser test

	// The private chat.
	priv := r.Sim.PrivateChat(minh)
	if code := r.post(t, "/api/send", sendRequest{As: minh.ID, Chat: priv.ID, Text: "/start"}, nil); code != 200 {
		t.Fatalf("send in private: %d", code)
	}
	ev.wait(t, i, botMessage(priv.ID))

	// Someone else's private chat is not theirs to write in.
	var bad map[string]string
	if code := r.post(t, "/api/send", sendRequest{As: r.People[2].User.ID, Chat: priv.ID, Text: "hi"}, &bad); code != 400 || bad["error"] == "" {
		t.Errorf("writing in another person's private chat: %d %v", code, bad)
	}

	// The errors a person can meet carry a code, for the page to say them in its language.
	if code := r.post(t, "/api/send", sendRequest{As: minh.ID, Chat: r.Group.ID, Text: "  "}, &bad); code != 400 || bad["code"] != "empty" || bad["error"] != "Tin nhắn trống." {
		t.Errorf("an empty message: %d %v", code, bad)
	}
	if code := r.post(t, "/api/send", sendRequest{As: minh.ID, Chat: r.Group.ID, Text: "x", ReplyTo: 1 << 30}, &bad); code != 400 || bad["code"] != "reply_gone" {
		t.Errorf("a reply to a message that is gone: %d %v", code, bad)
	}

	// A user's text is kept as typed (no markup is interpreted).
	raw := `<b>không đậm</b> <img src=x onerror=alert(1)> & "x"`
	var echo jsonMessage
	r.post(t, "/api/send", sendRequest{As: minh.ID, Chat: r.Group.ID, Text: raw}, &echo)
	if echo.Text != raw {
		t.Errorf("text changed: %q", echo.Text)
	}
}

// Pressing a button returns the bot's callback answer; a button that is gone is refused.
func TestPress(t *testing.T) {
	r := startSandbox(t, Options{Empty: true})
	ev := r.subscribe(t)
	admin, minh := r.People[0].User, r.People[1].User
	r.post(t, "/api/send", sendRequest{As: admin.ID, Chat: r.Group.ID, Text: "/thietlap Khối thử"}, nil)
	_, i := ev.wait(t, 0, botMessage(r.Group.ID, "Khối thử"))
	r.post(t, "/api/send", sendRequest{As: admin.ID, Chat: r.Group.ID, Text: "/themdonvi\nĐơn vị A\nĐơn vị B"}, nil)
	_, i = ev.wait(t, i, botMessage(r.Group.ID, "Đơn vị B"))
	r.post(t, "/api/send", sendRequest{As: minh.ID, Chat: r.Group.ID, Text: "/thamgia"}, nil)
	e, i := ev.wait(t, i, func(e sseEvent) bool {
		return botMessage(r.Group.ID)(e) && len(decodeMessage(t, e).Buttons) > 0
	})
	choose := decodeMessage(t, e)
	row, col := -1, -1
	for ri, rb := range choose.Buttons {
		for ci, b := range rb {
			if b.Text == "Đơn vị B" || strings.Contains(b.Text, "Đơn vị B") {
				row, col = ri, ci
			}
		}
	}
	if row < 0 {
		t.Fatalf("no button for Đơn vị B: %+v", choose.Buttons)
	}
	var ans pressAnswer
	if code := r.post(t, "/api/press", pressRequest{As: minh.ID, Chat: r.Group.ID, Message: choose.ID, Row: row, Col: col}, &ans); code != 200 || ans.Pending {
		t.Fatalf("press: %d %+v", code, ans)
	}
	// The request to represent the unit shows up with the approve button.
	ev.wait(t, i, func(e sseEvent) bool {
		if !botMessage(r.Group.ID, minh.FirstName)(e) {
			return false
		}
		for _, rb := range decodeMessage(t, e).Buttons {
			for _, b := range rb {
				if b.Text == approve {
					return true
				}
			}
		}
		return false
	})
	var bad map[string]string
	if code := r.post(t, "/api/press", pressRequest{As: minh.ID, Chat: r.Group.ID, Message: choose.ID, Row: 9, Col: 0}, &bad); code != 409 {
		t.Errorf("pressing a button that is not there: %d %v", code, bad)
	}
}

// The clock moves by an hour, a day, or to the next pending timer, which fires on time; timers
// due within a longer move fire one by one, each at its own time. The page hears of it.
func TestClock(t *testing.T) {
	type firing struct {
		id  string
		now time.Time
	}
	fired := make(chan firing, 10)
	var clk *clock.Fake
	r := startSandbox(t, Options{Configure: noRecurring}, func(sb *Sandbox) {
		clk = sb.Clock
		sb.App.Mux["sandbox.test"] = func(_ context.Context, tm scheduler.Timer, _ time.Duration) error {
			fired <- firing{tm.ID, clk.Now()}
			return nil
		}
	})
	ev := r.subscribe(t)
	ctx := context.Background()
	move := func(op string) (c clockAnswer) {
		t.Helper()
		if code := r.post(t, "/api/clock", clockRequest{Op: op}, &c); code != 200 {
			t.Fatalf("clock %s: %d", op, code)
		}
		return c
	}
	if c := move("next"); !c.None || c.Label != "15/01/2024 09:00" {
		t.Fatalf("next with nothing pending: %+v", c)
	}
	if c := move("hour"); c.Label != "15/01/2024 10:00" {
		t.Fatalf("+1 hour: %+v", c)
	}
	ev.wait(t, 0, func(e sseEvent) bool {
		return e.Kind == "clock" && strings.Contains(string(e.Data), "15/01/2024 10:00")
	})

	at := func(d time.Duration) time.Time { return start.Add(time.Hour + d) }
	for i, d := range []time.Duration{90 * time.Minute, 5 * time.Hour, 20 * time.Hour} {
		tm := scheduler.Timer{ID: fmt.Sprint("t", i), Kind: "sandbox.test", ChatID: r.Group.ID, At: at(d)}
		if err := r.App.Timers.Schedule(ctx, tm); err != nil {
			t.Fatal(err)
		}
	}
	if c := move("next"); c.None || c.Label != "15/01/2024 11:30" {
		t.Fatalf("next: %+v", c)
	}
	if f := <-fired; f.id != "t0" || !f.now.Equal(at(90*time.Minute)) {
		t.Fatalf("fired %+v", f)
	}
	if c := move("day"); c.Label != "16/01/2024 11:30" {
		t.Fatalf("+1 day: %+v", c)
	}
	for i, d := range []time.Duration{5 * time.Hour, 20 * time.Hour} {
		if f := <-fired; f.id != fmt.Sprint("t", i+1) || !f.now.Equal(at(d)) {
			t.Errorf("timer %d fired %+v, want at %v", i+1, f, at(d))
		}
	}
	var bad map[string]string
	if code := r.post(t, "/api/clock", clockRequest{Op: "back"}, &bad); code != 400 {
		t.Errorf("unknown op: %d %v", code, bad)
	}
}

// The .xlsx export is a document in the chat that the page downloads.
func TestExportDownload(t *testing.T) {
	r := startSandbox(t, Options{})
	ev := r.subscribe(t)
	admin := r.People[0].User
	r.post(t, "/api/send", sendRequest{As: admin.ID, Chat: r.Group.ID, Text: "/xuat"}, nil)
	e, _ := ev.wait(t, 0, func(e sseEvent) bool {
		return botMessage(r.Group.ID)(e) && decodeMessage(t, e).Document != nil
	})
	doc := decodeMessage(t, e).Document
	if !strings.HasSuffix(doc.Name, ".xlsx") {
		t.Errorf("document name %q", doc.Name)
	}
	res, err := http.Get(r.URL + "/api/file/" + doc.FileID)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !bytes.HasPrefix(body, []byte("PK")) || len(body) != doc.Size {
		t.Fatalf("download: %d, %d bytes (want %d), %q", res.StatusCode, len(body), doc.Size, body[:min(len(body), 8)])
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, ".xlsx") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if res, err := http.Get(r.URL + "/api/file/nope"); err != nil || res.StatusCode != 404 {
		t.Errorf("unknown file: %v %v", res.StatusCode, err)
	}
}

// The API refuses cross-site requests and anything but JSON; the page comes with a strict
// content security policy.
func TestRequestChecks(t *testing.T) {
	r := startSandbox(t, Options{Empty: true})
	body := `{"as":1,"chat":1,"text":"x"}`
	res, err := http.Post(r.URL+"/api/send", "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d", res.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, r.URL+"/api/send", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "http://evil.example")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin: %d", res.StatusCode)
	}
	res, err = http.Get(r.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	if !bytes.Contains(page, []byte(`<select id="who"`)) {
		t.Errorf("page: %.200s", page)
	}
	js, err := webFS.ReadFile("web/app.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
		if bytes.Contains(js, []byte(bad)) {
			t.Errorf("app.js uses %s", bad)
		}
	}
}

// -redis uses a real server, and only an empty database: a new simulated Telegram would not
// match the update offsets and idempotency records of an earlier run.
func TestRealRedis(t *testing.T) {
	srv := redistest.Start(t)
	r := startSandbox(t, Options{RedisURL: srv.URL()})
	if n := len(r.state(t).Messages); n == 0 {
		t.Fatal("no demo conversation on a real Redis")
	}
	n, err := srv.Client(t).DBSize(context.Background()).Result()
	if err != nil || n == 0 {
		t.Fatalf("the bot's state is not in the given Redis: %d %v", n, err)
	}
	_, err = New(Options{Addr: "127.0.0.1:0", RedisURL: srv.URL()})
	if err == nil || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("a used database was accepted: %v", err)
	}
}

// A person sends a file from the page and reports an achievement as a reply to it: the bot
// keeps the file as evidence.
func TestUploadEvidence(t *testing.T) {
	r := startSandbox(t, Options{})
	ev := r.subscribe(t)
	minh := r.People[1].User
	var doc jsonMessage
	code := r.post(t, "/api/upload", uploadRequest{As: minh.ID, Chat: r.Group.ID, Name: "bien-ban.pdf",
		Data: []byte("%PDF-1.4 biên bản"), Caption: "Biên bản trao nhà"}, &doc)
	if code != 200 || doc.Document == nil || doc.Document.Name != "bien-ban.pdf" || doc.Text != "Biên bản trao nhà" {
		t.Fatalf("upload: %d %+v", code, doc)
	}
	r.post(t, "/api/send", sendRequest{As: minh.ID, Chat: r.Group.ID, ReplyTo: doc.ID,
		Text: "/baocao Trao nhà tình nghĩa #an_sinh"}, nil)
	ev.wait(t, 0, botMessage(r.Group.ID, "Đã ghi nhận thành tích", "bien-ban.pdf"))

	var bad map[string]string
	for _, req := range []uploadRequest{
		{As: minh.ID, Chat: r.Group.ID, Name: "../x", Data: []byte("x")},
		{As: minh.ID, Chat: r.Group.ID, Name: "x.txt"},
		{As: minh.ID, Chat: r.Group.ID, Name: "big.bin", Data: make([]byte, maxUpload+1)},
	} {
		if code := r.post(t, "/api/upload", req, &bad); code == 200 {
			t.Errorf("upload %q (%d bytes) accepted", req.Name, len(req.Data))
		}
	}
}

// A deadline's reminders fire as the clock moves: "next" lands on each one in turn (7, 3 and 1
// days before at 08:00, 2 hours before), then the deadline itself.
func TestDeadlineRemindersOnTheClock(t *testing.T) {
	r := startSandbox(t, Options{Configure: noRecurring})
	ev := r.subscribe(t)
	admin := r.People[0].User
	r.post(t, "/api/send", sendRequest{As: admin.ID, Chat: r.Group.ID, Text: "/hanchot 25/01/2024 17:00 Nộp báo cáo thi đua"}, nil)
	_, i := ev.wait(t, 0, botMessage(r.Group.ID, "Nộp báo cáo thi đua"))
	var labels []string
	for range 6 {
		var c clockAnswer
		r.post(t, "/api/clock", clockRequest{Op: "next"}, &c)
		if c.None {
			break
		}
		labels = append(labels, c.Label)
		var e sseEvent
		e, i = ev.wait(t, i, botMessage(r.Group.ID, "Nộp báo cáo thi đua"))
		if m := decodeMessage(t, e); m.Time != c.Label[11:] {
			t.Errorf("a message at %s after moving to %s: %q", m.Time, c.Label, m.Text)
		}
		if strings.HasPrefix(c.Label, "25/01/2024 17:00") {
			break
		}
	}
	want := []string{"18/01/2024 08:00", "22/01/2024 08:00", "24/01/2024 08:00", "25/01/2024 15:00", "25/01/2024 17:00"}
	if strings.Join(labels, ",") != strings.Join(want, ",") {
		t.Errorf("the clock stopped at %v, want %v", labels, want)
	}
}

func noRecurring(c *config.Config) { c.Recurring = nil }

// The demo's recurring reminder goes out on Monday morning; "next" gets there.
func TestRecurringReminder(t *testing.T) {
	r := startSandbox(t, Options{})
	ev := r.subscribe(t)
	for range 5 {
		var c clockAnswer
		if r.post(t, "/api/clock", clockRequest{Op: "next"}, &c); c.None {
			t.Fatal("nothing pending")
		}
		if c.Label == "22/01/2024 08:00" {
			break
		}
	}
	ev.wait(t, 0, botMessage(r.Group.ID, "cập nhật thành tích tuần qua"))
	if got := r.Clock.Now(); !got.Equal(time.Date(2024, 1, 22, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("clock at %v", got)
	}
}
