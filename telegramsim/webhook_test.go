package telegramsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

type hookHit struct {
	secret   string
	updateID int
	status   int
}

func TestWebhookDeliveryAndRedelivery(t *testing.T) {
	s, bot := newSim(t, Options{WebhookRetryMin: 10 * time.Millisecond, WebhookRetryMax: 50 * time.Millisecond})
	u := s.NewUser("Lan", "lan", "vi")
	g := s.NewGroup("g")

	var mu sync.Mutex
	var hits []hookHit
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up, err := bot.HandleUpdate(r)
		if err != nil {
			t.Errorf("webhook body: %v", err)
			return
		}
		mu.Lock()
		status := 200
		if len(hits) == 0 {
			status = 500 // the first attempt fails
		}
		hits = append(hits, hookHit{r.Header.Get("X-Telegram-Bot-Api-Secret-Token"), up.UpdateID, status})
		mu.Unlock()
		w.WriteHeader(status)
	}))
	defer hook.Close()

	if _, err := bot.MakeRequest("setWebhook", tgbotapi.Params{"url": hook.URL + "/hook", "secret_token": "s3cr3t_T-1", "max_connections": "1"}); err != nil {
		t.Fatal(err)
	}
	_, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	apiErr(t, err, 409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")

	u.Send(g, "qua webhook")
	if err := s.WaitFor(5*time.Second, func() bool { return s.Stats().UpdatesDelivered == 1 }); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(hits) != 2 || hits[0].updateID != hits[1].updateID || hits[0].status != 500 || hits[1].status != 200 {
		t.Errorf("hits = %+v", hits)
	}
	for _, h := range hits {
		if h.secret != "s3cr3t_T-1" {
			t.Errorf("secret header = %q", h.secret)
		}
	}
	mu.Unlock()
	st := s.Stats()
	if st.WebhookDeliveries != 2 || st.WebhookFailures != 1 || st.UpdatesPending != 0 {
		t.Errorf("stats = %+v", st)
	}
	info, err := bot.GetWebhookInfo()
	if err != nil || info.URL != hook.URL+"/hook" || info.PendingUpdateCount != 0 || info.MaxConnections != 1 ||
		info.LastErrorMessage != "Wrong response from the webhook: 500 Internal Server Error" || info.LastErrorDate == 0 {
		t.Errorf("webhook info = %+v %v", info, err)
	}

	// back to polling
	if _, err := bot.Request(tgbotapi.DeleteWebhookConfig{}); err != nil {
		t.Fatal(err)
	}
	u.Send(g, "qua polling")
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(ups) != 1 || ups[0].Message.Text != "qua polling" {
		t.Errorf("after deleteWebhook: %+v %v", ups, err)
	}
	if info, _ := bot.GetWebhookInfo(); info.URL != "" || info.PendingUpdateCount != 1 {
		t.Errorf("info after delete = %+v", info)
	}
}

func TestWebhookUnreachableThenUp(t *testing.T) {
	s, bot := newSim(t, Options{WebhookRetryMin: 5 * time.Millisecond, WebhookRetryMax: 20 * time.Millisecond, WebhookTimeout: 200 * time.Millisecond})
	u := s.NewUser("Lan", "lan", "vi")
	g := s.NewGroup("g")
	var up atomic.Bool
	var got atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client hanging up
		if !up.Load() {
			<-r.Context().Done() // hang until the simulator gives up
			return
		}
		got.Add(1)
	}))
	defer hook.Close()
	wh, _ := url.Parse(hook.URL)
	if _, err := bot.Request(tgbotapi.WebhookConfig{URL: wh}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		u.Send(g, fmt.Sprint(i))
	}
	if err := s.WaitFor(5*time.Second, func() bool { return s.Stats().WebhookFailures >= 2 }); err != nil {
		t.Fatal(err)
	}
	if info, _ := bot.GetWebhookInfo(); info.LastErrorMessage != "Read timeout expired" || info.PendingUpdateCount != 3 {
		t.Errorf("info while down = %+v", info)
	}
	up.Store(true)
	if err := s.WaitFor(5*time.Second, func() bool { return s.Stats().UpdatesDelivered == 3 }); err != nil {
		t.Fatal(err)
	}
	if got.Load() != 3 {
		t.Errorf("delivered %d", got.Load())
	}
}

func TestWebhookConcurrencyTargetsAndReply(t *testing.T) {
	s, bot := newSim(t, Options{Seed: 1})
	u := s.NewUser("Lan", "lan", "vi")
	g := s.NewGroup("g")
	var cur, peak atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{}, 64)
	var count [2]atomic.Int32
	mk := func(i int) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := cur.Add(1)
			started <- struct{}{}
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			<-release
			cur.Add(-1)
			count[i].Add(1)
			var up tgbotapi.Update
			_ = json.NewDecoder(r.Body).Decode(&up)
			if up.Message != nil && up.Message.Text == "ping" {
				// answer through the webhook response, as Telegram allows
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, fmt.Sprintf(`{"method":"sendMessage","chat_id":%d,"text":"pong"}`, up.Message.Chat.ID))
			}
		}))
	}
	a, b := mk(0), mk(1)
	defer a.Close()
	defer b.Close()
	if _, err := bot.MakeRequest("setWebhook", tgbotapi.Params{"url": a.URL, "max_connections": "3"}); err != nil {
		t.Fatal(err)
	}
	s.SetWebhookTargets([]string{a.URL, b.URL})
	const n = 40
	for i := range n {
		u.Send(g, fmt.Sprint(i))
	}
	u.Send(g, "ping")
	for range 3 {
		select {
		case <-started:
		case <-time.After(5 * time.Second):
			t.Fatal("deliveries did not start")
		}
	}
	close(release)
	if _, err := g.WaitBotMessage(5*time.Second, func(m Message) bool { return m.Text == "pong" }); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitFor(5*time.Second, func() bool { return s.Stats().UpdatesDelivered == n+1 }); err != nil {
		t.Fatal(err)
	}
	if peak.Load() != 3 {
		t.Errorf("peak concurrency %d, want 3 (max_connections)", peak.Load())
	}
	if count[0].Load() == 0 || count[1].Load() == 0 {
		t.Errorf("load balancing: %d / %d", count[0].Load(), count[1].Load())
	}
}
