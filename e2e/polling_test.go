package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"thiduabot/internal/proctest"
	"thiduabot/internal/redistest"
	"thiduabot/telegramsim"
)

const leaseLine = "poller lease acquired"

// Two replicas in polling mode: one holds the lease and polls, the other waits. The poller is
// SIGKILLed in the middle of a stream; the other takes over within the lease time, and every
// update is applied exactly once. No getUpdates ever meets another (Telegram's 409 Conflict).
func TestPollingReplicasTakeOver(t *testing.T) {
	const groups, perGroup, joinsEach = 4, 50, 10 // 2,000 updates
	total := groups * perGroup * joinsEach
	const lease = 3 * time.Second

	rs := redistest.Start(t)
	rdb := rs.Client(t)
	sim := newSim(t, telegramsim.Options{})
	cfg := botConfig(t, "bot:\n  poller_lease: 3s\ntelegram:\n  poll_timeout: 2s\n")
	env := botEnv(sim, cfg, "REDIS_URL", rs.URL())
	var ps procs
	a := ps.add(proctest.Start(t, env))
	b := ps.add(proctest.Start(t, env))
	waitUntil(t, 60*time.Second, "a poller", func() bool {
		return strings.Contains(a.Output(), leaseLine) || strings.Contains(b.Output(), leaseLine)
	})
	poller, standby := a, b
	if strings.Contains(b.Output(), leaseLine) {
		poller, standby = b, a
	}
	blocs := newBlocs(sim, groups, perGroup)
	for _, bl := range blocs {
		bl.setup(t, ps.out)
	}
	if strings.Contains(standby.Output(), leaseLine) {
		t.Fatalf("both replicas hold the lease:\n%s", ps.out())
	}
	for round := range joinsEach {
		for _, bl := range blocs {
			for _, u := range bl.people {
				u.Send(bl.g, "/join "+units[round%len(units)])
			}
		}
	}
	waitUntil(t, 2*time.Minute, "a third of the updates applied", func() bool { return pendingTotal(rdb, blocs) >= int64(total/3) })
	poller.Kill()
	killed := time.Now()
	killedAt := pendingTotal(rdb, blocs)
	waitUntil(t, 2*lease+5*time.Second, "the standby taking the lease", func() bool { return strings.Contains(standby.Output(), leaseLine) })
	takeover := time.Since(killed)
	// The lease runs out within its time; the standby tries every quarter of it.
	if takeover > lease+lease/4+time.Second {
		t.Errorf("takeover took %v, lease is %v", takeover, lease)
	}
	if err := sim.WaitFor(3*time.Minute, func() bool { return sim.PendingUpdates() == 0 }); err != nil {
		t.Fatalf("updates left: %v\n%s", err, ps.out())
	}
	waitUntil(t, time.Minute, "every update applied", func() bool { return pendingTotal(rdb, blocs) >= int64(total) })

	var applied int
	for _, bl := range blocs {
		reqs, audits := requestsOf(t, rdb, bl.g.ID)
		for _, u := range bl.people {
			id := strconv.FormatInt(u.ID, 10)
			if reqs[id] != joinsEach || audits[id] != joinsEach {
				t.Errorf("%s: %d requests, %d audit entries, want %d", u.FirstName, reqs[id], audits[id], joinsEach)
			}
			applied += reqs[id]
		}
	}
	if applied != total {
		t.Fatalf("%d applied, want %d", applied, total)
	}
	for _, c := range sim.Calls("getUpdates") {
		if c.ErrorCode == 409 {
			t.Fatalf("two replicas polled at once: %s", c.Error)
		}
	}
	var missing int
	for _, bl := range blocs {
		requested, _ := replies(bl.g)
		for _, u := range bl.people {
			missing += max(0, joinsEach-requested[u.FirstName])
		}
	}
	if missing > 0 {
		t.Fatalf("%d updates got no reply", missing)
	}
	t.Logf("%d updates; poller killed at %d applied; standby polled %v later (lease %v); applied exactly once",
		total, killedAt, takeover.Round(time.Millisecond), lease)
}
