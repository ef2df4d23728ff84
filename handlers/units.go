package handlers

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"thiduabot/bot"
	"thiduabot/domain"
)

// Managing the bloc's units after setup: /renameunit, /removeunit (with a confirmation) and
// /unassign. A mistyped, merged or dissolved agency must not stay a candidate, a voter and a
// signer for ever, and someone who left an agency must not keep voting for it.

const (
	unitRemoveKind = "ux" // unit id: remove it (the confirmation's button)
	unitKeepKind   = "uk" // the confirmation's "no"
)

// registerUnits adds the unit commands to r (from Bloc.Register).
func (h *Bloc) registerUnits(r *bot.Router) {
	r.Command(bot.CommandInfo{Names: []string{"renameunit", "doitendonvi"}, MenuKey: "cmd.renameunit", Group: true}, h.renameUnit)
	r.Command(bot.CommandInfo{Names: []string{"removeunit", "xoadonvi"}, MenuKey: "cmd.removeunit", Group: true}, h.removeUnit)
	r.Command(bot.CommandInfo{Names: []string{"unassign", "huyphancong"}, MenuKey: "cmd.unassign", Group: true}, h.unassign)
	r.Callback(unitRemoveKind, h.removeUnitConfirmed)
	r.Callback(unitKeepKind, h.removeUnitKept)
}

// findUnitOrSay resolves a typed unit name, or says why it cannot (unknown; several match).
func findUnitOrSay(c *bot.Context, b *domain.Bloc, q string) (domain.Unit, bool) {
	u, err := b.FindUnit(q)
	switch {
	case errors.Is(err, domain.ErrAmbiguousUnit):
		var names []string
		for _, x := range b.UnitsMatching(q) {
			names = append(names, x.Name)
		}
		c.Reply(c.T("unit.ambiguous", "q", q, "list", strings.Join(names, "; ")))
		return domain.Unit{}, false
	case err != nil:
		c.Reply(c.T("join.unknown_unit", "q", q))
		return domain.Unit{}, false
	}
	return u, true
}

// splitRename reads "<current name> = <new name>" (also "→", "->" or two lines).
func splitRename(args string) (string, string, bool) {
	for _, sep := range []string{"\n", "→", "->", "="} {
		if a, b, ok := strings.Cut(args, sep); ok {
			a, b = strings.TrimSpace(a), strings.TrimSpace(b)
			return a, b, a != "" && b != ""
		}
	}
	return "", "", false
}

// renameUnit: /renameunit <current name> = <new name> — a manager corrects a unit's name.
func (h *Bloc) renameUnit(ctx context.Context, c *bot.Context) error {
	b, err := needManagerBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	if tooLong(c, c.Update.Args, 2*domain.MaxUnitName+16) {
		return nil
	}
	cur, next, ok := splitRename(c.Update.Args)
	if !ok {
		c.Reply(c.T("unit.rename_usage"))
		return nil
	}
	u, ok := findUnitOrSay(c, b, cur)
	if !ok {
		return nil
	}
	name, err := domain.CleanName(next, domain.MaxUnitName)
	if err != nil {
		h.nameError(c, err, domain.MaxUnitName)
		return nil
	}
	before, err := h.store.RenameUnit(ctx, b.ChatID, op(c), u.ID, name)
	switch {
	case errors.Is(err, domain.ErrDuplicateName):
		c.Reply(c.T("unit.rename_taken", "name", name))
		return nil
	case errors.Is(err, domain.ErrUnknownUnit):
		c.Reply(c.T("join.unknown_unit", "q", cur))
		return nil
	case err != nil:
		return err
	}
	c.Reply(c.T("unit.renamed", "old", before, "new", name))
	h.unitsChanged(ctx, c, b.ChatID)
	return nil
}

// removeUnit: /removeunit <name> — a manager removes a unit, after a confirmation that says
// what it does.
func (h *Bloc) removeUnit(ctx context.Context, c *bot.Context) error {
	b, err := needManagerBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	q := strings.TrimSpace(c.Update.Args)
	if q == "" {
		c.Reply(c.T("unit.remove_usage"))
		return nil
	}
	if tooLong(c, q, domain.MaxUnitName) {
		return nil
	}
	u, ok := findUnitOrSay(c, b, q)
	if !ok {
		return nil
	}
	c.Reply(c.T("unit.remove_confirm", "unit", u.Name, "n", len(b.MembersOf(u.ID))),
		[]bot.Button{c.Button(c.T("unit.remove_yes"), unitRemoveKind, strconv.Itoa(u.ID)), c.Button(c.T("unit.remove_no"), unitKeepKind)})
	return nil
}

// removeUnitConfirmed: the confirmation's "remove" button.
func (h *Bloc) removeUnitConfirmed(ctx context.Context, c *bot.Context) error {
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	b, err := needBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	if len(c.Args) != 1 {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	id, _ := strconv.Atoi(c.Args[0])
	// The store decides whether the unit is still there: a redelivered press replays the first
	// one's result (and finishes what it did after the script).
	res, err := h.store.RemoveUnit(ctx, b.ChatID, op(c), id, b.Year(c.Now()))
	switch {
	case errors.Is(err, domain.ErrUnitInBallot):
		c.Answer(ctx, c.T("unit.remove_ballot"), true)
		return nil
	case errors.Is(err, domain.ErrUnitHasRole):
		name, _, _ := b.NameOf(id)
		c.Answer(ctx, c.T("unit.remove_role", "unit", name), true)
		return nil
	case errors.Is(err, domain.ErrUnknownUnit):
		c.Answer(ctx, c.T("unit.remove_gone"), true)
		return nil
	case err != nil:
		return err
	}
	c.Answer(ctx, c.T("unit.removed_answer"), false)
	// It was the last unit not to sign the pledge: with it gone, the pledge is in force.
	if in := res.PledgeInForce; in != nil && !res.Dup {
		c.Send(bot.Outgoing{ChatID: c.Update.ChatID, ReplyTo: in.MessageID,
			Text: c.T("pledge.in_force_removed", "year", in.Year, "n", in.Units, "version", in.Hash, "unit", res.Name)})
	}
	left := len(b.Units)
	if _, ok := b.Unit(id); ok {
		left-- // b was read before the removal (not on a replay)
	}
	c.Edit(c.Update.Callback.MessageID, c.T("unit.removed", "unit", res.Name, "n", len(res.Unlinked), "left", left), nil)
	h.unitsChanged(ctx, c, b.ChatID)
	return nil
}

func (h *Bloc) unitsChanged(ctx context.Context, c *bot.Context, chatID int64) {
	if h.OnUnitsChanged != nil {
		h.OnUnitsChanged(ctx, c, chatID)
	}
}

// removeUnitKept: the confirmation's "keep" button.
func (h *Bloc) removeUnitKept(ctx context.Context, c *bot.Context) error {
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return err
	}
	c.Answer(ctx, c.T("unit.remove_kept"), false)
	c.Edit(c.Update.Callback.MessageID, c.T("unit.remove_kept"), nil)
	return nil
}

// unassign: a manager replies to a person's message with /unassign: the person no longer
// represents their unit (they left the agency, say).
func (h *Bloc) unassign(ctx context.Context, c *bot.Context) error {
	b, err := needManagerBloc(ctx, c)
	if b == nil || err != nil {
		return err
	}
	r, ok := personRepliedTo(c, "unassign.usage")
	if !ok {
		return nil
	}
	res, err := h.store.Unlink(ctx, b.ChatID, op(c), r.FromID)
	if errors.Is(err, domain.ErrNotLinked) {
		c.Reply(c.T("unassign.none", "person", raw(mention(r.From))))
		return nil
	}
	if err != nil {
		return err
	}
	name, _, _ := b.NameOf(res.Unit)
	c.Reply(c.T("unassign.done", "person", raw(mention(r.From)), "unit", name))
	return nil
}
