package telegramsim

import "sync"

// scanMarkup reads the usual reply_markup without encoding/json: an object whose keys
// are plain ([A-Za-z0-9_]) and unique, whose values are strings, true, false or null,
// except inline_keyboard, an array of arrays of such objects. It returns the members of
// the object and the keyboard's buttons (raw values are parts of raw; the slices are
// parts of ms, valid until it is reused), and ok = false for anything else (other
// values, escaped keys, duplicates, invalid JSON), which the caller then reads with
// encoding/json.
func scanMarkup(raw string, ms *markupScratch) (top jsonObject, rows []([]jsonObject), ok bool) {
	ms.reset()
	sc := scanner{s: raw, markupScratch: ms}
	sc.space()
	ok = sc.object(&ms.top, "inline_keyboard", sc.keyboard)
	if !ok {
		return nil, nil, false
	}
	sc.space()
	if sc.i != len(sc.s) {
		return nil, nil, false
	}
	start := 0
	for _, end := range ms.buttons {
		ms.objs = append(ms.objs, ms.members[start:end:end])
		start = end
	}
	start = 0
	for _, end := range ms.rows {
		ms.kb = append(ms.kb, ms.objs[start:end:end])
		start = end
	}
	return ms.top, ms.kb, true
}

// markupScratch is scanMarkup's memory, reused from one request to the next.
type markupScratch struct {
	top     []jsonMember
	members []jsonMember // every button's members, one button after another
	buttons []int        // where each button's members end
	rows    []int        // where each row's buttons end
	objs    []jsonObject // the buttons
	kb      [][]jsonObject
}

func (ms *markupScratch) reset() {
	ms.top, ms.members, ms.buttons, ms.rows = ms.top[:0], ms.members[:0], ms.buttons[:0], ms.rows[:0]
	ms.objs, ms.kb = ms.objs[:0], ms.kb[:0]
}

var markupScratchPool = sync.Pool{New: func() any { return new(markupScratch) }}

type scanner struct {
	s string
	i int
	*markupScratch
}

func (sc *scanner) space() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

// eat consumes c (after white space).
func (sc *scanner) eat(c byte) bool {
	sc.space()
	if sc.i < len(sc.s) && sc.s[sc.i] == c {
		sc.i++
		return true
	}
	return false
}

// peek reports whether c is next (after white space), without consuming it.
func (sc *scanner) peek(c byte) bool {
	sc.space()
	return sc.i < len(sc.s) && sc.s[sc.i] == c
}

// object reads {"key": value, ...} and appends its members to *dst. The value of
// specialKey is read by special, which reports success; other values must be simple.
func (sc *scanner) object(dst *[]jsonMember, specialKey string, special func() bool) bool {
	if !sc.eat('{') {
		return false
	}
	start := len(*dst)
	if sc.eat('}') {
		return true
	}
	for {
		key, ok := sc.key()
		if !ok || !sc.eat(':') {
			return false
		}
		if _, dup := jsonObject((*dst)[start:]).get(key); dup {
			return false
		}
		sc.space()
		from := sc.i
		if key == specialKey {
			if !special() {
				return false
			}
		} else if !sc.simple() {
			return false
		}
		*dst = append(*dst, jsonMember{key, sc.s[from:sc.i]})
		if sc.eat('}') {
			return true
		}
		if !sc.eat(',') {
			return false
		}
	}
}

// key reads a plain key: "[A-Za-z0-9_]+".
func (sc *scanner) key() (string, bool) {
	if !sc.eat('"') {
		return "", false
	}
	start := sc.i
	for sc.i < len(sc.s) {
		c := sc.s[sc.i]
		if c == '"' {
			if sc.i == start {
				return "", false
			}
			sc.i++
			return sc.s[start : sc.i-1], true
		}
		if !isASCIIAlnum(c) && c != '_' {
			return "", false
		}
		sc.i++
	}
	return "", false
}

// simple reads a string, true, false or null.
func (sc *scanner) simple() bool {
	if sc.i >= len(sc.s) {
		return false
	}
	if sc.s[sc.i] == '"' {
		return sc.str()
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(sc.s)-sc.i >= len(lit) && sc.s[sc.i:sc.i+len(lit)] == lit {
			sc.i += len(lit)
			return true
		}
	}
	return false
}

// str reads a JSON string, checking its escapes; control characters are invalid.
func (sc *scanner) str() bool {
	sc.i++ // the opening quote
	for sc.i < len(sc.s) {
		c := sc.s[sc.i]
		switch {
		case c == '"':
			sc.i++
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if sc.i+1 >= len(sc.s) {
				return false
			}
			switch sc.s[sc.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				sc.i += 2
			case 'u':
				if sc.i+6 > len(sc.s) {
					return false
				}
				for k := sc.i + 2; k < sc.i+6; k++ {
					if !isHexDigit(sc.s[k]) {
						return false
					}
				}
				sc.i += 6
			default:
				return false
			}
		default:
			sc.i++
		}
	}
	return false
}

// keyboard reads [[{button}, ...], ...] into the scratch's members, buttons and rows.
func (sc *scanner) keyboard() bool {
	if !sc.eat('[') {
		return false
	}
	if sc.eat(']') {
		return true
	}
	for {
		if !sc.eat('[') {
			return false
		}
		if !sc.peek(']') {
			for {
				if !sc.object(&sc.members, "", nil) {
					return false
				}
				sc.buttons = append(sc.buttons, len(sc.members))
				if !sc.eat(',') {
					break
				}
			}
		}
		if !sc.eat(']') {
			return false
		}
		sc.rows = append(sc.rows, len(sc.buttons))
		if sc.eat(']') {
			return true
		}
		if !sc.eat(',') {
			return false
		}
	}
}
