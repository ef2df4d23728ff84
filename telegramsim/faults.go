package telegramsim

import (
	"net/http"
	"strings"
	"time"
)

// FaultKind is a way the Bot API can fail.
type FaultKind int

const (
	// FaultNone is no fault (SetOutage(FaultNone, …) ends an outage too).
	FaultNone FaultKind = iota
	// Fault5xx answers 500 {"ok":false,"error_code":500,"description":"Internal Server Error"}
	// without executing the request.
	Fault5xx
	// FaultBadGateway answers 502 with nginx's HTML page (not JSON), as Telegram's
	// front end does during incidents. Not executed.
	FaultBadGateway
	// FaultTimeout holds the request, unexecuted, until the client gives up (or
	// Hold elapses, or the outage ends), then answers 504 Gateway Timeout.
	FaultTimeout
	// FaultDrop closes the connection without an answer. Not executed.
	FaultDrop
	// Fault429 answers 429 Too Many Requests with retry_after = RetryAfter (1 by
	// default). Not executed.
	Fault429
	// FaultLostResponse executes the request, then closes the connection without an
	// answer: the message is sent but the bot sees an error (the duplicate-send
	// hazard).
	FaultLostResponse
	// FaultSlow waits Hold, then executes the request and answers normally, even if
	// the client has given up in the meantime.
	FaultSlow
)

var faultNames = [...]string{"none", "5xx", "bad-gateway", "timeout", "drop", "429", "lost-response", "slow"}

func (k FaultKind) String() string {
	if k >= 0 && int(k) < len(faultNames) {
		return faultNames[k]
	}
	return "FaultKind(?)"
}

// Faults describes injected failures for the next matching requests.
type Faults struct {
	Method     string // method name, case-insensitive; "" matches every method
	ChatID     int64  // 0 matches every chat
	Kind       FaultKind
	Count      int // how many matching requests fail; 0 means 1, negative means until ClearFaults
	RetryAfter int // Fault429: retry_after seconds (default 1)
	// Hold is FaultTimeout's longest hold (0: until the client gives up) and
	// FaultSlow's delay.
	Hold time.Duration
}

type faultRule struct {
	Faults
	left int
}

var (
	errInternal      = &apiError{code: 500, desc: "Internal Server Error"}
	errGatewayTimout = &apiError{code: 504, desc: "Gateway Timeout"}
	errBadGateway    = &apiError{code: 502, desc: "Bad Gateway"}
	errDropped       = &apiError{code: -1, desc: "connection dropped (injected fault)"}
)

const badGatewayPage = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"

// InjectFaults makes the next f.Count requests matching f.Method and f.ChatID fail
// with f.Kind. Rules are checked in the order they were injected.
func (s *Sim) InjectFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	left := f.Count
	if left == 0 {
		left = 1
	}
	s.faults = append(s.faults, &faultRule{Faults: f, left: left})
}

// ClearFaults drops every injected fault that has not fired yet.
func (s *Sim) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// SetOutage puts the whole Bot API down (on) with the given kind of failure, or
// brings it back (off). Requests held by a FaultTimeout outage are released with
// 504 when it ends.
func (s *Sim) SetOutage(kind FaultKind, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.outageCh != nil {
		close(s.outageCh)
		s.outageCh = nil
	}
	s.outage = FaultNone
	if on && kind != FaultNone {
		s.outage = kind
		s.outageCh = make(chan struct{})
	}
	s.changedLocked()
}

// takeFaultLocked returns the fault the request meets, if any.
func (s *Sim) takeFaultLocked(rq *request) (Faults, <-chan struct{}, bool) {
	if s.outage != FaultNone {
		return Faults{Kind: s.outage, RetryAfter: 1}, s.outageCh, true
	}
	var chatID int64
	if id, ok, err := rq.int64("chat_id"); ok && err == nil {
		chatID = id
	}
	for i, f := range s.faults {
		if (f.Method == "" || strings.EqualFold(f.Method, rq.method)) && (f.ChatID == 0 || f.ChatID == chatID) {
			if f.left > 0 {
				f.left--
				if f.left == 0 {
					s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
				}
			}
			return f.Faults, nil, true
		}
	}
	return Faults{}, nil, false
}

// applyFault serves an injected fault; it reports whether it handled the request.
func (s *Sim) applyFault(w http.ResponseWriter, r *http.Request, rq *request, fn methodFunc) bool {
	s.mu.Lock()
	f, outageEnd, ok := s.takeFaultLocked(rq)
	if ok {
		s.stats.FaultsInjected++
		s.changedLocked()
	}
	s.mu.Unlock()
	if !ok {
		return false
	}
	switch f.Kind {
	case Fault5xx:
		s.record(rq, errInternal)
		writeAPI(w, nil, errInternal)
	case FaultBadGateway:
		s.record(rq, errBadGateway)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(badGatewayPage))
	case Fault429:
		retry := f.RetryAfter
		if retry <= 0 {
			retry = 1
		}
		e := tooManyRequests(retry)
		s.record(rq, e)
		writeAPI(w, nil, e)
	case FaultTimeout:
		var hold <-chan time.Time
		if f.Hold > 0 {
			t := time.NewTimer(f.Hold)
			defer t.Stop()
			hold = t.C
		}
		select {
		case <-r.Context().Done():
		case <-hold:
		case <-outageEnd:
		case <-s.done:
		}
		s.record(rq, errGatewayTimout)
		writeAPI(w, nil, errGatewayTimout)
	case FaultDrop:
		s.record(rq, errDropped)
		dropConnection(w)
	case FaultLostResponse:
		_, _ = s.invoke(rq, fn)
		dropConnection(w)
	case FaultSlow:
		t := time.NewTimer(f.Hold)
		select {
		case <-t.C:
		case <-s.done:
		}
		t.Stop()
		res, err := s.invoke(rq, fn)
		writeAPI(w, res, err)
	default:
		return false
	}
	return true
}

// dropConnection closes the client connection without a response.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}
