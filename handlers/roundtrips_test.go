package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"thiduabot/bot"
	"thiduabot/config"
	"thiduabot/internal/testbot"
)

// updateTrips counts, per update, the Redis round trips made while handling it (a command, or
// a pipeline of any length): the rest (redrawing group messages from the store, the per-person
// counter's flushes, timers) is deferred work, not counted.
type updateTrips struct {
	mu    sync.Mutex
	n     map[int64]int
	names map[int64][]string
}

func (h *updateTrips) add(ctx context.Context, name string) {
	id, ok := bot.HandlingUpdate(ctx)
	if !ok {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n == nil {
		h.n, h.names = map[int64]int{}, map[int64][]string{}
	}
	h.n[id]++
	h.names[id] = append(h.names[id], name)
}

func (h *updateTrips) of(id int64) (int, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n[id], h.names[id]
}

func (h *updateTrips) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *updateTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.add(ctx, cmd.Name())
		return next(ctx, cmd)
	}
}
func (h *updateTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.add(ctx, fmt.Sprint("pipeline of ", len(cmds)))
		return next(ctx, cmds)
	}
}

// A ballot vote, a pledge signature, a report typed in the group and a poll press each take one
// Redis round trip while the update is handled, with the per-person action limit on: the dedupe
// by update id, the checks, the change, the audit entry and what the answer shows are one
// script. (The first of each also loads its script, and the first report of a bloc learns the
// bloc's time zone and units: those are done first, unmeasured.)
func TestOneRoundTripPerStateChange(t *testing.T) {
	env := testbot.New(t, testbot.WithConfig(func(c *config.Config) { c.Limits.ActionsPerMinute = 1000 }))
	env.SetupBloc()
	h := &updateTrips{}
	env.App.Redis.AddHook(h)
	measure := func(what string, act func()) {
		t.Helper()
		act() // the script's first run (NOSCRIPT, then EVAL)
		act()
		id := env.Sim.LastUpdateID()
		// The group's next update is handled after this one: its reply means this one's
		// handler has finished (it may go on after answering the press).
		env.Say(env.Admin, "/trogiup")
		if n, names := h.of(id); n != 1 {
			t.Errorf("%s took %d round trips, want 1: %q", what, n, names)
		}
	}
	ballot := env.Say(env.Admin, "/baucu truong")
	k := 0
	measure("a vote", func() {
		k++
		if a := env.Press(env.People[k], ballot, unitButton(t, ballot, env.Units[0])); !strings.Contains(a, env.Units[0]) {
			t.Fatalf("vote answer: %q", a)
		}
	})

	pd := env.Data.Pledge
	pledge := env.Say(env.Admin, pledgeCommand("/giaouoc new", pd.Title, pd.Commitments))
	k = 0
	measure("a signature", func() {
		k++
		if a := env.Press(env.People[k], pledge, signVI); a == "" {
			t.Fatal("no answer to the signature")
		}
	})

	k = 0
	measure("a report", func() {
		k++
		r := env.Say(env.People[k], "/baocao Tổ chức hội thi nghiệp vụ lần "+strings.Repeat("I", k)+" #hoi_thi")
		if !strings.Contains(r.Text, "Hội thi") {
			t.Fatalf("report reply: %q", r.Text)
		}
	})

	poll := env.Say(env.People[0], "/thamdo Họp ngày nào? | Thứ Ba | Thứ Năm")
	k = 0
	measure("a poll press", func() {
		k++
		if a := env.Press(env.People[k], poll, "Thứ Ba"); a == "" {
			t.Fatal("no answer to the poll press")
		}
	})
}
