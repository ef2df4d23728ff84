package telegramsim

import (
	"bytes"
	"encoding/json"
	"net/url"
	"unicode/utf8"
)

// MaxCallbackData is the callback_data limit in bytes.
const MaxCallbackData = 64

// replyMarkup is a parsed reply_markup parameter.
type replyMarkup struct {
	rows        [][]button // inline keyboard
	forceReply  bool
	placeholder string
	selective   bool
	other       bool // a reply keyboard or remove_keyboard: accepted, not shown in messages
}

type button struct {
	text, data, url string
	raw             json.RawMessage // canonical JSON, echoed back in messages
}

func (m *replyMarkup) wire() *wireInlineMarkup {
	w := &wireInlineMarkup{InlineKeyboard: make([][]json.RawMessage, len(m.rows))}
	for i, row := range m.rows {
		w.InlineKeyboard[i] = make([]json.RawMessage, len(row))
		for j, b := range row {
			w.InlineKeyboard[i][j] = b.raw
		}
	}
	return w
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

// parseReplyMarkup validates reply_markup as Telegram does. inlineOnly is for edits,
// which accept only inline keyboards.
func parseReplyMarkup(raw string, inlineOnly bool) (*replyMarkup, error) {
	if raw == "" || raw == "null" {
		return nil, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &obj); err != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	mk := &replyMarkup{}
	if kb, ok := obj["inline_keyboard"]; ok {
		var rows [][]map[string]json.RawMessage
		if err := json.Unmarshal(kb, &rows); err != nil {
			return nil, badRequest("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays")
		}
		total := 0
		for _, row := range rows {
			var out []button
			for _, bt := range row {
				b, err := parseInlineButton(bt)
				if err != nil {
					return nil, err
				}
				out = append(out, b)
				total++
			}
			if len(out) > 0 {
				mk.rows = append(mk.rows, out)
			}
		}
		if total > 100 {
			return nil, badRequest("reply markup is too long")
		}
		return mk, nil
	}
	if inlineOnly {
		return nil, badRequest("inline keyboard expected")
	}
	switch {
	case isTrue(obj["force_reply"]):
		mk.forceReply = true
		if p, ok := obj["input_field_placeholder"]; ok {
			if err := json.Unmarshal(p, &mk.placeholder); err != nil {
				return nil, badRequest("field \"input_field_placeholder\" must be of type String")
			}
			if utf8.RuneCountInString(mk.placeholder) > 64 {
				return nil, badRequest("input field placeholder is too long")
			}
		}
		mk.selective = isTrue(obj["selective"])
	case obj["keyboard"] != nil || isTrue(obj["remove_keyboard"]):
		mk.other = true
	default:
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	return mk, nil
}

func isTrue(raw json.RawMessage) bool { return string(raw) == "true" }

func parseInlineButton(bt map[string]json.RawMessage) (button, error) {
	var b button
	t, ok := bt["text"]
	if !ok || json.Unmarshal(t, &b.text) != nil {
		return b, badRequest("can't parse inline keyboard button: Field \"text\" must be of type String")
	}
	if b.text == "" {
		return b, badRequest("BUTTON_TEXT_EMPTY")
	}
	actions := 0
	for _, a := range inlineActions {
		if v, ok := bt[a]; ok && string(v) != "null" && string(v) != "false" {
			actions++
		}
	}
	if actions == 0 {
		return b, badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
	}
	if d, ok := bt["callback_data"]; ok && string(d) != "null" {
		if json.Unmarshal(d, &b.data) != nil || len(b.data) == 0 || len(b.data) > MaxCallbackData {
			return b, badRequest("BUTTON_DATA_INVALID")
		}
	}
	if u, ok := bt["url"]; ok && string(u) != "null" {
		if json.Unmarshal(u, &b.url) != nil || !validButtonURL(b.url) {
			return b, badRequest("inline keyboard button URL '%s' is invalid: Wrong HTTP URL", b.url)
		}
	}
	clean := make(map[string]json.RawMessage, len(bt))
	for k, v := range bt {
		if string(v) != "null" && string(v) != "false" {
			clean[k] = v
		}
	}
	b.raw = mustJSON(clean) // map keys are sorted: a canonical form
	return b, nil
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
