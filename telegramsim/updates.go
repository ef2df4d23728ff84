package telegramsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// entry is one queued update (or a duplicate of one: same id, same body).
type entry struct {
	id   int64
	seq  uint64 // queue order
	kind string // "message", "callback_query", ...
	body []byte // the complete update JSON
	// requeued is set on a duplicate that has not been handed out yet: a getUpdates
	// offset does not confirm it before it has been returned once.
	requeued  bool
	returned  bool // returned by getUpdates at least once
	attempts  int  // failed webhook deliveries
	notBefore time.Time
	epoch     int // queue epoch when taken for a webhook delivery
}

// queue is a FIFO with cheap pops at the front.
type queue struct {
	items    []*entry
	head     int
	requeued int // entries with requeued set
	epoch    int // bumped when the queue is dropped
}

func (q *queue) len() int        { return len(q.items) - q.head }
func (q *queue) at(i int) *entry { return q.items[q.head+i] }
func (q *queue) push(e *entry)   { q.items = append(q.items, e); q.count(e, 1) }
func (q *queue) count(e *entry, d int) {
	if e.requeued {
		q.requeued += d
	}
}

func (q *queue) popFront() *entry {
	e := q.items[q.head]
	q.items[q.head] = nil
	q.head++
	q.count(e, -1)
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	} else if q.head > 1024 && q.head*2 > len(q.items) {
		q.items = append([]*entry(nil), q.items[q.head:]...)
		q.head = 0
	}
	return e
}

func (q *queue) removeAt(i int) {
	e := q.at(i)
	if i == 0 {
		q.popFront()
		return
	}
	q.items = slices.Delete(q.items, q.head+i, q.head+i+1)
	q.count(e, -1)
}

// pushFront puts e back before every entry queued after it (webhook retries keep
// their place in line).
func (q *queue) pushFront(e *entry) {
	p := 0
	for p < q.len() && q.at(p).seq < e.seq {
		p++
	}
	if p == 0 && q.head > 0 {
		q.head--
		q.items[q.head] = e
	} else {
		q.items = slices.Insert(q.items, q.head+p, e)
	}
	q.count(e, 1)
}

func (q *queue) clear() {
	q.items, q.head, q.requeued = nil, 0, 0
	q.epoch++
}

// signalQueueLocked wakes long polls and the webhook dispatcher.
func (s *Sim) signalQueueLocked() {
	if s.qSignal != nil {
		close(s.qSignal)
		s.qSignal = nil
	}
}

func (s *Sim) queueSignalLocked() <-chan struct{} {
	if s.qSignal == nil {
		s.qSignal = make(chan struct{})
	}
	return s.qSignal
}

// enqueueLocked creates an update of the given kind and queues it.
func (s *Sim) enqueueLocked(kind string, payload any) int64 {
	s.nextUpdateID++
	id := s.nextUpdateID
	buf := getBuffer()
	b := append((*buf)[:0], `{"update_id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"`...)
	b = append(b, kind...)
	b = append(b, `":`...)
	b = appendWire(b, payload)
	b = append(b, '}')
	body := append([]byte(nil), b...) // kept in the history: its own, exact size
	*buf = b
	putBuffer(buf)
	e := &entry{id: id, kind: kind, body: body}
	s.history[id] = e
	s.pushEntryLocked(e)
	s.stats.UpdatesQueued++
	s.stats.UpdatesByKind[kind]++
	s.stats.UpdateBytes[kind] += int64(len(body))
	if s.dupRate > 0 && s.rng.Float64() < s.dupRate {
		s.pushEntryLocked(&entry{id: id, kind: kind, body: body, requeued: true})
		s.stats.UpdatesDuplicated++
	}
	return id
}

func (s *Sim) pushEntryLocked(e *entry) {
	s.nextSeq++
	e.seq = s.nextSeq
	s.q.push(e)
	s.signalQueueLocked()
	s.changedLocked()
}

// Redeliver queues an update that was already created again, with the same
// update_id and body, as Telegram does when it is unsure a delivery went through.
func (s *Sim) Redeliver(updateID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.history[updateID]
	if e == nil {
		return fmt.Errorf("telegramsim: no update %d", updateID)
	}
	s.pushEntryLocked(&entry{id: e.id, kind: e.kind, body: e.body, requeued: true})
	s.stats.UpdatesDuplicated++
	return nil
}

// SetDuplicateRate makes a fraction p (0..1) of new updates arrive twice.
func (s *Sim) SetDuplicateRate(p float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dupRate = min(max(p, 0), 1)
}

// LastUpdateID returns the id of the newest update created so far.
func (s *Sim) LastUpdateID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nextUpdateID
}

// UpdateJSON returns the body of an update created so far.
func (s *Sim) UpdateJSON(updateID int64) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.history[updateID]
	if e == nil {
		return nil, false
	}
	return json.RawMessage(e.body), true
}

// PendingUpdates is the number of updates not yet confirmed by the bot.
func (s *Sim) PendingUpdates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pendingLocked()
}

func (s *Sim) pendingLocked() int {
	n := s.q.len()
	if s.wh != nil {
		n += s.wh.inflight
	}
	return n
}

// defaultExcluded are the update types Telegram leaves out unless asked for.
var defaultExcluded = map[string]bool{"chat_member": true, "message_reaction": true, "message_reaction_count": true}

func (s *Sim) allowedLocked(kind string) bool {
	if s.allowed == nil {
		return !defaultExcluded[kind]
	}
	return s.allowed[kind]
}

// setAllowedLocked applies an allowed_updates parameter; absent or null keeps the
// previous setting, [] restores the default.
func (s *Sim) setAllowedLocked(raw string) error {
	if raw == "" || raw == "null" {
		return nil
	}
	var kinds []string
	if err := json.Unmarshal([]byte(raw), &kinds); err != nil {
		return badRequest("can't parse allowed updates JSON array")
	}
	if len(kinds) == 0 {
		s.allowed = nil
		return nil
	}
	s.allowed = make(map[string]bool, len(kinds))
	for _, k := range kinds {
		s.allowed[k] = true
	}
	return nil
}

func (s *Sim) allowedList() []string {
	if s.allowed == nil {
		return nil
	}
	out := make([]string, 0, len(s.allowed))
	for k := range s.allowed {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var (
	errConflictWebhook = &apiError{code: 409, desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	errConflictPoll    = &apiError{code: 409, desc: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}
	errConflictSetHook = &apiError{code: 409, desc: "Conflict: terminated by setWebhook request"}
)

// getUpdates implements long polling: offset confirms every update with a lower
// id, timeout holds the request until an update arrives. A newer getUpdates ends
// a pending one with 409, as on Telegram when two instances poll.
func (s *Sim) getUpdates(rq *request) (any, error) {
	offset, hasOffset, err := rq.int64("offset")
	if err != nil {
		return nil, err
	}
	limit, _, err := rq.int64("limit")
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _, err := rq.int64("timeout")
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(time.Duration(max(timeout, 0)) * time.Second)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wh != nil {
		return nil, errConflictWebhook
	}
	if err := s.setAllowedLocked(rq.str("allowed_updates")); err != nil {
		return nil, err
	}
	s.pollGen++
	gen := s.pollGen
	s.signalQueueLocked() // ends an older poll
	s.changedLocked()
	if hasOffset && offset != 0 {
		s.confirmLocked(offset)
	}
	for {
		if out := s.takeUpdatesLocked(int(limit)); len(out) > 0 {
			return out, nil
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return json.RawMessage("[]"), nil
		}
		sig := s.queueSignalLocked()
		s.mu.Unlock()
		timer := time.NewTimer(wait)
		select {
		case <-sig:
		case <-timer.C:
		case <-rq.ctx.Done():
		case <-s.done:
		}
		timer.Stop()
		s.mu.Lock()
		select {
		case <-rq.ctx.Done():
			return json.RawMessage("[]"), nil
		case <-s.done:
			return json.RawMessage("[]"), nil
		default:
		}
		if s.pollGen != gen {
			return nil, errConflictPoll
		}
		if s.wh != nil {
			return nil, errConflictSetHook
		}
	}
}

// confirmLocked forgets updates below offset (or, for a negative offset, all but
// the last -offset ones).
func (s *Sim) confirmLocked(offset int64) {
	if offset < 0 {
		for s.q.len() > int(-offset) {
			s.q.popFront()
		}
		return
	}
	confirmed := func(e *entry) bool { return e.id < offset && !e.requeued }
	for s.q.len() > 0 && confirmed(s.q.at(0)) {
		s.q.popFront()
	}
	if s.q.requeued > 0 {
		for i := 0; i < s.q.len(); {
			if confirmed(s.q.at(i)) {
				s.q.removeAt(i)
			} else {
				i++
			}
		}
	}
}

// takeUpdatesLocked returns up to limit queued updates as a JSON array, dropping
// the ones allowed_updates excludes. They stay queued until confirmed.
func (s *Sim) takeUpdatesLocked(limit int) json.RawMessage {
	var b bytes.Buffer
	n := 0
	for i := 0; i < s.q.len() && n < limit; {
		e := s.q.at(i)
		if !s.allowedLocked(e.kind) {
			s.q.removeAt(i)
			continue
		}
		if n == 0 {
			b.WriteByte('[')
		} else {
			b.WriteByte(',')
		}
		b.Write(e.body)
		n++
		if !e.returned {
			e.returned = true
			s.stats.UpdatesDelivered++
		}
		if e.requeued {
			e.requeued = false
			s.q.requeued--
		}
		i++
	}
	if n == 0 {
		return nil
	}
	b.WriteByte(']')
	s.changedLocked()
	return b.Bytes()
}
