package bot

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"thiduabot/telegramsim"
)

// The lean decoding of updates (wire.go) gives the runtime exactly what decoding the whole
// tgbotapi.Update gave: the same normalized update and the same chat, for every kind of update
// the simulator makes (commands with entities and @suffix, captions, photos, documents,
// replies to the bot, anonymous admins, members leaving or removed, group migration, button
// presses, private chats), one at a time and as a getUpdates batch.
func TestLeanDecodingMatchesTheLibrary(t *testing.T) {
	sim := telegramsim.New(telegramsim.Options{Token: "1234:wire", BotUsername: "WireBot"})
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	lan := sim.NewUser("Lan", "lan", "vi")
	minh := sim.NewUser("Minh", "", "en")
	g := sim.NewGroup("Khối thi đua")
	g.Add(lan, true)
	g.Add(minh, false)
	sg := sim.NewSupergroup("Khối <b>2</b>")
	sg.Add(lan, true)

	var ids []int64
	last := func() { ids = append(ids, sim.LastUpdateID()) }
	lan.Send(g, "/baocao@WireBot Đã tổ chức hội thi #hoithi\ndòng hai")
	last()
	m := minh.Send(g, "/thamgia Cục Thuế")
	last()
	lan.Send(g, "plain text, no command")
	last()
	lan.SendPhoto(g, "/baocao ảnh minh chứng")
	last()
	lan.SendDocument(g, "bao-cao.xlsx", []byte("x"), "tệp")
	last()
	lan.Reply(g, m, "trả lời")
	last()
	sg.SendAsChat("/thietlap Khối ẩn danh")
	last()
	lan.Send(sim.PrivateChat(lan), "/start")
	last()
	// A bot message with a button, a reply to it and a press.
	markup := `{"inline_keyboard":[[{"text":"Ký","callback_data":"gu|1|abc"}]]}`
	resp, err := http.PostForm(sim.URL()+"/bot1234:wire/sendMessage", url.Values{"chat_id": {chatIDString(g.ID)}, "text": {"Giao ước"}, "reply_markup": {markup}})
	if err != nil {
		t.Fatal(err)
	}
	var sent struct {
		Result struct {
			MessageID int `json:"message_id"`
		} `json:"result"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&sent)
	resp.Body.Close()
	botMsg, ok := g.Message(sent.Result.MessageID)
	if !ok {
		t.Fatal("bot message not found")
	}
	minh.Reply(g, botMsg, "/kyket")
	last()
	if cb := minh.Press(g, botMsg, "Ký"); cb.Err != nil {
		t.Fatal(cb.Err)
	}
	last()
	// Leaving, and being removed by an admin: left_chat_member service messages.
	stranger := sim.NewUser("Hạnh", "hanh", "vi")
	sg.Add(minh, false)
	sg.Add(stranger, false)
	sg.Leave(minh, nil)
	last()
	leftID := ids[len(ids)-1]
	sg.Leave(stranger, lan)
	last()
	removedID := ids[len(ids)-1]
	// Where the bot is an administrator and asks for them: chat_member updates too.
	ask, err := http.PostForm(sim.URL()+"/bot1234:wire/getUpdates", url.Values{"timeout": {"0"},
		"allowed_updates": {`["message","callback_query","my_chat_member","chat_member"]`}})
	if err != nil {
		t.Fatal(err)
	}
	ask.Body.Close()
	sg.PromoteBot(lan)
	kicked := sim.NewUser("Phúc", "phuc", "vi")
	sg.Add(kicked, false)
	sg.Leave(kicked, lan)
	ids = append(ids, sim.LastUpdateID()-1) // the service message
	last()                                  // the chat_member update
	memberID := ids[len(ids)-1]
	g.Migrate()
	ids = append(ids, sim.LastUpdateID()-1)
	last()

	var bodies []json.RawMessage
	for _, id := range ids {
		body, ok := sim.UpdateJSON(id)
		if !ok {
			t.Fatalf("no update %d", id)
		}
		bodies = append(bodies, body)
		var full tgbotapi.Update
		if err := json.Unmarshal(body, &full); err != nil {
			t.Fatal(err)
		}
		lean, err := DecodeUpdate(body)
		if err != nil {
			t.Fatal(err)
		}
		a, okA := normalize(&full, sim.Bot().ID)
		b, okB := normalize(lean, sim.Bot().ID)
		if okA != okB || !reflect.DeepEqual(a, b) {
			t.Errorf("update %s:\nlibrary %+v %v\nlean    %+v %v", body, a, okA, b, okB)
		}
		if id == leftID && (b.Left == nil || b.Left.ID != minh.ID || b.From.ID != minh.ID) {
			t.Errorf("a member leaving: Left %+v, From %+v", b.Left, b.From)
		}
		if id == removedID && (b.Left == nil || b.Left.ID != stranger.ID || b.From.ID != lan.ID) {
			t.Errorf("a member removed: Left %+v, From %+v", b.Left, b.From)
		}
		if id == memberID && (!okB || b.Left == nil || b.Left.ID != kicked.ID || b.From.ID != lan.ID || b.ChatID != sg.ID) {
			t.Errorf("a chat_member update of a removal: %+v %v", b, okB)
		}
		if chatOf(&full) != chatOf(lean) {
			t.Errorf("update %s: chat %d, lean %d", body, chatOf(&full), chatOf(lean))
		}
	}
	batch, _ := json.Marshal(bodies)
	ups, err := decodeUpdates(batch)
	if err != nil || len(ups) != len(ids) {
		t.Fatalf("batch: %d updates, %v", len(ups), err)
	}
	for i := range ups {
		lean, _ := DecodeUpdate(bodies[i])
		a, _ := normalize(&ups[i], 1)
		b, _ := normalize(lean, 1)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("batch update %d differs", i)
		}
	}
}

func chatIDString(n int64) string { b, _ := json.Marshal(n); return string(b) }
