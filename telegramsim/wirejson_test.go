package telegramsim

import (
	"encoding/json"
	"testing"

	"thiduabot/internal/jsonw"
)

// wireSample is a message with every field set, strings taken from s.
func wireSample(s string, n int64) *wireMessage {
	yes, no := true, false
	u := &wireUser{ID: n, IsBot: n%2 == 0, FirstName: s, LastName: s + "l", Username: s, LanguageCode: "vi",
		CanJoinGroups: &yes, CanReadAllGroupMessages: &no, SupportsInlineQueries: &yes}
	chat := wireChat{ID: -n, Type: "supergroup", Title: s, Username: s, FirstName: s, LastName: s, AllMembersAreAdministrators: &no}
	ents := []Entity{{Type: "bold", Offset: 0, Length: int(n % 7)}, {Type: "text_link", Offset: 1, Length: 2, URL: s, Language: s, CustomEmojiID: s}}
	return &wireMessage{
		MessageID: int(n), From: u, SenderChat: &chat, Date: n * 1000, Chat: chat,
		ReplyToMessage: &wireMessage{MessageID: 1, Date: 2, Chat: wireChat{ID: 3, Type: "private", FirstName: s}, Text: s},
		EditDate:       n, Text: s, Entities: ents,
		Document: &wireDocument{FileID: s, FileUniqueID: s, FileName: s, MimeType: s, FileSize: int(n)},
		Photo:    []wirePhotoSize{{FileID: s, FileUniqueID: s, Width: 90, Height: 90, FileSize: int(n)}, {FileID: s, Width: 1}},
		Poll:     &wirePoll{ID: s, Question: s, Options: []wirePollOption{{Text: s, VoterCount: int(n)}}, IsClosed: true, Type: "quiz"},
		Caption:  s, CaptionEntities: ents,
		NewChatMembers:  []*wireUser{u, nil, {ID: 1}},
		MigrateToChatID: -n, MigrateFromChatID: n,
		ReplyMarkup: json.RawMessage(`{"inline_keyboard":[[{"callback_data":"x","text":"y"}]]}`),
	}
}

// asWireEntities is the entities as encoding/json writes them with the Bot API's names.
func asWireEntities(es []Entity) []wireEntity {
	out := make([]wireEntity, len(es))
	for i, e := range es {
		out[i] = wireEntity{Type: e.Type, Offset: e.Offset, Length: e.Length, URL: e.URL, Language: e.Language, CustomEmojiID: e.CustomEmojiID}
	}
	return out
}

// TestWireJSON compares the hand-written encoder with encoding/json on the wire types.
func TestWireJSON(t *testing.T) {
	strs := []string{"", "plain", `quote " back \ slash`, "ctl \x00\x01\b\f\n\r\t\x1f\x7f", "<b>&amp;</b>", "Tiếng Việt 😀",
		"\u2028\u2029", "bad \xff\xfe utf8 \xed\xa0\x80", "\xef\xbf\xbd", string(rune(0x10FFFF))}
	samples := []any{
		true, false, json.RawMessage(`[{"update_id":1}]`),
		&wireMessage{}, &wireMessage{Poll: &wirePoll{}}, &wireMessage{Poll: &wirePoll{Options: []wirePollOption{}}},
		wireCallbackQuery{}, wireCallbackQuery{ID: "1", From: &wireUser{ID: 2}, Message: &wireMessage{MessageID: 3}, ChatInstance: "4", Data: "d"},
	}
	for i, s := range strs {
		samples = append(samples, wireSample(s, int64(i)-3), wireCallbackQuery{ID: s, From: &wireUser{FirstName: s}, Message: wireSample(s, 9), ChatInstance: s, Data: s})
	}
	for _, s := range strs {
		es := wireSample(s, 1).Entities
		if got, want := string(appendEntities(nil, es)), string(mustJSON(asWireEntities(es))); got != want {
			t.Errorf("appendEntities\n got %s\nwant %s", got, want)
		}
	}
	for _, v := range samples {
		if got, want := string(appendWire(nil, v)), string(mustJSON(v)); got != want {
			t.Errorf("appendWire(%#v)\n got %s\nwant %s", v, got, want)
		}
	}
}

func FuzzWireJSON(f *testing.F) {
	for _, s := range []string{"", "x", "\"\\\x00\u2028", "\xff", "😀"} {
		f.Add(s, int64(1))
	}
	f.Fuzz(func(t *testing.T, s string, n int64) {
		v := wireSample(s, n)
		if got, want := string(appendWire(nil, v)), string(mustJSON(v)); got != want {
			t.Fatalf("appendWire\n got %s\nwant %s", got, want)
		}
		if got, want := string(jsonw.AppendString(nil, s)), string(mustJSON(s)); got != want {
			t.Fatalf("jsonw.AppendString(%q) = %s, want %s", s, got, want)
		}
		ents := v.Entities
		if got, want := string(appendEntities(nil, ents)), string(mustJSON(asWireEntities(ents))); got != want {
			t.Fatalf("appendEntities\n got %s\nwant %s", got, want)
		}
	})
}
