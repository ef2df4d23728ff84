package bot

import (
	"strings"
	"unicode/utf16"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"thiduabot/domain"
)

// GroupAnonymousBot is the user Telegram puts in `from` when an anonymous admin posts.
const GroupAnonymousBot = 1087968824

// AllowedUpdates are the update types the bot asks Telegram for.
// chat_member comes only where the bot is an administrator: there it tells of members leaving
// even when Telegram sends no left_chat_member service message (larger groups).
var AllowedUpdates = []string{"message", "callback_query", "my_chat_member", "chat_member"}

// Update is an incoming update as the handlers see it: no Telegram types.
type Update struct {
	ID        int64
	ChatID    int64
	ChatType  string // private, group, supergroup, channel
	ChatTitle string
	From      domain.Person
	FromLang  string
	FromBot   bool
	// SenderChat is set when a message is sent on behalf of a chat: the group itself (an
	// anonymous admin) or a channel.
	SenderChat     int64
	AnonymousAdmin bool
	MessageID      int
	Text           string // text or caption
	Command        string // lower case, without '/' and '@bot'; "" when not a command
	CommandBot     string // the @suffix, if any
	Args           string // the text after the command (may hold several lines)
	ReplyTo        *MessageRef
	File           *FileRef
	Callback       *Callback
	MigrateTo      int64
	MigrateFrom    int64
	// Left is a person who left the group or was removed from it (the service message's; From
	// is who removed them, or themselves). Never a bot.
	Left *domain.Person
}

// MessageRef is the message an update replies to.
type MessageRef struct {
	ID      int
	FromBot bool // sent by this bot
	FromID  int64
	From    domain.Person
	Text    string
	File    *FileRef
}

// FileRef is a photo or document.
type FileRef struct {
	ID   string
	Kind string // photo, document
	Name string
}

// Callback is a button press.
type Callback struct {
	ID        string
	Data      string
	MessageID int
}

// IsPrivate reports a private chat with the bot.
func (u *Update) IsPrivate() bool { return u.ChatType == "private" }

func person(u *tgbotapi.User) domain.Person {
	if u == nil {
		return domain.Person{}
	}
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if name == "" {
		name = u.UserName
	}
	return domain.Person{ID: u.ID, Name: name, Username: u.UserName}
}

// inChat reports whether a chat member's status is one of being in the chat.
func inChat(m tgbotapi.ChatMember) bool {
	switch m.Status {
	case "creator", "administrator", "member":
		return true
	case "restricted":
		return m.IsMember
	}
	return false
}

func fileOf(m *tgbotapi.Message) *FileRef {
	switch {
	case len(m.Photo) > 0:
		return &FileRef{ID: m.Photo[len(m.Photo)-1].FileID, Kind: "photo"}
	case m.Document != nil:
		return &FileRef{ID: m.Document.FileID, Kind: "document", Name: m.Document.FileName}
	}
	return nil
}

// normalize turns a Telegram update into ours; botName is the bot's username (for @suffix).
// It returns false for updates the bot does not handle.
func normalize(tu *tgbotapi.Update, botID int64) (Update, bool) {
	u := Update{ID: int64(tu.UpdateID)}
	switch {
	case tu.ChatMember != nil:
		// Only a person leaving or removed is handled (Update.Left), as its service message is.
		cm := tu.ChatMember
		gone := cm.NewChatMember.User
		if !inChat(cm.OldChatMember) || inChat(cm.NewChatMember) || gone == nil || gone.IsBot {
			return u, false
		}
		u.ChatID, u.ChatType, u.ChatTitle = cm.Chat.ID, cm.Chat.Type, cm.Chat.Title
		u.From = person(&cm.From)
		u.FromLang, u.FromBot = cm.From.LanguageCode, cm.From.IsBot
		p := person(gone)
		u.Left = &p
		return u, true
	case tu.CallbackQuery != nil:
		cq := tu.CallbackQuery
		u.From = person(cq.From)
		if cq.From != nil {
			u.FromLang = cq.From.LanguageCode
			u.FromBot = cq.From.IsBot
		}
		u.Callback = &Callback{ID: cq.ID, Data: cq.Data}
		if cq.Message != nil {
			u.Callback.MessageID = cq.Message.MessageID
			if cq.Message.Chat != nil {
				u.ChatID = cq.Message.Chat.ID
				u.ChatType = cq.Message.Chat.Type
				u.ChatTitle = cq.Message.Chat.Title
			}
		}
		return u, true
	case tu.Message != nil:
		m := tu.Message
		if m.Chat == nil {
			return u, false
		}
		u.ChatID, u.ChatType, u.ChatTitle = m.Chat.ID, m.Chat.Type, m.Chat.Title
		u.MessageID = m.MessageID
		u.From = person(m.From)
		if m.From != nil {
			u.FromLang = m.From.LanguageCode
			u.FromBot = m.From.IsBot
		}
		if m.SenderChat != nil {
			u.SenderChat = m.SenderChat.ID
			u.AnonymousAdmin = m.SenderChat.ID == m.Chat.ID
			if u.AnonymousAdmin {
				u.From = domain.Person{ID: m.SenderChat.ID, Name: m.Chat.Title}
			} else {
				u.From = domain.Person{ID: m.SenderChat.ID, Name: m.SenderChat.Title, Username: m.SenderChat.UserName}
			}
		}
		u.MigrateTo = m.MigrateToChatID
		u.MigrateFrom = m.MigrateFromChatID
		if l := m.LeftChatMember; l != nil && !l.IsBot {
			p := person(l)
			u.Left = &p
		}
		u.Text = m.Text
		entities := m.Entities
		if u.Text == "" {
			u.Text = m.Caption
			entities = m.CaptionEntities
		}
		u.File = fileOf(m)
		if r := m.ReplyToMessage; r != nil {
			ref := &MessageRef{ID: r.MessageID, From: person(r.From), Text: r.Text, File: fileOf(r)}
			if ref.Text == "" {
				ref.Text = r.Caption
			}
			if r.From != nil {
				ref.FromID = r.From.ID
				ref.FromBot = r.From.ID == botID
			}
			u.ReplyTo = ref
		}
		parseCommand(&u, entities)
		return u, true
	}
	return u, false
}

// parseCommand reads a leading bot_command entity (or, without entities, a leading '/word').
func parseCommand(u *Update, entities []tgbotapi.MessageEntity) {
	text := u.Text
	if !strings.HasPrefix(text, "/") {
		return
	}
	end := -1
	for _, e := range entities {
		if e.Type == "bot_command" && e.Offset == 0 {
			end = utf16Index(text, e.Length)
			break
		}
	}
	if end < 0 {
		end = strings.IndexAny(text, " \t\n")
		if end < 0 {
			end = len(text)
		}
	}
	if end < 1 {
		end = 1 // a malformed entity: the command is at least the slash
	}
	cmd := text[1:end]
	if name, bot, ok := strings.Cut(cmd, "@"); ok {
		cmd, u.CommandBot = name, bot
	}
	u.Command = strings.ToLower(cmd)
	rest := text[end:]
	// Keep the lines after the command; drop the spaces on the command line.
	rest = strings.TrimLeft(rest, " \t")
	rest = strings.TrimPrefix(rest, "\r")
	rest = strings.TrimPrefix(rest, "\n")
	u.Args = strings.TrimRight(rest, " \t\r\n")
}

// utf16Index converts an offset in UTF-16 code units to a byte offset in s.
func utf16Index(s string, n int) int {
	units := 0
	for i, r := range s {
		if units >= n {
			return i
		}
		units += len(utf16.Encode([]rune{r}))
	}
	return len(s)
}
