package telegramsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"thiduabot/clock"
)

func TestGetMeAndAuth(t *testing.T) {
	s, bot := newSim(t, Options{BotName: "Thi Đua"})
	if bot.Self.ID != 123 || bot.Self.UserName != "ThiDuaBot" || !bot.Self.IsBot || bot.Self.FirstName != "Thi Đua" {
		t.Errorf("getMe = %+v", bot.Self)
	}
	if !bot.Self.CanJoinGroups || !bot.Self.CanReadAllGroupMessages {
		t.Errorf("getMe flags = %+v", bot.Self)
	}
	_, err := tgbotapi.NewBotAPIWithClient("123:wrong", s.BotEndpoint(), http.DefaultClient)
	apiErr(t, err, 401, "Unauthorized")
	_, err = bot.MakeRequest("sendFoo", nil)
	apiErr(t, err, 404, "Not Found")
	// method names are case-insensitive, as on Telegram
	if _, err := bot.MakeRequest("GETME", nil); err != nil {
		t.Errorf("GETME: %v", err)
	}
}

func TestSendEditDelete(t *testing.T) {
	s, bot := newSim(t, Options{})
	lan := s.NewUser("Lan", "lan_admin", "vi")
	g := s.NewGroup("Khối thi đua Tây Ninh")
	g.Add(lan, true)

	msg := htmlMsg(g.ID, "<b>Xin chào</b> &amp; <i>hi</i>")
	msg.ReplyMarkup = keyboard([]string{"OK", "ok:1", "Hủy", "cancel"})
	sent, err := bot.Send(msg)
	if err != nil {
		t.Fatal(err)
	}
	if sent.Text != "Xin chào & hi" || sent.Chat.ID != g.ID || sent.Chat.Type != "group" || sent.Chat.Title != g.Title || !sent.From.IsBot {
		t.Errorf("sent = %+v", sent)
	}
	if len(sent.Entities) != 2 || sent.Entities[0].Type != "bold" || sent.Entities[0].Length != 8 || sent.Entities[1].Offset != 11 {
		t.Errorf("entities = %+v", sent.Entities)
	}
	if sent.ReplyMarkup == nil || *sent.ReplyMarkup.InlineKeyboard[0][1].CallbackData != "cancel" {
		t.Errorf("reply markup = %+v", sent.ReplyMarkup)
	}
	last := g.LastBotMessage()
	if last.ID != sent.MessageID || last.Text != "Xin chào & hi" || last.HTML != "<b>Xin chào</b> &amp; <i>hi</i>" || !last.FromBot || last.From != nil {
		t.Errorf("stored = %+v", last)
	}
	if b, ok := last.Button("Hủy"); !ok || b.Data != "cancel" {
		t.Errorf("buttons = %+v", last.Buttons)
	}

	// editMessageText without reply_markup drops the keyboard, as Telegram does
	edited, err := bot.Send(tgbotapi.NewEditMessageText(g.ID, sent.MessageID, "Đã cập nhật"))
	if err != nil {
		t.Fatal(err)
	}
	if edited.Text != "Đã cập nhật" || edited.EditDate == 0 || edited.ReplyMarkup != nil {
		t.Errorf("edited = %+v", edited)
	}
	if m, _ := g.Message(sent.MessageID); m.Text != "Đã cập nhật" || m.Edits != 1 || len(m.Buttons) != 0 || m.HTML != "" {
		t.Errorf("after edit = %+v", m)
	}
	_, err = bot.Send(tgbotapi.NewEditMessageText(g.ID, sent.MessageID, "Đã cập nhật"))
	apiErr(t, err, 400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	// same text, now with formatting: modified
	e := tgbotapi.NewEditMessageText(g.ID, sent.MessageID, "<b>Đã cập nhật</b>")
	e.ParseMode = tgbotapi.ModeHTML
	if _, err := bot.Send(e); err != nil {
		t.Errorf("edit with entities: %v", err)
	}
	kb := keyboard([]string{"Lại", "again"})
	if _, err := bot.Send(tgbotapi.NewEditMessageReplyMarkup(g.ID, sent.MessageID, kb)); err != nil {
		t.Fatal(err)
	}
	_, err = bot.Send(tgbotapi.NewEditMessageReplyMarkup(g.ID, sent.MessageID, kb))
	apiErr(t, err, 400, "Bad Request: message is not modified")
	if m, _ := g.Message(sent.MessageID); len(m.Buttons) != 1 || m.Buttons[0][0] != (Button{Text: "Lại", Data: "again"}) || m.Edits != 3 {
		t.Errorf("after markup edit = %+v", m)
	}

	// users' messages cannot be edited by the bot
	um := lan.Send(g, "của tôi")
	_, err = bot.Send(tgbotapi.NewEditMessageText(g.ID, um.ID, "x"))
	apiErr(t, err, 400, "Bad Request: message can't be edited")

	if _, err := bot.Request(tgbotapi.NewDeleteMessage(g.ID, sent.MessageID)); err != nil {
		t.Fatal(err)
	}
	if _, ok := g.Message(sent.MessageID); ok {
		t.Error("deleted message still there")
	}
	for _, m := range g.Messages() {
		if m.ID == sent.MessageID {
			t.Error("deleted message in Messages()")
		}
	}
	_, err = bot.Send(tgbotapi.NewEditMessageText(g.ID, sent.MessageID, "x"))
	apiErr(t, err, 400, "Bad Request: message to edit not found")
	_, err = bot.Request(tgbotapi.NewDeleteMessage(g.ID, sent.MessageID))
	apiErr(t, err, 400, "Bad Request: message to delete not found")
	_, err = bot.Send(tgbotapi.NewMessage(-999, "x"))
	apiErr(t, err, 400, "Bad Request: chat not found")

	calls := s.Calls("editMessageText")
	if len(calls) != 5 || calls[0].ChatID != g.ID || calls[0].MessageID != sent.MessageID || !calls[0].OK || calls[1].OK || calls[1].ErrorCode != 400 {
		t.Errorf("calls = %+v", calls)
	}
	st := s.Stats()
	if st.Requests["sendMessage"] != 2 || st.Errors["editMessageText"] != 3 {
		t.Errorf("stats = %+v", st)
	}
}

func TestHTMLValidationOverAPI(t *testing.T) {
	s, bot := newSim(t, Options{})
	g := s.NewGroup("g")
	accept := map[string]string{
		"<b>b</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <ins>n</ins> <s>s</s> <strike>k</strike> <del>d</del>": "b s i e u n s k d",
		`<span class="tg-spoiler">x</span> <tg-spoiler>y</tg-spoiler> <a href="https://t.me">t</a>`:                      "x y t",
		`<code>a &lt; b</code> <pre><code class="language-python">print(1)</code></pre>`:                                 "a < b print(1)",
		`<blockquote expandable>q</blockquote>&quot;&#39;&#x27;`:                                                         `q"''`,
	}
	for in, want := range accept {
		m, err := bot.Send(htmlMsg(g.ID, in))
		if err != nil {
			t.Errorf("%q rejected: %v", in, err)
			continue
		}
		if m.Text != want {
			t.Errorf("%q → %q, want %q", in, m.Text, want)
		}
	}
	reject := map[string]string{
		"1 < 2":        `Bad Request: can't parse entities: Unsupported start tag "" at byte offset 2`,
		"<div>x</div>": `Bad Request: can't parse entities: Unsupported start tag "div" at byte offset 0`,
		"<b>x":         `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`,
		"<b>x</i>":     `Bad Request: can't parse entities: Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`,
		"a&nbsp;b":     `Bad Request: can't parse entities: Unsupported HTML entity "&nbsp;" at byte offset 1`,
	}
	for in, want := range reject {
		_, err := bot.Send(htmlMsg(g.ID, in))
		apiErr(t, err, 400, want)
	}
	if n := len(g.Messages()); n != len(accept) {
		t.Errorf("%d messages stored, want %d", n, len(accept))
	}
	// without parse_mode the same text is fine
	if m, err := bot.Send(tgbotapi.NewMessage(g.ID, "1 < 2 &nbsp;")); err != nil || m.Text != "1 < 2 &nbsp;" {
		t.Errorf("plain: %q %v", m.Text, err)
	}
	// unsupported parse mode
	bad := tgbotapi.NewMessage(g.ID, "x")
	bad.ParseMode = "XML"
	_, err := bot.Send(bad)
	apiErr(t, err, 400, "Bad Request: unsupported parse_mode")

	lenient, lbot := newSim(t, Options{LenientHTMLEntities: true})
	lg := lenient.NewGroup("g")
	if m, err := lbot.Send(htmlMsg(lg.ID, "a&nbsp;b")); err != nil || m.Text != "a&nbsp;b" {
		t.Errorf("lenient: %q %v", m.Text, err)
	}
}

func TestTextLengthUTF16(t *testing.T) {
	s, bot := newSim(t, Options{})
	g := s.NewGroup("g")
	ok := []tgbotapi.MessageConfig{
		tgbotapi.NewMessage(g.ID, strings.Repeat("a", 4096)),
		tgbotapi.NewMessage(g.ID, strings.Repeat("😀", 2048)), // 4096 UTF-16 units
		tgbotapi.NewMessage(g.ID, strings.Repeat("ệ", 4096)), // 12288 bytes, 4096 units
		htmlMsg(g.ID, "<b>"+strings.Repeat("&lt;", 4096)+"</b>"),
		tgbotapi.NewMessage(g.ID, "  "+strings.Repeat("a", 4096)+"\n\n"), // trimmed first
	}
	for i, m := range ok {
		if _, err := bot.Send(m); err != nil {
			t.Errorf("ok[%d]: %v", i, err)
		}
	}
	if got := g.LastBotMessage().Text; got != strings.Repeat("a", 4096) {
		t.Errorf("not trimmed: %d bytes", len(got))
	}
	tooLong := []tgbotapi.MessageConfig{
		tgbotapi.NewMessage(g.ID, strings.Repeat("a", 4097)),
		tgbotapi.NewMessage(g.ID, strings.Repeat("😀", 2048)+"a"),
		htmlMsg(g.ID, strings.Repeat("&lt;", 4097)),
	}
	for _, m := range tooLong {
		_, err := bot.Send(m)
		apiErr(t, err, 400, "Bad Request: message is too long")
	}
	for _, m := range []tgbotapi.MessageConfig{tgbotapi.NewMessage(g.ID, ""), tgbotapi.NewMessage(g.ID, " \n "), htmlMsg(g.ID, "<b></b>")} {
		_, err := bot.Send(m)
		apiErr(t, err, 400, "Bad Request: message text is empty")
	}
}

func TestCallbackDataLimit(t *testing.T) {
	s, bot := newSim(t, Options{})
	g := s.NewGroup("g")
	send := func(data string) error {
		m := tgbotapi.NewMessage(g.ID, "x")
		m.ReplyMarkup = keyboard([]string{"b", data})
		_, err := bot.Send(m)
		return err
	}
	for _, data := range []string{"x", strings.Repeat("x", 64), strings.Repeat("ệ", 21)} {
		if err := send(data); err != nil {
			t.Errorf("%d bytes rejected: %v", len(data), err)
		}
	}
	for _, data := range []string{"", strings.Repeat("x", 65), strings.Repeat("ệ", 22)} {
		apiErr(t, send(data), 400, "Bad Request: BUTTON_DATA_INVALID")
	}
	_, err := bot.MakeRequest("sendMessage", tgbotapi.Params{"chat_id": fmt.Sprint(g.ID), "text": "x", "reply_markup": `{"inline_keyboard":[[{"text":"a"}]]}`})
	apiErr(t, err, 400, "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
	_, err = bot.MakeRequest("sendMessage", tgbotapi.Params{"chat_id": fmt.Sprint(g.ID), "text": "x", "reply_markup": `{"inline_keyboard":`})
	apiErr(t, err, 400, "Bad Request: can't parse reply keyboard markup JSON object")
	m := tgbotapi.NewMessage(g.ID, "x")
	m.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonURL("site", "https://example.vn")))
	if _, err := bot.Send(m); err != nil {
		t.Errorf("url button: %v", err)
	}
	if b, _ := g.LastBotMessage().Button("site"); b.URL != "https://example.vn" {
		t.Errorf("url button stored as %+v", b)
	}
}

func TestRequestEncodings(t *testing.T) {
	s, _ := newSim(t, Options{})
	g := s.NewGroup("g")
	base := s.URL() + "/bot" + testToken + "/"
	decode := func(resp *http.Response, err error) map[string]any {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	// JSON body with a nested object and a numeric chat_id
	body := fmt.Sprintf(`{"chat_id":%d,"text":"<i>json</i>","parse_mode":"HTML","reply_markup":{"inline_keyboard":[[{"text":"a","callback_data":"b"}]]}}`, g.ID)
	out := decode(http.Post(base+"sendMessage", "application/json", strings.NewReader(body)))
	if out["ok"] != true {
		t.Fatalf("json: %v", out)
	}
	if last := g.LastBotMessage(); last.Text != "json" || len(last.Buttons) != 1 {
		t.Errorf("json message = %+v", last)
	}
	// GET with a query string
	out = decode(http.Get(base + "sendMessage?" + url.Values{"chat_id": {fmt.Sprint(g.ID)}, "text": {"get"}}.Encode()))
	if out["ok"] != true || g.LastBotMessage().Text != "get" {
		t.Errorf("get: %v", out)
	}
	// error shape
	out = decode(http.Post(base+"sendMessage", "application/json", strings.NewReader(`{"chat_id":1,"text":"x"}`)))
	if out["ok"] != false || out["error_code"] != float64(400) || out["description"] != "Bad Request: chat not found" {
		t.Errorf("error shape: %v", out)
	}
	resp, err := http.Get(s.URL() + "/botWRONG/getMe")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("wrong token status %d", resp.StatusCode)
	}
	// the handler works when mounted under a prefix
	mux := http.NewServeMux()
	mux.Handle("/tg/", s.Handler())
	req, _ := http.NewRequest("GET", "/tg/bot"+testToken+"/getMe", nil)
	rec := &recorder{header: http.Header{}}
	mux.ServeHTTP(rec, req)
	if rec.code != 200 || !bytes.Contains(rec.body.Bytes(), []byte(`"username":"ThiDuaBot"`)) {
		t.Errorf("mounted handler: %d %s", rec.code, rec.body.String())
	}
}

type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(code int)        { r.code = code }

func TestReplyAndForceReply(t *testing.T) {
	fake := clock.NewFake(time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC))
	s, bot := newSim(t, Options{Clock: fake})
	u := s.NewUser("Minh", "", "vi")
	g := s.NewGroup("g")
	g.Add(u, false)
	c := &collector{s: s}
	runBot(t, s, bot, c.add)

	ask := tgbotapi.NewMessage(g.ID, "Nhập tên đơn vị")
	ask.ReplyMarkup = tgbotapi.ForceReply{ForceReply: true, InputFieldPlaceholder: "Tên đơn vị", Selective: true}
	sent, err := bot.Send(ask)
	if err != nil {
		t.Fatal(err)
	}
	bm := g.LastBotMessage()
	if !bm.ForceReply || bm.Placeholder != "Tên đơn vị" || !bm.Selective || !bm.Date.Equal(fake.Now()) {
		t.Errorf("force reply message = %+v", bm)
	}
	fake.Advance(time.Minute)
	r := u.Reply(g, bm, "Phòng GD")
	ups := c.wait(t, 1)
	m := ups[0].Message
	if m == nil || m.ReplyToMessage == nil || m.ReplyToMessage.MessageID != sent.MessageID || !m.ReplyToMessage.From.IsBot || m.Text != "Phòng GD" {
		t.Fatalf("reply update = %+v", m)
	}
	if int64(m.Date) != fake.Now().Unix() || m.From.ID != u.ID || m.From.LanguageCode != "vi" || m.From.UserName != "" {
		t.Errorf("reply from/date = %+v %d", m.From, m.Date)
	}
	if r.ReplyTo != sent.MessageID || r.From != u {
		t.Errorf("reply snapshot = %+v", r)
	}

	// bot replies: reply_to_message_id, reply_parameters, missing target
	rep := tgbotapi.NewMessage(g.ID, "Đã nhận")
	rep.ReplyToMessageID = r.ID
	got, err := bot.Send(rep)
	if err != nil || got.ReplyToMessage == nil || got.ReplyToMessage.MessageID != r.ID {
		t.Errorf("bot reply: %+v %v", got.ReplyToMessage, err)
	}
	if _, err := bot.MakeRequest("sendMessage", tgbotapi.Params{"chat_id": fmt.Sprint(g.ID), "text": "x", "reply_parameters": fmt.Sprintf(`{"message_id":%d}`, r.ID)}); err != nil {
		t.Errorf("reply_parameters: %v", err)
	}
	if g.LastBotMessage().ReplyTo != r.ID {
		t.Errorf("reply_parameters not applied")
	}
	rep.ReplyToMessageID = 9999
	_, err = bot.Send(rep)
	apiErr(t, err, 400, "Bad Request: message to be replied not found")
	rep.AllowSendingWithoutReply = true
	if _, err := bot.Send(rep); err != nil {
		t.Errorf("allow_sending_without_reply: %v", err)
	}
}

func TestUserEntitiesAndAnonymousAdmin(t *testing.T) {
	s, bot := newSim(t, Options{})
	u := s.NewUser("Lan", "lan_admin", "vi")
	g := s.NewSupergroup("Khối")
	if g.ID > -1000000000000 || g.Type != "supergroup" {
		t.Errorf("supergroup id %d", g.ID)
	}
	c := &collector{s: s}
	runBot(t, s, bot, c.add)
	u.Send(g, "/units@ThiDuaBot tuần này #thiđua @lan_admin")
	g.SendAsChat("/setup Khối 1")
	ups := c.wait(t, 2)
	m := ups[0].Message
	if !m.IsCommand() || m.Command() != "units" || m.CommandWithAt() != "units@ThiDuaBot" || m.CommandArguments() != "tuần này #thiđua @lan_admin" {
		t.Errorf("command parsing: %q %q %q", m.Command(), m.CommandWithAt(), m.CommandArguments())
	}
	var types []string
	for _, e := range m.Entities {
		types = append(types, e.Type)
	}
	if strings.Join(types, ",") != "bot_command,hashtag,mention" {
		t.Errorf("entities = %+v", m.Entities)
	}
	a := ups[1].Message
	if a.From.ID != GroupAnonymousBotID || a.From.UserName != "GroupAnonymousBot" || !a.From.IsBot || a.SenderChat == nil || a.SenderChat.ID != g.ID || a.Command() != "setup" {
		t.Errorf("anonymous admin message = %+v from %+v", a, a.From)
	}
	if snap := g.Messages()[1]; snap.SenderChat != g.ID || snap.From.ID != GroupAnonymousBotID {
		t.Errorf("anonymous snapshot = %+v", snap)
	}
	// Sending made u a member
	if ms := g.Members(); len(ms) != 1 || ms[0] != u {
		t.Errorf("members = %v", ms)
	}
}

func TestChatMembersAndInfo(t *testing.T) {
	s, bot := newSim(t, Options{})
	owner, admin, member, outsider := s.NewUser("A", "a_user", "vi"), s.NewUser("B", "", "en"), s.NewUser("C", "c_user", ""), s.NewUser("D", "", "")
	g := s.NewGroup("Nhóm")
	g.Add(owner, true)
	g.Add(admin, true)
	g.Add(member, false)
	status := func(u int64) string {
		m, err := bot.GetChatMember(tgbotapi.GetChatMemberConfig{ChatConfigWithUser: tgbotapi.ChatConfigWithUser{ChatID: g.ID, UserID: u}})
		if err != nil {
			t.Fatalf("getChatMember(%d): %v", u, err)
		}
		return m.Status
	}
	for u, want := range map[int64]string{owner.ID: "creator", admin.ID: "administrator", member.ID: "member", outsider.ID: "left", bot.Self.ID: "member"} {
		if got := status(u); got != want {
			t.Errorf("status(%d) = %s, want %s", u, got, want)
		}
	}
	admins, err := bot.GetChatAdministrators(tgbotapi.ChatAdministratorsConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: g.ID}})
	if err != nil || len(admins) != 2 || admins[0].User.ID != owner.ID || admins[1].User.ID != admin.ID || !admins[1].CanDeleteMessages {
		t.Errorf("admins = %+v %v", admins, err)
	}
	_, err = bot.GetChatMember(tgbotapi.GetChatMemberConfig{ChatConfigWithUser: tgbotapi.ChatConfigWithUser{ChatID: g.ID, UserID: 42}})
	apiErr(t, err, 400, "Bad Request: user not found")
	chat, err := bot.GetChat(tgbotapi.ChatInfoConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: g.ID}})
	if err != nil || chat.Title != "Nhóm" || chat.Type != "group" {
		t.Errorf("getChat = %+v %v", chat, err)
	}
	n, err := bot.GetChatMembersCount(tgbotapi.ChatMemberCountConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: g.ID}})
	if err != nil || n != 4 {
		t.Errorf("member count = %d %v", n, err)
	}
	pc := s.PrivateChat(member)
	if pc.ID != member.ID || pc.Type != "private" {
		t.Errorf("private chat = %+v", pc)
	}
	_, err = bot.GetChatAdministrators(tgbotapi.ChatAdministratorsConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: pc.ID}})
	apiErr(t, err, 400, "Bad Request: there are no administrators in the private chat")
	chat, err = bot.GetChat(tgbotapi.ChatInfoConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: pc.ID}})
	if err != nil || chat.UserName != "c_user" || chat.Type != "private" {
		t.Errorf("private getChat = %+v %v", chat, err)
	}
	if _, err := bot.Request(tgbotapi.LeaveChatConfig{ChatID: g.ID}); err != nil {
		t.Fatal(err)
	}
	_, err = bot.Send(tgbotapi.NewMessage(g.ID, "x"))
	apiErr(t, err, 403, "Forbidden: bot is not a member of the group chat")
}

func TestPrivateChatRules(t *testing.T) {
	s, bot := newSim(t, Options{})
	u := s.NewUser("Hoa", "hoa", "vi")
	_, err := bot.Send(tgbotapi.NewMessage(u.ID, "hi"))
	apiErr(t, err, 403, "Forbidden: bot can't initiate conversation with a user")
	pc := s.PrivateChat(u)
	if _, err := bot.Send(tgbotapi.NewMessage(u.ID, "hi")); err != nil {
		t.Fatal(err)
	}
	c := &collector{s: s}
	runBot(t, s, bot, c.add)
	u.BlockBot()
	_, err = bot.Send(tgbotapi.NewMessage(u.ID, "hi"))
	apiErr(t, err, 403, "Forbidden: bot was blocked by the user")
	u.Send(pc, "/start") // unblocks
	if _, err := bot.Send(tgbotapi.NewMessage(u.ID, "welcome back")); err != nil {
		t.Errorf("after unblock: %v", err)
	}
	ups := c.wait(t, 3)
	if ups[0].MyChatMember == nil || ups[0].MyChatMember.NewChatMember.Status != "kicked" ||
		ups[1].MyChatMember == nil || ups[1].MyChatMember.NewChatMember.Status != "member" ||
		ups[2].Message == nil || ups[2].Message.Chat.Type != "private" || ups[2].Message.Chat.ID != u.ID {
		t.Errorf("updates = %+v %+v %+v", ups[0].MyChatMember, ups[1].MyChatMember, ups[2].Message)
	}

	g := s.NewGroup("g")
	g.RemoveBot(u)
	_, err = bot.Send(tgbotapi.NewMessage(g.ID, "x"))
	apiErr(t, err, 403, "Forbidden: bot was kicked from the group chat")
	u.Send(g, "bot cannot see this")
	g.AddBot(u)
	ups = c.wait(t, 6)
	if ups[3].MyChatMember == nil || ups[3].MyChatMember.NewChatMember.Status != "kicked" || ups[4].MyChatMember == nil ||
		ups[5].Message == nil || len(ups[5].Message.NewChatMembers) != 1 || ups[5].Message.NewChatMembers[0].ID != bot.Self.ID {
		t.Errorf("kick/add updates: %+v %+v %+v", ups[3], ups[4], ups[5])
	}
}

func TestMyCommands(t *testing.T) {
	s, bot := newSim(t, Options{})
	g := s.NewGroup("g")
	def := []tgbotapi.BotCommand{{Command: "start", Description: "Bắt đầu"}}
	grp := []tgbotapi.BotCommand{{Command: "units", Description: "Đơn vị"}, {Command: "setup", Description: "Cài đặt"}}
	if _, err := bot.Request(tgbotapi.NewSetMyCommands(def...)); err != nil {
		t.Fatal(err)
	}
	if _, err := bot.Request(tgbotapi.NewSetMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeChat(g.ID), "vi", grp...)); err != nil {
		t.Fatal(err)
	}
	got, err := bot.GetMyCommands()
	if err != nil || len(got) != 1 || got[0].Command != "start" {
		t.Errorf("default = %+v %v", got, err)
	}
	scope := tgbotapi.NewBotCommandScopeChat(g.ID)
	got, err = bot.GetMyCommandsWithConfig(tgbotapi.GetMyCommandsConfig{Scope: &scope, LanguageCode: "vi"})
	if err != nil || len(got) != 2 || got[1].Command != "setup" {
		t.Errorf("chat vi = %+v %v", got, err)
	}
	got, err = bot.GetMyCommandsWithConfig(tgbotapi.GetMyCommandsConfig{Scope: &scope})
	if err != nil || len(got) != 0 {
		t.Errorf("chat, no language = %+v %v", got, err)
	}
	if cmds := s.Commands(CommandScope{Type: "chat", ChatID: g.ID}, "vi"); len(cmds) != 2 {
		t.Errorf("Commands = %+v", cmds)
	}
	_, err = bot.Request(tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "Bad-Cmd", Description: "x"}))
	apiErr(t, err, 400, "Bad Request: BOT_COMMAND_INVALID")
	if _, err := bot.Request(tgbotapi.NewDeleteMyCommands()); err != nil {
		t.Fatal(err)
	}
	if len(s.Commands(CommandScope{}, "")) != 0 {
		t.Error("default commands not deleted")
	}
}

func TestDocumentsAndPhotos(t *testing.T) {
	s, bot := newSim(t, Options{})
	u := s.NewUser("Lan", "lan", "vi")
	g := s.NewGroup("g")
	data := []byte("PK\x03\x04 fake xlsx \x00\xff bytes")
	doc := tgbotapi.NewDocument(g.ID, tgbotapi.FileBytes{Name: "bao-cao.xlsx", Bytes: data})
	doc.Caption = "<b>Báo cáo</b> tuần"
	doc.ParseMode = tgbotapi.ModeHTML
	sent, err := bot.Send(doc)
	if err != nil {
		t.Fatal(err)
	}
	if sent.Document == nil || sent.Document.FileName != "bao-cao.xlsx" || sent.Document.FileSize != len(data) || sent.Caption != "Báo cáo tuần" || len(sent.CaptionEntities) != 1 {
		t.Fatalf("sent document = %+v caption %q", sent.Document, sent.Caption)
	}
	last := g.LastBotMessage()
	if last.Document == nil || !bytes.Equal(last.Document.Data, data) || last.Text != "Báo cáo tuần" || last.Document.MimeType != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("stored document = %+v", last.Document)
	}
	// resend by file_id
	again, err := bot.Send(tgbotapi.NewDocument(g.ID, tgbotapi.FileID(sent.Document.FileID)))
	if err != nil || again.Document.FileID != sent.Document.FileID {
		t.Errorf("resend by id: %+v %v", again.Document, err)
	}
	_, err = bot.Send(tgbotapi.NewDocument(g.ID, tgbotapi.FileID("nope")))
	apiErr(t, err, 400, "Bad Request: wrong file identifier/HTTP URL specified")
	// getFile + download
	download := func(fileID string) []byte {
		t.Helper()
		f, err := bot.GetFile(tgbotapi.FileConfig{FileID: fileID})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(fmt.Sprintf(s.FileEndpoint(), testToken, f.FilePath))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("download %s: %d", f.FilePath, resp.StatusCode)
		}
		return b
	}
	if got := download(sent.Document.FileID); !bytes.Equal(got, data) {
		t.Errorf("downloaded %q", got)
	}
	// a user's upload reaches the bot, which can fetch it
	c := &collector{s: s}
	runBot(t, s, bot, c.add)
	pdf := []byte("%PDF-1.7 danh sách")
	u.SendDocument(g, "danh-sach.pdf", pdf, "Danh sách #khoi1")
	u.SendPhoto(g, "ảnh")
	ups := c.wait(t, 2)
	m := ups[0].Message
	if m.Document == nil || m.Document.FileName != "danh-sach.pdf" || m.Caption != "Danh sách #khoi1" || len(m.CaptionEntities) != 1 || m.Document.MimeType != "application/pdf" {
		t.Fatalf("user document update = %+v", m)
	}
	if got := download(m.Document.FileID); !bytes.Equal(got, pdf) {
		t.Errorf("downloaded user doc %q", got)
	}
	p := ups[1].Message
	if len(p.Photo) == 0 || p.Caption != "ảnh" {
		t.Fatalf("photo update = %+v", p)
	}
	ph, err := bot.Send(tgbotapi.NewPhoto(g.ID, tgbotapi.FileID(p.Photo[len(p.Photo)-1].FileID)))
	if err != nil || len(ph.Photo) == 0 || !g.LastBotMessage().Photo {
		t.Errorf("sendPhoto by id: %v", err)
	}
	_, err = bot.Send(tgbotapi.NewDocument(g.ID, tgbotapi.FileID(p.Photo[0].FileID)))
	apiErr(t, err, 400, "Bad Request: type of file mismatch")
}

func TestPolls(t *testing.T) {
	s, bot := newSim(t, Options{})
	g := s.NewGroup("g")
	m, err := bot.Send(tgbotapi.NewPoll(g.ID, "Chọn ngày?", "Thứ 2", "Thứ 3"))
	if err != nil || m.Poll == nil || len(m.Poll.Options) != 2 {
		t.Fatalf("sendPoll: %+v %v", m.Poll, err)
	}
	p, err := bot.StopPoll(tgbotapi.NewStopPoll(g.ID, m.MessageID))
	if err != nil || !p.IsClosed {
		t.Errorf("stopPoll: %+v %v", p, err)
	}
	_, err = bot.StopPoll(tgbotapi.NewStopPoll(g.ID, m.MessageID))
	apiErr(t, err, 400, "Bad Request: poll has already been closed")
	_, err = bot.Send(tgbotapi.NewPoll(g.ID, "?", "one"))
	apiErr(t, err, 400, "Bad Request: poll must have at least 2 option")
	if snap := g.LastBotMessage(); snap.Poll == nil || !snap.Poll.Closed {
		t.Errorf("poll snapshot = %+v", snap.Poll)
	}
}

// TestEntitiesOfSentAndEditedHTML pins the entities of an HTML message as the bot's
// answer, the stored message and the event stream show them, after sending and after an
// edit (HTML entities, then those Telegram detects by itself outside code and links).
func TestEntitiesOfSentAndEditedHTML(t *testing.T) {
	s, bot := newSim(t, Options{})
	events, cancel := s.Subscribe()
	defer cancel()
	g := s.NewSupergroup("Khối")
	type ent struct {
		Type           string
		Offset, Length int
		URL            string
	}
	sent := []ent{
		{"bold", 0, 70, ""}, {"italic", 81, 21, ""}, {"code", 108, 5, ""}, {"bold", 128, 3, ""},
		{"text_link", 141, 3, "tg://user?id=7000000001"}, {"text_link", 146, 4, "tg://user?id=7000000002"},
		{"text_link", 153, 2, "tg://user?id=7000000003"}, {"code", 166, 17, ""}, {"bot_command", 207, 6, ""},
	}
	edited := []ent{
		{"italic", 0, 7, ""}, {"bot_command", 14, 17, ""}, {"text_link", 35, 8, "https://t.me/x"},
		{"hashtag", 44, 5, ""}, {"mention", 53, 10, ""},
	}
	check := func(what string, got []Entity, want []ent) {
		t.Helper()
		var g []ent
		for _, e := range got {
			g = append(g, ent{e.Type, e.Offset, e.Length, e.URL})
		}
		if fmt.Sprint(g) != fmt.Sprint(want) {
			t.Errorf("%s entities:\n got %v\nwant %v", what, g, want)
		}
	}
	fromAPI := func(es []tgbotapi.MessageEntity) []Entity {
		var out []Entity
		for _, e := range es {
			out = append(out, Entity{Type: e.Type, Offset: e.Offset, Length: e.Length, URL: e.URL})
		}
		return out
	}
	nextEvent := func(kind EventKind) Message {
		t.Helper()
		for {
			select {
			case ev := <-events:
				if ev.Kind == kind {
					return *ev.Message
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("no %s event", kind)
			}
		}
	}

	// send (or edit) and check the answer, the stored message and the event
	send := func(c tgbotapi.Chattable, kind EventKind, want []ent) tgbotapi.Message {
		t.Helper()
		m, err := bot.Send(c)
		if err != nil {
			t.Fatal(err)
		}
		check(string(kind)+" answer", fromAPI(m.Entities), want)
		check(string(kind)+" stored", g.LastBotMessage().Entities, want)
		check(string(kind)+" event", nextEvent(kind).Entities, want)
		return m
	}

	msg := htmlMsg(g.ID, benchHTML)
	msg.ReplyMarkup = keyboard([]string{"Xem", "view:1"})
	m := send(msg, EventMessage, sent)
	if last := g.LastBotMessage(); last.EntityText(last.Entities[0]) != "🗳 Bầu trưởng khối — Khối thi đua các cơ quan Trung ương tỉnh Tây Ninh" {
		t.Errorf("bold covers %q", last.EntityText(last.Entities[0]))
	}
	html := `<i>Đã đóng</i> — xem /ketqua@ThiDuaBot và <a href="https://t.me/x">#kết_quả</a> #tuần 😀 @lan_admin`
	e := tgbotapi.NewEditMessageText(g.ID, m.MessageID, html)
	e.ParseMode = tgbotapi.ModeHTML
	send(e, EventEdit, edited)
	// the same content again is "not modified", whatever spacing the HTML has
	e.Text = html + "  "
	_, err := bot.Send(e)
	apiErr(t, err, 400, "Bad Request: message is not modified")
}

// TestCallsAcrossChunks checks the call log past its first chunks.
func TestCallsAcrossChunks(t *testing.T) {
	s := New(Options{Token: testToken})
	defer s.Close()
	h := s.Handler()
	const n = 2*logChunk + 10
	for i := range n {
		method := "getMe"
		if i%3 == 0 {
			method = "getMyCommands"
		}
		r, _ := http.NewRequest(http.MethodGet, "/bot"+testToken+"/"+method+"?i="+fmt.Sprint(i), nil)
		h.ServeHTTP(&recorder{header: http.Header{}}, r)
	}
	all := s.Calls("")
	if len(all) != n {
		t.Fatalf("%d calls, want %d", len(all), n)
	}
	for i, c := range all {
		if c.Params["i"] != fmt.Sprint(i) {
			t.Fatalf("call %d has i=%s", i, c.Params["i"])
		}
	}
	cmds := s.Calls("getmycommands")
	if len(cmds) != (n+2)/3 || cmds[len(cmds)-1].Params["i"] != fmt.Sprint((n-1)/3*3) {
		t.Errorf("getMyCommands calls: %d, last %v", len(cmds), cmds[len(cmds)-1].Params)
	}
	if New(Options{}).Calls("") != nil {
		t.Error("no calls: want nil")
	}
}
