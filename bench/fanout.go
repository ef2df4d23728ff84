package bench

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"thiduabot/clock"
	"thiduabot/config"
	"thiduabot/store"
	"thiduabot/telegramsim"
)

// FanOutResult is one recurring reminder sent to every bloc.
type FanOutResult struct {
	Groups     int
	Scale      float64
	Sent       int // groups that got the reminder
	Duplicates int // reminders beyond the first to a group
	TooMany    int // 429 answers
	Span       time.Duration
	Rate       float64 // achieved messages per second
	Allowed    float64 // Telegram's 30 per second, scaled
	Warnings   string
}

// FanOut sends a recurring reminder (config `recurring`, limits.shared) to n blocs, with the
// simulator enforcing Telegram's limits sped up scale times and the bot configured with the
// same scaled limits, as the reminders' own fan-out test does.
func FanOut(ctx context.Context, n int, scale float64) (FanOutResult, error) {
	res := FanOutResult{Groups: n, Scale: scale, Allowed: 30 * scale}
	// 10/03/2025 07:30 in Tây Ninh; the reminder is due at 08:00.
	clk := clock.NewFake(time.Date(2025, 3, 10, 0, 30, 0, 0, time.UTC))
	w, err := NewWorld(WorldOptions{Mode: "polling", Clock: clk, SimLimits: &telegramsim.Limits{Scale: scale},
		Configure: func(c *config.Config) {
			c.Limits.GroupPerMinute = int(20 * scale)
			c.Limits.PrivateInterval = time.Duration(float64(time.Second) / scale)
			c.Limits.GlobalPerSecond = 30 * scale
			c.Limits.Shared = true
			c.Recurring = []config.CronItem{{Name: "daily-check", Spec: "CRON_TZ=Asia/Ho_Chi_Minh 0 8 * * *",
				Text: map[string]string{"vi": "Nhắc: các đơn vị kiểm tra hạn chót trong ngày (/dshanchot).", "en": "Reminder: check today's deadlines (/deadlines)."}}}
		}})
	if err != nil {
		return res, err
	}
	defer w.Close()
	chats := make(map[int64]bool, n)
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = w.Sim.NewSupergroup(fmt.Sprintf("Khối thi đua số %d", i+1)).ID
		chats[ids[i]] = true
	}
	if err := parallel(n, 32, func(i int) error {
		_, err := w.Store.Setup(ctx, ids[i], store.Op{}, fmt.Sprintf("Khối thi đua số %d", i+1), "vi", "Asia/Ho_Chi_Minh")
		return err
	}); err != nil {
		return res, err
	}
	if err := w.Start(); err != nil {
		return res, err
	}
	var mu sync.Mutex
	per := map[int64]int{}
	var times []time.Time
	var got atomic.Int64
	events, stop := w.Sim.Subscribe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range events {
			if ev.Kind == telegramsim.EventMessage && ev.Message != nil && ev.Message.From == nil && chats[ev.ChatID] {
				mu.Lock()
				per[ev.ChatID]++
				if per[ev.ChatID] == 1 {
					got.Add(1)
				}
				times = append(times, ev.Time)
				mu.Unlock()
			}
		}
	}()
	// The recurring reminder is planned as the bot starts: wait for its planner timer.
	for wait := time.Now().Add(10 * time.Second); ; {
		if _, ok, err := w.App.Timers.Next(ctx); err == nil && ok {
			break
		}
		if time.Now().After(wait) {
			return res, fmt.Errorf("fan-out: the recurring reminder was not planned")
		}
		time.Sleep(10 * time.Millisecond) // polling a condition, bounded
	}
	clk.Set(time.Date(2025, 3, 10, 1, 0, 0, 0, time.UTC))
	budget := time.Duration(float64(n)/res.Allowed*2*float64(time.Second)) + 30*time.Second
	deadline := time.Now().Add(budget)
	for got.Load() < int64(n) && time.Now().Before(deadline) {
		w.App.Timers.Kick()
		time.Sleep(50 * time.Millisecond) // waking the timers while waiting for the sends, bounded
	}
	// Give late duplicates a moment to show up.
	time.Sleep(time.Second) // a grace period on wall time for duplicates
	stop()
	<-done
	mu.Lock()
	defer mu.Unlock()
	res.Sent = len(per)
	for _, c := range per {
		res.Duplicates += c - 1
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	if len(times) > 1 {
		res.Span = times[len(times)-1].Sub(times[0])
		res.Rate = float64(len(times)-1) / res.Span.Seconds()
	}
	res.TooMany = w.Sim.Stats().TooManyRequests
	res.Warnings = w.Log.Summary()
	if res.Sent < n {
		return res, fmt.Errorf("fan-out: only %d of %d groups got the reminder within %v (bot log: %s)", res.Sent, n, budget, res.Warnings)
	}
	return res, nil
}

// parallel runs f(0..n-1) on workers goroutines and returns the first error.
func parallel(n, workers int, f func(i int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}
