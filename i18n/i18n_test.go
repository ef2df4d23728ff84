package i18n

import (
	"reflect"
	"strings"
	"testing"
)

// Every message exists in both languages, with the same placeholders.
func TestCatalogComplete(t *testing.T) {
	if len(Keys()) < 50 {
		t.Fatalf("catalog has only %d keys; is a feature file missing?", len(Keys()))
	}
	for _, k := range Keys() {
		m := catalog[k]
		if strings.TrimSpace(m.VI) == "" {
			t.Errorf("%s: Vietnamese text missing", k)
		}
		if strings.TrimSpace(m.EN) == "" {
			t.Errorf("%s: English text missing", k)
		}
		if vi, en := Placeholders(m.VI), Placeholders(m.EN); !reflect.DeepEqual(vi, en) {
			t.Errorf("%s: placeholders differ: vi %v, en %v", k, vi, en)
		}
	}
}

func TestRenderEscapes(t *testing.T) {
	catalog["test.x"] = Msg{VI: "Xin chào <b>{name}</b> {raw}", EN: "Hi <b>{name}</b> {raw}"}
	defer delete(catalog, "test.x")
	got := T("en", "test.x", "name", "<b>&", "raw", Raw("<i>ok</i>"))
	if want := "Hi <b>&lt;b&gt;&amp;</b> <i>ok</i>"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := T("vi", "test.x", "name", "A"); !strings.HasPrefix(got, "Xin chào <b>A</b>") {
		t.Fatalf("vi: %q", got)
	}
	if got := T("vi", "no.such.key"); got != "no.such.key" {
		t.Fatalf("missing key rendered %q", got)
	}
}
