package e2e

import (
	"strings"
	"testing"
	"time"

	"thiduabot/internal/proctest"
	"thiduabot/internal/redistest"
	"thiduabot/telegramsim"
)

// Telegram is down for 30 seconds of wall time — 15 s of 500s, then 15 s of requests that hang
// until the bot gives up — while people keep writing and a poll's closing timer fires. Once it
// is back, every reply and the timer's result are delivered, each exactly once. Nothing is
// scaled: the outage, the bot's backoff and the timer run on the real clock.
func TestTelegramOutage(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	sim := newSim(t, telegramsim.Options{Token: "7000004:outage-token"})
	cfg := botConfig(t, "telegram:\n  poll_timeout: 2s\n  request_timeout: 3s\n")
	var ps procs
	ps.add(proctest.Start(t, botEnv(sim, cfg, "REDIS_URL", rs.URL())))
	b := newBlocs(sim, 1, 20)[0]
	b.setup(t, ps.out)
	start := time.Now()
	// A poll that closes itself in a minute: its result is posted by a durable timer.
	pm := b.admin.Send(b.g, "/thamdo 1p Họp vào ngày nào? | Thứ Hai | Thứ Ba")
	poll, err := b.g.WaitBotMessage(30*time.Second, func(x telegramsim.Message) bool { return x.ReplyTo == pm.ID || (x.ID > pm.ID && len(x.Buttons) > 0) })
	if err != nil {
		t.Fatalf("no poll: %v\n%s", err, ps.out())
	}
	for _, u := range b.people[:10] {
		u.Send(b.g, "/join "+units[0])
	}
	if err := sim.WaitFor(30*time.Second, func() bool { r, _ := replies(b.g); return len(r) == 10 }); err != nil {
		t.Fatalf("before the outage: %v", err)
	}
	// The outage covers the poll's deadline (a minute after it opened).
	time.Sleep(time.Until(start.Add(35 * time.Second))) // wall time is the scenario here
	sim.SetOutage(telegramsim.Fault5xx, true)
	for _, u := range b.people[10:] {
		u.Send(b.g, "/join "+units[1])
	}
	time.Sleep(15 * time.Second)
	sim.SetOutage(telegramsim.FaultTimeout, true)
	time.Sleep(15 * time.Second)
	sim.SetOutage(telegramsim.FaultNone, false)
	ended := time.Now()
	if ended.Before(start.Add(60 * time.Second)) {
		t.Fatalf("the outage ended before the poll's deadline")
	}

	pollResults := func() int {
		n := 0
		for _, m := range b.g.BotMessages() {
			if m.ReplyTo == poll.ID {
				n++
			}
		}
		return n
	}
	if err := sim.WaitFor(90*time.Second, func() bool { r, _ := replies(b.g); return len(r) == 20 && pollResults() >= 1 }); err != nil {
		r, _ := replies(b.g)
		t.Fatalf("after the outage: %d of 20 replies, %d poll results: %v\n%s", len(r), pollResults(), err, ps.out())
	}
	recovered := time.Since(ended)
	// Give a duplicate the chance to show up: wait until the bot's queue is empty and
	// nothing is pending in the simulator.
	if err := sim.WaitFor(30*time.Second, func() bool { return sim.PendingUpdates() == 0 }); err != nil {
		t.Fatal(err)
	}
	requested, _ := replies(b.g)
	for _, u := range b.people {
		if requested[u.FirstName] != 1 {
			t.Errorf("%s: %d replies, want exactly 1", u.FirstName, requested[u.FirstName])
		}
	}
	if n := pollResults(); n != 1 {
		t.Errorf("the poll's result was posted %d times", n)
	}
	// It was due during the outage, so it can only have gone out after it.
	for _, m := range b.g.BotMessages() {
		if m.ReplyTo == poll.ID && m.Date.Before(ended.Truncate(time.Second)) {
			t.Errorf("the poll's result is dated %v, before the outage ended (%v)", m.Date, ended)
		}
	}
	st := sim.Stats()
	if st.FaultsInjected == 0 {
		t.Fatal("no request met the outage")
	}
	if strings.Contains(ps.out(), "panic") {
		t.Fatalf("panic:\n%s", ps.out())
	}
	t.Logf("30 s outage (%d requests failed); 10 replies and the poll's timer result delivered %v after it ended, each once",
		st.FaultsInjected, recovered.Round(time.Millisecond))
}
