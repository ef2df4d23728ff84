package handlers_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"thiduabot/app"
	"thiduabot/bot"
	"thiduabot/config"
	"thiduabot/domain"
	"thiduabot/handlers"
	"thiduabot/internal/testbot"
	"thiduabot/scheduler"
	"thiduabot/telegramsim"
)

var dlICT = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		panic(err)
	}
	return loc
}()

func ictTime(d, m, hh, mm int) time.Time {
	return time.Date(2024, time.Month(m), d, hh, mm, 0, 0, dlICT)
}

// dlCount counts the bot's messages in the group whose text contains every part.
func dlCount(env *testbot.Env, parts ...string) int {
	n := 0
	for _, m := range env.Group.BotMessages() {
		if testbot.Containing(parts...)(m) {
			n++
		}
	}
	return n
}

func dlMust(t *testing.T, what, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Fatalf("%s misses %q:\n%s", what, p, text)
		}
	}
}

// dlAt moves the clock to t, lets the timers that became due fire, and waits until the group's
// due timers have been handled (Kick returns once they are claimed; a handler may still run).
func dlAt(env *testbot.Env, t time.Time) {
	env.T.Helper()
	env.Clock.Set(t)
	env.Kick()
	dlHandled(env)
}

func dlHandled(env *testbot.Env) {
	env.T.Helper()
	dlHandledIn(env, env.Group.ID)
}

// dlHandledIn waits until the due timers of the chats have been handled.
func dlHandledIn(env *testbot.Env, chats ...int64) {
	env.T.Helper()
	deadline := time.Now().Add(testbot.Wait)
	for {
		var ps []scheduler.Timer
		var err error
		for _, c := range chats {
			cps, cerr := env.App.Timers.Pending(context.Background(), c)
			ps, err = append(ps, cps...), errors.Join(err, cerr)
		}
		due := false
		for _, p := range ps {
			if !p.At.After(env.Clock.Now()) {
				due = true
			}
		}
		if err == nil && !due {
			return
		}
		if time.Now().After(deadline) {
			env.T.Fatalf("timers of the group still due at %v: %+v %v", env.Clock.Now(), ps, err)
		}
		time.Sleep(2 * time.Millisecond) // polling a condition, not waiting for time to pass
	}
}

// settle waits until the bot has sent everything it queued (so "no message" is a real no).
func settle(t *testing.T, env *testbot.Env) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testbot.Wait)
	defer cancel()
	if err := env.App.Runtime.Sender().Flush(ctx); err != nil {
		t.Fatalf("flush: %v", err)
	}
}

// The example: a deadline set on 01/06 for 15/06 17:00 reminds on 08/06, 12/06 and
// 14/06 at 08:00 and on 15/06 at 15:00 (ICT), each once and at its time, then the summary.
func TestDeadlineReminders(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	env.Clock.Set(ictTime(1, 6, 9, 0))

	r := env.Say(env.Admin, "/hanchot 15/06 17:00 Nộp báo cáo sơ kết 6 tháng <đợt 1>")
	dlMust(t, "/hanchot", r.Text, "Đã đặt hạn chót #1", "Nộp báo cáo sơ kết 6 tháng <đợt 1>", "17:00 Thứ Bảy 15/06/2024",
		"08:00 08/06, 08:00 12/06, 08:00 14/06, 15:00 15/06", "/huy 1")
	if !strings.Contains(r.HTML, "&lt;đợt 1&gt;") {
		t.Fatalf("the text is not escaped: %s", r.HTML)
	}
	list := env.Say(env.People[3], "/dshanchot")
	dlMust(t, "/dshanchot", list.Text, "#1", "17:00 Thứ Bảy 15/06/2024", "Nộp báo cáo sơ kết")

	steps := []struct {
		at   time.Time
		left string
	}{
		{ictTime(8, 6, 8, 0), "còn 7 ngày 9 giờ"},
		{ictTime(12, 6, 8, 0), "còn 3 ngày 9 giờ"},
		{ictTime(14, 6, 8, 0), "còn 1 ngày 9 giờ"},
		{ictTime(15, 6, 15, 0), "còn 2 giờ"},
	}
	for i, s := range steps {
		// A minute before, nothing.
		dlAt(env, s.at.Add(-time.Minute))
		settle(t, env)
		if n := dlCount(env, "Nhắc hạn chót #1"); n != i {
			t.Fatalf("before %v: %d reminders, want %d\n%s", s.at, n, i, env.Transcript(env.Group))
		}
		dlAt(env, s.at)
		m := env.WaitBot(testbot.Containing("Nhắc hạn chót #1", s.left))
		dlMust(t, "reminder", m.Text, "Nộp báo cáo sơ kết 6 tháng <đợt 1>", "17:00 Thứ Bảy 15/06/2024")
		if !m.Date.Equal(s.at) {
			t.Fatalf("reminder %d sent at %v, want %v", i, m.Date.In(dlICT), s.at)
		}
	}
	dlAt(env, ictTime(15, 6, 17, 0))
	sum := env.WaitBot(testbot.Containing("Đã đến hạn #1"))
	dlMust(t, "summary", sum.Text, "Nộp báo cáo sơ kết 6 tháng", "17:00 Thứ Bảy 15/06/2024")
	dlAt(env, ictTime(20, 6, 9, 0))
	settle(t, env)
	if n, s := dlCount(env, "Nhắc hạn chót #1"), dlCount(env, "Đã đến hạn #1"); n != 4 || s != 1 {
		t.Fatalf("%d reminders and %d summaries, want 4 and 1\n%s", n, s, env.Transcript(env.Group))
	}
	list = env.Say(env.People[3], "/dshanchot")
	dlMust(t, "/dshanchot after", list.Text, "Chưa có hạn chót")
	h := env.Say(env.Admin, "/lichsu 3")
	dlMust(t, "/lichsu", h.Text, "đến hạn chót #1", "đặt hạn chót #1")
}

// Set late: the offsets already past are skipped (and said so); English chat; no time means the
// default 17:00.
func TestDeadlineSkipsPastOffsets(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	env.Say(env.Admin, "/lang en")
	env.Clock.Set(ictTime(13, 6, 9, 0))
	r := env.Say(env.Admin, "/deadline 15/06 Send the mid-year report")
	dlMust(t, "/deadline", r.Text, "Deadline #1 set", "17:00 Sat 15/06/2024", "Reminders at: 08:00 14/06, 15:00 15/06.",
		"(2 reminder times already past were skipped.)")
	dlAt(env, ictTime(14, 6, 8, 0))
	env.WaitBot(testbot.Containing("Deadline #1 reminder", "1 d 9 h left"))
}

// A bot stopped across a reminder's time sends it once when it is back; one that is back too
// late (stale_after, 6h) drops it, and the next reminder and the summary still come.
func TestDeadlineRestartAndStale(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	env.Clock.Set(ictTime(1, 6, 9, 0))
	env.Say(env.Admin, "/hanchot 15/06 17:00 Nộp báo cáo")

	env.StopBot()
	env.Clock.Set(ictTime(8, 6, 9, 30)) // 1h30 late
	env.StartBot()
	env.Kick()
	dlHandled(env)
	env.WaitBot(testbot.Containing("Nhắc hạn chót #1", "còn 7 ngày 7 giờ"))
	env.Restart()
	env.Kick()
	dlHandled(env)
	settle(t, env)
	if n := dlCount(env, "Nhắc hạn chót #1"); n != 1 {
		t.Fatalf("after restarts: %d reminders, want 1", n)
	}

	// Down from 11/06 to 12/06 15:01: the 08:00 reminder is 7h late, stale.
	env.StopBot()
	env.Clock.Set(ictTime(12, 6, 15, 1))
	env.StartBot()
	env.Kick()
	dlHandled(env)
	settle(t, env)
	if n := dlCount(env, "Nhắc hạn chót #1"); n != 1 {
		t.Fatalf("a stale reminder was sent:\n%s", env.Transcript(env.Group))
	}
	pending, err := env.App.Timers.Pending(context.Background(), env.Group.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range pending {
		if strings.HasSuffix(tm.ID, ":d3") {
			t.Fatalf("the stale reminder is still pending: %+v", tm)
		}
	}
	dlAt(env, ictTime(14, 6, 8, 0))
	env.WaitBot(testbot.Containing("Nhắc hạn chót #1", "còn 1 ngày 9 giờ"))
	// Down across the deadline for a day: the summary still comes.
	env.StopBot()
	env.Clock.Set(ictTime(16, 6, 18, 0))
	env.StartBot()
	env.Kick()
	dlHandled(env)
	env.WaitBot(testbot.Containing("Đã đến hạn #1"))
	settle(t, env)
	if n := dlCount(env, "Nhắc hạn chót #1"); n != 2 {
		t.Fatalf("%d reminders, want 2 (the 2-hour one passed while down)\n%s", n, env.Transcript(env.Group))
	}
}

// captureLog is a slog handler that keeps the lines.
type captureLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *captureLog) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(&lockedWriter{c}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type lockedWriter struct{ c *captureLog }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	return w.c.buf.Write(p)
}

func (c *captureLog) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

type outbox struct {
	mu   sync.Mutex
	sent []bot.Outgoing
}

func (o *outbox) Send(m bot.Outgoing) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
}

// A stale reminder is dropped with a log line; a late one that is not stale is sent as bulk.
func TestStaleReminderLogged(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	env.Clock.Set(ictTime(1, 6, 9, 0))
	env.Say(env.Admin, "/hanchot 15/06 17:00 Nộp báo cáo")
	ctx := context.Background()
	pending, err := env.App.Timers.Pending(ctx, env.Group.ID)
	if err != nil {
		t.Fatal(err)
	}
	var d7 scheduler.Timer
	for _, tm := range pending {
		if strings.HasSuffix(tm.ID, ":d7") {
			d7 = tm
		}
	}
	if d7.ID == "" || d7.Kind != handlers.KindDeadlineRemind || !d7.At.Equal(ictTime(8, 6, 8, 0)) {
		t.Fatalf("no 7-day reminder timer: %+v", pending)
	}
	var logs captureLog
	out := &outbox{}
	h := handlers.NewDeadlines(env.App.Store, env.App.Timers, out, env.Clock, logs.logger(), handlers.DeadlineSettings{
		Plan: domain.DefaultReminderPlan(), DefaultTime: domain.TimeOfDay{Hour: 17}, StaleAfter: 6 * time.Hour})
	m := scheduler.Mux{}
	h.RegisterTimers(m)
	if err := m.Handle(ctx, d7, 7*time.Hour); err != nil {
		t.Fatal(err)
	}
	if len(out.sent) != 0 || !strings.Contains(logs.String(), "reminder dropped: stale") {
		t.Fatalf("stale reminder: sent %v, log %q", out.sent, logs.String())
	}
	if err := m.Handle(ctx, d7, 5*time.Hour); err != nil {
		t.Fatal(err)
	}
	if len(out.sent) != 1 || !out.sent[0].Bulk || !strings.Contains(out.sent[0].Text, "Nhắc hạn chót") {
		t.Fatalf("late reminder: %+v", out.sent)
	}
	// The same timer again (a replica that lost its lease) sends nothing more.
	if err := m.Handle(ctx, d7, 5*time.Hour); err != nil {
		t.Fatal(err)
	}
	if len(out.sent) != 1 {
		t.Fatalf("sent twice: %+v", out.sent)
	}
}

func signPledgeAs(t *testing.T, env *testbot.Env, i int) {
	t.Helper()
	r := env.Say(env.People[i], "/kyket")
	dlMust(t, "/kyket", r.Text, env.Units[i])
}

// A pledge deadline reminds only the units that have not signed, mentioning their people, and
// stops when all have signed.
func TestPledgeDeadlineReminders(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	env.Clock.Set(ictTime(1, 6, 9, 0))
	pd := env.Data.Pledge
	env.Say(env.Admin, "/giaouoc new "+pd.Title+"\n- "+strings.Join(pd.Commitments, "\n- "))
	for i := 0; i < 3; i++ {
		signPledgeAs(t, env, i)
	}
	r := env.Say(env.Admin, "/giaouoc hanchot 15/06 17:00")
	dlMust(t, "/giaouoc hanchot", r.Text, "15/06")
	list := env.Say(env.People[4], "/dshanchot")
	dlMust(t, "/dshanchot", list.Text, "Ký giao ước thi đua năm 2024", "17:00 Thứ Bảy 15/06/2024", "Còn 4/7 đơn vị")
	r = env.Say(env.Admin, "/huy p2024")
	dlMust(t, "/huy p2024", r.Text, "/giaouoc hanchot off")

	dlAt(env, ictTime(8, 6, 8, 0))
	m := env.WaitBot(testbot.Containing("Nhắc hạn chót", "Ký giao ước thi đua năm 2024"))
	dlMust(t, "pledge reminder", m.Text, "Đơn vị chưa ký giao ước (4/7)", "còn 7 ngày 9 giờ", "/kyket")
	for i := range env.Units {
		has := strings.Contains(m.Text, env.Units[i])
		mentioned := strings.Contains(m.HTML, fmt.Sprintf(`<a href="tg://user?id=%d">`, env.People[i].ID))
		if i < 3 && (has || mentioned) {
			t.Fatalf("signed unit %q is reminded:\n%s", env.Units[i], m.HTML)
		}
		if i >= 3 && (!has || !mentioned) {
			t.Fatalf("unsigned unit %q is not named with its member:\n%s", env.Units[i], m.HTML)
		}
	}
	// Two more sign: the next reminder names the last two.
	signPledgeAs(t, env, 3)
	signPledgeAs(t, env, 4)
	dlAt(env, ictTime(12, 6, 8, 0))
	m = env.WaitBot(testbot.Containing("Nhắc hạn chót", "còn 3 ngày 9 giờ"))
	dlMust(t, "second reminder", m.Text, "(2/7)", env.Units[5], env.Units[6])
	if strings.Contains(m.Text, env.Units[3]) {
		t.Fatalf("a unit that signed is still reminded:\n%s", m.Text)
	}
	// Everyone signs: no more reminders, and no summary at the deadline.
	signPledgeAs(t, env, 5)
	signPledgeAs(t, env, 6)
	for _, at := range []time.Time{ictTime(14, 6, 8, 0), ictTime(15, 6, 15, 0), ictTime(15, 6, 17, 0), ictTime(16, 6, 9, 0)} {
		dlAt(env, at)
	}
	settle(t, env)
	if n := dlCount(env, "Nhắc hạn chót"); n != 2 {
		t.Fatalf("%d pledge reminders, want 2\n%s", n, env.Transcript(env.Group))
	}
	if n := dlCount(env, "Đã đến hạn"); n != 0 {
		t.Fatalf("a summary after everyone signed:\n%s", env.Transcript(env.Group))
	}
}

// Moving the pledge's sign-by date moves its reminders; removing it removes them.
func TestPledgeDeadlineMoved(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	env.Clock.Set(ictTime(1, 6, 9, 0))
	pd := env.Data.Pledge
	env.Say(env.Admin, "/giaouoc new "+pd.Title+"\n- "+strings.Join(pd.Commitments, "\n- "))
	env.Say(env.Admin, "/giaouoc hanchot 15/06 17:00")
	env.Say(env.Admin, "/giaouoc hanchot 20/06 17:00")
	dlAt(env, ictTime(8, 6, 8, 0)) // 7 days before the old date: nothing
	settle(t, env)
	if n := dlCount(env, "Nhắc hạn chót"); n != 0 {
		t.Fatalf("the old date reminded:\n%s", env.Transcript(env.Group))
	}
	dlAt(env, ictTime(13, 6, 8, 0))
	env.WaitBot(testbot.Containing("Nhắc hạn chót", "Đơn vị chưa ký giao ước (7/7)", "còn 7 ngày 9 giờ"))
	env.Say(env.Admin, "/giaouoc hanchot off")
	for _, at := range []time.Time{ictTime(17, 6, 8, 0), ictTime(20, 6, 18, 0)} {
		dlAt(env, at)
	}
	settle(t, env)
	if n, s := dlCount(env, "Nhắc hạn chót"), dlCount(env, "Đã đến hạn"); n != 1 || s != 0 {
		t.Fatalf("after removing the date: %d reminders, %d summaries\n%s", n, s, env.Transcript(env.Group))
	}
}

// A deadline tied to a reporting period names the units with no achievement in it.
func TestReportDeadline(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	env.Clock.Set(ictTime(1, 6, 9, 0))
	env.Say(env.People[0], "/baocao Hỗ trợ 70 triệu đồng xây dựng nông thôn mới #an_sinh")
	r := env.Say(env.Admin, "/hanchot 30/06 baocao q2")
	dlMust(t, "/hanchot baocao", r.Text, "Báo cáo thành tích quý 2/2024", "hiện còn 6/7 đơn vị", "08:00 23/06")
	env.Say(env.People[1], "/baocao Tổ chức hội thi tìm hiểu pháp luật")
	dlAt(env, ictTime(23, 6, 8, 0))
	m := env.WaitBot(testbot.Containing("Nhắc hạn chót #1"))
	dlMust(t, "report reminder", m.Text, "Báo cáo thành tích quý 2/2024", "Đơn vị chưa báo cáo thành tích quý 2/2024 (5/7)", "/baocao")
	if strings.Contains(m.Text, env.Units[0]) || strings.Contains(m.Text, env.Units[1]) {
		t.Fatalf("a unit that reported is reminded:\n%s", m.Text)
	}
	if !strings.Contains(m.HTML, fmt.Sprintf("tg://user?id=%d", env.People[6].ID)) {
		t.Fatalf("members are not mentioned:\n%s", m.HTML)
	}
	for i := 2; i < 7; i++ {
		env.Say(env.People[i], fmt.Sprintf("/baocao Thành tích quý 2 của đơn vị %d", i+1))
	}
	dlAt(env, ictTime(27, 6, 8, 0))
	dlAt(env, ictTime(30, 6, 17, 0))
	env.WaitBot(testbot.Containing("Đã đến hạn", "Cả 7 đơn vị đã báo cáo thành tích quý 2/2024"))
	settle(t, env)
	if n := dlCount(env, "Nhắc hạn chót #1"); n != 1 {
		t.Fatalf("%d reminders, want 1 (everyone reported before the others)\n%s", n, env.Transcript(env.Group))
	}
}

// Bad input gets a clear reply with an example; nothing is set.
func TestDeadlineBadInput(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	env.Clock.Set(ictTime(1, 6, 9, 0))
	cases := []struct {
		who   *telegramsim.User
		text  string
		parts []string
	}{
		{env.Admin, "/hanchot 31/02 Nộp báo cáo", []string{"Không có ngày 31/02", "ví dụ", "/hanchot 15/06 17:00 Nộp báo cáo sơ kết"}},
		{env.Admin, "/hanchot hôm qua Nộp báo cáo", []string{"31/05/2024 17:00 đã qua", "/hanchot 15/06 17:00"}},
		{env.Admin, "/hanchot 15/05 Nộp báo cáo", []string{"15/05/2024 17:00 đã qua", "/hanchot 15/06"}},
		{env.Admin, "/hanchot thứ sáu Nộp báo cáo", []string{"chưa hiểu ngày «thứ sáu»", "dd/mm", "/hanchot 15/06"}},
		{env.Admin, "/hanchot 15/06 25:00 Nộp", []string{"Giờ 25:00 không hợp lệ", "HH:MM"}},
		{env.Admin, "/hanchot 15/06 17:00", []string{"Hạn chót cho việc gì", "/hanchot 15/06 17:00"}},
		{env.Admin, "/hanchot 30/06 baocao q7", []string{"kỳ báo cáo «q7»", "/hanchot 10/07 baocao q2"}},
		{env.Admin, "/hanchot 01/06/2031 x", []string{"xa quá"}},
		{env.People[2], "/hanchot 15/06 Nộp báo cáo", []string{"Chỉ quản trị viên"}},
		{env.People[2], "/nhac 20/06 Họp giao ban", []string{"Lời nhắc cần có giờ", "/nhac 15/06 08:30 Họp giao ban"}},
		{env.People[2], "/nhac 31/02 08:00 Họp", []string{"Không có ngày 31/02", "/nhac 15/06 08:30"}},
		{env.Admin, "/huy 99", []string{"Không có hạn chót hay lời nhắc #99"}},
	}
	for _, c := range cases {
		r := env.Say(c.who, c.text)
		dlMust(t, c.text, r.Text, c.parts...)
	}
	guest := env.Sim.NewUser("Khách", "khach", "vi")
	env.Group.Add(guest, false)
	r := env.Say(guest, "/nhac 20/06 08:00 Họp")
	dlMust(t, "a guest's /nhac", r.Text, "chưa đại diện đơn vị nào")
	ds, err := env.App.Store.Deadlines(context.Background(), env.Group.ID)
	if err != nil || len(ds) != 0 {
		t.Fatalf("something was set: %+v %v", ds, err)
	}
	// Without arguments, a prompt; the reply to it sets the deadline.
	p := env.Say(env.Admin, "/hanchot")
	if !p.ForceReply {
		t.Fatalf("/hanchot without arguments is not a prompt: %+v", p)
	}
	dlMust(t, "prompt", p.Text, "/hanchot 15/06 17:00 Nộp báo cáo sơ kết")
	env.App.Runtime.Sender().WaitChat(env.Group.ID, testbot.Wait)
	r = env.ReplyTo(env.Group, env.Admin.Reply(env.Group, p, "20/06 Họp tổng kết"))
	dlMust(t, "prompt reply", r.Text, "Đã đặt hạn chót #", "Họp tổng kết", "17:00 Thứ Năm 20/06/2024")
}

// /remind: a member's one-off reminder fires once, at its time; only its author or a manager
// may cancel it; a cancelled deadline's timers send nothing.
func TestRemindAndCancel(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	env.Clock.Set(ictTime(1, 6, 9, 0))
	r := env.Say(env.People[1], "/nhac 03/06 08:30 Họp giao ban <quý 2>")
	dlMust(t, "/nhac", r.Text, "Đã đặt lời nhắc #1", "08:30 Thứ Hai 03/06/2024", "Họp giao ban <quý 2>")
	r = env.Say(env.People[2], "/nhac 04/06 08:30 Nộp tờ trình")
	dlMust(t, "/nhac 2", r.Text, "#2")
	r = env.Say(env.People[1], "/huy 2")
	dlMust(t, "someone else's /huy", r.Text, "Chỉ quản trị viên")
	r = env.Say(env.People[2], "/huy #2")
	dlMust(t, "own /huy", r.Text, "Đã hủy lời nhắc #2", "Nộp tờ trình")
	r = env.Say(env.Admin, "/hanchot 10/06 Nộp hồ sơ khen thưởng")
	dlMust(t, "/hanchot", r.Text, "#3")
	// /huy without an id: buttons.
	choices := env.Say(env.Admin, "/huy")
	if _, ok := choices.Button("❌ #3 Nộp hồ sơ khen thưởng"); !ok {
		t.Fatalf("no cancel button: %+v", choices.Buttons)
	}
	ans := env.Press(env.Admin, choices, "❌ #3 Nộp hồ sơ khen thưởng")
	dlMust(t, "cancel button", ans, "Đã hủy #3")
	env.WaitBot(testbot.Containing("Đã hủy hạn chót #3"))

	dlAt(env, ictTime(3, 6, 8, 30))
	m := env.WaitBot(testbot.Containing("Nhắc việc", "Họp giao ban <quý 2>"))
	dlMust(t, "reminder", m.Text, "Lời nhắc #1", env.People[1].FirstName)
	if !m.Date.Equal(ictTime(3, 6, 8, 30)) {
		t.Fatalf("reminder sent at %v", m.Date)
	}
	for _, at := range []time.Time{ictTime(4, 6, 9, 0), ictTime(9, 6, 8, 0), ictTime(10, 6, 18, 0)} {
		dlAt(env, at)
	}
	settle(t, env)
	if n := dlCount(env, "Nhắc việc"); n != 1 {
		t.Fatalf("%d reminders, want 1", n)
	}
	if n := dlCount(env, "Nộp tờ trình") + dlCount(env, "Nhắc hạn chót") + dlCount(env, "Đã đến hạn"); n != 2 {
		// the set and cancel confirmations of #2 only
		t.Fatalf("a cancelled one fired:\n%s", env.Transcript(env.Group))
	}
	// In a private chat, anyone may remind themselves.
	pc := env.Sim.PrivateChat(env.People[4])
	r = env.SayIn(pc, env.People[4], "/nhac 11/06 07:00 Gọi điện cho Sở Nội vụ")
	dlMust(t, "private /nhac", r.Text, "Đã đặt lời nhắc #1")
	dlAt(env, ictTime(11, 6, 7, 0))
	env.WaitBotIn(pc, testbot.Containing("Nhắc việc", "Gọi điện cho Sở Nội vụ"))
}

// Recurring reminders from the configuration reach every bloc at their time; an invalid
// cron spec stops the bot at start, naming the entry.
func TestRecurringReminders(t *testing.T) {
	rec := []config.CronItem{{Name: "weekly-report", Spec: "CRON_TZ=Asia/Ho_Chi_Minh 0 8 * * 1",
		Text: map[string]string{"vi": "Nhắc: các đơn vị cập nhật thành tích tuần qua bằng /baocao.", "en": "Reminder: report last week's achievements."}}}
	env := testbot.New(t, testbot.WithConfig(func(c *config.Config) { c.Recurring = rec }))
	env.SetupBloc()
	// 15/01/2024 is a Monday, 09:00: the next one is 22/01 08:00.
	dlAt(env, time.Date(2024, 1, 22, 7, 59, 0, 0, dlICT))
	settle(t, env)
	if n := dlCount(env, "cập nhật thành tích tuần qua"); n != 0 {
		t.Fatalf("sent early")
	}
	dlAt(env, time.Date(2024, 1, 22, 8, 0, 0, 0, dlICT))
	m := env.WaitBot(testbot.Containing("🔔 Nhắc: các đơn vị cập nhật thành tích tuần qua bằng /baocao."))
	if !m.Date.Equal(time.Date(2024, 1, 22, 8, 0, 0, 0, dlICT)) {
		t.Fatalf("sent at %v", m.Date)
	}
	env.Restart()
	dlAt(env, time.Date(2024, 1, 29, 8, 0, 0, 0, dlICT))
	second := time.Date(2024, 1, 29, 8, 0, 0, 0, dlICT)
	env.WaitBot(func(m telegramsim.Message) bool {
		return m.Date.Equal(second) && strings.Contains(m.Text, "cập nhật thành tích tuần qua")
	})
	settle(t, env)
	if n := dlCount(env, "cập nhật thành tích tuần qua"); n != 2 {
		t.Fatalf("%d recurring reminders, want 2\n%s", n, env.Transcript(env.Group))
	}

	bad := env.Config
	bad.Recurring = []config.CronItem{{Name: "hàng tuần", Spec: "0 8 * * thứ-hai", Text: map[string]string{"vi": "x"}}}
	_, err := app.New(bad, app.Options{Clock: env.Clock})
	if err == nil || !strings.Contains(err.Error(), `cron entry "hàng tuần"`) {
		t.Fatalf("an invalid spec: %v", err)
	}
}

func dlUnitButton(t *testing.T, m telegramsim.Message, unit string) string {
	t.Helper()
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Text == unit || strings.HasSuffix(b.Text, "…") && strings.HasPrefix(unit, strings.TrimSuffix(b.Text, "…")) {
				return b.Text
			}
		}
	}
	t.Fatalf("no button for %q: %v", unit, m.Buttons)
	return ""
}

// An open ballot's deadline: /deadlines shows it with the units still to vote; its reminders
// (scheduled through OnBallotDeadline when the ballot opens) name only those units, and stop when all have voted. The ballot
// announces its own result: no summary from the reminders.
func TestBallotDeadlineReminders(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	env.Clock.Set(ictTime(1, 6, 9, 0))
	ballot := env.Say(env.Admin, "/baucu truong 10/06 17:00")
	for i := 0; i < 3; i++ {
		env.Press(env.People[i], ballot, dlUnitButton(t, ballot, env.Units[0]))
	}
	list := env.Say(env.People[5], "/dshanchot")
	dlMust(t, "/dshanchot", list.Text, "Bỏ phiếu bầu Khối trưởng năm 2024", "17:00 Thứ Hai 10/06/2024", "Còn 4/7 đơn vị")

	// The ballot feature scheduled the reminders when the ballot opened (app wires
	// ballots.OnDeadline to OnBallotDeadline).
	dlAt(env, ictTime(3, 6, 8, 0))
	m := env.WaitBot(testbot.Containing("Nhắc hạn chót", "Bỏ phiếu bầu Khối trưởng năm 2024"))
	dlMust(t, "ballot reminder", m.Text, "Đơn vị chưa bỏ phiếu (4/7)", "còn 7 ngày 9 giờ", env.Units[3], env.Units[6])
	if strings.Contains(m.Text, "• "+env.Units[1]) || !strings.Contains(m.HTML, fmt.Sprintf("tg://user?id=%d", env.People[4].ID)) {
		t.Fatalf("wrong units or no mentions:\n%s", m.HTML)
	}
	for i := 3; i < 7; i++ {
		env.Press(env.People[i], ballot, dlUnitButton(t, ballot, env.Units[0]))
	}
	for _, at := range []time.Time{ictTime(7, 6, 8, 0), ictTime(9, 6, 8, 0), ictTime(10, 6, 15, 0), ictTime(10, 6, 17, 0), ictTime(11, 6, 9, 0)} {
		dlAt(env, at)
	}
	settle(t, env)
	if n, s := dlCount(env, "Nhắc hạn chót"), dlCount(env, "Đã đến hạn"); n != 1 || s != 0 {
		t.Fatalf("%d reminders and %d summaries, want 1 and 0\n%s", n, s, env.Transcript(env.Group))
	}
}

// A group that becomes a supergroup keeps its reminders: a deadline and a pledge sign-by date
// set in the group remind in the supergroup, each reminder once, also when the sign-by date is
// set again there (which schedules the supergroup's own timers beside the group's).
func TestRemindersFollowAMigratedGroup(t *testing.T) {
	env := testbot.New(t)
	old := env.Sim.NewGroup("Nhóm thường")
	env.Group = old
	old.Add(env.Admin, true)
	for _, p := range env.People {
		old.Add(p, false)
	}
	env.SetupBloc()
	env.Clock.Set(ictTime(1, 6, 9, 0))
	r := env.Say(env.Admin, "/hanchot 15/06 17:00 Nộp báo cáo sơ kết")
	dlMust(t, "/hanchot", r.Text, "Đã đặt hạn chót #1")
	pd := env.Data.Pledge
	env.Say(env.Admin, "/giaouoc new "+pd.Title+"\n- "+strings.Join(pd.Commitments, "\n- "))
	r = env.Say(env.Admin, "/giaouoc hanchot 20/06 17:00")
	dlMust(t, "/giaouoc hanchot", r.Text, "20/06")

	env.Group = old.Migrate()
	r = env.Say(env.People[2], "/donvi")
	dlMust(t, "/donvi in the supergroup", r.Text, env.Units[6])
	r = env.Say(env.Admin, "/giaouoc hanchot 20/06 17:00")
	dlMust(t, "/giaouoc hanchot again", r.Text, "20/06")
	before := len(old.BotMessages())

	for _, at := range []time.Time{ictTime(8, 6, 8, 0), ictTime(13, 6, 8, 0), ictTime(15, 6, 17, 0)} {
		env.Clock.Set(at)
		env.Kick()
		dlHandledIn(env, old.ID, env.Group.ID)
	}
	settle(t, env)
	if n := dlCount(env, "Nhắc hạn chót", "Nộp báo cáo sơ kết", "còn 7 ngày"); n != 1 {
		t.Fatalf("%d reminders of the deadline in the supergroup, want 1\n%s", n, env.Transcript(env.Group))
	}
	if n := dlCount(env, "Nhắc hạn chót", "Ký giao ước", "còn 7 ngày"); n != 1 {
		t.Fatalf("%d reminders of the sign-by date in the supergroup, want 1\n%s", n, env.Transcript(env.Group))
	}
	if n := dlCount(env, "Đã đến hạn", "Nộp báo cáo sơ kết"); n != 1 {
		t.Fatalf("%d summaries of the deadline in the supergroup, want 1\n%s", n, env.Transcript(env.Group))
	}
	if after := len(old.BotMessages()); after != before {
		t.Fatalf("the old group got %d messages after it migrated\n%s", after-before, env.Transcript(old))
	}
}

// In a member's private chat, /deadlines lists their own reminders and their bloc's deadlines
// (without numbers: those are cancelled in the group).
func TestDeadlinesInPrivate(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	env.Say(env.Admin, "/hanchot 15/06 17:00 Nộp báo cáo sơ kết 6 tháng")
	p := env.People[3]
	priv := env.Sim.PrivateChat(p)
	env.SayIn(priv, p, "/nhac 16/06 08:00 Gọi điện cho văn phòng")
	r := env.SayIn(priv, p, "/dshanchot")
	dlMust(t, "private /dshanchot", r.Text, "Gọi điện cho văn phòng", "Của khối "+env.Data.Bloc, "Nộp báo cáo sơ kết 6 tháng", "17:00 Thứ Bảy 15/06/2024")
	if i, j := strings.Index(r.Text, "Của khối"), strings.Index(r.Text, "#1 ·"); j > i && i >= 0 {
		t.Fatalf("the bloc's deadline is listed with a number to cancel in private:\n%s", r.Text)
	}
	guest := env.Sim.NewUser("Khách", "khach", "vi")
	if r := env.SayIn(env.Sim.PrivateChat(guest), guest, "/dshanchot"); strings.Contains(r.Text, "Của khối") {
		t.Fatalf("someone of no bloc sees a bloc's deadlines:\n%s", r.Text)
	}
}
