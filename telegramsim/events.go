package telegramsim

import (
	"maps"
	"sync"
	"time"
)

// EventKind says what an Event is about.
type EventKind string

const (
	EventMessage EventKind = "message" // a message was added (by a user or the bot)
	EventEdit    EventKind = "edit"    // a message was edited
	EventDelete  EventKind = "delete"  // a message was deleted
	EventPress   EventKind = "press"   // a user pressed an inline button
	EventAnswer  EventKind = "answer"  // the bot answered a callback query
	EventChat    EventKind = "chat"    // a chat was created or the bot's membership changed
)

// Event is one entry of the live stream Subscribe returns.
type Event struct {
	Kind      EventKind
	Time      time.Time // wall time
	ChatID    int64
	MessageID int
	Message   *Message // EventMessage, EventEdit: the message after the change
	Answer    *Answer  // EventAnswer
	UserID    int64    // EventPress, EventAnswer: who pressed
	Data      string   // EventPress, EventAnswer: callback data
}

// subscriber buffers events without bound, so a slow reader never blocks the
// simulator and never loses an event.
type subscriber struct {
	ch      chan Event
	mu      sync.Mutex
	pending []Event
	wake    chan struct{} // capacity 1
	stop    chan struct{}
	once    sync.Once
}

func (sub *subscriber) push(ev Event) {
	sub.mu.Lock()
	sub.pending = append(sub.pending, ev)
	sub.mu.Unlock()
	select {
	case sub.wake <- struct{}{}:
	default:
	}
}

func (sub *subscriber) cancel() { sub.once.Do(func() { close(sub.stop) }) }

func (sub *subscriber) pump() {
	defer close(sub.ch)
	for {
		sub.mu.Lock()
		batch := sub.pending
		sub.pending = nil
		sub.mu.Unlock()
		for _, ev := range batch {
			select {
			case sub.ch <- ev:
			case <-sub.stop:
				return
			}
		}
		if len(batch) > 0 {
			continue
		}
		select {
		case <-sub.wake:
		case <-sub.stop:
			return
		}
	}
}

// Subscribe returns a live stream of events (messages added, edited, deleted,
// buttons pressed, callbacks answered, chats created) for a UI such as the
// sandbox page. The channel is closed after cancel or Close. Events are buffered
// without bound; a reader that falls behind delays nothing.
func (s *Sim) Subscribe() (<-chan Event, func()) {
	sub := &subscriber{ch: make(chan Event, 64), wake: make(chan struct{}, 1), stop: make(chan struct{})}
	s.mu.Lock()
	s.nextSub++
	id := s.nextSub
	s.subs[id] = sub
	s.mu.Unlock()
	go sub.pump()
	cancel := func() {
		s.mu.Lock()
		delete(s.subs, id)
		s.mu.Unlock()
		sub.cancel()
	}
	return sub.ch, cancel
}

// emitLocked publishes an event to the subscribers.
func (s *Sim) emitLocked(ev Event) {
	if len(s.subs) == 0 {
		return
	}
	ev.Time = time.Now()
	for _, sub := range s.subs {
		sub.push(ev)
	}
}

// Calls returns the bot's requests to a method ("" for all), in order.
func (s *Sim) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	if method == "" {
		return s.calls.all()
	}
	if name, fn := lookupMethod(method); fn != nil {
		method = name
	}
	idx := s.callsBy[method]
	out := make([]Call, len(idx))
	for i, k := range idx {
		out[i] = s.calls.at(k)
	}
	return out
}

// Stats returns a copy of the counters.
func (s *Sim) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Requests = maps.Clone(s.stats.Requests)
	st.Errors = maps.Clone(s.stats.Errors)
	st.UpdatesByKind = maps.Clone(s.stats.UpdatesByKind)
	st.UpdateBytes = maps.Clone(s.stats.UpdateBytes)
	st.UpdatesPending = s.pendingLocked()
	return st
}

// chunkLog keeps every record of a kind (the bot's calls, callback answers) in
// chunks: adding one never copies the others (a benchmark makes hundreds of thousands).
type chunkLog[T any] struct {
	chunks [][]T
	n      int
}

const logChunk = 1024

// add appends v and returns its index.
func (l *chunkLog[T]) add(v T) int {
	if l.n%logChunk == 0 {
		l.chunks = append(l.chunks, make([]T, 0, logChunk))
	}
	last := &l.chunks[len(l.chunks)-1]
	*last = append(*last, v)
	l.n++
	return l.n - 1
}

func (l *chunkLog[T]) at(i int) T { return l.chunks[i/logChunk][i%logChunk] }

// all returns a copy of every record in order (nil when there is none).
func (l *chunkLog[T]) all() []T {
	if l.n == 0 {
		return nil
	}
	out := make([]T, 0, l.n)
	for _, ch := range l.chunks {
		out = append(out, ch...)
	}
	return out
}
