package handlers_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"thiduabot/internal/testbot"
	"thiduabot/rkeys"
	"thiduabot/telegramsim"
)

// The foundation scenario: a group of eight sets up the Tây Ninh bloc, people join and are
// approved, /units shows them — in Vietnamese, then again in English.
func TestSetupAndMembership(t *testing.T) {
	env := testbot.New(t)
	r := env.Say(env.Admin, "/thietlap "+env.Data.Bloc)
	if !strings.Contains(r.Text, "Đã thiết lập khối") || !strings.Contains(r.Text, env.Data.Bloc) {
		t.Fatalf("setup reply: %q", r.Text)
	}
	r = env.Say(env.Admin, "/themdonvi\n"+strings.Join(env.Units, "\n"))
	if !strings.Contains(r.Text, "Đã thêm 7 đơn vị") {
		t.Fatalf("addunit reply: %q", r.Text)
	}
	for _, u := range env.Units {
		if !strings.Contains(r.Text, u) {
			t.Errorf("addunit reply misses %q", u)
		}
	}
	// The first person joins by typing a unit without diacritics; the rest choose with buttons.
	env.Join(env.People[0], "cuc thue")
	for i := 1; i < len(env.People); i++ {
		p := env.People[i]
		choose := env.Say(p, "/thamgia")
		if !strings.Contains(choose.Text, "Bạn đại diện cho đơn vị nào") || len(choose.Buttons) != 7 {
			t.Fatalf("join without a unit: %q %v", choose.Text, choose.Buttons)
		}
		label := choose.Buttons[i][0].Text
		if ans := env.Press(p, choose, label); !strings.Contains(ans, "chờ duyệt") {
			t.Fatalf("pressing a unit: %q", ans)
		}
		req := env.WaitBot(func(m telegramsim.Message) bool {
			_, ok := m.Button("✅ Đồng ý")
			return ok && strings.Contains(m.Text, p.FirstName)
		})
		// A non-manager cannot approve.
		if ans := env.PressAnswer(env.People[(i+1)%7], req, "✅ Đồng ý"); !ans.ShowAlert || !strings.Contains(ans.Text, "Chỉ quản trị viên") {
			t.Fatalf("a member approved a request: %+v", ans)
		}
		env.Press(env.Admin, req, "✅ Đồng ý")
		done := env.WaitBot(func(m telegramsim.Message) bool { return m.ID == req.ID && len(m.Buttons) == 0 })
		if !strings.Contains(done.Text, "đã được xác nhận") || !strings.Contains(done.Text, env.Units[i]) {
			t.Fatalf("approval: %q", done.Text)
		}
	}
	units := env.Say(env.People[3], "/donvi")
	for i, u := range env.Units {
		if !strings.Contains(units.Text, u) || !strings.Contains(units.Text, env.People[i].FirstName) {
			t.Errorf("/donvi misses %s / %s:\n%s", u, env.People[i].FirstName, units.Text)
		}
	}
	if strings.Contains(units.Text, "chưa có người đại diện") {
		t.Errorf("a unit shows no representative:\n%s", units.Text)
	}

	// English.
	if r := env.Say(env.Admin, "/lang en"); !strings.Contains(r.Text, "English") {
		t.Fatalf("/lang en: %q", r.Text)
	}
	units = env.Say(env.People[0], "/units@"+testbot.BotUsername)
	if !strings.Contains(units.Text, "7 units") || !strings.Contains(units.Text, env.People[6].FirstName) {
		t.Fatalf("/units in English:\n%s", units.Text)
	}
	if r := env.Say(env.People[0], "/help"); !strings.Contains(r.Text, "/setup") || !strings.Contains(r.Text, "Commands") {
		t.Fatalf("/help in English: %q", r.Text)
	}
	r = env.Say(env.People[0], "/leave")
	if !strings.Contains(r.Text, "no longer represents") {
		t.Fatalf("/leave: %q", r.Text)
	}
	// A manager links a person at once by replying to their message.
	hello := env.People[0].Send(env.Group, "Xin chào")
	r = env.ReplyTo(env.Group, env.Admin.Reply(env.Group, hello, "/assign kho bac"))
	if !strings.Contains(r.Text, "represents") || !strings.Contains(r.Text, env.Units[3]) {
		t.Fatalf("/assign: %q", r.Text)
	}

	// The whole story is in the audit chain.
	r = env.Say(env.People[1], "/history verify")
	if !strings.Contains(r.Text, "intact") {
		t.Fatalf("audit chain: %q", r.Text)
	}
}

// Bad input gets a clear reply in the chat's language and changes nothing.
func TestBadInput(t *testing.T) {
	env := testbot.New(t)
	p := env.People[0]
	if r := env.Say(p, "/donvi"); !strings.Contains(r.Text, "chưa được thiết lập") {
		t.Fatalf("before setup: %q", r.Text)
	}
	if r := env.Say(p, "/thietlap Khối giả"); !strings.Contains(r.Text, "Chỉ quản trị viên") {
		t.Fatalf("non-admin setup: %q", r.Text)
	}
	env.SetupBloc()

	cases := []struct {
		who  *telegramsim.User
		text string
		want string
	}{
		{p, "/khonglenh@ThiDuaBot", "không biết lệnh /khonglenh"},
		{p, "/baocoa", "Có phải ý bạn là /baocao?"},
		{p, "/thamgai", "Có phải ý bạn là /thamgia?"},
		{p, "/báocáo", "Có phải ý bạn là /baocao?"},
		{p, "/themdonvi Sở Tư pháp", "Chỉ quản trị viên"},
		{p, "/thamgia Kho bạc", "đã đại diện"},
		{env.Admin, "/thamgia Bộ Công an", "Không tìm thấy đơn vị"},
		{env.Admin, "/ngonngu fr", "vi"},
		{env.Admin, "/phancong Kho bạc", "trả lời tin nhắn"},
		{p, "/thietlap " + strings.Repeat("x", 5000), "quá dài"},
		{env.Admin, "/thietlap " + strings.Repeat("x", 5000), "quá dài"},
	}
	for _, c := range cases {
		if r := env.Say(c.who, c.text); !strings.Contains(r.Text, c.want) {
			t.Errorf("%.40q: reply %q, want it to contain %q", c.text, r.Text, c.want)
		}
	}
	// Another bot's command, typed without its @name, is left to that bot; in a private chat
	// an unknown command is answered.
	var others []telegramsim.Message
	for _, cmd := range []string{"/ban", "/kang", "/restart", "/reports", "/signup", "/wallet", "/channel", "/settings"} {
		others = append(others, p.Send(env.Group, cmd))
	}
	env.Say(p, "/donvi")
	for _, m := range env.Group.BotMessages() {
		for _, o := range others {
			if m.ReplyTo == o.ID {
				t.Fatalf("the bot answered another bot's %s: %q", o.Text, m.Text)
			}
		}
	}
	if r := env.SayIn(env.Sim.PrivateChat(p), p, "/ban"); !strings.Contains(r.Text, "không biết lệnh /ban") {
		t.Fatalf("an unknown command in private: %q", r.Text)
	}
	// Missing arguments guide instead of failing.
	r := env.Say(env.Admin, "/themdonvi")
	if !r.ForceReply || !strings.Contains(r.Text, "mỗi dòng một đơn vị") {
		t.Fatalf("addunit without names: %+v", r)
	}
	// The reply to the prompt is taken as the names; HTML in names is shown literally.
	r = env.ReplyTo(env.Group, env.Admin.Reply(env.Group, r, "Sở <b>Tài chính</b> & Kế hoạch"))
	if !strings.Contains(r.Text, "Sở <b>Tài chính</b> & Kế hoạch") {
		t.Fatalf("HTML in a unit name: %q", r.Text)
	}
	// A command for another bot is ignored; the next command is answered.
	other := env.People[1].Send(env.Group, "/donvi@OtherBot")
	env.Say(env.People[1], "/trogiup")
	for _, m := range env.Group.BotMessages() {
		if m.ReplyTo == other.ID {
			t.Fatalf("answered a command for another bot: %q", m.Text)
		}
	}
	// A forged button press is refused politely and changes nothing.
	units := env.Say(env.Admin, "/donvi")
	ans, err := env.People[2].PressData(env.Group, units, "ja|1|1|AAAAAAAA").Answer(testbot.Wait)
	if err != nil || !strings.Contains(ans.Text, "không còn hiệu lực") {
		t.Fatalf("forged press: %+v %v", ans, err)
	}
	after := env.Say(env.Admin, "/donvi")
	if after.Text != units.Text {
		t.Fatalf("state changed:\n%s\n---\n%s", units.Text, after.Text)
	}
	// Anonymous admin counts as admin.
	m := env.Group.SendAsChat("/lang en")
	if r := env.ReplyTo(env.Group, m); !strings.Contains(r.Text, "English") {
		t.Fatalf("anonymous admin: %q", r.Text)
	}
}

// /history verify says in the chat's language which entry breaks the chain, and a head that
// the chain does not reach; it never shows an internal error text.
func TestHistoryVerifyNamesTheBreak(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	if r := env.Say(env.Admin, "/lichsu kiemtra"); !strings.Contains(r.Text, "Chuỗi nhật ký toàn vẹn") {
		t.Fatalf("an intact chain: %q", r.Text)
	}
	ctx := context.Background()
	rdb, ck := env.Redis.Client(t), rkeys.ForChat(env.Group.ID)
	second, err := rdb.LIndex(ctx, ck.Audit(), 1).Result()
	if err != nil {
		t.Fatal(err)
	}
	rdb.LSet(ctx, ck.Audit(), 1, strings.Replace(second, "Thuế", "Thue", 1))
	if r := env.Say(env.Admin, "/lichsu kiemtra"); !strings.Contains(r.Text, "bị hỏng ở mục 2: mục này, hoặc một mục trước nó") || strings.Contains(r.Text, "audit") {
		t.Fatalf("a changed entry: %q", r.Text)
	}
	rdb.LSet(ctx, ck.Audit(), 1, second)
	env.Say(env.Admin, "/lang en")
	n, err := rdb.LLen(ctx, ck.Audit()).Result()
	if err != nil {
		t.Fatal(err)
	}
	rdb.HSet(ctx, ck.Bloc(), "audit_head", strings.Repeat("0", 40))
	if r := env.Say(env.Admin, "/history verify"); !strings.Contains(r.Text, "its "+strconv.FormatInt(n, 10)+" entries hold together but do not lead to the head") {
		t.Fatalf("a head the chain does not reach: %q", r.Text)
	}
}

// An answer to a prompt that no longer waits (after store.PromptTTL) is told so, in the chat's
// language; a reply to another bot message is left alone, as before.
func TestLateAnswerToAPrompt(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	ask := env.Say(env.People[0], "/baocao")
	if !ask.ForceReply {
		t.Fatalf("no prompt: %q", ask.Text)
	}
	ctx := context.Background()
	rdb, ck := env.Redis.Client(t), rkeys.ForChat(env.Group.ID)
	// The prompt's wait runs out (its key expires in Redis's own time).
	if n, err := rdb.Del(ctx, ck.Prompt(ask.ID)).Result(); err != nil || n != 1 {
		t.Fatalf("the prompt's key: %d %v", n, err)
	}
	if ttl, err := rdb.TTL(ctx, ck.PromptAsked(ask.ID)).Result(); err != nil || ttl < 13*24*time.Hour {
		t.Fatalf("the bot remembers the prompt for %v (%v), want 14 days", ttl, err)
	}
	late := env.People[0].Reply(env.Group, ask, "Tổ chức hội thi tin học #hoi_thi")
	if r := env.ReplyTo(env.Group, late); !strings.Contains(r.Text, "Câu hỏi này đã hết hạn") {
		t.Fatalf("a late answer: %q", r.Text)
	}
	// A reply to a bot message that was never a prompt gets no answer: the next thing the bot
	// says answers the command after it.
	units := env.Say(env.People[1], "/donvi")
	chat := env.People[1].Reply(env.Group, units, "cảm ơn")
	next := env.Say(env.People[1], "/donvi")
	for _, m := range env.Group.BotMessages() {
		if m.ReplyTo == chat.ID {
			t.Fatalf("the bot answered a plain reply: %q", m.Text)
		}
	}
	if next.ID == 0 {
		t.Fatal("no answer to /donvi")
	}
}

// A member asks for the units and the year's summary in their private chat with the bot: the
// answer is their bloc's, in its language; someone of no bloc is sent to the group.
func TestUnitsAndSummaryInPrivate(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	p := env.People[2]
	env.Say(p, "/baocao Hội thi tin học trẻ #hoi_thi")
	priv := env.Sim.PrivateChat(p)
	if r := env.SayIn(priv, p, "/donvi"); !strings.Contains(r.Text, env.Units[0]) || !strings.Contains(r.Text, env.Data.Bloc) {
		t.Fatalf("/donvi in private:\n%s", r.Text)
	}
	if r := env.SayIn(priv, p, "/tonghop"); !strings.Contains(r.Text, env.Units[2]) || !strings.Contains(r.Text, "1") {
		t.Fatalf("/tonghop in private:\n%s", r.Text)
	}
	// In the bloc's language, once it is English.
	env.Say(env.Admin, "/lang en")
	if r := env.SayIn(priv, p, "/donvi"); !strings.Contains(r.Text, "chair") || strings.Contains(r.Text, "Khối trưởng") {
		t.Fatalf("/donvi in private after /lang en:\n%s", r.Text)
	}
	guest := env.Sim.NewUser("Khách", "khach", "vi")
	if r := env.SayIn(env.Sim.PrivateChat(guest), guest, "/donvi"); !strings.Contains(r.Text, "dùng trong nhóm") {
		t.Fatalf("/donvi from someone of no bloc: %q", r.Text)
	}
}
