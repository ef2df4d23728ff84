package telegramsim

import (
	"io"
	"net/url"
)

// parseFormBody reads the parameters of a form-encoded POST (the bot's requests), as
// parseParams does through ParseForm (url.ParseQuery; a key's first value; any error is
// "can't read request body" with no parameters) but without url.Values: the keys and
// values are unescaped into one string.
func parseFormBody(body io.Reader) (map[string]string, error) {
	buf := getBuffer()
	defer putBuffer(buf)
	raw, err := readAll((*buf)[:0], body)
	*buf = raw
	if err != nil {
		return map[string]string{}, bodyError(err)
	}
	pairs := 1
	for _, c := range raw {
		if c == '&' {
			pairs++
		}
	}
	if pairs > 1000 { // url.ParseQuery has a limit on the number of parameters
		vs, err := url.ParseQuery(string(raw))
		if err != nil {
			return map[string]string{}, bodyError(err)
		}
		p := make(map[string]string, len(vs))
		for k, v := range vs {
			p[k] = v[0]
		}
		return p, nil
	}

	// Unescape every key and value into dec, noting where each ends.
	dec := make([]byte, 0, len(raw))
	ends := make([]int, 0, 2*pairs)
	var bad bool
	for rest := raw; len(rest) > 0; {
		var seg []byte
		if i := indexByte(rest, '&'); i >= 0 {
			seg, rest = rest[:i], rest[i+1:]
		} else {
			seg, rest = rest, nil
		}
		if indexByte(seg, ';') >= 0 {
			bad = true
			continue
		}
		if len(seg) == 0 {
			continue
		}
		key, value := seg, []byte(nil)
		if i := indexByte(seg, '='); i >= 0 {
			key, value = seg[:i], seg[i+1:]
		}
		if !validEscapes(key) || !validEscapes(value) {
			bad = true
			continue
		}
		dec = appendUnescaped(dec, key)
		ends = append(ends, len(dec))
		dec = appendUnescaped(dec, value)
		ends = append(ends, len(dec))
	}
	if bad {
		return map[string]string{}, badRequest("can't read request body")
	}
	all := string(dec)
	p := make(map[string]string, len(ends)/2)
	start := 0
	for i := 0; i < len(ends); i += 2 {
		k, v := all[start:ends[i]], all[ends[i]:ends[i+1]]
		start = ends[i+1]
		if _, dup := p[k]; !dup {
			p[k] = v
		}
	}
	return p, nil
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// validEscapes reports whether every % in s starts a %XX escape (url.QueryUnescape's check).
func validEscapes(s []byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			if i+2 >= len(s) || !isHexDigit(s[i+1]) || !isHexDigit(s[i+2]) {
				return false
			}
			i += 2
		}
	}
	return true
}

// appendUnescaped appends url.QueryUnescape(s); s has valid escapes.
func appendUnescaped(b, s []byte) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '%':
			b = append(b, byte(hexValue(s[i+1])<<4|hexValue(s[i+2])))
			i += 2
		case '+':
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return b
}

// readAll is io.ReadAll into b.
func readAll(b []byte, r io.Reader) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
	}
}
