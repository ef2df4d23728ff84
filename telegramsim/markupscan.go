package telegramsim

// scanMarkup reads the usual reply_markup without encoding/json: an object whose keys
// are plain ([A-Za-z0-9_]) and unique, whose values are strings, true, false or null,
// except inline_keyboard, an array of arrays of such objects. It returns the members of
// the object and the keyboard's buttons (raw values are parts of raw), and ok = false
// for anything else (other values, escaped keys, duplicates, invalid JSON), which the
// caller then reads with encoding/json.
func scanMarkup(raw string) (top jsonObject, rows []([]jsonObject), ok bool) {
	sc := scanner{s: raw}
	sc.space()
	top, ok = sc.object("inline_keyboard", func() bool {
		rows, ok = sc.keyboard()
		return ok
	})
	if !ok {
		return nil, nil, false
	}
	sc.space()
	if sc.i != len(sc.s) {
		return nil, nil, false
	}
	return top, rows, true
}

type scanner struct {
	s string
	i int
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

// object reads {"key": value, ...}. The value of specialKey is read by special, which
// reports success; other values must be simple.
func (sc *scanner) object(specialKey string, special func() bool) (jsonObject, bool) {
	if !sc.eat('{') {
		return nil, false
	}
	o := make(jsonObject, 0, 4)
	if sc.eat('}') {
		return o, true
	}
	for {
		key, ok := sc.key()
		if !ok || !sc.eat(':') {
			return nil, false
		}
		if _, dup := o.get(key); dup {
			return nil, false
		}
		sc.space()
		start := sc.i
		if key == specialKey {
			if !special() {
				return nil, false
			}
		} else if !sc.simple() {
			return nil, false
		}
		o = append(o, jsonMember{key, sc.s[start:sc.i]})
		if sc.eat('}') {
			return o, true
		}
		if !sc.eat(',') {
			return nil, false
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

// keyboard reads [[{button}, ...], ...].
func (sc *scanner) keyboard() ([]([]jsonObject), bool) {
	if !sc.eat('[') {
		return nil, false
	}
	rows := make([]([]jsonObject), 0, 4)
	if sc.eat(']') {
		return rows, true
	}
	for {
		if !sc.eat('[') {
			return nil, false
		}
		row := make([]jsonObject, 0, 4)
		if !sc.peek(']') {
			for {
				b, ok := sc.object("", nil)
				if !ok {
					return nil, false
				}
				row = append(row, b)
				if !sc.eat(',') {
					break
				}
			}
		}
		if !sc.eat(']') {
			return nil, false
		}
		rows = append(rows, row)
		if sc.eat(']') {
			return rows, true
		}
		if !sc.eat(',') {
			return nil, false
		}
	}
}
