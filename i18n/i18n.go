// Package i18n holds the bot's messages in Vietnamese and English and renders them as
// Telegram HTML. Values put into a message are escaped unless marked Raw.
package i18n

import (
	"fmt"
	"html"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Msg is one message in both languages.
type Msg struct {
	VI string
	EN string
}

// Raw is a value that is already HTML (built by the bot, with user text escaped inside).
type Raw string

// catalog is filled by each feature file's init with its own messages. It is read-only after
// program start.
var catalog = map[string]Msg{}

func add(msgs map[string]Msg) {
	for k, v := range msgs {
		if _, dup := catalog[k]; dup {
			panic("i18n: duplicate key " + k)
		}
		catalog[k] = v
	}
}

// Has reports whether a key exists.
func Has(key string) bool { _, ok := catalog[key]; return ok }

// Keys lists every key, sorted (for tests).
func Keys() []string {
	ks := make([]string, 0, len(catalog))
	for k := range catalog {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Lookup returns a key's raw template in a language.
func Lookup(lang, key string) (string, bool) {
	m, ok := catalog[key]
	if !ok {
		return "", false
	}
	if lang == "en" {
		return m.EN, true
	}
	return m.VI, true
}

var placeholder = regexp.MustCompile(`\{([a-z_0-9]+)\}`)

// Placeholders lists the {names} in a template (for tests).
func Placeholders(tmpl string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(tmpl, -1) {
		out = append(out, m[1])
	}
	sort.Strings(out)
	return out
}

// T renders a message: args are name, value pairs. Strings are HTML-escaped; Raw is not;
// other values are printed with fmt. A missing key renders as the key itself, so a gap shows
// in tests rather than as an empty message.
func T(lang, key string, args ...any) string {
	tmpl, ok := Lookup(lang, key)
	if !ok {
		return key
	}
	if len(args) == 0 {
		return tmpl
	}
	// Replace each {name} (the placeholder pattern) by its argument, scanning once: this runs
	// for nearly every message the bot renders.
	var b strings.Builder
	b.Grow(len(tmpl) + 64)
	i := 0
	for {
		j := strings.IndexByte(tmpl[i:], '{')
		if j < 0 {
			b.WriteString(tmpl[i:])
			return b.String()
		}
		j += i
		k := j + 1
		for k < len(tmpl) && isNameByte(tmpl[k]) {
			k++
		}
		if k > j+1 && k < len(tmpl) && tmpl[k] == '}' {
			if v, ok := arg(args, tmpl[j+1:k]); ok {
				b.WriteString(tmpl[i:j])
				b.WriteString(v)
				i = k + 1
				continue
			}
		}
		b.WriteString(tmpl[i : j+1])
		i = j + 1
	}
}

func isNameByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' }

// arg is the value of the named argument (the last one of that name), rendered.
func arg(args []any, name string) (string, bool) {
	for i := (len(args)/2 - 1) * 2; i >= 0; i -= 2 {
		if n, _ := args[i].(string); n == name {
			return value(args[i+1]), true
		}
	}
	return "", false
}

func value(v any) string {
	switch x := v.(type) {
	case Raw:
		return string(x)
	case string:
		return html.EscapeString(x)
	case int: // counts and ids: digits, nothing to escape
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case fmt.Stringer:
		return html.EscapeString(x.String())
	default:
		return html.EscapeString(fmt.Sprint(x))
	}
}

// Esc escapes user text for Telegram HTML.
func Esc(s string) string { return html.EscapeString(s) }

// Join joins already-rendered pieces.
func Join(parts []string, sep string) Raw { return Raw(strings.Join(parts, sep)) }
