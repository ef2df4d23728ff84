package metrics

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

func TestCounts(t *testing.T) {
	m := New()
	m.Received()
	m.Received()
	m.Applied("join", 3*time.Millisecond)
	m.NotApplied("join")
	m.Duplicate()
	m.Rejected("secret")
	m.Sent("sendMessage")
	m.Failed("editMessageText")
	m.TooMany()
	m.Queue(3)
	m.Queue(-1)
	m.RateLimited()
	m.TimerFired("reminder", 2*time.Minute, nil)
	m.TimerFired("reminder", time.Second, nil)
	m.TimerFired("ballot.close", 0, errors.New("boom"))
	out := scrape(t, m)
	for _, want := range []string{
		"thiduabot_updates_received_total 2",
		`thiduabot_updates_applied_total{command="join"} 1`,
		`thiduabot_updates_failed_total{command="join"} 1`,
		`thiduabot_handler_duration_seconds_bucket{command="join",le="0.005"} 1`,
		"thiduabot_updates_duplicate_total 1",
		`thiduabot_webhook_rejected_total{reason="secret"} 1`,
		`thiduabot_telegram_requests_total{method="sendMessage"} 1`,
		`thiduabot_telegram_failures_total{method="editMessageText"} 1`,
		"thiduabot_telegram_429_total 1",
		"thiduabot_outgoing_queue 2",
		"thiduabot_actions_rate_limited_total 1",
		`thiduabot_timers_fired_total{kind="reminder"} 2`,
		`thiduabot_timers_late_total{kind="reminder"} 1`,
		`thiduabot_timers_failed_total{kind="ballot.close"} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// Each Metrics has its own registry: a second one starts from zero.
	if out2 := scrape(t, New()); strings.Contains(out2, "thiduabot_updates_received_total 2") {
		t.Fatal("registries are shared")
	}
}
