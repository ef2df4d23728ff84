package bot

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"thiduabot/domain"
)

type noBlocs struct{}

func (noBlocs) LoadBloc(context.Context, int64) (*domain.Bloc, error) { return nil, domain.ErrNoBloc }

// countingClaims are UpdateClaims that remember which updates were claimed.
type countingClaims struct {
	mu      sync.Mutex
	claimed map[int64]bool
	done    map[int64]bool
}

func (c *countingClaims) ClaimUpdate(_ context.Context, _, id int64, _ time.Duration) (string, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done[id] {
		return "", true, nil
	}
	c.claimed[id] = true
	return "t", false, nil
}

func (c *countingClaims) FinishUpdate(_ context.Context, _, id int64, _ string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done[id] = true
	return nil
}

func (c *countingClaims) ReleaseUpdate(context.Context, int64, int64, string) error { return nil }

// Updates routed to a SelfDeduped button kind or command reach their handler without a claim
// (their store script dedupes them); the others are claimed as before, and a duplicate of a
// claimed update is skipped. A handler sees the update in its context (HandlingUpdate).
func TestWebhookSkipsClaimsOfSelfDedupedUpdates(t *testing.T) {
	var votes, reports, units atomic.Int64
	var sawUpdate atomic.Int64
	r := NewRouter()
	r.Callback("bv", func(ctx context.Context, c *Context) error {
		if id, ok := HandlingUpdate(ctx); ok && id == c.Update.ID {
			sawUpdate.Add(1)
		}
		votes.Add(1)
		return nil
	})
	r.SelfDeduped("bv")
	r.Command(CommandInfo{Names: []string{"report"}}, func(context.Context, *Context) error { reports.Add(1); return nil })
	r.SelfDedupedWhen("report", func(u *Update) bool { return u.Args != "" })
	r.Command(CommandInfo{Names: []string{"units"}}, func(context.Context, *Context) error { units.Add(1); return nil })
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"ok":true,"result":true}`) // answerCallbackQuery
	}))
	defer api.Close()
	rt := New(Deps{API: NewAPI("1:secret-part", api.URL, 0), Router: r, CodecKey: []byte("k"), Blocs: noBlocs{},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(func() { rt.senderCancel() })
	claims := &countingClaims{claimed: map[int64]bool{}, done: map[int64]bool{}}
	h, err := NewWebhook(rt, WebhookOptions{Secret: "s", Claims: claims, ReplyWait: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	press := func(id int, data string) string {
		return `{"update_id":` + itoa(id) + `,"callback_query":{"id":"q` + itoa(id) + `","from":{"id":7,"first_name":"Lan"},` +
			`"message":{"message_id":3,"chat":{"id":-100,"type":"supergroup"}},"data":"` + data + `"}}`
	}
	vote := rt.Codec().Encode(-100, "bv", "1", "2")
	for _, c := range []struct {
		id          int
		body        string
		wantClaimed bool
	}{
		{1, press(1, vote), false},
		{2, update(2, "/report"), true}, // without text: not marked
		{3, strings.Replace(update(3, "/report"), `"text":"/report"`, `"text":"/report Hội thi"`, 1), false},
		{4, update(4, "/units"), true},
		{5, press(5, rt.Codec().Encode(-100, "other")), true}, // another kind
	} {
		if code := post(t, h, "s", c.body); code != http.StatusOK {
			t.Fatalf("update %d: %d", c.id, code)
		}
		claims.mu.Lock()
		got := claims.claimed[int64(c.id)]
		claims.mu.Unlock()
		if got != c.wantClaimed {
			t.Errorf("update %d claimed: %v, want %v", c.id, got, c.wantClaimed)
		}
	}
	// A duplicate of a claimed update is skipped; one of a self-deduped update reaches its
	// handler (whose script would replay it).
	post(t, h, "s", update(4, "/units"))
	post(t, h, "s", press(1, vote))
	if units.Load() != 1 || votes.Load() != 2 || reports.Load() != 2 || sawUpdate.Load() != 2 {
		t.Fatalf("handled: units %d, votes %d, reports %d; votes saw their update %d times", units.Load(), votes.Load(), reports.Load(), sawUpdate.Load())
	}
}

// EditFunc renders an edit when it goes out: a burst of changes to one message is one edit
// showing the newest content, rendered once; an edit whose render says no is not sent.
func TestEditFuncRendersWhenSent(t *testing.T) {
	var mu sync.Mutex
	var texts []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		texts = append(texts, r.Form.Get("text"))
		mu.Unlock()
		_, _ = io.WriteString(w, `{"ok":true,"result":true}`)
	}))
	defer api.Close()
	s := NewSender(context.Background(), NewAPI("1:x", api.URL, 0), NewMemLimiter(Limits{GlobalPerSecond: 1000}),
		slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	s.EditInterval = 50 * time.Millisecond
	var renders atomic.Int64
	state := atomic.Int64{}
	render := func() (string, [][]Button, bool) {
		renders.Add(1)
		return "count " + itoa(int(state.Load())), nil, true
	}
	// The first edit goes out at once; the next ones wait for the interval and coalesce.
	s.EditFunc(-100, 9, render)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 20; i++ {
		state.Store(int64(i))
		s.EditFunc(-100, 9, render)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := append([]string(nil), texts...)
	mu.Unlock()
	if len(got) != 2 || got[0] != "count 0" || got[1] != "count 20" || renders.Load() != 2 {
		t.Fatalf("edits sent %q, rendered %d times", got, renders.Load())
	}
	s.EditFunc(-100, 9, func() (string, [][]Button, bool) { return "", nil, false })
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(texts) != 2 {
		t.Fatalf("an edit whose render declined was sent: %q", texts)
	}
}
