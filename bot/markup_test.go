package bot

import (
	"encoding/json"
	"reflect"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// The written-out reply markup decodes to what the library's own types describe.
func TestAddMarkupIsTheKeyboardJSON(t *testing.T) {
	buttons := [][]Button{
		{{Text: "Kho bạc \"A\" <1>", Data: "v:1"}, {Text: "🗳 Bầu\n", Data: "v:2\\x"}},
		{{Text: "Mở", URL: "https://t.me/x?start=a&b=1"}},
		{},
	}
	p := tgbotapi.Params{}
	addMarkup(p, buttons, false, "")
	var got tgbotapi.InlineKeyboardMarkup
	if err := json.Unmarshal([]byte(p["reply_markup"]), &got); err != nil {
		t.Fatalf("reply_markup %s: %v", p["reply_markup"], err)
	}
	s := func(v string) *string { return &v }
	want := tgbotapi.InlineKeyboardMarkup{InlineKeyboard: [][]tgbotapi.InlineKeyboardButton{
		{{Text: "Kho bạc \"A\" <1>", CallbackData: s("v:1")}, {Text: "🗳 Bầu\n", CallbackData: s("v:2\\x")}},
		{{Text: "Mở", URL: s("https://t.me/x?start=a&b=1")}},
		{},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("reply_markup %s decodes to %+v", p["reply_markup"], got)
	}

	p = tgbotapi.Params{}
	addMarkup(p, nil, true, "Nội dung \"báo cáo\"")
	var fr map[string]any
	if err := json.Unmarshal([]byte(p["reply_markup"]), &fr); err != nil {
		t.Fatalf("force reply %s: %v", p["reply_markup"], err)
	}
	if !reflect.DeepEqual(fr, map[string]any{"force_reply": true, "selective": true, "input_field_placeholder": "Nội dung \"báo cáo\""}) {
		t.Errorf("force reply = %v", fr)
	}
	p = tgbotapi.Params{}
	addMarkup(p, nil, false, "")
	if _, ok := p["reply_markup"]; ok {
		t.Errorf("no buttons gave reply_markup %q", p["reply_markup"])
	}
}

// A callback answer is shown as plain text: the HTML that c.T renders loses its tags and its
// entities are decoded, so a unit named "Văn hóa & Thể thao" is not shown as "&amp;".
func TestPlainText(t *testing.T) {
	cases := map[string]string{
		"":                                "",
		"✅ Đã ghi nhận":                   "✅ Đã ghi nhận",
		"<b>Văn hóa &amp; Thể thao</b> →": "Văn hóa & Thể thao →",
		"a &lt;b&gt; c":                   "a <b> c",
		"<i>x</i> &#39;y&#39;":            "x 'y'",
	}
	for in, want := range cases {
		if got := PlainText(in); got != want {
			t.Errorf("PlainText(%q) = %q, want %q", in, got, want)
		}
	}
}
