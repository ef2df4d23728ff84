package handlers_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"thiduabot/internal/testbot"
	"thiduabot/rkeys"
	"thiduabot/telegramsim"
)

// The command menus are set in Vietnamese and English, for groups and private chats.
func TestCommandMenus(t *testing.T) {
	env := testbot.New(t)
	vi := env.Sim.Commands(telegramsim.CommandScope{Type: "all_group_chats"}, "vi")
	en := env.Sim.Commands(telegramsim.CommandScope{Type: "all_group_chats"}, "")
	if len(vi) < 8 || len(en) != len(vi) {
		t.Fatalf("group menus: vi %d, en %d", len(vi), len(en))
	}
	has := func(cmds []telegramsim.BotCommand, name string) bool {
		for _, c := range cmds {
			if c.Command == name {
				return true
			}
		}
		return false
	}
	if !has(vi, "thietlap") || !has(en, "setup") || !has(vi, "donvi") || !has(en, "units") {
		t.Fatalf("menus: vi %v, en %v", vi, en)
	}
	if p := env.Sim.Commands(telegramsim.CommandScope{Type: "all_private_chats"}, "vi"); !has(p, "trogiup") {
		t.Fatalf("private menu: %v", p)
	}
}

// Telegram answering 429 with retry_after, and 5xx: the bot waits, retries and loses no reply.
func TestSendRetriesOn429And5xx(t *testing.T) {
	env := testbot.New(t)
	env.Sim.InjectFaults(telegramsim.Faults{Method: "sendMessage", Kind: telegramsim.Fault429, Count: 2, RetryAfter: 1})
	r := env.Say(env.People[0], "/trogiup")
	if !strings.Contains(r.Text, "/thietlap") {
		t.Fatalf("reply after 429s: %q", r.Text)
	}
	env.Sim.InjectFaults(telegramsim.Faults{Method: "sendMessage", Kind: telegramsim.Fault5xx, Count: 3})
	env.Sim.InjectFaults(telegramsim.Faults{Method: "getUpdates", Kind: telegramsim.FaultBadGateway, Count: 2})
	r = env.Say(env.People[1], "/start")
	if !strings.Contains(r.Text, "/thietlap") {
		t.Fatalf("reply after 5xx: %q", r.Text)
	}
	st := env.Sim.Stats()
	if st.TooManyRequests < 2 || st.FaultsInjected < 7 {
		t.Fatalf("faults were not all served: %+v", st)
	}
	// Each command got exactly one reply.
	for _, m := range env.Group.Messages() {
		if m.From == nil {
			continue
		}
		n := 0
		for _, b := range env.Group.BotMessages() {
			if b.ReplyTo == m.ID {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%q got %d replies", m.Text, n)
		}
	}
}

// The same update delivered twice is applied once.
func TestDuplicateUpdateAppliedOnce(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	stranger := env.Sim.NewUser("Khách", "khach", "vi")
	env.Group.Add(stranger, false)
	stranger.Send(env.Group, "/thamgia Kho bạc")
	env.WaitBot(testbot.Containing("Khách", "xin đại diện"))
	if err := env.Sim.Redeliver(env.Sim.LastUpdateID()); err != nil {
		t.Fatal(err)
	}
	// A later command is answered, so the duplicate has been handled by then.
	env.Say(env.People[0], "/donvi")
	ctx := context.Background()
	n, err := env.Redis.Client(t).HLen(ctx, rkeys.ForChat(env.Group.ID).JoinRequests()).Result()
	if err != nil || n != 1 { // the seven of SetupBloc were approved; only the stranger's is pending
		t.Fatalf("%d join requests after a duplicate update, want 1 (%v)", n, err)
	}
	audits, _ := env.App.Store.RecentAudit(ctx, env.Group.ID, 100)
	reqs := 0
	for _, a := range audits {
		if a.Kind == "member.request" && a.Data["person"] == strconv.FormatInt(stranger.ID, 10) {
			reqs++
		}
	}
	if reqs != 1 {
		t.Fatalf("%d member.request audit entries, want 1", reqs)
	}
}

// A group that becomes a supergroup keeps its bloc under the new chat id.
func TestMigrateToSupergroup(t *testing.T) {
	env := testbot.New(t)
	env.Group = env.Sim.NewGroup("Nhóm thường")
	env.Group.Add(env.Admin, true)
	for _, p := range env.People {
		env.Group.Add(p, false)
	}
	env.SetupBloc()
	newChat := env.Group.Migrate()
	env.Group = newChat
	r := env.Say(env.People[2], "/donvi")
	if !strings.Contains(r.Text, env.Units[6]) || !strings.Contains(r.Text, env.People[6].FirstName) {
		t.Fatalf("/donvi after migration:\n%s", r.Text)
	}
	if r := env.Say(env.Admin, "/lichsu verify"); !strings.Contains(r.Text, "toàn vẹn") {
		t.Fatalf("audit after migration: %q", r.Text)
	}
}
