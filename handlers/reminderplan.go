package handlers

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"thiduabot/bot"
	"thiduabot/domain"
	"thiduabot/i18n"
	"thiduabot/store"
)

// /reminders (/lichnhac): the bloc's own reminder plan — when deadlines remind before they are
// due (the configured plan until a manager sets another). Changing it applies to the upcoming
// deadlines too: their reminders at the new offsets are scheduled, and those at offsets no
// longer in the plan are dropped when they fire.

// planFor is the reminder plan of a bloc: its own, else the configured one.
func (h *Deadlines) planFor(b *domain.Bloc) domain.ReminderPlan {
	if b == nil || b.Reminders == "" {
		return h.set.Plan
	}
	p, err := domain.ParseReminderPlan(b.Reminders, h.set.Plan.At)
	if err != nil {
		h.log.Warn("a bloc's reminder plan does not parse; the configured one is used", "chat", b.ChatID, "plan", b.Reminders)
		return h.set.Plan
	}
	return p
}

// describePlan renders a plan: "7, 3, 1 ngày trước lúc 08:00; 2 giờ trước" (rendered text,
// not to be escaped again).
func describePlan(c *bot.Context, p domain.ReminderPlan) i18n.Raw {
	if p.Off() {
		return raw(c.T("rp.off"))
	}
	var parts []string
	if len(p.DaysBefore) > 0 {
		parts = append(parts, c.T("rp.days", "list", joinInts(p.DaysBefore), "at", p.At.String()))
	}
	if len(p.HoursBefore) > 0 {
		parts = append(parts, c.T("rp.hours", "list", joinInts(p.HoursBefore)))
	}
	return i18n.Join(parts, "; ")
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

func (h *Deadlines) reminders(ctx context.Context, c *bot.Context) error {
	b, err := needBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	arg := strings.TrimSpace(c.Update.Args)
	if arg == "" {
		key := "rp.current_default"
		if b.Reminders != "" {
			key = "rp.current_own"
		}
		c.Reply(c.T(key, "plan", describePlan(c, h.planFor(b))) + "\n\n" + c.T("rp.usage"))
		return nil
	}
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	if tooLong(c, arg, 200) {
		return nil
	}
	spec, plan := "", h.set.Plan
	switch domain.Fold(arg) {
	case "macdinh", "mac dinh", "default", "reset":
	default:
		p, err := domain.ParseReminderPlan(arg, h.set.Plan.At)
		if errors.Is(err, domain.ErrBadReminderPlan) {
			c.Reply(c.T("rp.bad", "max", domain.MaxReminderOffsets, "days", domain.MaxReminderDays, "hours", domain.MaxReminderHours) +
				"\n\n" + c.T("rp.usage"))
			return nil
		}
		if err != nil {
			return err
		}
		spec, plan = p.String(), p
	}
	if err := h.store.SetReminders(ctx, b.ChatID, op(c), spec); errors.Is(err, domain.ErrNoBloc) {
		c.Reply(c.T("err.no_bloc"))
		return nil
	} else if err != nil {
		return err
	}
	n, err := h.replan(ctx, b, plan)
	if err != nil {
		return err
	}
	key := "rp.set_own"
	if spec == "" {
		key = "rp.set_default"
	}
	c.Reply(c.T(key, "plan", describePlan(c, plan), "n", n))
	return nil
}

// replan schedules the reminders of the bloc's upcoming deadlines at the plan's offsets (ids
// derive from the offsets, so those already scheduled stay as they are); reminders at offsets
// the plan dropped find them missing when they fire. It returns how many deadlines it covered.
func (h *Deadlines) replan(ctx context.Context, b *domain.Bloc, plan domain.ReminderPlan) (int, error) {
	ds, err := h.store.Deadlines(ctx, b.ChatID)
	if err != nil {
		return 0, err
	}
	now := h.clk.Now()
	n := 0
	for _, d := range ds {
		if d.Kind != store.KindDeadline || !d.At.After(now) {
			continue
		}
		rts, _ := plan.Times(d.At, now, b.Location())
		if err := h.schedule(ctx, b.ChatID, d, rts); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// reminderKeyOf is the offset key ("d7", "h2") a deadline reminder's timer id ends with.
func reminderKeyOf(timerID string) string {
	return timerID[strings.LastIndexByte(timerID, ':')+1:]
}
