// Package e2e holds the process tests of issue 8: the bot built as a binary and run as real
// processes (internal/proctest), with real redis-server processes (standalone, AOF, Cluster,
// Sentinel) and the Telegram simulator, all on loopback. Each test kills or fails something
// in the middle of a stream of state changes and checks that nothing acknowledged is lost and
// nothing is counted twice.
package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/internal/proctest"
	"thiduabot/internal/redistest"
	"thiduabot/rkeys"
	"thiduabot/telegramsim"
)

// Texts the bot shows (Vietnamese, the default).
const (
	textRequested   = "xin đại diện"   // join.requested: "🙋 <name> xin đại diện cho <unit>."
	textUnavailable = "tạm thời không" // err.unavailable
	textInternal    = "Đã có lỗi"      // err.internal
)

var units = []string{"Cục Thuế", "Kho bạc", "Hải quan"}

// newSim starts a simulator that the test closes.
func newSim(t *testing.T, o telegramsim.Options) *telegramsim.Sim {
	t.Helper()
	if o.Token == "" {
		o.Token = "7000003:e2e-secret-token"
	}
	o.BotUsername = "ThiDuaBot"
	sim := telegramsim.New(o)
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	return sim
}

// botConfig writes a config file: Telegram's send limits lifted (these tests are about
// applying updates, not pacing replies), and extra YAML appended.
func botConfig(t *testing.T, extra string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	y := "limits:\n  group_per_minute: 1000000\n  global_per_second: 1000000\n  private_interval: 1ms\n  actions_per_minute: 0\n" + extra
	if err := os.WriteFile(p, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// botEnv is the environment of a bot process talking to sim.
func botEnv(sim *telegramsim.Sim, cfgPath string, kv ...string) map[string]string {
	env := map[string]string{
		"TELEGRAM_BOT_TOKEN": sim.Token(), "TELEGRAM_API_URL": sim.URL(), "THIDUABOT_CONFIG": cfgPath,
		"LOG_LEVEL": "info",
	}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	return env
}

func freeAddr(t *testing.T) string {
	t.Helper()
	return "127.0.0.1:" + strconv.Itoa(redistest.FreePort(t))
}

// waitUntil polls cond (a condition on Redis or a process, not on the simulator) until it
// holds or the deadline passes.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition
	}
}

// waitPort waits until something accepts connections on addr.
func waitPort(t *testing.T, addr string, d time.Duration) {
	t.Helper()
	waitUntil(t, d, "a listener on "+addr, func() bool {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			_ = c.Close()
		}
		return err == nil
	})
}

// bloc is a group set up as a bloc with units, and people who will ask to join.
type bloc struct {
	g      *telegramsim.Chat
	admin  *telegramsim.User
	people []*telegramsim.User
}

// newBlocs creates n groups with an admin and perGroup people each (not yet set up).
func newBlocs(sim *telegramsim.Sim, n, perGroup int) []*bloc {
	var out []*bloc
	for i := range n {
		b := &bloc{g: sim.NewSupergroup(fmt.Sprintf("Khối %d", i+1)), admin: sim.NewUser(fmt.Sprintf("Admin %d", i+1), "", "vi")}
		b.g.Add(b.admin, true)
		for j := range perGroup {
			u := sim.NewUser(fmt.Sprintf("Người %d-%d", i+1, j+1), "", "vi")
			b.g.Add(u, false)
			b.people = append(b.people, u)
		}
		out = append(out, b)
	}
	return out
}

// setup has the admin set the group up and add the units, through the running bot.
func (b *bloc) setup(t *testing.T, out func() string) {
	t.Helper()
	for _, text := range []string{"/setup " + b.g.Title, "/addunit " + strings.Join(units, "\n")} {
		m := b.admin.Send(b.g, text)
		if _, err := b.g.WaitBotMessage(60*time.Second, func(x telegramsim.Message) bool { return x.ReplyTo == m.ID }); err != nil {
			t.Fatalf("%s: no reply: %v\n%s", text, err, out())
		}
	}
}

// requestsOf counts, in one chat, the pending join requests per person and the audit log's
// member.request entries per person.
func requestsOf(t *testing.T, rdb redis.UniversalClient, chatID int64) (reqs, audits map[string]int) {
	t.Helper()
	ctx := context.Background()
	ck := rkeys.ForChat(chatID)
	m, err := rdb.HGetAll(ctx, ck.JoinRequests()).Result()
	if err != nil {
		t.Fatalf("join requests: %v", err)
	}
	reqs = map[string]int{}
	for _, v := range m {
		reqs[strings.SplitN(v, "|", 2)[0]]++
	}
	lines, err := rdb.LRange(ctx, ck.Audit(), 0, -1).Result()
	if err != nil {
		t.Fatalf("audit: %v", err)
	}
	audits = map[string]int{}
	for _, l := range lines {
		if !strings.Contains(l, " member.request ") { // "<hash> <ms> <kind> <actor> <data>"
			continue
		}
		i := strings.Index(l, `"person":"`)
		j := strings.Index(l[i+10:], `"`)
		audits[l[i+10:i+10+j]]++
	}
	return reqs, audits
}

// pendingTotal is the number of join requests over several chats.
func pendingTotal(rdb redis.UniversalClient, blocs []*bloc) int64 {
	var n int64
	for _, b := range blocs {
		c, _ := rdb.HLen(context.Background(), rkeys.ForChat(b.g.ID).JoinRequests()).Result()
		n += c
	}
	return n
}

// outputs joins the output of several processes for a failure message.
func outputs(ps ...*proctest.Proc) func() string {
	return func() string {
		var b strings.Builder
		for i, p := range ps {
			if p == nil {
				continue
			}
			out := p.Output()
			if len(out) > 8000 {
				out = "…" + out[len(out)-8000:]
			}
			fmt.Fprintf(&b, "--- process %d ---\n%s\n", i+1, out)
		}
		return b.String()
	}
}

// replies sorts the bot's messages in a chat: join.requested by person name, and the
// messages that answer each message id.
func replies(g *telegramsim.Chat) (requested map[string]int, answers map[int][]string) {
	requested, answers = map[string]int{}, map[int][]string{}
	for _, m := range g.BotMessages() {
		if i := strings.Index(m.Text, " "+textRequested); i > 0 {
			name := strings.TrimSpace(strings.TrimPrefix(m.Text[:i], "🙋"))
			requested[name]++
		}
		if m.ReplyTo != 0 {
			answers[m.ReplyTo] = append(answers[m.ReplyTo], m.Text)
		}
	}
	return requested, answers
}

// procs is a set of bot processes a test may kill and restart.
type procs struct {
	mu sync.Mutex
	ps []*proctest.Proc
}

func (p *procs) add(x *proctest.Proc) *proctest.Proc {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ps = append(p.ps, x)
	return x
}

func (p *procs) out() string {
	p.mu.Lock()
	ps := append([]*proctest.Proc(nil), p.ps...)
	p.mu.Unlock()
	return outputs(ps...)()
}
