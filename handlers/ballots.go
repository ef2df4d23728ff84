package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"thiduabot/bot"
	"thiduabot/clock"
	"thiduabot/domain"
	"thiduabot/export"
	"thiduabot/i18n"
	"thiduabot/scheduler"
	"thiduabot/store"
)

// BallotStore is what the ballot handlers need from the store.
type BallotStore interface {
	OpenBallot(ctx context.Context, chatID int64, op store.Op, pos domain.Position, year int, mode string, deadline time.Time) (store.OpenBallotResult, error)
	Vote(ctx context.Context, chatID int64, op store.Op, ballotID string, cand int) (store.VoteResult, error)
	CloseBallot(ctx context.Context, chatID int64, op store.Op, ballotID, reason string) (store.CloseResult, error)
	SetBallotMessage(ctx context.Context, chatID int64, ballotID string, messageID int) error
	MarkBallotAnnounced(ctx context.Context, chatID int64, ballotID string, messageID int) error
	LoadBallot(ctx context.Context, chatID int64, ballotID string) (store.BallotView, error)
	BallotTurnout(ctx context.Context, chatID int64, ballotID string) (voted []int, open bool, err error)
	OpenBallots(ctx context.Context, chatID int64) ([]store.BallotView, error)
	Ballots(ctx context.Context, chatID int64, year int) ([]store.BallotView, error)
	LastBallot(ctx context.Context, chatID int64) (store.BallotView, bool, error)
	LoadBallotSettings(ctx context.Context, chatID int64) (store.BallotSettings, error)
	SaveBallotSettings(ctx context.Context, chatID int64, op store.Op, b store.BallotSettings) error
	MovedTo(ctx context.Context, chatID int64) (int64, error)
	BlocsOf(ctx context.Context, person int64) ([]int64, error)
	LoadBloc(ctx context.Context, chatID int64) (*domain.Bloc, error)
}

// BallotTimers is what ballots and polls need of the durable timers.
type BallotTimers interface {
	Schedule(ctx context.Context, tm scheduler.Timer) error
	Cancel(ctx context.Context, chatID int64, id string) (bool, error)
}

// BallotCloseKind is the timer kind that closes a ballot at its deadline.
const BallotCloseKind = "ballot.close"

// Button kinds of ballots.
const (
	ballotVoteKind     = "bv" // ballot id, candidate unit id
	ballotElectKind    = "be" // position
	ballotDeadlineKind = "bd" // position, duration ("0": none, "ask": type one)
	ballotCloseKind    = "bc" // ballot id
)

// Ballots handles the election of the chair and deputy: /elect (/baucu), /ballot (/phieubau),
// /closevote (/dongphieu), /ballotrules (/quytacbau), the vote buttons and the deadline timer.
type Ballots struct {
	store  BallotStore
	timers BallotTimers
	rt     *bot.Runtime
	clk    clock.Clock
	log    *slog.Logger

	// edits orders the live edits of group messages: an edit is queued only when its state is
	// newer than the last one queued for that message (votes answered out of order must not
	// show an older turnout, and nothing may redraw a closed ballot as open).
	edits editOrder

	// OnDeadline, when set, is told of every ballot that opens with a deadline (the reminders
	// feature names the units that have not voted yet).
	OnDeadline func(ctx context.Context, chatID int64, ballotID string, at time.Time) error
}

// NewBallots returns the ballot handlers. rt sends the announcements of the deadline timer.
func NewBallots(s BallotStore, timers BallotTimers, rt *bot.Runtime, clk clock.Clock, log *slog.Logger) *Ballots {
	if log == nil {
		log = slog.Default()
	}
	if clk == nil {
		clk = clock.Real{}
	}
	return &Ballots{store: s, timers: timers, rt: rt, clk: clk, log: log}
}

// Register adds the handlers to a router.
func (h *Ballots) Register(r *bot.Router) {
	r.Command(bot.CommandInfo{Names: []string{"elect", "baucu"}, MenuKey: "cmd.elect", Group: true}, h.elect)
	r.Command(bot.CommandInfo{Names: []string{"ballot", "phieubau"}, MenuKey: "cmd.ballot", Group: true, Private: true}, h.ballot)
	r.Command(bot.CommandInfo{Names: []string{"closevote", "dongphieu"}, MenuKey: "cmd.closevote", Group: true}, h.closeVote)
	r.Command(bot.CommandInfo{Names: []string{"ballotrules", "quytacbau"}, MenuKey: "cmd.ballotrules", Group: true}, h.rules)
	r.Callback(ballotVoteKind, h.vote)
	r.SelfDeduped(ballotVoteKind) // one script per vote; a replay only answers the press
	r.Callback(ballotElectKind, h.electPick)
	r.Callback(ballotDeadlineKind, h.deadlinePick)
	r.Callback(ballotCloseKind, h.closePick)
	r.Prompt("ballot.deadline", h.deadlineReply)
}

// RegisterTimers routes the ballot timers of m to the handlers.
func (h *Ballots) RegisterTimers(m scheduler.Mux) { m[BallotCloseKind] = h.HandleTimer }

// editOrder remembers, per message, the version of the newest state queued for it.
type editOrder struct {
	mu   sync.Mutex
	last map[[2]int64]int64
}

// next reports whether version is newer than what was queued for the message, and records it.
// The caller queues its edit while holding the lock (fn), so queue order follows versions.
func (o *editOrder) next(chat int64, msg int, version int64, fn func()) bool {
	return o.queue(chat, msg, version, false, fn)
}

// queue is next; with same (a press that repeats a unit's vote) it also queues the redraw of
// a version queued before (that edit may have been lost), but never of an older one.
func (o *editOrder) queue(chat int64, msg int, version int64, same bool, fn func()) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.last == nil || len(o.last) > 20000 {
		o.last = map[[2]int64]int64{}
	}
	k := [2]int64{chat, int64(msg)}
	if v, ok := o.last[k]; ok && (v > version || v == version && !same) {
		return false
	}
	o.last[k] = version
	fn()
	return true
}

// closedVersion marks a message's final state: nothing redraws it afterwards.
const closedVersion = math.MaxInt64

// ballotPage renders ballots in a language for a chat, with or without an update (timers).
type ballotPage struct {
	lang  string
	chat  int64
	codec *bot.Codec
	loc   *time.Location
	now   time.Time
}

func (p ballotPage) T(key string, args ...any) string { return i18n.T(p.lang, key, args...) }

func (p ballotPage) Button(text, kind string, args ...string) bot.Button {
	return bot.Button{Text: text, Data: p.codec.Encode(p.chat, kind, args...)}
}

func ballotLoc(tz string) *time.Location { return (&domain.Bloc{Timezone: tz}).Location() }

func (h *Ballots) pageFor(c *bot.Context, tz string) ballotPage {
	return ballotPage{lang: c.Lang(), chat: c.Update.ChatID, codec: h.rt.Codec(), loc: ballotLoc(tz), now: c.Now()}
}

func (h *Ballots) pageOf(chat int64, lang, tz string) ballotPage {
	if !domain.ValidLang(lang) {
		lang = domain.LangVI
	}
	return ballotPage{lang: lang, chat: chat, codec: h.rt.Codec(), loc: ballotLoc(tz), now: h.clk.Now()}
}

func (p ballotPage) position(pos domain.Position) string { return p.T("ballot.pos." + string(pos)) }

func (p ballotPage) when(t time.Time) string { return t.In(p.loc).Format("15:04 02/01/2006") }

func (p ballotPage) threshold(t domain.Threshold) string {
	share := strconv.Itoa(t.Num) + "/" + strconv.Itoa(t.Den)
	if t.Num == 1 && t.Den == 2 && !t.AtLeast {
		return p.T("ballot.more_than_half")
	}
	if t.AtLeast {
		if t.Num == t.Den {
			return p.T("ballot.all")
		}
		return p.T("ballot.at_least", "share", share)
	}
	return p.T("ballot.more_than", "share", share)
}

func (p ballotPage) left(d time.Duration) string {
	return domain.FormatLeft(d, p.T("ballot.unit_days"), p.T("ballot.unit_hours"), p.T("ballot.unit_minutes"))
}

// title is the ballot's heading: position, year, round.
func (p ballotPage) title(card *store.BallotCard) string {
	t := p.T("ballot.title", "position", p.position(card.Pos), "year", card.Year, "id", card.Base)
	if card.Round > 1 {
		t += " " + p.T("ballot.round", "round", card.Round)
	}
	return t
}

// rulesText prints the rules a ballot opened with.
func (p ballotPage) rulesText(card *store.BallotCard) string {
	r := card.Rules()
	mode := p.T("ballot.mode_secret")
	if !r.Secret {
		mode = p.T("ballot.mode_open")
	}
	self := p.T("ballot.self_yes")
	if !r.SelfVote {
		self = p.T("ballot.self_no")
	}
	deadline := p.T("ballot.no_deadline")
	if dl := card.DeadlineTime(); !dl.IsZero() {
		deadline = p.T("ballot.deadline", "when", p.when(dl))
	}
	return p.T("ballot.rules", "mode", mode,
		"quorum", p.threshold(r.Quorum), "need", r.Quorum.Need(len(card.Elig)), "eligible", len(card.Elig),
		"majority", p.threshold(r.Majority), "rounds", r.MaxRounds, "self", self, "deadline", raw(deadline))
}

// openText is the group message of an open ballot: rules, turnout, which units have voted.
func (p ballotPage) openText(card *store.BallotCard, voted []int) string {
	var b strings.Builder
	b.WriteString(p.title(card))
	b.WriteString("\n")
	if card.Round > 1 {
		b.WriteString(p.T("ballot.runoff_intro") + "\n")
	}
	b.WriteString("\n" + p.rulesText(card) + "\n\n")
	b.WriteString(p.T("ballot.how") + "\n\n")
	b.WriteString(p.turnout(card, voted))
	return b.String()
}

// turnout lists which units have voted (never what they chose).
func (p ballotPage) turnout(card *store.BallotCard, voted []int) string {
	has := map[int]bool{}
	for _, u := range voted {
		has[u] = true
	}
	var b strings.Builder
	b.WriteString(p.T("ballot.turnout", "n", len(voted), "of", len(card.Elig)))
	if len(card.Elig) <= 30 {
		for _, u := range card.Elig {
			mark := "▫️"
			if has[u.ID] {
				mark = "✅"
			}
			fmt.Fprintf(&b, "\n%s %s", mark, html.EscapeString(u.Name))
		}
		return b.String()
	}
	var missing []string
	for _, u := range card.Elig {
		if !has[u.ID] {
			missing = append(missing, html.EscapeString(u.Name))
		}
	}
	if len(missing) > 0 {
		more := ""
		if len(missing) > 30 {
			more = " " + p.T("ballot.and_more", "n", len(missing)-30)
			missing = missing[:30]
		}
		b.WriteString("\n" + p.T("ballot.waiting_for", "list", raw(strings.Join(missing, "; ")+more)))
	}
	return b.String()
}

// buttons are the candidates, one per row.
func (p ballotPage) buttons(card *store.BallotCard) [][]bot.Button {
	rows := make([][]bot.Button, 0, len(card.Cands))
	for _, u := range card.Cands {
		rows = append(rows, []bot.Button{p.Button(shortLabel(u.Name, 48), ballotVoteKind, card.ID, strconv.Itoa(u.ID))})
	}
	return rows
}

// resultText is the announcement of a closed ballot.
func (p ballotPage) resultText(card *store.BallotCard, r *store.BallotResult, runoff *store.BallotCard) string {
	var b strings.Builder
	b.WriteString(p.T("ballot.result_title", "position", p.position(card.Pos), "year", card.Year, "id", card.Base))
	if card.Round > 1 {
		b.WriteString(" " + p.T("ballot.round", "round", card.Round))
	}
	b.WriteString("\n")
	how := p.T("ballot.closed_by_manager")
	if r.Reason == "deadline" {
		how = p.T("ballot.closed_by_deadline")
	}
	b.WriteString(p.T("ballot.closed_at", "when", p.when(r.ClosedTime()), "how", how) + "\n")
	rules := card.Rules()
	quorum := p.T("ballot.quorum_met")
	if !r.QuorumMet {
		quorum = p.T("ballot.quorum_missed")
	}
	b.WriteString(p.T("ballot.result_turnout", "n", r.Cast, "of", r.Eligible, "need", rules.Quorum.Need(r.Eligible), "quorum", quorum) + "\n")
	for i, cv := range r.Counts {
		fmt.Fprintf(&b, "\n%d. %s — %s", i+1, html.EscapeString(card.Name(cv.Unit)), p.T("ballot.votes", "n", cv.Votes))
	}
	b.WriteString("\n\n")
	names := func(ids []int) string {
		var out []string
		for _, id := range ids {
			out = append(out, "<b>"+html.EscapeString(card.Name(id))+"</b>")
		}
		return strings.Join(out, ", ")
	}
	switch r.Decision {
	case domain.Elected:
		votes := 0
		if len(r.Counts) > 0 {
			votes = r.Counts[0].Votes
		}
		b.WriteString(p.T("ballot.elected", "position", p.position(card.Pos), "year", card.Year,
			"unit", card.Name(r.Winner), "n", votes, "cast", r.Cast))
		old := r.Prev
		if old == 0 {
			old = r.PrevYear
		}
		switch {
		case old == r.Winner:
			b.WriteString("\n" + p.T("ballot.continues", "unit", card.Name(r.Winner), "position", p.position(card.Pos)))
		case old != 0:
			b.WriteString("\n" + p.T("ballot.handover", "position", p.position(card.Pos), "old", card.Name(old), "new", card.Name(r.Winner)))
		}
		if r.DeputyCleared != 0 {
			b.WriteString("\n" + p.T("ballot.deputy_cleared", "unit", card.Name(r.DeputyCleared), "year", card.Year))
		}
	case domain.Runoff:
		key := "ballot.runoff_tie"
		if len(r.Counts) > 1 && r.Counts[0].Votes != r.Counts[1].Votes {
			key = "ballot.runoff_majority"
		}
		b.WriteString(p.T(key, "list", raw(names(r.Leaders))))
		if runoff != nil {
			b.WriteString(" " + p.T("ballot.runoff_below", "round", runoff.Round))
		}
	case domain.NoQuorum:
		b.WriteString(p.T("ballot.no_quorum", "position", p.position(card.Pos)))
	case domain.Undecided:
		b.WriteString(p.T("ballot.undecided", "rounds", card.Round, "list", raw(names(r.Leaders))))
	}
	if len(r.By) > 0 {
		b.WriteString("\n\n" + p.T("ballot.open_choices"))
		for _, c := range r.By {
			fmt.Fprintf(&b, "\n• %s → %s", html.EscapeString(card.Name(c.Unit)), html.EscapeString(card.Name(c.Cand)))
		}
	}
	b.WriteString("\n\n" + p.T("ballot.receipt", "head", r.Head))
	return b.String()
}

// closedText replaces the ballot's group message once it closed.
func (p ballotPage) closedText(card *store.BallotCard, r *store.BallotResult) string {
	return p.title(card) + "\n\n" + p.T("ballot.closed_note", "n", r.Cast, "of", r.Eligible, "when", p.when(r.ClosedTime()))
}

// elect: /elect chair|deputy [open|secret] [deadline]. Without arguments, buttons.
func (h *Ballots) elect(ctx context.Context, c *bot.Context) error {
	b, err := needBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	args := strings.TrimSpace(c.Update.Args)
	if args == "" {
		c.Reply(c.T("ballot.choose_position", "year", b.Year(c.Now())), []bot.Button{
			c.Button(c.T("ballot.elect_chair"), ballotElectKind, string(domain.PosChair)),
			c.Button(c.T("ballot.elect_deputy"), ballotElectKind, string(domain.PosDeputy)),
		})
		return nil
	}
	if tooLong(c, args, 200) {
		return nil
	}
	a, err := domain.ParseElectArgs(args, c.Now(), b.Location())
	if err != nil {
		h.argError(c, err)
		return nil
	}
	return h.open(ctx, c, b, a)
}

func (h *Ballots) argError(c *bot.Context, err error) {
	switch {
	case errors.Is(err, domain.ErrBadPosition):
		c.Reply(c.T("ballot.usage"))
	case errors.Is(err, domain.ErrDeadlinePast):
		c.Reply(c.T("ballot.deadline_past"))
	case errors.Is(err, domain.ErrDeadlineFar):
		c.Reply(c.T("ballot.deadline_far"))
	default:
		c.Reply(c.T("ballot.deadline_bad"))
	}
}

// electPick: the position button of /elect; asks for a deadline.
func (h *Ballots) electPick(ctx context.Context, c *bot.Context) error {
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	if len(c.Args) != 1 || !domain.Position(c.Args[0]).Valid() {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	pos := c.Args[0]
	p := h.pageFor(c, "")
	c.Answer(ctx, "", false)
	if err := c.EditNow(ctx, c.Update.Callback.MessageID, c.T("ballot.choose_deadline", "position", p.position(domain.Position(pos))), [][]bot.Button{
		{c.Button(c.T("ballot.dl_1h"), ballotDeadlineKind, pos, "1h"), c.Button(c.T("ballot.dl_1d"), ballotDeadlineKind, pos, "1d"), c.Button(c.T("ballot.dl_3d"), ballotDeadlineKind, pos, "3d")},
		{c.Button(c.T("ballot.dl_none"), ballotDeadlineKind, pos, "0"), c.Button(c.T("ballot.dl_other"), ballotDeadlineKind, pos, "ask")},
	}); err != nil {
		h.log.Warn("edit of /elect buttons failed", "err", err)
	}
	return nil
}

// deadlinePick: the deadline button; opens the ballot (or asks for a deadline).
func (h *Ballots) deadlinePick(ctx context.Context, c *bot.Context) error {
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	b, err := c.Bloc(ctx)
	if errors.Is(err, domain.ErrNoBloc) {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	if err != nil {
		return err
	}
	if len(c.Args) != 2 || !domain.Position(c.Args[0]).Valid() {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	a := domain.ElectArgs{Pos: domain.Position(c.Args[0])}
	switch c.Args[1] {
	case "0":
	case "ask":
		c.Answer(ctx, "", false)
		c.Ask(ctx, "ballot.deadline", c.Args[0], c.T("ballot.ask_deadline"), c.T("ballot.ask_deadline_placeholder"))
		return nil
	default:
		d, ok := domain.ParseDuration(c.Args[1])
		if !ok {
			c.Answer(ctx, c.T("err.bad_button"), true)
			return nil
		}
		a.Deadline = c.Now().Add(d).Truncate(time.Second)
	}
	c.Answer(ctx, "", false)
	if err := c.EditNow(ctx, c.Update.Callback.MessageID, c.T("ballot.opening", "position", h.pageFor(c, b.Timezone).position(a.Pos)), nil); err != nil {
		h.log.Warn("edit of /elect buttons failed", "err", err)
	}
	return h.open(ctx, c, b, a)
}

// deadlineReply: the answer to "type the deadline".
func (h *Ballots) deadlineReply(ctx context.Context, c *bot.Context) error {
	b, err := needBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	pos := domain.Position(c.PromptData)
	if !pos.Valid() {
		c.Reply(c.T("ballot.usage"))
		return nil
	}
	text := strings.TrimSpace(c.Update.Text)
	if tooLong(c, text, 100) {
		return nil
	}
	a, err := domain.ParseElectArgs(string(pos)+" "+text, c.Now(), b.Location())
	if err != nil {
		h.argError(c, err)
		return nil
	}
	return h.open(ctx, c, b, a)
}

func (h *Ballots) timerID(chat int64, ballotID string) string {
	return "ballot.close:" + strconv.FormatInt(chat, 10) + ":" + ballotID
}

func (h *Ballots) schedule(ctx context.Context, chat int64, card *store.BallotCard) error {
	dl := card.DeadlineTime()
	if dl.IsZero() {
		return nil
	}
	payload, _ := json.Marshal(map[string]string{"b": card.ID})
	if err := h.timers.Schedule(ctx, scheduler.Timer{ID: h.timerID(chat, card.ID), Kind: BallotCloseKind, ChatID: chat, At: dl, Payload: payload}); err != nil {
		return err
	}
	if h.OnDeadline != nil {
		if err := h.OnDeadline(ctx, chat, card.ID, dl); err != nil {
			h.log.Warn("ballot reminders not scheduled", "chat", chat, "ballot", card.ID, "err", err)
		}
	}
	return nil
}

// open opens a ballot, schedules its deadline and posts it with its candidate buttons. It
// elects for the bloc's current year, or the next one when asked (a year-end conference).
func (h *Ballots) open(ctx context.Context, c *bot.Context, b *domain.Bloc, a domain.ElectArgs) error {
	year := b.Year(c.Now())
	if a.Year != 0 {
		if a.Year != year && a.Year != year+1 {
			c.Reply(c.T("ballot.year_range", "year", year, "next", year+1))
			return nil
		}
		year = a.Year
	}
	res, err := h.store.OpenBallot(ctx, b.ChatID, op(c), a.Pos, year, a.Mode, a.Deadline)
	var boe store.BallotOpenError
	switch {
	case errors.As(err, &boe):
		c.Reply(c.T("ballot.already_open", "position", h.pageFor(c, b.Timezone).position(a.Pos), "id", boe.ID))
		return nil
	case errors.Is(err, domain.ErrChairOpen):
		c.Reply(c.T("ballot.chair_first"))
		return nil
	case errors.Is(err, domain.ErrDeputyOpen):
		c.Reply(c.T("ballot.deputy_open"))
		return nil
	case errors.Is(err, domain.ErrNotEnoughUnits):
		c.Reply(c.T("ballot.too_few"))
		return nil
	case err != nil:
		return err
	}
	card := res.Card
	if err := h.schedule(ctx, b.ChatID, &card); err != nil {
		return err
	}
	if res.Dup {
		// A retried update: post the ballot only if the first attempt did not get that far.
		if v, err := h.store.LoadBallot(ctx, b.ChatID, card.ID); err != nil || v.MessageID != 0 || !v.Open {
			return err
		}
	}
	h.post(ctx, h.pageFor(c, b.Timezone), &card, c.Update.MessageID)
	return nil
}

// post sends a ballot's group message and records its id for live edits.
func (h *Ballots) post(ctx context.Context, p ballotPage, card *store.BallotCard, replyTo int) {
	chat, id := p.chat, card.ID
	h.rt.Sender().Send(bot.Outgoing{ChatID: chat, Text: p.openText(card, nil), Buttons: p.buttons(card), ReplyTo: replyTo,
		OnSent: func(msg int) {
			if err := h.store.SetBallotMessage(context.WithoutCancel(ctx), chat, id, msg); err != nil {
				h.log.Warn("ballot message id not saved", "chat", chat, "ballot", id, "err", err)
			}
		}})
}

// vote: a candidate button. One store round trip checks everything and returns what the answer
// and the redrawn group message need; the bloc is not loaded.
func (h *Ballots) vote(ctx context.Context, c *bot.Context) error {
	cand := 0
	if len(c.Args) == 2 {
		cand, _ = strconv.Atoi(c.Args[1])
	}
	if cand <= 0 {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	res, err := h.store.Vote(ctx, c.Update.ChatID, op(c), c.Args[0], cand)
	if domain.ValidLang(res.Lang) {
		c.SetLang(res.Lang)
	}
	switch {
	case errors.Is(err, domain.ErrNotLinked):
		c.Answer(ctx, c.T("ballot.not_member"), true)
		return nil
	case errors.Is(err, domain.ErrClosed):
		c.Answer(ctx, c.T("ballot.closed_press"), true)
		return nil
	case errors.Is(err, domain.ErrNotEligible):
		c.Answer(ctx, c.T("ballot.not_eligible"), true)
		return nil
	case errors.Is(err, domain.ErrSelfVote):
		c.Answer(ctx, c.T("ballot.self_refused"), true)
		return nil
	case errors.Is(err, domain.ErrNotCandidate), errors.Is(err, domain.ErrNotFound), errors.Is(err, domain.ErrNoBloc):
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	case err != nil:
		return err
	}
	switch {
	case res.Card == nil: // a replayed update
		c.Answer(ctx, c.T("ballot.voted_replay", "unit", res.UnitName), false)
		return nil
	case res.Change == "same":
		c.Answer(ctx, c.T("ballot.voted_same", "unit", res.UnitName, "candidate", res.CandName), false)
	case res.Change == "changed":
		c.Answer(ctx, c.T("ballot.voted_changed", "unit", res.UnitName, "candidate", res.CandName), false)
	default:
		c.Answer(ctx, c.T("ballot.voted", "unit", res.UnitName, "candidate", res.CandName), false)
	}
	// The group message is redrawn when its debounced edit goes out, from who has voted then
	// (one read of the store, so every replica's votes show): a burst of votes renders it once
	// per edit. It shows which units voted, never their choices, so a unit changing its vote
	// changes nothing in it, and is not redrawn for that: the edit would spend one of the
	// group's messages, and Telegram refuses it as not modified when the message is right. The
	// unit's first vote queued the redraw that shows it; should that edit be lost (its replica
	// stopping before it went out) or overtaken by another replica's sent at the same moment, a
	// press of the same choice again (what someone who does not see their unit ticked does)
	// redraws it, as does the next unit's first vote and the close. A copy pressed elsewhere (a
	// /phieubau reply, drawn earlier) is redrawn as the ballot's card.
	msgs := uniqueMsgs(c.Update.Callback.MessageID, res.MessageID)
	if res.Change == "changed" {
		msgs = slices.DeleteFunc(msgs, func(id int) bool { return id == res.MessageID })
		if len(msgs) == 0 {
			return nil
		}
	}
	p := h.pageFor(c, res.TZ)
	chat, ballotID := c.Update.ChatID, res.Card.ID
	// It runs when the edit's turn has come (and again on a retry). A ballot closed meanwhile is
	// not redrawn: its close draws the result.
	render := func() (string, [][]bot.Button, bool) {
		voted := res.Voted
		ctx, cancel := context.WithTimeout(context.Background(), redrawReadTimeout) // a slow Redis must not hold the sender: draw what this replica knows
		defer cancel()
		now, open, err := h.store.BallotTurnout(ctx, chat, ballotID)
		switch {
		case errors.Is(err, domain.ErrNotFound), err == nil && !open:
			return "", nil, false
		case err == nil:
			voted = now
		default:
			h.log.Warn("ballot redraw: turnout", "chat", chat, "ballot", ballotID, "err", err)
		}
		return p.openText(res.Card, voted), p.buttons(res.Card), true
	}
	for _, msg := range msgs {
		h.edits.queue(c.Update.ChatID, msg, res.Version, res.Change == "same", func() { c.EditFunc(msg, render) })
	}
	return nil
}

// redrawReadTimeout bounds the store read of a redraw (ballots, polls) when it goes out.
const redrawReadTimeout = 500 * time.Millisecond

func uniqueMsgs(ids ...int) []int {
	var out []int
	for _, id := range ids {
		if id == 0 {
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || o == id
		}
		if !dup {
			out = append(out, id)
		}
	}
	return out
}

// ballot: /ballot — the open ballots: turnout, units still to vote, time left, and the buttons.
func (h *Ballots) ballot(ctx context.Context, c *bot.Context) error {
	b, err := needBlocAnywhere(ctx, c, h.store)
	if b == nil || err != nil {
		return err
	}
	open, err := h.store.OpenBallots(ctx, b.ChatID)
	if err != nil {
		return err
	}
	p := h.pageFor(c, b.Timezone)
	if len(open) == 0 {
		msg := c.T("ballot.none_open")
		if last, ok, err := h.store.LastBallot(ctx, b.ChatID); err != nil {
			return err
		} else if ok && last.Result != nil {
			msg += "\n\n" + h.lastSummary(p, &last)
		}
		c.Reply(msg + "\n\n" + c.T("ballot.how_to_open"))
		return nil
	}
	for i := range open {
		v := &open[i]
		// Make sure the deadline is scheduled (it is idempotent; heals a crash after opening).
		if err := h.schedule(ctx, b.ChatID, &v.Card); err != nil {
			h.log.Warn("ballot deadline not scheduled", "chat", b.ChatID, "ballot", v.Card.ID, "err", err)
		}
		var s strings.Builder
		s.WriteString(p.title(&v.Card) + "\n\n")
		s.WriteString(p.turnout(&v.Card, v.Voted))
		if len(v.Card.Elig) <= 30 {
			if missing := missingUnits(&v.Card, v.Voted); len(missing) > 0 {
				s.WriteString("\n" + c.T("ballot.waiting_for", "list", strings.Join(missing, "; ")))
			}
		}
		if dl := v.Card.DeadlineTime(); !dl.IsZero() {
			s.WriteString("\n\n" + c.T("ballot.time_left", "left", p.left(dl.Sub(c.Now())), "when", p.when(dl)))
		} else {
			s.WriteString("\n\n" + c.T("ballot.no_deadline"))
		}
		if c.Update.IsPrivate() { // a member's private chat: the turnout, to read; votes are cast in the group
			s.WriteString("\n" + c.T("ballot.vote_in_group"))
			c.Reply(s.String())
			continue
		}
		s.WriteString("\n" + c.T("ballot.how_short"))
		c.Reply(s.String(), p.buttons(&v.Card)...)
	}
	return nil
}

// missingUnits are the names of the eligible units that have not voted.
func missingUnits(card *store.BallotCard, voted []int) []string {
	has := map[int]bool{}
	for _, u := range voted {
		has[u] = true
	}
	var out []string
	for _, u := range card.Elig {
		if !has[u.ID] {
			out = append(out, u.Name)
		}
	}
	return out
}

func (h *Ballots) lastSummary(p ballotPage, v *store.BallotView) string {
	r := v.Result
	switch r.Decision {
	case domain.Elected:
		return p.T("ballot.last_elected", "position", p.position(v.Card.Pos), "year", v.Card.Year,
			"unit", v.Card.Name(r.Winner), "when", p.when(r.ClosedTime()), "head", r.Head)
	default:
		return p.T("ballot.last_other", "position", p.position(v.Card.Pos), "year", v.Card.Year,
			"when", p.when(r.ClosedTime()), "head", r.Head)
	}
}

// closeVote: /closevote [chair|deputy] — a manager closes the open ballot now.
func (h *Ballots) closeVote(ctx context.Context, c *bot.Context) error {
	b, err := needBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	open, err := h.store.OpenBallots(ctx, b.ChatID)
	if err != nil {
		return err
	}
	if arg := strings.TrimSpace(c.Update.Args); arg != "" {
		pos, ok := domain.ParsePosition(arg)
		if !ok {
			c.Reply(c.T("ballot.close_usage"))
			return nil
		}
		var keep []store.BallotView
		for _, v := range open {
			if v.Card.Pos == pos {
				keep = append(keep, v)
			}
		}
		open = keep
	}
	p := h.pageFor(c, b.Timezone)
	switch len(open) {
	case 0:
		c.Reply(c.T("ballot.none_open") + "\n\n" + c.T("ballot.how_to_open"))
		return nil
	case 1:
		return h.closeNow(ctx, c, open[0].Card.ID)
	}
	var rows [][]bot.Button
	for _, v := range open {
		rows = append(rows, []bot.Button{c.Button(c.T("ballot.close_button", "position", p.position(v.Card.Pos)), ballotCloseKind, v.Card.ID)})
	}
	c.Reply(c.T("ballot.close_which"), rows...)
	return nil
}

// closePick: the button of /closevote when several ballots are open.
func (h *Ballots) closePick(ctx context.Context, c *bot.Context) error {
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	if len(c.Args) != 1 {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	c.Answer(ctx, "", false)
	return h.closeNow(ctx, c, c.Args[0])
}

func (h *Ballots) closeNow(ctx context.Context, c *bot.Context, id string) error {
	chat := c.Update.ChatID
	cr, err := h.store.CloseBallot(ctx, chat, op(c), id, "manual")
	switch {
	case errors.Is(err, domain.ErrClosed):
		c.Reply(c.T("ballot.already_closed"))
		return nil
	case errors.Is(err, domain.ErrNotFound):
		c.Reply(c.T("ballot.none_open"))
		return nil
	case err != nil:
		return err
	}
	if cr.Dup {
		if v, err := h.store.LoadBallot(ctx, chat, id); err != nil || v.Announced {
			return err
		}
	}
	if _, err := h.timers.Cancel(ctx, chat, h.timerID(chat, id)); err != nil {
		h.log.Warn("ballot deadline timer not cancelled", "chat", chat, "ballot", id, "err", err)
	}
	h.announce(ctx, chat, &cr, c.Update.MessageID)
	return nil
}

// HandleTimer closes a ballot at its deadline (also late, after a restart). Only the closer
// that flipped the ballot announces; a replay of the same timer announces only if the first
// run's announcement was not sent.
func (h *Ballots) HandleTimer(ctx context.Context, tm scheduler.Timer, late time.Duration) error {
	chat, ballotID, ok, err := timerTarget(ctx, h.store, h.log, tm, "b")
	if !ok {
		return err
	}
	cr, err := h.store.CloseBallot(ctx, chat, store.Op{Key: tm.ID}, ballotID, "deadline")
	switch {
	case errors.Is(err, domain.ErrClosed), errors.Is(err, domain.ErrNotFound):
		return nil // closed by a manager meanwhile
	case err != nil:
		return err
	}
	if cr.Dup {
		if v, err := h.store.LoadBallot(ctx, chat, ballotID); err != nil || v.Announced {
			return err
		}
	}
	if late > time.Minute {
		h.log.Info("ballot closed late at its deadline (the bot was down)", "chat", chat, "ballot", ballotID, "late", late)
	}
	h.announce(ctx, chat, &cr, 0)
	return nil
}

// announce posts a closed ballot's result, turns its group message into a closed notice, and
// posts and schedules the runoff when there is one.
func (h *Ballots) announce(ctx context.Context, chat int64, cr *store.CloseResult, replyTo int) {
	r := &cr.Result
	p := h.pageOf(chat, r.Lang, r.TZ)
	if msg := r.MessageID; msg != 0 {
		text := p.closedText(&cr.Card, r)
		h.edits.next(chat, msg, closedVersion, func() { h.rt.Sender().Edit(chat, msg, text, nil) })
	}
	id := cr.Card.ID
	h.rt.Sender().Send(bot.Outgoing{ChatID: chat, Text: p.resultText(&cr.Card, r, cr.RunoffCard), ReplyTo: replyTo,
		OnSent: func(msg int) {
			if err := h.store.MarkBallotAnnounced(context.WithoutCancel(ctx), chat, id, msg); err != nil {
				h.log.Warn("ballot announcement not recorded", "chat", chat, "ballot", id, "err", err)
			}
		}})
	if rc := cr.RunoffCard; rc != nil {
		if err := h.schedule(ctx, chat, rc); err != nil {
			// /ballot schedules it again when asked.
			h.log.Error("runoff deadline not scheduled", "chat", chat, "ballot", rc.ID, "err", err)
		}
		h.post(ctx, p, rc, 0)
	}
}

// rules: /ballotrules — shows the bloc's ballot rules; a manager changes one with
// /ballotrules quorum 2/3 | majority >=2/3 | self yes|no | mode secret|open.
func (h *Ballots) rules(ctx context.Context, c *bot.Context) error {
	b, err := needBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	set, err := h.store.LoadBallotSettings(ctx, b.ChatID)
	if err != nil {
		return err
	}
	p := h.pageFor(c, b.Timezone)
	args := strings.Fields(c.Update.Args)
	if len(args) == 0 {
		c.Reply(h.settingsText(p, set, len(b.Units)) + "\n\n" + c.T("ballot.settings_usage"))
		return nil
	}
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	if len(args) < 2 {
		c.Reply(c.T("ballot.settings_usage"))
		return nil
	}
	value := strings.Join(args[1:], " ")
	switch strings.ReplaceAll(domain.Fold(args[0]), " ", "") {
	case "quorum", "tucso", "hople", "dieukien":
		t, err := domain.ParseThreshold(value)
		if err != nil {
			c.Reply(c.T("ballot.settings_bad_share"))
			return nil
		}
		set.Quorum = t
	case "majority", "daso", "trungcu", "quaban":
		t, err := domain.ParseThreshold(value)
		if err != nil {
			c.Reply(c.T("ballot.settings_bad_share"))
			return nil
		}
		set.Majority = t
	case "self", "tubau", "tuban":
		switch domain.Fold(value) {
		case "yes", "co", "on", "duoc", "cho phep":
			set.SelfVote = true
		case "no", "khong", "off", "cam", "khong duoc":
			set.SelfVote = false
		default:
			c.Reply(c.T("ballot.settings_usage"))
			return nil
		}
	case "rounds", "vong", "sovong":
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 || n > domain.MaxRoundsLimit {
			c.Reply(c.T("ballot.settings_bad_rounds", "max", domain.MaxRoundsLimit))
			return nil
		}
		set.MaxRounds = n
	case "mode", "thethuc", "hinhthuc":
		switch parse := domain.Fold(value); parse {
		case "secret", "kin", "bo phieu kin", "phieu kin":
			set.Secret = true
		case "open", "cong khai", "congkhai", "public":
			set.Secret = false
		default:
			c.Reply(c.T("ballot.settings_usage"))
			return nil
		}
	default:
		c.Reply(c.T("ballot.settings_usage"))
		return nil
	}
	if err := h.store.SaveBallotSettings(ctx, b.ChatID, op(c), set); err != nil {
		return err
	}
	c.Reply(c.T("ballot.settings_saved") + "\n\n" + h.settingsText(p, set, len(b.Units)))
	return nil
}

func (h *Ballots) settingsText(p ballotPage, set store.BallotSettings, units int) string {
	mode := p.T("ballot.mode_secret")
	if !set.Secret {
		mode = p.T("ballot.mode_open")
	}
	self := p.T("ballot.self_yes")
	if !set.SelfVote {
		self = p.T("ballot.self_no")
	}
	r := set.Rules()
	return p.T("ballot.settings", "mode", mode, "quorum", p.threshold(r.Quorum), "need", r.Quorum.Need(units), "eligible", units,
		"majority", p.threshold(r.Majority), "rounds", r.MaxRounds, "self", self)
}

// BallotMinutes is the "ballot minutes" sheet of the /export workbook (biên bản kiểm phiếu):
// one row per candidate of each closed ballot of the year, with the ballot's position, round,
// mode, dates, units eligible and voting, and result.
type BallotMinutes struct {
	store interface {
		Ballots(ctx context.Context, chatID int64, year int) ([]store.BallotView, error)
	}
}

// NewBallotMinutes returns the ballot minutes sheet source.
func NewBallotMinutes(s interface {
	Ballots(ctx context.Context, chatID int64, year int) ([]store.BallotView, error)
}) *BallotMinutes {
	return &BallotMinutes{store: s}
}

var _ export.SheetSource = (*BallotMinutes)(nil)

// Sheets implements export.SheetSource.
func (m *BallotMinutes) Sheets(ctx context.Context, r export.Request) ([]export.Sheet, error) {
	all, err := m.store.Ballots(ctx, r.ChatID, r.Year)
	if err != nil {
		return nil, err
	}
	loc := r.Loc
	if loc == nil {
		loc = ballotLoc("")
	}
	p := ballotPage{lang: r.Lang, chat: r.ChatID, loc: loc}
	if !domain.ValidLang(p.lang) {
		p.lang = domain.LangVI
	}
	sh := export.Sheet{
		Name: p.T("minutes.sheet"),
		Headers: []string{p.T("minutes.ballot"), p.T("minutes.position"), p.T("minutes.round"), p.T("minutes.mode"),
			p.T("minutes.opened"), p.T("minutes.closed"), p.T("minutes.eligible"), p.T("minutes.voting"),
			p.T("minutes.turnout"), p.T("minutes.quorum"), p.T("minutes.candidate"), p.T("minutes.votes"),
			p.T("minutes.result"), p.T("minutes.voting_units"), p.T("minutes.receipt")},
		Widths:     []float64{8, 12, 6, 10, 17, 17, 10, 10, 9, 10, 40, 8, 40, 60, 42},
		TimeLayout: "02/01/2006 15:04",
	}
	for _, v := range all {
		res := v.Result
		if res == nil {
			continue
		}
		card := &v.Card
		mode := p.T("minutes.secret")
		if !card.Secret {
			mode = p.T("minutes.open")
		}
		quorum := p.T("minutes.yes")
		if !res.QuorumMet {
			quorum = p.T("minutes.no")
		}
		var outcome string
		leaders := func() string {
			var ns []string
			for _, id := range res.Leaders {
				ns = append(ns, card.Name(id))
			}
			return strings.Join(ns, "; ")
		}
		switch res.Decision {
		case domain.Elected:
			outcome = p.T("minutes.elected", "unit", card.Name(res.Winner))
		case domain.Runoff:
			outcome = p.T("minutes.runoff", "list", leaders())
		case domain.NoQuorum:
			outcome = p.T("minutes.no_quorum")
		default:
			outcome = p.T("minutes.undecided", "list", leaders())
		}
		var voting []string
		for _, u := range res.Voted {
			voting = append(voting, card.Name(u))
		}
		turnout := 0.0
		if res.Eligible > 0 {
			turnout = math.Round(1000*float64(res.Cast)/float64(res.Eligible)) / 10
		}
		for _, cv := range res.Counts {
			sh.Rows = append(sh.Rows, []any{card.ID, p.position(card.Pos), card.Round, mode,
				card.OpenedTime().In(loc), res.ClosedTime().In(loc), res.Eligible, res.Cast, turnout, quorum,
				card.Name(cv.Unit), cv.Votes, outcome, strings.Join(voting, "; "), res.Head})
		}
	}
	return []export.Sheet{sh}, nil
}
