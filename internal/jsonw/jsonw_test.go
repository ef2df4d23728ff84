package jsonw

import (
	"encoding/json"
	"strings"
	"testing"
)

// want is encoding/json's encoding of s without HTML escaping.
func want(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "x", "a\"b\\c", "\x00\x01\x1f\b\f\n\r\t", "<b>&</b>", "Tiếng Việt 😀", "\u2028\u2029", "\xff\xc3", "\xed\xa0\x80"} {
		if got, w := string(AppendString(nil, s)), want(t, s); got != w {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, w)
		}
	}
	if got := string(AppendString([]byte("k:"), "v")); got != `k:"v"` {
		t.Errorf("AppendString appends: %s", got)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "\"\\\x00\u2028", "\xff", "😀", "đơn vị"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, w := string(AppendString(nil, s)), want(t, s); got != w {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, w)
		}
	})
}
