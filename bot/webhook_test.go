package bot

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// webhookRuntime is a runtime with two commands: /ok is applied, /down meets a store outage.
func webhookRuntime(t *testing.T) (*Runtime, *atomic.Int64) {
	t.Helper()
	var applied atomic.Int64
	r := NewRouter()
	r.Command(CommandInfo{Names: []string{"ok"}}, func(context.Context, *Context) error { applied.Add(1); return nil })
	r.Command(CommandInfo{Names: []string{"down"}}, func(context.Context, *Context) error { return errors.New("dial tcp: connection refused") })
	rt := New(Deps{API: NewAPI("1:secret-part", "http://127.0.0.1:1", 0), Router: r,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	rt.Unavailable = func(err error) bool { return strings.Contains(err.Error(), "refused") }
	t.Cleanup(func() { rt.senderCancel() })
	return rt, &applied
}

func post(t *testing.T, h http.Handler, secret, body string) int {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	if secret != "" {
		req.Header.Set(SecretHeader, secret)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

func update(id int, text string) string {
	return `{"update_id":` + itoa(id) + `,"message":{"message_id":1,"date":1,"chat":{"id":-100,"type":"supergroup","title":"G"},` +
		`"from":{"id":7,"first_name":"Lan"},"text":"` + text + `","entities":[{"type":"bot_command","offset":0,"length":` + itoa(len(text)) + `}]}}`
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestWebhookAnswers(t *testing.T) {
	rt, applied := webhookRuntime(t)
	h, err := NewWebhook(rt, WebhookOptions{Secret: "s3cret", MaxBody: 2048})
	if err != nil {
		t.Fatal(err)
	}
	if code := post(t, h, "s3cret", update(1, "/ok")); code != http.StatusOK || applied.Load() != 1 {
		t.Fatalf("applied update: %d, applied %d", code, applied.Load())
	}
	if code := post(t, h, "wrong", update(2, "/ok")); code != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d", code)
	}
	if code := post(t, h, "", update(3, "/ok")); code != http.StatusUnauthorized {
		t.Fatalf("no secret: %d", code)
	}
	if code := post(t, h, "s3cret", update(4, "/ok "+strings.Repeat("x", 4000))); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("large body: %d", code)
	}
	if code := post(t, h, "s3cret", `{"update_id":`); code != http.StatusBadRequest {
		t.Fatalf("bad JSON: %d", code)
	}
	if code := post(t, h, "s3cret", `{"message":{}}`); code != http.StatusBadRequest {
		t.Fatalf("no update id: %d", code)
	}
	if code := post(t, h, "s3cret", update(5, "/down")); code != http.StatusServiceUnavailable {
		t.Fatalf("store down: %d, want 503 so Telegram retries", code)
	}
	if code := post(t, h, "s3cret", update(5, "/down")); code != http.StatusServiceUnavailable {
		t.Fatalf("store still down: %d, want 503 so Telegram retries", code)
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set(SecretHeader, "s3cret")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", rec.Code)
	}
	if applied.Load() != 1 {
		t.Fatalf("rejected requests were applied: %d", applied.Load())
	}
}

// An outage that outlasts GiveUpAfter: the person is told to try again and the update is let
// go (200), as the poller does.
func TestWebhookGivesUpOnALongOutage(t *testing.T) {
	rt, _ := webhookRuntime(t)
	h, err := NewWebhook(rt, WebhookOptions{Secret: "s", GiveUpAfter: time.Nanosecond, ReplyWait: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if code := post(t, h, "s", update(7, "/down")); code != http.StatusServiceUnavailable {
		t.Fatalf("first failure: %d", code)
	}
	if code := post(t, h, "s", update(7, "/down")); code != http.StatusOK {
		t.Fatalf("after GiveUpAfter: %d, want 200 (told to try again, let go)", code)
	}
	if code := post(t, h, "s", update(7, "/down")); code != http.StatusServiceUnavailable {
		t.Fatalf("a later delivery starts again: %d", code)
	}
}

func TestWebhookNeedsSecret(t *testing.T) {
	rt, _ := webhookRuntime(t)
	if _, err := NewWebhook(rt, WebhookOptions{}); err == nil {
		t.Fatal("a webhook without a secret was accepted")
	}
	s1, err := NewWebhookSecret()
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := NewWebhookSecret()
	if s1 == s2 || len(s1) != 64 {
		t.Fatalf("secrets %q %q", s1, s2)
	}
}

func FuzzDecodeUpdate(f *testing.F) {
	f.Add([]byte(update(1, "/ok")))
	f.Add([]byte(`{"update_id":5,"callback_query":{"id":"x","data":"ja|1|2|abc","message":{"message_id":3,"chat":{"id":-1,"type":"group"}}}}`))
	f.Add([]byte(`{"update_id":-1}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"update_id":9,"message":{"message_id":1,"chat":{"id":1,"type":"private"},"text":"/x","entities":[{"type":"bot_command","offset":5,"length":-3}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		u, err := DecodeUpdate(body)
		if err != nil {
			return
		}
		if u.UpdateID <= 0 {
			t.Fatalf("accepted update id %d", u.UpdateID)
		}
		// Whatever decodes must normalize without panicking.
		if nu, ok := normalize(u, 1); ok && nu.ID != int64(u.UpdateID) {
			t.Fatalf("id %d became %d", u.UpdateID, nu.ID)
		}
		_ = chatOf(u)
	})
}
