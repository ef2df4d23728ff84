package store

import (
	"errors"
	"testing"
)

// A card the script sent is decoded and kept under its chat, id and opening time; a later
// answer without a card gets the card held when the call began, even if the cache started
// again meanwhile; an answer without a card for a ballot opened at another time (or for a
// card not held) is an error; a bad card is an error; the cache stays bounded.
func TestCardCache(t *testing.T) {
	var c cardCache[*BallotCard]
	k := cardKey{-1001, "1"}
	if e := c.have(k); e.opened != "" || e.card != nil {
		t.Fatalf("an empty cache holds %+v", e)
	}
	raw := `{"id":"1","pos":"chair","year":2024,"round":1,"cands":[{"id":1,"n":"Cục Thuế"}],"elig":[{"id":1,"n":"Cục Thuế"}]}`
	a, err := c.resolve(k, c.have(k), "1700", raw, decodeBallotCard)
	if err != nil || a.ID != "1" || len(a.Cands) != 1 || a.Cands[0].Name != "Cục Thuế" {
		t.Fatalf("card: %+v %v", a, err)
	}
	held := c.have(k)
	if held.opened != "1700" || held.card != a {
		t.Fatalf("held %+v, want 1700 %p", held, a)
	}
	if b, err := c.resolve(k, held, "1700", "", decodeBallotCard); err != nil || b != a {
		t.Fatalf("without a card: %p %v, want the held %p", b, err, a)
	}
	// The cache starts again (full) between the call and its answer: the held card still serves.
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
	if b, err := c.resolve(k, held, "1700", "", decodeBallotCard); err != nil || b != a {
		t.Fatalf("after the cache started again: %p %v, want the held %p", b, err, a)
	}
	if _, err := c.resolve(k, held, "1800", "", decodeBallotCard); !errors.Is(err, errCardMissing) {
		t.Fatalf("a card of another opening: %v", err)
	}
	if _, err := c.resolve(cardKey{-1002, "1"}, c.have(cardKey{-1002, "1"}), "1700", "", decodeBallotCard); !errors.Is(err, errCardMissing) {
		t.Fatalf("a card not held: %v", err)
	}
	if b, _ := c.resolve(k, held, "1800", `{"id":"1","round":2}`, decodeBallotCard); b == a || b.Round != 2 || c.have(k).card != b {
		t.Fatalf("the ballot opened again: %+v", b)
	}
	if _, err := c.resolve(k, held, "1900", `{"id":`, decodeBallotCard); err == nil {
		t.Fatal("a bad card was accepted")
	}
	for i := 0; i < 5000; i++ {
		if _, err := c.resolve(cardKey{int64(i), "1"}, cachedCard[*BallotCard]{}, "1", `{"id":"1"}`, decodeBallotCard); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(c.m); n > maxCards {
		t.Fatalf("the cache holds %d cards", n)
	}
}
