package proctest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"thiduabot/internal/proctest"
	"thiduabot/internal/redistest"
	"thiduabot/rkeys"
	"thiduabot/telegramsim"
)

// The bot is SIGKILLed in the middle of a stream of updates and started again: every update
// is applied exactly once, and every one gets its reply.
func TestKillMidStreamAppliesEachUpdateOnce(t *testing.T) {
	rs := redistest.Start(t)
	rdb := rs.Client(t)
	sim := telegramsim.New(telegramsim.Options{Token: "7000002:kill-test-token", BotUsername: "ThiDuaBot"})
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	// Telegram's per-group limit (20 a minute) would make 400 replies take 20 minutes; this test
	// is about applying updates, so the bot is configured with high limits.
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfgPath, []byte("bot:\n  poller_lease: 3s\nlimits:\n  group_per_minute: 1000000\n  global_per_second: 1000000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"TELEGRAM_BOT_TOKEN": sim.Token(), "TELEGRAM_API_URL": sim.URL(), "REDIS_URL": rs.URL(),
		"HTTP_LISTEN": "127.0.0.1:0", "LOG_LEVEL": "warn", "THIDUABOT_CONFIG": cfgPath,
	}
	g := sim.NewSupergroup("Khối")
	admin := sim.NewUser("Admin", "admin", "vi")
	g.Add(admin, true)

	bot := proctest.Start(t, env)
	wait := func(m telegramsim.Message) telegramsim.Message {
		t.Helper()
		r, err := g.WaitBotMessage(60*time.Second, func(x telegramsim.Message) bool { return x.ReplyTo == m.ID })
		if err != nil {
			t.Fatalf("no reply to %q: %v\n%s", m.Text, err, bot.Output())
		}
		return r
	}
	wait(admin.Send(g, "/setup Khối thử"))
	wait(admin.Send(g, "/addunit Cục Thuế\nKho bạc"))

	const n = 400
	users := make([]*telegramsim.User, n)
	for i := range users {
		users[i] = sim.NewUser(fmt.Sprintf("Người %d", i), "", "vi")
		g.Add(users[i], false)
	}
	for i, u := range users {
		u.Send(g, "/join "+[]string{"Cục Thuế", "Kho bạc"}[i%2])
	}
	ctx := context.Background()
	reqKey := rkeys.ForChat(g.ID).JoinRequests()
	// Kill the bot while it is part-way through the stream.
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, _ := rdb.HLen(ctx, reqKey).Result()
		if c >= n/4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d requests applied before the kill\n%s", c, bot.Output())
		}
		time.Sleep(5 * time.Millisecond) // polling a condition
	}
	bot.Kill()
	applied, _ := rdb.HLen(ctx, reqKey).Result()
	if applied >= n {
		t.Fatalf("the bot finished (%d) before it was killed; the test proves nothing", applied)
	}
	bot = proctest.Start(t, env)
	if err := sim.WaitFor(120*time.Second, func() bool { return sim.Stats().UpdatesPending == 0 }); err != nil {
		t.Fatalf("updates left unconfirmed: %v\n%s", err, bot.Output())
	}
	// Every user's request is there once, and the audit log has one request entry per user.
	c, _ := rdb.HLen(ctx, reqKey).Result()
	if c != n {
		t.Fatalf("%d join requests, want %d", c, n)
	}
	lines, _ := rdb.LRange(ctx, rkeys.ForChat(g.ID).Audit(), 0, -1).Result()
	perUser := map[string]int{}
	for _, l := range lines {
		if strings.Contains(l, " member.request ") { // "<hash> <ms> <kind> <actor> <data>"
			i := strings.Index(l, `"person":"`)
			j := strings.Index(l[i+10:], `"`)
			perUser[l[i+10:i+10+j]]++
		}
	}
	if len(perUser) != n {
		t.Fatalf("%d users in the audit log, want %d", len(perUser), n)
	}
	for id, k := range perUser {
		if k != 1 {
			t.Fatalf("user %s has %d request entries", id, k)
		}
	}
	// Every request got its reply (at least once: a reply sent just before the kill may be
	// sent again for the redelivered update; the state is what must not double).
	if err := sim.WaitFor(60*time.Second, func() bool {
		got := map[string]bool{}
		for _, m := range g.BotMessages() {
			if strings.Contains(m.Text, "xin đại diện") {
				got[strings.SplitN(m.Text, " xin", 2)[0]] = true
			}
		}
		return len(got) == n
	}); err != nil {
		t.Fatalf("some requests got no reply: %v", err)
	}
	t.Logf("killed after %d of %d updates applied; all %d applied exactly once", applied, n, n)
}
