package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"thiduabot/bot"
	"thiduabot/config"
	"thiduabot/internal/redistest"
	"thiduabot/telegramsim"
)

const testToken = "7000001:TEST-secret-token-abcdef"

// A failing Bot API request's error, logged, shows neither the token nor its secret part.
func TestLogsNeverShowTheToken(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, config.Log{Level: "debug", Format: "json"}, testToken, "hook-secret-xyz")
	dead := fmt.Sprintf("http://127.0.0.1:%d", redistest.FreePort(t))
	api := bot.NewAPI(testToken, dead, time.Second)
	_, err := api.GetMe(context.Background())
	if err == nil {
		t.Fatal("getMe to a closed port succeeded")
	}
	log.Error("telegram getMe failed", "err", err)
	// Errors that did not pass through the API's own redaction are caught by the logger.
	raw := fmt.Errorf(`Post "%s/bot%s/getMe": dial tcp: connection refused`, dead, testToken)
	log.Warn("raw "+testToken, "err", raw, "url", dead+"/bot"+testToken+"/getMe",
		slog.Group("req", "secret", "TEST-secret-token-abcdef", "hook", "hook-secret-xyz"))
	log.With("token", testToken).Info("with attrs")
	out := buf.String()
	for _, secret := range []string{testToken, "TEST-secret-token-abcdef", "hook-secret-xyz"} {
		if strings.Contains(out, secret) {
			t.Fatalf("log shows %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "getMe") || strings.Count(out, "\n") != 3 {
		t.Fatalf("log lines missing:\n%s", out)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestOpsEndpoints(t *testing.T) {
	rds := redistest.Start(t)
	sim := telegramsim.New(telegramsim.Options{Token: testToken, BotUsername: "ThiDuaBot"})
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	ops := fmt.Sprintf("127.0.0.1:%d", redistest.FreePort(t))
	cfg := config.Default()
	cfg.Telegram.Token = config.Secret(testToken)
	cfg.Telegram.APIURL = sim.URL()
	cfg.Telegram.RequestTimeout = 2 * time.Second
	cfg.Telegram.PollTimeout = time.Second
	cfg.Redis.URL = rds.URL()
	cfg.HTTP.Listen = ops
	cfg.Limits.GroupPerMinute, cfg.Limits.GlobalPerSecond = 100000, 100000
	var logs syncBuf
	a, err := New(cfg, Options{Log: NewLogger(&logs, config.Log{Level: "debug", Format: "json"}, testToken)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		<-done
		_ = a.Close()
		if strings.Contains(logs.String(), testToken) || strings.Contains(logs.String(), "TEST-secret-token-abcdef") {
			t.Errorf("the bot's log shows the token")
		}
	}()
	if err := sim.WaitFor(15*time.Second, func() bool { return len(sim.Calls("setMyCommands")) > 0 }); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, "http://"+ops+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("healthz: %d %q", code, body)
	}
	if code, body := get(t, "http://"+ops+"/readyz"); code != 200 || !strings.Contains(body, `"redis":"ok"`) {
		t.Fatalf("readyz: %d %q", code, body)
	}

	g := sim.NewSupergroup("Khối")
	u := sim.NewUser("Lan", "lan", "vi")
	g.Add(u, false)
	m := u.Send(g, "/help")
	if _, err := g.WaitBotMessage(15*time.Second, func(x telegramsim.Message) bool { return x.ReplyTo == m.ID }); err != nil {
		t.Fatal(err)
	}
	// The reply is sent before the sender counts it: wait for the count.
	var metrics string
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, metrics = get(t, "http://"+ops+"/metrics")
		if strings.Contains(metrics, `thiduabot_telegram_requests_total{method="sendMessage"} 1`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond) // polling a condition
	}
	for _, want := range []string{
		"thiduabot_updates_received_total 1",
		`thiduabot_updates_applied_total{command="help"} 1`,
		`thiduabot_handler_duration_seconds_count{command="help"} 1`,
		`thiduabot_telegram_requests_total{method="sendMessage"} 1`,
		"thiduabot_outgoing_queue 0",
		"go_goroutines",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if t.Failed() {
		t.Fatalf("metrics:\n%s", metrics)
	}

	// Redis down: not ready, and the failures are counted.
	rds.Kill()
	if code, body := get(t, "http://"+ops+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, `"redis":"unavailable"`) {
		t.Fatalf("readyz with Redis down: %d %q", code, body)
	}
	if _, metrics = get(t, "http://"+ops+"/metrics"); !strings.Contains(metrics, "thiduabot_redis_errors_total") {
		t.Fatalf("Redis errors not counted:\n%s", metrics)
	}
	rds.Restart(t)
	// Telegram down (after the cached check runs out): not ready.
	sim.SetOutage(telegramsim.Fault5xx, true)
	deadline = time.Now().Add(readyCacheTTL + 5*time.Second)
	for {
		code, body := get(t, "http://"+ops+"/readyz")
		if code == http.StatusServiceUnavailable && strings.Contains(body, `"telegram":"unavailable"`) && strings.Contains(body, `"redis":"ok"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz with Telegram down: %d %q", code, body)
		}
		time.Sleep(50 * time.Millisecond) // polling a condition (the cache's time runs on the wall clock)
	}
	sim.SetOutage(telegramsim.FaultNone, false)
}

// syncBuf is a log buffer written by the bot's goroutines and read by the test.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
