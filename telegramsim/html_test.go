package telegramsim

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseHTMLAccepts(t *testing.T) {
	tests := []struct {
		in   string
		text string
		ents []Entity
	}{
		{"plain", "plain", nil},
		{"<b>Xin chào</b> &amp; <i>hi</i>", "Xin chào & hi", []Entity{{Type: "bold", Offset: 0, Length: 8}, {Type: "italic", Offset: 11, Length: 2}}},
		{"<strong>a</strong><em>b</em><u>c</u><ins>d</ins><s>e</s><strike>f</strike><del>g</del>", "abcdefg", []Entity{
			{Type: "bold", Offset: 0, Length: 1}, {Type: "italic", Offset: 1, Length: 1}, {Type: "underline", Offset: 2, Length: 1},
			{Type: "underline", Offset: 3, Length: 1}, {Type: "strikethrough", Offset: 4, Length: 1},
			{Type: "strikethrough", Offset: 5, Length: 1}, {Type: "strikethrough", Offset: 6, Length: 1}}},
		{`<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>`, "xy", []Entity{{Type: "spoiler", Offset: 0, Length: 1}, {Type: "spoiler", Offset: 1, Length: 1}}},
		{`<a href="https://example.com/?a=1&amp;b=2">link</a>`, "link", []Entity{{Type: "text_link", Offset: 0, Length: 4, URL: "https://example.com/?a=1&b=2"}}},
		{`<a href='tg://user?id=1'>u</a>`, "u", []Entity{{Type: "text_link", Offset: 0, Length: 1, URL: "tg://user?id=1"}}},
		{"<code>x &lt; y</code>", "x < y", []Entity{{Type: "code", Offset: 0, Length: 5}}},
		{`<pre><code class="language-go">fmt.Println()</code></pre>`, "fmt.Println()", []Entity{{Type: "pre", Offset: 0, Length: 13, Language: "go"}}},
		{`<pre>raw</pre>`, "raw", []Entity{{Type: "pre", Offset: 0, Length: 3}}},
		{`<blockquote>q</blockquote><blockquote expandable>e</blockquote>`, "qe", []Entity{{Type: "blockquote", Offset: 0, Length: 1}, {Type: "expandable_blockquote", Offset: 1, Length: 1}}},
		{`<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>`, "👍", []Entity{{Type: "custom_emoji", Offset: 0, Length: 2, CustomEmojiID: "5368324170671202286"}}},
		{"&lt;&gt;&amp;&quot;&#65;&#x42;&#x1F600;", `<>&"AB😀`, nil},
		{"&lt without semicolon", "< without semicolon", nil},
		{"A & B, AT&T", "A & B, AT&T", nil},
		{"<B>upper</B>", "upper", []Entity{{Type: "bold", Offset: 0, Length: 5}}},
		{"<b>x</>", "x", []Entity{{Type: "bold", Offset: 0, Length: 1}}},
		{"<b>outer <i>both</i></b>", "outer both", []Entity{{Type: "bold", Offset: 0, Length: 10}, {Type: "italic", Offset: 6, Length: 4}}},
		{"<b></b>empty", "empty", nil},
		{"😀<b>x</b>", "😀x", []Entity{{Type: "bold", Offset: 2, Length: 1}}},
		{`<a href="x" title="ignored">t</a>`, "t", []Entity{{Type: "text_link", Offset: 0, Length: 1, URL: "x"}}},
		{"&#0; &#xD800;", "&#0; &#xD800;", nil},
	}
	for _, tt := range tests {
		text, ents, err := parseHTML(tt.in, true)
		if err != nil {
			t.Errorf("parseHTML(%q): %v", tt.in, err)
			continue
		}
		if text != tt.text {
			t.Errorf("parseHTML(%q) text = %q, want %q", tt.in, text, tt.text)
		}
		if !entitiesEqual(ents, tt.ents) {
			t.Errorf("parseHTML(%q) entities = %+v, want %+v", tt.in, ents, tt.ents)
		}
	}
}

func TestParseHTMLRejects(t *testing.T) {
	tests := []struct{ in, err string }{
		{"1 < 2", `Unsupported start tag "" at byte offset 2`},
		{"<div>x</div>", `Unsupported start tag "div" at byte offset 0`},
		{"<b>x", `Can't find end tag corresponding to start tag "b"`},
		{"<b>x</i>", `Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`},
		{"x</b>", `Unexpected end tag at byte offset 1`},
		{"<b", `Unclosed start tag at byte offset 0`},
		{"<b>x</b", `Unclosed end tag at byte offset 4`},
		{`<a href="x>y</a>`, `Unclosed end of attribute value at byte offset 8`},
		{"<span>x</span>", `Tag "span" must have class "tg-spoiler" at byte offset 0`},
		{`<span class="other">x</span>`, `Tag "span" must have class "tg-spoiler" at byte offset 0`},
		{"caf&eacute;", `Unsupported HTML entity "&eacute;" at byte offset 3`},
		{"a&nbsp;b", `Unsupported HTML entity "&nbsp;" at byte offset 1`},
		{`<tg-emoji>x</tg-emoji>`, `Invalid custom emoji identifier specified`},
		{`<a =x>y</a>`, `Empty attribute name in the tag "a" at byte offset 0`},
	}
	for _, tt := range tests {
		_, _, err := parseHTML(tt.in, true)
		if err == nil || err.Error() != tt.err {
			t.Errorf("parseHTML(%q) error = %v, want %q", tt.in, err, tt.err)
		}
	}
	// Telegram itself keeps unknown named entities as text.
	if text, _, err := parseHTML("a&nbsp;b", false); err != nil || text != "a&nbsp;b" {
		t.Errorf("lenient parseHTML(&nbsp;) = %q, %v", text, err)
	}
}

func TestDetectEntities(t *testing.T) {
	text := "/units@ThiDuaBot hi @lan_admin #thiđua #123 see https://x.vn/a?b=1. mail a@b /x/y"
	ents := detectEntities(text)
	m := Message{Text: text, Entities: ents}
	var got []string
	for _, e := range ents {
		got = append(got, e.Type+":"+m.EntityText(e))
	}
	want := []string{"bot_command:/units@ThiDuaBot", "mention:@lan_admin", "hashtag:#thiđua", "url:https://x.vn/a?b=1"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("detectEntities = %q, want %q", got, want)
	}
	// offsets count UTF-16 units
	ents = detectEntities("😀 /start")
	if len(ents) != 1 || ents[0].Offset != 3 || ents[0].Length != 6 {
		t.Errorf("detectEntities after emoji = %+v", ents)
	}
}

func TestTrimText(t *testing.T) {
	text, ents := trimText("  \n<x> \n", []Entity{{Type: "bold", Offset: 0, Length: 6}})
	if text != "<x>" || len(ents) != 1 || ents[0] != (Entity{Type: "bold", Offset: 0, Length: 3}) {
		t.Errorf("trimText = %q %+v", text, ents)
	}
}

// FuzzParseHTML checks that the parser never panics, that what it accepts yields
// entities inside the text, and that escaping the plain text round-trips.
func FuzzParseHTML(f *testing.F) {
	for _, seed := range []string{
		"<b>x</b>", "1 < 2", "&lt;&#128512;&#x1F600;&amp", `<a href="https://a.b/?x=1&amp;y">l</a>`,
		`<pre><code class="language-go">x</code></pre>`, "<blockquote expandable>q</blockquote>", "<b><i>x</b>",
		`<span class="tg-spoiler">s</span>`, "&#xD800;", "<tg-emoji emoji-id=\"1\">e</tg-emoji>", "</>", "<b>\xff</b>",
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, in string, strict bool) {
		text, ents, err := parseHTML(in, strict)
		if err != nil {
			if text != "" || ents != nil {
				t.Fatalf("error with output: %q %v", text, ents)
			}
			return
		}
		if !utf8.ValidString(in) {
			// sendMessage refuses invalid UTF-8 before parsing ("text must be
			// encoded in UTF-8"); bytes of a split character counted apart may
			// join into one in the text, so offsets are only checked on valid input.
			return
		}
		n := utf16Len(text)
		for _, e := range ents {
			if e.Offset < 0 || e.Length <= 0 || e.Offset+e.Length > n {
				t.Fatalf("entity %+v outside text %q (len %d)", e, text, n)
			}
		}
		if !utf8.ValidString(text) {
			t.Fatalf("valid input %q gave invalid UTF-8 %q", in, text)
		}
		again, ents2, err := parseHTML(EscapeHTML(text), true)
		if err != nil || again != text || len(ents2) != 0 {
			t.Fatalf("escape round trip of %q: %q %v %v", text, again, ents2, err)
		}
	})
}
