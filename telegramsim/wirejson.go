package telegramsim

import (
	"encoding/json"
	"strconv"

	"thiduabot/internal/jsonw"
)

// The Bot API answers and updates that every request makes (messages, callback
// queries) are written here by hand, byte for byte as encoding/json writes the wire
// types (mustJSON: struct field order, omitempty, no HTML escaping), without its
// reflection. TestWireJSON and FuzzWireJSON compare the two.

// appendWire appends the JSON of v, a wire value, as mustJSON(v) would.
func appendWire(b []byte, v any) []byte {
	switch v := v.(type) {
	case *wireMessage:
		return v.appendJSON(b)
	case wireCallbackQuery:
		return v.appendJSON(b)
	case bool:
		return strconv.AppendBool(b, v)
	case json.RawMessage:
		return append(b, v...)
	}
	return append(b, mustJSON(v)...)
}

// jsonWriter appends the members of one JSON object.
type jsonWriter struct {
	b     []byte
	first bool
}

func newJSONObject(b []byte) jsonWriter { return jsonWriter{b: append(b, '{'), first: true} }

func (w *jsonWriter) key(k string) {
	if !w.first {
		w.b = append(w.b, ',')
	}
	w.first = false
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

func (w *jsonWriter) int(k string, v int64) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, v, 10)
}

func (w *jsonWriter) intOmit(k string, v int64) {
	if v != 0 {
		w.int(k, v)
	}
}

func (w *jsonWriter) bool(k string, v bool) {
	w.key(k)
	w.b = strconv.AppendBool(w.b, v)
}

func (w *jsonWriter) boolPtr(k string, v *bool) {
	if v != nil {
		w.bool(k, *v)
	}
}

func (w *jsonWriter) str(k, v string) {
	w.key(k)
	w.b = jsonw.AppendString(w.b, v)
}

func (w *jsonWriter) strOmit(k, v string) {
	if v != "" {
		w.str(k, v)
	}
}

func (w *jsonWriter) end() []byte { return append(w.b, '}') }

func (u *wireUser) appendJSON(b []byte) []byte {
	if u == nil {
		return append(b, "null"...)
	}
	w := newJSONObject(b)
	w.int("id", u.ID)
	w.bool("is_bot", u.IsBot)
	w.str("first_name", u.FirstName)
	w.strOmit("last_name", u.LastName)
	w.strOmit("username", u.Username)
	w.strOmit("language_code", u.LanguageCode)
	w.boolPtr("can_join_groups", u.CanJoinGroups)
	w.boolPtr("can_read_all_group_messages", u.CanReadAllGroupMessages)
	w.boolPtr("supports_inline_queries", u.SupportsInlineQueries)
	return w.end()
}

func (c *wireChat) appendJSON(b []byte) []byte {
	w := newJSONObject(b)
	w.int("id", c.ID)
	w.str("type", c.Type)
	w.strOmit("title", c.Title)
	w.strOmit("username", c.Username)
	w.strOmit("first_name", c.FirstName)
	w.strOmit("last_name", c.LastName)
	w.boolPtr("all_members_are_administrators", c.AllMembersAreAdministrators)
	return w.end()
}

func appendEntities(b []byte, es []Entity) []byte {
	b = append(b, '[')
	for i := range es {
		if i > 0 {
			b = append(b, ',')
		}
		e := &es[i]
		w := newJSONObject(b)
		w.str("type", e.Type)
		w.int("offset", int64(e.Offset))
		w.int("length", int64(e.Length))
		w.strOmit("url", e.URL)
		w.strOmit("language", e.Language)
		w.strOmit("custom_emoji_id", e.CustomEmojiID)
		b = w.end()
	}
	return append(b, ']')
}

func (p *wirePoll) appendJSON(b []byte) []byte {
	w := newJSONObject(b)
	w.str("id", p.ID)
	w.str("question", p.Question)
	w.key("options")
	if p.Options == nil {
		w.b = append(w.b, "null"...)
	} else {
		w.b = append(w.b, '[')
		for i, o := range p.Options {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			ow := newJSONObject(w.b)
			ow.str("text", o.Text)
			ow.int("voter_count", int64(o.VoterCount))
			w.b = ow.end()
		}
		w.b = append(w.b, ']')
	}
	w.int("total_voter_count", int64(p.TotalVoterCount))
	w.bool("is_closed", p.IsClosed)
	w.bool("is_anonymous", p.IsAnonymous)
	w.str("type", p.Type)
	w.bool("allows_multiple_answers", p.AllowsMultipleAnswers)
	return w.end()
}

func (m *wireMessage) appendJSON(b []byte) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	w := newJSONObject(b)
	w.int("message_id", int64(m.MessageID))
	if m.From != nil {
		w.key("from")
		w.b = m.From.appendJSON(w.b)
	}
	if m.SenderChat != nil {
		w.key("sender_chat")
		w.b = m.SenderChat.appendJSON(w.b)
	}
	w.int("date", m.Date)
	w.key("chat")
	w.b = m.Chat.appendJSON(w.b)
	if m.ReplyToMessage != nil {
		w.key("reply_to_message")
		w.b = m.ReplyToMessage.appendJSON(w.b)
	}
	w.intOmit("edit_date", m.EditDate)
	w.strOmit("text", m.Text)
	if len(m.Entities) > 0 {
		w.key("entities")
		w.b = appendEntities(w.b, m.Entities)
	}
	if d := m.Document; d != nil {
		w.key("document")
		dw := newJSONObject(w.b)
		dw.str("file_id", d.FileID)
		dw.str("file_unique_id", d.FileUniqueID)
		dw.strOmit("file_name", d.FileName)
		dw.strOmit("mime_type", d.MimeType)
		dw.intOmit("file_size", int64(d.FileSize))
		w.b = dw.end()
	}
	if len(m.Photo) > 0 {
		w.key("photo")
		w.b = append(w.b, '[')
		for i, p := range m.Photo {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			pw := newJSONObject(w.b)
			pw.str("file_id", p.FileID)
			pw.str("file_unique_id", p.FileUniqueID)
			pw.int("width", int64(p.Width))
			pw.int("height", int64(p.Height))
			pw.intOmit("file_size", int64(p.FileSize))
			w.b = pw.end()
		}
		w.b = append(w.b, ']')
	}
	if m.Poll != nil {
		w.key("poll")
		w.b = m.Poll.appendJSON(w.b)
	}
	w.strOmit("caption", m.Caption)
	if len(m.CaptionEntities) > 0 {
		w.key("caption_entities")
		w.b = appendEntities(w.b, m.CaptionEntities)
	}
	if len(m.NewChatMembers) > 0 {
		w.key("new_chat_members")
		w.b = append(w.b, '[')
		for i, u := range m.NewChatMembers {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = u.appendJSON(w.b)
		}
		w.b = append(w.b, ']')
	}
	if m.LeftChatMember != nil {
		w.key("left_chat_member")
		w.b = m.LeftChatMember.appendJSON(w.b)
	}
	w.intOmit("migrate_to_chat_id", m.MigrateToChatID)
	w.intOmit("migrate_from_chat_id", m.MigrateFromChatID)
	if len(m.ReplyMarkup) > 0 {
		w.key("reply_markup")
		w.b = append(w.b, m.ReplyMarkup...) // compact: built by replyMarkup.json
	}
	return w.end()
}

func (q wireCallbackQuery) appendJSON(b []byte) []byte {
	w := newJSONObject(b)
	w.str("id", q.ID)
	w.key("from")
	w.b = q.From.appendJSON(w.b)
	if q.Message != nil {
		w.key("message")
		w.b = q.Message.appendJSON(w.b)
	}
	w.str("chat_instance", q.ChatInstance)
	w.strOmit("data", q.Data)
	return w.end()
}
