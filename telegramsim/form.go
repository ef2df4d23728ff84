package telegramsim

import (
	"bytes"
	"io"
	"net/url"
	"slices"
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
	pairs := bytes.Count(raw, []byte{'&'}) + 1
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

	// Unescape every key and value into dec (never longer than raw), noting where each
	// ends.
	decBuf := getBuffer()
	defer putBuffer(decBuf)
	dec := slices.Grow((*decBuf)[:0], len(raw))[:len(raw)]
	*decBuf = dec
	n := 0
	var endsBuf [32]int
	ends := endsBuf[:0]
	for rest := raw; len(rest) > 0; {
		seg := rest
		if i := bytes.IndexByte(rest, '&'); i >= 0 {
			seg, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if bytes.IndexByte(seg, ';') >= 0 {
			return map[string]string{}, badRequest("can't read request body")
		}
		if len(seg) == 0 {
			continue
		}
		key, value, _ := bytes.Cut(seg, []byte{'='})
		k, okKey := unescapeInto(dec, n, key)
		v, okValue := unescapeInto(dec, k, value)
		if !okKey || !okValue {
			return map[string]string{}, badRequest("can't read request body")
		}
		n = v
		ends = append(ends, k, v)
	}
	all := string(dec[:n])
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

// unescapeInto writes url.QueryUnescape(s) into dst at n and returns the new end;
// ok is false when a % does not start a %XX escape.
func unescapeInto(dst []byte, n int, s []byte) (end int, ok bool) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '%':
			if i+2 >= len(s) {
				return n, false
			}
			hi, lo := hexDigits[s[i+1]], hexDigits[s[i+2]]
			if hi > 15 || lo > 15 {
				return n, false
			}
			dst[n] = hi<<4 | lo
			i += 2
		case '+':
			dst[n] = ' '
		default:
			dst[n] = c
		}
		n++
	}
	return n, true
}

// hexDigits is the value of each hexadecimal digit; 0xff for other bytes.
var hexDigits = func() (t [256]byte) {
	for c := range t {
		t[c] = 0xff
		if isHexDigit(byte(c)) {
			t[c] = byte(hexValue(byte(c)))
		}
	}
	return t
}()

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
