package handlers

import "testing"

func TestMovedTimerID(t *testing.T) {
	for _, c := range []struct {
		id       string
		from, to int64
		want     string
	}{
		{"dl:-12:3:1718445600000:d7", -12, -100123, "dl:-100123:3:1718445600000:d7"},
		{"rm:-12:4", -12, -100123, "rm:-100123:4"},
		{"dl:-123:3:1718445600000:h2", -12, -100123, "dl:-123:3:1718445600000:h2"}, // another chat
		{"ballot.close:-12:1", -12, -100123, "ballot.close:-12:1"},                 // not a deadline's
		{"dl:-12:p2024:1718445600000:end", -12, -100123, "dl:-100123:p2024:1718445600000:end"},
	} {
		if got := movedTimerID(c.id, c.from, c.to); got != c.want {
			t.Errorf("movedTimerID(%q, %d, %d) = %q, want %q", c.id, c.from, c.to, got, c.want)
		}
	}
	if got := reminderKeyOf("dl:-12:3:1718445600000:d7"); got != "d7" {
		t.Errorf("reminderKeyOf = %q", got)
	}
}
