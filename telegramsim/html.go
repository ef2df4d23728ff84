package telegramsim

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// The HTML parser follows tdlib's parse_html (the code behind parse_mode=HTML on
// api.telegram.org) including its error messages, so a rejected text fails here
// with the same "Bad Request: can't parse entities: ..." description.

// htmlParseError is a "can't parse entities" failure; Error() is the part after
// that prefix.
type htmlParseError struct{ msg string }

func (e *htmlParseError) Error() string { return e.msg }

func htmlErr(format string, args ...any) error {
	return &htmlParseError{msg: fmt.Sprintf(format, args...)}
}

// isHTMLTag reports whether Telegram supports the tag.
func isHTMLTag(name string) bool {
	switch name {
	case "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
		"code", "pre", "blockquote", "tg-emoji":
		return true
	}
	return false
}

// isHTMLSpace is tdlib's is_space.
func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'
}

func isASCIIAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isASCIIDigit(c byte) bool { return c >= '0' && c <= '9' }
func isASCIIAlnum(c byte) bool { return isASCIIAlpha(c) || isASCIIDigit(c) }

type openTag struct {
	name       string
	arg        string
	offset     int // UTF-16 offset where the entity starts
	expandable bool
}

// parseHTML turns Telegram-flavoured HTML into plain text and entities. With
// strictEntities, "&name;" with an unknown name is an error instead of text.
// src must be valid UTF-8 (callers check it first, as the Bot API does).
func parseHTML(src string, strictEntities bool) (string, []Entity, error) {
	return parseHTMLInto(nil, src, strictEntities)
}

// parseHTMLInto is parseHTML appending the entities to ents.
func parseHTMLInto(ents []Entity, src string, strictEntities bool) (string, []Entity, error) {
	var b strings.Builder
	b.Grow(len(src))
	var stackBuf [8]openTag
	stack := stackBuf[:0]
	u16 := 0
	n := len(src)
	for i := 0; i < n; {
		c := src[i]
		if c == '&' {
			if r, next, ok := decodeHTMLEntity(src, i); ok {
				b.WriteRune(r)
				u16 += utf16Units(r)
				i = next
				continue
			}
			if strictEntities {
				if name, ok := namedEntityAt(src, i); ok {
					return "", nil, htmlErr("Unsupported HTML entity \"&%s;\" at byte offset %d", name, i)
				}
			}
			// not a character reference: text
			b.WriteByte(c)
			u16++
			i++
			continue
		}
		if c != '<' {
			j := i + 1
			for j < n && src[j] != '<' && src[j] != '&' {
				j++
			}
			b.WriteString(src[i:j])
			u16 += utf16Len(src[i:j])
			i = j
			continue
		}

		begin := i
		i++
		if i < n && src[i] == '/' {
			// end tag
			if len(stack) == 0 {
				return "", nil, htmlErr("Unexpected end tag at byte offset %d", begin)
			}
			i++
			nameStart := i
			for i < n && !isHTMLSpace(src[i]) && src[i] != '>' {
				i++
			}
			endName := strings.ToLower(src[nameStart:i])
			for i < n && isHTMLSpace(src[i]) {
				i++
			}
			if i >= n || src[i] != '>' {
				return "", nil, htmlErr("Unclosed end tag at byte offset %d", begin)
			}
			i++
			top := stack[len(stack)-1]
			if endName != "" && endName != top.name {
				return "", nil, htmlErr("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", begin, top.name, endName)
			}
			stack = stack[:len(stack)-1]
			ents = closeHTMLTag(ents, top, u16)
			continue
		}

		// start tag
		for i < n && !isHTMLSpace(src[i]) && src[i] != '>' {
			i++
		}
		if i >= n {
			return "", nil, htmlErr("Unclosed start tag at byte offset %d", begin)
		}
		name := strings.ToLower(src[begin+1 : i])
		if !isHTMLTag(name) {
			return "", nil, htmlErr("Unsupported start tag \"%s\" at byte offset %d", name, begin)
		}
		tag := openTag{name: name, offset: u16}
		spanClass := ""
		hasEmojiID := false
		for {
			for i < n && isHTMLSpace(src[i]) {
				i++
			}
			if i >= n {
				return "", nil, htmlErr("Unclosed start tag \"%s\" at byte offset %d", name, begin)
			}
			if src[i] == '>' {
				i++
				break
			}
			attrStart := i
			for i < n && !isHTMLSpace(src[i]) && src[i] != '=' && src[i] != '>' {
				i++
			}
			attr := strings.ToLower(src[attrStart:i])
			if attr == "" {
				return "", nil, htmlErr("Empty attribute name in the tag \"%s\" at byte offset %d", name, begin)
			}
			for i < n && isHTMLSpace(src[i]) {
				i++
			}
			if i >= n {
				return "", nil, htmlErr("Unclosed start tag \"%s\" at byte offset %d", name, begin)
			}
			if src[i] != '=' {
				// an attribute without a value, e.g. <blockquote expandable>
				if name == "blockquote" && attr == "expandable" {
					tag.expandable = true
				}
				continue
			}
			i++
			for i < n && isHTMLSpace(src[i]) {
				i++
			}
			if i >= n {
				return "", nil, htmlErr("Unclosed start tag \"%s\" at byte offset %d", name, begin)
			}
			var val string
			if q := src[i]; q == '"' || q == '\'' {
				valStart := i + 1
				end := strings.IndexByte(src[valStart:], q)
				if end < 0 {
					return "", nil, htmlErr("Unclosed end of attribute value at byte offset %d", i)
				}
				val = decodeHTMLText(src[valStart : valStart+end])
				i = valStart + end + 1
			} else {
				// a name token: letters, digits, periods and hyphens, case-insensitive
				valStart := i
				for i < n && (isASCIIAlnum(src[i]) || src[i] == '.' || src[i] == '-') {
					i++
				}
				val = strings.ToLower(src[valStart:i])
				if i < n && !isHTMLSpace(src[i]) && src[i] != '>' {
					return "", nil, htmlErr("Unexpected end of name token at byte offset %d", i)
				}
			}
			if i < n && !isHTMLSpace(src[i]) && src[i] != '>' {
				return "", nil, htmlErr("Expected space after an attribute value at byte offset %d", i)
			}
			switch {
			case name == "a" && attr == "href":
				tag.arg = val
			case name == "code" && attr == "class" && strings.HasPrefix(val, "language-"):
				tag.arg = val[len("language-"):]
			case name == "span" && attr == "class":
				spanClass = val
			case name == "tg-emoji" && attr == "emoji-id":
				tag.arg = val
				hasEmojiID = true
			}
			// other attributes are ignored, as Telegram does
		}
		if name == "span" && spanClass != "tg-spoiler" {
			return "", nil, htmlErr("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", begin)
		}
		if name == "tg-emoji" && (!hasEmojiID || !isDecimal(tag.arg)) {
			return "", nil, htmlErr("Invalid custom emoji identifier specified")
		}
		stack = append(stack, tag)
	}
	if len(stack) > 0 {
		return "", nil, htmlErr("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].name)
	}
	sortEntities(ents)
	return b.String(), ents, nil
}

func isDecimal(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isASCIIDigit(s[i]) {
			return false
		}
	}
	return true
}

// closeHTMLTag appends the entity a closed tag produces. Empty entities vanish.
func closeHTMLTag(ents []Entity, t openTag, end int) []Entity {
	if end <= t.offset {
		return ents
	}
	e := Entity{Offset: t.offset, Length: end - t.offset}
	switch t.name {
	case "b", "strong":
		e.Type = "bold"
	case "i", "em":
		e.Type = "italic"
	case "u", "ins":
		e.Type = "underline"
	case "s", "strike", "del":
		e.Type = "strikethrough"
	case "tg-spoiler", "span":
		e.Type = "spoiler"
	case "a":
		if t.arg == "" {
			return ents
		}
		e.Type = "text_link"
		e.URL = t.arg
	case "code":
		e.Type = "code"
		e.Language = t.arg // kept only to merge into an enclosing <pre>
	case "pre":
		// <pre><code class="language-go">…</code></pre> is one pre entity with a language.
		if k := len(ents) - 1; k >= 0 && ents[k].Type == "code" && ents[k].Offset == e.Offset && ents[k].Length == e.Length && ents[k].Language != "" {
			ents[k].Type = "pre"
			return ents
		}
		e.Type = "pre"
	case "blockquote":
		e.Type = "blockquote"
		if t.expandable {
			e.Type = "expandable_blockquote"
		}
	case "tg-emoji":
		e.Type = "custom_emoji"
		e.CustomEmojiID = t.arg
	}
	return append(ents, e)
}

// sortEntities orders entities by offset, longer first, as Telegram returns them.
// A code entity's language is dropped here (only pre carries one).
func sortEntities(ents []Entity) {
	for i := range ents {
		if ents[i].Type == "code" {
			ents[i].Language = ""
		}
	}
	slices.SortStableFunc(ents, func(a, b Entity) int {
		if a.Offset != b.Offset {
			return cmp.Compare(a.Offset, b.Offset)
		}
		return cmp.Compare(b.Length, a.Length)
	})
}

// decodeHTMLEntity decodes the character reference at s[pos] ('&') as tdlib does:
// &lt; &gt; &amp; &quot; and numeric references, the ';' being optional. ok is false
// when the '&' is plain text.
func decodeHTMLEntity(s string, pos int) (r rune, next int, ok bool) {
	n := len(s)
	end := pos + 1
	var res uint32
	if end < n && s[end] == '#' {
		end++
		if end < n && s[end] == 'x' {
			end++
			for end < n && isHexDigit(s[end]) {
				res = res*16 + hexValue(s[end])
				end++
				if res >= 0x10ffff {
					return 0, 0, false
				}
			}
		} else {
			for end < n && isASCIIDigit(s[end]) {
				res = res*10 + uint32(s[end]-'0')
				end++
				if res >= 0x10ffff {
					return 0, 0, false
				}
			}
		}
		if res == 0 || res >= 0x10ffff || end-pos >= 10 || (res >= 0xd800 && res <= 0xdfff) {
			return 0, 0, false
		}
	} else {
		for end < n && isASCIIAlpha(s[end]) {
			end++
		}
		switch s[pos+1 : end] {
		case "lt":
			res = '<'
		case "gt":
			res = '>'
		case "amp":
			res = '&'
		case "quot":
			res = '"'
		default:
			return 0, 0, false
		}
	}
	if end < n && s[end] == ';' {
		end++
	}
	return rune(res), end, true
}

// namedEntityAt reports an "&name;" reference at s[pos] (whatever the name).
func namedEntityAt(s string, pos int) (string, bool) {
	j := pos + 1
	if j >= len(s) || !isASCIIAlpha(s[j]) {
		return "", false
	}
	for j < len(s) && isASCIIAlnum(s[j]) {
		j++
	}
	if j < len(s) && s[j] == ';' {
		return s[pos+1 : j], true
	}
	return "", false
}

func isHexDigit(c byte) bool { return isASCIIDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }

func hexValue(c byte) uint32 {
	if isASCIIDigit(c) {
		return uint32(c - '0')
	}
	return uint32(c|0x20-'a') + 10
}

// decodeHTMLText decodes character references in an attribute value.
func decodeHTMLText(s string) string {
	if strings.IndexByte(s, '&') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '&' {
			if r, next, ok := decodeHTMLEntity(s, i); ok {
				b.WriteRune(r)
				i = next
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// EscapeHTML escapes text for parse_mode=HTML (<, > and &), as a bot must.
func EscapeHTML(text string) string {
	return htmlEscaper.Replace(text)
}

var htmlEscaper = strings.NewReplacer("<", "&lt;", ">", "&gt;", "&", "&amp;")
