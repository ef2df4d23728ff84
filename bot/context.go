package bot

import (
	"context"
	"errors"
	"html"
	"strings"
	"time"

	"thiduabot/domain"
	"thiduabot/i18n"
)

// Context is what a handler gets: the update, the chat's bloc (loaded on first use), the
// chat's language, and ways to answer.
type Context struct {
	Update *Update
	// Args are a button's arguments (callbacks) after its kind.
	Args []string
	// PromptData is what the prompt being answered was waiting for.
	PromptData string

	rt       *Runtime
	bloc     *domain.Bloc
	blocErr  error
	loaded   bool
	lang     string
	answered bool
}

// Now is the time on the runtime's clock.
func (c *Context) Now() time.Time { return c.rt.clk.Now() }

// Bloc loads the chat's bloc once per update; domain.ErrNoBloc when the chat is not one.
func (c *Context) Bloc(ctx context.Context) (*domain.Bloc, error) {
	if !c.loaded {
		c.bloc, c.blocErr = c.rt.blocs.LoadBloc(ctx, c.Update.ChatID)
		c.loaded = true
	}
	return c.bloc, c.blocErr
}

// ReloadBloc forgets the loaded bloc so the next Bloc call reads it again.
func (c *Context) ReloadBloc() { c.loaded = false }

// SetBloc gives the context a bloc loaded elsewhere (a private chat acting on a group's bloc).
func (c *Context) SetBloc(b *domain.Bloc) { c.bloc, c.blocErr, c.loaded = b, nil, true }

// Lang is the chat's language: the bloc's, else the person's Telegram language, else vi.
func (c *Context) Lang() string {
	if c.lang != "" {
		return c.lang
	}
	if c.loaded && c.bloc != nil && domain.ValidLang(c.bloc.Lang) {
		return c.bloc.Lang
	}
	if !c.loaded && !c.Update.IsPrivate() {
		if b, err := c.Bloc(context.Background()); err == nil && domain.ValidLang(b.Lang) {
			return b.Lang
		}
	}
	if strings.HasPrefix(c.Update.FromLang, "en") && c.Update.IsPrivate() {
		return domain.LangEN
	}
	return c.rt.defaultLang
}

// SetLang overrides the language for the rest of this update (after /lang).
func (c *Context) SetLang(lang string) { c.lang = lang }

// T renders a message in the chat's language.
func (c *Context) T(key string, args ...any) string { return i18n.T(c.Lang(), key, args...) }

// Send queues a message.
func (c *Context) Send(m Outgoing) { c.rt.sender.Send(m) }

// Reply sends text to the chat, as a reply to the update's message.
func (c *Context) Reply(text string, buttons ...[]Button) {
	m := Outgoing{ChatID: c.Update.ChatID, Text: text, ReplyTo: c.Update.MessageID}
	if len(buttons) > 0 {
		m.Buttons = buttons
	}
	c.rt.sender.Send(m)
}

// ReplyThen sends text and calls onSent with the new message's id.
func (c *Context) ReplyThen(text string, buttons [][]Button, onSent func(int)) {
	c.rt.sender.Send(Outgoing{ChatID: c.Update.ChatID, Text: text, ReplyTo: c.Update.MessageID, Buttons: buttons, OnSent: onSent})
}

// Edit edits a message of the chat (debounced).
func (c *Context) Edit(messageID int, text string, buttons [][]Button) {
	c.rt.sender.Edit(c.Update.ChatID, messageID, text, buttons)
}

// EditFunc edits a message of the chat (debounced) with content rendered when the edit is
// sent: render reads the state then, once per edit however many changes came before it.
func (c *Context) EditFunc(messageID int, render func() (string, [][]Button, bool)) {
	c.rt.sender.EditFunc(c.Update.ChatID, messageID, render)
}

// EditNow edits a message without waiting for the edit interval (a page turned by a button).
func (c *Context) EditNow(ctx context.Context, messageID int, text string, buttons [][]Button) error {
	return c.rt.sender.EditNow(ctx, c.Update.ChatID, messageID, text, buttons)
}

// Answer answers the button press with a short notice (or an alert). text is HTML, as c.T
// renders it (tags and escaped user text); Telegram shows an answer as plain text, so it is
// sent as PlainText.
func (c *Context) Answer(ctx context.Context, text string, alert bool) {
	if c.Update.Callback == nil || c.answered {
		return
	}
	c.answered = true
	if err := c.rt.sender.Answer(ctx, c.Update.Callback.ID, PlainText(text), alert); err != nil {
		c.rt.log.Warn("answer callback failed", "err", err)
	}
}

// Button builds an inline button whose data is signed for this chat.
func (c *Context) Button(text, kind string, args ...string) Button {
	return Button{Text: text, Data: c.rt.codec.Encode(c.Update.ChatID, kind, args...)}
}

// ButtonFor builds a button for another chat (a private chat choosing a group's bloc).
func (c *Context) ButtonFor(chatID int64, text, kind string, args ...string) Button {
	return Button{Text: text, Data: c.rt.codec.Encode(chatID, kind, args...)}
}

// Ask sends a ForceReply prompt; the reply to it goes to the prompt handler of kind, which
// gets data back in PromptData. Prompts work in groups with privacy mode on.
func (c *Context) Ask(ctx context.Context, kind, data, text, placeholder string) {
	chatID := c.Update.ChatID
	c.rt.sender.Send(Outgoing{ChatID: chatID, Text: text, ForceReply: true, Placeholder: placeholder,
		ReplyTo: c.Update.MessageID, OnSent: func(id int) {
			if err := c.rt.prompts.SavePrompt(context.WithoutCancel(ctx), chatID, id, kind, data); err != nil {
				c.rt.log.Warn("save prompt failed", "err", err)
			}
		}})
}

// IsAdmin reports whether the sender is a Telegram administrator of the group (an anonymous
// admin posting as the group is one).
func (c *Context) IsAdmin(ctx context.Context) (bool, error) {
	u := c.Update
	if u.IsPrivate() {
		return false, nil
	}
	if u.AnonymousAdmin {
		return true, nil
	}
	if u.SenderChat != 0 || u.FromBot {
		return false, nil
	}
	return c.rt.admins.IsAdmin(ctx, u.ChatID, u.From.ID)
}

// IsManager reports whether the sender may run manager commands in this bloc.
func (c *Context) IsManager(ctx context.Context) (bool, error) {
	admin, err := c.IsAdmin(ctx)
	if err != nil {
		return false, err
	}
	if admin {
		return true, nil
	}
	b, err := c.Bloc(ctx)
	if errors.Is(err, domain.ErrNoBloc) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if c.Update.SenderChat != 0 {
		return false, nil
	}
	return b.IsManager(c.Update.From.ID, false, c.Now()), nil
}

// BotUsername is the bot's @username.
func (c *Context) BotUsername() string { return c.rt.me.UserName }

// Runtime gives access to shared services (for handlers that need the sender directly).
func (c *Context) Runtime() *Runtime { return c.rt }

// PlainText is a short HTML text (c.T's, say) as plain text: tags dropped, entities decoded.
func PlainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var out strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			out.WriteRune(r)
		}
	}
	return html.UnescapeString(out.String())
}
