package sandbox

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// maxSteps bounds how many due timers one clock move walks through.
const maxSteps = 10000

// Advance moves the simulated clock forward by d. Timers due on the way fire in order, each at
// its own time (as they would have if the bot had been waiting), not all at once at the end;
// Advance returns when none of them is still due.
func (s *Sandbox) Advance(ctx context.Context, d time.Duration) (time.Time, error) {
	if d <= 0 {
		return s.Clock.Now(), errors.New("sandbox: the clock only moves forward")
	}
	s.clockMu.Lock()
	defer s.clockMu.Unlock()
	return s.advanceTo(ctx, s.Clock.Now().Add(d))
}

// AdvanceToNext moves the clock to the next pending timer (a reminder, a ballot's deadline, a
// poll's end...) and lets it fire. ok is false when no timer is pending; the clock stays.
func (s *Sandbox) AdvanceToNext(ctx context.Context) (now time.Time, ok bool, err error) {
	s.clockMu.Lock()
	defer s.clockMu.Unlock()
	next, ok, err := s.App.Timers.Next(ctx)
	if err != nil || !ok {
		return s.Clock.Now(), false, err
	}
	now, err = s.advanceTo(ctx, next)
	return now, true, err
}

func (s *Sandbox) advanceTo(ctx context.Context, target time.Time) (time.Time, error) {
	for range maxSteps {
		next, ok, err := s.App.Timers.Next(ctx)
		if err != nil {
			return s.Clock.Now(), err
		}
		if !ok || next.After(target) {
			break
		}
		if next.After(s.Clock.Now()) {
			s.Clock.Set(next)
		}
		if err := s.settle(ctx); err != nil {
			return s.Clock.Now(), err
		}
	}
	s.Clock.Set(target)
	return s.Clock.Now(), s.settle(ctx)
}

// settle wakes the timers and waits until none is due or running any more (fired, or failed
// and moved to a later retry).
func (s *Sandbox) settle(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, Wait)
	defer cancel()
	tick := time.NewTicker(5 * time.Millisecond) // re-checks a condition; no time is waited for
	defer tick.Stop()
	for {
		s.App.Timers.Kick()
		next, ok, err := s.App.Timers.Next(ctx)
		if err == nil && (!ok || next.After(s.Clock.Now())) {
			// Claimed timers must have run too, before the clock may move on.
			if n, ferr := s.App.Timers.InFlight(ctx); ferr == nil && n == 0 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sandbox: timers due at %v still pending at %v", next, s.Clock.Now())
		case <-tick.C:
		}
	}
}
