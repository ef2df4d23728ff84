package telegramsim

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxCallbackData is the callback_data limit in bytes.
const MaxCallbackData = 64

// replyMarkup is a parsed reply_markup parameter.
type replyMarkup struct {
	rows        [][]button      // inline keyboard
	inline      json.RawMessage // the rows as reply_markup JSON (nil without rows)
	forceReply  bool
	placeholder string
	selective   bool
	other       bool // a reply keyboard or remove_keyboard: accepted, not shown in messages
}

type button struct {
	text, data, url string
	raw             json.RawMessage // canonical JSON, echoed back in messages
}

// inlineJSON is {"inline_keyboard":[[button,...],...]} of the rows, or nil without rows.
func inlineJSON(rows [][]button) json.RawMessage {
	if len(rows) == 0 {
		return nil
	}
	n := len(`{"inline_keyboard":[]}`)
	for _, row := range rows {
		n += 3
		for _, b := range row {
			n += len(b.raw) + 1
		}
	}
	out := make([]byte, 0, n)
	out = append(out, `{"inline_keyboard":[`...)
	for i, row := range rows {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, '[')
		for j, b := range row {
			if j > 0 {
				out = append(out, ',')
			}
			out = append(out, b.raw...)
		}
		out = append(out, ']')
	}
	return append(out, ']', '}')
}

// sameInline reports whether two markups show the same inline keyboard.
func sameInline(a, b *replyMarkup) bool {
	var ra, rb [][]button
	if a != nil {
		ra = a.rows
	}
	if b != nil {
		rb = b.rows
	}
	if len(ra) != len(rb) {
		return false
	}
	for i := range ra {
		if len(ra[i]) != len(rb[i]) {
			return false
		}
		for j := range ra[i] {
			if !bytes.Equal(ra[i][j].raw, rb[i][j].raw) {
				return false
			}
		}
	}
	return true
}

var inlineActions = []string{
	"callback_data", "url", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
	"switch_inline_query_chosen_chat", "callback_game", "pay", "web_app", "copy_text",
}

// jsonMember is one member of a JSON object: its key and its raw JSON value.
type jsonMember struct {
	key, val string
}

// jsonObject is a JSON object's members, without duplicate keys.
type jsonObject []jsonMember

func (o jsonObject) get(key string) (string, bool) {
	for _, m := range o {
		if m.key == key {
			return m.val, true
		}
	}
	return "", false
}

// parseReplyMarkup validates reply_markup as Telegram does. inlineOnly is for edits,
// which accept only inline keyboards.
func parseReplyMarkup(raw string, inlineOnly bool) (*replyMarkup, error) {
	if raw == "" || raw == "null" {
		return nil, nil
	}
	// The usual markup (string and literal values, plain keys) is read by scanMarkup
	// without building maps; anything else, and every error, by encoding/json.
	ms := markupScratchPool.Get().(*markupScratch)
	defer markupScratchPool.Put(ms)
	top, rows, lean := scanMarkup(raw, ms)
	if !lean {
		var err error
		if top, rows, err = decodeMarkup(raw); err != nil {
			return nil, err
		}
	}
	mk := &replyMarkup{}
	if _, ok := top.get("inline_keyboard"); ok {
		// A lean keyboard's JSON is written as its buttons are read, into one buffer
		// that their canonical forms are parts of (it is never longer than raw).
		var kb []byte
		if lean {
			kb = append(make([]byte, 0, len(raw)), `{"inline_keyboard":[`...)
		}
		total := 0
		for _, row := range rows {
			total += len(row)
		}
		all := make([]button, 0, total) // every row's buttons, in one array
		mk.rows = make([][]button, 0, len(rows))
		for _, row := range rows {
			out := all[len(all) : len(all) : len(all)+len(row)]
			for _, bt := range row {
				b, err := parseInlineButton(bt)
				if err != nil {
					return nil, err
				}
				if lean {
					switch {
					case len(out) > 0:
						kb = append(kb, ',')
					case len(mk.rows) > 0:
						kb = append(kb, ',', '[')
					default:
						kb = append(kb, '[')
					}
					start := len(kb)
					kb = appendCanonicalButton(kb, bt)
					b.raw = kb[start:len(kb):len(kb)]
				} else {
					b.raw = canonicalButton(bt)
				}
				out = append(out, b)
			}
			all = all[:len(all)+len(out)]
			if len(out) > 0 {
				mk.rows = append(mk.rows, out)
				if lean {
					kb = append(kb, ']')
				}
			}
		}
		if total > 100 {
			return nil, badRequest("reply markup is too long")
		}
		switch {
		case len(mk.rows) == 0:
		case lean:
			mk.inline = append(kb, ']', '}')
		default:
			mk.inline = inlineJSON(mk.rows)
		}
		return mk, nil
	}
	if inlineOnly {
		return nil, badRequest("inline keyboard expected")
	}
	forceReply, _ := top.get("force_reply")
	_, keyboard := top.get("keyboard")
	removeKeyboard, _ := top.get("remove_keyboard")
	switch {
	case isTrue(forceReply):
		mk.forceReply = true
		if p, ok := top.get("input_field_placeholder"); ok {
			if err := unmarshalString(p, &mk.placeholder); err != nil {
				return nil, badRequest("field \"input_field_placeholder\" must be of type String")
			}
			if utf8.RuneCountInString(mk.placeholder) > 64 {
				return nil, badRequest("input field placeholder is too long")
			}
		}
		sel, _ := top.get("selective")
		mk.selective = isTrue(sel)
	case keyboard || isTrue(removeKeyboard):
		mk.other = true
	default:
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	return mk, nil
}

// decodeMarkup reads reply_markup with encoding/json: the top object and, when it has
// one, the inline keyboard's buttons.
func decodeMarkup(raw string) (jsonObject, []([]jsonObject), error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &obj); err != nil {
		return nil, nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	var rows []([]jsonObject)
	if kb, ok := obj["inline_keyboard"]; ok {
		var in [][]map[string]json.RawMessage
		if err := json.Unmarshal(kb, &in); err != nil {
			return nil, nil, badRequest("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays")
		}
		rows = make([]([]jsonObject), len(in))
		for i, row := range in {
			rows[i] = make([]jsonObject, len(row))
			for j, bt := range row {
				rows[i][j] = objectOf(bt)
			}
		}
	}
	return objectOf(obj), rows, nil
}

func objectOf(m map[string]json.RawMessage) jsonObject {
	if m == nil {
		return nil
	}
	o := make(jsonObject, 0, len(m))
	for k, v := range m {
		o = append(o, jsonMember{k, string(v)})
	}
	return o
}

func isTrue(raw string) bool { return raw == "true" }

// unmarshalString is json.Unmarshal of a raw JSON value into *dst, without its costs
// when raw is a JSON string (unquoteJSON).
func unmarshalString(raw string, dst *string) error {
	if s, ok := unquoteJSON(raw); ok {
		*dst = s
		return nil
	}
	return unmarshalStringSlow(raw, dst)
}

// unmarshalStringSlow is json.Unmarshal(raw, dst) through a copy, so that dst (often
// a field of a local button) does not escape to the heap.
func unmarshalStringSlow(raw string, dst *string) error {
	s := *dst
	err := json.Unmarshal([]byte(raw), &s)
	*dst = s
	return err
}

// unquoteJSON decodes raw, one JSON string, as encoding/json does (invalid UTF-8 and
// lone surrogates become U+FFFD); ok is false for anything else, which is left to
// encoding/json. A string without escapes is returned as a part of raw.
func unquoteJSON(raw string) (string, bool) {
	n := len(raw)
	if n < 2 || raw[0] != '"' || raw[n-1] != '"' {
		return "", false
	}
	s := raw[1 : n-1]
	i := 0
	for i < len(s) {
		c := s[i]
		if c == '\\' || c == '"' || c < ' ' {
			break
		}
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		i += size
	}
	if i == len(s) {
		return s, true
	}
	var b strings.Builder
	b.Grow(len(s) + utf8.UTFMax)
	b.WriteString(s[:i])
	for i < len(s) {
		switch c := s[i]; {
		case c == '\\':
			if i+1 >= len(s) {
				return "", false
			}
			switch e := s[i+1]; e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r := getu4(s[i:])
				if r < 0 {
					return "", false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if dec := utf16.DecodeRune(r, getu4(s[i:])); dec != unicode.ReplacementChar {
						i += 6
						b.WriteRune(dec)
						continue
					}
					r = unicode.ReplacementChar
				}
				b.WriteRune(r)
				continue
			default:
				return "", false
			}
			i += 2
		case c == '"', c < ' ':
			return "", false
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r)
			i += size
		}
	}
	return b.String(), true
}

// getu4 reads the \uXXXX escape at the start of s, or returns -1.
func getu4(s string) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for i := 2; i < 6; i++ {
		if !isHexDigit(s[i]) {
			return -1
		}
		r = r*16 + rune(hexValue(s[i]))
	}
	return r
}

// parseInlineButton checks one inline button (its canonical form is left to the caller).
func parseInlineButton(bt jsonObject) (button, error) {
	var b button
	t, ok := bt.get("text")
	if !ok || unmarshalString(t, &b.text) != nil {
		return b, badRequest("can't parse inline keyboard button: Field \"text\" must be of type String")
	}
	if b.text == "" {
		return b, badRequest("BUTTON_TEXT_EMPTY")
	}
	actions := 0
	for _, a := range inlineActions {
		if v, ok := bt.get(a); ok && v != "null" && v != "false" {
			actions++
		}
	}
	if actions == 0 {
		return b, badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
	}
	if d, ok := bt.get("callback_data"); ok && d != "null" {
		if unmarshalString(d, &b.data) != nil || len(b.data) == 0 || len(b.data) > MaxCallbackData {
			return b, badRequest("BUTTON_DATA_INVALID")
		}
	}
	if u, ok := bt.get("url"); ok && u != "null" {
		if unmarshalString(u, &b.url) != nil || !validButtonURL(b.url) {
			return b, badRequest("inline keyboard button URL '%s' is invalid: Wrong HTTP URL", b.url)
		}
	}
	return b, nil
}

// canonicalButton is the button without its null and false members, keys sorted, as
// encoding/json writes a map of raw values: the form echoed back in messages.
func canonicalButton(bt jsonObject) json.RawMessage {
	clean := make(map[string]json.RawMessage, len(bt))
	for _, m := range bt {
		if m.val != "null" && m.val != "false" {
			clean[m.key] = json.RawMessage(m.val)
		}
	}
	return mustJSON(clean)
}

// appendCanonicalButton appends canonicalButton(bt) for a button read by scanMarkup
// (plain keys, compact values), without encoding/json.
func appendCanonicalButton(b []byte, bt jsonObject) []byte {
	var keepBuf [12]jsonMember
	keep := keepBuf[:0]
	for _, m := range bt {
		if m.val != "null" && m.val != "false" {
			keep = append(keep, m)
		}
	}
	slices.SortFunc(keep, func(a, b jsonMember) int { return strings.Compare(a.key, b.key) })
	b = append(b, '{')
	for i, m := range keep {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, m.key...)
		b = append(b, '"', ':')
		b = append(b, m.val...)
	}
	return append(b, '}')
}

func validButtonURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "http", "https":
		return u.Host != ""
	case "tg":
		return true
	}
	return false
}
