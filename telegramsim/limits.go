package telegramsim

import (
	"math"
	"time"
)

// Limits is Telegram's flood control. Zero fields take Telegram's documented
// values; a negative field turns that limit off. Windows are measured on wall
// time, divided by Scale.
//
// Counted methods: sendMessage, sendDocument, sendPhoto, sendPoll and the
// editMessage* methods (Telegram limits edits too). A request over a limit gets
// 429 "Too Many Requests: retry after N" with parameters.retry_after = N, the
// wall-clock seconds until it would pass, rounded up, at least 1.
type Limits struct {
	// PerChat is the minimum gap between two messages to one private chat (1s).
	PerChat time.Duration
	// PerGroupPerMinute caps messages to one group or supergroup per minute (20).
	PerGroupPerMinute int
	// GlobalPerSecond caps messages over all chats per second (30).
	GlobalPerSecond int
	// Scale speeds the clock of the limits up: 10 means windows 10x shorter.
	Scale float64
}

type limiter struct {
	perChat      time.Duration
	groupWindow  time.Duration
	globalWindow time.Duration
	groupN       int
	global       *ring
	chats        map[int64]*chatRate
}

type chatRate struct {
	last time.Time
	ring *ring
}

// ring holds the times of the last n accepted messages.
type ring struct {
	t   []time.Time
	pos int
}

func newRing(n int) *ring { return &ring{t: make([]time.Time, n)} }

// wait is how long until one more message fits in window.
func (r *ring) wait(now time.Time, window time.Duration) time.Duration {
	oldest := r.t[r.pos]
	if oldest.IsZero() {
		return 0
	}
	return max(window-now.Sub(oldest), 0)
}

func (r *ring) add(now time.Time) {
	r.t[r.pos] = now
	r.pos = (r.pos + 1) % len(r.t)
}

func newLimiter(l Limits) *limiter {
	scale := l.Scale
	if scale <= 0 {
		scale = 1
	}
	scaled := func(d time.Duration) time.Duration { return time.Duration(float64(d) / scale) }
	lim := &limiter{chats: make(map[int64]*chatRate)}
	switch {
	case l.PerChat == 0:
		lim.perChat = scaled(time.Second)
	case l.PerChat > 0:
		lim.perChat = scaled(l.PerChat)
	}
	switch {
	case l.PerGroupPerMinute == 0:
		lim.groupN = 20
	case l.PerGroupPerMinute > 0:
		lim.groupN = l.PerGroupPerMinute
	}
	lim.groupWindow = scaled(time.Minute)
	n := l.GlobalPerSecond
	if n == 0 {
		n = 30
	}
	if n > 0 {
		lim.global = newRing(n)
		lim.globalWindow = scaled(time.Second)
	}
	return lim
}

// allow records a message to chat c at now, or returns how long to wait.
func (l *limiter) allow(c *Chat, now time.Time) time.Duration {
	var wait time.Duration
	if l.global != nil {
		wait = l.global.wait(now, l.globalWindow)
	}
	cr := l.chats[c.ID]
	if cr == nil {
		cr = &chatRate{}
		if c.Type != "private" && l.groupN > 0 {
			cr.ring = newRing(l.groupN)
		}
		l.chats[c.ID] = cr
	}
	if c.Type == "private" {
		if l.perChat > 0 && !cr.last.IsZero() {
			wait = max(wait, l.perChat-now.Sub(cr.last))
		}
	} else if cr.ring != nil {
		wait = max(wait, cr.ring.wait(now, l.groupWindow))
	}
	if wait > 0 {
		return wait
	}
	if l.global != nil {
		l.global.add(now)
	}
	cr.last = now
	if cr.ring != nil {
		cr.ring.add(now)
	}
	return 0
}

// floodLocked applies flood control to one message for chat c.
func (s *Sim) floodLocked(c *Chat) error {
	if s.lim == nil {
		return nil
	}
	wait := s.lim.allow(c, time.Now())
	if wait <= 0 {
		return nil
	}
	return tooManyRequests(max(int(math.Ceil(wait.Seconds())), 1))
}

// SetLimits replaces the flood control settings (nil turns it off); counters start
// afresh.
func (s *Sim) SetLimits(l *Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lim = nil
	if l != nil {
		s.lim = newLimiter(*l)
	}
}
