package store

import (
	"context"
	"strconv"
	"testing"
	"time"

	"thiduabot/domain"
	"thiduabot/rkeys"
)

func TestForgetPerson(t *testing.T) {
	s, _ := newStore(t)
	setupBloc(t, s)
	ctx := context.Background()
	lan := domain.Person{ID: 9007199254740993, Name: "Lan", Username: "lan"} // past 2^53: kept as a string
	if _, err := s.Link(ctx, chat, Op{UpdateID: 10}, lan, 1, false); err != nil {
		t.Fatal(err)
	}
	other := domain.Person{ID: 77, Name: "Khoa"}
	for i, p := range []domain.Person{lan, other, lan} {
		if p.ID == lan.ID && i == 0 {
			// A linked person cannot ask to join: unlink first for the request, relink after.
			continue
		}
		if _, _, err := s.RequestJoin(ctx, chat, Op{UpdateID: int64(20 + i)}, p, 2); err != nil && p.ID != lan.ID {
			t.Fatal(err)
		}
	}
	if _, err := s.ForgetPerson(ctx, chat-5, Op{UpdateID: 30}, lan.ID); err != nil {
		t.Fatal(err)
	}
	r, err := s.ForgetPerson(ctx, chat, Op{UpdateID: 30}, lan.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Unit != 1 || !r.Named || r.NoBloc {
		t.Fatalf("forget: %+v", r)
	}
	// Replayed (a retried press): the same answer, nothing more removed, one audit entry.
	r2, err := s.ForgetPerson(ctx, chat, Op{UpdateID: 30}, lan.ID)
	if err != nil || r2 != r {
		t.Fatalf("replay: %+v %v", r2, err)
	}
	b, err := s.LoadBloc(ctx, chat)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Members[lan.ID]; ok {
		t.Fatal("still linked")
	}
	if _, ok := b.People[lan.ID]; ok {
		t.Fatal("name still stored")
	}
	pend, _ := s.PendingJoins(ctx, chat)
	if len(pend) != 1 || pend[0].Person.ID != other.ID {
		t.Fatalf("pending after forgetting Lan: %+v", pend)
	}
	r, _ = s.ForgetPerson(ctx, chat, Op{UpdateID: 31}, other.ID)
	if r.Requests != 1 || r.Unit != 0 {
		t.Fatalf("forget Khoa: %+v", r)
	}
	entries, err := s.RecentAudit(ctx, chat, 2)
	if err != nil || len(entries) != 2 || entries[0].Kind != "person.forget" || entries[1].Kind != "person.forget" {
		t.Fatalf("audit: %+v %v", entries, err)
	}
	if entries[1].Data["person"] != strconv.FormatInt(lan.ID, 10) {
		t.Fatalf("audit entry names %v", entries[1].Data["person"])
	}
	if n, _, err := s.VerifyAudit(ctx, chat); err != nil || n == 0 {
		t.Fatalf("chain: %d %v", n, err)
	}
	// Not a bloc: nothing written there.
	r, _ = s.ForgetPerson(ctx, 123, Op{UpdateID: 32}, lan.ID)
	if !r.NoBloc {
		t.Fatalf("non-bloc: %+v", r)
	}
	if n, _ := s.rdb.Exists(ctx, rkeys.ForChat(123).Seen(), rkeys.ForChat(123).Audit()).Result(); n != 0 {
		t.Fatalf("forgetting in a non-bloc chat wrote %d keys", n)
	}
}

func TestCountAction(t *testing.T) {
	s, clk := newStore(t)
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		if n, err := s.CountAction(ctx, 5, time.Minute); err != nil || n != i {
			t.Fatalf("count %d: %d %v", i, n, err)
		}
	}
	if n, _ := s.CountAction(ctx, 6, time.Minute); n != 1 {
		t.Fatalf("another person: %d", n)
	}
	clk.Advance(time.Minute)
	if n, _ := s.CountAction(ctx, 5, time.Minute); n != 1 {
		t.Fatalf("next window: %d", n)
	}
	if ttl, _ := s.rdb.PTTL(ctx, rkeys.ActionRate(5, clk.Now().UnixMilli()/60000)).Result(); ttl <= 0 || ttl > 2*time.Minute {
		t.Fatalf("window key TTL %v", ttl)
	}
}
