// Package metrics counts what the bot does, for Prometheus: updates received, applied,
// failed and skipped as duplicates, handler latency by command, Bot API requests by method,
// 429s, the outgoing queue, Redis errors and timers. It has its own registry (no globals), so
// several bots in one process (tests) count separately.
package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
)

// Metrics implements bot.Metrics, bot.WebhookMetrics and the app's timer and Redis counts.
type Metrics struct {
	reg *prometheus.Registry

	received   prometheus.Counter
	applied    *prometheus.CounterVec
	failed     *prometheus.CounterVec
	duplicates prometheus.Counter
	rejected   *prometheus.CounterVec
	latency    *prometheus.HistogramVec

	sent       *prometheus.CounterVec
	sendFailed *prometheus.CounterVec
	tooMany    prometheus.Counter
	queue      prometheus.Gauge

	redisErrors *prometheus.CounterVec

	timersFired   *prometheus.CounterVec
	timersFailed  *prometheus.CounterVec
	timersLate    *prometheus.CounterVec
	timerLateness *prometheus.HistogramVec

	rateLimited prometheus.Counter
}

// LateAfter is how late a timer must fire to count as late.
const LateAfter = time.Minute

// New returns a registry with every metric, plus the Go runtime's and the process's.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	m := &Metrics{reg: reg}
	m.received = prometheus.NewCounter(prometheus.CounterOpts{Name: "thiduabot_updates_received_total",
		Help: "Updates received from Telegram (webhook deliveries and getUpdates results), duplicates included."})
	m.applied = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "thiduabot_updates_applied_total",
		Help: "Updates handled to the end, by command (or callback:<kind>, prompt:<kind>, text, other)."}, []string{"command"})
	m.failed = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "thiduabot_updates_failed_total",
		Help: "Updates that could not be applied because the store was unavailable (they are retried), by command."}, []string{"command"})
	m.duplicates = prometheus.NewCounter(prometheus.CounterOpts{Name: "thiduabot_updates_duplicate_total",
		Help: "Webhook deliveries of updates that some replica had handled already (skipped)."})
	m.rejected = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "thiduabot_webhook_rejected_total",
		Help: "Webhook requests refused before handling, by reason (secret, method, too_large, bad_update)."}, []string{"reason"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "thiduabot_handler_duration_seconds",
		Help:    "Time to handle an update, by command (replies are queued, not awaited).",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"command"})
	m.sent = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "thiduabot_telegram_requests_total",
		Help: "Bot API requests that succeeded, by method."}, []string{"method"})
	m.sendFailed = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "thiduabot_telegram_failures_total",
		Help: "Bot API requests given up on, by method."}, []string{"method"})
	m.tooMany = prometheus.NewCounter(prometheus.CounterOpts{Name: "thiduabot_telegram_429_total",
		Help: "429 Too Many Requests answers from Telegram."})
	m.queue = prometheus.NewGauge(prometheus.GaugeOpts{Name: "thiduabot_outgoing_queue",
		Help: "Messages, edits and deletions queued for Telegram and not yet sent."})
	m.redisErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "thiduabot_redis_errors_total",
		Help: "Failed Redis dials, commands and pipelines (not redis.Nil), by kind."}, []string{"kind"})
	m.timersFired = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "thiduabot_timers_fired_total",
		Help: "Durable timers fired (reminders, ballot closes, ...), by kind."}, []string{"kind"})
	m.timersFailed = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "thiduabot_timers_failed_total",
		Help: "Timer handlers that returned an error (the timer is retried), by kind."}, []string{"kind"})
	m.timersLate = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "thiduabot_timers_late_total",
		Help: "Timers that fired more than a minute after they were due (the bot was down or behind), by kind."}, []string{"kind"})
	m.timerLateness = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "thiduabot_timer_lateness_seconds",
		Help:    "How long after its due time a timer fired.",
		Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 15, 60, 300, 3600, 21600}}, []string{"kind"})
	m.rateLimited = prometheus.NewCounter(prometheus.CounterOpts{Name: "thiduabot_actions_rate_limited_total",
		Help: "Commands and button presses refused by the per-person rate limit."})
	for _, c := range []prometheus.Collector{m.received, m.applied, m.failed, m.duplicates, m.rejected, m.latency,
		m.sent, m.sendFailed, m.tooMany, m.queue, m.redisErrors, m.timersFired, m.timersFailed, m.timersLate,
		m.timerLateness, m.rateLimited,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		f(c)
	}
	return m
}

// Handler serves the registry in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is the registry (for tests and extra collectors).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Received counts an update received.
func (m *Metrics) Received() { m.received.Inc() }

// Applied counts an update handled, with its handling time.
func (m *Metrics) Applied(command string, d time.Duration) {
	command = label(command)
	m.applied.WithLabelValues(command).Inc()
	m.latency.WithLabelValues(command).Observe(d.Seconds())
}

// NotApplied counts an update that could not be applied (the store was unavailable).
func (m *Metrics) NotApplied(command string) { m.failed.WithLabelValues(label(command)).Inc() }

// Duplicate counts a webhook delivery of an update handled already.
func (m *Metrics) Duplicate() { m.duplicates.Inc() }

// Rejected counts a refused webhook request.
func (m *Metrics) Rejected(reason string) { m.rejected.WithLabelValues(reason).Inc() }

// Sent counts a successful Bot API request.
func (m *Metrics) Sent(method string) { m.sent.WithLabelValues(method).Inc() }

// Failed counts a Bot API request given up on (bot.SenderMetrics).
func (m *Metrics) Failed(method string) { m.sendFailed.WithLabelValues(method).Inc() }

// TooMany counts a 429.
func (m *Metrics) TooMany() { m.tooMany.Inc() }

// Queue moves the outgoing queue's depth.
func (m *Metrics) Queue(delta int) { m.queue.Add(float64(delta)) }

// RateLimited counts an action refused by the per-person limit.
func (m *Metrics) RateLimited() { m.rateLimited.Inc() }

// TimerFired records a fired timer of a kind, how late it was and whether its handler failed.
func (m *Metrics) TimerFired(kind string, late time.Duration, err error) {
	kind = label(kind)
	if err != nil {
		m.timersFailed.WithLabelValues(kind).Inc()
		return
	}
	m.timersFired.WithLabelValues(kind).Inc()
	if late < 0 {
		late = 0
	}
	m.timerLateness.WithLabelValues(kind).Observe(late.Seconds())
	if late > LateAfter {
		m.timersLate.WithLabelValues(kind).Inc()
	}
}

// label keeps label values few and short: commands are [a-z0-9_] names, kinds too; anything
// else (a command nobody registered is routed as "unknown" already) is cut.
func label(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	if s == "" {
		return "other"
	}
	return s
}

// RedisHook counts Redis failures: dials, commands and pipelines that end in an error other
// than redis.Nil (a missing key is not a failure).
func (m *Metrics) RedisHook() redis.Hook { return redisHook{m} }

type redisHook struct{ m *Metrics }

func (h redisHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := next(ctx, network, addr)
		if err != nil {
			h.m.redisErrors.WithLabelValues("dial").Inc()
		}
		return c, err
	}
}

func (h redisHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if failure(err) {
			h.m.redisErrors.WithLabelValues(kindOf(err)).Inc()
		}
		return err
	}
}

func (h redisHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		if failure(err) {
			h.m.redisErrors.WithLabelValues(kindOf(err)).Inc()
		}
		return err
	}
}

// failure tells errors worth counting: not a missing key, and not NOSCRIPT (go-redis loads the
// script and runs it again).
func failure(err error) bool {
	return err != nil && !errors.Is(err, redis.Nil) && !strings.HasPrefix(err.Error(), "NOSCRIPT")
}

// kindOf sorts an error: a connection problem, Redis refusing (READONLY, LOADING, CLUSTERDOWN,
// NOREPLICAS, ...) or a script's error.
func kindOf(err error) string {
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) {
		return "network"
	}
	s := err.Error()
	switch {
	case strings.Contains(s, "connection refused"), strings.Contains(s, "EOF"), strings.Contains(s, "reset"),
		strings.Contains(s, "broken pipe"), strings.Contains(s, "pool timeout"), strings.Contains(s, "closed"):
		return "network"
	case strings.HasPrefix(s, "ERR Error running script"), strings.Contains(s, "user_script"):
		return "script"
	}
	return "server"
}
