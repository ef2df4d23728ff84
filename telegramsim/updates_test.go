package telegramsim

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// waitPolling waits until n getUpdates requests have started.
func waitPolling(t *testing.T, s *Sim, n int64) {
	t.Helper()
	err := s.WaitFor(5*time.Second, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.pollGen >= n
	})
	if err != nil {
		t.Fatal(err)
	}
}

// pollAsync runs one getUpdates in the background.
func pollAsync(bot *tgbotapi.BotAPI, cfg tgbotapi.UpdateConfig) <-chan pollResult {
	ch := make(chan pollResult, 1)
	go func() {
		ups, err := bot.GetUpdates(cfg)
		ch <- pollResult{ups, err}
	}()
	return ch
}

type pollResult struct {
	ups []tgbotapi.Update
	err error
}

func TestLongPoll(t *testing.T) {
	s, bot := newSim(t, Options{})
	u := s.NewUser("Lan", "lan", "vi")
	g := s.NewGroup("g")

	start := time.Now()
	res := pollAsync(bot, tgbotapi.UpdateConfig{Timeout: 30})
	waitPolling(t, s, 1)
	sent := u.Send(g, "/units")
	var r pollResult
	select {
	case r = <-res:
	case <-time.After(5 * time.Second):
		t.Fatal("long poll did not return when an update arrived")
	}
	if r.err != nil || len(r.ups) != 1 {
		t.Fatalf("poll = %+v %v", r.ups, r.err)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("long poll took %v", time.Since(start))
	}
	up := r.ups[0]
	if up.Message.Text != "/units" || up.Message.MessageID != sent.ID || up.Message.Chat.ID != g.ID || up.Message.From.ID != u.ID {
		t.Errorf("update = %+v", up.Message)
	}
	// not confirmed yet: returned again
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(ups) != 1 || ups[0].UpdateID != up.UpdateID {
		t.Errorf("unconfirmed poll = %+v %v", ups, err)
	}
	// offset confirms
	ups, err = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: up.UpdateID + 1})
	if err != nil || len(ups) != 0 || s.PendingUpdates() != 0 {
		t.Errorf("after offset: %+v %v pending %d", ups, err, s.PendingUpdates())
	}
	// a timeout with nothing to deliver returns an empty list after the timeout
	start = time.Now()
	ups, err = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: up.UpdateID + 1, Timeout: 1})
	if err != nil || len(ups) != 0 || time.Since(start) < 900*time.Millisecond {
		t.Errorf("empty long poll: %v %v after %v", ups, err, time.Since(start))
	}
	// limit and negative offset
	for i := range 5 {
		u.Send(g, fmt.Sprint(i))
	}
	ups, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: up.UpdateID + 1, Limit: 2})
	if len(ups) != 2 || ups[0].Message.Text != "0" {
		t.Errorf("limit 2 = %d updates", len(ups))
	}
	ups, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: -1})
	if len(ups) != 1 || ups[0].Message.Text != "4" || s.PendingUpdates() != 1 {
		t.Errorf("offset -1 = %+v, pending %d", ups, s.PendingUpdates())
	}
	if st := s.Stats(); st.UpdatesQueued != 6 || st.UpdatesDelivered != 4 {
		t.Errorf("stats = %+v", st)
	}
	// Updates and their bytes by kind: the six messages' bodies, byte for byte.
	var bytes int64
	for id := up.UpdateID; id < up.UpdateID+6; id++ {
		body, ok := s.UpdateJSON(int64(id))
		if !ok {
			t.Fatalf("update %d missing", id)
		}
		bytes += int64(len(body))
	}
	if st := s.Stats(); st.UpdatesByKind["message"] != 6 || st.UpdateBytes["message"] != bytes || len(st.UpdateBytes) != 1 {
		t.Errorf("by kind %v, bytes %v, want 6 messages of %d bytes", st.UpdatesByKind, st.UpdateBytes, bytes)
	}
}

func TestSecondPollerConflict(t *testing.T) {
	s, bot := newSim(t, Options{})
	first := pollAsync(bot, tgbotapi.UpdateConfig{Timeout: 30})
	waitPolling(t, s, 1)
	second := pollAsync(bot, tgbotapi.UpdateConfig{})
	select {
	case r := <-first:
		apiErr(t, r.err, 409, "Conflict: terminated by other getUpdates request")
	case <-time.After(5 * time.Second):
		t.Fatal("first poll not terminated")
	}
	if r := <-second; r.err != nil {
		t.Errorf("second poll: %v", r.err)
	}
}

func TestAllowedUpdates(t *testing.T) {
	s, bot := newSim(t, Options{})
	u := s.NewUser("Lan", "lan", "vi")
	g := s.NewGroup("g")
	m, err := bot.Send(func() tgbotapi.MessageConfig {
		c := tgbotapi.NewMessage(g.ID, "pick")
		c.ReplyMarkup = keyboard([]string{"A", "a"})
		return c
	}())
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := g.Message(m.MessageID)
	u.Send(g, "ignored")
	u.Press(g, msg, "A")
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{AllowedUpdates: []string{"callback_query"}})
	if err != nil || len(ups) != 1 || ups[0].CallbackQuery == nil {
		t.Fatalf("allowed callback_query only: %+v %v", ups, err)
	}
	// the setting sticks when allowed_updates is absent (tgbotapi sends null)
	u.Send(g, "ignored too")
	ups, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: ups[0].UpdateID + 1})
	if len(ups) != 0 {
		t.Errorf("message delivered despite allowed_updates: %+v", ups[0].Message)
	}
	// [] restores the default
	if _, err := bot.MakeRequest("getUpdates", tgbotapi.Params{"allowed_updates": "[]"}); err != nil {
		t.Fatal(err)
	}
	u.Send(g, "seen")
	ups, _ = bot.GetUpdates(tgbotapi.UpdateConfig{})
	if len(ups) != 1 || ups[0].Message.Text != "seen" {
		t.Errorf("after reset: %+v", ups)
	}
}

func TestRedeliverAndDuplicates(t *testing.T) {
	s, bot := newSim(t, Options{Seed: 7})
	u := s.NewUser("Lan", "lan", "vi")
	g := s.NewGroup("g")
	u.Send(g, "một lần")
	ups, _ := bot.GetUpdates(tgbotapi.UpdateConfig{})
	id := ups[0].UpdateID
	if ups, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: id + 1}); len(ups) != 0 {
		t.Fatal("not confirmed")
	}
	if err := s.Redeliver(int64(id)); err != nil {
		t.Fatal(err)
	}
	raw, _ := s.UpdateJSON(int64(id))
	resp, err := bot.MakeRequest("getUpdates", tgbotapi.Params{"offset": fmt.Sprint(id + 1)})
	if err != nil {
		t.Fatal(err)
	}
	var got []json.RawMessage
	_ = json.Unmarshal(resp.Result, &got)
	if len(got) != 1 || string(got[0]) != string(raw) {
		t.Fatalf("redelivered %s, want %s", got, raw)
	}
	if ups, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: id + 1}); len(ups) != 0 {
		t.Errorf("redelivery not confirmed by offset: %d", len(ups))
	}
	if err := s.Redeliver(1); err == nil {
		t.Error("Redeliver of an unknown update succeeded")
	}

	s.SetDuplicateRate(1)
	u.Send(g, "hai lần")
	ups, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: id + 1})
	if len(ups) != 2 || ups[0].UpdateID != ups[1].UpdateID || ups[1].Message.Text != "hai lần" {
		t.Errorf("duplicate = %+v", ups)
	}
	if st := s.Stats(); st.UpdatesDuplicated != 2 {
		t.Errorf("duplicates = %d", st.UpdatesDuplicated)
	}
}

func TestCallbackAnswer(t *testing.T) {
	s, bot := newSim(t, Options{})
	u := s.NewUser("Lan", "lan", "vi")
	g := s.NewGroup("g")
	c := &collector{s: s}
	runBot(t, s, bot, c.add)
	m := tgbotapi.NewMessage(g.ID, "Duyệt?")
	m.ReplyMarkup = keyboard([]string{"Duyệt", "approve:7", "Từ chối", "reject:7"})
	if _, err := bot.Send(m); err != nil {
		t.Fatal(err)
	}
	bm := g.LastBotMessage()
	cb := u.Press(g, bm, "Duyệt")
	if cb.Err != nil {
		t.Fatal(cb.Err)
	}
	ups := c.wait(t, 1)
	q := ups[0].CallbackQuery
	if q == nil || q.ID != cb.ID || q.Data != "approve:7" || q.From.ID != u.ID || q.Message.MessageID != bm.ID || q.Message.Chat.ID != g.ID || q.ChatInstance == "" {
		t.Fatalf("callback update = %+v", q)
	}
	if q.Message.ReplyMarkup == nil || len(q.Message.ReplyMarkup.InlineKeyboard[0]) != 2 {
		t.Errorf("callback message without keyboard")
	}
	if _, ok := cb.Answered(); ok {
		t.Error("answered before the bot did")
	}
	go func() { _, _ = bot.Request(tgbotapi.NewCallbackWithAlert(q.ID, "Đã duyệt")) }()
	ans, err := cb.Answer(5 * time.Second)
	if err != nil || ans.Text != "Đã duyệt" || !ans.ShowAlert || ans.Data != "approve:7" || ans.UserID != u.ID {
		t.Errorf("answer = %+v %v", ans, err)
	}
	_, err = bot.Request(tgbotapi.NewCallback(q.ID, "again"))
	apiErr(t, err, 400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
	if len(s.Answers()) != 1 {
		t.Errorf("answers = %+v", s.Answers())
	}

	// no such button: no update, an error
	bad := u.Press(g, bm, "Không có")
	if want := fmt.Sprintf(`telegramsim: no button "Không có" on message %d in chat %d (buttons: ["Duyệt" "Từ chối" "Duyệt" "Từ chối"])`, bm.ID, g.ID); bad.Err == nil || bad.Err.Error() != want {
		t.Errorf("pressing a missing button: %v, want %s", bad.Err, want)
	}
	if _, err := bad.Answer(time.Second); err == nil {
		t.Error("Answer of a failed press succeeded")
	}
	// forged data goes through
	forged := u.PressData(g, bm, "admin:drop-all")
	ups = c.wait(t, 2)
	if ups[1].CallbackQuery.Data != "admin:drop-all" || forged.Err != nil {
		t.Errorf("forged = %+v", ups[1].CallbackQuery)
	}
	// a stale snapshot's button still presses (old client), after the bot removed it
	if _, err := bot.Send(tgbotapi.NewEditMessageText(g.ID, bm.ID, "Đã xử lý")); err != nil {
		t.Fatal(err)
	}
	stale := u.Press(g, bm, "Từ chối")
	ups = c.wait(t, 3)
	if stale.Err != nil || ups[2].CallbackQuery.Data != "reject:7" || ups[2].CallbackQuery.Message.ReplyMarkup != nil {
		t.Errorf("stale press = %v %+v", stale.Err, ups[2].CallbackQuery)
	}
	// nobody answers: Answer times out
	if _, err := forged.Answer(50 * time.Millisecond); err == nil {
		t.Error("unanswered callback returned an answer")
	}
}

func TestConcurrentPresses(t *testing.T) {
	s, bot := newSim(t, Options{})
	g := s.NewSupergroup("Khối")
	answered := make(chan struct{}, 64) // the bot has its answer's response
	runBot(t, s, bot, func(up tgbotapi.Update) {
		if q := up.CallbackQuery; q != nil {
			if _, err := bot.Request(tgbotapi.NewCallback(q.ID, "ok "+q.From.FirstName)); err != nil {
				t.Errorf("answer: %v", err)
			}
			answered <- struct{}{}
		}
	})
	m := tgbotapi.NewMessage(g.ID, "Điểm danh")
	m.ReplyMarkup = keyboard([]string{"Có mặt", "here"})
	if _, err := bot.Send(m); err != nil {
		t.Fatal(err)
	}
	bm := g.LastBotMessage()
	const n = 30
	users := make([]*User, n)
	for i := range users {
		users[i] = s.NewUser(fmt.Sprintf("U%d", i), "", "vi")
		g.Add(users[i], false)
	}
	var wg sync.WaitGroup
	for _, u := range users {
		wg.Go(func() {
			cb := u.Press(g, bm, "Có mặt")
			ans, err := cb.Answer(10 * time.Second)
			if err != nil || ans.Text != "ok "+u.FirstName {
				t.Errorf("%s: %+v %v", u.FirstName, ans, err)
			}
		})
	}
	wg.Wait()
	if got := len(s.Answers()); got != n {
		t.Errorf("%d answers, want %d", got, n)
	}
	// A press is answered once the simulator has the answer, before the bot has read
	// its response: wait for that too, or the end of the test closes the connection.
	for range n {
		select {
		case <-answered:
		case <-time.After(10 * time.Second):
			t.Fatal("the bot's answers did not complete")
		}
	}
}

func TestMigrate(t *testing.T) {
	s, bot := newSim(t, Options{})
	admin, u := s.NewUser("Lan", "lan", "vi"), s.NewUser("Minh", "", "vi")
	g := s.NewGroup("Khối 3")
	g.Add(admin, true)
	g.Add(u, false)
	c := &collector{s: s}
	runBot(t, s, bot, c.add)

	ng := g.Migrate()
	if ng.Type != "supergroup" || ng.ID > -1000000000000 || ng.Title != g.Title || g.MigratedTo() != ng {
		t.Fatalf("new chat = %+v", ng)
	}
	ups := c.wait(t, 2)
	if m := ups[0].Message; m.Chat.ID != g.ID || m.MigrateToChatID != ng.ID {
		t.Errorf("first update = %+v", m)
	}
	if m := ups[1].Message; m.Chat.ID != ng.ID || m.Chat.Type != "supergroup" || m.MigrateFromChatID != g.ID {
		t.Errorf("second update = %+v", m)
	}
	_, err := bot.Send(tgbotapi.NewMessage(g.ID, "old"))
	te := apiErr(t, err, 400, "Bad Request: group chat was upgraded to a supergroup chat")
	if te.MigrateToChatID != ng.ID {
		t.Errorf("migrate_to_chat_id = %d", te.MigrateToChatID)
	}
	if _, err := bot.Send(tgbotapi.NewMessage(ng.ID, "new")); err != nil {
		t.Error(err)
	}
	admins, err := bot.GetChatAdministrators(tgbotapi.ChatAdministratorsConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: ng.ID}})
	if err != nil || len(admins) != 1 || admins[0].User.ID != admin.ID {
		t.Errorf("admins after migration = %+v %v", admins, err)
	}
	if m := u.Send(g, "vẫn ở nhóm cũ"); m.ChatID != ng.ID {
		t.Errorf("user message went to %d", m.ChatID)
	}
	if ms := ng.Members(); len(ms) != 2 {
		t.Errorf("members carried: %v", ms)
	}
}

func TestWaitBotMessageAndSubscribe(t *testing.T) {
	s, bot := newSim(t, Options{})
	events, cancel := s.Subscribe()
	defer cancel()
	u := s.NewUser("Lan", "lan", "vi")
	g := s.NewGroup("g")
	runBot(t, s, bot, func(up tgbotapi.Update) {
		if m := up.Message; m != nil && m.Text == "/units" {
			r := tgbotapi.NewMessage(m.Chat.ID, "Đang tải…")
			r.ReplyToMessageID = m.MessageID
			sent, err := bot.Send(r)
			if err != nil {
				t.Errorf("send: %v", err)
				return
			}
			if _, err := bot.Send(tgbotapi.NewEditMessageText(m.Chat.ID, sent.MessageID, "3 đơn vị")); err != nil {
				t.Errorf("edit: %v", err)
			}
		}
	})
	sent := u.Send(g, "/units")
	got, err := g.WaitBotMessage(5*time.Second, func(m Message) bool { return m.ReplyTo == sent.ID && m.Text == "3 đơn vị" })
	if err != nil || got.Edits != 1 {
		t.Fatalf("WaitBotMessage = %+v %v", got, err)
	}
	// already there: returns at once
	if _, err := g.WaitBotMessage(time.Millisecond, func(m Message) bool { return m.ID == got.ID }); err != nil {
		t.Errorf("existing message: %v", err)
	}
	if _, err := g.WaitBotMessage(20*time.Millisecond, func(m Message) bool { return m.Text == "never" }); err == nil {
		t.Error("WaitBotMessage matched nothing but returned")
	}
	var kinds []EventKind
	timeout := time.After(5 * time.Second)
	for len(kinds) < 4 {
		select {
		case ev := <-events:
			kinds = append(kinds, ev.Kind)
			if ev.Kind == EventEdit && (ev.Message == nil || ev.Message.Text != "3 đơn vị") {
				t.Errorf("edit event = %+v", ev)
			}
		case <-timeout:
			t.Fatalf("events = %v", kinds)
		}
	}
	if fmt.Sprint(kinds) != "[chat message message edit]" {
		t.Errorf("events = %v", kinds)
	}
	cancel()
	for range events { // closed after cancel
	}
}

func TestPrivacyModeAndUserEdits(t *testing.T) {
	s, bot := newSim(t, Options{PrivacyMode: true})
	if bot.Self.CanReadAllGroupMessages {
		t.Error("privacy mode bot reads all group messages")
	}
	u := s.NewUser("Lan", "lan", "vi")
	g := s.NewGroup("g")
	c := &collector{s: s}
	runBot(t, s, bot, c.add)
	sent, err := bot.Send(tgbotapi.NewMessage(g.ID, "Nhập tên"))
	if err != nil {
		t.Fatal(err)
	}
	bm, _ := g.Message(sent.MessageID)
	u.Send(g, "chuyện phiếm")               // not for the bot
	u.Send(g, "/units@OtherBot")            // another bot's command
	u.Send(g, "/units")                     // general command
	u.Send(g, "hỏi @ThiDuaBot")             // mention
	u.Reply(g, bm, "Phòng Giáo dục")        // reply to the bot
	pm := u.Send(s.PrivateChat(u), "riêng") // private chats are always delivered
	ups := c.wait(t, 4)
	var texts []string
	for _, up := range ups {
		texts = append(texts, up.Message.Text)
	}
	if fmt.Sprint(texts) != "[/units hỏi @ThiDuaBot Phòng Giáo dục riêng]" {
		t.Errorf("delivered = %q", texts)
	}
	if _, err := u.Edit(s.PrivateChat(u), pm, "riêng (sửa)"); err != nil {
		t.Fatal(err)
	}
	ups = c.wait(t, 5)
	if e := ups[4].EditedMessage; e == nil || e.Text != "riêng (sửa)" || e.MessageID != pm.ID || e.EditDate == 0 {
		t.Errorf("edited_message = %+v", ups[4])
	}
	if _, err := u.Edit(g, bm, "x"); err == nil {
		t.Error("a user edited the bot's message")
	}
}
