package telegramsim

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"thiduabot/clock"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden_api.txt from the current simulator")

// TestGoldenAPI pins what the simulator answers and records, byte for byte, for a wide
// set of requests (encodings, HTML, entities, reply markups, edits, callback answers and
// their errors): the HTTP answers, the stored messages (as tests read them), the updates
// the bot receives, the recorded calls, answers and events. The simulator is made cheaper
// per call without changing any of it; run with -update-golden only for a deliberate
// change of behaviour.
func TestGoldenAPI(t *testing.T) {
	got := goldenRun(t)
	const path = "testdata/golden_api.txt"
	if *updateGolden {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-golden to create it)", err)
	}
	if got == string(want) {
		return
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s", path, i+1, g, w)
		}
	}
}

// goldenForm is a form body with its pairs in the given order (duplicates allowed).
func goldenForm(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv[i]) + "=" + url.QueryEscape(kv[i+1]))
	}
	return b.String()
}

func goldenRun(t *testing.T) string {
	clk := clock.NewFake(time.Date(2025, 3, 15, 9, 0, 0, 0, time.UTC))
	s := New(Options{Token: testToken, BotUsername: "ThiDuaBot", Clock: clk, Seed: 7})
	defer s.Close()
	events, cancel := s.Subscribe()
	var out strings.Builder
	h := s.Handler()

	lan := s.NewUser("Lan", "lan_admin", "vi")
	minh := s.NewUser("Minh", "", "en")
	g := s.NewSupergroup("Khối thi đua <Tây Ninh> & \"bạn\"")
	g.Add(lan, true)
	g.Add(minh, false)
	s.PrivateChat(minh)
	gid := strconv.FormatInt(g.ID, 10)
	first := lan.Send(g, "/baucu@ThiDuaBot truong 2h #thiđua @minh_x https://x.vn/a?b=1.")

	n := 0
	do := func(method, ctype, path, body string) {
		n++
		verb := http.MethodPost
		if ctype == "GET" {
			verb, ctype = http.MethodGet, ""
		}
		target := "/bot" + testToken + "/" + method
		if path != "" {
			target = path
		}
		r, err := http.NewRequest(verb, target, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		rec := &recorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		fmt.Fprintf(&out, "#%d %s %s %q\n  -> %d %q %s\n", n, verb, target, body, rec.code, rec.header, rec.body.String())
		clk.Advance(time.Second)
	}
	const formCT = "application/x-www-form-urlencoded"
	send := func(kv ...string) { do("sendMessage", formCT, "", goldenForm(kv...)) }

	// transports and parameter parsing
	send("chat_id", gid, "text", "plain form")
	do("sendMessage", formCT+"; charset=utf-8", "", goldenForm("chat_id", gid, "text", "form with charset"))
	do("sendMessage", formCT, "", "chat_id="+gid+"&text=a+b%20c%2Bd&text=second&&=x&novalue&parse_mode=")
	do("sendMessage", formCT, "", "chat_id="+gid+"&text=bad%zzescape")
	do("sendMessage", formCT, "", "chat_id="+gid+"&text=semi;colon")
	do("sendMessage", formCT, "", "chat_id="+gid+"&text=%FF%FEinvalid")
	do("sendMessage", formCT, "/bot"+testToken+"/sendMessage?text=from+query&chat_id="+gid, "text=from+body")
	do("sendMessage", formCT, "/bot"+testToken+"/sendMessage?text=%zz&chat_id="+gid, "text=body")
	do("sendMessage", "GET", "/bot"+testToken+"/sendMessage?chat_id="+gid+"&text=via+get", "")
	do("sendMessage", "text/plain", "/bot"+testToken+"/sendMessage?chat_id="+gid+"&text=plain+ctype", "text=ignored")
	do("sendMessage", "", "/bot"+testToken+"/sendMessage?chat_id="+gid+"&text=no+ctype", "text=ignored")
	do("sendMessage", "application/json", "", `{"chat_id":`+gid+`,"text":"json \u0026 <b>","parse_mode":"HTML","reply_markup":{"inline_keyboard":[[{"text":"j","callback_data":"j"}]]},"x":null}`)
	do("sendMessage", "application/json", "", `{"chat_id":`+gid+`,"text":"<b>json</b>","parse_mode":"HTML","reply_markup":"{\"inline_keyboard\":[[{\"text\":\"s\",\"callback_data\":\"s\"}]]}"}`)
	do("sendMessage", "application/json", "", `{"chat_id":`+gid+`,"text":`)
	do("sendMessage", "application/json", "", `  `)
	do("SENDMESSAGE", formCT, "", goldenForm("chat_id", gid, "text", "upper-case method"))
	do("sendmessage", formCT, "", goldenForm("chat_id", gid, "text", "lower-case method"))
	do("sendFoo", formCT, "", goldenForm("chat_id", gid, "text", "x"))
	do("sendMessage", formCT, "/botWRONG/sendMessage", goldenForm("chat_id", gid, "text", "x"))
	do("", formCT, "/bot"+testToken+"/", "")
	do("getMe", "GET", "", "")
	send("chat_id", "12345", "text", "no such chat")
	send("chat_id", strconv.FormatInt(lan.ID, 10), "text", "never opened")
	send("chat_id", "abc", "text", "x")
	send("chat_id", " "+gid+" ", "text", "spaces around the id")
	send("text", "no chat")
	send("chat_id", strconv.FormatInt(minh.ID, 10), "text", "private <b>hi</b>", "parse_mode", "html")

	// texts
	for _, text := range []string{
		benchHTML,
		"<b>Xin chào</b> &amp; <i>hi</i>",
		`<strong>a</strong><em>b</em><u>c</u><ins>d</ins><s>e</s><strike>f</strike><del>g</del>`,
		`<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>`,
		`<a href="https://example.com/?a=1&amp;b=2">link</a> <a href='tg://user?id=1'>u</a> <a href="">none</a> <a href=HTTP://X.Y>tok</a>`,
		"<code>x &lt; y /cmd @name #tag https://a.b</code> /cmd @name #tag https://a.b",
		`<pre><code class="language-go">fmt.Println()</code></pre><pre>raw</pre><code class="language-x">c</code>`,
		`<blockquote>q</blockquote><blockquote expandable>e</blockquote>`,
		`<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> @inside`,
		"&lt;&gt;&amp;&quot;&#65;&#x42;&#x1F600;&lt without semicolon A & B, AT&T &#0; &#xD800;",
		"<B>upper</B><b>x</><b>outer <i>both</i></b><b></b>empty 😀<b>x</b>",
		"  \n <b> trimmed </b> \n\t",
		"<b>   </b>",
		"<a href=\"https://t.me/x\">/start@ThiDuaBot</a> /start@ThiDuaBot /help@x /a/b x/y /_ok /toolong" + strings.Repeat("x", 70),
		"mail a@b @ab @abc @" + strings.Repeat("m", 33) + " #1 #1a #" + strings.Repeat("h", 257) + " ##x #x#y",
		"http://a.vn https://b.vn/x?y=(1)... xhttp://c.vn ftp://d.vn https:// http://e.vn/@name#tag 😀https://f.vn",
		"Hạn chót: 17:00 — 😀😀 /đ @đđđ #đ",
		"1 < 2", "<div>x</div>", "<b>x", "<b>x</i>", "x</b>", "<b", "<b>x</b", `<a href="x>y</a>`,
		"<span>x</span>", `<span class="other">x</span>`, "caf&eacute;", "a&nbsp;b", `<tg-emoji>x</tg-emoji>`,
		`<a =x>y</a>`, `<a href=x"y>z</a>`, `<b class="a"x>y</b>`, "<b>\xff</b>",
		strings.Repeat("é", 4096), strings.Repeat("😀", 2049), strings.Repeat("<b>a</b>", 4096), strings.Repeat("a", 4097),
	} {
		send("chat_id", gid, "text", text, "parse_mode", "HTML")
	}
	send("chat_id", gid, "text", "no parse mode <b>x</b> /cmd")
	send("chat_id", gid, "text", "*markdown* /cmd", "parse_mode", "MarkdownV2")
	send("chat_id", gid, "text", "x", "parse_mode", "bbcode")
	send("chat_id", gid, "text", "entities 😀 here /cmd", "entities", `[{"type":"bold","offset":0,"length":8},{"type":"italic","offset":9,"length":2},{"type":"x","offset":40,"length":2},{"type":"","offset":0,"length":1},{"type":"text_link","offset":12,"length":4,"url":"https://u"}]`)
	send("chat_id", gid, "text", "entities", "entities", `{bad`)
	send("chat_id", gid, "text", "entities", "entities", `null`)
	send("chat_id", gid, "text", "")
	send("chat_id", gid, "text", " \n ")
	send("chat_id", gid, "text", "\xff")

	// reply markups
	kb := func(buttons string) string { return `{"inline_keyboard":[[` + buttons + `]]}` }
	for _, mk := range []string{
		benchMarkup(0),
		kb(`{"text":"a","callback_data":"b"}`),
		`{ "inline_keyboard" : [ [ { "text" : "a" , "callback_data" : "b" } , {"text":"c","callback_data":"d"} ] , [ ] , [{"text":"e","callback_data":"f"}] ] }`,
		kb(`{"text":"Q\u0026A \"x\" \\ \/ \n\t\u00e9\ud83d\ude00","callback_data":"d\/1"}`),
		kb(`{"text":"line sep \u2028 and raw ` + "\u2028\u2029" + `","callback_data":"x"}`),
		kb(`{"text":"bad \ud800 surrogate","callback_data":"x"}`),
		kb(`{"text":"site","url":"https://example.com"},{"text":"ftp","url":"ftp://x"}`),
		kb(`{"text":"site","url":"https://example.com/a b"}`),
		kb(`{"text":"tg","url":"tg://user?id=1"},{"text":"nohost","url":"https://"}`),
		kb(`{"text":"n","url":null,"callback_data":"b","pay":false,"callback_game":null}`),
		kb(`{"text":"l","login_url":{ "url" : "https://x.y" }},{"text":"g","callback_game":{}},{"text":"w","web_app":{"url":"https://w"}}`),
		kb(`{"text":"c","copy_text":{"text":"x"}},{"text":"s","switch_inline_query":""},{"text":"t","switch_inline_query_current_chat":"q"}`),
		kb(`{"text":"a","callback_data":"b","extra":[1, 2.5e3, -0, true, null, "s", {"k": [ ]}]}`),
		`{"inline_keyboard":[[],[{"text":"a","callback_data":"b"}]]}`,
		`{"inline_keyboard":[]}`, `{"inline_keyboard":null}`, `{"inline_keyboard":"x"}`, `{"inline_keyboard":[{"text":"a"}]}`,
		`{"inline_keyboard":[["a"]]}`, `{"inline_keyboard":[[null]]}`, `{"inline_keyboard":[null]}`,
		kb(`{"callback_data":"b"}`), kb(`{"text":5,"callback_data":"b"}`), kb(`{"text":"","callback_data":"b"}`),
		kb(`{"text":null,"callback_data":"b"}`), kb(`{"text":"a","callback_data":""}`), kb(`{"text":"a","callback_data":5}`),
		kb(`{"text":"a","callback_data":"` + strings.Repeat("d", 64) + `"}`), kb(`{"text":"a","callback_data":"` + strings.Repeat("d", 65) + `"}`),
		kb(`{"text":"a","callback_data":"` + strings.Repeat("é", 32) + `"}`), kb(`{"text":"a","callback_data":"` + strings.Repeat("é", 33) + `"}`),
		kb(`{"text":"a"}`), kb(`{"text":"a","url":false}`), kb(`{"text":"a","url":5}`),
		kb(`{"text":"a","text":"b","callback_data":"c"}`), kb(`{"\u0074ext":"a","callback_data":"b"}`), kb(`{"Text":"a","callback_data":"b"}`),
		`{"inline_keyboard":[[{"text":"a","callback_data":"b"}]],"inline_keyboard":[[{"text":"c","callback_data":"d"}]]}`,
		`{"inline_keyboard":[[{"text":"a","callback_data":"b"}]],"force_reply":true}`,
		`{"inline_keyboard":[` + strings.TrimSuffix(strings.Repeat(`[{"text":"a","callback_data":"b"}],`, 101), ",") + `]}`,
		`{"inline_keyboard":[` + strings.TrimSuffix(strings.Repeat(`[{"text":"a","callback_data":"b"}],`, 100), ",") + `]}`,
		`{"force_reply":true,"input_field_placeholder":"Tên đơn vị","selective":true}`,
		`{"force_reply":true,"input_field_placeholder":"` + strings.Repeat("é", 64) + `"}`,
		`{"force_reply":true,"input_field_placeholder":"` + strings.Repeat("é", 65) + `"}`,
		`{"force_reply":true,"input_field_placeholder":5}`, `{"force_reply":false}`, `{"force_reply":1}`,
		`{"keyboard":[[{"text":"x"}]]}`, `{"keyboard":null}`, `{"remove_keyboard":true}`, `{"remove_keyboard":false}`, `{}`,
		`{`, `[]`, `"x"`, `null`, `5`, kb(`{"text":"a","callback_data":"b"}`) + ` trailing`, kb(`{"text":"a","callback_data":"b"}`) + " \n",
		kb(`{"text":"a","callback_data":"b","x":01}`), kb(`{"text":"a","callback_data":"b","x":1.}`), kb(`{"text":"a","callback_data":"b","x":tru}`),
		kb(`{"text":"a	tab","callback_data":"b"}`), kb(`{"text":"a\x","callback_data":"b"}`), kb(`{"text":"a\u12","callback_data":"b"}`),
		kb(`{"text":"a","callback_data":"b",}`), kb(`{"text":"a" "callback_data":"b"}`), kb(`{"text":"a","callback_data":"b"`),
		kb(`{"text":"\xff\xfe","callback_data":"b"}`), kb(`{"text":"a","callback_data":"\xff"}`), kb(`{"text":"x","callback_data":"b","\xff":"k"}`),
		kb(`{"text":"<b>&amp;</b>","callback_data":"<>&"}`),
	} {
		send("chat_id", gid, "text", "markup", "reply_markup", mk)
	}

	// replies
	send("chat_id", gid, "text", "reply", "reply_to_message_id", strconv.Itoa(first.ID))
	send("chat_id", gid, "text", "reply params", "reply_parameters", `{"message_id":`+strconv.Itoa(first.ID)+`}`)
	send("chat_id", gid, "text", "reply missing", "reply_to_message_id", "9999")
	send("chat_id", gid, "text", "reply missing allowed", "reply_to_message_id", "9999", "allow_sending_without_reply", "true")
	send("chat_id", gid, "text", "reply bad", "reply_to_message_id", "x")
	send("chat_id", gid, "text", "reply params bad", "reply_parameters", `{`)

	// edits
	send("chat_id", gid, "text", "<b>to edit</b> /cmd", "parse_mode", "HTML", "reply_markup", kb(`{"text":"a","callback_data":"b"}`))
	target := strconv.Itoa(g.LastBotMessage().ID)
	edit := func(kv ...string) { do("editMessageText", formCT, "", goldenForm(kv...)) }
	edit("chat_id", gid, "message_id", target, "text", "<b>to edit</b> /cmd", "parse_mode", "HTML", "reply_markup", kb(`{"text":"a","callback_data":"b"}`))
	edit("chat_id", gid, "message_id", target, "text", "<b>to edit</b>  /cmd ", "parse_mode", "HTML", "reply_markup", kb(` {"callback_data":"b", "text":"a"}`))
	edit("chat_id", gid, "message_id", target, "text", "<i>to edit</i> /cmd", "parse_mode", "HTML", "reply_markup", kb(`{"text":"a","callback_data":"b"}`))
	edit("chat_id", gid, "message_id", target, "text", "to edit /cmd", "reply_markup", kb(`{"text":"a","callback_data":"b"}`))
	edit("chat_id", gid, "message_id", target, "text", "to edit /cmd", "reply_markup", kb(`{"text":"a","callback_data":"c"}`))
	edit("chat_id", gid, "message_id", target, "text", "to edit /cmd")
	edit("chat_id", gid, "message_id", target, "text", "to edit /cmd")
	edit("chat_id", gid, "message_id", target, "text", benchHTML, "parse_mode", "HTML", "reply_markup", benchMarkup(1))
	edit("chat_id", gid, "message_id", target, "text", benchHTML, "parse_mode", "HTML", "reply_markup", benchMarkup(2))
	edit("chat_id", gid, "message_id", target, "text", "x", "reply_markup", `{"force_reply":true}`)
	edit("chat_id", gid, "message_id", target, "text", "<b>x", "parse_mode", "HTML")
	edit("chat_id", gid, "message_id", "9999", "text", "x")
	edit("chat_id", gid, "message_id", strconv.Itoa(first.ID), "text", "x")
	edit("chat_id", gid, "text", "x")
	edit("chat_id", gid, "message_id", "x", "text", "x")
	edit("inline_message_id", "abc", "text", "x")
	do("editMessageReplyMarkup", formCT, "", goldenForm("chat_id", gid, "message_id", target, "reply_markup", benchMarkup(2)))
	do("editMessageReplyMarkup", formCT, "", goldenForm("chat_id", gid, "message_id", target, "reply_markup", benchMarkup(3)))
	do("editMessageReplyMarkup", formCT, "", goldenForm("chat_id", gid, "message_id", target))
	do("editMessageCaption", formCT, "", goldenForm("chat_id", gid, "message_id", target, "caption", "c"))
	do("sendDocument", "application/json", "", `{"chat_id":`+gid+`,"document":"nothing"}`)
	do("deleteMessage", formCT, "", goldenForm("chat_id", gid, "message_id", target))
	edit("chat_id", gid, "message_id", target, "text", "deleted")

	// presses and answers
	send("chat_id", gid, "text", "<b>Bầu</b> chọn", "parse_mode", "HTML", "reply_markup", benchMarkup(7))
	vote := g.LastBotMessage()
	cb1 := lan.Press(g, vote, "Cục Thuế tỉnh Tây Ninh")
	cb2 := minh.Press(g, vote, "Kết quả & chi tiết")
	cb3 := minh.PressData(g, vote, "forged")
	answer := func(kv ...string) { do("answerCallbackQuery", formCT, "", goldenForm(kv...)) }
	answer("callback_query_id", cb1.ID, "text", "✅ Đã ghi nhận", "show_alert", "false", "cache_time", "5")
	answer("callback_query_id", cb1.ID, "text", "again")
	answer("callback_query_id", cb2.ID, "text", strings.Repeat("😀", 101))
	answer("callback_query_id", cb2.ID, "cache_time", "x")
	answer("callback_query_id", cb2.ID, "text", strings.Repeat("é", 200), "show_alert", "1", "url", "https://t.me/x")
	answer("callback_query_id", cb3.ID, "show_alert", "TRUE")
	answer("callback_query_id", "nope")
	answer()

	// what people do
	minh.Reply(g, vote, "@ThiDuaBot /help@ThiDuaBot thanks")
	sent := minh.Send(g, "edit me")
	if _, err := minh.Edit(g, sent, "edited #tag"); err != nil {
		t.Fatal(err)
	}
	g.SendAsChat("anonymous /units")
	minh.SendDocument(g, "report.xlsx", []byte("PK\x03\x04"), "report /cmd")
	do("getUpdates", formCT, "", goldenForm("offset", "0", "timeout", "0"))

	// everything recorded
	dump := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	type msgDump struct {
		Message
		From *int64 `json:",omitempty"`
	}
	snap := func(m Message) string {
		d := msgDump{Message: m}
		if m.From != nil {
			d.From = &m.From.ID
		}
		return dump(d)
	}
	for _, c := range s.Chats() {
		for _, m := range c.Messages() {
			fmt.Fprintf(&out, "message %d: %s\n", c.ID, snap(m))
		}
		fmt.Fprintf(&out, "last bot message %d: %s\n", c.ID, snap(c.LastBotMessage()))
	}
	for id := int64(100000001); id <= s.LastUpdateID(); id++ {
		body, _ := s.UpdateJSON(id)
		fmt.Fprintf(&out, "update %s\n", body)
	}
	for _, c := range s.Calls("") {
		fmt.Fprintf(&out, "call %s chat=%d msg=%d ok=%v %d %q %s\n", c.Method, c.ChatID, c.MessageID, c.OK, c.ErrorCode, c.Error, dump(c.Params))
	}
	for _, a := range s.Answers() {
		a.Time = time.Time{}
		fmt.Fprintf(&out, "answer %s\n", dump(a))
	}
	st := s.Stats()
	fmt.Fprintf(&out, "stats %s\n", dump(st))
	s.mu.Lock()
	s.emitLocked(Event{Kind: "end"}) // the events before it are all there once it arrives
	s.mu.Unlock()
	defer cancel()
	for ev := range events {
		if ev.Kind == "end" {
			break
		}
		ev.Time = time.Time{}
		line := fmt.Sprintf("event %s chat=%d msg=%d user=%d data=%q", ev.Kind, ev.ChatID, ev.MessageID, ev.UserID, ev.Data)
		if ev.Message != nil {
			line += " " + snap(*ev.Message)
		}
		if ev.Answer != nil {
			a := *ev.Answer
			a.Time = time.Time{}
			line += " " + dump(a)
		}
		out.WriteString(line + "\n")
	}
	return strings.ReplaceAll(out.String(), "\r", `\r`)
}
