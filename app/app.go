// Package app wires the program: config → Redis → store → bot runtime → handlers → scheduler.
// main, the tests and the sandbox all start the bot through it, so they run the same code.
package app

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/bot"
	"thiduabot/clock"
	"thiduabot/config"
	"thiduabot/domain"
	"thiduabot/metrics"
	"thiduabot/rkeys"
	"thiduabot/scheduler"
	"thiduabot/store"
)

// Options are what a caller may supply instead of the defaults.
type Options struct {
	Clock   clock.Clock
	Log     *slog.Logger
	Redis   redis.UniversalClient // used instead of connecting by config
	Limiter bot.Limiter
	// Features, when set, registers the handlers instead of the product's features (the
	// benchmark's reply-only handler that measures the transport floor).
	Features func(a *App)
}

// App is a running bot.
type App struct {
	Config  config.Config
	Clock   clock.Clock
	Log     *slog.Logger
	Redis   redis.UniversalClient
	Store   *store.Store
	Runtime *bot.Runtime
	Router  *bot.Router
	// Timers are the durable timers; Mux routes a fired timer to its feature by Kind.
	Timers *scheduler.Timers
	Mux    scheduler.Mux
	// Metrics counts for /metrics (http.listen).
	Metrics *metrics.Metrics
	ownsRDB bool
	scripts *store.ScriptBatcher // nil: scripts are sent one by one (redis.script_lanes 0)
	// onStart are run by Run before it serves (features' start-up work, such as planning the
	// recurring reminders); wireErr is a configuration error found while wiring, returned by New.
	onStart []func(context.Context)
	wireErr error
}

// New builds the app. It does not talk to Telegram or Redis yet.
func New(cfg config.Config, o Options) (*App, error) {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	a := &App{Config: cfg, Clock: o.Clock, Log: o.Log, Redis: o.Redis}
	if a.Redis == nil {
		rdb, err := NewRedis(cfg.Redis)
		if err != nil {
			return nil, err
		}
		a.Redis, a.ownsRDB = rdb, true
	}
	a.Metrics = metrics.New()
	if a.ownsRDB {
		a.Redis.AddHook(a.Metrics.RedisHook())
	}
	a.Store = store.New(a.Redis, a.Clock)
	a.Store.SetWaitReplicas(cfg.Redis.WaitReplicas, cfg.Redis.WaitTimeout)
	if err := a.Store.SetBallotDefaults(ballotDefaults(cfg.Ballots)); err != nil { // config.Validate refuses these first
		_ = a.Close()
		return nil, fmt.Errorf("ballots: quorum %q, majority %q: %w", cfg.Ballots.Quorum, cfg.Ballots.Majority, err)
	}
	if cfg.Redis.ScriptLanes > 0 {
		a.scripts = store.NewScriptBatcher(a.Redis, cfg.Redis.ScriptLanes, 10*time.Second)
		a.Store.BatchScripts(a.scripts)
	}
	api := bot.NewAPI(cfg.Telegram.Token.Value(), cfg.Telegram.APIURL, cfg.Telegram.RequestTimeout)
	lim := o.Limiter
	if lim == nil && cfg.Limits.Shared {
		// One limiter for every replica, kept in Redis.
		lim = store.NewRedisLimiter(a.Redis, store.RateLimits{GroupPerMinute: cfg.Limits.GroupPerMinute,
			PrivateInterval: cfg.Limits.PrivateInterval, GlobalPerSecond: cfg.Limits.GlobalPerSecond}, a.Log)
	}
	if lim == nil {
		lim = bot.NewMemLimiter(bot.Limits{GroupPerMinute: cfg.Limits.GroupPerMinute,
			PrivateInterval: cfg.Limits.PrivateInterval, GlobalPerSecond: cfg.Limits.GlobalPerSecond})
	}
	a.Router = bot.NewRouter()
	a.Runtime = bot.New(bot.Deps{
		API: api, Clock: a.Clock, Log: a.Log, Router: a.Router, Blocs: a.Store, Prompts: a.Store,
		Offsets: a.Store, Migrator: a.Store, Limiter: lim, CodecKey: codecKey(cfg),
		DefaultLang: cfg.Bot.DefaultLanguage, AdminTTL: cfg.Bot.AdminCache, Metrics: a.Metrics,
	})
	a.Runtime.Unavailable = store.IsUnavailable
	a.Timers = scheduler.NewTimers(a.Redis, a.Clock, scheduler.Options{Logger: a.Log})
	a.Mux = scheduler.Mux{}
	if o.Features != nil {
		o.Features(a)
	} else {
		a.wireFeatures()
	}
	if a.wireErr != nil {
		_ = a.Close()
		return nil, a.wireErr
	}
	// Every command, button and prompt reply passes the per-person limit and the size cap
	// first. The count is kept in Redis: behind a load balancer a person's updates reach any
	// replica, and a count per process would let them make replicas × the limit. Each replica
	// adds its counts to Redis in one pipeline every 100ms rather than one round trip per action.
	a.Router.Guard(bot.GuardOptions{PerMinute: cfg.Limits.ActionsPerMinute, MaxText: cfg.Limits.MaxInput,
		Counter: store.NewActionCounter(a.Store, 100*time.Millisecond), Limited: a.Metrics.RateLimited})
	return a, nil
}

// codecKey is the secret that signs button data: configured, or derived from the token.
func codecKey(cfg config.Config) []byte {
	if s := cfg.Bot.CallbackSecret.Value(); s != "" {
		return []byte(s)
	}
	sum := sha256.Sum256([]byte("thiduabot callback key\x00" + cfg.Telegram.Token.Value()))
	return sum[:]
}

// Run starts the bot and serves until ctx ends, then shuts down gracefully: updates in flight
// finish and queued replies are sent (up to 10 seconds).
func (a *App) Run(ctx context.Context) error {
	if err := a.Redis.Ping(ctx).Err(); err != nil {
		a.Log.Warn("redis is not reachable yet; will keep trying", "err", err)
	}
	stopOps := a.startOps()
	defer stopOps()
	if err := a.Runtime.Start(ctx); err != nil {
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}
	a.Log.Info("bot started", "username", a.Runtime.Me().UserName, "mode", a.Config.Bot.Mode)
	var lease bot.Lease
	if a.Config.Bot.Mode != "webhook" && a.Config.Bot.PollerLease > 0 {
		lease = loggedLease{a.Store.NewLease(rkeys.PollerLease, a.Config.Bot.PollerLease), a.Log}
	}
	// The timers stop with the receiving loop, also when that one fails.
	rctx, stopTimers := context.WithCancel(ctx)
	defer stopTimers()
	for _, start := range a.onStart {
		start(ctx)
	}
	timersDone := make(chan struct{})
	go func() {
		defer close(timersDone)
		if err := a.Timers.Run(rctx, a.timerHandler()); err != nil && !errors.Is(err, context.Canceled) {
			a.Log.Error("timers stopped", "err", err)
		}
	}()
	var err error
	if a.Config.Bot.Mode == "webhook" {
		err = a.serveWebhook(ctx)
	} else {
		a.dropWebhook(ctx)
		err = a.Runtime.Poll(ctx, bot.PollOptions{Timeout: a.Config.Telegram.PollTimeout, Lease: lease})
	}
	stopTimers()
	<-timersDone
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if serr := a.Runtime.Shutdown(sctx); serr != nil {
		a.Log.Warn("shutdown: some replies were not sent", "err", serr)
	}
	a.Log.Info("bot stopped")
	return err
}

// Close releases the app's connections.
func (a *App) Close() error {
	if a.scripts != nil {
		a.scripts.Close()
	}
	if a.ownsRDB {
		return a.Redis.Close()
	}
	return nil
}

// ballotDefaults are the configured ballot rules (config.Ballots, validated by config) as the
// store's.
func ballotDefaults(b config.Ballots) store.BallotSettings {
	share := map[string]domain.Threshold{
		"half":       domain.MoreThanHalf,
		"two_thirds": {Num: 2, Den: 3, AtLeast: true},
		"all":        {Num: 1, Den: 1, AtLeast: true},
	}
	return store.BallotSettings{Quorum: share[b.Quorum], Majority: share[b.Majority], SelfVote: b.AllowSelfVote, Secret: true}
}
