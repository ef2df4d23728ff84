// Package handlers holds one file per feature. Each handler parses what a person typed or
// pressed, calls the domain through a small store interface declared here, and renders the
// reply in the chat's language, escaping every piece of user text.
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
	"unicode/utf8"

	"thiduabot/bot"
	"thiduabot/domain"
	"thiduabot/i18n"
	"thiduabot/scheduler"
	"thiduabot/store"
)

// op is the store operation for the update being handled: it makes the change idempotent.
func op(c *bot.Context) store.Op {
	return store.Op{UpdateID: c.Update.ID, Actor: c.Update.From.ID}
}

// needBloc loads the chat's bloc, or tells the person how to set it up and returns nil.
func needBloc(ctx context.Context, c *bot.Context) (*domain.Bloc, error) {
	b, err := c.Bloc(ctx)
	if errors.Is(err, domain.ErrNoBloc) {
		if c.Update.IsPrivate() {
			c.Reply(c.T("err.group_only"))
		} else {
			c.Reply(c.T("err.no_bloc"))
		}
		return nil, nil
	}
	return b, err
}

// blocFinder finds the blocs a person belongs to, for commands that also answer in a private
// chat.
type blocFinder interface {
	BlocsOf(ctx context.Context, person int64) ([]int64, error)
	LoadBloc(ctx context.Context, chatID int64) (*domain.Bloc, error)
}

// needBlocAnywhere is needBloc for a command that also answers in a private chat with the bot:
// there it is the bloc of the person's group, when they belong to one only (with several they
// are told to ask in the group). The context then speaks the bloc's language.
func needBlocAnywhere(ctx context.Context, c *bot.Context, f blocFinder) (*domain.Bloc, error) {
	if !c.Update.IsPrivate() {
		return needBloc(ctx, c)
	}
	return senderBloc(ctx, c, f, func(text string) { c.Reply(text) })
}

// pressedBloc is the bloc a button press acts on: the group's, or in a private chat the bloc
// of the presser's group when they belong to one only (the buttons of a command that
// needBlocAnywhere answered there). When there is none, the press is answered and the bloc
// is nil.
func pressedBloc(ctx context.Context, c *bot.Context, f blocFinder) (*domain.Bloc, error) {
	if !c.Update.IsPrivate() {
		b, err := c.Bloc(ctx)
		if errors.Is(err, domain.ErrNoBloc) {
			c.Answer(ctx, c.T("err.bad_button"), true)
			return nil, nil
		}
		return b, err
	}
	return senderBloc(ctx, c, f, func(text string) { c.Answer(ctx, text, true) })
}

// senderBloc is, in a private chat, the bloc the sender represents a unit in, when there is
// one only; the context then speaks its language. Otherwise tell says why (no bloc, or
// several, named) and the bloc is nil.
func senderBloc(ctx context.Context, c *bot.Context, f blocFinder, tell func(string)) (*domain.Bloc, error) {
	blocs, err := memberBlocs(ctx, f, c.Update.From.ID)
	if err != nil {
		return nil, err
	}
	switch len(blocs) {
	case 0:
		tell(c.T("err.group_only"))
		return nil, nil
	case 1:
		c.SetBloc(blocs[0])
		return blocs[0], nil
	}
	names := make([]string, len(blocs))
	for i, b := range blocs {
		names[i] = b.Name
	}
	tell(c.T("err.several_blocs", "list", strings.Join(names, "; ")))
	return nil, nil
}

// memberBlocs are the blocs in which person represents a unit.
func memberBlocs(ctx context.Context, f blocFinder, person int64) ([]*domain.Bloc, error) {
	ids, err := f.BlocsOf(ctx, person)
	if err != nil {
		return nil, err
	}
	var out []*domain.Bloc
	for _, id := range ids {
		b, err := f.LoadBloc(ctx, id)
		if errors.Is(err, domain.ErrNoBloc) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if _, ok := b.UnitOf(person); ok {
			out = append(out, b)
		}
	}
	return out, nil
}

// needManagerBloc is needBloc then needManager: the bloc, or nil when there is none or the
// sender may not manage it (they were told).
func needManagerBloc(ctx context.Context, c *bot.Context) (*domain.Bloc, error) {
	b, err := needBloc(ctx, c)
	if b == nil || err != nil {
		return nil, err
	}
	if ok, err := needManager(ctx, c); !ok || err != nil {
		return nil, err
	}
	return b, nil
}

// needManager checks the sender may run manager commands, telling them when not.
func needManager(ctx context.Context, c *bot.Context) (bool, error) {
	if c.Update.IsPrivate() {
		c.Reply(c.T("err.group_only"))
		return false, nil
	}
	ok, err := c.IsManager(ctx)
	if err != nil {
		return false, err
	}
	if !ok {
		if c.Update.Callback != nil {
			c.Answer(ctx, c.T("err.not_manager_button"), true)
		} else {
			c.Reply(c.T("err.not_manager"))
		}
	}
	return ok, nil
}

// managerReply handles a manager's answer to a ForceReply prompt: it checks the bloc and the
// manager, then hands the answer's text to apply.
func managerReply(apply func(ctx context.Context, c *bot.Context, b *domain.Bloc, text string) error) bot.HandlerFunc {
	return func(ctx context.Context, c *bot.Context) error {
		b, err := needBloc(ctx, c)
		if b == nil || err != nil {
			return err
		}
		if ok, err := needManager(ctx, c); !ok || err != nil {
			return err
		}
		return apply(ctx, c, b, c.Update.Text)
	}
}

// needMember returns the sender's unit in the bloc, or tells them how to join.
func needMember(ctx context.Context, c *bot.Context, b *domain.Bloc) (domain.Unit, bool) {
	if c.Update.SenderChat != 0 {
		msg := c.T("err.channel")
		if c.Update.Callback != nil {
			c.Answer(ctx, msg, true)
		} else {
			c.Reply(msg)
		}
		return domain.Unit{}, false
	}
	u, ok := b.UnitOf(c.Update.From.ID)
	if !ok {
		msg := c.T("err.not_member")
		if c.Update.Callback != nil {
			c.Answer(ctx, msg, true)
		} else {
			c.Reply(msg)
		}
	}
	return u, ok
}

// tooLong tells the person when text passes max characters.
func tooLong(c *bot.Context, text string, max int) bool {
	if n := utf8.RuneCountInString(text); n > max {
		c.Reply(c.T("err.too_long", "len", n, "max", max))
		return true
	}
	return false
}

// mention links to a person by id, with their name escaped.
func mention(p domain.Person) string {
	name := p.Name
	if name == "" {
		name = p.Username
	}
	if name == "" {
		name = strconv.FormatInt(p.ID, 10)
	}
	if p.ID <= 0 {
		return html.EscapeString(name)
	}
	return fmt.Sprintf(`<a href="tg://user?id=%d">%s</a>`, p.ID, html.EscapeString(name))
}

// personName is a person's display name, escaped.
func personName(p domain.Person) string {
	if p.Name != "" {
		return html.EscapeString(p.Name)
	}
	if p.Username != "" {
		return "@" + html.EscapeString(p.Username)
	}
	return strconv.FormatInt(p.ID, 10)
}

// shortLabel shortens a unit's name for a button (Telegram shows ~30 characters comfortably).
func shortLabel(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

func raw(s string) i18n.Raw { return i18n.Raw(s) }

// movedChecker finds where a group's bloc went when the group became a supergroup.
type movedChecker interface {
	MovedTo(ctx context.Context, chatID int64) (int64, error)
}

// timerTarget reads the id a timer's JSON payload holds under key, and the chat the timer
// belongs to now (its group may have become a supergroup since it was scheduled). ok is false
// when the timer cannot be handled: a payload without the id (logged; the timer is dropped,
// err nil) or a store error (err set; the timer is retried).
func timerTarget(ctx context.Context, m movedChecker, log *slog.Logger, tm scheduler.Timer, key string) (int64, string, bool, error) {
	var pl map[string]string
	if err := json.Unmarshal(tm.Payload, &pl); err != nil || pl[key] == "" {
		log.Error("timer with a bad payload, dropped", "id", tm.ID, "kind", tm.Kind, "err", err)
		return 0, "", false, nil
	}
	chat := tm.ChatID
	to, err := m.MovedTo(ctx, chat)
	if err != nil {
		return 0, "", false, err
	}
	if to != 0 {
		chat = to
	}
	return chat, pl[key], true, nil
}
