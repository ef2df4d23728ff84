package store

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestVNLetters(t *testing.T) {
	tb := vnLetters()
	if len(tb.enc) != 134 {
		t.Fatalf("%d letters, want 134", len(tb.enc))
	}
	for r, b := range tb.enc {
		if tb.dec[b] != r || r < utf8.RuneSelf || utf8.RuneLen(r) < 2 || b == recSep[0] || (b < 0x80 && (b < 0x02 || b > 0x07)) {
			t.Fatalf("%q <-> %#x", r, b)
		}
	}
	for _, r := range "đĐăằẳẵặÂẦỆỄƠỚỜỞỠỢỰỲÝỶỸỴ" {
		if _, ok := tb.enc[r]; !ok {
			t.Fatalf("%q has no byte", r)
		}
	}
}

func TestVNText(t *testing.T) {
	bench := "Đơn vị đã tổ chức thành công hội nghị chuyên đề số 123 về cải cách hành chính, thu hút 120 cán bộ tham gia, vượt 15% chỉ tiêu #caicach"
	for _, s := range []string{bench, "", "plain ASCII", "Tổ chức\tHội thi\nTÌM HIỂU 😀 中文 é\u0301 \x01\x1f\x7f end",
		"\x01 starts like the form", "😀😀😀😀", "a\x1fb", "Ỵ Ỹ Ỷ Ý Ỳ Ự"} {
		enc := encodeText(s)
		if strings.Contains(enc, recSep) {
			t.Fatalf("%q is stored with the separator: %q", s, enc)
		}
		if got := decodeText(enc); got != s {
			t.Fatalf("%q came back as %q (stored %q)", s, got, enc)
		}
		if len(enc) > len(s)+1 && !hasControl(s) {
			t.Fatalf("%q: %d bytes stored for %d", s, len(enc), len(s))
		}
	}
	if enc := encodeText(bench); len(enc) != utf8.RuneCountInString(bench)+1 {
		t.Fatalf("a Vietnamese report of %d letters takes %d bytes", utf8.RuneCountInString(bench), len(enc))
	}
	if enc := encodeText("plain ASCII"); enc != "plain ASCII" {
		t.Fatalf("ASCII stored as %q", enc)
	}
}

// hasControl: s has a control character other than tab and newline (a report has none:
// domain.ParseReport removes them), which the compact form writes in two bytes.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return (r < 0x20 && r != '\t' && r != '\n') || r == 0x7f })
}

func FuzzVNText(f *testing.F) {
	f.Add("Đơn vị đã tổ chức thành công hội nghị #caicach")
	f.Add("\x01\x08\x0b\x1f😀")
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		enc := encodeText(s)
		if strings.Contains(enc, recSep) || decodeText(enc) != s || (len(enc) > len(s)+1 && !hasControl(s)) {
			t.Fatalf("%q stored as %q", s, enc)
		}
	})
}
