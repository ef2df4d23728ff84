package e2e

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/internal/proctest"
	"thiduabot/internal/redistest"
	"thiduabot/rkeys"
	"thiduabot/telegramsim"
)

// startCluster starts three redis-server processes with cluster mode on and joins them into a
// cluster of three masters (no replicas) with redis-cli --cluster create.
func startCluster(t *testing.T) []string {
	t.Helper()
	var addrs []string
	for range 3 {
		s := redistest.Start(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "5000")
		addrs = append(addrs, s.Addr)
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	ctx := context.Background()
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		waitUntil(t, 30*time.Second, "cluster_state:ok on "+a, func() bool {
			info, _ := c.ClusterInfo(ctx).Result()
			return strings.Contains(info, "cluster_state:ok")
		})
		_ = c.Close()
	}
	return addrs
}

// A real Redis Cluster of three masters: the bot (webhook mode, so the shared secret, the
// update claims and the rate counts are exercised too) runs a bloc's scenarios — setup,
// units, joining with approval, every command of its menu, /forget_me, the audit chain —
// without a CROSSSLOT error or any other failure.
func TestRedisCluster(t *testing.T) {
	t.Parallel()
	addrs := startCluster(t)
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { _ = cc.Close() })
	sim := newSim(t, telegramsim.Options{})
	cfg := botConfig(t, "")
	listen := freeAddr(t)
	var ps procs
	bot := ps.add(proctest.Start(t, botEnv(sim, cfg, "REDIS_CLUSTER_ADDRS", strings.Join(addrs, ","), "BOT_MODE", "webhook",
		"WEBHOOK_URL", "http://"+listen+"/telegram", "WEBHOOK_LISTEN", listen)))
	if err := sim.WaitFor(60*time.Second, func() bool { return sim.WebhookURL() != "" }); err != nil {
		t.Fatalf("no webhook: %v\n%s", err, ps.out())
	}
	waitPort(t, listen, 30*time.Second)

	b := newBlocs(sim, 1, 3)[0]
	g := b.g
	b.setup(t, ps.out)
	say := func(u *telegramsim.User, text string) telegramsim.Message {
		t.Helper()
		m := u.Send(g, text)
		r, err := g.WaitBotMessage(20*time.Second, func(x telegramsim.Message) bool { return x.ID > m.ID && (x.ReplyTo == m.ID || x.ReplyTo == 0) })
		if err != nil {
			t.Fatalf("%q: no answer: %v\n%s", text, err, ps.out())
		}
		if strings.Contains(r.Text, textInternal) {
			t.Fatalf("%q: %q\n%s", text, r.Text, ps.out())
		}
		return r
	}
	for i, u := range b.people {
		req := say(u, "/join "+units[i])
		if _, ok := req.Button("✅ Đồng ý"); !ok {
			t.Fatalf("join request without an approve button: %q", req.Text)
		}
		if _, err := b.admin.Press(g, req, "✅ Đồng ý").Answer(20 * time.Second); err != nil {
			t.Fatalf("approve: %v", err)
		}
		if _, err := g.WaitBotMessage(20*time.Second, func(x telegramsim.Message) bool { return x.ID == req.ID && len(x.Buttons) == 0 }); err != nil {
			t.Fatalf("approval not shown: %v", err)
		}
	}
	if r := say(b.admin, "/donvi"); !strings.Contains(r.Text, b.people[2].FirstName) {
		t.Fatalf("/donvi: %q", r.Text)
	}
	// Every command of the group menu, as typed bare by a manager and by a member.
	menu := sim.Commands(telegramsim.CommandScope{Type: "all_group_chats"}, "vi")
	if len(menu) < 10 {
		t.Fatalf("group menu has %d commands", len(menu))
	}
	var silent []string
	for _, who := range []*telegramsim.User{b.admin, b.people[0]} {
		for _, c := range menu {
			if c.Command == "xoadulieu" {
				continue
			}
			m := who.Send(g, "/"+c.Command)
			r, err := g.WaitBotMessage(10*time.Second, func(x telegramsim.Message) bool { return x.ID > m.ID })
			if err != nil {
				silent = append(silent, c.Command)
				continue
			}
			if strings.Contains(r.Text, textInternal) {
				t.Errorf("/%s by %s: %q", c.Command, who.FirstName, r.Text)
			}
		}
	}
	ask := say(b.people[1], "/xoadulieu")
	if _, err := b.people[1].Press(g, ask, "🗑 Xoá dữ liệu của tôi").Answer(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := g.WaitBotMessage(20*time.Second, func(x telegramsim.Message) bool {
		return x.ID == ask.ID && strings.Contains(x.Text, "Đã xoá dữ liệu")
	}); err != nil {
		t.Fatalf("forget: %v", err)
	}
	if v := say(b.admin, "/lichsu kiemtra"); strings.Contains(v.Text, "⚠") {
		t.Fatalf("audit chain: %q", v.Text)
	}
	out := ps.out()
	for _, bad := range []string{"CROSSSLOT", "non local key", "MOVED", "panic", "DATA RACE"} {
		if strings.Contains(out, bad) {
			t.Fatalf("bot log shows %s:\n%s", bad, out)
		}
	}
	// The chat's keys are spread over one slot: all on one node.
	ctx := context.Background()
	slot, _ := cc.ClusterKeySlot(ctx, rkeys.ForChat(g.ID).Bloc()).Result()
	if n, _ := cc.ClusterCountKeysInSlot(ctx, int(slot)).Result(); n < 5 {
		t.Fatalf("only %d keys in the chat's slot", n)
	}
	t0 := time.Now()
	if err := bot.Stop(30 * time.Second); err != nil {
		t.Errorf("SIGTERM: %v", err)
	}
	t.Logf("stopped in %v", time.Since(t0))
	if len(silent) > 0 {
		t.Logf("commands that answered nothing when typed bare (not a cluster matter): %v", silent)
	}
	t.Logf("cluster of %d masters: %d menu commands by a manager and a member, joins, /forget_me, audit verified; no CROSSSLOT", len(addrs), len(menu))
}
