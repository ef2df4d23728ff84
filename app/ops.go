package app

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/bot"
	"thiduabot/scheduler"
)

// readyCacheTTL is how long a Telegram check's result is reused: /readyz may be polled every
// second by several probes, and getMe should not be.
const readyCacheTTL = 5 * time.Second

// health answers /healthz and /readyz.
type health struct {
	rdb redis.UniversalClient
	api *bot.API
	log *slog.Logger

	mu    sync.Mutex
	tgAt  time.Time
	tgErr error
}

// telegram checks that the Bot API answers getMe, at most once per readyCacheTTL.
func (h *health) telegram(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.tgAt.IsZero() && time.Since(h.tgAt) < readyCacheTTL {
		return h.tgErr
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	_, err := h.api.GetMe(ctx)
	h.tgAt, h.tgErr = time.Now(), err
	return err
}

func (h *health) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	res := map[string]string{"redis": "ok", "telegram": "ok"}
	code := http.StatusOK
	if err := h.rdb.Ping(ctx).Err(); err != nil {
		res["redis"], code = "unavailable", http.StatusServiceUnavailable
		h.log.Debug("readyz: redis", "err", err)
	}
	if err := h.telegram(ctx); err != nil {
		res["telegram"], code = "unavailable", http.StatusServiceUnavailable
		h.log.Debug("readyz: telegram", "err", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(res)
}

// opsHandler serves /metrics, /healthz (the process is alive) and /readyz (Redis answers PING
// and Telegram answers getMe).
func (a *App) opsHandler() http.Handler {
	h := &health{rdb: a.Redis, api: a.Runtime.API(), log: a.Log}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", h.ready)
	return mux
}

// startOps serves the operators' endpoints on http.listen ("" or "off": none). A port that
// cannot be had is logged, not fatal: the bot itself works without them.
func (a *App) startOps() (stop func()) {
	addr := a.Config.HTTP.Listen
	if addr == "" || addr == "off" {
		return func() {}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		a.Log.Error("cannot serve /metrics, /healthz and /readyz (http.listen / HTTP_LISTEN)", "listen", addr, "err", err)
		return func() {}
	}
	srv := &http.Server{Handler: a.opsHandler(), ReadHeaderTimeout: 5 * time.Second,
		ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("ops server stopped", "err", err)
		}
	}()
	a.Log.Info("serving /metrics, /healthz, /readyz", "listen", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
}

// timerHandler runs the fired timers through their features and counts them.
func (a *App) timerHandler() scheduler.Handler {
	return func(ctx context.Context, tm scheduler.Timer, late time.Duration) error {
		err := a.Mux.Handle(ctx, tm, late)
		if a.Metrics != nil {
			a.Metrics.TimerFired(tm.Kind, late, err)
		}
		return err
	}
}

// loggedLease logs when this replica becomes the poller and when it stops being one, so an
// operator (and the process tests) can tell which replica polls.
type loggedLease struct {
	bot.Lease
	log *slog.Logger
}

func (l loggedLease) Acquire(ctx context.Context) (context.Context, error) {
	lctx, err := l.Lease.Acquire(ctx)
	if err == nil {
		l.log.Info("poller lease acquired: this replica polls")
	}
	return lctx, err
}

func (l loggedLease) Release(ctx context.Context) {
	l.Lease.Release(ctx)
	l.log.Info("poller lease released")
}
