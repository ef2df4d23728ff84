package handlers

import (
	"context"
	"errors"
	"html"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"thiduabot/bot"
	"thiduabot/clock"
	"thiduabot/domain"
	"thiduabot/i18n"
	"thiduabot/scheduler"
	"thiduabot/store"
)

// DeadlineStore is what deadlines and reminders need from the store.
type DeadlineStore interface {
	LoadBloc(ctx context.Context, chatID int64) (*domain.Bloc, error)
	AddDeadline(ctx context.Context, chatID int64, op store.Op, d store.Deadline, needBloc bool) (string, bool, error)
	CancelDeadline(ctx context.Context, chatID int64, op store.Op, id string, manager bool) (store.Deadline, bool, error)
	SetTiedDeadline(ctx context.Context, chatID int64, d store.Deadline) (store.Deadline, bool, error)
	FireDeadline(ctx context.Context, chatID int64, key, id string, at time.Time, final bool) (store.FireResult, error)
	Deadline(ctx context.Context, chatID int64, id string) (store.Deadline, bool, error)
	Deadlines(ctx context.Context, chatID int64) ([]store.Deadline, error)
	Once(ctx context.Context, chatID int64, key string) (bool, error)
	ReportCounts(ctx context.Context, chatID int64, units []int, from, to time.Time) (map[int]int, error)
	PledgeStatus(ctx context.Context, chatID int64) (store.PledgeStatus, error)
	LoadBallot(ctx context.Context, chatID int64, ballotID string) (store.BallotView, error)
	OpenBallots(ctx context.Context, chatID int64) ([]store.BallotView, error)
	MovedTo(ctx context.Context, chatID int64) (int64, error)
	BlocsOf(ctx context.Context, person int64) ([]int64, error)
	SetReminders(ctx context.Context, chatID int64, op store.Op, plan string) error
}

// DeadlineTimers is what deadlines need of the durable timers.
type DeadlineTimers interface {
	ScheduleMany(ctx context.Context, tms []scheduler.Timer) error
	Cancel(ctx context.Context, chatID int64, id string) (bool, error)
}

// Outbox sends a message (the runtime's sender).
type Outbox interface {
	Send(m bot.Outgoing)
}

// DeadlineSettings come from the configuration (reminders:, bot:).
type DeadlineSettings struct {
	Plan        domain.ReminderPlan
	DefaultTime domain.TimeOfDay // of a deadline typed without a time
	// StaleAfter drops a reminder that fires later than this (the bot was down); 0: never.
	StaleAfter  time.Duration
	DefaultLang string
	DefaultTZ   string
}

// Deadlines handles /deadline (/hanchot), /deadlines (/dshanchot), /remind (/nhac) and
// /cancel (/huy), the timers that remind (reminders.go), recurring reminders from the
// configuration, and the reminders of other features' deadlines (the pledge's sign-by date,
// an open ballot's deadline) through OnPledgeDeadline and OnBallotDeadline.
type Deadlines struct {
	store  DeadlineStore
	timers DeadlineTimers
	out    Outbox
	clk    clock.Clock
	log    *slog.Logger
	set    DeadlineSettings
}

// NewDeadlines returns the deadline handlers. out sends the reminders (bulk).
func NewDeadlines(s DeadlineStore, timers DeadlineTimers, out Outbox, clk clock.Clock, log *slog.Logger, set DeadlineSettings) *Deadlines {
	if log == nil {
		log = slog.Default()
	}
	if clk == nil {
		clk = clock.Real{}
	}
	if set.DefaultLang == "" {
		set.DefaultLang = domain.LangVI
	}
	if set.DefaultTZ == "" {
		set.DefaultTZ = domain.DefaultTimezone
	}
	return &Deadlines{store: s, timers: timers, out: out, clk: clk, log: log, set: set}
}

// Button kind of a cancel button: its one argument is the id.
const deadlineCancelKind = "dlc"

// Register adds the handlers to a router.
func (h *Deadlines) Register(r *bot.Router) {
	r.Command(bot.CommandInfo{Names: []string{"deadline", "hanchot"}, MenuKey: "cmd.deadline", Group: true}, h.deadline)
	r.Command(bot.CommandInfo{Names: []string{"deadlines", "dshanchot"}, MenuKey: "cmd.deadlines", Group: true, Private: true}, h.list)
	r.Command(bot.CommandInfo{Names: []string{"remind", "nhac"}, MenuKey: "cmd.remind", Group: true, Private: true}, h.remind)
	r.Command(bot.CommandInfo{Names: []string{"cancel", "huy"}, MenuKey: "cmd.cancel", Group: true, Private: true}, h.cancel)
	r.Command(bot.CommandInfo{Names: []string{"reminders", "lichnhac"}, MenuKey: "cmd.reminders", Group: true}, h.reminders)
	r.Prompt("deadline", managerReply(h.setDeadline))
	r.Prompt("remind", h.remindReply)
	r.Callback(deadlineCancelKind, h.cancelButton)
}

// loc is the time zone of a chat: its bloc's, else the default.
func (h *Deadlines) loc(b *domain.Bloc) *time.Location {
	if b != nil {
		return b.Location()
	}
	return (&domain.Bloc{Timezone: h.set.DefaultTZ}).Location()
}

// fmtAt renders a time as "17:00 Thứ Bảy 15/06/2024".
func fmtAt(lang string, t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return i18n.T(lang, "dl.at", "time", t.Format("15:04"), "weekday", i18n.T(lang, "dl.wd"+strconv.Itoa(int(t.Weekday()))),
		"date", t.Format("02/01/2006"))
}

// fmtLeft renders the time left before a deadline: "7 ngày 9 giờ", "2 giờ".
func fmtLeft(lang string, d time.Duration) string {
	days, hours, mins := domain.SplitLeft(d)
	switch {
	case days > 0 && hours > 0:
		return i18n.T(lang, "dl.left_dh", "d", days, "h", hours)
	case days > 0:
		return i18n.T(lang, "dl.left_d", "d", days)
	case hours > 0 && mins > 0:
		return i18n.T(lang, "dl.left_hm", "h", hours, "m", mins)
	case hours > 0:
		return i18n.T(lang, "dl.left_h", "h", hours)
	}
	return i18n.T(lang, "dl.left_m", "m", mins)
}

// example renders an example command (key "dl.example" or "rm.example") two weeks ahead.
func (h *Deadlines) example(c *bot.Context, loc *time.Location, key string) string {
	return c.T(key, "date", c.Now().In(loc).AddDate(0, 0, 14).Format("02/01"))
}

func (h *Deadlines) exampleReport(c *bot.Context, loc *time.Location) string {
	now := c.Now().In(loc)
	q := (int(now.Month())-1)/3 + 1
	end := time.Date(now.Year(), time.Month(3*q)+1, 10, 0, 0, 0, 0, loc) // the 10th after the quarter
	return c.T("dl.example_report", "date", end.Format("02/01"), "period", "q"+strconv.Itoa(q))
}

// dateError tells the person what was wrong with the date, with an example of the right form.
func (h *Deadlines) dateError(c *bot.Context, err error, loc *time.Location, exampleKey string) {
	ex := h.example(c, loc, exampleKey)
	var de *domain.DateError
	switch {
	case errors.Is(err, domain.ErrTextTooLong):
		c.Reply(c.T("dl.err_text_long", "max", domain.MaxDeadlineText))
	case errors.As(err, &de):
		key := "dl.err_date_missing"
		switch {
		case errors.Is(de, domain.ErrDateMissing) && de.Input == "":
			key = "dl.err_date_empty"
		case errors.Is(de, domain.ErrDateInvalid):
			key = "dl.err_date_invalid"
		case errors.Is(de, domain.ErrTimeInvalid):
			key = "dl.err_time_invalid"
		case errors.Is(de, domain.ErrTimeMissing):
			key = "dl.err_time_missing"
		case errors.Is(de, domain.ErrDateInPast):
			key = "dl.err_past"
		case errors.Is(de, domain.ErrDateTooFar):
			key = "dl.err_far"
		case errors.Is(de, domain.ErrPeriodInvalid):
			key, ex = "dl.err_period", h.exampleReport(c, loc)
		}
		c.Reply(c.T(key, "input", de.Input, "example", ex))
	default:
		c.Reply(c.T("dl.err_date_missing", "input", "", "example", ex))
	}
}

// deadline: /deadline <dd/mm[/yyyy]> [HH:MM] [report <period>] <text>, managers.
func (h *Deadlines) deadline(ctx context.Context, c *bot.Context) error {
	b, err := needBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	args := strings.TrimSpace(c.Update.Args)
	if args == "" {
		loc := b.Location()
		c.Ask(ctx, "deadline", "", c.T("dl.ask", "example", h.example(c, loc, "dl.example"), "default", h.set.DefaultTime.String(),
			"example_report", h.exampleReport(c, loc)), c.T("dl.ask_placeholder"))
		return nil
	}
	return h.setDeadline(ctx, c, b, args)
}

func (h *Deadlines) setDeadline(ctx context.Context, c *bot.Context, b *domain.Bloc, text string) error {
	if tooLong(c, text, 1000) {
		return nil
	}
	loc := b.Location()
	now := c.Now()
	req, err := domain.ParseDeadlineRequest(text, domain.DeadlineOptions{Now: now, Loc: loc, DefaultTime: h.set.DefaultTime, AllowTie: true})
	if err != nil {
		h.dateError(c, err, loc, "dl.example")
		return nil
	}
	if req.Text == "" && req.Tie.Kind == domain.TieNone {
		c.Reply(c.T("dl.need_text", "example", h.example(c, loc, "dl.example")))
		return nil
	}
	rts, skipped := h.planFor(b).Times(req.At, now, loc)
	d := store.Deadline{Kind: store.KindDeadline, At: req.At, Text: req.Text, Tie: req.Tie, By: c.Update.From,
		Created: now, Reminders: reminderKeys(rts), Lang: b.Lang, TZ: b.Timezone}
	id, _, err := h.store.AddDeadline(ctx, b.ChatID, op(c), d, true)
	switch {
	case errors.Is(err, store.ErrTooManyDeadlines):
		c.Reply(c.T("dl.too_many", "max", store.MaxPendingDeadlines))
		return nil
	case errors.Is(err, domain.ErrNoBloc):
		c.Reply(c.T("err.no_bloc"))
		return nil
	case err != nil:
		return err
	}
	d.ID = id
	if err := h.schedule(ctx, b.ChatID, d, rts); err != nil {
		return err
	}
	lang := c.Lang()
	var plan []string
	if len(rts) == 0 {
		plan = append(plan, c.T("dl.plan_none"))
	} else {
		times := make([]string, len(rts))
		for i, rt := range rts {
			times[i] = rt.At.In(loc).Format("15:04 02/01")
		}
		plan = append(plan, c.T("dl.plan", "times", strings.Join(times, ", ")))
	}
	if skipped > 0 {
		plan = append(plan, c.T("dl.plan_skipped", "n", skipped))
	}
	ow, err := h.owing(ctx, b, lang, d)
	if err != nil {
		return err
	}
	if d.Tie.Kind == domain.TieReport {
		plan = append(plan, c.T("dl.tie_report", "period", ow.period.Label(lang), "n", len(ow.units), "total", ow.total))
	}
	c.Reply(c.T("dl.set", "id", id, "text", raw(ow.title), "at", fmtAt(lang, d.At, loc), "plan", raw(strings.Join(plan, "\n"))))
	return nil
}

func reminderKeys(rts []domain.ReminderTime) []string {
	keys := make([]string, len(rts))
	for i, rt := range rts {
		keys[i] = rt.Key
	}
	return keys
}

// remind: /remind <dd/mm[/yyyy]> <HH:MM> <text>, any member or manager (or anyone in a private
// chat, for themselves).
func (h *Deadlines) remind(ctx context.Context, c *bot.Context) error {
	b, ok, err := h.mayRemind(ctx, c)
	if !ok || err != nil {
		return err
	}
	if strings.TrimSpace(c.Update.Args) == "" {
		c.Ask(ctx, "remind", "", c.T("rm.ask", "example", h.example(c, h.loc(b), "rm.example")), c.T("rm.ask_placeholder"))
		return nil
	}
	return h.setRemind(ctx, c, b, c.Update.Args)
}

func (h *Deadlines) remindReply(ctx context.Context, c *bot.Context) error {
	b, ok, err := h.mayRemind(ctx, c)
	if !ok || err != nil {
		return err
	}
	return h.setRemind(ctx, c, b, c.Update.Text)
}

// mayRemind checks who may set a reminder: in a group, a member of the bloc or a manager.
func (h *Deadlines) mayRemind(ctx context.Context, c *bot.Context) (*domain.Bloc, bool, error) {
	if c.Update.IsPrivate() {
		return nil, true, nil
	}
	b, err := needBloc(ctx, c)
	if b == nil || err != nil {
		return nil, false, err
	}
	if c.Update.SenderChat == 0 {
		if _, ok := b.UnitOf(c.Update.From.ID); ok {
			return b, true, nil
		}
	}
	mgr, err := c.IsManager(ctx)
	if err != nil {
		return nil, false, err
	}
	if !mgr {
		if c.Update.SenderChat != 0 {
			c.Reply(c.T("err.channel"))
		} else {
			c.Reply(c.T("err.not_member"))
		}
		return nil, false, nil
	}
	return b, true, nil
}

func (h *Deadlines) setRemind(ctx context.Context, c *bot.Context, b *domain.Bloc, text string) error {
	if tooLong(c, text, 1000) {
		return nil
	}
	loc := h.loc(b)
	now := c.Now()
	req, err := domain.ParseDeadlineRequest(text, domain.DeadlineOptions{Now: now, Loc: loc, NeedTime: true})
	if err != nil {
		h.dateError(c, err, loc, "rm.example")
		return nil
	}
	if req.Text == "" {
		c.Reply(c.T("rm.need_text", "example", h.example(c, loc, "rm.example")))
		return nil
	}
	d := store.Deadline{Kind: store.KindRemind, At: req.At, Text: req.Text, By: c.Update.From, Created: now,
		Lang: c.Lang(), TZ: loc.String()}
	id, _, err := h.store.AddDeadline(ctx, c.Update.ChatID, op(c), d, b != nil)
	switch {
	case errors.Is(err, store.ErrTooManyDeadlines):
		c.Reply(c.T("dl.too_many", "max", store.MaxPendingDeadlines))
		return nil
	case errors.Is(err, domain.ErrNoBloc):
		c.Reply(c.T("err.no_bloc"))
		return nil
	case err != nil:
		return err
	}
	d.ID = id
	if err := h.schedule(ctx, c.Update.ChatID, d, nil); err != nil {
		return err
	}
	c.Reply(c.T("rm.set", "id", id, "at", fmtAt(c.Lang(), d.At, loc), "text", d.Text))
	return nil
}

// list: /deadlines — what is due next, with ids; tied deadlines say how many units still owe.
func (h *Deadlines) list(ctx context.Context, c *bot.Context) error {
	var b *domain.Bloc
	if !c.Update.IsPrivate() {
		var err error
		if b, err = needBloc(ctx, c); b == nil || err != nil {
			return err
		}
	}
	loc := h.loc(b)
	ds, err := h.store.Deadlines(ctx, c.Update.ChatID)
	if err != nil {
		return err
	}
	if b != nil {
		if ds, err = h.withBallots(ctx, b, ds); err != nil {
			return err
		}
	}
	lines, err := h.listLines(ctx, c, b, loc, ds, true)
	if err != nil {
		return err
	}
	// In a private chat, the member's bloc's deadlines too (one bloc: with several, the group's
	// /deadlines says them).
	var blocLines []string
	var bloc *domain.Bloc
	if b == nil {
		blocs, err := memberBlocs(ctx, h.store, c.Update.From.ID)
		if err != nil {
			return err
		}
		if len(blocs) == 1 {
			bloc = blocs[0]
			bds, err := h.store.Deadlines(ctx, bloc.ChatID)
			if err != nil {
				return err
			}
			if bds, err = h.withBallots(ctx, bloc, bds); err != nil {
				return err
			}
			var kept []store.Deadline
			for _, d := range bds {
				if d.Kind != store.KindRemind { // a group's own reminders are the group's
					kept = append(kept, d)
				}
			}
			if blocLines, err = h.listLines(ctx, c, bloc, h.loc(bloc), kept, false); err != nil {
				return err
			}
		}
	}
	if len(lines) == 0 && len(blocLines) == 0 {
		c.Reply(c.T("dl.list_empty", "example", h.example(c, loc, "dl.example")))
		return nil
	}
	var out strings.Builder
	out.WriteString(c.T("dl.list_title"))
	if len(lines) > 0 {
		out.WriteString("\n\n" + strings.Join(lines, "\n") + "\n\n" + c.T("dl.list_hint"))
	}
	if len(blocLines) > 0 {
		out.WriteString("\n\n" + c.T("dl.list_bloc", "bloc", bloc.Name) + "\n" + strings.Join(blocLines, "\n"))
	}
	c.Reply(out.String())
	return nil
}

// withBallots adds to a bloc's deadlines its open ballots whose deadline no reminder record
// covers yet, and sorts them.
func (h *Deadlines) withBallots(ctx context.Context, b *domain.Bloc, ds []store.Deadline) ([]store.Deadline, error) {
	have := map[string]bool{}
	for _, d := range ds {
		have[d.ID] = true
	}
	ballots, err := h.store.OpenBallots(ctx, b.ChatID)
	if err != nil {
		return nil, err
	}
	for _, v := range ballots {
		if dl := v.Card.DeadlineTime(); !dl.IsZero() && !have["b"+v.Card.ID] {
			ds = append(ds, store.Deadline{ID: "b" + v.Card.ID, Kind: store.KindDeadline, At: dl,
				Tie: domain.Tie{Kind: domain.TieBallot, Ref: v.Card.ID}})
		}
	}
	sortDeadlines(ds)
	return ds, nil
}

// listLines renders deadlines and reminders still ahead, with their numbers for /cancel when
// withIDs (a bloc's listed in a private chat are cancelled in the group: no numbers).
func (h *Deadlines) listLines(ctx context.Context, c *bot.Context, b *domain.Bloc, loc *time.Location, ds []store.Deadline, withIDs bool) ([]string, error) {
	lang := c.Lang()
	now := c.Now()
	var lines []string
	for _, d := range ds {
		if !d.At.After(now) {
			continue // due right now: its timer is on its way
		}
		at := fmtAt(lang, d.At, loc)
		if d.Kind == store.KindRemind {
			lines = append(lines, c.T("dl.list_remind", "id", d.ID, "at", at, "text", d.Text))
			continue
		}
		if b == nil {
			continue
		}
		ow, err := h.owing(ctx, b, lang, d)
		if err != nil {
			return nil, err
		}
		if ow.stop {
			continue
		}
		if store.Tied(d.ID) || !withIDs {
			lines = append(lines, c.T("dl.list_tied", "at", at, "text", raw(ow.title)))
		} else {
			lines = append(lines, c.T("dl.list_item", "id", d.ID, "at", at, "text", raw(ow.title)))
		}
		if ow.tied && len(ow.units) > 0 {
			lines = append(lines, c.T("dl.list_owing", "n", len(ow.units), "total", ow.total))
		} else if ow.tied {
			lines = append(lines, c.T("dl.list_done"))
		}
	}
	return lines, nil
}

func sortDeadlines(ds []store.Deadline) {
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && (ds[j].At.Before(ds[j-1].At) || ds[j].At.Equal(ds[j-1].At) && ds[j].ID < ds[j-1].ID); j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}

// cancel: /cancel <id>. Without an id, buttons of what is pending.
func (h *Deadlines) cancel(ctx context.Context, c *bot.Context) error {
	var b *domain.Bloc
	if !c.Update.IsPrivate() {
		var err error
		if b, err = needBloc(ctx, c); b == nil || err != nil {
			return err
		}
	}
	id := strings.TrimPrefix(strings.TrimSpace(c.Update.Args), "#")
	if id == "" {
		return h.cancelChoices(ctx, c, b)
	}
	if f := strings.Fields(id); len(f) > 1 {
		id = strings.TrimPrefix(f[0], "#")
	}
	msg, _, err := h.doCancel(ctx, c, b, id)
	if err != nil {
		return err
	}
	c.Reply(msg)
	return nil
}

func (h *Deadlines) cancelChoices(ctx context.Context, c *bot.Context, b *domain.Bloc) error {
	ds, err := h.store.Deadlines(ctx, c.Update.ChatID)
	if err != nil {
		return err
	}
	var rows [][]bot.Button
	lang := c.Lang()
	for _, d := range ds {
		if store.Tied(d.ID) {
			continue
		}
		text := d.Text
		if text == "" && b != nil {
			if ow, err := h.owing(ctx, b, lang, d); err == nil {
				text = html.UnescapeString(ow.title)
			}
		}
		label := c.T("dl.cancel_button", "id", d.ID, "text", shortLabel(text, 32))
		rows = append(rows, []bot.Button{c.Button(html.UnescapeString(label), deadlineCancelKind, d.ID)})
		if len(rows) == 20 {
			break
		}
	}
	if len(rows) == 0 {
		c.Reply(c.T("dl.cancel_none"))
		return nil
	}
	c.Reply(c.T("dl.cancel_choose"), rows...)
	return nil
}

// doCancel cancels id and its timers, and returns what to tell the person (ok: cancelled).
func (h *Deadlines) doCancel(ctx context.Context, c *bot.Context, b *domain.Bloc, id string) (string, bool, error) {
	if store.Tied(id) {
		if strings.HasPrefix(id, "p") {
			return c.T("dl.cancel_pledge"), false, nil
		}
		if strings.HasPrefix(id, "b") {
			return c.T("dl.cancel_ballot"), false, nil
		}
		return c.T("dl.cancel_notfound", "id", id), false, nil
	}
	manager := c.Update.IsPrivate()
	if !manager {
		var err error
		if manager, err = c.IsManager(ctx); err != nil {
			return "", false, err
		}
	}
	d, _, err := h.store.CancelDeadline(ctx, c.Update.ChatID, op(c), id, manager)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return c.T("dl.cancel_notfound", "id", id), false, nil
	case errors.Is(err, domain.ErrForbidden):
		return c.T("dl.cancel_forbidden"), false, nil
	case err != nil:
		return "", false, err
	}
	h.cancelTimers(ctx, c.Update.ChatID, d)
	lang := c.Lang()
	what, title := c.T("dl.what_deadline"), html.EscapeString(d.Text)
	if d.Kind == store.KindRemind {
		what = c.T("dl.what_remind")
	} else if b != nil {
		if ow, err := h.owing(ctx, b, lang, d); err == nil {
			title = ow.title
		}
	}
	return c.T("dl.cancelled", "what", what, "id", d.ID, "at", fmtAt(lang, d.At, h.loc(b)), "text", raw(title)), true, nil
}

func (h *Deadlines) cancelButton(ctx context.Context, c *bot.Context) error {
	if len(c.Args) != 1 {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	var b *domain.Bloc
	if !c.Update.IsPrivate() {
		var err error
		b, err = c.Bloc(ctx)
		if errors.Is(err, domain.ErrNoBloc) {
			c.Answer(ctx, c.T("err.bad_button"), true)
			return nil
		}
		if err != nil {
			return err
		}
	}
	msg, ok, err := h.doCancel(ctx, c, b, c.Args[0])
	if err != nil {
		return err
	}
	if ok {
		c.Answer(ctx, c.T("dl.cancelled_short", "id", c.Args[0]), false)
		c.Send(bot.Outgoing{ChatID: c.Update.ChatID, Text: msg})
		return nil
	}
	c.Answer(ctx, msg, true)
	return nil
}

// Timer kinds of deadlines and reminders.
const (
	KindDeadlineRemind = "deadline.remind" // a reminder before a deadline
	KindDeadlinePassed = "deadline.passed" // the deadline itself: the summary
	KindRemindOnce     = "remind.once"     // a /remind reminder
)

type deadlineTimer struct {
	ID string `json:"d"`
	At int64  `json:"at"` // the deadline (unix ms), so a moved deadline's old timers do nothing
}

func deadlineTimerID(chat int64, d store.Deadline, key string) string {
	if d.Kind == store.KindRemind {
		return "rm:" + strconv.FormatInt(chat, 10) + ":" + d.ID
	}
	return "dl:" + strconv.FormatInt(chat, 10) + ":" + d.ID + ":" + strconv.FormatInt(d.At.UnixMilli(), 10) + ":" + key
}

// movedTimerID is the id deadlineTimerID gives the same timer in chat to, for one scheduled
// in chat from (ids start "dl:<chat>:" or "rm:<chat>:").
func movedTimerID(id string, from, to int64) string {
	for _, kind := range []string{"dl:", "rm:"} {
		if rest, ok := strings.CutPrefix(id, kind+strconv.FormatInt(from, 10)+":"); ok {
			return kind + strconv.FormatInt(to, 10) + ":" + rest
		}
	}
	return id
}

// schedule stores the timers of a deadline (its reminders and the deadline itself) or of a
// one-off reminder. Their ids derive from the record, so scheduling twice schedules once.
func (h *Deadlines) schedule(ctx context.Context, chat int64, d store.Deadline, rts []domain.ReminderTime) error {
	p := mustPayload(deadlineTimer{ID: d.ID, At: d.At.UnixMilli()})
	if d.Kind == store.KindRemind {
		return h.timers.ScheduleMany(ctx, []scheduler.Timer{{ID: deadlineTimerID(chat, d, ""), Kind: KindRemindOnce, ChatID: chat, At: d.At, Payload: p}})
	}
	tms := make([]scheduler.Timer, 0, len(rts)+1)
	for _, rt := range rts {
		tms = append(tms, scheduler.Timer{ID: deadlineTimerID(chat, d, rt.Key), Kind: KindDeadlineRemind, ChatID: chat, At: rt.At, Payload: p})
	}
	tms = append(tms, scheduler.Timer{ID: deadlineTimerID(chat, d, "end"), Kind: KindDeadlinePassed, ChatID: chat, At: d.At, Payload: p})
	return h.timers.ScheduleMany(ctx, tms)
}

// cancelTimers drops the pending timers of a record (best effort: a timer left behind finds
// its record gone and sends nothing — so do a migrated group's timers, still pending under the
// old chat, and those of offsets a bloc's reminder plan added after the record was made).
func (h *Deadlines) cancelTimers(ctx context.Context, chat int64, d store.Deadline) {
	ids := []string{deadlineTimerID(chat, d, "end")}
	if d.Kind != store.KindRemind {
		for _, k := range d.Reminders {
			ids = append(ids, deadlineTimerID(chat, d, k))
		}
	}
	for _, id := range ids {
		if _, err := h.timers.Cancel(ctx, chat, id); err != nil {
			h.log.Warn("deadline: timer not cancelled; it will find the deadline gone", "chat", chat, "timer", id, "err", err)
		}
	}
}

// OnPledgeDeadline schedules (or, with a zero time, drops) the reminders of the pledge's
// sign-by time: they name only the units that have not signed, and stop when all have. It is
// the pledge handler's OnDeadline hook.
func (h *Deadlines) OnPledgeDeadline(ctx context.Context, chatID int64, year int, at time.Time) error {
	y := strconv.Itoa(year)
	return h.setTied(ctx, chatID, "p"+y, domain.Tie{Kind: domain.TiePledge, Ref: y}, at)
}

// OnBallotDeadline schedules (or, with a zero time, drops) reminders before an open ballot's
// deadline that name the units that have not voted; they stop when the ballot closes. The
// ballot feature calls it when a ballot opens with a deadline.
func (h *Deadlines) OnBallotDeadline(ctx context.Context, chatID int64, ballotID string, at time.Time) error {
	return h.setTied(ctx, chatID, "b"+ballotID, domain.Tie{Kind: domain.TieBallot, Ref: ballotID}, at)
}

func (h *Deadlines) setTied(ctx context.Context, chat int64, id string, tie domain.Tie, at time.Time) error {
	b, err := h.store.LoadBloc(ctx, chat)
	if err != nil {
		return err
	}
	loc := b.Location()
	now := h.clk.Now()
	if !at.After(now) {
		at = time.Time{} // past (or none): nothing to remind of
	}
	d := store.Deadline{ID: id, Kind: store.KindDeadline, At: at, Tie: tie, Created: now, Lang: b.Lang, TZ: b.Timezone}
	var rts []domain.ReminderTime
	if !at.IsZero() {
		rts, _ = h.planFor(b).Times(at, now, loc)
		d.Reminders = reminderKeys(rts)
	}
	old, had, err := h.store.SetTiedDeadline(ctx, chat, d)
	if err != nil {
		return err
	}
	if had && !old.At.Equal(at) {
		h.cancelTimers(ctx, chat, old)
	}
	if at.IsZero() {
		return nil
	}
	return h.schedule(ctx, chat, d, rts)
}
