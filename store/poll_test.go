package store

import (
	"context"
	"errors"
	"math/rand"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"thiduabot/domain"
	"thiduabot/rkeys"
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

// A closed poll keeps what it shows (card, final counts, voters, group message) in one line of
// the bloc's closed polls; its hashes and everyone's choices are deleted. A press or a second
// close is told it is closed; it reads back the same after a restart of the reader; it goes
// when it has been closed for PollTTL, and so do older ones, not newer ones.
func TestPollClosedIsSquashed(t *testing.T) {
	e := newBallotEnv(t, 3)
	ctx := context.Background()
	s := e.s
	ck := rkeys.ForChat(chat)
	author := domain.Person{ID: 9007199254740999, Name: "Chị <Lan> & co"}
	open := func(q string) PollCard {
		t.Helper()
		card, _, err := s.OpenPoll(ctx, chat, e.op(author.ID), domain.PollSpec{Question: q, Options: []string{"Thứ Hai", "Thứ Tư, sáng", "Tuần sau"}, Multi: true}, author, "Asia/Ho_Chi_Minh")
		if err != nil {
			t.Fatal(err)
		}
		return card
	}
	first := open("Họp Khối vào ngày nào?")
	if err := s.SetPollMessage(ctx, chat, first.ID, 321); err != nil {
		t.Fatal(err)
	}
	for who, opts := range map[int64][]int{1: {0, 1}, 2: {1}, 3: {2}} {
		for _, o := range opts {
			if _, err := s.PollVote(ctx, chat, e.op(who), first.ID, o); err != nil {
				t.Fatal(err)
			}
		}
	}
	closed, err := s.ClosePoll(ctx, chat, e.op(2), first.ID, true, "manual")
	if err != nil || !reflect.DeepEqual(closed.Counts, []int{1, 2, 1}) || closed.Voters != 3 || closed.MessageID != 321 {
		t.Fatalf("close: %+v %v", closed, err)
	}
	if n, _ := e.rdb.Exists(ctx, ck.Poll(first.ID), ck.PollVotes(first.ID)).Result(); n != 0 {
		t.Fatalf("%d of the closed poll's hashes are left", n)
	}
	if ch, err := s.PollChoices(ctx, chat, first.ID); err != nil || len(ch) != 0 {
		t.Fatalf("choices kept after closing: %v %v", ch, err)
	}
	ps, err := s.LoadPoll(ctx, chat, first.ID)
	want := PollState{Card: first, Counts: []int{1, 2, 1}, Voters: 3, MessageID: 321, Lang: "vi"}
	if err != nil || !reflect.DeepEqual(ps, want) {
		t.Fatalf("closed poll read back:\n%+v\nwant\n%+v (%v)", ps, want, err)
	}
	if _, err := s.PollVote(ctx, chat, e.op(1), first.ID, 0); !errors.Is(err, domain.ErrClosed) {
		t.Fatalf("press on a closed poll: %v", err)
	}
	if _, err := s.ClosePoll(ctx, chat, e.op(author.ID), first.ID, false, "manual"); !errors.Is(err, domain.ErrClosed) {
		t.Fatalf("second close: %v", err)
	}
	for _, id := range []string{"9", "0", "x", "1.5"} {
		if _, err := s.PollVote(ctx, chat, e.op(1), id, 0); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("press on poll %q: %v", id, err)
		}
		if _, err := s.LoadPoll(ctx, chat, id); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("load poll %q: %v", id, err)
		}
	}
	// Poll 2 stays open while poll 3 closes; polls close out of order.
	second, third := open("Câu hỏi hai?"), open("Câu hỏi ba?")
	e.clk.Advance(24 * time.Hour)
	if _, err := s.ClosePoll(ctx, chat, e.op(author.ID), third.ID, false, "manual"); err != nil {
		t.Fatal(err)
	}
	if ps, err := s.LoadPoll(ctx, chat, second.ID); err != nil || !ps.Open || ps.Card.Question != "Câu hỏi hai?" {
		t.Fatalf("open poll beside closed ones: %+v %v", ps, err)
	}
	// PollTTL after the first closed: it goes (at the next close), the third stays.
	e.clk.Advance(PollTTL - 12*time.Hour)
	if _, err := s.ClosePoll(ctx, chat, Op{Key: "poll.close:2"}, second.ID, false, "deadline"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LoadPoll(ctx, chat, first.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("a poll closed longer than PollTTL ago: %v", err)
	}
	for _, c := range []PollCard{second, third} {
		if ps, err := s.LoadPoll(ctx, chat, c.ID); err != nil || ps.Open || ps.Card.Question != c.Question {
			t.Fatalf("poll %s: %+v %v", c.ID, ps, err)
		}
	}
	if q, _ := e.rdb.LRange(ctx, ck.ClosedPollsOrder(), 0, -1).Result(); len(q) != 2 {
		t.Fatalf("closings kept: %v", q)
	}
	if _, _, err := s.VerifyAudit(ctx, chat); err != nil {
		t.Fatal(err)
	}
}

// A poll press's answer carries the poll's card only to a replica that does not hold it (as a
// vote's: TestVoteSendsTheCardOnce), and the card it gets is the poll's either way.
func TestPollPressSendsTheCardOnce(t *testing.T) {
	e := newBallotEnv(t, 7)
	ctx := context.Background()
	author := domain.Person{ID: 9007199254740999, Name: "Chị Lan"}
	if _, _, err := e.s.OpenPoll(ctx, chat, e.op(author.ID), domain.PollSpec{Question: "Họp ngày nào?", Options: []string{"Thứ Ba", "Thứ Năm"}}, author, "Asia/Ho_Chi_Minh"); err != nil {
		t.Fatal(err)
	}
	h := &scriptReplies{}
	e.rdb.AddHook(h)
	hasCard := func() bool {
		parts := strings.SplitN(h.last(t), "\n", 3)
		if len(parts) != 3 {
			t.Fatalf("answer %q has no card part", h.last(t))
		}
		return parts[2] != ""
	}
	press := func(s *Store, who int64) PollState {
		t.Helper()
		ps, err := s.PollVote(ctx, chat, e.op(who), "1", int(who%2))
		if err != nil || ps.Card.Question != "Họp ngày nào?" || !reflect.DeepEqual(ps.Card.Options, []string{"Thứ Ba", "Thứ Năm"}) || ps.Card.ID != "1" {
			t.Fatalf("%d presses: %+v %v", who, ps, err)
		}
		return ps
	}
	if press(e.s, 1); !hasCard() {
		t.Fatal("the first press got no card")
	}
	if press(e.s, 2); hasCard() {
		t.Fatal("the second press was sent the card again")
	}
	if press(New(e.rdb, e.clk), 3); !hasCard() {
		t.Fatal("another replica's first press got no card")
	}
	if _, err := e.s.pollCards.resolve(cardKey{chat, "1"}, cachedCard[PollCard]{}, "1", `{"q":"Cũ?"}`, func(raw string) (PollCard, error) { return decodeCard("1", raw) }); err != nil {
		t.Fatal(err)
	}
	if press(e.s, 4); !hasCard() {
		t.Fatal("a stale card was not replaced")
	}
}

// A poll press's stored answer reads back whether it was stored as JSON (before the fields were
// joined by the record separator) or not; a refusal carries its code and the language.
func TestDecodePollShort(t *testing.T) {
	for _, c := range []struct {
		in   string
		want pollShort
	}{
		{`{"l":"vi","ch":"add","mine":",1,","c":["3","1","2"]}`, pollShort{L: "vi", Ch: "add", Mine: ",1,", C: []string{"3", "1", "2"}}},
		{`{"e":"closed","l":"en"}`, pollShort{E: "closed", L: "en"}},
		{"\x1evi\x1emove\x1e,0,2,\x1e3,1,0,2", pollShort{L: "vi", Ch: "move", Mine: ",0,2,", C: []string{"3", "1", "0", "2"}}},
		{"\x1een\x1eremove\x1e,\x1e0,0,0", pollShort{L: "en", Ch: "remove", Mine: ",", C: []string{"0", "0", "0"}}},
		{"badopt\x1evi", pollShort{E: "badopt", L: "vi"}},
	} {
		got, err := decodePollShort(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("decodePollShort(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"a\x1eb\x1ec", "\x1evi", "{"} {
		if _, err := decodePollShort(bad); err == nil {
			t.Errorf("a malformed answer %q was read", bad)
		}
	}
}
