package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"thiduabot/internal/proctest"
	"thiduabot/internal/redistest"
	"thiduabot/rkeys"
	"thiduabot/telegramsim"
)

// Two replicas in webhook mode behind a "load balancer" (the simulator picks one at random for
// each delivery) receive 20,000 updates, 10% of them delivered twice. Half-way one replica is
// SIGKILLed; the balancer notices a second later and sends everything to the other, until the
// killed one is back. Every update is applied exactly once: each /join makes exactly one join
// request and one audit entry, none is lost and none is doubled.
func TestWebhookReplicasSurviveAKill(t *testing.T) {
	const groups, perGroup, joinsEach = 10, 100, 20 // 10 × 100 × 20 = 20,000 updates
	total := groups * perGroup * joinsEach

	rs := redistest.Start(t)
	rdb := rs.Client(t)
	sim := newSim(t, telegramsim.Options{Seed: 8, WebhookRetryMin: 20 * time.Millisecond, WebhookRetryMax: 300 * time.Millisecond})
	cfg := botConfig(t, "webhook:\n  max_connections: 40\n")
	addrs := []string{freeAddr(t), freeAddr(t)}
	urls := []string{"http://" + addrs[0] + "/telegram", "http://" + addrs[1] + "/telegram"}
	envOf := func(i int) map[string]string {
		// Both register the balancer's URL; here the first replica's stands for it.
		return botEnv(sim, cfg, "REDIS_URL", rs.URL(), "BOT_MODE", "webhook", "WEBHOOK_URL", urls[0],
			"WEBHOOK_LISTEN", addrs[i], "LOG_LEVEL", "warn")
	}
	var ps procs
	replicas := []*proctest.Proc{ps.add(proctest.Start(t, envOf(0))), ps.add(proctest.Start(t, envOf(1)))}
	waitPort(t, addrs[0], 60*time.Second)
	waitPort(t, addrs[1], 60*time.Second)
	if err := sim.WaitFor(60*time.Second, func() bool { return sim.WebhookURL() != "" }); err != nil {
		t.Fatalf("no webhook: %v\n%s", err, ps.out())
	}
	sim.SetWebhookTargets(urls)

	blocs := newBlocs(sim, groups, perGroup)
	for _, b := range blocs {
		b.setup(t, ps.out)
	}
	sim.SetDuplicateRate(0.10)
	start := time.Now()
	for round := range joinsEach {
		for _, b := range blocs {
			for _, u := range b.people {
				u.Send(b.g, "/join "+units[round%len(units)])
			}
		}
	}
	// Kill one replica half-way.
	waitUntil(t, 3*time.Minute, "half of the updates applied", func() bool { return pendingTotal(rdb, blocs) >= int64(total/2) })
	replicas[0].Kill()
	killedAt := pendingTotal(rdb, blocs)
	// The balancer's health check takes the dead replica out a moment later.
	time.Sleep(time.Second) // the balancer's reaction time, part of the scenario
	sim.SetWebhookTargets(urls[1:])
	// It comes back (as a supervisor would restart it) and rejoins the pool.
	replicas[0] = ps.add(proctest.Start(t, envOf(0)))
	waitPort(t, addrs[0], 60*time.Second)
	sim.SetWebhookTargets(urls)

	if err := sim.WaitFor(4*time.Minute, func() bool { return sim.PendingUpdates() == 0 }); err != nil {
		t.Fatalf("updates never acknowledged: %v (applied %d of %d)\n%s", err, pendingTotal(rdb, blocs), total, ps.out())
	}
	elapsed := time.Since(start)

	// Exactly once: per person, joinsEach requests and joinsEach audit entries.
	var applied int
	for _, b := range blocs {
		reqs, audits := requestsOf(t, rdb, b.g.ID)
		for _, u := range b.people {
			id := strconv.FormatInt(u.ID, 10)
			if reqs[id] != joinsEach || audits[id] != joinsEach {
				t.Errorf("%s: %d requests and %d audit entries, want %d each", u.FirstName, reqs[id], audits[id], joinsEach)
			}
			applied += reqs[id]
		}
	}
	if applied != total {
		t.Fatalf("%d updates applied, want %d", applied, total)
	}
	// Every update got its reply; replies repeated (an update whose replica died after
	// replying and before acknowledging) are counted and reported.
	var missing, extra int
	for _, b := range blocs {
		requested, _ := replies(b.g)
		for _, u := range b.people {
			n := requested[u.FirstName]
			if n < joinsEach {
				missing += joinsEach - n
			} else {
				extra += n - joinsEach
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d updates got no reply", missing)
	}
	st := sim.Stats()
	if st.UpdatesDuplicated < total/20 {
		t.Fatalf("only %d duplicates were delivered", st.UpdatesDuplicated)
	}
	if extra > 200 {
		t.Errorf("%d replies were sent twice (a duplicate delivery should be answered once)", extra)
	}
	// The secret was generated once and shared.
	if s, _ := rdb.Get(context.Background(), rkeys.WebhookSecret).Result(); len(s) != 64 {
		t.Errorf("shared webhook secret %q", s)
	}
	// SIGTERM: each replica stops taking deliveries, finishes those in flight and exits cleanly.
	for i, r := range replicas {
		t0 := time.Now()
		if err := r.Stop(30 * time.Second); err != nil {
			t.Errorf("replica %d did not stop cleanly on SIGTERM: %v", i+1, err)
		}
		t.Logf("replica %d stopped in %v", i+1, time.Since(t0).Round(time.Millisecond))
	}
	if out := ps.out(); strings.Contains(out, "panic") || strings.Contains(out, "DATA RACE") {
		t.Fatalf("a replica panicked or raced:\n%s", out)
	}
	t.Logf("%d updates (+%d duplicates, %d webhook failures) through 2 replicas in %v; replica 1 killed at %d applied; applied exactly once; %d replies repeated",
		total, st.UpdatesDuplicated, st.WebhookFailures, elapsed.Round(time.Millisecond), killedAt, extra)
}
