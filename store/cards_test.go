package store

import (
	"strconv"
	"testing"
)

// Decoded ballot cards are kept by their JSON: a second vote gets the same card without
// decoding it again; another card is decoded; a bad one is an error; the cache stays bounded.
func TestCardCache(t *testing.T) {
	var c cardCache
	raw := `{"id":"1","pos":"chair","year":2024,"round":1,"cands":[{"id":1,"n":"Cục Thuế"}],"elig":[{"id":1,"n":"Cục Thuế"}]}`
	a, err := c.get(raw)
	if err != nil || a.ID != "1" || len(a.Cands) != 1 || a.Cands[0].Name != "Cục Thuế" {
		t.Fatalf("card: %+v %v", a, err)
	}
	if b, _ := c.get(raw); b != a {
		t.Fatal("the same card was decoded again")
	}
	if b, _ := c.get(`{"id":"2"}`); b == a || b.ID != "2" {
		t.Fatalf("another card: %+v", b)
	}
	if _, err := c.get(`{"id":`); err == nil {
		t.Fatal("a bad card was accepted")
	}
	for i := 0; i < 5000; i++ {
		if _, err := c.get(`{"id":"` + strconv.Itoa(i) + `"}`); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(c.m); n > 4096 {
		t.Fatalf("the cache holds %d cards", n)
	}
}
