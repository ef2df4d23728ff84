package telegramsim

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Text limits of the Bot API, in UTF-16 code units after entity parsing.
const (
	MaxTextLength    = 4096
	MaxCaptionLength = 1024
)

func utf16Units(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// utf16Len is the length of s in UTF-16 code units, the unit Telegram counts in.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Units(r)
	}
	return n
}

// substrUTF16 returns the part of s between UTF-16 offsets off and off+length.
func substrUTF16(s string, off, length int) string {
	start, end := -1, len(s)
	pos := 0
	for i, r := range s {
		if pos >= off && start < 0 {
			start = i
		}
		if pos >= off+length {
			end = i
			break
		}
		pos += utf16Units(r)
	}
	if start < 0 {
		return ""
	}
	return s[start:end]
}

func isTrimSpace(r rune) bool {
	return r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\v' || r == '\f'
}

// trimText strips leading and trailing whitespace as Telegram does with message
// text, moving and clipping the entities.
func trimText(text string, ents []Entity) (string, []Entity) {
	trimmed := strings.TrimLeftFunc(text, isTrimSpace)
	lead := len(text) - len(trimmed) // ASCII whitespace: bytes == UTF-16 units
	trimmed = strings.TrimRightFunc(trimmed, isTrimSpace)
	if lead == 0 && len(trimmed)+lead == len(text) {
		return text, ents
	}
	total := utf16Len(trimmed)
	out := ents[:0:0]
	for _, e := range ents {
		start, end := e.Offset-lead, e.Offset+e.Length-lead
		start = max(start, 0)
		end = min(end, total)
		if end <= start {
			continue
		}
		e.Offset, e.Length = start, end-start
		out = append(out, e)
	}
	return trimmed, out
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func isCommandRune(r rune) bool {
	return r == '_' || (r < utf8.RuneSelf && isASCIIAlnum(byte(r)))
}

// detectEntities finds what Telegram recognises in plain text by itself:
// bot_command (with an optional @botname), mention, hashtag and url.
func detectEntities(text string) []Entity {
	if !mayHaveEntities(text) {
		return nil
	}
	return scanEntities(text)
}

// scanEntities is detectEntities without its quick check.
func scanEntities(text string) []Entity {
	sc := runeScratchPool.Get().(*runeScratch)
	defer runeScratchPool.Put(sc)
	runes := sc.runes[:0]
	for _, r := range text {
		runes = append(runes, r)
	}
	off := slices.Grow(sc.off[:0], len(runes)+1)[:len(runes)+1]
	sc.runes, sc.off = runes, off
	off[0] = 0
	for i, r := range runes {
		off[i+1] = off[i] + utf16Units(r)
	}
	var ents []Entity
	add := func(typ string, from, to int) {
		ents = append(ents, Entity{Type: typ, Offset: off[from], Length: off[to] - off[from]})
	}
	n := len(runes)
	// prevWord: the rune before i ends a word (or is a / @ #): no entity starts at i.
	prevWord := func(i int) bool {
		return i > 0 && (isWordRune(runes[i-1]) || runes[i-1] == '/' || runes[i-1] == '@' || runes[i-1] == '#')
	}
	for i := 0; i < n; i++ {
		switch runes[i] {
		case '/':
			if prevWord(i) {
				continue
			}
			j := i + 1
			for j < n && j-i-1 < 64 && isCommandRune(runes[j]) {
				j++
			}
			if j == i+1 {
				continue
			}
			if j < n && runes[j] == '@' {
				k := j + 1
				for k < n && isCommandRune(runes[k]) {
					k++
				}
				if k-j-1 >= 3 {
					j = k
				}
			}
			if j < n && (isWordRune(runes[j]) || runes[j] == '/') {
				continue
			}
			add("bot_command", i, j)
			i = j - 1
		case '@':
			if prevWord(i) {
				continue
			}
			j := i + 1
			for j < n && isCommandRune(runes[j]) {
				j++
			}
			if l := j - i - 1; l < 3 || l > 32 || (j < n && isWordRune(runes[j])) {
				continue
			}
			add("mention", i, j)
			i = j - 1
		case '#':
			if prevWord(i) {
				continue
			}
			j := i + 1
			letters := false
			for j < n && isWordRune(runes[j]) {
				if !unicode.IsDigit(runes[j]) {
					letters = true
				}
				j++
			}
			if !letters || j-i-1 > 256 {
				continue
			}
			add("hashtag", i, j)
			i = j - 1
		case ':':
			// url: http:// or https:// at a word start
			start := i
			for start > 0 && runes[start-1] < utf8.RuneSelf && isASCIIAlpha(byte(runes[start-1])) {
				start--
			}
			scheme := strings.ToLower(string(runes[start:i]))
			if (scheme != "http" && scheme != "https") || i+2 >= n || runes[i+1] != '/' || runes[i+2] != '/' {
				continue
			}
			if start > 0 && isWordRune(runes[start-1]) {
				continue
			}
			j := i + 3
			for j < n && !unicode.IsSpace(runes[j]) {
				j++
			}
			for j > i+3 && strings.ContainsRune(".,:;!?\"')]}>", runes[j-1]) {
				j--
			}
			if j == i+3 {
				continue
			}
			// drop a mention/hashtag found inside the url
			for len(ents) > 0 && ents[len(ents)-1].Offset >= off[start] {
				ents = ents[:len(ents)-1]
			}
			add("url", start, j)
			i = j - 1
		}
	}
	return ents
}

// mayHaveEntities is false when detectEntities would find nothing: no '/' or '@'
// followed by a command character, no '#' followed by a possible word character, no
// "://".
func mayHaveEntities(text string) bool {
	for i := 0; i < len(text)-1; i++ {
		switch next := text[i+1]; text[i] {
		case '/', '@':
			if next == '_' || isASCIIAlnum(next) {
				return true
			}
		case '#':
			if next == '_' || isASCIIAlnum(next) || next >= utf8.RuneSelf {
				return true
			}
		case ':':
			if strings.HasPrefix(text[i+1:], "//") {
				return true
			}
		}
	}
	return false
}

// runeScratch is detectEntities' working memory, reused.
type runeScratch struct {
	runes []rune
	off   []int
}

var runeScratchPool = sync.Pool{New: func() any { return new(runeScratch) }}

// mergeDetected adds auto-detected entities to parsed ones, skipping those inside
// code, pre, text_link and url entities.
func mergeDetected(parsed, detected []Entity) []Entity {
	if len(detected) == 0 {
		return parsed
	}
	out := slices.Grow(parsed, len(detected)) // parsed is not used after this
next:
	for _, d := range detected {
		for _, p := range parsed {
			switch p.Type {
			case "code", "pre", "text_link", "url", "custom_emoji":
				if d.Offset < p.Offset+p.Length && p.Offset < d.Offset+d.Length {
					continue next
				}
			}
		}
		out = append(out, d)
	}
	sortEntities(out)
	return out
}

// formatted is a text after parse_mode processing.
type formatted struct {
	text     string
	entities []Entity
	html     string
}

// formatText applies parse_mode (or explicit entities) the way sendMessage and
// friends do, and checks the length limit. what is "text" or "caption".
func (s *Sim) formatText(raw, parseMode, entitiesJSON string, caption bool) (formatted, error) {
	scratch := entityScratchPool.Get().(*[]Entity)
	defer entityScratchPool.Put(scratch)
	f, err := s.formatInto(scratch, raw, parseMode, entitiesJSON, caption)
	work := f.entities
	if cap(work) > cap(*scratch) {
		*scratch = work[:0] // merging grew it: keep the larger array for next time
	}
	// The message keeps its entities: an array of their size, not the working one.
	if len(work) > 0 {
		f.entities = append(make([]Entity, 0, len(work)), work...)
	} else {
		f.entities = nil
	}
	return f, err
}

// entityScratchPool holds arrays that parseHTML builds entities in.
var entityScratchPool = sync.Pool{New: func() any { return new([]Entity) }}

// formatInto is formatText; HTML entities are built in *scratch.
func (s *Sim) formatInto(scratch *[]Entity, raw, parseMode, entitiesJSON string, caption bool) (formatted, error) {
	if !utf8.ValidString(raw) {
		if caption {
			return formatted{}, badRequest("caption must be encoded in UTF-8")
		}
		return formatted{}, badRequest("text must be encoded in UTF-8")
	}
	var f formatted
	switch strings.ToLower(parseMode) {
	case "":
		f.text = raw
		if entitiesJSON != "" && entitiesJSON != "null" {
			ents, err := parseEntitiesParam(entitiesJSON, utf16Len(raw))
			if err != nil {
				return formatted{}, err
			}
			f.entities = ents
		}
	case "html":
		text, ents, err := parseHTMLInto((*scratch)[:0], raw, !s.opts.LenientHTMLEntities)
		if err != nil {
			return formatted{}, badRequest("can't parse entities: %s", err.Error())
		}
		*scratch = ents[:0] // keep what it grew to
		f.text, f.entities, f.html = text, ents, raw
	case "markdown", "markdownv2":
		// Not simulated: the text is kept as sent, without entities.
		f.text = raw
	default:
		return formatted{}, badRequest("unsupported parse_mode")
	}
	f.text, f.entities = trimText(f.text, f.entities)
	if f.text == "" {
		if caption {
			return f, nil
		}
		return formatted{}, badRequest("message text is empty")
	}
	limit, what := MaxTextLength, "message is too long"
	if caption {
		limit, what = MaxCaptionLength, "message caption is too long"
	}
	if utf16Len(f.text) > limit {
		return formatted{}, badRequest("%s", what)
	}
	f.entities = mergeDetected(f.entities, detectEntities(f.text))
	return f, nil
}

// parseEntitiesParam reads an explicit "entities" parameter.
func parseEntitiesParam(raw string, textLen int) ([]Entity, error) {
	var in []wireEntity
	if err := json.Unmarshal([]byte(raw), &in); err != nil {
		return nil, badRequest("can't parse entities JSON object")
	}
	out := make([]Entity, 0, len(in))
	for _, e := range in {
		if e.Type == "" || e.Offset < 0 || e.Length <= 0 || e.Offset+e.Length > textLen {
			continue // Telegram silently drops entities it cannot place
		}
		out = append(out, Entity{Type: e.Type, Offset: e.Offset, Length: e.Length, URL: e.URL, Language: e.Language, CustomEmojiID: e.CustomEmojiID})
	}
	sortEntities(out)
	return out, nil
}

func entitiesEqual(a, b []Entity) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
