package app

import (
	"context"
	"fmt"
	"time"

	"thiduabot/domain"
	"thiduabot/handlers"
	"thiduabot/scheduler"
)

// wireDeadlines wires deadlines and reminders (issue 6): the commands, the reminder timers,
// the reminders of the pledge's sign-by date, and the recurring reminders of the configuration
// (an invalid one makes New fail, naming the entry; their next occurrences are planned when
// Run starts).
func (a *App) wireDeadlines(pledges *handlers.Pledge) *handlers.Deadlines {
	cfg := a.Config
	at, ok := domain.ParseTimeOfDay(cfg.Reminders.At)
	if !ok {
		at = domain.TimeOfDay{Hour: 8}
	}
	def, ok := domain.ParseTimeOfDay(cfg.Reminders.DefaultTime)
	if !ok {
		def = domain.TimeOfDay{Hour: 17}
	}
	dl := handlers.NewDeadlines(a.Store, a.Timers, a.Runtime.Sender(), a.Clock, a.Log, handlers.DeadlineSettings{
		Plan:        domain.ReminderPlan{DaysBefore: cfg.Reminders.DaysBefore, At: at, HoursBefore: cfg.Reminders.HoursBefore},
		DefaultTime: def,
		StaleAfter:  cfg.Reminders.StaleAfter,
		DefaultLang: cfg.Bot.DefaultLanguage,
		DefaultTZ:   cfg.Bot.Timezone,
	})
	dl.Register(a.Router)
	dl.RegisterTimers(a.Mux)
	if pledges != nil {
		pledges.OnDeadline = dl.OnPledgeDeadline
	}

	zone, err := time.LoadLocation(cfg.Bot.Timezone)
	if err != nil {
		zone = (&domain.Bloc{}).Location()
	}
	entries := make([]scheduler.CronEntry, len(cfg.Recurring))
	for i, r := range cfg.Recurring {
		entries[i] = scheduler.CronEntry{Name: r.Name, Spec: r.Spec, Chats: r.Chats, Text: r.Text}
	}
	jobs, err := scheduler.ParseCron(entries, zone)
	if err != nil {
		a.wireErr = fmt.Errorf("recurring: %w", err)
		return dl
	}
	cron := scheduler.NewCron(a.Timers, jobs, func(ctx context.Context, _ scheduler.CronJob) ([]int64, error) {
		return a.Store.AllBlocs(ctx)
	})
	cron.Register(a.Mux, dl.SendCron)
	if len(jobs) > 0 {
		a.onStart = append(a.onStart, func(ctx context.Context) {
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if err := cron.Plan(pctx); err != nil {
				go a.planCron(ctx, cron)
			}
		})
	}
	return dl
}

// planCron retries planning the recurring reminders (idempotent: every replica plans them at
// start) while Redis is not reachable. The backoff is wall time: it waits for Redis, not for
// the bot's clock.
func (a *App) planCron(ctx context.Context, cron *scheduler.Cron) {
	wait := time.Second
	for {
		err := cron.Plan(ctx)
		if err == nil || ctx.Err() != nil {
			return
		}
		a.Log.Warn("recurring reminders not planned yet; will retry", "err", err, "in", wait)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return
		}
		wait = min(2*wait, time.Minute)
	}
}
