// Command bench measures the whole bot against its physical limits (issue 9) and prints the
// "Performance (issue 9)" section of BENCHMARKS.md:
//
//	go run ./cmd/bench            # the full run, a few minutes
//	go run ./cmd/bench -quick     # about a minute, fewer and shorter runs
//	go run ./cmd/bench -only inbound,trips -cpuprofile cpu.pprof -memprofile mem.pprof
//
// It starts real redis-server processes (redis-server must be on PATH) and the Telegram
// simulator, and runs the bot in-process through app.New exactly as main does (webhook mode:
// the simulator POSTs to the bot's webhook server; polling: the bot long-polls the simulator),
// except for the start-up and memory of the serving process, which run the built binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"thiduabot/bench"
	"thiduabot/config"
)

type options struct {
	quick                bool
	runs                 int
	dur, warm            time.Duration
	groups, slots        int
	webhookConns         int
	scriptLanes          int
	rate                 float64
	tripsN               int
	fanGroups            int
	fanScale             float64
	yearBlocs, procBlocs int
	only                 map[string]bool
	cpuProfile, memProf  string
	traceFile            string
	out                  string
	placeholders         bool
	floorGuard           bool
	redisNice            int
	// redisWeight > 0 gives redis-server that CPU weight against the bench's 100 through
	// cgroups (bench.CPUGroups) instead of a niceness.
	redisWeight int
	cpuGroups   *bench.CPUGroups
	// cards are the bot's drawn messages every inbound world is seeded with (nil: placeholders).
	cards *bench.Cards
}

func main() {
	var o options
	var only string
	flag.BoolVar(&o.quick, "quick", false, "a short run (about a minute): 1 run of each, shorter and smaller")
	flag.IntVar(&o.runs, "runs", 3, "runs of each inbound measurement (medians are reported)")
	flag.DurationVar(&o.dur, "dur", 10*time.Second, "measured time of each inbound run")
	flag.DurationVar(&o.warm, "warm", 2*time.Second, "warm-up before each inbound run")
	flag.IntVar(&o.groups, "groups", 1000, "blocs (groups) sending the inbound mix")
	flag.IntVar(&o.slots, "inflight", 256, "updates in flight in the throughput runs (closed loop)")
	flag.IntVar(&o.scriptLanes, "script-lanes", config.Default().Redis.ScriptLanes, "redis.script_lanes: pipelines of scripts in flight at once (0: no batching)")
	flag.IntVar(&o.webhookConns, "webhook-conns", config.Default().Webhook.MaxConnections, "setWebhook's max_connections: deliveries at once (1-100)")
	flag.Float64Var(&o.rate, "rate", 1000, "updates per second offered in the latency run (open loop)")
	flag.IntVar(&o.tripsN, "trips", 2000, "updates of each kind in the round-trip count")
	flag.IntVar(&o.fanGroups, "fanout-groups", 5000, "blocs the recurring reminder goes to")
	flag.Float64Var(&o.fanScale, "fanout-scale", 10, "speed-up of Telegram's limits in the fan-out (simulator and bot alike)")
	flag.IntVar(&o.yearBlocs, "year-blocs", 100, "blocs living a year for the memory per bloc-year")
	flag.IntVar(&o.procBlocs, "serve-blocs", 10000, "blocs stored and served by the bot process (RSS, start-up)")
	flag.StringVar(&only, "only", "", "comma-separated sections: inbound (webhook and polling), webhook, polling, trips, fanout, memory, process (default all)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the first webhook throughput run (and FILE.floor of the floor's)")
	flag.StringVar(&o.traceFile, "trace", "", "write an execution trace of 2 s in the middle of the first webhook throughput run (and FILE.floor of the floor's)")
	flag.StringVar(&o.memProf, "memprofile", "", "write an allocation profile of the webhook throughput runs (FILE and FILE.base: go tool pprof -base FILE.base FILE)")
	flag.StringVar(&o.out, "out", "", "also write the markdown section to this file")
	flag.IntVar(&o.redisNice, "redis-nice", -10, "the niceness of the inbound worlds' redis-server: the priority over the bot that deploy/redis-server.service.d gives it (CPUWeight=1000 against the bot's 100); 0 runs it as the bot, as before the sixth session; -redis-weight gives the same priority as cgroup weights instead")
	flag.IntVar(&o.redisWeight, "redis-weight", 0, "give the inbound worlds' redis-server this CPU weight against the bench's 100 through cgroups (the shipped drop-in's form: CPUWeight=1000) instead of a niceness; needs root and the cgroup v1 cpu controller; 0: off")
	flag.BoolVar(&o.floorGuard, "floor-guard", false, "keep the per-person action limit (the router's guard, its counter in Redis) on the floor's path")
	flag.BoolVar(&o.placeholders, "placeholders", false, "seed the inbound worlds with one-line placeholder messages instead of the bot's drawn cards (the floor then receives smaller updates than the bot)")
	poolReports := flag.Bool("pool", false, "run nothing: pool the webhook pairs of the bench reports (-out files) given as arguments, and print their median, range and a bootstrap interval of the median")
	flag.Parse()
	if *poolReports {
		if err := pool(os.Stdout, flag.Args(), 0.6); err != nil {
			logf("%v", err)
			os.Exit(1)
		}
		return
	}
	if o.redisWeight < 0 {
		logf("-redis-weight %d: give a weight of 1 to 10000 (1000 as the deploy files), or 0 for none", o.redisWeight)
		os.Exit(2)
	}
	set := map[string]bool{} // the flags given
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.redisWeight > 0 {
		if set["redis-nice"] && o.redisNice != 0 {
			logf("-redis-weight and -redis-nice are two forms of the same priority: give one")
			os.Exit(2)
		}
		o.redisNice = 0
		g, err := bench.NewCPUGroups(100, o.redisWeight)
		if err != nil {
			logf("%v", err)
			os.Exit(1)
		}
		o.cpuGroups = g
	}
	// exit undoes the CPU groups, if any, before leaving (os.Exit runs no deferred call).
	exit := func(code int) {
		if o.cpuGroups != nil {
			if err := o.cpuGroups.Close(); err != nil {
				logf("%v", err)
			}
		}
		os.Exit(code)
	}
	if o.redisNice < 0 && !canRaisePriority() {
		logf("cannot give redis-server niceness %d (it needs root, CAP_SYS_NICE or RLIMIT_NICE): it runs at the bench's own priority, as with -redis-nice 0", o.redisNice)
		o.redisNice = 0
	}
	if o.quick {
		def := func(name string, f func()) {
			if !set[name] {
				f()
			}
		}
		def("runs", func() { o.runs = 1 })
		def("dur", func() { o.dur = 3 * time.Second })
		def("warm", func() { o.warm = time.Second })
		def("trips", func() { o.tripsN = 500 })
		def("fanout-groups", func() { o.fanGroups = 1200 })
		def("year-blocs", func() { o.yearBlocs = 10 })
		def("serve-blocs", func() { o.procBlocs = 1000 })
	}
	if only != "" {
		o.only = map[string]bool{}
		for _, s := range strings.Split(only, ",") {
			o.only[strings.TrimSpace(s)] = true
		}
	}
	start := time.Now()
	var md strings.Builder
	// An interrupt (Ctrl-C, SIGTERM) ends the run through exit, which undoes the CPU groups.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, &md); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		exit(1)
	}
	fmt.Fprintf(os.Stderr, "bench: done in %v\n", time.Since(start).Round(time.Second))
	fmt.Print(md.String())
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(md.String()), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			exit(1)
		}
	}
	exit(0)
}

func (o options) want(s string) bool { return o.only == nil || o.only[s] }

func logf(format string, a ...any) { fmt.Fprintf(os.Stderr, "bench: "+format+"\n", a...) }

func run(ctx context.Context, o options, md io.Writer) error {
	cmdline := "go run ./cmd/bench"
	if len(os.Args) > 1 {
		cmdline += " " + strings.Join(os.Args[1:], " ")
	}
	fmt.Fprintf(md, "Machine: %s. Date: %s. Command: `%s`.\n\n", machine(), time.Now().UTC().Format("2006-01-02 15:04 MST"), cmdline)

	if (o.want("inbound") || o.want("webhook") || o.want("polling") || o.want("trips")) && !o.placeholders {
		cards, err := bench.CaptureCards(ctx)
		if err != nil {
			return err
		}
		o.cards = cards
		logf("cards captured: ballot %d, pledge %d, poll %d bytes of HTML", len(cards.Ballot.HTML), len(cards.Pledge.HTML), len(cards.Poll.HTML))
	}
	if o.want("inbound") || o.want("webhook") || o.want("trips") {
		if err := webhookSection(ctx, o, md); err != nil {
			return err
		}
	}
	if err := pollingSection(ctx, o, md); err != nil {
		return err
	}
	if o.want("fanout") {
		logf("fan-out: %d groups, limits ×%.0f", o.fanGroups, o.fanScale)
		r, err := bench.FanOut(ctx, o.fanGroups, o.fanScale)
		if err != nil {
			return err
		}
		fmt.Fprintf(md, "### Fan-out: a recurring reminder to %s blocs\n\n", num(float64(r.Groups)))
		fmt.Fprintf(md, "The simulator enforces Telegram's limits sped up ×%.0f (30 messages/s overall → %.0f/s, 20 per minute per group → 20 per %.0fs); the bot runs with `limits.shared` (the Redis limiter of every replica) configured with the same scaled limits, as in the reminders' fan-out test.\n\n", r.Scale, r.Allowed, 60/r.Scale)
		fmt.Fprintf(md, "| measure | result | target |\n|---|---|---|\n")
		fmt.Fprintf(md, "| achieved / allowed rate | %.1f / %.0f messages/s = **%.1f%%** | ≥ 90%% %s |\n", r.Rate, r.Allowed, 100*r.Rate/r.Allowed, mark(r.Rate >= 0.9*r.Allowed && r.Rate <= r.Allowed*1.001))
		fmt.Fprintf(md, "| groups reached | %d of %d in %v | all |\n", r.Sent, r.Groups, r.Span.Round(10*time.Millisecond))
		fmt.Fprintf(md, "| 429 answers | **%d** | 0 %s |\n", r.TooMany, mark(r.TooMany == 0))
		fmt.Fprintf(md, "| duplicates | **%d** | 0 %s |\n\n", r.Duplicates, mark(r.Duplicates == 0))
		if r.Warnings != "" {
			fmt.Fprintf(md, "Bot log: %s\n\n", r.Warnings)
		}
	}
	if o.want("memory") {
		logf("memory: %d blocs live a year", o.yearBlocs)
		r, err := bench.BlocYear(ctx, o.yearBlocs)
		if err != nil {
			return err
		}
		fmt.Fprintf(md, "### Memory\n\n| measure | result | target |\n|---|---|---|\n")
		fmt.Fprintf(md, "| Redis per bloc-year (INFO used_memory delta over %d blocs ÷ %d; 7 units, 14 people, 500 reports, 2 ballots, 1 pledge, 50 polls: %d state changes each) | **%s** | ≤ 200 KB %s |\n",
			r.Blocs, r.Blocs, r.Scripts, kb(r.BytesPerBloc), mark(r.BytesPerBloc <= 200*1024))
		byKey := map[string]float64{}
		var sum int64
		for k, v := range r.ByKey {
			byKey[k] = float64(v) / 1024
			sum += v
		}
		fmt.Fprintf(md, "| of which, MEMORY USAGE of one bloc's keys (KB, %s in all) | %s | |\n", kb(float64(sum)), bench.Top(byKey, 12))
		// The same year on a Redis whose compact encodings take larger hashes and sorted sets.
		compact := []string{"--zset-max-listpack-entries", "1024", "--hash-max-listpack-entries", "1024", "--hash-max-listpack-value", "4096"}
		rc, err := bench.BlocYear(ctx, o.yearBlocs, compact...)
		if err != nil {
			return err
		}
		fmt.Fprintf(md, "| the same on a Redis with `%s` | %s | |\n", strings.Join(compact, " "), kb(rc.BytesPerBloc))
	}
	if o.want("process") {
		logf("process: %d blocs stored, the binary started 3 times", o.procBlocs)
		dir, err := os.MkdirTemp("", "thiduabot-bench-bin-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		bin, err := bench.BuildBinary(dir)
		if err != nil {
			return err
		}
		r, err := bench.ServeBlocs(ctx, bin, o.procBlocs, 3)
		if err != nil {
			return err
		}
		if !o.want("memory") {
			fmt.Fprintf(md, "### Memory\n\n| measure | result | target |\n|---|---|---|\n")
		}
		var ss []string
		for _, s := range r.Startups {
			ss = append(ss, ms(s))
		}
		fmt.Fprintf(md, "| bot process RSS serving %s blocs (VmRSS after %s updates touching every bloc; peak VmHWM %s) | **%s** | — |\n",
			num(float64(r.Blocs)), num(float64(r.Updates)), mb(r.Peak), mb(r.RSS))
		fmt.Fprintf(md, "| start-up with %s blocs stored (exec of the binary → webhook listening and registered; median of %s) | **%s** | < 1 s %s |\n\n",
			num(float64(r.Blocs)), strings.Join(ss, ", "), ms(r.Startup), mark(r.Startup < time.Second))
	}
	return nil
}

// webhookSection: throughput and latency through webhooks, the floor, and the round trips.
// Every run gets a fresh world (Redis, simulator and bot): the simulator keeps every request
// and message, and its growing heap would slow later runs down.
func webhookSection(ctx context.Context, o options, md io.Writer) error {
	var trips *bench.World
	defer func() {
		if trips != nil {
			trips.Close()
		}
	}()
	if o.want("inbound") || o.want("webhook") {
		w, err := inbound(ctx, o, md)
		if err != nil {
			return err
		}
		trips = w
	} else {
		w, err := newWorld(ctx, o, "webhook", false, true)
		if err != nil {
			return err
		}
		trips = w
	}
	if !o.want("trips") {
		return nil
	}
	logf("round trips: %d updates of each kind", o.tripsN)
	fmt.Fprintf(md, "### Redis per state-changing update (webhook)\n\n")
	fmt.Fprintf(md, "%d updates of one kind at a time through the whole bot (32 in flight), on the world of the last latency run (the bot's caches as in a long-running process: before the reports, one report in every bloc, since a replica's first report of a bloc costs a second round trip to learn its time zone and units), counted until their replies and debounced edits went out. A go-redis hook on the bot's client counts round trips (a command, or a pipeline of any length): those made while handling the update (the hook sees the update in the context: webhook claim, per-person limit, the handler's store calls; a new pool connection's handshake is not counted) and the deferred ones (rendering a debounced edit from the store, the per-person counter's flush; the idle rate of timers subtracted). Commands and script time: `INFO commandstats` before and after, every command Redis ran (inside scripts too) and the time Redis spent running the scripts, per update.\n\n", o.tripsN)
	fmt.Fprintf(md, "| update | round trips handling it | target | which | deferred round trips | Redis commands | script time in Redis | of which |\n|---|---|---|---|---|---|---|---|\n")
	for _, k := range []bench.Kind{bench.Vote, bench.Sign, bench.Report, bench.Poll} {
		r, err := trips.RoundTrips(ctx, k, o.tripsN)
		if err != nil {
			return err
		}
		target, ok := "1", mark(r.RoundTrips < 1.02)
		if k == bench.Poll {
			target, ok = "—", ""
		}
		alerts := ""
		if r.Alerts > 0 {
			alerts = fmt.Sprintf(" (%d refused)", r.Alerts)
		}
		deferred := fmt.Sprintf("%.2f", r.Deferred)
		if d := bench.TopCommands(r.ByDeferred, 3); d != "" {
			deferred += " (" + d + ")"
		}
		fmt.Fprintf(md, "| %s%s | **%.2f** | %s %s | %s | %s | %.1f | %.0f µs | %s |\n", k, alerts, r.RoundTrips, target, ok,
			bench.TopCommands(r.ByCall, 4), deferred, r.Commands, r.ScriptUsec, bench.TopCommands(r.ByCommand, 8))
	}
	fmt.Fprintf(md, "\n")
	return nil
}

// runs runs f on a fresh world `o.runs` times and returns the results and the bot's log
// notes; keep, when set, is given the last world instead of closing it.
func runs(ctx context.Context, o options, mode string, floor bool, what string, f func(i int, w *bench.World) (bench.RunResult, error), keep **bench.World) ([]bench.RunResult, []string, error) {
	var out []bench.RunResult
	var logs []string
	for i := 0; i < o.runs; i++ {
		var k **bench.World
		if i == o.runs-1 {
			k = keep
		}
		r, l, err := runOne(ctx, o, mode, floor, what, i, f, k)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, r)
		if l != "" {
			logs = append(logs, l)
		}
	}
	return out, logs, nil
}

// runOne is run i of f on a fresh world, with the bot's log notes.
func runOne(ctx context.Context, o options, mode string, floor bool, what string, i int, f func(i int, w *bench.World) (bench.RunResult, error), keep **bench.World) (bench.RunResult, string, error) {
	w, err := newWorld(ctx, o, mode, floor, keep != nil) // a kept world counts the round trips
	if err != nil {
		return bench.RunResult{}, "", err
	}
	logf("%s run %d/%d", what, i+1, o.runs)
	r, err := f(i, w)
	if err != nil {
		w.Close()
		return bench.RunResult{}, "", err
	}
	logf("  %.0f/s p50 %v p99 %v, CPU per update: %v here, %v redis; other processes: %.2f cores; presses of %.0f bytes, %.3f edits per update (%.3f refused)", r.Rate, r.P50, r.P99, r.CPUProc, r.CPURedis, r.Others, r.PressBytes, r.Edits, r.EditsRefused)
	l := w.Log.Summary()
	if keep != nil {
		*keep = w
	} else {
		w.Close()
	}
	return r, l, nil
}

// pairedRuns runs the bot and the floor side by side, o.runs times each, alternating which
// goes first: the speed of this shared machine drifts over minutes (the same code's CPU per
// update has differed by a third between consecutive quiet runs), so a ratio is taken
// between runs made next to each other.
func pairedRuns(ctx context.Context, o options, mode string, f func(floor bool) func(i int, w *bench.World) (bench.RunResult, error)) (feat, fl []bench.RunResult, featLogs, floorLogs []string, err error) {
	var res [2][]bench.RunResult
	var logs [2][]string
	for i := 0; i < o.runs; i++ {
		for _, floor := range [2][]bool{{false, true}, {true, false}}[i%2] {
			what := mode + " throughput (the bot)"
			if floor {
				what = mode + " throughput (floor)"
			}
			r, l, err := runOne(ctx, o, mode, floor, what, i, f(floor), nil)
			if err != nil {
				return nil, nil, nil, nil, err
			}
			k := 0 // the bot's, then the floor's
			if floor {
				k = 1
			}
			res[k] = append(res[k], r)
			if l != "" {
				logs[k] = append(logs[k], l)
			}
		}
	}
	return res[0], res[1], logs[0], logs[1], nil
}

// pairRatios are bot ÷ floor of each pair of runs (by throughput and by CPU per update) and
// the median of those whose runs were both quiet (of all pairs when none was).
func pairRatios(feat, fl []bench.RunResult) (each []float64, byRate, byCPU float64) {
	var rates, cpus, quietRates, quietCPUs []float64
	for i := range feat {
		if fl[i].Rate <= 0 { // pairedRuns gives both as many runs
			continue
		}
		r := feat[i].Rate / fl[i].Rate
		each = append(each, r)
		quietPair := feat[i].Others < quiet && fl[i].Others < quiet
		rates = append(rates, r)
		if quietPair {
			quietRates = append(quietRates, r)
		}
		if bc := feat[i].CPUProc + feat[i].CPURedis; bc > 0 { // a pair without CPU figures has no CPU ratio
			c := float64(fl[i].CPUProc+fl[i].CPURedis) / float64(bc)
			cpus = append(cpus, c)
			if quietPair {
				quietCPUs = append(quietCPUs, c)
			}
		}
	}
	if len(quietRates) > 0 {
		rates = quietRates
	}
	if len(quietCPUs) > 0 {
		cpus = quietCPUs
	}
	return each, median(rates), median(cpus)
}

// seeding says what the inbound worlds' messages were.
func seeding(o options) string {
	if o.cards == nil {
		return "Seeding: one-line placeholder messages with the buttons (`-placeholders`): the bot's redraws replace its own with its cards, the floor's keep them, so the floor receives smaller presses."
	}
	return fmt.Sprintf("Seeding: every world, the floor's too, with the bot's own drawing of its three messages after one press each (captured from a one-bloc world: %s, %s and %s bytes of HTML), so both receive alike presses.",
		num(float64(len(o.cards.Ballot.HTML))), num(float64(len(o.cards.Pledge.HTML))), num(float64(len(o.cards.Poll.HTML))))
}

func pressBytes(rs []bench.RunResult) []float64 {
	out := make([]float64, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.PressBytes)
	}
	return out
}

// ownCPU lists, per pair of runs, the bot's CPU per update (process and Redis) less the
// floor's, and their median.
func ownCPU(feat, fl []bench.RunResult) string {
	var ds []float64
	var ss []string
	for i := range feat {
		if i >= len(fl) || feat[i].CPUProc == 0 || fl[i].CPUProc == 0 {
			continue
		}
		d := float64(feat[i].CPUProc+feat[i].CPURedis-fl[i].CPUProc-fl[i].CPURedis) / float64(time.Microsecond)
		ds = append(ds, d)
		ss = append(ss, fmt.Sprintf("%.0f", d))
	}
	if len(ds) == 0 {
		return "not measured"
	}
	return fmt.Sprintf("**%.0f µs** (median; pairs %s µs)", median(ds), strings.Join(ss, ", "))
}

// median is the middle value (the mean of the two middle ones for an even count; 0 for none).
func median[T ~int64 | ~float64](v []T) T {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

// inbound: throughput and latency through webhooks, beside the floor. It returns the world of
// the last latency run (still running).
func inbound(ctx context.Context, o options, md io.Writer) (*bench.World, error) {
	// The first run of each is profiled (CPU and allocations) when asked for; the floor's
	// profiles are FILE.floor, to compare the two per update.
	closedLoop := func(suffix string) func(i int, w *bench.World) (bench.RunResult, error) {
		return func(i int, w *bench.World) (bench.RunResult, error) {
			stopProf := func() error { return nil }
			if i == 0 {
				var err error
				if stopProf, err = startProfiles(o, suffix); err != nil {
					return bench.RunResult{}, err
				}
			}
			r, err := w.ClosedLoop(ctx, bench.DefaultMix, o.slots, o.warm, o.dur, uint64(i+1))
			if perr := stopProf(); err == nil {
				err = perr
			}
			return r, err
		}
	}
	feat, fl, featLogs, floorLogs, err := pairedRuns(ctx, o, "webhook", func(floor bool) func(i int, w *bench.World) (bench.RunResult, error) {
		if floor {
			return closedLoop(".floor")
		}
		return closedLoop("")
	})
	if err != nil {
		return nil, err
	}
	var last *bench.World
	open, openLogs, err := runs(ctx, o, "webhook", false, fmt.Sprintf("webhook latency (%.0f updates/s offered)", o.rate), func(i int, w *bench.World) (bench.RunResult, error) {
		return w.OpenLoop(ctx, bench.DefaultMix, o.rate, o.warm, o.dur, uint64(100+i))
	}, &last)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(md, "### Inbound: webhooks\n\n")
	fmt.Fprintf(md, "%s blocs (7 units, %d people linked to each, %d more people; an open chair ballot, the year's pledge, a four-option poll), the mix 50%% ballot presses, 20%% `/baocao` reports, 10%% pledge signatures (Sign button; a pledge signed by all seven units is amended so signatures stay real), 20%% poll presses, from random people of random blocs. Latency: from the person's action in the simulator to the bot's reply there (the callback answer of a press, the reply to `/baocao`). The simulator delivers them as Telegram does, over at most %d connections at once (setWebhook's max_connections). Throughput runs keep %d updates in flight; the latency run offers a fixed rate whatever the bot does. Telegram's send limits are lifted (30 messages/s would cap the report replies; pacing is the fan-out's subject), so the bot also redraws each ballot, pledge and poll message once per edit interval (3 s) while it changes; the per-person action limit is on as shipped. Each run on a fresh world; medians of %d runs of %v after %v of warm-up, each run's value in brackets with ‹the cores other processes of this shared machine kept busy meanwhile›; runs during which they kept more than a quarter of a core busy are left out of the median when quieter runs exist. CPU per update: this process (the bot, the simulator and the load generator) and the redis-server, per update answered. The bot's and the floor's throughput runs alternate (bot then floor, floor then bot, …) because this shared machine's speed drifts over minutes: bot ÷ floor is the median of the ratios of the pairs of runs made side by side (each pair's in brackets), by throughput and, in the CPU column, by CPU per update (the floor's ÷ the bot's).\n\n",
		num(float64(o.groups)), 2, 6, o.webhookConns, o.slots, o.runs, o.dur, o.warm)
	fmt.Fprintf(md, "| pipeline | updates/s | p50 | p99 | CPU per update (process + Redis) | target |\n|---|---|---|---|---|---|\n")
	rf, lf := medianRun(feat), medianRun(fl)
	fmt.Fprintf(md, "| the bot (features, real Redis), %d in flight | **%s** %s | %s | %s | %s + %s | ≥ 3,000/s %s |\n", o.slots, num(rf.Rate), each(feat), ms(rf.P50), ms(rf.P99), us(rf.CPUProc), us(rf.CPURedis), mark(rf.Rate >= 3000))
	fmt.Fprintf(md, "| transport floor (%s), %d in flight | **%s** %s | %s | %s | %s + %s | — |\n", floorLabel(o), o.slots, num(lf.Rate), each(fl), ms(lf.P50), ms(lf.P99), us(lf.CPUProc), us(lf.CPURedis))
	pairs, ratio, cpuRatio := pairRatios(feat, fl)
	fmt.Fprintf(md, "| bot ÷ floor, median of the pairs of runs | **%.0f%%** %s | | | %.0f%% | ≥ 60%% %s |\n", 100*ratio, pcts(pairs), 100*cpuRatio, mark(ratio >= 0.6))
	ro := medianRun(open)
	fmt.Fprintf(md, "| the bot at %s updates/s offered (answered %s/s) | | %s | **%s** %s | %s + %s | p99 < 50 ms %s |\n\n", num(o.rate), num(ro.Rate), ms(ro.P50), ms(ro.P99), eachP99(open), us(ro.CPUProc), us(ro.CPURedis), mark(ro.P99 < 50*time.Millisecond))
	fmt.Fprintf(md, "Per kind (throughput runs, median run): %s. At %s/s offered: %s.\n\n", perKind(rf), num(o.rate), perKind(ro))
	fmt.Fprintf(md, "%s Share of the machine kept busy (updates/s × CPU per update ÷ %d cores, median of the runs): the bot's runs %.1f%%, the floor's %.1f%%.\n\n", redisPriority(o), runtime.NumCPU(), 100*median(busyShares(feat)), 100*median(busyShares(fl)))
	fmt.Fprintf(md, "%s Mean size of a press's update in the throughput runs: the bot's worlds %s bytes, the floor's %s. The bot's redraws: %.3f edits per update answered (median run). The bot's own CPU per update (the bot's CPU per update less the floor's, per pair of runs; what the floor's share does not distort): %s.\n\n",
		seeding(o), num(median(pressBytes(feat))), num(median(pressBytes(fl))), rf.Edits, ownCPU(feat, fl))
	notes(md, "bot", feat, featLogs)
	notes(md, "floor", fl, floorLogs)
	notes(md, "latency runs", open, openLogs)
	return last, nil
}

func pollingSection(ctx context.Context, o options, md io.Writer) error {
	if !o.want("inbound") && !o.want("polling") {
		return nil
	}
	feat, fl, featLogs, _, err := pairedRuns(ctx, o, "polling", func(bool) func(i int, w *bench.World) (bench.RunResult, error) {
		return func(i int, w *bench.World) (bench.RunResult, error) {
			return w.ClosedLoop(ctx, bench.DefaultMix, o.slots, o.warm, o.dur, uint64(i+1))
		}
	})
	if err != nil {
		return err
	}
	rf, lf := medianRun(feat), medianRun(fl)
	fmt.Fprintf(md, "### Inbound: long polling\n\nThe same blocs and mix; the bot long-polls the simulator (batches of up to 100 updates, chats in parallel, a batch's replies sent before the next getUpdates confirms it).\n\n")
	fmt.Fprintf(md, "| pipeline | updates/s | p50 | p99 | CPU per update (process + Redis) |\n|---|---|---|---|---|\n")
	fmt.Fprintf(md, "| the bot, %d in flight | **%s** %s | %s | %s | %s + %s |\n", o.slots, num(rf.Rate), each(feat), ms(rf.P50), ms(rf.P99), us(rf.CPUProc), us(rf.CPURedis))
	fmt.Fprintf(md, "| transport floor, %d in flight | **%s** %s | %s | %s | %s + %s |\n", o.slots, num(lf.Rate), each(fl), ms(lf.P50), ms(lf.P99), us(lf.CPUProc), us(lf.CPURedis))
	pairs, ratio, cpuRatio := pairRatios(feat, fl)
	fmt.Fprintf(md, "| bot ÷ floor, median of the pairs of runs (by CPU per update: %.0f%%) | **%.0f%%** %s | | | |\n", 100*cpuRatio, 100*ratio, pcts(pairs))
	fmt.Fprintf(md, "\nMean size of a press's update: the bot's worlds %s bytes, the floor's %s. The bot's own CPU per update: %s.\n\n", num(median(pressBytes(feat))), num(median(pressBytes(fl))), ownCPU(feat, fl))
	notes(md, "bot (polling)", feat, featLogs)
	return nil
}

// newWorld builds and seeds a world; countTrips installs the round-trip counter on the bot's
// Redis client (the world the round trips are counted on; the throughput runs go without it).
func newWorld(ctx context.Context, o options, mode string, floor, countTrips bool) (*bench.World, error) {
	var place func(pid int) error
	if o.cpuGroups != nil {
		place = o.cpuGroups.AddRedis
	}
	w, err := bench.NewWorld(bench.WorldOptions{Mode: mode, Floor: floor, MembersPerUnit: 2, Extra: 6, CountRoundTrips: countTrips, Cards: o.cards, FloorGuard: o.floorGuard, RedisNice: o.redisNice,
		PlaceRedis: place, Configure: func(c *config.Config) { c.Webhook.MaxConnections, c.Redis.ScriptLanes = o.webhookConns, o.scriptLanes }})
	if err != nil {
		return nil, err
	}
	t := time.Now()
	if err := w.Seed(ctx, o.groups, 32); err != nil {
		w.Close()
		return nil, err
	}
	logf("%s world (floor %v): %d blocs seeded in %v", mode, floor, o.groups, time.Since(t).Round(time.Millisecond))
	if err := w.Start(); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// startProfiles starts the CPU profile and takes the allocation base; the returned function
// writes them.
func startProfiles(o options, suffix string) (func() error, error) {
	var cpu *os.File
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile + suffix)
		if err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		cpu = f
	}
	var traced chan error
	if o.traceFile != "" {
		f, err := os.Create(o.traceFile + suffix)
		if err != nil {
			return nil, err
		}
		traced = make(chan error, 1)
		go func() { // 2 s from the middle of the run: a whole run's trace is gigabytes
			time.Sleep(max(0, o.warm+o.dur/2-time.Second))
			err := trace.Start(f)
			if err == nil {
				time.Sleep(2 * time.Second)
				trace.Stop()
			}
			traced <- errors.Join(err, f.Close())
		}()
	}
	writeAllocs := func(path string) error {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		runtime.GC()
		return pprof.Lookup("allocs").WriteTo(f, 0)
	}
	if o.memProf != "" {
		if err := writeAllocs(o.memProf + suffix + ".base"); err != nil {
			return nil, err
		}
	}
	return func() error {
		if traced != nil { // the trace may outlast a run shorter than 2 s: the next run waits for it
			if err := <-traced; err != nil {
				return fmt.Errorf("trace: %w", err)
			}
		}
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				return err
			}
		}
		if o.memProf != "" {
			return writeAllocs(o.memProf + suffix)
		}
		return nil
	}, nil
}

// quiet is how many cores other processes may keep busy during a run that counts for the
// median (the machine is shared; every run is listed anyway).
const quiet = 0.25

// medianRun is the run with the median rate, with the median of each latency, over the runs
// during which other processes stayed under `quiet` cores (over all runs when none did).
func medianRun(all []bench.RunResult) bench.RunResult {
	var rs []bench.RunResult
	for _, r := range all {
		if r.Others < quiet {
			rs = append(rs, r)
		}
	}
	if len(rs) == 0 {
		rs = all
	}
	if len(rs) == 0 {
		return bench.RunResult{}
	}
	s := append([]bench.RunResult(nil), rs...)
	sort.Slice(s, func(i, j int) bool { return s[i].Rate < s[j].Rate })
	m := s[len(s)/2]
	var p50, p99 []time.Duration
	for _, r := range rs {
		p50, p99 = append(p50, r.P50), append(p99, r.P99)
	}
	m.P50, m.P99 = median(p50), median(p99)
	return m
}

// each lists each run's rate with the cores other processes of the machine kept busy.
func each(rs []bench.RunResult) string {
	var v []string
	for _, r := range rs {
		v = append(v, fmt.Sprintf("%s ‹%.1f›", num(r.Rate), r.Others))
	}
	return "(" + strings.Join(v, ", ") + ")"
}

func pcts(v []float64) string {
	var out []string
	for _, x := range v {
		out = append(out, fmt.Sprintf("%.0f%%", 100*x))
	}
	return "(" + strings.Join(out, ", ") + ")"
}

func eachP99(rs []bench.RunResult) string {
	var v []string
	for _, r := range rs {
		v = append(v, fmt.Sprintf("%s ‹%.1f›", ms(r.P99), r.Others))
	}
	return "(" + strings.Join(v, ", ") + ")"
}

func perKind(r bench.RunResult) string {
	var parts []string
	for k := bench.Kind(0); k < 4; k++ {
		kl := r.PerKind[k]
		parts = append(parts, fmt.Sprintf("%s p50 %s / p99 %s", k, ms(kl.P50), ms(kl.P99)))
	}
	return strings.Join(parts, "; ")
}

func notes(md io.Writer, name string, rs []bench.RunResult, logs []string) {
	lost, alerts := 0, 0
	for _, r := range rs {
		lost += r.Lost
		for _, a := range r.Alerts {
			alerts += a
		}
	}
	var parts []string
	if lost > 0 {
		parts = append(parts, fmt.Sprintf("%d updates got no answer within 30 s", lost))
	}
	if alerts > 0 {
		parts = append(parts, fmt.Sprintf("%d presses were refused (first: %s)", alerts, strings.Join(rs[0].FirstAlr, "; ")))
	}
	for _, l := range logs {
		parts = append(parts, "log: "+l)
	}
	if len(parts) > 0 {
		fmt.Fprintf(md, "Notes (%s): %s.\n\n", name, strings.Join(parts, "; "))
	}
}

func machine() string {
	cpu := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "MemTotal: %d kB", &kb)
		mem = fmt.Sprintf(", %.0f GiB RAM", float64(kb)/1024/1024)
	}
	rv := "redis-server ?"
	if out, err := exec.Command("redis-server", "--version").Output(); err == nil {
		for _, f := range strings.Fields(string(out)) {
			if v, ok := strings.CutPrefix(f, "v="); ok {
				rv = "redis-server " + v
			}
		}
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = ", load average " + strings.Join(strings.Fields(string(b))[:3], " ") + " at start"
	}
	return fmt.Sprintf("%d × %s%s, %s/%s, %s, %s%s", runtime.NumCPU(), cpu, mem, runtime.GOOS, runtime.GOARCH, runtime.Version(), rv, load)
}

func num(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func ms(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
}

func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond)) }

func kb(b float64) string { return fmt.Sprintf("%.0f KB", b/1024) }
func mb(b int64) string   { return fmt.Sprintf("%.0f MB", float64(b)/1024/1024) }

func mark(ok bool) string {
	if ok {
		return "✅"
	}
	return "❌"
}

// floorLabel says what the floor runs besides its reply-only handler.
func floorLabel(o options) string {
	if o.floorGuard {
		return "a handler that only replies, behind the per-person limit with its counter in Redis"
	}
	return "a handler that only replies, no Redis"
}

// redisPriority says at which priority the inbound worlds' redis-server ran.
func redisPriority(o options) string {
	if o.redisWeight > 0 {
		return fmt.Sprintf("redis-server ran with CPU weight %d against the bench's 100 (`-redis-weight`: sibling cgroups of the cpu controller, cpu.shares %d and 1024, as systemd sets CPUWeight): the form of the priority deploy/redis-server.service.d gives a co-located Redis; the floor's redis-server too, which it hardly uses.", o.redisWeight, bench.CPUShares(o.redisWeight))
	}
	if o.redisNice == 0 {
		return "redis-server ran at the bench's own priority (`-redis-nice 0`)."
	}
	return fmt.Sprintf("redis-server ran at niceness %d (`-redis-nice`): the CPU priority over the bot that deploy/redis-server.service.d gives a co-located Redis; the floor's redis-server too, which it hardly uses.", o.redisNice)
}

// busyShares is, per run, the share of the machine's cores the run kept busy.
func busyShares(rs []bench.RunResult) []float64 {
	out := make([]float64, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Rate*(r.CPUProc+r.CPURedis).Seconds()/float64(runtime.NumCPU()))
	}
	return out
}

// canRaisePriority reports whether this process may give a child a lower niceness than its
// own (root, CAP_SYS_NICE or RLIMIT_NICE): it lowers its own thread's by one and puts it back.
func canRaisePriority() bool {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// getpriority(2) returns 20 - nice through the raw syscall; the wrapper gives it as is.
	p, err := syscall.Getpriority(syscall.PRIO_PROCESS, 0)
	if err != nil {
		return false
	}
	own := 20 - p
	if own <= -20 {
		return true
	}
	if syscall.Setpriority(syscall.PRIO_PROCESS, 0, own-1) != nil {
		return false
	}
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, 0, own)
	return true
}
