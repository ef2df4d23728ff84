package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"sort"
	"strconv"
	"strings"
	"time"

	"thiduabot/bot"
	"thiduabot/domain"
	"thiduabot/i18n"
	"thiduabot/scheduler"
	"thiduabot/store"
)

// The timers of deadlines and reminders. Each one reads its record, works out who still owes
// (for a tied deadline), then claims the send in one script keyed by the timer's id
// (store.FireDeadline) and queues the message as bulk, so interactive replies go first. A timer
// that fires after its deadline was cancelled or moved sends nothing; a reminder that fires
// more than StaleAfter late (the bot was down), or after its deadline, is dropped with a log
// line; the "deadline passed" summary is always sent.

// RegisterTimers routes the deadline and reminder timers of m to the handlers.
func (h *Deadlines) RegisterTimers(m scheduler.Mux) {
	m[KindDeadlineRemind] = h.followMove(h.fireRemind)
	m[KindDeadlinePassed] = h.followMove(h.firePassed)
	m[KindRemindOnce] = h.followMove(h.fireOnce)
}

// followMove hands f the timer as if it had been scheduled in the chat where its group's bloc
// is now: a group that became a supergroup moved its records to the new chat id, while its
// timers stay where they were scheduled. The id is rewritten as the new chat would have
// written it, so the send is claimed under the same key whichever of the two timers fires
// (the new chat schedules its own when the deadline is set again there).
func (h *Deadlines) followMove(f func(ctx context.Context, tm scheduler.Timer, late time.Duration) error) func(ctx context.Context, tm scheduler.Timer, late time.Duration) error {
	return func(ctx context.Context, tm scheduler.Timer, late time.Duration) error {
		to, err := h.store.MovedTo(ctx, tm.ChatID)
		if err != nil {
			return err
		}
		if to != 0 {
			h.log.Info("deadline timer of a migrated group: sent to its supergroup", "timer", tm.ID, "from", tm.ChatID, "to", to)
			tm.ID = movedTimerID(tm.ID, tm.ChatID, to)
			tm.ChatID = to
		}
		return f(ctx, tm, late)
	}
}

func mustPayload(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// chatLang is the language and time zone to remind a chat in: its bloc's, else the record's.
func (h *Deadlines) chatLang(b *domain.Bloc, d store.Deadline) (string, *time.Location) {
	lang := h.set.DefaultLang
	if b != nil && domain.ValidLang(b.Lang) {
		lang = b.Lang
	} else if domain.ValidLang(d.Lang) {
		lang = d.Lang
	}
	if b != nil {
		return lang, b.Location()
	}
	tz := d.TZ
	if tz == "" {
		tz = h.set.DefaultTZ
	}
	return lang, (&domain.Bloc{Timezone: tz}).Location()
}

// load reads what a timer needs: its record (ok false: cancelled) and the chat's bloc (nil for
// a private chat or a chat that is no bloc any more).
func (h *Deadlines) load(ctx context.Context, tm scheduler.Timer) (deadlineTimer, store.Deadline, *domain.Bloc, bool, error) {
	var p deadlineTimer
	if err := json.Unmarshal(tm.Payload, &p); err != nil || p.ID == "" {
		h.log.Error("deadline timer: bad payload, dropped", "timer", tm.ID, "err", err)
		return p, store.Deadline{}, nil, false, nil
	}
	d, ok, err := h.store.Deadline(ctx, tm.ChatID, p.ID)
	if err != nil || !ok {
		if err == nil {
			h.log.Info("deadline timer: its deadline was cancelled, dropped", "timer", tm.ID, "chat", tm.ChatID)
		}
		return p, d, nil, false, err
	}
	if d.At.UnixMilli() != p.At {
		h.log.Info("deadline timer: its deadline moved, dropped", "timer", tm.ID, "chat", tm.ChatID)
		return p, d, nil, false, nil
	}
	b, err := h.store.LoadBloc(ctx, tm.ChatID)
	if errors.Is(err, domain.ErrNoBloc) {
		return p, d, nil, true, nil
	}
	if err != nil {
		return p, d, nil, false, err
	}
	return p, d, b, true, nil
}

// claim records that the timer's message goes out now; false when it went out before or the
// deadline changed meanwhile.
func (h *Deadlines) claim(ctx context.Context, tm scheduler.Timer, d store.Deadline, final bool) (bool, error) {
	fr, err := h.store.FireDeadline(ctx, tm.ChatID, tm.ID, d.ID, d.At, final)
	if err != nil {
		return false, err
	}
	switch {
	case !fr.Live:
		h.log.Info("deadline timer: its deadline changed, dropped", "timer", tm.ID, "chat", tm.ChatID)
		return false, nil
	case fr.Dup:
		h.log.Info("deadline timer: already handled", "timer", tm.ID, "chat", tm.ChatID)
		return false, nil
	}
	return true, nil
}

// fireRemind: a reminder before a deadline.
func (h *Deadlines) fireRemind(ctx context.Context, tm scheduler.Timer, late time.Duration) error {
	_, d, b, ok, err := h.load(ctx, tm)
	if !ok || err != nil {
		return err
	}
	now := h.clk.Now()
	if !now.Before(d.At) {
		h.log.Warn("reminder dropped: its deadline has passed", "timer", tm.ID, "chat", tm.ChatID, "late", late)
		return nil
	}
	if h.set.StaleAfter > 0 && late > h.set.StaleAfter {
		h.log.Warn("reminder dropped: stale", "timer", tm.ID, "chat", tm.ChatID, "late", late, "stale_after", h.set.StaleAfter)
		return nil
	}
	if b == nil {
		h.log.Warn("reminder dropped: the chat is no bloc", "timer", tm.ID, "chat", tm.ChatID)
		return nil
	}
	if key := reminderKeyOf(tm.ID); !h.planFor(b).Has(key) {
		h.log.Info("reminder dropped: its offset is no longer in the bloc's reminder plan", "timer", tm.ID, "chat", tm.ChatID)
		return nil
	}
	lang, loc := h.chatLang(b, d)
	ow, err := h.owing(ctx, b, lang, d)
	if err != nil {
		return err
	}
	if ow.stop || (ow.tied && len(ow.units) == 0) {
		h.log.Info("reminder skipped: nobody owes it", "timer", tm.ID, "chat", tm.ChatID)
		return nil
	}
	if ok, err := h.claim(ctx, tm, d, false); !ok || err != nil {
		return err
	}
	key := "dl.remind"
	if store.Tied(d.ID) {
		key = "dl.remind_tied"
	}
	text := i18n.T(lang, key, "id", d.ID, "text", i18n.Raw(ow.title), "at", fmtAt(lang, d.At, loc), "left", fmtLeft(lang, d.At.Sub(now)))
	if ow.tied {
		text += "\n\n" + h.owingText(lang, b, d, ow)
	}
	h.out.Send(bot.Outgoing{ChatID: tm.ChatID, Text: text, Bulk: true})
	return nil
}

// firePassed: the deadline itself. The summary says who still owes; it is sent however late.
func (h *Deadlines) firePassed(ctx context.Context, tm scheduler.Timer, late time.Duration) error {
	_, d, b, ok, err := h.load(ctx, tm)
	if !ok || err != nil {
		return err
	}
	if b == nil {
		_, err := h.claim(ctx, tm, d, true)
		h.log.Warn("deadline summary dropped: the chat is no bloc", "timer", tm.ID, "chat", tm.ChatID)
		return err
	}
	lang, loc := h.chatLang(b, d)
	ow, err := h.owing(ctx, b, lang, d)
	if err != nil {
		return err
	}
	if ok, err := h.claim(ctx, tm, d, true); !ok || err != nil {
		return err
	}
	if late > time.Minute {
		h.log.Info("deadline summary sent late", "timer", tm.ID, "chat", tm.ChatID, "late", late)
	}
	var text string
	switch {
	case d.Tie.Kind == domain.TieBallot || ow.stop:
		// The ballot announces its own result when it closes; a tie whose action is gone has
		// nothing to sum up.
		return nil
	case ow.tied && len(ow.units) == 0:
		if d.Tie.Kind != domain.TieReport {
			return nil // the pledge announced itself when the last unit signed
		}
		text = i18n.T(lang, passedKey(d), "id", d.ID, "text", i18n.Raw(ow.title), "at", fmtAt(lang, d.At, loc)) + "\n" +
			i18n.T(lang, "dl.done_report", "total", ow.total, "period", ow.period.Label(lang))
	default:
		text = i18n.T(lang, passedKey(d), "id", d.ID, "text", i18n.Raw(ow.title), "at", fmtAt(lang, d.At, loc))
		if ow.tied {
			text += "\n\n" + h.owingText(lang, b, d, ow)
		}
	}
	h.out.Send(bot.Outgoing{ChatID: tm.ChatID, Text: text, Bulk: true})
	return nil
}

func passedKey(d store.Deadline) string {
	if store.Tied(d.ID) {
		return "dl.passed_tied"
	}
	return "dl.passed"
}

// fireOnce: a /remind reminder.
func (h *Deadlines) fireOnce(ctx context.Context, tm scheduler.Timer, late time.Duration) error {
	_, d, b, ok, err := h.load(ctx, tm)
	if !ok || err != nil {
		return err
	}
	if ok, err := h.claim(ctx, tm, d, true); !ok || err != nil {
		return err
	}
	if h.set.StaleAfter > 0 && late > h.set.StaleAfter {
		h.log.Warn("reminder dropped: stale", "timer", tm.ID, "chat", tm.ChatID, "late", late, "stale_after", h.set.StaleAfter)
		return nil
	}
	lang, _ := h.chatLang(b, d)
	h.out.Send(bot.Outgoing{ChatID: tm.ChatID, Bulk: true,
		Text: i18n.T(lang, "rm.fire", "id", d.ID, "text", d.Text, "person", i18n.Raw(mention(d.By)))})
	return nil
}

// SendCron sends one occurrence of a recurring reminder from the configuration to one chat,
// in the chat's language (scheduler.Cron's send function). A stale one is dropped with a log
// line; one already sent (a repeated timer) is not sent again.
func (h *Deadlines) SendCron(ctx context.Context, s scheduler.CronSend, late time.Duration) error {
	if h.set.StaleAfter > 0 && late > h.set.StaleAfter {
		h.log.Warn("recurring reminder dropped: stale", "job", s.Job.Name, "chat", s.ChatID, "late", late, "stale_after", h.set.StaleAfter)
		return nil
	}
	lang := h.set.DefaultLang
	b, err := h.store.LoadBloc(ctx, s.ChatID)
	switch {
	case err == nil:
		if domain.ValidLang(b.Lang) {
			lang = b.Lang
		}
	case !errors.Is(err, domain.ErrNoBloc):
		return err
	}
	text := cronText(s.Job.Text, lang, h.set.DefaultLang)
	if strings.TrimSpace(text) == "" {
		h.log.Warn("recurring reminder without text, dropped", "job", s.Job.Name, "chat", s.ChatID)
		return nil
	}
	first, err := h.store.Once(ctx, s.ChatID, "cron:"+s.Job.Name+":"+strconv.FormatInt(s.At.Unix(), 10))
	if err != nil {
		return err
	}
	if !first {
		h.log.Info("recurring reminder already sent", "job", s.Job.Name, "chat", s.ChatID)
		return nil
	}
	h.out.Send(bot.Outgoing{ChatID: s.ChatID, Text: i18n.T(lang, "dl.recurring", "text", text), Bulk: true})
	return nil
}

// cronText picks a recurring reminder's text: the chat's language, else the default, else any.
func cronText(texts map[string]string, lang, def string) string {
	if t := texts[lang]; t != "" {
		return t
	}
	if t := texts[def]; t != "" {
		return t
	}
	keys := make([]string, 0, len(texts))
	for k := range texts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if texts[k] != "" {
			return texts[k]
		}
	}
	return ""
}

// owed is who still owes a deadline's action.
type owed struct {
	tied   bool          // the deadline is tied to an action
	stop   bool          // the action is over or gone (ballot closed, no pledge): nothing to remind
	units  []domain.Unit // units that have not done it, in the bloc's order
	total  int           // units that have to do it
	title  string        // what is due, HTML
	period domain.Period // of a report tie
}

// owing works out a deadline's title and, for a tied one, the units that still owe it.
func (h *Deadlines) owing(ctx context.Context, b *domain.Bloc, lang string, d store.Deadline) (owed, error) {
	o := owed{title: html.EscapeString(d.Text)}
	switch d.Tie.Kind {
	case domain.TieReport:
		o.tied = true
		p, err := domain.ParsePeriodCode(d.Tie.Ref)
		if err != nil {
			o.stop = true
			return o, nil
		}
		o.period = p
		if d.Text == "" {
			o.title = i18n.T(lang, "dl.text_report", "period", p.Label(lang))
		}
		from, to := p.Range(b.Location())
		ids := make([]int, len(b.Units))
		for i, u := range b.Units {
			ids[i] = u.ID
		}
		counts, err := h.store.ReportCounts(ctx, b.ChatID, ids, from, to)
		if err != nil {
			return o, err
		}
		o.total = len(b.Units)
		for _, u := range b.Units {
			if counts[u.ID] == 0 {
				o.units = append(o.units, u)
			}
		}
	case domain.TiePledge:
		o.tied = true
		st, err := h.store.PledgeStatus(ctx, b.ChatID)
		if err != nil {
			return o, err
		}
		if !st.Exists || strconv.Itoa(st.Year) != d.Tie.Ref {
			o.stop = true
			return o, nil
		}
		o.title = i18n.T(lang, "dl.text_pledge", "year", st.Year, "title", st.Title)
		o.total = len(st.Units)
		for _, id := range st.Unsigned {
			if u, ok := b.Unit(id); ok {
				o.units = append(o.units, u)
			}
		}
	case domain.TieBallot:
		o.tied = true
		v, err := h.store.LoadBallot(ctx, b.ChatID, d.Tie.Ref)
		if errors.Is(err, domain.ErrNotFound) {
			o.stop = true
			return o, nil
		}
		if err != nil {
			return o, err
		}
		pos := i18n.T(lang, "dl.pos_chair")
		if v.Card.Pos == domain.PosDeputy {
			pos = i18n.T(lang, "dl.pos_deputy")
		}
		o.title = i18n.T(lang, "dl.text_ballot", "position", pos, "year", v.Card.Year)
		if !v.Open {
			o.stop = true
			return o, nil
		}
		voted := map[int]bool{}
		for _, id := range v.Voted {
			voted[id] = true
		}
		o.total = len(v.Card.Elig)
		for _, cu := range v.Card.Elig {
			if voted[cu.ID] {
				continue
			}
			u, ok := b.Unit(cu.ID)
			if !ok {
				u = domain.Unit{ID: cu.ID, Name: cu.Name}
			}
			o.units = append(o.units, u)
		}
	}
	return o, nil
}

// owingText lists the units that still owe, each with its linked members mentioned, and what
// to do.
func (h *Deadlines) owingText(lang string, b *domain.Bloc, d store.Deadline, o owed) string {
	var head, cta string
	switch d.Tie.Kind {
	case domain.TieReport:
		head = i18n.T(lang, "dl.owe_report", "period", o.period.Label(lang), "n", len(o.units), "total", o.total)
		cta = i18n.T(lang, "dl.report_cta")
	case domain.TiePledge:
		head = i18n.T(lang, "dl.owe_pledge", "n", len(o.units), "total", o.total)
		cta = i18n.T(lang, "dl.pledge_cta")
	case domain.TieBallot:
		head = i18n.T(lang, "dl.owe_ballot", "n", len(o.units), "total", o.total)
		cta = i18n.T(lang, "dl.ballot_cta")
	}
	lines := []string{head}
	for _, u := range o.units {
		ms := b.MembersOf(u.ID)
		var who string
		if len(ms) == 0 {
			who = "<i>" + i18n.T(lang, "dl.nobody") + "</i>"
		} else {
			names := make([]string, len(ms))
			for i, p := range ms {
				names[i] = mention(p)
			}
			who = strings.Join(names, ", ")
		}
		lines = append(lines, i18n.T(lang, "dl.unit_members", "unit", u.Name, "members", i18n.Raw(who)))
	}
	return strings.Join(lines, "\n") + "\n" + cta
}
