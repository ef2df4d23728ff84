package sandbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// start is the simulated clock's first reading in the tests: 15/01/2024 09:00 in Tây Ninh.
var start = time.Date(2024, 1, 15, 2, 0, 0, 0, time.UTC)

// running is a sandbox serving on a free loopback port, stopped when the test ends.
type running struct {
	*Sandbox
	URL string
}

// startSandbox starts a sandbox; prepare, when given, runs after New and before Run.
func startSandbox(t testing.TB, o Options, prepare ...func(*Sandbox)) *running {
	t.Helper()
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Start.IsZero() {
		o.Start = start
	}
	if o.Log == nil {
		var w io.Writer = io.Discard
		if os.Getenv("SANDBOX_LOG") != "" {
			w = os.Stderr
		}
		o.Log = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	sb, err := New(o)
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	for _, f := range prepare {
		f(sb)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- sb.Run(ctx, func(url string) { ready <- url }) }()
	var url string
	select {
	case url = <-ready:
	case err := <-done:
		cancel()
		sb.Close()
		t.Fatalf("sandbox stopped before it was ready: %v", err)
	case <-time.After(2 * Wait):
		cancel()
		t.Fatalf("sandbox not ready within %v", 2*Wait)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("sandbox.Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("sandbox did not stop within 30s")
		}
		sb.Close()
	})
	return &running{Sandbox: sb, URL: url}
}

// post sends a JSON request to the page's API and decodes the answer into out.
func (r *running) post(t testing.TB, path string, body, out any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post(r.URL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatalf("POST %s: decoding the answer: %v", path, err)
		}
	}
	return res.StatusCode
}

func (r *running) state(t testing.TB) jsonSnapshot {
	t.Helper()
	res, err := http.Get(r.URL + "/api/state")
	if err != nil {
		t.Fatalf("GET /api/state: %v", err)
	}
	defer res.Body.Close()
	var snap jsonSnapshot
	if err := json.NewDecoder(res.Body).Decode(&snap); err != nil {
		t.Fatalf("GET /api/state: %v", err)
	}
	return snap
}

// sseEvent is one server-sent event.
type sseEvent struct {
	Kind string
	Data json.RawMessage
}

// events reads the page's event stream in the background.
type events struct {
	mu     sync.Mutex
	list   []sseEvent
	change chan struct{}
	err    error
}

func (r *running) subscribe(t testing.TB) *events {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, r.URL+"/api/events", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /api/events: %v", err)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("GET /api/events: Content-Type %q", ct)
	}
	ev := &events{change: make(chan struct{})}
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		var kind string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				kind = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.add(sseEvent{Kind: kind, Data: json.RawMessage(strings.TrimPrefix(line, "data: "))}, nil)
			}
		}
		ev.add(sseEvent{}, fmt.Errorf("stream ended: %v", sc.Err()))
	}()
	return ev
}

func (e *events) add(ev sseEvent, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil {
		e.err = err
	} else {
		e.list = append(e.list, ev)
	}
	close(e.change)
	e.change = make(chan struct{})
}

// wait returns the first event (from index from on) that matches, waiting up to Wait.
func (e *events) wait(t testing.TB, from int, match func(sseEvent) bool) (sseEvent, int) {
	t.Helper()
	deadline := time.NewTimer(Wait)
	defer deadline.Stop()
	for {
		e.mu.Lock()
		for i := from; i < len(e.list); i++ {
			if match(e.list[i]) {
				ev := e.list[i]
				e.mu.Unlock()
				return ev, i + 1
			}
		}
		from = len(e.list)
		ch, err := e.change, e.err
		e.mu.Unlock()
		if err != nil {
			t.Fatalf("event stream: %v", err)
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("no matching event within %v", Wait)
		}
	}
}

// botMessage matches a new or edited bot message in chat whose text contains every part.
func botMessage(chat int64, parts ...string) func(sseEvent) bool {
	return func(ev sseEvent) bool {
		if ev.Kind != "message" && ev.Kind != "edit" {
			return false
		}
		var m jsonMessage
		if json.Unmarshal(ev.Data, &m) != nil || m.Chat != chat || m.From == nil || !m.From.Bot {
			return false
		}
		for _, p := range parts {
			if !strings.Contains(m.Text, p) {
				return false
			}
		}
		return true
	}
}

func decodeMessage(t testing.TB, ev sseEvent) jsonMessage {
	t.Helper()
	var m jsonMessage
	if err := json.Unmarshal(ev.Data, &m); err != nil {
		t.Fatalf("event %s: %v", ev.Kind, err)
	}
	return m
}
