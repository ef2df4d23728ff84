package store

import (
	"context"
	"errors"
	"math/rand"
	"reflect"
	"sync"
	"testing"
	"time"

	"thiduabot/domain"
)

func TestPollSingleAndMulti(t *testing.T) {
	e := newBallotEnv(t, 7)
	ctx := context.Background()
	s := e.s
	author := domain.Person{ID: 9007199254740999, Name: "Chị Lan"}
	card, dup, err := s.OpenPoll(ctx, chat, e.op(author.ID), domain.PollSpec{Question: "Họp ngày nào?", Options: []string{"Thứ Ba", "Thứ Năm"}, Duration: 2 * time.Hour}, author, "Asia/Ho_Chi_Minh")
	if err != nil || dup || card.ID != "1" || card.Author != "9007199254740999" || card.TZ != "Asia/Ho_Chi_Minh" || !card.DeadlineTime().Equal(e.clk.Now().Add(2*time.Hour)) {
		t.Fatalf("open: %+v %v %v", card, dup, err)
	}
	if err := s.SetPollMessage(ctx, chat, "1", 77); err != nil {
		t.Fatal(err)
	}
	press := func(who int64, opt int) PollState {
		t.Helper()
		ps, err := s.PollVote(ctx, chat, e.op(who), "1", opt)
		if err != nil {
			t.Fatalf("%d presses %d: %v", who, opt, err)
		}
		return ps
	}
	if ps := press(1, 0); ps.Change != "add" || !reflect.DeepEqual(ps.Counts, []int{1, 0}) || ps.Voters != 1 || ps.MessageID != 77 || ps.Card.Question != "Họp ngày nào?" || ps.Lang != "vi" || ps.Version != 1 {
		t.Fatalf("first press: %+v", ps)
	}
	if ps := press(1, 1); ps.Change != "move" || !reflect.DeepEqual(ps.Counts, []int{0, 1}) || ps.Voters != 1 || !reflect.DeepEqual(ps.Mine, []int{1}) {
		t.Fatalf("move: %+v", ps)
	}
	if ps := press(2, 1); !reflect.DeepEqual(ps.Counts, []int{0, 2}) || ps.Voters != 2 || ps.Version != 3 {
		t.Fatalf("second person: %+v", ps)
	}
	if ps := press(1, 1); ps.Change != "remove" || !reflect.DeepEqual(ps.Counts, []int{0, 1}) || ps.Voters != 1 || len(ps.Mine) != 0 {
		t.Fatalf("withdraw: %+v", ps)
	}
	if _, err := s.PollVote(ctx, chat, e.op(3), "1", 2); !errors.Is(err, domain.ErrInvalidArgs) {
		t.Fatalf("no such option: %v", err)
	}
	// Only the author or a manager closes it.
	if _, err := s.ClosePoll(ctx, chat, e.op(2), "1", false, "manual"); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("close by someone else: %v", err)
	}
	ps, err := s.ClosePoll(ctx, chat, e.op(author.ID), "1", false, "manual")
	if err != nil || !reflect.DeepEqual(ps.Counts, []int{0, 1}) || ps.Voters != 1 || ps.MessageID != 77 || ps.Card.ID != "1" {
		t.Fatalf("close: %+v %v", ps, err)
	}
	if _, err := s.ClosePoll(ctx, chat, e.op(2), "1", true, "manual"); !errors.Is(err, domain.ErrClosed) {
		t.Fatalf("second close: %v", err)
	}
	if _, err := s.PollVote(ctx, chat, e.op(3), "1", 0); !errors.Is(err, domain.ErrClosed) {
		t.Fatalf("press after close: %v", err)
	}

	// Multiple choice, closed by a manager after its deadline.
	card, _, err = s.OpenPoll(ctx, chat, e.op(author.ID), domain.PollSpec{Question: "Món gì?", Options: []string{"Phở", "Bún", "Cơm"}, Multi: true, Duration: time.Hour}, author, "")
	if err != nil || card.ID != "2" || !card.Multi {
		t.Fatalf("open multi: %+v %v", card, err)
	}
	press2 := func(who int64, opt int) PollState {
		ps, err := s.PollVote(ctx, chat, e.op(who), "2", opt)
		if err != nil {
			t.Fatal(err)
		}
		return ps
	}
	press2(1, 0)
	press2(1, 2)
	if ps := press2(2, 2); !reflect.DeepEqual(ps.Counts, []int{1, 0, 2}) || ps.Voters != 2 {
		t.Fatalf("multi: %+v", ps)
	}
	if ps := press2(1, 0); !reflect.DeepEqual(ps.Counts, []int{0, 0, 2}) || !reflect.DeepEqual(ps.Mine, []int{2}) || ps.Voters != 2 {
		t.Fatalf("multi toggle: %+v", ps)
	}
	e.clk.Advance(time.Hour)
	if _, err := s.PollVote(ctx, chat, e.op(3), "2", 0); !errors.Is(err, domain.ErrClosed) {
		t.Fatalf("press after the deadline: %v", err)
	}
	if ps, err := s.ClosePoll(ctx, chat, Op{Key: "poll.close:2"}, "2", false, "deadline"); err != nil || ps.Voters != 2 {
		t.Fatalf("close at deadline: %+v %v", ps, err)
	}
	if ps, err := s.LoadPoll(ctx, chat, "2"); err != nil || ps.Open || !reflect.DeepEqual(ps.Counts, []int{0, 0, 2}) {
		t.Fatalf("load: %+v %v", ps, err)
	}
}

// 30 people press at once, several times each: the counters equal a recount of the choices.
func TestPollConcurrentCounts(t *testing.T) {
	e := newBallotEnv(t, 2)
	ctx := context.Background()
	s := e.s
	for _, multi := range []bool{false, true} {
		author := domain.Person{ID: 1, Name: "A"}
		card, _, err := s.OpenPoll(ctx, chat, e.op(1), domain.PollSpec{Question: "Q", Options: []string{"a", "b", "c", "d"}, Multi: multi}, author, "")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for p := 0; p < 30; p++ {
			wg.Add(1)
			go func(p int) {
				defer wg.Done()
				rng := rand.New(rand.NewSource(int64(p)))
				for k := 0; k < 7; k++ {
					if _, err := s.PollVote(ctx, chat, e.op(int64(5000000000000000+p)), card.ID, rng.Intn(4)); err != nil {
						t.Error(err)
						return
					}
				}
			}(p)
		}
		wg.Wait()
		choices, err := s.PollChoices(ctx, chat, card.ID)
		if err != nil {
			t.Fatal(err)
		}
		recount := make([]int, 4)
		for _, cs := range choices {
			if !multi && len(cs) > 1 {
				t.Fatalf("single-choice poll with choices %v", cs)
			}
			for _, c := range cs {
				recount[c]++
			}
		}
		ps, err := s.LoadPoll(ctx, chat, card.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ps.Counts, recount) || ps.Voters != len(choices) {
			t.Fatalf("multi=%v: counts %v voters %d, recount %v voters %d", multi, ps.Counts, ps.Voters, recount, len(choices))
		}
	}
}
