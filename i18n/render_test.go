package i18n

import (
	"fmt"
	"testing"
)

// T's scan replaces placeholders exactly as the placeholder pattern would, for every message
// of the catalog in both languages, with arguments of every kind, missing ones and repeated
// names, and for templates with stray braces.
func TestTMatchesThePattern(t *testing.T) {
	reference := func(tmpl string, args ...any) string {
		vals := map[string]string{}
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
	for key, m := range catalog {
		for _, lang := range []string{"vi", "en"} {
			tmpl, _ := Lookup(lang, key)
			var args []any
			for i, name := range Placeholders(tmpl) {
				if i%3 == 2 {
					continue // left out: the placeholder stays
				}
				args = append(args, name, fmt.Sprintf("<v%d & %s>", i, name))
			}
			args = append(args, "unused", 7, "n", Raw("<b>x</b>"), "n", 42)
			if got, want := T(lang, key, args...), reference(tmpl, args...); got != want {
				t.Errorf("%s/%s: got %q, want %q", key, lang, got, want)
			}
		}
		_ = m
	}
	catalog["test.braces"] = Msg{VI: "{ {a} {{b}} {c {d}} {} {A} {e_1}x{", EN: "}{a}{"}
	defer delete(catalog, "test.braces")
	for _, lang := range []string{"vi", "en"} {
		tmpl, _ := Lookup(lang, "test.braces")
		args := []any{"a", "1", "b", "2", "d", "<4>", "e_1", 5}
		if got, want := T(lang, "test.braces", args...), reference(tmpl, args...); got != want {
			t.Errorf("braces %s: got %q, want %q", lang, got, want)
		}
	}
}
