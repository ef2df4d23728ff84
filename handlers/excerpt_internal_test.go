package handlers

import (
	"html"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

// excerptByRune is achExcerpt as first written (a string and a slice per rune): the reference
// the faster one must match.
func excerptByRune(text string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range text {
		e := html.EscapeString(string(r))
		w := len(utf16.Encode([]rune(e)))
		if n+w > max-1 {
			b.WriteString("…")
			return b.String()
		}
		b.WriteString(e)
		n += w
	}
	return b.String()
}

func TestAchExcerpt(t *testing.T) {
	for _, c := range []struct {
		text string
		max  int
		want string
	}{
		{"Hội nghị <b>", 100, "Hội nghị &lt;b&gt;"},
		{"a & b", 8, "a &amp;…"},
		{"a & b", 5, "a …"}, // an entity is never cut
		{"abc", 4, "abc"},
		{"abcd", 4, "abc…"},
		{"😀😀", 4, "😀…"}, // an emoji is two UTF-16 units
		{"x\xffy", 10, "x\uFFFDy"},
		{`"'`, 20, "&#34;&#39;"},
	} {
		if got := achExcerpt(c.text, c.max); got != c.want {
			t.Errorf("achExcerpt(%q, %d) = %q, want %q", c.text, c.max, got, c.want)
		}
		if ref := excerptByRune(c.text, c.max); ref != c.want {
			t.Errorf("the reference gives %q for %q, %d; the case is wrong", ref, c.text, c.max)
		}
	}
}

func FuzzAchExcerpt(f *testing.F) {
	f.Add("Đơn vị đã tổ chức <hội nghị> & \"tọa đàm\" 😀", 20)
	f.Add("x\xff\xfey", 3)
	f.Fuzz(func(t *testing.T, text string, max int) {
		if max < 0 || max > 5000 {
			return
		}
		got, want := achExcerpt(text, max), excerptByRune(text, max)
		if got != want {
			t.Fatalf("achExcerpt(%q, %d) = %q, the reference %q", text, max, got, want)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8: %q", got)
		}
	})
}
