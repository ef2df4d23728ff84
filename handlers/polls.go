package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"thiduabot/bot"
	"thiduabot/clock"
	"thiduabot/domain"
	"thiduabot/scheduler"
	"thiduabot/store"
)

// PollStore is what the quick polls need from the store.
type PollStore interface {
	OpenPoll(ctx context.Context, chatID int64, op store.Op, spec domain.PollSpec, author domain.Person, tz string) (store.PollCard, bool, error)
	PollVote(ctx context.Context, chatID int64, op store.Op, pollID string, opt int) (store.PollState, error)
	ClosePoll(ctx context.Context, chatID int64, op store.Op, pollID string, manager bool, reason string) (store.PollState, error)
	LoadPoll(ctx context.Context, chatID int64, pollID string) (store.PollState, error)
	PollCounts(ctx context.Context, chatID int64, pollID string, options int) (counts []int, voters int, open bool, err error)
	SetPollMessage(ctx context.Context, chatID int64, pollID string, messageID int) error
	MovedTo(ctx context.Context, chatID int64) (int64, error)
}

// PollCloseKind is the timer kind that closes a poll when its duration ends.
const PollCloseKind = "poll.close"

// Button kinds of polls.
const (
	pollVoteKind  = "pv" // poll id, option index
	pollCloseKind = "pc" // poll id
)

// Polls handles quick polls: /poll (/thamdo), the option buttons with live counts, the close
// button (author or manager) and the duration timer. They run on the ballots' engine: one
// script per press, edits ordered by version and debounced by the sender.
type Polls struct {
	store  PollStore
	timers BallotTimers
	rt     *bot.Runtime
	clk    clock.Clock
	log    *slog.Logger
	edits  editOrder
}

// NewPolls returns the poll handlers.
func NewPolls(s PollStore, timers BallotTimers, rt *bot.Runtime, clk clock.Clock, log *slog.Logger) *Polls {
	if log == nil {
		log = slog.Default()
	}
	if clk == nil {
		clk = clock.Real{}
	}
	return &Polls{store: s, timers: timers, rt: rt, clk: clk, log: log}
}

// Register adds the handlers to a router.
func (h *Polls) Register(r *bot.Router) {
	r.Command(bot.CommandInfo{Names: []string{"poll", "thamdo"}, MenuKey: "cmd.poll", Group: true}, h.poll)
	r.Callback(pollVoteKind, h.vote)
	r.SelfDeduped(pollVoteKind) // one script per press; a replay only answers the press
	r.Callback(pollCloseKind, h.closeButton)
	r.Prompt("poll.new", h.pollReply)
}

// RegisterTimers routes the poll timers of m to the handlers.
func (h *Polls) RegisterTimers(m scheduler.Mux) { m[PollCloseKind] = h.HandleTimer }

func (h *Polls) poll(ctx context.Context, c *bot.Context) error {
	b, err := needBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	if c.Update.SenderChat != 0 && !c.Update.AnonymousAdmin {
		c.Reply(c.T("err.channel"))
		return nil
	}
	if strings.TrimSpace(c.Update.Args) == "" {
		c.Ask(ctx, "poll.new", "", c.T("poll.ask"), c.T("poll.ask_placeholder"))
		return nil
	}
	return h.open(ctx, c, b, c.Update.Args)
}

func (h *Polls) pollReply(ctx context.Context, c *bot.Context) error {
	b, err := needBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	return h.open(ctx, c, b, c.Update.Text)
}

func (h *Polls) open(ctx context.Context, c *bot.Context, b *domain.Bloc, text string) error {
	spec, err := domain.ParsePoll(text)
	if err != nil {
		switch {
		case errors.Is(err, domain.ErrTooFewOptions):
			c.Reply(c.T("poll.too_few"))
		case errors.Is(err, domain.ErrTooManyOpts):
			c.Reply(c.T("poll.too_many", "max", domain.MaxPollOptions))
		case errors.Is(err, domain.ErrDuplicateOpt):
			c.Reply(c.T("poll.duplicate"))
		case errors.Is(err, domain.ErrNameTooLong):
			c.Reply(c.T("poll.option_long", "max", domain.MaxPollOption))
		case errors.Is(err, domain.ErrTextTooLong):
			c.Reply(c.T("poll.question_long", "max", domain.MaxPollQuestion))
		case errors.Is(err, domain.ErrDeadlinePast), errors.Is(err, domain.ErrDeadlineFar):
			c.Reply(c.T("poll.bad_duration"))
		default:
			c.Reply(c.T("poll.usage"))
		}
		return nil
	}
	card, dup, err := h.store.OpenPoll(ctx, b.ChatID, op(c), spec, c.Update.From, b.Timezone)
	if err != nil {
		return err
	}
	if err := h.schedule(ctx, b.ChatID, &card); err != nil {
		return err
	}
	if dup {
		if ps, err := h.store.LoadPoll(ctx, b.ChatID, card.ID); err != nil || ps.MessageID != 0 {
			return err
		}
	}
	ps := store.PollState{Card: card, Counts: make([]int, len(card.Options)), Open: true}
	p := h.pageFor(c, b.Timezone)
	chat, id := b.ChatID, card.ID
	h.rt.Sender().Send(bot.Outgoing{ChatID: chat, Text: p.pollText(&ps), Buttons: p.pollButtons(&ps), ReplyTo: c.Update.MessageID,
		OnSent: func(msg int) {
			if err := h.store.SetPollMessage(context.WithoutCancel(ctx), chat, id, msg); err != nil {
				h.log.Warn("poll message id not saved", "chat", chat, "poll", id, "err", err)
			}
		}})
	return nil
}

func (h *Polls) pageFor(c *bot.Context, tz string) ballotPage {
	return ballotPage{lang: c.Lang(), chat: c.Update.ChatID, codec: h.rt.Codec(), loc: ballotLoc(tz), now: c.Now()}
}

func (h *Polls) timerID(chat int64, id string) string {
	return "poll.close:" + strconv.FormatInt(chat, 10) + ":" + id
}

func (h *Polls) schedule(ctx context.Context, chat int64, card *store.PollCard) error {
	dl := card.DeadlineTime()
	if dl.IsZero() {
		return nil
	}
	payload, _ := json.Marshal(map[string]string{"p": card.ID})
	return h.timers.Schedule(ctx, scheduler.Timer{ID: h.timerID(chat, card.ID), Kind: PollCloseKind, ChatID: chat, At: dl, Payload: payload})
}

// pollText draws a poll: question, how to answer, each option's count and share.
func (p ballotPage) pollText(ps *store.PollState) string {
	var b strings.Builder
	b.WriteString(p.T("poll.title", "question", ps.Card.Question))
	b.WriteString("\n")
	kind := p.T("poll.single")
	if ps.Card.Multi {
		kind = p.T("poll.multi")
	}
	b.WriteString("<i>" + kind)
	if ps.Card.AuthorName != "" {
		b.WriteString(" · " + p.T("poll.by", "name", ps.Card.AuthorName))
	}
	if dl := ps.Card.DeadlineTime(); !dl.IsZero() && ps.Open {
		b.WriteString(" · " + p.T("poll.until", "when", p.when(dl)))
	}
	b.WriteString("</i>\n")
	total := 0
	for _, n := range ps.Counts {
		total += n
	}
	for i, o := range ps.Card.Options {
		n := 0
		if i < len(ps.Counts) {
			n = ps.Counts[i]
		}
		pct := 0
		if total > 0 {
			pct = (100*n + total/2) / total
		}
		bar := strings.Repeat("▓", pct/10) + strings.Repeat("░", 10-pct/10)
		fmt.Fprintf(&b, "\n%s — <b>%d</b>\n%s %d%%", html.EscapeString(o), n, bar, pct)
	}
	b.WriteString("\n\n" + p.T("poll.voters", "n", ps.Voters))
	if !ps.Open {
		b.WriteString("\n" + p.T("poll.closed"))
	}
	return b.String()
}

// pollButtons are the options with their counts, and the close button.
func (p ballotPage) pollButtons(ps *store.PollState) [][]bot.Button {
	if !ps.Open {
		return nil
	}
	rows := make([][]bot.Button, 0, len(ps.Card.Options)+1)
	for i, o := range ps.Card.Options {
		label := shortLabel(o, 40)
		if i < len(ps.Counts) && ps.Counts[i] > 0 {
			label += " · " + strconv.Itoa(ps.Counts[i])
		}
		rows = append(rows, []bot.Button{p.Button(label, pollVoteKind, ps.Card.ID, strconv.Itoa(i))})
	}
	rows = append(rows, []bot.Button{p.Button(p.T("poll.close_button"), pollCloseKind, ps.Card.ID)})
	return rows
}

// vote: an option button — one store round trip, then an ordered, debounced redraw.
func (h *Polls) vote(ctx context.Context, c *bot.Context) error {
	opt := -1
	if len(c.Args) == 2 {
		if n, err := strconv.Atoi(c.Args[1]); err == nil {
			opt = n
		}
	}
	if opt < 0 {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	ps, err := h.store.PollVote(ctx, c.Update.ChatID, op(c), c.Args[0], opt)
	if domain.ValidLang(ps.Lang) {
		c.SetLang(ps.Lang)
	}
	switch {
	case errors.Is(err, domain.ErrClosed):
		c.Answer(ctx, c.T("poll.closed_press"), true)
		return nil
	case errors.Is(err, domain.ErrNotFound), errors.Is(err, domain.ErrInvalidArgs), errors.Is(err, domain.ErrNoBloc):
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	case err != nil:
		return err
	}
	if ps.Dup || len(ps.Card.Options) == 0 {
		c.Answer(ctx, c.T("poll.recorded"), false)
		return nil
	}
	var mine []string
	for _, i := range ps.Mine {
		if i < len(ps.Card.Options) {
			mine = append(mine, ps.Card.Options[i])
		}
	}
	if len(mine) == 0 {
		c.Answer(ctx, c.T("poll.withdrawn"), false)
	} else {
		c.Answer(ctx, c.T("poll.chosen", "list", strings.Join(mine, ", ")), false)
	}
	// The poll's message is redrawn when its debounced edit goes out, from the counts then (one
	// read of the store, so every replica's presses show): a burst of presses renders it once
	// per edit. A poll closed meanwhile is not redrawn: its close draws the result.
	p := h.pageFor(c, ps.Card.TZ)
	chat := c.Update.ChatID
	// It runs when the edit's turn has come (and again on a retry).
	render := func() (string, [][]bot.Button, bool) {
		now := ps
		ctx, cancel := context.WithTimeout(context.Background(), redrawReadTimeout)
		defer cancel()
		counts, voters, open, err := h.store.PollCounts(ctx, chat, ps.Card.ID, len(ps.Card.Options))
		switch {
		case err == nil && !open:
			return "", nil, false
		case err == nil:
			now.Counts, now.Voters = counts, voters
		default:
			h.log.Warn("poll redraw: counts", "chat", chat, "poll", ps.Card.ID, "err", err)
		}
		return p.pollText(&now), p.pollButtons(&now), true
	}
	for _, msg := range uniqueMsgs(c.Update.Callback.MessageID, ps.MessageID) {
		h.edits.next(c.Update.ChatID, msg, ps.Version, func() { c.EditFunc(msg, render) })
	}
	return nil
}

// closeButton: the author or a manager closes the poll.
func (h *Polls) closeButton(ctx context.Context, c *bot.Context) error {
	if len(c.Args) != 1 {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	mgr, err := c.IsManager(ctx)
	if err != nil {
		return err
	}
	ps, err := h.store.ClosePoll(ctx, c.Update.ChatID, op(c), c.Args[0], mgr, "manual")
	switch {
	case errors.Is(err, domain.ErrForbidden):
		c.Answer(ctx, c.T("poll.close_forbidden"), true)
		return nil
	case errors.Is(err, domain.ErrClosed):
		c.Answer(ctx, c.T("poll.closed_press"), true)
		return nil
	case errors.Is(err, domain.ErrNotFound):
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	case err != nil:
		return err
	}
	c.Answer(ctx, c.T("poll.closed_done"), false)
	if _, err := h.timers.Cancel(ctx, c.Update.ChatID, h.timerID(c.Update.ChatID, c.Args[0])); err != nil {
		h.log.Warn("poll timer not cancelled", "err", err)
	}
	if !ps.Dup {
		h.finish(c.Update.ChatID, &ps, c.Update.Callback.MessageID)
	}
	return nil
}

// HandleTimer closes a poll when its duration ends (also late, after a restart).
func (h *Polls) HandleTimer(ctx context.Context, tm scheduler.Timer, late time.Duration) error {
	chat, pollID, ok, err := timerTarget(ctx, h.store, h.log, tm, "p")
	if !ok {
		return err
	}
	ps, err := h.store.ClosePoll(ctx, chat, store.Op{Key: tm.ID}, pollID, false, "deadline")
	switch {
	case errors.Is(err, domain.ErrClosed), errors.Is(err, domain.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	if !ps.Dup {
		h.finish(chat, &ps, 0)
	}
	return nil
}

// finish draws the closed poll and posts its result as a reply to it.
func (h *Polls) finish(chat int64, ps *store.PollState, pressed int) {
	p := ballotPage{lang: ps.Lang, chat: chat, codec: h.rt.Codec(), loc: ballotLoc(ps.Card.TZ), now: h.clk.Now()}
	if !domain.ValidLang(p.lang) {
		p.lang = domain.LangVI
	}
	ps.Open = false
	text := p.pollText(ps)
	for _, msg := range uniqueMsgs(pressed, ps.MessageID) {
		h.edits.next(chat, msg, closedVersion, func() { h.rt.Sender().Edit(chat, msg, text, nil) })
	}
	var parts []string
	for i, o := range ps.Card.Options {
		parts = append(parts, fmt.Sprintf("%s: <b>%d</b>", html.EscapeString(o), ps.Counts[i]))
	}
	h.rt.Sender().Send(bot.Outgoing{ChatID: chat, ReplyTo: ps.MessageID,
		Text: p.T("poll.result", "question", ps.Card.Question, "list", raw(strings.Join(parts, " · ")), "n", ps.Voters)})
}
