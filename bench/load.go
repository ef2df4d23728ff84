package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/bot"
	"thiduabot/telegramsim"
)

// Kind is a kind of update the load sends.
type Kind int

// The kinds of the mix.
const (
	Vote   Kind = iota // a ballot button press
	Report             // /baocao <text> from a unit's member
	Sign               // the pledge's Sign button
	Poll               // a poll option press
	nKinds
)

func (k Kind) String() string {
	return [...]string{"ballot press", "report", "pledge signature", "poll press"}[k]
}

// Mix is the share of each kind (they need not add up to 1).
type Mix [nKinds]float64

// DefaultMix is the issue's: 50% ballot presses, 20% reports, 10% signatures, 20% poll presses.
var DefaultMix = Mix{0.5, 0.2, 0.1, 0.2}

// Only is a mix of one kind.
func Only(k Kind) Mix { var m Mix; m[k] = 1; return m }

// pending is an update sent and not yet answered.
type pending struct {
	kind  Kind
	sent  time.Time
	group *Group
	count bool // inside the measured window
}

// Tracker follows updates from the moment a person acts to the bot's reply (the callback
// answer of a press, the reply message of /baocao), from the simulator's event stream.
type Tracker struct {
	mu       sync.Mutex
	pend     map[string]*pending
	lat      [nKinds][]time.Duration
	alerts   [nKinds]int
	answered [nKinds]int
	lost     int
	free     chan struct{} // a slot per update in flight (closed loop)
	stop     func()
	done     chan struct{}
	first    []string // first alert texts (diagnostics)
}

func newTracker(sim *telegramsim.Sim, slots int) *Tracker {
	t := &Tracker{pend: map[string]*pending{}, done: make(chan struct{})}
	if slots > 0 {
		t.free = make(chan struct{}, slots)
		for i := 0; i < slots; i++ {
			t.free <- struct{}{}
		}
	}
	events, stop := sim.Subscribe()
	t.stop = stop
	go func() {
		defer close(t.done)
		for ev := range events {
			switch ev.Kind {
			case telegramsim.EventAnswer:
				t.finish("cb:"+ev.Answer.CallbackID, ev.Time, ev.Answer.ShowAlert, ev.Answer.Text)
			case telegramsim.EventMessage:
				if m := ev.Message; m != nil && m.From == nil && m.ReplyTo != 0 {
					t.finish("m:"+strconv.FormatInt(ev.ChatID, 10)+":"+strconv.Itoa(m.ReplyTo), ev.Time, false, "")
				}
			}
		}
	}()
	return t
}

func (t *Tracker) add(key string, p *pending) {
	t.mu.Lock()
	t.pend[key] = p
	t.mu.Unlock()
}

func (t *Tracker) finish(key string, at time.Time, alert bool, text string) {
	t.mu.Lock()
	p := t.pend[key]
	if p == nil {
		t.mu.Unlock()
		return
	}
	delete(t.pend, key)
	t.answered[p.kind]++
	if alert {
		t.alerts[p.kind]++
		if len(t.first) < 3 {
			t.first = append(t.first, p.kind.String()+": "+text)
		}
	}
	if p.count {
		t.lat[p.kind] = append(t.lat[p.kind], at.Sub(p.sent))
	}
	t.mu.Unlock()
	if p.kind == Sign && p.group != nil {
		p.group.signAnswered()
	}
	if t.free != nil {
		t.free <- struct{}{}
	}
}

// expire gives up on updates older than d (counted as lost), freeing their slots.
func (t *Tracker) expire(d time.Duration) {
	cut := time.Now().Add(-d)
	t.mu.Lock()
	var n int
	for k, p := range t.pend {
		if p.sent.Before(cut) {
			delete(t.pend, k)
			t.lost++
			n++
			if p.kind == Sign && p.group != nil {
				p.group.signAnswered()
			}
		}
	}
	t.mu.Unlock()
	for i := 0; i < n && t.free != nil; i++ {
		t.free <- struct{}{}
	}
}

func (t *Tracker) inflight() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.pend)
}

func (t *Tracker) close() {
	t.stop()
	<-t.done
}

// Load sends the mix's updates from the seeded groups' people.
type Load struct {
	w   *World
	mix Mix
	cum [nKinds]float64
	rng *rand.Rand
	seq atomic.Int64
	t   *Tracker
}

func newLoad(w *World, mix Mix, seed uint64) *Load {
	l := &Load{w: w, mix: mix, rng: rand.New(rand.NewPCG(seed, seed*7+1))}
	total := 0.0
	for _, v := range mix {
		total += v
	}
	acc := 0.0
	for k, v := range mix {
		acc += v / total
		l.cum[k] = acc
	}
	return l
}

func (l *Load) pick() Kind {
	x := l.rng.Float64()
	for k := Kind(0); k < nKinds; k++ {
		if x < l.cum[k] && l.mix[k] > 0 {
			return k
		}
	}
	return Vote
}

// one sends one update of kind k (or, for a signature, of another kind when no group can take
// one right now) and registers it with the tracker.
func (l *Load) one(ctx context.Context, k Kind, count bool) error {
	return l.oneIn(ctx, l.w.Groups[l.rng.IntN(len(l.w.Groups))], k, count)
}

// oneIn is one in group g.
func (l *Load) oneIn(ctx context.Context, g *Group, k Kind, count bool) error {
	gs := l.w.Groups
	now := time.Now()
	switch k {
	case Vote:
		j := l.rng.IntN(len(g.Members))
		unit := g.Units[j%len(g.Units)]
		cand := g.Units[l.rng.IntN(len(g.Units))]
		for cand == unit {
			cand = g.Units[l.rng.IntN(len(g.Units))]
		}
		data := l.w.App.Runtime.Codec().Encode(g.Chat.ID, kindVote, g.Ballot, strconv.Itoa(cand))
		return l.press(g, g.Members[j], g.BallotMsg, data, Vote, now, count)
	case Poll:
		u := g.People[l.rng.IntN(len(g.People))]
		data := l.w.App.Runtime.Codec().Encode(g.Chat.ID, kindPoll, g.Poll, strconv.Itoa(l.rng.IntN(g.Options)))
		return l.press(g, u, g.PollMsg, data, Poll, now, count)
	case Sign:
		for tries := 0; tries < 8; tries++ {
			u, data, ok, err := l.w.nextSigner(ctx, g)
			if err != nil {
				return err
			}
			if ok {
				return l.press(g, u, g.PledgeMsg, data, Sign, now, count)
			}
			g = gs[l.rng.IntN(len(gs))]
		}
		return l.one(ctx, Vote, count)
	case Report:
		u := g.Members[l.rng.IntN(len(g.Members))]
		n := l.seq.Add(1)
		text := fmt.Sprintf("/baocao Đơn vị đã tổ chức đợt vận động số %d ủng hộ xã nông thôn mới, vượt chỉ tiêu đề ra #tuthien", n)
		l.t.mu.Lock() // register before the reply can arrive
		m := u.Send(g.Chat, text)
		l.t.pend["m:"+strconv.FormatInt(g.Chat.ID, 10)+":"+strconv.Itoa(m.ID)] = &pending{kind: Report, sent: now, count: count}
		l.t.mu.Unlock()
		return nil
	}
	return nil
}

func (l *Load) press(g *Group, u *telegramsim.User, msg telegramsim.Message, data string, k Kind, now time.Time, count bool) error {
	l.t.mu.Lock() // register before the answer can arrive
	cb := u.PressData(g.Chat, msg, data)
	if cb.Err != nil {
		l.t.mu.Unlock()
		return cb.Err
	}
	p := &pending{kind: k, sent: now, count: count}
	if k == Sign {
		p.group = g
	}
	l.t.pend["cb:"+cb.ID] = p
	l.t.mu.Unlock()
	return nil
}

// RunResult is one run of the load.
type RunResult struct {
	Duration time.Duration
	Done     int // updates answered inside the window
	Rate     float64
	P50, P99 time.Duration
	PerKind  [nKinds]KindLat
	Alerts   [nKinds]int
	Lost     int
	FirstAlr []string
	Offered  float64 // open loop: the rate offered
	// CPU is the CPU time per update answered in the window: this process (the bot, the
	// simulator and the load) and the redis-server.
	CPUProc, CPURedis time.Duration
	// Others is how many cores other processes of the machine kept busy meanwhile (the
	// machine is shared: a measure of the interference).
	Others float64
	// PressBytes is the mean size of a button press's update queued in the window (the
	// simulator's callback_query bodies): a press carries its whole message, so the bot's and
	// the floor's worlds receive the same updates only when their messages are alike.
	PressBytes float64
	// Edits is the bot's editMessageText requests in the window per update answered (its
	// redraws of the group messages; the floor makes none), and EditsRefused those of them
	// the simulator refused (Telegram's "message is not modified").
	Edits, EditsRefused float64
}

// KindLat is one kind's latency.
type KindLat struct {
	N        int
	P50, P99 time.Duration
}

// ClosedLoop keeps `slots` updates in flight for warm+dur and measures the window after warm.
func (w *World) ClosedLoop(ctx context.Context, mix Mix, slots int, warm, dur time.Duration, seed uint64) (RunResult, error) {
	l := newLoad(w, mix, seed)
	l.t = newTracker(w.Sim, slots)
	defer l.t.close()
	start := time.Now()
	measureFrom, end := start.Add(warm), start.Add(warm+dur)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var cpu *cpuMeter
	for time.Now().Before(end) {
		if cpu == nil && time.Now().After(measureFrom) {
			cpu = w.startCPU(ctx)
		}
		select {
		case <-l.t.free:
		case <-tick.C:
			l.t.expire(30 * time.Second)
			continue
		case <-ctx.Done():
			return RunResult{}, ctx.Err()
		}
		now := time.Now()
		if err := l.one(ctx, l.pick(), now.After(measureFrom) && now.Before(end)); err != nil {
			return RunResult{}, err
		}
	}
	proc, rcpu, others := cpu.stop(ctx)
	l.drain(30 * time.Second)
	r := l.result(dur, 0)
	r.setCPU(proc, rcpu, others)
	r.PressBytes = cpu.pressBytes()
	r.Edits, r.EditsRefused = cpu.editsPer(r.Done)
	return r, nil
}

func (r *RunResult) setCPU(proc, redis time.Duration, others float64) {
	if r.Done > 0 {
		r.CPUProc, r.CPURedis = proc/time.Duration(r.Done), redis/time.Duration(r.Done)
	}
	r.Others = others
}

// OpenLoop offers rate updates per second for warm+dur, whatever the bot does.
func (w *World) OpenLoop(ctx context.Context, mix Mix, rate float64, warm, dur time.Duration, seed uint64) (RunResult, error) {
	l := newLoad(w, mix, seed)
	l.t = newTracker(w.Sim, 0)
	defer l.t.close()
	start := time.Now()
	measureFrom, end := start.Add(warm), start.Add(warm+dur)
	sent := 0
	var cpu *cpuMeter
	for {
		now := time.Now()
		if !now.Before(end) {
			break
		}
		if cpu == nil && now.After(measureFrom) {
			cpu = w.startCPU(ctx)
		}
		due := int(rate * now.Sub(start).Seconds())
		for ; sent < due; sent++ {
			if err := l.one(ctx, l.pick(), now.After(measureFrom)); err != nil {
				return RunResult{}, err
			}
		}
		time.Sleep(time.Millisecond) // pacing the offered rate
		if ctx.Err() != nil {
			return RunResult{}, ctx.Err()
		}
	}
	proc, rcpu, others := cpu.stop(ctx)
	l.drain(30 * time.Second)
	r := l.result(dur, rate)
	r.setCPU(proc, rcpu, others)
	r.PressBytes = cpu.pressBytes()
	r.Edits, r.EditsRefused = cpu.editsPer(r.Done)
	return r, nil
}

// drain waits for the updates in flight (up to d), then gives up on the rest.
func (l *Load) drain(d time.Duration) {
	deadline := time.Now().Add(d)
	for l.t.inflight() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // polling a condition, bounded
	}
	l.t.expire(0)
}

func (l *Load) result(dur time.Duration, offered float64) RunResult {
	t := l.t
	t.mu.Lock()
	defer t.mu.Unlock()
	r := RunResult{Duration: dur, Alerts: t.alerts, Lost: t.lost, FirstAlr: t.first, Offered: offered}
	var all []time.Duration
	for k := Kind(0); k < nKinds; k++ {
		ls := t.lat[k]
		all = append(all, ls...)
		r.PerKind[k] = KindLat{N: len(ls), P50: pct(ls, 50), P99: pct(ls, 99)}
	}
	r.Done = len(all)
	r.Rate = float64(len(all)) / dur.Seconds()
	r.P50, r.P99 = pct(all, 50), pct(all, 99)
	return r
}

// pct is the p-th percentile (nearest rank).
func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// CallCounter is a go-redis hook that counts round trips: each command and each pipeline
// (one round trip for all its commands) sent by the bot's client, telling those made while
// handling an update (bot.HandlingUpdate: the webhook's claim, the handler's store calls) from
// the rest (debounced edits rendered from the store, the action counter's flushes, timers).
type CallCounter struct {
	n, inUpdate atomic.Int64
	byName      sync.Map // "update:" or "other:" + command name ("pipeline") → *atomic.Int64
}

func (h *CallCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *CallCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() != "hello" { // a new pool connection's handshake
			h.count(ctx, cmd.Name())
		}
		return next(ctx, cmd)
	}
}

func (h *CallCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		// A new pool connection's handshake (HELLO, CLIENT SETINFO) is not an update's work.
		if len(cmds) == 0 || (cmds[0].Name() != "hello" && cmds[0].Name() != "client") {
			h.count(ctx, "pipeline")
		}
		return next(ctx, cmds)
	}
}

func (h *CallCounter) count(ctx context.Context, name string) {
	h.n.Add(1)
	where := "other:"
	if _, ok := bot.HandlingUpdate(ctx); ok {
		h.inUpdate.Add(1)
		where = "update:"
	}
	v, _ := h.byName.LoadOrStore(where+name, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

// RoundTrips is the number of round trips so far: all, and those made handling updates.
func (h *CallCounter) RoundTrips() (all, inUpdate int64) { return h.n.Load(), h.inUpdate.Load() }

// ByName is the count per "update:" or "other:" and command name.
func (h *CallCounter) ByName() map[string]int64 {
	out := map[string]int64{}
	h.byName.Range(func(k, v any) bool { out[k.(string)] = v.(*atomic.Int64).Load(); return true })
	return out
}

// cpuMeter measures the CPU time this process, the redis-server and the rest of the machine
// use.
type cpuMeter struct {
	w             *World
	proc0, redis0 time.Duration
	busy0         time.Duration
	t0            time.Time
	// The presses queued and their bytes at the start and, once stopped, the end.
	presses [2]int
	bytes   [2]int64
	edits   [2]int
	refused [2]int // editMessageText answered ok=false
}

func (w *World) startCPU(ctx context.Context) *cpuMeter {
	st := w.Sim.Stats()
	return &cpuMeter{w: w, proc0: procCPU(), redis0: w.redisCPU(ctx), busy0: machineBusy(), t0: time.Now(),
		presses: [2]int{st.UpdatesByKind["callback_query"]}, bytes: [2]int64{st.UpdateBytes["callback_query"]},
		edits: [2]int{st.Requests["editMessageText"]}, refused: [2]int{st.Errors["editMessageText"]}}
}

// editsPer is the edits requested between start and stop per update of n, and those refused
// (0 for a nil meter).
func (m *cpuMeter) editsPer(n int) (edits, refused float64) {
	if m == nil || n == 0 {
		return 0, 0
	}
	return float64(m.edits[1]-m.edits[0]) / float64(n), float64(m.refused[1]-m.refused[0]) / float64(n)
}

// pressBytes is the mean size of the presses' updates queued between start and stop (0 when
// none, or for a nil meter).
func (m *cpuMeter) pressBytes() float64 {
	if m == nil || m.presses[1] <= m.presses[0] {
		return 0
	}
	return float64(m.bytes[1]-m.bytes[0]) / float64(m.presses[1]-m.presses[0])
}

// stop returns the CPU time used since start by this process and Redis, and the cores the
// machine's other processes kept busy on average (zeros for a nil meter).
func (m *cpuMeter) stop(ctx context.Context) (proc, redis time.Duration, others float64) {
	if m == nil {
		return 0, 0, 0
	}
	proc, redis = procCPU()-m.proc0, m.w.redisCPU(ctx)-m.redis0
	st := m.w.Sim.Stats()
	m.presses[1], m.bytes[1] = st.UpdatesByKind["callback_query"], st.UpdateBytes["callback_query"]
	m.edits[1], m.refused[1] = st.Requests["editMessageText"], st.Errors["editMessageText"]
	busy := machineBusy() - m.busy0
	if el := time.Since(m.t0); el > 0 {
		others = max(0, float64(busy-proc-redis)/float64(el))
	}
	return proc, redis, others
}

// machineBusy is the CPU time the whole machine spent busy (/proc/stat: all but idle and
// iowait), 0 when unknown.
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var busy int64
	for i, v := range f[1:9] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		busy += n
	}
	return time.Duration(busy) * time.Second / 100 // USER_HZ
}

func procCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// redisCPU is INFO cpu's used_cpu_sys + used_cpu_user.
func (w *World) redisCPU(ctx context.Context) time.Duration {
	m, err := info(ctx, w.rdb, "cpu")
	if err != nil {
		return 0
	}
	sys, _ := strconv.ParseFloat(m["used_cpu_sys"], 64)
	user, _ := strconv.ParseFloat(m["used_cpu_user"], 64)
	return time.Duration((sys + user) * float64(time.Second))
}
