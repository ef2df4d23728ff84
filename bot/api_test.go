package bot

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A result is read whatever the answer's layout: the one-pass way for {"ok":true,"result":…}
// and the general way for anything else; failures keep Telegram's code and description.
func TestCallDecodesAnswers(t *testing.T) {
	answers := map[string]string{
		"/bot1:x/plain":     `{"ok":true,"result":{"message_id":5,"chat":{"id":-1,"type":"group"},"text":"x}"}}`,
		"/bot1:x/trailing":  `{"ok":true,"result":{"message_id":6},"description":"note"}`,
		"/bot1:x/reordered": `{"result":{"message_id":7},"ok":true}`,
		"/bot1:x/refused":   `{"ok":false,"error_code":400,"description":"Bad Request: message to reply not found"}`,
		"/bot1:x/garbled":   `{"ok":true,"result":{"message_id":"eight"}}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := answers[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.URL.Path == "/bot1:x/refused" {
			w.WriteHeader(http.StatusBadRequest)
		}
		_, _ = w.Write([]byte(a))
	}))
	defer srv.Close()
	api := NewAPI("1:x", srv.URL, time.Second)
	ctx := context.Background()
	for method, want := range map[string]int{"plain": 5, "trailing": 6, "reordered": 7} {
		var m sentMessage
		if err := api.Call(ctx, method, nil, &m); err != nil || m.MessageID != want {
			t.Errorf("%s: message %d, err %v; want %d", method, m.MessageID, err, want)
		}
	}
	var m sentMessage
	err := api.Call(ctx, "refused", nil, &m)
	var e *Error
	if !errors.As(err, &e) || e.Code != 400 || e.Desc != "Bad Request: message to reply not found" {
		t.Errorf("refused: %#v", err)
	}
	err = api.Call(ctx, "garbled", nil, &m)
	if err == nil {
		t.Errorf("garbled result decoded: %+v", m)
	}
	// Telegram did what was asked; only its answer is unreadable: trying again would do it twice.
	if !errors.As(err, &e) || e.Temporary() {
		t.Errorf("garbled: %#v is to be tried again", err)
	}
}
