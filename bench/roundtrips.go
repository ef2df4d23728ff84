package bench

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// TripsResult is what one kind of update costs in Redis.
type TripsResult struct {
	Kind Kind
	N    int
	// RoundTrips are those made while handling the update (the go-redis hook sees the update
	// in the context: the webhook's claim, the guard, the handler's store calls), per update.
	RoundTrips float64
	// Deferred are the bot's other round trips meanwhile, per update: what the debounced
	// edits read to render, the action counter's flushes; the idle rate of the background
	// work (timers) is subtracted.
	Deferred   float64
	Commands   float64 // INFO commandstats: every command Redis ran (inside scripts too), per update
	ScriptUsec float64 // INFO commandstats: time Redis spent running scripts, per update
	ByCommand  map[string]float64
	ByCall     map[string]float64 // the update's round trips by command ("pipeline")
	ByDeferred map[string]float64
	Background float64 // round trips per second while idle
	Alerts     int
}

// RoundTrips sends n updates of one kind (32 in flight), waits until every reply and edit went
// out, and divides what the bot's Redis client sent (a go-redis hook: each command and each
// pipeline is one round trip) and what Redis ran (INFO commandstats, diffed) by n.
func (w *World) RoundTrips(ctx context.Context, k Kind, n int) (TripsResult, error) {
	res := TripsResult{Kind: k, N: n, ByCommand: map[string]float64{}, ByCall: map[string]float64{}, ByDeferred: map[string]float64{}}
	if !w.O.CountRoundTrips {
		return res, fmt.Errorf("round trips: the world was built without WorldOptions.CountRoundTrips (its counter would read 0)")
	}
	rdb := w.Redis.Client()
	defer rdb.Close()
	// A few updates first, unmeasured: the scripts loaded, the connection pool grown.
	if err := w.warm(ctx, k, 64); err != nil {
		return res, err
	}
	if k == Sign {
		// Every unit of every bloc can sign: no amendment (by the benchmark's own client, but
		// counted by Redis) happens during the count.
		if n > len(unitNames)*len(w.Groups) {
			n = len(unitNames) * len(w.Groups)
			res.N = n
		}
		if err := w.FreshPledges(ctx); err != nil {
			return res, err
		}
	}
	if k == Report {
		// One report in every bloc first: a long-running replica knows each bloc's time zone
		// and units (the first report of a bloc on a replica costs a second round trip).
		if err := w.warmReports(ctx); err != nil {
			return res, err
		}
	}
	// Let earlier work settle, then measure the idle rate of the background work.
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err := w.App.Runtime.Sender().Flush(fctx)
	cancel()
	if err != nil {
		return res, fmt.Errorf("flush: %w", err)
	}
	idle := time.Second
	b0, _ := w.Calls.RoundTrips()
	time.Sleep(idle) // measuring the idle rate over wall time
	b1, _ := w.Calls.RoundTrips()
	res.Background = float64(b1-b0) / idle.Seconds()

	before, err := CommandStats(ctx, rdb)
	if err != nil {
		return res, err
	}
	calls0 := w.Calls.ByName()
	all0, in0 := w.Calls.RoundTrips()
	t0 := time.Now()
	l := newLoad(w, Only(k), uint64(k)+100)
	l.t = newTracker(w.Sim, 32)
	for i := 0; i < n; i++ {
		select {
		case <-l.t.free:
		case <-ctx.Done():
			l.t.close()
			return res, ctx.Err()
		}
		if err := l.one(ctx, k, true); err != nil {
			l.t.close()
			return res, err
		}
	}
	l.drain(30 * time.Second)
	l.t.close()
	// Debounced edits (and what rendering them reads) go out within the edit interval.
	fctx, cancel = context.WithTimeout(ctx, 30*time.Second)
	err = w.App.Runtime.Sender().Flush(fctx)
	cancel()
	if err != nil {
		return res, fmt.Errorf("flush: %w", err)
	}
	time.Sleep(200 * time.Millisecond) // the action counter's last flush (every 100ms)
	elapsed := time.Since(t0)
	all1, in1 := w.Calls.RoundTrips()
	after, err := CommandStats(ctx, rdb)
	if err != nil {
		return res, err
	}
	res.RoundTrips = float64(in1-in0) / float64(n)
	res.Deferred = max(0, float64((all1-all0)-(in1-in0))-res.Background*elapsed.Seconds()) / float64(n)
	total := int64(0)
	for name, d := range diffStats(before, after) {
		if name == "info" {
			continue
		}
		total += d.Calls
		res.ByCommand[name] = float64(d.Calls) / float64(n)
		switch name {
		case "evalsha", "eval", "evalsha_ro", "eval_ro":
			res.ScriptUsec += float64(d.Usec) / float64(n)
		}
	}
	res.Commands = float64(total) / float64(n)
	for name, v := range w.Calls.ByName() {
		d := v - calls0[name]
		if d <= 0 {
			continue
		}
		if c, ok := strings.CutPrefix(name, "update:"); ok {
			res.ByCall[c] = float64(d) / float64(n)
		} else {
			res.ByDeferred[strings.TrimPrefix(name, "other:")] = float64(d) / float64(n)
		}
	}
	res.Alerts = l.t.alerts[k]
	return res, nil
}

// Top renders the largest entries of a map: "ach 176, audit 127".
func Top(m map[string]float64, n int) string { return top(m, n, false) }

// TopCommands renders the largest entries of a per-update map of Redis commands:
// "EVALSHA 1.00, HGETALL 0.20".
func TopCommands(m map[string]float64, n int) string { return top(m, n, true) }

func top(m map[string]float64, n int, upper bool) string {
	type kv struct {
		k string
		v float64
	}
	var s []kv
	for k, v := range m {
		if v >= 0.005 {
			s = append(s, kv{k, v})
		}
	}
	sort.Slice(s, func(i, j int) bool { return s[i].v > s[j].v || s[i].v == s[j].v && s[i].k < s[j].k })
	if len(s) > n {
		s = s[:n]
	}
	var b strings.Builder
	for i, e := range s {
		if i > 0 {
			b.WriteString(", ")
		}
		k := e.k
		if upper {
			k = strings.ToUpper(k)
		}
		fmt.Fprintf(&b, "%s %.2f", k, e.v)
	}
	return b.String()
}

// warmReports sends one report in every group (32 in flight) and waits for the replies.
func (w *World) warmReports(ctx context.Context) error {
	return w.send(ctx, Report, len(w.Groups), func(i int) *Group { return w.Groups[i] })
}

// warm sends n updates of kind k in random groups (32 in flight) and waits for the replies.
func (w *World) warm(ctx context.Context, k Kind, n int) error {
	return w.send(ctx, k, n, nil)
}

func (w *World) send(ctx context.Context, k Kind, n int, group func(i int) *Group) error {
	l := newLoad(w, Only(k), 999)
	l.t = newTracker(w.Sim, 32)
	defer l.t.close()
	for i := 0; i < n; i++ {
		select {
		case <-l.t.free:
		case <-ctx.Done():
			return ctx.Err()
		}
		var err error
		if group != nil {
			err = l.oneIn(ctx, group(i), k, false)
		} else {
			err = l.one(ctx, k, false)
		}
		if err != nil {
			return err
		}
	}
	l.drain(30 * time.Second)
	return nil
}
