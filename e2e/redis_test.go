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

// Redis with AOF (everysec) is SIGKILLed in the middle of a stream of join requests and kept
// down for longer than the bot retries (10 s), then restarted. Nothing the bot acknowledged is
// lost, nothing is applied twice, people whose request could not be saved are told to try
// again (never silence), and the bot reconnects by itself.
//
// In polling mode the poller retries an update for 10 s, then tells the person; in webhook
// mode the bot answers 503 and the simulator redelivers, until the update has failed for 10 s.
func TestRedisKilledAndRestarted(t *testing.T) {
	t.Run("polling", func(t *testing.T) { redisKilled(t, false) })
	t.Run("webhook", func(t *testing.T) { redisKilled(t, true) })
}

func redisKilled(t *testing.T, webhook bool) {
	const groups, perWave = 8, 10 // three waves of 80 people, each sending one /join
	rs := redistest.Start(t, "--appendonly", "yes", "--appendfsync", "everysec")
	rdb := rs.Client(t)
	sim := newSim(t, telegramsim.Options{WebhookRetryMin: 50 * time.Millisecond, WebhookRetryMax: 500 * time.Millisecond})
	cfg := botConfig(t, "bot:\n  poller_lease: 3s\ntelegram:\n  poll_timeout: 2s\n")
	env := botEnv(sim, cfg, "REDIS_URL", rs.URL())
	if webhook {
		listen := freeAddr(t)
		env["BOT_MODE"], env["WEBHOOK_LISTEN"], env["WEBHOOK_URL"] = "webhook", listen, "http://"+listen+"/telegram"
	}
	var ps procs
	ps.add(proctest.Start(t, env))
	if webhook {
		if err := sim.WaitFor(60*time.Second, func() bool { return sim.WebhookURL() != "" }); err != nil {
			t.Fatalf("no webhook: %v\n%s", err, ps.out())
		}
	}
	blocs := newBlocs(sim, groups, 3*perWave)
	for _, b := range blocs {
		b.setup(t, ps.out)
	}
	sent := map[*telegramsim.User]telegramsim.Message{}
	wave := func(w int) {
		for _, b := range blocs {
			for _, u := range b.people[w*perWave : (w+1)*perWave] {
				sent[u] = u.Send(b.g, "/join "+units[w%len(units)])
			}
		}
	}
	answered := func(b *bloc, u *telegramsim.User, requested map[string]int, answers map[int][]string) (ack, tryAgain bool) {
		for _, a := range answers[sent[u].ID] {
			if strings.Contains(a, textUnavailable) {
				tryAgain = true
			}
		}
		return requested[u.FirstName] > 0, tryAgain
	}
	allAnswered := func(w int) func() bool {
		return func() bool {
			for _, b := range blocs {
				requested, answers := replies(b.g)
				for _, u := range b.people[:(w+1)*perWave] {
					if ack, again := answered(b, u, requested, answers); !ack && !again {
						return false
					}
				}
			}
			return true
		}
	}

	wave(0)
	waitUntil(t, time.Minute, "half of the first wave applied", func() bool { return pendingTotal(rdb, blocs) >= groups*perWave/2 })
	rs.Kill()
	wave(1)
	// Well over the bot's 10 s of retries: some people must hear "try again".
	time.Sleep(15 * time.Second) // the outage's length is the scenario
	rs.Restart(t)
	wave(2)
	if err := sim.WaitFor(2*time.Minute, allAnswered(2)); err != nil {
		t.Fatalf("someone got no answer: %v\n%s", err, ps.out())
	}

	var acked, told, applied int
	for _, b := range blocs {
		reqs, audits := requestsOf(t, rdb, b.g.ID)
		requested, answers := replies(b.g)
		for i, u := range b.people {
			id := strconv.FormatInt(u.ID, 10)
			ack, again := answered(b, u, requested, answers)
			if ack {
				acked++
				if reqs[id] != 1 {
					t.Errorf("%s was told the request was sent, but Redis has %d", u.FirstName, reqs[id])
				}
			}
			if again {
				told++
			}
			if reqs[id] > 1 || audits[id] != reqs[id] {
				t.Errorf("%s: %d requests, %d audit entries", u.FirstName, reqs[id], audits[id])
			}
			if i >= 2*perWave && !ack {
				t.Errorf("%s (after the restart) was not served: the bot did not reconnect", u.FirstName)
			}
			applied += reqs[id]
		}
	}
	if told == 0 {
		t.Fatalf("nobody was told to try again during a 15s outage")
	}
	t.Logf("%d people; %d acknowledged (all in Redis after the restart), %d told to try again; %d applied, none twice",
		groups*3*perWave, acked, told, applied)
}
