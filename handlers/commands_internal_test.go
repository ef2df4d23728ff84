package handlers

import "testing"

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"baocao", "baocao", 0}, {"baocoa", "baocao", 1}, {"thamgai", "thamgia", 1}, {"kang", "lang", 1},
		{"wallet", "ballot", 2}, {"channel", "cancel", 2}, {"", "ab", 2}, {"ab", "", 2}, {"abc", "cab", 2},
	} {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
