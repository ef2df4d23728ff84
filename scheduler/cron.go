package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // CRON_TZ= must resolve even where the host has no zoneinfo

	"github.com/robfig/cron/v3"
)

// Timer kinds used by recurring reminders.
const (
	// KindCronPlan is the planner timer of one occurrence of a job (ChatID 0): when it fires,
	// the job's chats get one KindCronSend timer each and the next occurrence is planned.
	KindCronPlan = "cron.plan"
	// KindCronSend is one occurrence of a job for one chat; decode it with Cron.Send.
	KindCronSend = "cron.send"
)

// CronEntry is a recurring reminder as written in config.
type CronEntry struct {
	Name string
	// Spec is a standard 5-field cron spec, optionally prefixed "CRON_TZ=Area/City " (or
	// "TZ="), or a descriptor (@daily, @weekly, @every 1h, ...). Without a prefix the default
	// zone given to ParseCron applies.
	Spec string
	// Chats are the target chats; empty means all blocs (Cron's Expand decides which).
	Chats []int64
	// Text is the message per language code.
	Text map[string]string
}

// CronJob is a parsed CronEntry.
type CronJob struct {
	Name     string
	Spec     string
	Chats    []int64
	Text     map[string]string
	Schedule cron.Schedule
}

// Next returns the first occurrence strictly after t (zero if there is none).
func (j CronJob) Next(t time.Time) time.Time { return j.Schedule.Next(t) }

// ParseCron parses config entries. Specs without CRON_TZ=/TZ= run in defaultTZ (UTC if nil).
// An error names the entry: `cron entry "weekly": ...`.
func ParseCron(entries []CronEntry, defaultTZ *time.Location) ([]CronJob, error) {
	if defaultTZ == nil {
		defaultTZ = time.UTC
	}
	seen := map[string]bool{}
	jobs := make([]CronJob, 0, len(entries))
	for _, e := range entries {
		fail := func(format string, a ...any) error {
			return fmt.Errorf("cron entry %q: %s", e.Name, fmt.Sprintf(format, a...))
		}
		if strings.TrimSpace(e.Name) == "" {
			return nil, fail("empty name")
		}
		if seen[e.Name] {
			return nil, fail("duplicate name")
		}
		seen[e.Name] = true
		spec := strings.TrimSpace(e.Spec)
		if spec == "" {
			return nil, fail("empty spec")
		}
		hasTZ := strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=")
		if hasTZ && !strings.ContainsAny(spec, " \t") {
			return nil, fail("spec %q: time zone without a schedule", spec)
		}
		sched, err := cron.ParseStandard(spec)
		if err != nil {
			return nil, fail("spec %q: %v", spec, err)
		}
		if ss, ok := sched.(*cron.SpecSchedule); ok && !hasTZ {
			ss.Location = defaultTZ
		}
		if sched.Next(time.Now()).IsZero() {
			return nil, fail("spec %q never fires", spec)
		}
		jobs = append(jobs, CronJob{Name: e.Name, Spec: spec, Chats: e.Chats, Text: e.Text, Schedule: sched})
	}
	return jobs, nil
}

// planPayload is the payload of a KindCronPlan timer; sendPayload of a KindCronSend one.
type planPayload struct {
	Job string `json:"job"`
	At  int64  `json:"at"` // occurrence, unix seconds
}

type sendPayload struct {
	Job  string `json:"job"`
	At   int64  `json:"at"`
	Chat int64  `json:"chat"`
}

func planID(job string, at int64) string { return "cron:" + job + ":" + strconv.FormatInt(at, 10) }

func planTimer(job CronJob, at time.Time) Timer {
	p, _ := json.Marshal(planPayload{Job: job.Name, At: at.Unix()})
	return Timer{ID: planID(job.Name, at.Unix()), Kind: KindCronPlan, ChatID: 0, At: at, Payload: p}
}

// PlanCron schedules the planner timer of each job's next occurrence after now. It is
// idempotent: every replica may call it at start.
func PlanCron(ctx context.Context, t *Timers, jobs []CronJob, now time.Time) error {
	var tms []Timer
	for _, j := range jobs {
		next := j.Next(now)
		if next.IsZero() {
			t.log.Warn("scheduler: cron job never fires again", "job", j.Name)
			continue
		}
		tms = append(tms, planTimer(j, next))
	}
	return t.ScheduleMany(ctx, tms)
}

// Expand returns the chats of a job whose Chats is empty ("all blocs").
type Expand func(ctx context.Context, job CronJob) ([]int64, error)

// Cron turns planner timers into per-chat send timers.
type Cron struct {
	t      *Timers
	jobs   map[string]CronJob
	expand Expand
}

// NewCron handles the planners of jobs on t. expand is asked for the chats of jobs that list
// none; jobs that list chats use those.
func NewCron(t *Timers, jobs []CronJob, expand Expand) *Cron {
	c := &Cron{t: t, jobs: map[string]CronJob{}, expand: expand}
	for _, j := range jobs {
		c.jobs[j.Name] = j
	}
	return c
}

// Plan is PlanCron of c's jobs at the timers' clock's now.
func (c *Cron) Plan(ctx context.Context) error {
	jobs := make([]CronJob, 0, len(c.jobs))
	for _, j := range c.jobs {
		jobs = append(jobs, j)
	}
	return PlanCron(ctx, c.t, jobs, c.t.clk.Now())
}

// Job returns the job called name.
func (c *Cron) Job(name string) (CronJob, bool) {
	j, ok := c.jobs[name]
	return j, ok
}

// HandlePlan handles a KindCronPlan timer: it schedules one KindCronSend timer per target chat
// for the occurrence (at the occurrence time, so a late plan still yields sends whose `late`
// shows it), then the planner of the next occurrence after both the occurrence and now (missed
// occurrences are skipped, not replayed). Everything it schedules has a deterministic id, so a
// retried or repeated planner sends nothing twice. A planner of a job no longer configured is
// dropped, as is the fan-out of an occurrence the job's current spec no longer has.
func (c *Cron) HandlePlan(ctx context.Context, tm Timer) error {
	if tm.Kind != KindCronPlan {
		return fmt.Errorf("scheduler: HandlePlan got a %q timer", tm.Kind)
	}
	var p planPayload
	if err := json.Unmarshal(tm.Payload, &p); err != nil {
		c.t.log.Error("scheduler: bad cron plan payload, dropped", "id", tm.ID, "err", err)
		return nil
	}
	job, ok := c.jobs[p.Job]
	if !ok {
		c.t.log.Warn("scheduler: planner of an unknown cron job, dropped", "job", p.Job, "id", tm.ID)
		return nil
	}
	occ := time.Unix(p.At, 0)
	if c.occurs(job, occ) {
		chats := job.Chats
		if len(chats) == 0 {
			if c.expand == nil {
				return fmt.Errorf("scheduler: cron job %q has no chats and no Expand", job.Name)
			}
			var err error
			if chats, err = c.expand(ctx, job); err != nil {
				return fmt.Errorf("scheduler: cron job %q: expand: %w", job.Name, err)
			}
		}
		seen := make(map[int64]bool, len(chats))
		sends := make([]Timer, 0, len(chats))
		for _, chat := range chats {
			if seen[chat] {
				continue
			}
			seen[chat] = true
			b, _ := json.Marshal(sendPayload{Job: job.Name, At: p.At, Chat: chat})
			sends = append(sends, Timer{
				ID:      planID(job.Name, p.At) + ":" + strconv.FormatInt(chat, 10),
				Kind:    KindCronSend,
				ChatID:  chat,
				At:      occ,
				Payload: b,
			})
		}
		if err := c.t.ScheduleMany(ctx, sends); err != nil {
			return err
		}
	} else {
		c.t.log.Warn("scheduler: cron occurrence no longer in the job's spec, skipped", "job", job.Name, "at", occ)
	}
	from := occ
	if now := c.t.clk.Now(); now.After(from) {
		from = now
	}
	next := job.Next(from)
	if next.IsZero() {
		return nil
	}
	return c.t.Schedule(ctx, planTimer(job, next))
}

// occurs reports whether occ is an occurrence of job's current schedule (only checkable for
// calendar specs; @every schedules are relative and always accepted).
func (c *Cron) occurs(job CronJob, occ time.Time) bool {
	if _, ok := job.Schedule.(*cron.SpecSchedule); !ok {
		return true
	}
	return job.Next(occ.Add(-time.Second)).Equal(occ)
}

// CronSend is one occurrence of a job for one chat.
type CronSend struct {
	Job    CronJob
	At     time.Time // the occurrence
	ChatID int64
}

// Send decodes a KindCronSend timer. ok is false if it is not one or its job is no longer
// configured (the send should then be dropped).
func (c *Cron) Send(tm Timer) (CronSend, bool) {
	if tm.Kind != KindCronSend {
		return CronSend{}, false
	}
	var p sendPayload
	if err := json.Unmarshal(tm.Payload, &p); err != nil {
		return CronSend{}, false
	}
	job, ok := c.jobs[p.Job]
	if !ok {
		return CronSend{}, false
	}
	return CronSend{Job: job, At: time.Unix(p.At, 0), ChatID: p.Chat}, true
}

// Register routes KindCronPlan to HandlePlan and KindCronSend to send in m; sends of jobs no
// longer configured are dropped.
func (c *Cron) Register(m Mux, send func(ctx context.Context, s CronSend, late time.Duration) error) {
	m[KindCronPlan] = func(ctx context.Context, tm Timer, _ time.Duration) error { return c.HandlePlan(ctx, tm) }
	m[KindCronSend] = func(ctx context.Context, tm Timer, late time.Duration) error {
		s, ok := c.Send(tm)
		if !ok {
			c.t.log.Warn("scheduler: cron send of an unknown job, dropped", "id", tm.ID)
			return nil
		}
		return send(ctx, s, late)
	}
}

// Mux routes timers to handlers by Kind.
type Mux map[string]Handler

// ErrUnknownKind is returned (so the timer is retried, e.g. by a newer replica during a rolling
// deploy) for a timer whose Kind has no handler.
var ErrUnknownKind = errors.New("scheduler: no handler for timer kind")

// Handle is a Handler that dispatches on tm.Kind.
func (m Mux) Handle(ctx context.Context, tm Timer, late time.Duration) error {
	h, ok := m[tm.Kind]
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownKind, tm.Kind)
	}
	return h(ctx, tm, late)
}
