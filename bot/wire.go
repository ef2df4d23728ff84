package bot

import (
	"encoding/json"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// The part of a Telegram update the runtime reads (normalize, chatOf). Updates are decoded
// into these small types rather than into tgbotapi.Update, whose Message has some eighty
// fields: a button press carries the whole message it belongs to (text, entities, keyboard),
// and decoding all of it by reflection was the largest cost of receiving an update. Fields
// that are not here are skipped by the decoder without being built.
type wireUpdate struct {
	UpdateID      int               `json:"update_id"`
	Message       *wireMessage      `json:"message"`
	CallbackQuery *wireCallback     `json:"callback_query"`
	ChatMember    *wireMemberUpdate `json:"chat_member"`
}

// wireMemberUpdate is a chat_member update: what normalize reads of it.
type wireMemberUpdate struct {
	Chat wireChat      `json:"chat"`
	From tgbotapi.User `json:"from"`
	Old  wireMember    `json:"old_chat_member"`
	New  wireMember    `json:"new_chat_member"`
}

type wireMember struct {
	User     *tgbotapi.User `json:"user"`
	Status   string         `json:"status"`
	IsMember bool           `json:"is_member"`
}

type wireMessage struct {
	MessageID         int                `json:"message_id"`
	From              *tgbotapi.User     `json:"from"`
	SenderChat        *wireChat          `json:"sender_chat"`
	Chat              *wireChat          `json:"chat"`
	Text              string             `json:"text"`
	Entities          []wireEntity       `json:"entities"`
	Caption           string             `json:"caption"`
	CaptionEntities   []wireEntity       `json:"caption_entities"`
	Photo             []wirePhoto        `json:"photo"`
	Document          *tgbotapi.Document `json:"document"`
	ReplyToMessage    *wireMessage       `json:"reply_to_message"`
	MigrateToChatID   int64              `json:"migrate_to_chat_id"`
	MigrateFromChatID int64              `json:"migrate_from_chat_id"`
	LeftChatMember    *tgbotapi.User     `json:"left_chat_member"`
}

type wireChat struct {
	ID       int64  `json:"id"`
	Type     string `json:"type"`
	Title    string `json:"title"`
	UserName string `json:"username"`
}

type wireEntity struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"`
	Length int    `json:"length"`
}

type wirePhoto struct {
	FileID string `json:"file_id"`
}

type wireCallback struct {
	ID      string         `json:"id"`
	From    *tgbotapi.User `json:"from"`
	Message *struct {
		MessageID int       `json:"message_id"`
		Chat      *wireChat `json:"chat"`
	} `json:"message"`
	Data string `json:"data"`
}

// decodeUpdate decodes one update (a webhook delivery).
func decodeUpdate(body []byte) (*tgbotapi.Update, error) {
	var w wireUpdate
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, err
	}
	return w.update(), nil
}

// decodeUpdates decodes a getUpdates result.
func decodeUpdates(body []byte) ([]tgbotapi.Update, error) {
	var ws []wireUpdate
	if err := json.Unmarshal(body, &ws); err != nil {
		return nil, err
	}
	out := make([]tgbotapi.Update, len(ws))
	for i := range ws {
		out[i] = *ws[i].update()
	}
	return out, nil
}

func (w *wireUpdate) update() *tgbotapi.Update {
	u := &tgbotapi.Update{UpdateID: w.UpdateID, Message: w.Message.message()}
	if c := w.CallbackQuery; c != nil {
		cq := &tgbotapi.CallbackQuery{ID: c.ID, From: c.From, Data: c.Data}
		if c.Message != nil {
			cq.Message = &tgbotapi.Message{MessageID: c.Message.MessageID, Chat: c.Message.Chat.chat()}
		}
		u.CallbackQuery = cq
	}
	if m := w.ChatMember; m != nil {
		u.ChatMember = &tgbotapi.ChatMemberUpdated{Chat: *m.Chat.chat(), From: m.From,
			OldChatMember: tgbotapi.ChatMember{User: m.Old.User, Status: m.Old.Status, IsMember: m.Old.IsMember},
			NewChatMember: tgbotapi.ChatMember{User: m.New.User, Status: m.New.Status, IsMember: m.New.IsMember}}
	}
	return u
}

func (m *wireMessage) message() *tgbotapi.Message {
	if m == nil {
		return nil
	}
	out := &tgbotapi.Message{
		MessageID: m.MessageID, From: m.From, SenderChat: m.SenderChat.chat(), Chat: m.Chat.chat(),
		Text: m.Text, Entities: entities(m.Entities), Caption: m.Caption, CaptionEntities: entities(m.CaptionEntities),
		Document: m.Document, ReplyToMessage: m.ReplyToMessage.message(),
		MigrateToChatID: m.MigrateToChatID, MigrateFromChatID: m.MigrateFromChatID,
		LeftChatMember: m.LeftChatMember,
	}
	if len(m.Photo) > 0 {
		out.Photo = make([]tgbotapi.PhotoSize, len(m.Photo))
		for i, p := range m.Photo {
			out.Photo[i].FileID = p.FileID
		}
	}
	return out
}

func (c *wireChat) chat() *tgbotapi.Chat {
	if c == nil {
		return nil
	}
	return &tgbotapi.Chat{ID: c.ID, Type: c.Type, Title: c.Title, UserName: c.UserName}
}

func entities(es []wireEntity) []tgbotapi.MessageEntity {
	if es == nil {
		return nil
	}
	out := make([]tgbotapi.MessageEntity, len(es))
	for i, e := range es {
		out[i] = tgbotapi.MessageEntity{Type: e.Type, Offset: e.Offset, Length: e.Length}
	}
	return out
}
