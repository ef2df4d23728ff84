package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/internal/proctest"
	"thiduabot/internal/redistest"
	"thiduabot/telegramsim"
)

const masterName = "thiduabot"

// startSentinel runs `redis-server sentinel.conf --sentinel` watching the master at addr.
func startSentinel(t *testing.T, master string) string {
	t.Helper()
	host, mport, _ := strings.Cut(master, ":")
	// Through redistest: a port taken before the sentinel binds it starts it again on another,
	// and the sentinel answering is checked to be this one.
	srv := redistest.StartWith(t, func(port int, dir string) []string {
		conf := fmt.Sprintf(`port %d
bind 127.0.0.1
dir %s
logfile %s
sentinel monitor %s %s %s 2
sentinel down-after-milliseconds %s 1000
sentinel failover-timeout %s 10000
sentinel parallel-syncs %s 1
`, port, dir, filepath.Join(dir, "redis.log"), masterName, host, mport, masterName, masterName, masterName)
		path := filepath.Join(dir, "sentinel.conf")
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		return []string{path, "--sentinel"}
	})
	return srv.Addr
}

func sentinelMaster(ctx context.Context, addr string) string {
	c := redis.NewSentinelClient(&redis.Options{Addr: addr})
	defer c.Close()
	v, err := c.GetMasterAddrByName(ctx, masterName).Result()
	if err != nil || len(v) != 2 {
		return ""
	}
	return v[0] + ":" + v[1]
}

// A Sentinel setup (a master, a replica, three sentinels) with redis.wait_replicas 1. During a
// stream of join requests, first a manual failover (SENTINEL FAILOVER), then a crash: the new
// master is SIGKILLed, the sentinels promote the other node, and the killed one comes back as
// its replica. Every request the bot acknowledged is on the final master; none is doubled;
// everyone gets an answer.
func TestSentinelFailovers(t *testing.T) {
	const groups, perWave = 6, 20
	m := redistest.Start(t, "--appendonly", "yes", "--appendfsync", "everysec")
	_, mport, _ := strings.Cut(m.Addr, ":")
	r := redistest.Start(t, "--appendonly", "yes", "--appendfsync", "everysec", "--replicaof", "127.0.0.1", mport)
	ctx := context.Background()
	rc := redis.NewClient(&redis.Options{Addr: r.Addr})
	t.Cleanup(func() { _ = rc.Close() })
	waitUntil(t, 20*time.Second, "the replica linked", func() bool {
		info, _ := rc.Info(ctx, "replication").Result()
		return strings.Contains(info, "master_link_status:up")
	})
	var sentinels []string
	for range 3 {
		sentinels = append(sentinels, startSentinel(t, m.Addr))
	}
	// Failovers need every sentinel to know the replica and the two other sentinels.
	waitUntil(t, 30*time.Second, "sentinels to discover each other and the replica", func() bool {
		for _, s := range sentinels {
			c := redis.NewSentinelClient(&redis.Options{Addr: s})
			mi, _ := c.Master(ctx, masterName).Result()
			reps, _ := c.Replicas(ctx, masterName).Result()
			_ = c.Close()
			if mi["num-other-sentinels"] != "2" || len(reps) != 1 {
				return false
			}
		}
		return true
	})

	sim := newSim(t, telegramsim.Options{})
	cfg := botConfig(t, "bot:\n  poller_lease: 3s\ntelegram:\n  poll_timeout: 2s\nredis:\n  wait_timeout: 500ms\n")
	var ps procs
	ps.add(proctest.Start(t, botEnv(sim, cfg, "REDIS_SENTINEL_MASTER", masterName,
		"REDIS_SENTINEL_ADDRS", strings.Join(sentinels, ","), "REDIS_WAIT_REPLICAS", "1")))
	blocs := newBlocs(sim, groups, 2*perWave)
	for _, b := range blocs {
		b.setup(t, ps.out)
	}
	master := func() redis.UniversalClient {
		return redis.NewClient(&redis.Options{Addr: sentinelMaster(ctx, sentinels[0])})
	}
	applied := func() int64 {
		c := master()
		defer c.Close()
		return pendingTotal(c, blocs)
	}
	sent := map[*telegramsim.User]telegramsim.Message{}
	wave := func(w int) {
		for _, b := range blocs {
			for _, u := range b.people[w*perWave : (w+1)*perWave] {
				sent[u] = u.Send(b.g, "/join "+units[w%len(units)])
			}
		}
	}

	// 1. A manual failover in the middle of the first wave.
	wave(0)
	waitUntil(t, time.Minute, "a third of wave 1 applied", func() bool { return applied() >= groups*perWave/3 })
	sc := redis.NewSentinelClient(&redis.Options{Addr: sentinels[0]})
	t.Cleanup(func() { _ = sc.Close() })
	if err := sc.Failover(ctx, masterName).Err(); err != nil {
		t.Fatalf("SENTINEL FAILOVER: %v", err)
	}
	waitUntil(t, 30*time.Second, "the replica promoted", func() bool { return sentinelMaster(ctx, sentinels[0]) == r.Addr })
	waitUntil(t, 2*time.Minute, "wave 1 applied", func() bool { return applied() >= groups*perWave })

	// 2. A crash: SIGKILL the master (r) in the middle of the second wave; m is promoted; r is
	// restarted and comes back as m's replica (its own arguments say so).
	wave(1)
	waitUntil(t, time.Minute, "a third of wave 2 applied", func() bool { return applied() >= groups*perWave+groups*perWave/3 })
	r.Kill()
	waitUntil(t, 60*time.Second, "the sentinels promoting the old master", func() bool { return sentinelMaster(ctx, sentinels[0]) == m.Addr })
	r.Restart(t)
	allAnswered := func() bool {
		for _, b := range blocs {
			requested, answers := replies(b.g)
			for _, u := range b.people {
				again := false
				for _, a := range answers[sent[u].ID] {
					again = again || strings.Contains(a, textUnavailable)
				}
				if requested[u.FirstName] == 0 && !again {
					return false
				}
			}
		}
		return true
	}
	if err := sim.WaitFor(2*time.Minute, allAnswered); err != nil {
		t.Fatalf("someone got no answer: %v\n%s", err, ps.out())
	}

	// Whichever node the sentinels settled on (they may switch again once the killed node is
	// back) must hold every acknowledged request.
	final := master()
	defer final.Close()
	var acked, told, total int
	for _, b := range blocs {
		reqs, audits := requestsOf(t, final, b.g.ID)
		requested, answers := replies(b.g)
		for _, u := range b.people {
			id := strconv.FormatInt(u.ID, 10)
			if requested[u.FirstName] > 0 {
				acked++
				if reqs[id] != 1 {
					t.Errorf("%s was acknowledged, but the final master has %d requests", u.FirstName, reqs[id])
				}
			}
			for _, a := range answers[sent[u].ID] {
				if strings.Contains(a, textUnavailable) {
					told++
					break
				}
			}
			if reqs[id] > 1 || audits[id] != reqs[id] {
				t.Errorf("%s: %d requests, %d audit entries", u.FirstName, reqs[id], audits[id])
			}
			total += reqs[id]
		}
	}
	if out := ps.out(); strings.Contains(out, "panic") || strings.Contains(out, "DATA RACE") {
		t.Fatalf("the bot panicked or raced:\n%s", out)
	}
	t.Logf("%d people over a manual failover and a crash failover: %d acknowledged, all on the final master; %d told to try again; %d applied, none twice",
		groups*2*perWave, acked, told, total)
}
