package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"thiduabot/domain"
)

func TestDeadlineStore(t *testing.T) {
	s, clk := newStore(t)
	ctx := context.Background()
	at := clk.Now().Add(72 * time.Hour).Truncate(time.Minute)
	by := domain.Person{ID: 9007199254740993, Name: "Lê Thị Hoa"} // past 2^53: kept exactly
	d := Deadline{Kind: KindDeadline, At: at, Text: "Nộp báo cáo", By: by, Created: clk.Now(), Reminders: []string{"d1", "h2"}}

	if _, _, err := s.AddDeadline(ctx, chat, Op{UpdateID: 10}, d, true); !errors.Is(err, domain.ErrNoBloc) {
		t.Fatalf("without a bloc: %v", err)
	}
	setupBloc(t, s)
	id, dup, err := s.AddDeadline(ctx, chat, Op{UpdateID: 11, Actor: by.ID}, d, true)
	if err != nil || dup || id != "1" {
		t.Fatalf("add: %q %v %v", id, dup, err)
	}
	// The same update again: the same id, marked.
	if id2, dup, err := s.AddDeadline(ctx, chat, Op{UpdateID: 11, Actor: by.ID}, d, true); err != nil || !dup || id2 != id {
		t.Fatalf("replay: %q %v %v", id2, dup, err)
	}
	got, ok, err := s.Deadline(ctx, chat, id)
	if err != nil || !ok || !got.At.Equal(at) || got.By != by || got.Text != d.Text || len(got.Reminders) != 2 {
		t.Fatalf("read back: %+v %v %v", got, ok, err)
	}

	// A reminder: only its author or a manager cancels it.
	r := Deadline{Kind: KindRemind, At: at.Add(time.Hour), Text: "Họp", By: by, Created: clk.Now()}
	rid, _, err := s.AddDeadline(ctx, chat, Op{UpdateID: 12, Actor: by.ID}, r, true)
	if err != nil || rid != "2" {
		t.Fatalf("add reminder: %q %v", rid, err)
	}
	if _, _, err := s.CancelDeadline(ctx, chat, Op{UpdateID: 13, Actor: 42}, rid, false); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("someone else cancels: %v", err)
	}
	if _, _, err := s.CancelDeadline(ctx, chat, Op{UpdateID: 14, Actor: 42}, id, false); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("a member cancels a deadline: %v", err)
	}
	if c, _, err := s.CancelDeadline(ctx, chat, Op{UpdateID: 15, Actor: by.ID}, rid, false); err != nil || c.Text != "Họp" {
		t.Fatalf("the author cancels: %+v %v", c, err)
	}
	if _, _, err := s.CancelDeadline(ctx, chat, Op{UpdateID: 16, Actor: 1}, rid, true); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("cancelled twice: %v", err)
	}

	// Firing: once per timer key; a timer made for another time does nothing; final removes.
	fr, err := s.FireDeadline(ctx, chat, "t:d1", id, at, false)
	if err != nil || !fr.Live || fr.Dup || fr.Deadline.Text != "Nộp báo cáo" {
		t.Fatalf("fire: %+v %v", fr, err)
	}
	if fr, err := s.FireDeadline(ctx, chat, "t:d1", id, at, false); err != nil || !fr.Dup {
		t.Fatalf("fire again: %+v %v", fr, err)
	}
	if fr, err := s.FireDeadline(ctx, chat, "t:old", id, at.Add(-time.Hour), false); err != nil || fr.Live {
		t.Fatalf("fire for another time: %+v %v", fr, err)
	}
	if fr, err := s.FireDeadline(ctx, chat, "t:end", id, at, true); err != nil || !fr.Live {
		t.Fatalf("final: %+v %v", fr, err)
	}
	if ds, err := s.Deadlines(ctx, chat); err != nil || len(ds) != 0 {
		t.Fatalf("after the deadline: %+v %v", ds, err)
	}
	if fr, err := s.FireDeadline(ctx, chat, "t:h2", id, at, false); err != nil || fr.Live {
		t.Fatalf("after the end: %+v %v", fr, err)
	}

	// A tied deadline is replaced in place and reports the one it replaced.
	p := Deadline{ID: "p2024", Kind: KindDeadline, At: at, Tie: domain.Tie{Kind: domain.TiePledge, Ref: "2024"}}
	if _, had, err := s.SetTiedDeadline(ctx, chat, p); err != nil || had {
		t.Fatalf("tie: %v %v", had, err)
	}
	p.At = at.Add(24 * time.Hour)
	old, had, err := s.SetTiedDeadline(ctx, chat, p)
	if err != nil || !had || !old.At.Equal(at) || old.Tie != p.Tie {
		t.Fatalf("move: %+v %v %v", old, had, err)
	}
	if !Tied("p2024") || Tied("12") {
		t.Fatal("Tied")
	}
	p.At = time.Time{}
	if _, had, err := s.SetTiedDeadline(ctx, chat, p); err != nil || !had {
		t.Fatalf("remove: %v %v", had, err)
	}
	if ds, _ := s.Deadlines(ctx, chat); len(ds) != 0 {
		t.Fatalf("after removing: %+v", ds)
	}

	// At most MaxPendingDeadlines pending.
	for i := 0; i < MaxPendingDeadlines; i++ {
		if _, _, err := s.AddDeadline(ctx, chat, Op{UpdateID: int64(100 + i)}, d, true); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.AddDeadline(ctx, chat, Op{UpdateID: 999}, d, true); !errors.Is(err, ErrTooManyDeadlines) {
		t.Fatalf("one too many: %v", err)
	}

	// Once: the first time only.
	if first, err := s.Once(ctx, chat, "cron:x:1"); err != nil || !first {
		t.Fatalf("once: %v %v", first, err)
	}
	if first, err := s.Once(ctx, chat, "cron:x:1"); err != nil || first {
		t.Fatalf("twice: %v %v", first, err)
	}
}
