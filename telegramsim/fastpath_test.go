package telegramsim

import (
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// The simulator reads the usual requests on fast paths; these fuzz tests compare each
// with the standard library's reading that it stands in for.

// FuzzScanMarkup checks that what scanMarkup reads, encoding/json reads the same way:
// the same members with the same raw values, and the same canonical buttons.
func FuzzScanMarkup(f *testing.F) {
	for _, seed := range []string{
		benchMarkup(0), `{"inline_keyboard":[[{"text":"a","callback_data":"b"}]]}`,
		` { "inline_keyboard" : [ [ ] , [ { "text" : "a\u0026\"" , "url" : null , "pay" : false } ] ] } `,
		`{"force_reply":true,"input_field_placeholder":"x","selective":false}`, `{"remove_keyboard":true}`,
		`{"inline_keyboard":[[{"text":"a","text":"b"}]]}`, `{"a":"\ud800\u00e9\n"}`, "{\"a\":\"\xff\"}", `{}`, `{"a":1}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		top, rows, ok := scanMarkup(raw, new(markupScratch))
		if !ok {
			return
		}
		gtop, grows, err := decodeMarkup(raw)
		if err != nil {
			t.Fatalf("scanMarkup read %q, encoding/json: %v", raw, err)
		}
		sameObject(t, raw, top, gtop)
		// the keyboard written as the buttons are read is the one built from encoding/json's
		if mk, err := parseReplyMarkup(raw, false); err == nil && mk != nil {
			var want [][]button
			for _, row := range grows {
				var out []button
				for _, bt := range row {
					out = append(out, button{raw: canonicalButton(bt)})
				}
				if len(out) > 0 {
					want = append(want, out)
				}
			}
			if string(mk.inline) != string(inlineJSON(want)) {
				t.Fatalf("%q: keyboard %s, encoding/json %s", raw, mk.inline, inlineJSON(want))
			}
		}
		if len(rows) != len(grows) {
			t.Fatalf("%q: %d rows, encoding/json %d", raw, len(rows), len(grows))
		}
		for i := range rows {
			if len(rows[i]) != len(grows[i]) {
				t.Fatalf("%q: row %d has %d buttons, encoding/json %d", raw, i, len(rows[i]), len(grows[i]))
			}
			for j := range rows[i] {
				sameObject(t, raw, rows[i][j], grows[i][j])
				if a, b := appendCanonicalButton(nil, rows[i][j]), canonicalButton(grows[i][j]); string(a) != string(b) {
					t.Fatalf("%q: canonical button %s, encoding/json %s", raw, a, b)
				}
				for _, m := range rows[i][j] {
					var a, b string
					errA, errB := unmarshalString(m.val, &a), json.Unmarshal([]byte(m.val), &b)
					if a != b || (errA == nil) != (errB == nil) {
						t.Fatalf("unmarshalString(%q) = %q, %v; encoding/json %q, %v", m.val, a, errA, b, errB)
					}
				}
			}
		}
	})
}

func sameObject(t *testing.T, raw string, a, b jsonObject) {
	t.Helper()
	sorted := func(o jsonObject) string {
		var s []string
		for _, m := range o {
			s = append(s, m.key+"="+m.val)
		}
		slices.Sort(s)
		return strings.Join(s, "\x00")
	}
	if sorted(a) != sorted(b) {
		t.Fatalf("%q: scanMarkup %q, encoding/json %q", raw, a, b)
	}
}

// FuzzParseFormBody compares parseFormBody with url.ParseQuery, which ParseForm uses.
func FuzzParseFormBody(f *testing.F) {
	for _, seed := range []string{
		"", "a=1&b=2", "text=a+b%20c%2Bd&text=second&&=x&novalue&parse_mode=", "a=%zz", "a=1;b=2", "a=%4", "%41=%e1%BA%BF",
		"a=1&a=2", "=", "&&&", "a==b", strings.Repeat("a=1&", 1200),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got, err := parseFormBody(strings.NewReader(body))
		vs, werr := url.ParseQuery(body)
		if (err != nil) != (werr != nil) {
			t.Fatalf("parseFormBody(%q) error %v, url.ParseQuery %v", body, err, werr)
		}
		want := map[string]string{}
		if werr == nil {
			for k, v := range vs {
				want[k] = v[0]
			}
		}
		if got == nil || !maps.Equal(got, want) {
			t.Fatalf("parseFormBody(%q) = %q, want %q", body, got, want)
		}
	})
}

// FuzzMayHaveEntities checks that the quick check never hides an entity.
func FuzzMayHaveEntities(f *testing.F) {
	for _, seed := range []string{
		"/units@ThiDuaBot hi @lan_admin #thiđua #123 see https://x.vn/a?b=1. mail a@b /x/y", "a/ b@ #\u0301x x:/ /", "#\xff", "@@@", "http://",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if !mayHaveEntities(text) && scanEntities(text) != nil {
			t.Fatalf("mayHaveEntities(%q) = false, entities %+v", text, scanEntities(text))
		}
	})
}

// FuzzUnmarshalString compares unmarshalString with json.Unmarshal into a string.
func FuzzUnmarshalString(f *testing.F) {
	for _, seed := range []string{
		`"plain"`, `"Kết quả \u0026 chi tiết"`, `"\ud83d\ude00 \ud800 \udc00x \u00e9\n\t\/\\\""`, "\"\xff\xfe\"", `"a\'"`, `"a"b"`,
		`"\u12"`, `null`, `5`, `"`, `""`, "\"\x01\"", `"\ud800\u0041"`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var a, b string
		errA, errB := unmarshalString(raw, &a), json.Unmarshal([]byte(raw), &b)
		if a != b || (errA == nil) != (errB == nil) {
			t.Fatalf("unmarshalString(%q) = %q, %v; encoding/json %q, %v", raw, a, errA, b, errB)
		}
	})
}
