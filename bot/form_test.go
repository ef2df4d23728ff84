package bot

import (
	"net/url"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// The form body is what url.Values would encode: every byte escaped the same way.
func TestEncodeFormIsQueryEscape(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	p := tgbotapi.Params{"text": "Khối thi đua <b>&amp;</b> 100% ~ a+b=c/d?e#f\n" + string(all), "chat_id": "-1001", "k ey": "v"}
	got, err := url.ParseQuery(string(encodeForm(p)))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range p {
		if got.Get(k) != v {
			t.Errorf("%q: got %q, want %q", k, got.Get(k), v)
		}
	}
	for _, s := range []string{"", "abc", "a b", string(all), "Tiếng Việt"} {
		if g, w := queryEscape(s), url.QueryEscape(s); g != w {
			t.Errorf("escape %q: %q, want %q", s, g, w)
		}
	}
}

// queryEscape is putQueryEscape into a buffer of escapedLen bytes.
func queryEscape(s string) string {
	b := make([]byte, escapedLen(s))
	if n := putQueryEscape(b, s); n != len(b) {
		panic("putQueryEscape wrote another length than escapedLen")
	}
	return string(b)
}

// putQueryEscape writes url.QueryEscape, in escapedLen bytes, whatever the bytes.
func FuzzQueryEscape(f *testing.F) {
	for _, s := range []string{"", "a b", "Khối thi đua <b>&amp;</b> 100%", "\x00\xff~._-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, w := queryEscape(s), url.QueryEscape(s); got != w {
			t.Fatalf("escape %q: %q, want %q", s, got, w)
		}
	})
}

func BenchmarkEncodeForm(b *testing.B) {
	p := tgbotapi.Params{"chat_id": "-1002000000753", "parse_mode": "HTML", "reply_to_message_id": "16",
		"text":         "✅ Đã ghi nhận thành tích <b>#7</b>\nĐơn vị: Cục Thuế tỉnh Tây Ninh\nNgười báo cáo: Nguyễn Văn An\nNội dung: Đơn vị đã tổ chức đợt vận động ủng hộ xã nông thôn mới, vượt chỉ tiêu đề ra",
		"reply_markup": `{"inline_keyboard":[[{"text":"↩️ Hoàn tác","callback_data":"acu|7|6||l2APClcP"}]]}`}
	b.ReportAllocs()
	for b.Loop() {
		encodeForm(p)
	}
}
