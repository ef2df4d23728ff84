// Package i18n holds the bot's messages in Vietnamese and English and renders them as
// Telegram HTML. Values put into a message are escaped unless marked Raw.
package i18n

import (
	"fmt"
	"html"
	"regexp"
	"sort"
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
	vals := make(map[string]string, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		name, _ := args[i].(string)
		vals[name] = value(args[i+1])
	}
	return placeholder.ReplaceAllStringFunc(tmpl, func(m string) string {
		if v, ok := vals[m[1:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

func value(v any) string {
	switch x := v.(type) {
	case Raw:
		return string(x)
	case string:
		return html.EscapeString(x)
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
