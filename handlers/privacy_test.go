package handlers_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"thiduabot/config"
	"thiduabot/internal/testbot"
	"thiduabot/rkeys"
	"thiduabot/telegramsim"
)

// /xoadulieu: a member and a person with a pending request delete their data; the audit log
// keeps the ids, and says so; nobody else can press their button.
func TestForgetMe(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	ctx := context.Background()
	rdb := env.Redis.Client(t)
	ck := rkeys.ForChat(env.Group.ID)
	lan := env.People[0]
	lanID := strconv.FormatInt(lan.ID, 10)

	// A newcomer asks to join, then changes their mind about the bot.
	khoa := env.Sim.NewUser("Khoa", "khoa", "vi")
	env.Group.Add(khoa, false)
	m := khoa.Send(env.Group, "/thamgia "+env.Units[1])
	env.WaitBot(func(x telegramsim.Message) bool { return x.ID > m.ID && strings.Contains(x.Text, "Khoa") })
	if n, _ := rdb.HLen(ctx, ck.JoinRequests()).Result(); n != 1 {
		t.Fatalf("pending requests: %d", n)
	}

	ask := env.Say(lan, "/xoadulieu")
	if !strings.Contains(ask.Text, "nối chuỗi bằng mã băm") || !strings.Contains(ask.Text, "Bot sẽ xoá") {
		t.Fatalf("the question does not say what is kept: %q", ask.Text)
	}
	// Someone else cannot press it.
	if ans := env.PressAnswer(env.People[1], ask, "🗑 Xoá dữ liệu của tôi"); !ans.ShowAlert || !strings.Contains(ans.Text, "chỉ dành cho") {
		t.Fatalf("another person pressed: %+v", ans)
	}
	if ok, _ := rdb.HExists(ctx, ck.Members(), lanID).Result(); !ok {
		t.Fatal("another person's press deleted data")
	}
	env.Press(lan, ask, "🗑 Xoá dữ liệu của tôi")
	done := env.WaitBot(func(x telegramsim.Message) bool { return x.ID == ask.ID && len(x.Buttons) == 0 })
	if !strings.Contains(done.Text, "Đã xoá dữ liệu cá nhân") || !strings.Contains(done.Text, lanID) || !strings.Contains(done.Text, "1 khối") {
		t.Fatalf("done: %q", done.Text)
	}
	for _, k := range []string{ck.Members(), ck.People()} {
		if ok, _ := rdb.HExists(ctx, k, lanID).Result(); ok {
			t.Errorf("%s still has the person", k)
		}
	}
	if n, _ := rdb.Exists(ctx, rkeys.UserBlocs(lan.ID)).Result(); n != 0 {
		t.Error("the person's bloc index is still there")
	}
	units := env.Say(env.Admin, "/donvi")
	if strings.Contains(units.Text, lan.FirstName) {
		t.Errorf("/donvi still names them: %q", units.Text)
	}

	// The newcomer cancels first, then deletes: their pending request goes.
	ask = env.Say(khoa, "/forget_me")
	env.Press(khoa, ask, "Huỷ")
	env.WaitBot(func(x telegramsim.Message) bool { return x.ID == ask.ID && strings.Contains(x.Text, "Đã huỷ") })
	if n, _ := rdb.HLen(ctx, ck.JoinRequests()).Result(); n != 1 {
		t.Fatalf("cancel removed the request: %d", n)
	}
	ask = env.Say(khoa, "/forget_me")
	env.Press(khoa, ask, "🗑 Xoá dữ liệu của tôi")
	done = env.WaitBot(func(x telegramsim.Message) bool { return x.ID == ask.ID && len(x.Buttons) == 0 })
	if !strings.Contains(done.Text, "1 yêu cầu tham gia") {
		t.Fatalf("done: %q", done.Text)
	}
	if n, _ := rdb.HLen(ctx, ck.JoinRequests()).Result(); n != 0 {
		t.Fatalf("pending requests left: %d", n)
	}

	// The audit log keeps its chain, and records the deletions by id.
	hist := env.Say(env.Admin, "/lichsu")
	if !strings.Contains(hist.Text, "đã xoá dữ liệu cá nhân") {
		t.Fatalf("history: %q", hist.Text)
	}
	if v := env.Say(env.Admin, "/lichsu kiemtra"); !strings.Contains(v.Text, "Chuỗi nhật ký toàn vẹn") {
		t.Fatalf("audit chain broken: %q", v.Text)
	}

	// In a private chat it works the same, and in English for an English speaker.
	priv := env.Sim.PrivateChat(env.People[2])
	ask = env.SayIn(priv, env.People[2], "/forget_me")
	env.Press(env.People[2], ask, ask.Buttons[0][0].Text)
	done = env.WaitBotIn(priv, func(x telegramsim.Message) bool { return x.ID == ask.ID && len(x.Buttons) == 0 })
	if !strings.Contains(done.Text, "1 khối") && !strings.Contains(done.Text, "1 blocs") {
		t.Fatalf("private done: %q", done.Text)
	}
	if ok, _ := rdb.HExists(ctx, ck.Members(), strconv.FormatInt(env.People[2].ID, 10)).Result(); ok {
		t.Fatal("private /forget_me left the link")
	}
}

// A person making more actions than the limit in a minute is told to slow down once; the next
// minute they are served again.
func TestActionRateLimit(t *testing.T) {
	env := testbot.New(t, testbot.WithConfig(func(c *config.Config) { c.Limits.ActionsPerMinute = 10 }))
	env.SetupBloc() // the admin's 9 actions and each person's /thamgia: within the limit
	p := env.People[4]
	for range 9 {
		if r := env.Say(p, "/donvi"); strings.Contains(r.Text, "quá nhanh") {
			t.Fatalf("limited too early: %q", r.Text)
		}
	}
	if r := env.Say(p, "/donvi"); !strings.Contains(r.Text, "quá nhanh") {
		t.Fatalf("11th action in a minute: %q", r.Text)
	}
	silent := p.Send(env.Group, "/donvi")
	// Another person is not affected.
	if r := env.Say(env.People[5], "/donvi"); strings.Contains(r.Text, "quá nhanh") {
		t.Fatalf("another person was limited: %q", r.Text)
	}
	env.Clock.Advance(time.Minute)
	if r := env.Say(p, "/donvi"); strings.Contains(r.Text, "quá nhanh") {
		t.Fatalf("still limited the next minute: %q", r.Text)
	}
	for _, m := range env.Group.BotMessages() {
		if m.ReplyTo == silent.ID {
			t.Fatalf("the 12th action was answered: %q", m.Text)
		}
	}
}
