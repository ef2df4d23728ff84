package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"thiduabot/config"
	"thiduabot/internal/redistest"
	"thiduabot/rkeys"
	"thiduabot/telegramsim"
)

// webhookApp runs an app in webhook mode against the simulator and Redis until the test ends.
func webhookApp(t *testing.T, sim *telegramsim.Sim, rds *redistest.Server) (addr string, a *App) {
	t.Helper()
	addr = fmt.Sprintf("127.0.0.1:%d", redistest.FreePort(t))
	cfg := config.Default()
	cfg.Telegram.Token = config.Secret(sim.Token())
	cfg.Telegram.APIURL = sim.URL()
	cfg.Telegram.RequestTimeout = 5 * time.Second
	cfg.Redis.URL = rds.URL()
	cfg.Bot.Mode = "webhook"
	cfg.Webhook.URL = "http://" + addr + "/tg"
	cfg.Webhook.Listen = addr
	cfg.HTTP.Listen = ""
	cfg.Limits.GroupPerMinute, cfg.Limits.GlobalPerSecond = 100000, 100000
	cfg.Limits.ActionsPerMinute = 0 // one person sends all the updates
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := New(cfg, Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("app stopped with %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("app did not stop")
		}
		_ = a.Close()
	})
	return addr, a
}

func TestWebhookReplicas(t *testing.T) {
	rds := redistest.Start(t)
	sim := telegramsim.New(telegramsim.Options{Token: "7000001:TEST-secret-token", BotUsername: "ThiDuaBot"})
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	addr1, _ := webhookApp(t, sim, rds)
	addr2, _ := webhookApp(t, sim, rds)
	if err := sim.WaitFor(15*time.Second, func() bool { return sim.WebhookURL() != "" }); err != nil {
		t.Fatalf("no webhook registered: %v", err)
	}
	secret, err := rds.Client(t).Get(context.Background(), rkeys.WebhookSecret).Result()
	if err != nil || len(secret) != 64 {
		t.Fatalf("shared secret %q: %v", secret, err)
	}
	sim.SetWebhookTargets([]string{"http://" + addr1 + "/tg", "http://" + addr2 + "/tg"})
	sim.SetDuplicateRate(0.3)

	g := sim.NewSupergroup("Khối thi đua")
	u := sim.NewUser("Lan", "lan", "vi")
	g.Add(u, false)
	const n = 40
	var sent []telegramsim.Message
	for range n {
		sent = append(sent, u.Send(g, "/help"))
	}
	err = sim.WaitFor(30*time.Second, func() bool { return sim.PendingUpdates() == 0 && len(g.BotMessages()) >= n })
	if err != nil {
		t.Fatalf("replies: %d of %d: %v", len(g.BotMessages()), n, err)
	}
	replies := map[int]int{}
	for _, m := range g.BotMessages() {
		replies[m.ReplyTo]++
	}
	for _, m := range sent {
		if replies[m.ID] != 1 {
			t.Errorf("message %d got %d replies, want 1", m.ID, replies[m.ID])
		}
	}
	st := sim.Stats()
	if st.UpdatesDuplicated == 0 {
		t.Fatalf("the simulator sent no duplicates: %+v", st)
	}
	if !strings.Contains(sim.WebhookURL(), addr1) && !strings.Contains(sim.WebhookURL(), addr2) {
		t.Fatalf("webhook URL %q", sim.WebhookURL())
	}
}
