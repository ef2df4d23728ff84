package bot

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits are Telegram's sending limits.
type Limits struct {
	GroupPerMinute  int           // messages to one group per minute (20)
	PrivateInterval time.Duration // gap between messages to one private chat (1s)
	GlobalPerSecond float64       // messages per second overall (30)
}

// DefaultLimits are Telegram's published limits.
var DefaultLimits = Limits{GroupPerMinute: 20, PrivateInterval: time.Second, GlobalPerSecond: 30}

// MemLimiter paces one process: a sliding one-minute window per group, a gap per private chat,
// a token bucket overall. Interactive sends go before bulk ones.
type MemLimiter struct {
	lim    Limits
	global *rate.Limiter

	bulkGate sync.Mutex // one bulk sender at a time takes global tokens

	mu          sync.Mutex
	chats       map[int64]*chatWindow
	interactive int
	calls       int
}

type chatWindow struct {
	sent   []time.Time // times of recent sends, oldest first
	paused time.Time
}

// NewMemLimiter returns a limiter with the given limits (zero fields take the defaults).
func NewMemLimiter(l Limits) *MemLimiter {
	if l.GroupPerMinute <= 0 {
		l.GroupPerMinute = DefaultLimits.GroupPerMinute
	}
	if l.PrivateInterval <= 0 {
		l.PrivateInterval = DefaultLimits.PrivateInterval
	}
	if l.GlobalPerSecond <= 0 {
		l.GlobalPerSecond = DefaultLimits.GlobalPerSecond
	}
	return &MemLimiter{lim: l, global: rate.NewLimiter(rate.Limit(l.GlobalPerSecond), 1), chats: map[int64]*chatWindow{}}
}

// next returns when chat may send next, and records the send when that is now.
func (m *MemLimiter) next(chatID int64, now time.Time) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	w := m.chats[chatID]
	if w == nil {
		w = &chatWindow{}
		m.chats[chatID] = w
	}
	if m.calls++; m.calls%4096 == 0 {
		m.prune(now)
	}
	if now.Before(w.paused) {
		return w.paused.Sub(now)
	}
	if g, ok := m.chats[0]; ok && now.Before(g.paused) {
		return g.paused.Sub(now)
	}
	if chatID < 0 { // a group
		cut := 0
		for cut < len(w.sent) && now.Sub(w.sent[cut]) >= time.Minute {
			cut++
		}
		w.sent = w.sent[cut:]
		if len(w.sent) >= m.lim.GroupPerMinute {
			return w.sent[0].Add(time.Minute).Sub(now)
		}
	} else if n := len(w.sent); n > 0 && now.Sub(w.sent[n-1]) < m.lim.PrivateInterval {
		return w.sent[n-1].Add(m.lim.PrivateInterval).Sub(now)
	} else if n > 0 {
		w.sent = w.sent[:0]
	}
	w.sent = append(w.sent, now)
	return 0
}

func (m *MemLimiter) prune(now time.Time) {
	for id, w := range m.chats {
		if len(w.sent) == 0 || now.Sub(w.sent[len(w.sent)-1]) > time.Minute && now.After(w.paused) {
			delete(m.chats, id)
		}
	}
}

// Wait blocks until a message to chatID may go.
func (m *MemLimiter) Wait(ctx context.Context, chatID int64, bulk bool) error {
	if !bulk {
		m.mu.Lock()
		m.interactive++
		m.mu.Unlock()
		defer func() {
			m.mu.Lock()
			m.interactive--
			m.mu.Unlock()
		}()
	}
	for {
		d := m.next(chatID, time.Now())
		if d == 0 {
			break
		}
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
	if !bulk {
		return m.global.Wait(ctx)
	}
	// Bulk sends take the global tokens one sender at a time and only while no interactive
	// reply waits, so a fan-out of thousands never queues ahead of a person's reply.
	m.bulkGate.Lock()
	defer m.bulkGate.Unlock()
	for {
		m.mu.Lock()
		busy := m.interactive > 0
		m.mu.Unlock()
		if !busy {
			return m.global.Wait(ctx)
		}
		if err := sleep(ctx, 2*time.Millisecond); err != nil {
			return err
		}
	}
}

// Pause stops sends to a chat (0: every chat) for d.
func (m *MemLimiter) Pause(chatID int64, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w := m.chats[chatID]
	if w == nil {
		w = &chatWindow{}
		m.chats[chatID] = w
	}
	if until := time.Now().Add(d); until.After(w.paused) {
		w.paused = until
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
