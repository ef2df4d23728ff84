package handlers

import (
	"context"
	"log/slog"
	"slices"
	"strconv"

	"thiduabot/bot"
	"thiduabot/store"
)

// PrivacyStore is what /forget_me needs from the store.
type PrivacyStore interface {
	BlocsOf(ctx context.Context, person int64) ([]int64, error)
	AllBlocs(ctx context.Context) ([]int64, error)
	ForgetPerson(ctx context.Context, chatID int64, op store.Op, person int64) (store.ForgetResult, error)
	ForgetIndex(ctx context.Context, person int64) error
}

// Privacy handles /forget_me (/xoadulieu): a person deletes the personal data the bot keeps
// about them, after confirming with a button.
type Privacy struct {
	store PrivacyStore
	log   *slog.Logger
}

// NewPrivacy returns the privacy handlers.
func NewPrivacy(s PrivacyStore, log *slog.Logger) *Privacy { return &Privacy{store: s, log: log} }

// Register adds the handlers to a router.
func (h *Privacy) Register(r *bot.Router) {
	r.Command(bot.CommandInfo{Names: []string{"forget_me", "xoadulieu"}, MenuKey: "cmd.forget_me", Group: true, Private: true}, h.ask)
	r.Callback("fg", h.decide)
}

// ask explains what will be deleted and what is kept, with buttons for the asker alone.
func (h *Privacy) ask(ctx context.Context, c *bot.Context) error {
	if c.Update.SenderChat != 0 {
		c.Reply(c.T("err.channel"))
		return nil
	}
	id := strconv.FormatInt(c.Update.From.ID, 10)
	c.Reply(c.T("privacy.ask"), []bot.Button{c.Button(c.T("privacy.confirm"), "fg", id, "1"), c.Button(c.T("privacy.cancel"), "fg", id, "0")})
	return nil
}

// decide carries out (or cancels) the deletion; only the person who asked may press.
func (h *Privacy) decide(ctx context.Context, c *bot.Context) error {
	if len(c.Args) != 2 {
		c.Answer(ctx, c.T("err.bad_button"), true)
		return nil
	}
	who, err := strconv.ParseInt(c.Args[0], 10, 64)
	if err != nil || who != c.Update.From.ID || c.Update.SenderChat != 0 {
		c.Answer(ctx, c.T("privacy.not_yours"), true)
		return nil
	}
	msg := c.Update.Callback.MessageID
	if c.Args[1] != "1" {
		c.Answer(ctx, c.T("privacy.cancelled"), false)
		return c.EditNow(ctx, msg, c.T("privacy.cancelled"), nil)
	}
	// Every bloc: those the person is linked in, and all others, where they may have asked to
	// join or been named.
	chats, err := h.store.BlocsOf(ctx, who)
	if err != nil {
		return err
	}
	all, err := h.store.AllBlocs(ctx)
	if err != nil {
		return err
	}
	chats = append(chats, all...)
	if !c.Update.IsPrivate() {
		chats = append(chats, c.Update.ChatID)
	}
	slices.Sort(chats)
	chats = slices.Compact(chats)
	var links, requests, blocs int
	for _, chat := range chats {
		r, err := h.store.ForgetPerson(ctx, chat, op(c), who)
		if err != nil {
			return err // the store is down: the press is retried, and what was done is not redone
		}
		if r.Unit != 0 {
			links++
		}
		requests += r.Requests
		if r.Any() {
			blocs++
		}
	}
	if err := h.store.ForgetIndex(ctx, who); err != nil {
		return err
	}
	h.log.Info("person forgotten", "blocs", blocs, "links", links, "requests", requests)
	text := c.T("privacy.done", "links", links, "requests", requests, "blocs", blocs, "id", strconv.FormatInt(who, 10))
	c.Answer(ctx, c.T("privacy.done_short"), false)
	return c.EditNow(ctx, msg, text, nil)
}
