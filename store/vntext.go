package store

import (
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Report texts are stored in a compact form of Vietnamese: one byte for each of the 134
// precomposed Vietnamese letters (ă, ơ, ệ, Đ, ...), which UTF-8 writes in two or three. A
// Vietnamese report is about a quarter shorter (a 134-letter report: 173 bytes in UTF-8, 134
// here). It is VISCII's idea (RFC 1456) with our own table, built from the letters' parts,
// and an escape for everything else, so any text comes back exactly:
//
//	0x01             first byte: the text is in this form (else it is stored as UTF-8)
//	0x02-0x07, 0x80- the letters (vnLetters)
//	0x08 + UTF-8     any other non-ASCII character
//	0x0B + c^0x40    a control character c (other than tab and newline) or DEL
//	tab, newline and printable ASCII as they are
//
// The form never holds the byte 0x1f, which separates a report record's fields. A text is
// kept as UTF-8 when that is not longer (few Vietnamese letters, many other characters)
// and it cannot be mistaken for the form: it has no 0x1f and does not start with 0x01.
// Only Go reads texts; the scripts see them as bytes.
const (
	vnMarker = 0x01
	vnEscape = 0x08
	vnCtrl   = 0x0B
)

type vnTable struct {
	dec [256]rune // byte -> letter (0: not a letter's byte)
	enc map[rune]byte
}

// vnLetters numbers the precomposed Vietnamese letters: đ, then each vowel with each tone
// (the vowels without a tone that are ASCII left out), lower case then upper case. The first
// 128 take the bytes 0x80-0xff, the last six 0x02-0x07.
var vnLetters = sync.OnceValue(func() *vnTable {
	const tones = "\u0300\u0301\u0309\u0303\u0323" // huyền, sắc, hỏi, ngã, nặng
	var letters []rune
	for _, vowels := range []string{"đaăâeêioôơuưy", "ĐAĂÂEÊIOÔƠUƯY"} {
		for i, v := range []rune(vowels) {
			if i == 0 {
				letters = append(letters, v) // đ, Đ
				continue
			}
			if v >= utf8.RuneSelf {
				letters = append(letters, v)
			}
			for _, t := range tones {
				r, _ := utf8.DecodeRuneInString(norm.NFC.String(string(v) + string(t)))
				letters = append(letters, r)
			}
		}
	}
	t := &vnTable{enc: make(map[rune]byte, len(letters))}
	for i, r := range letters {
		b := byte(0x80 + i)
		if i >= 128 {
			b = byte(0x02 + i - 128)
		}
		t.dec[b] = r
		t.enc[r] = b
	}
	return t
})

// encodeText is a report's text as a record stores it.
func encodeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	t := vnLetters()
	var b strings.Builder
	b.Grow(len(s) + 1)
	b.WriteByte(vnMarker)
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || (r >= 0x20 && r < 0x7f):
			b.WriteByte(byte(r))
		case r < 0x20 || r == 0x7f:
			b.WriteByte(vnCtrl)
			b.WriteByte(byte(r) ^ 0x40)
		default:
			if c, ok := t.enc[r]; ok {
				b.WriteByte(c)
			} else {
				b.WriteByte(vnEscape)
				b.WriteRune(r)
			}
		}
	}
	if b.Len() >= len(s) && !strings.Contains(s, recSep) && (s == "" || s[0] != vnMarker) {
		return s
	}
	return b.String()
}

// decodeText reads a text stored by encodeText.
func decodeText(s string) string {
	if s == "" || s[0] != vnMarker {
		return s
	}
	t := vnLetters()
	var b strings.Builder
	b.Grow(len(s) * 3 / 2)
	for i := 1; i < len(s); {
		c := s[i]
		switch {
		case c == vnEscape:
			r, n := utf8.DecodeRuneInString(s[i+1:])
			if n > 0 {
				b.WriteRune(r)
			}
			i += 1 + n
		case c == vnCtrl:
			if i+1 < len(s) {
				b.WriteByte(s[i+1] ^ 0x40)
			}
			i += 2
		case t.dec[c] != 0:
			b.WriteRune(t.dec[c])
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}
