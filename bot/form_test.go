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
		if g, w := string(appendQueryEscape(nil, s)), url.QueryEscape(s); g != w {
			t.Errorf("escape %q: %q, want %q", s, g, w)
		}
	}
}

// escapedLen is the length appendQueryEscape writes, and appendQueryEscape is url.QueryEscape,
// whatever the bytes.
func FuzzQueryEscape(f *testing.F) {
	for _, s := range []string{"", "a b", "Khối thi đua <b>&amp;</b> 100%", "\x00\xff~._-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendQueryEscape([]byte("x"), s)
		if w := "x" + url.QueryEscape(s); string(got) != w {
			t.Fatalf("escape %q: %q, want %q", s, got, w)
		}
		if n := escapedLen(s); n != len(got)-1 {
			t.Fatalf("escapedLen(%q) = %d, wrote %d", s, n, len(got)-1)
		}
	})
}
