package scheduler

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"thiduabot/clock"
	"thiduabot/internal/redistest"
)

func hcm(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseCronErrorsNameTheEntry(t *testing.T) {
	for _, c := range []struct {
		e    CronEntry
		want string
	}{
		{CronEntry{Name: "weekly", Spec: "61 8 * * 1"}, `cron entry "weekly"`},
		{CronEntry{Name: "weekly", Spec: "0 8 * *"}, `cron entry "weekly"`},
		{CronEntry{Name: "tz", Spec: "CRON_TZ=Nowhere/Atlantis 0 8 * * 1"}, `cron entry "tz"`},
		{CronEntry{Name: "tzonly", Spec: "CRON_TZ=Asia/Ho_Chi_Minh"}, `cron entry "tzonly"`},
		{CronEntry{Name: "never", Spec: "0 0 30 2 *"}, `cron entry "never"`},
		{CronEntry{Name: "empty", Spec: " "}, `cron entry "empty"`},
		{CronEntry{Name: "", Spec: "@daily"}, `cron entry ""`},
	} {
		_, err := ParseCron([]CronEntry{{Name: "ok", Spec: "@daily"}, c.e}, time.UTC)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseCron(%+v) error = %v, want it to contain %s", c.e, err, c.want)
		}
	}
	if _, err := ParseCron([]CronEntry{{Name: "a", Spec: "@daily"}, {Name: "a", Spec: "@weekly"}}, nil); err == nil ||
		!strings.Contains(err.Error(), `cron entry "a": duplicate`) {
		t.Errorf("duplicate names: %v", err)
	}
}

func TestCronTimeZones(t *testing.T) {
	jobs, err := ParseCron([]CronEntry{
		{Name: "weekly", Spec: "CRON_TZ=Asia/Ho_Chi_Minh 0 8 * * 1"},
		{Name: "daily-default", Spec: "0 8 * * *"},
		{Name: "midnight", Spec: "@daily"},
		{Name: "utc", Spec: "TZ=UTC 0 8 * * *"},
	}, hcm(t))
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) // a Wednesday
	for i, want := range []time.Time{
		time.Date(2025, 1, 6, 1, 0, 0, 0, time.UTC),  // Monday 08:00 in Ho Chi Minh City
		time.Date(2025, 1, 1, 1, 0, 0, 0, time.UTC),  // default zone applies
		time.Date(2025, 1, 1, 17, 0, 0, 0, time.UTC), // midnight in Ho Chi Minh City
		time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC),  // explicit TZ wins over the default
	} {
		if got := jobs[i].Next(from); !got.Equal(want) {
			t.Errorf("%s: Next = %v, want %v", jobs[i].Name, got.UTC(), want)
		}
	}
}

// cronNode is one replica: its Timers running a Mux with the cron handlers.
type cronNode struct {
	tm   *Timers
	cron *Cron
	mux  Mux
}

func TestCronFanOutExactlyOnceAcrossTwoInstances(t *testing.T) {
	srv := redistest.Start(t)
	clk := clock.NewFake(t0) // Monday 00:30 UTC = 07:30 in Ho Chi Minh City
	ctx := context.Background()
	const N = 300
	chats := make([]int64, N)
	for i := range chats {
		chats[i] = -1001000000000 - int64(i)
	}
	jobs, err := ParseCron([]CronEntry{{Name: "morning", Spec: "0 8 * * *", Text: map[string]string{"vi": "Chào buổi sáng"}}}, hcm(t))
	if err != nil {
		t.Fatal(err)
	}
	occ := time.Date(2025, 1, 6, 1, 0, 0, 0, time.UTC)

	var mu sync.Mutex
	got := map[int64][]time.Time{}
	var sends, expands atomic.Int64
	expand := func(context.Context, CronJob) ([]int64, error) {
		expands.Add(1)
		return append(chats, chats[0]), nil // a duplicate is sent once
	}
	var nodes []cronNode
	for i := 0; i < 2; i++ {
		tm := NewTimers(srv.Client(t), clk, testOpts(Options{}))
		c := NewCron(tm, jobs, expand)
		m := Mux{}
		c.Register(m, func(_ context.Context, s CronSend, late time.Duration) error {
			if s.Job.Name != "morning" || s.Job.Text["vi"] != "Chào buổi sáng" || late != clk.Now().Sub(s.At) {
				t.Errorf("send %+v late %v", s, late)
			}
			mu.Lock()
			got[s.ChatID] = append(got[s.ChatID], s.At)
			mu.Unlock()
			sends.Add(1)
			return nil
		})
		// Every replica plans at start; that is idempotent.
		if err := c.Plan(ctx); err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, cronNode{tm, c, m})
	}
	planner := "cron:morning:" + strconv.FormatInt(occ.Unix(), 10)
	pt, ok, err := nodes[0].tm.Get(ctx, 0, planner)
	if err != nil || !ok || !pt.At.Equal(occ) || pt.Kind != KindCronPlan {
		t.Fatalf("planner %s: %+v %v %v", planner, pt, ok, err)
	}
	if p, _ := nodes[0].tm.Pending(ctx, 0); len(p) != 1 {
		t.Fatalf("%d planners after two Plan calls", len(p))
	}
	for _, n := range nodes {
		run(t, n.tm, n.mux.Handle)
	}
	for _, n := range nodes {
		rescan(t, n.tm)
	}
	if sends.Load() != 0 || expands.Load() != 0 {
		t.Fatalf("fired before 08:00")
	}

	clk.Set(occ)
	for _, n := range nodes {
		n.tm.Kick()
	}
	waitFor(t, 30*time.Second, "N sends", func() bool { return sends.Load() >= N })
	next := "cron:morning:" + strconv.FormatInt(occ.Add(24*time.Hour).Unix(), 10)
	nt, ok, err := nodes[1].tm.Get(ctx, 0, next)
	if err != nil || !ok || !nt.At.Equal(occ.Add(24*time.Hour)) {
		t.Fatalf("next planner %s: %+v %v %v", next, nt, ok, err)
	}

	// A planner that runs again (a retry, a replica that lost its ack) sends nothing twice.
	if err := nodes[1].cron.HandlePlan(ctx, pt); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		rescan(t, n.tm)
	}
	waitFor(t, 30*time.Second, "all acks", func() bool {
		due, data, leased, _, _ := shardState(t, srv.Client(t), 16)
		return due == 1 && data == 1 && leased == 0 // only the next planner
	})
	if s := sends.Load(); s != N {
		t.Fatalf("%d sends, want %d", s, N)
	}
	mu.Lock()
	for _, c := range chats {
		if len(got[c]) != 1 || !got[c][0].Equal(occ) {
			t.Errorf("chat %d got %v", c, got[c])
		}
	}
	mu.Unlock()

	// The next day's occurrence goes out once more to everyone.
	clk.Set(occ.Add(24 * time.Hour))
	for _, n := range nodes {
		n.tm.Kick()
	}
	waitFor(t, 30*time.Second, "second day", func() bool { return sends.Load() >= 2*N })
	waitFor(t, 30*time.Second, "third planner", func() bool {
		_, ok, _ := nodes[0].tm.Get(ctx, 0, "cron:morning:"+strconv.FormatInt(occ.Add(48*time.Hour).Unix(), 10))
		return ok
	})
	for _, n := range nodes {
		rescan(t, n.tm)
	}
	if s := sends.Load(); s != 2*N {
		t.Fatalf("%d sends after two days, want %d", s, 2*N)
	}
	mu.Lock()
	for _, c := range chats {
		if len(got[c]) != 2 {
			t.Errorf("chat %d got %v", c, got[c])
		}
	}
	mu.Unlock()
}

// A planner that fires days late (no replica was up) sends that occurrence (with its lateness
// visible to the feature) and plans the next one after now, not the missed ones.
func TestCronLatePlannerSkipsMissedOccurrences(t *testing.T) {
	srv := redistest.Start(t)
	clk := clock.NewFake(t0)
	ctx := context.Background()
	jobs, err := ParseCron([]CronEntry{{Name: "m", Spec: "0 8 * * *", Chats: []int64{1, 2}}}, hcm(t))
	if err != nil {
		t.Fatal(err)
	}
	tm := NewTimers(srv.Client(t), clk, testOpts(Options{}))
	c := NewCron(tm, jobs, nil)
	if err := PlanCron(ctx, tm, jobs, clk.Now()); err != nil {
		t.Fatal(err)
	}
	occ := time.Date(2025, 1, 6, 1, 0, 0, 0, time.UTC)
	clk.Set(occ.Add(3*24*time.Hour + time.Hour)) // Thursday 09:00 local
	var lates []time.Duration
	var mu sync.Mutex
	m := Mux{}
	c.Register(m, func(_ context.Context, s CronSend, late time.Duration) error {
		mu.Lock()
		lates = append(lates, late)
		mu.Unlock()
		return nil
	})
	run(t, tm, m.Handle)
	waitFor(t, 10*time.Second, "two sends", func() bool { mu.Lock(); defer mu.Unlock(); return len(lates) == 2 })
	mu.Lock()
	for _, l := range lates {
		if l != 73*time.Hour {
			t.Errorf("late = %v, want 73h", l)
		}
	}
	mu.Unlock()
	waitFor(t, 10*time.Second, "the next planner", func() bool {
		n, ok, _ := tm.Next(ctx)
		return ok && n.Equal(occ.Add(4*24*time.Hour))
	})
}

func TestMuxUnknownKindRetried(t *testing.T) {
	err := Mux{}.Handle(context.Background(), Timer{Kind: "nope"}, 0)
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("err = %v", err)
	}
}
