package telegramsim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"
)

// The benchmarks below measure what one Bot API call costs the simulator, through its HTTP
// handler but without a network: a form-encoded POST as the bot sends it (bot/api.go), a
// realistic HTML text of about 300 characters and two rows of inline buttons.

const benchHTML = `<b>🗳 Bầu trưởng khối — Khối thi đua các cơ quan Trung ương tỉnh Tây Ninh</b>
Hạn chót: <i>17:00 ngày 15/03/2025</i> (còn <code>2 giờ</code>)
Đã bỏ phiếu: <b>3/7</b> đơn vị — <a href="tg://user?id=7000000001">Lan</a>, <a href="tg://user?id=7000000002">Minh</a> &amp; <a href="tg://user?id=7000000003">Hà</a>
Mã phiếu: <code>baucu-truong-2025</code>. Xem danh sách đơn vị: /donvi`

// benchMarkup is reply_markup as the bot's json.Marshal of maps writes it.
func benchMarkup(n int) string {
	b, _ := json.Marshal(map[string]any{"inline_keyboard": [][]map[string]string{
		{{"text": "Cục Thuế tỉnh Tây Ninh", "callback_data": "v:9f8e7d6c:1:" + strconv.Itoa(n)}, {"text": "Bảo hiểm xã hội", "callback_data": "v:9f8e7d6c:2:" + strconv.Itoa(n)}},
		{{"text": "✅ Xong", "callback_data": "v:9f8e7d6c:done"}, {"text": "Kết quả & chi tiết", "callback_data": "v:9f8e7d6c:res"}},
	}})
	return string(b)
}

// benchForm encodes parameters as the bot does (url.Values.Encode).
func benchForm(p map[string]string) []byte {
	v := url.Values{}
	for k, x := range p {
		v.Set(k, x)
	}
	return []byte(v.Encode())
}

// benchWriter is a ResponseWriter that keeps only the status and the body size.
type benchWriter struct {
	h    http.Header
	code int
	body bytes.Buffer
}

func (w *benchWriter) Header() http.Header { return w.h }
func (w *benchWriter) Write(b []byte) (int, error) {
	return w.body.Write(b)
}
func (w *benchWriter) WriteHeader(code int) { w.code = code }

// benchCall serves one request through the handler and fails on a non-200 answer.
func benchCall(b *testing.B, h http.Handler, w *benchWriter, method string, body []byte) {
	r, err := http.NewRequest(http.MethodPost, "/bot"+testToken+"/"+method, bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w.body.Reset()
	h.ServeHTTP(w, r)
	if w.code != http.StatusOK {
		b.Fatalf("%s: %d %s", method, w.code, w.body.String())
	}
}

type benchWorld struct {
	s     *Sim
	h     http.Handler
	w     *benchWriter
	g     *Chat
	user  *User
	asked Message // the user's message the bot replies to
}

func newBenchWorld(b *testing.B) *benchWorld {
	s := New(Options{Token: testToken, BotUsername: "ThiDuaBot"})
	b.Cleanup(func() { _ = s.Close() })
	g := s.NewSupergroup("Khối thi đua các cơ quan Trung ương tỉnh Tây Ninh")
	u := s.NewUser("Lan", "lan_admin", "vi")
	g.Add(u, true)
	asked := u.Send(g, "/baucu truong 2h")
	return &benchWorld{s: s, h: s.Handler(), w: &benchWriter{h: http.Header{}}, g: g, user: u, asked: asked}
}

func BenchmarkSendMessage(b *testing.B) {
	bw := newBenchWorld(b)
	body := benchForm(map[string]string{
		"chat_id": strconv.FormatInt(bw.g.ID, 10), "text": benchHTML, "parse_mode": "HTML",
		"disable_web_page_preview": "true", "reply_to_message_id": strconv.Itoa(bw.asked.ID),
		"allow_sending_without_reply": "true", "reply_markup": benchMarkup(0),
	})
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		benchCall(b, bw.h, bw.w, "sendMessage", body)
	}
}

func BenchmarkEditMessageText(b *testing.B) {
	bw := newBenchWorld(b)
	benchCall(b, bw.h, bw.w, "sendMessage", benchForm(map[string]string{
		"chat_id": strconv.FormatInt(bw.g.ID, 10), "text": "…", "reply_markup": benchMarkup(0),
	}))
	id := strconv.Itoa(bw.g.LastBotMessage().ID)
	var bodies [2][]byte // two contents in turn: an edit that changes nothing is refused
	for i := range bodies {
		bodies[i] = benchForm(map[string]string{
			"chat_id": strconv.FormatInt(bw.g.ID, 10), "message_id": id,
			"text": benchHTML + " " + strconv.Itoa(i), "parse_mode": "HTML", "reply_markup": benchMarkup(i),
		})
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(bodies[0])))
	i := 0
	for b.Loop() {
		benchCall(b, bw.h, bw.w, "editMessageText", bodies[i&1])
		i++
	}
}

func BenchmarkAnswerCallbackQuery(b *testing.B) {
	bw := newBenchWorld(b)
	benchCall(b, bw.h, bw.w, "sendMessage", benchForm(map[string]string{
		"chat_id": strconv.FormatInt(bw.g.ID, 10), "text": "…", "reply_markup": benchMarkup(0),
	}))
	msg := bw.g.LastBotMessage()
	// One pending callback per iteration, made without the cost of a press (an update
	// with the whole message) that the benchmark is not about.
	const batch = 4096
	next := 0
	var bodies [][]byte
	refill := func() {
		bw.s.mu.Lock()
		defer bw.s.mu.Unlock()
		bodies = bodies[:0]
		for range batch {
			next++
			cb := &Callback{s: bw.s, ID: "cb" + strconv.Itoa(next), Data: "v:9f8e7d6c:1:0", ChatID: bw.g.ID,
				MessageID: msg.ID, From: bw.user, done: make(chan struct{})}
			bw.s.callbacks[cb.ID] = cb
			bodies = append(bodies, benchForm(map[string]string{
				"callback_query_id": cb.ID, "text": "✅ Đã ghi nhận phiếu của Cục Thuế tỉnh Tây Ninh", "show_alert": "false",
			}))
		}
	}
	b.ReportAllocs()
	i := batch
	for b.Loop() {
		if i == batch {
			b.StopTimer()
			refill()
			i = 0
			b.StartTimer()
		}
		benchCall(b, bw.h, bw.w, "answerCallbackQuery", bodies[i])
		i++
	}
}

// BenchmarkSendMessageSubscribed is BenchmarkSendMessage with a live subscriber, as the
// benchmark command and the sandbox page have: every message is also a snapshot event.
func BenchmarkSendMessageSubscribed(b *testing.B) {
	bw := newBenchWorld(b)
	events, cancel := bw.s.Subscribe()
	defer cancel()
	go func() {
		for range events {
		}
	}()
	body := benchForm(map[string]string{
		"chat_id": strconv.FormatInt(bw.g.ID, 10), "text": benchHTML, "parse_mode": "HTML",
		"reply_to_message_id": strconv.Itoa(bw.asked.ID), "reply_markup": benchMarkup(0),
	})
	b.ReportAllocs()
	for b.Loop() {
		benchCall(b, bw.h, bw.w, "sendMessage", body)
	}
}
