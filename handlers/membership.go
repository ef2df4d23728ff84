package handlers

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"thiduabot/bot"
	"thiduabot/domain"
	"thiduabot/store"
)

// join: /join [unit]. Without a unit, buttons; with one, a request managers approve. A
// manager's own request is granted at once.
func (h *Bloc) join(ctx context.Context, c *bot.Context) error {
	b, err := needBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	if c.Update.SenderChat != 0 {
		c.Reply(c.T("err.channel"))
		return nil
	}
	if u, ok := b.UnitOf(c.Update.From.ID); ok {
		c.Reply(c.T("join.already", "unit", u.Name))
		return nil
	}
	if len(b.Units) == 0 {
		c.Reply(c.T("join.no_units"))
		return nil
	}
	q := strings.TrimSpace(c.Update.Args)
	if q == "" {
		c.Reply(c.T("join.choose"), h.unitButtons(c, b.Units)...)
		return nil
	}
	if tooLong(c, q, domain.MaxUnitName) {
		return nil
	}
	u, err := b.FindUnit(q)
	switch {
	case errors.Is(err, domain.ErrAmbiguousUnit):
		c.Reply(c.T("join.choose_among", "q", q), h.unitButtons(c, b.UnitsMatching(q))...)
		return nil
	case errors.Is(err, domain.ErrUnknownUnit):
		c.Reply(c.T("join.unknown_unit", "q", q))
		return nil
	}
	return h.requestJoin(ctx, c, b, u)
}

func (h *Bloc) unitButtons(c *bot.Context, units []domain.Unit) [][]bot.Button {
	rows := make([][]bot.Button, 0, len(units))
	for _, u := range sortedUnits(units) {
		rows = append(rows, []bot.Button{c.Button(shortLabel(u.Name, 48), "jn", strconv.Itoa(u.ID))})
	}
	return rows
}

// joinPick: a unit button of /join, pressed by whoever wants to join it.
func (h *Bloc) joinPick(ctx context.Context, c *bot.Context) error {
	b, err := c.Bloc(ctx)
	if errors.Is(err, domain.ErrNoBloc) {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	if err != nil {
		return err
	}
	id := 0
	if len(c.Args) == 1 {
		id, _ = strconv.Atoi(c.Args[0])
	}
	u, ok := b.Unit(id)
	if !ok {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	if cur, ok := b.UnitOf(c.Update.From.ID); ok {
		c.Answer(ctx, c.T("join.already", "unit", cur.Name), true)
		return nil
	}
	if err := h.requestJoin(ctx, c, b, u); err != nil {
		return err
	}
	c.Answer(ctx, c.T("join.sent"), false)
	return nil
}

func (h *Bloc) requestJoin(ctx context.Context, c *bot.Context, b *domain.Bloc, u domain.Unit) error {
	p := c.Update.From
	if mgr, err := c.IsAdmin(ctx); err != nil {
		return err
	} else if mgr {
		return h.link(ctx, c, p, u, false)
	}
	reqID, _, err := h.store.RequestJoin(ctx, b.ChatID, op(c), p, u.ID)
	var linked store.ErrLinkedTo
	if errors.As(err, &linked) {
		cur, _ := b.Unit(linked.Unit)
		c.Reply(c.T("join.already", "unit", cur.Name))
		return nil
	}
	if errors.Is(err, domain.ErrUnknownUnit) {
		c.Reply(c.T("join.unknown_unit", "q", u.Name))
		return nil
	}
	if err != nil {
		return err
	}
	id := strconv.Itoa(reqID)
	c.Send(bot.Outgoing{ChatID: b.ChatID, Text: c.T("join.requested", "person", raw(mention(p)), "unit", u.Name),
		Buttons: [][]bot.Button{{c.Button(c.T("join.approve"), "ja", id, "1"), c.Button(c.T("join.reject"), "ja", id, "0")}}})
	return nil
}

// joinDecide: a manager approves or rejects a join request.
func (h *Bloc) joinDecide(ctx context.Context, c *bot.Context) error {
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	b, err := c.Bloc(ctx)
	if err != nil {
		return err
	}
	if len(c.Args) != 2 {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	reqID, _ := strconv.Atoi(c.Args[0])
	approve := c.Args[1] == "1"
	jr, _, err := h.store.ResolveJoin(ctx, b.ChatID, op(c), reqID, approve)
	var linked store.ErrLinkedTo
	switch {
	case errors.Is(err, domain.ErrNotPending):
		c.Answer(ctx, c.T("join.gone"), true)
		return nil
	case errors.As(err, &linked):
		cur, _ := b.Unit(linked.Unit)
		c.Answer(ctx, c.T("join.already", "unit", cur.Name), true)
		return nil
	case errors.Is(err, domain.ErrUnknownUnit):
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	case err != nil:
		return err
	}
	u, _ := b.Unit(jr.Unit)
	key := "join.rejected"
	if approve {
		key = "join.approved"
	}
	c.Edit(c.Update.Callback.MessageID, c.T(key, "person", raw(mention(jr.Person)), "unit", u.Name, "by", raw(personName(c.Update.From))), nil)
	c.Answer(ctx, c.T("join.done"), false)
	return nil
}

func (h *Bloc) link(ctx context.Context, c *bot.Context, p domain.Person, u domain.Unit, move bool) error {
	res, err := h.store.Link(ctx, c.Update.ChatID, op(c), p, u.ID, move)
	var linked store.ErrLinkedTo
	if errors.As(err, &linked) {
		b, _ := c.Bloc(ctx)
		cur, _ := b.Unit(linked.Unit)
		c.Reply(c.T("join.already", "unit", cur.Name))
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case res.Already:
		c.Reply(c.T("assign.same", "person", raw(mention(p)), "unit", u.Name))
	case res.FromUnit != 0:
		b, _ := c.Bloc(ctx)
		from, _ := b.Unit(res.FromUnit)
		c.Reply(c.T("assign.moved", "person", raw(mention(p)), "from", from.Name, "unit", u.Name))
	default:
		c.Reply(c.T("join.linked", "person", raw(mention(p)), "unit", u.Name))
	}
	return nil
}

// assign: a manager replies to a person's message with /assign <unit>.
func (h *Bloc) assign(ctx context.Context, c *bot.Context) error {
	b, err := needManagerBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	q := strings.TrimSpace(c.Update.Args)
	if q == "" {
		c.Reply(c.T("assign.usage"))
		return nil
	}
	r, ok := personRepliedTo(c, "assign.usage")
	if !ok {
		return nil
	}
	u, ok := findUnitOrSay(c, b, q)
	if !ok {
		return nil
	}
	return h.link(ctx, c, r.From, u, true)
}

// personRepliedTo is the person whose message a manager's command replies to (/assign,
// /unassign); without one, or for a bot or a channel, it says so (usage: the command's usage).
func personRepliedTo(c *bot.Context, usage string) (*bot.MessageRef, bool) {
	r := c.Update.ReplyTo
	switch {
	case r == nil:
		c.Reply(c.T(usage))
		return nil, false
	case r.FromBot || r.FromID <= 0 || r.FromID == bot.GroupAnonymousBot:
		c.Reply(c.T("assign.bot"))
		return nil, false
	}
	return r, true
}

// leave: a member unlinks themselves.
func (h *Bloc) leave(ctx context.Context, c *bot.Context) error {
	b, err := needBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	res, err := h.store.Unlink(ctx, b.ChatID, op(c), c.Update.From.ID)
	if errors.Is(err, domain.ErrNotLinked) {
		c.Reply(c.T("leave.none"))
		return nil
	}
	if err != nil {
		return err
	}
	u, _ := b.Unit(res.Unit)
	c.Reply(c.T("leave.done", "person", raw(mention(c.Update.From)), "unit", u.Name))
	return nil
}

// left: a representative who leaves the group, or is removed from it, no longer represents
// their unit, so someone outside the group cannot vote or sign for it, nor read the bloc in a
// private chat. The group is told, and told when the unit has no one left in it. Anyone
// else's leaving is not remarked on, nor is a leaving told twice (a service message and a
// chat_member update, or /leave just before, find the person unlinked already). A retried
// update, whose unlink was made but whose notice was not sent, gets the notice.
func (h *Bloc) left(ctx context.Context, c *bot.Context) error {
	p := c.Update.Left
	b, err := c.Bloc(ctx)
	if errors.Is(err, domain.ErrNoBloc) {
		return nil
	}
	if err != nil {
		return err
	}
	res, err := h.store.Unlink(ctx, b.ChatID, op(c), p.ID)
	if errors.Is(err, domain.ErrNotLinked) || errors.Is(err, domain.ErrNoBloc) {
		return nil
	}
	if err != nil {
		return err
	}
	name, _, _ := b.NameOf(res.Unit)
	key := "left.unlinked"
	if c.Update.From.ID != p.ID {
		key = "left.removed"
	}
	text := c.T(key, "person", raw(mention(*p)), "unit", name)
	if res.Others == 0 {
		text += "\n" + c.T("left.unrepresented", "unit", name)
	}
	c.Reply(text)
	return nil
}
