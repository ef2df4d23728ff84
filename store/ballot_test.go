package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/clock"
	"thiduabot/domain"
	"thiduabot/internal/redistest"
	"thiduabot/rkeys"
)

// ballotEnv is a store with a bloc of n units and one person linked to each (ids past 2^53).
type ballotEnv struct {
	s      *Store
	clk    *clock.Fake
	rdb    redis.UniversalClient
	people []domain.Person // people[i] is linked to unit i+1
	upd    atomic.Int64
}

func newBallotEnv(t testing.TB, units int) *ballotEnv {
	t.Helper()
	srv := redistest.Start(t)
	clk := clock.NewFake(time.Date(2024, 1, 31, 2, 0, 0, 0, time.UTC)) // 09:00 in Tây Ninh
	rdb := srv.Client(t)
	e := &ballotEnv{s: New(rdb, clk), clk: clk, rdb: rdb}
	e.upd.Store(1000)
	ctx := context.Background()
	if _, err := e.s.Setup(ctx, chat, e.op(0), "Khối Tây Ninh", "vi", domain.DefaultTimezone); err != nil {
		t.Fatal(err)
	}
	names := append([]string(nil), tayNinh...)
	for i := len(names); i < units; i++ {
		names = append(names, fmt.Sprintf("Đơn vị %03d", i+1))
	}
	if _, err := e.s.AddUnits(ctx, chat, e.op(0), names[:units]); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < units; i++ {
		p := domain.Person{ID: 9007199254740993 + int64(i), Name: fmt.Sprintf("Người %d", i+1)}
		if _, err := e.s.Link(ctx, chat, e.op(0), p, i+1, false); err != nil {
			t.Fatal(err)
		}
		e.people = append(e.people, p)
	}
	return e
}

func (e *ballotEnv) op(actor int64) Op { return Op{UpdateID: e.upd.Add(1), Actor: actor} }

func (e *ballotEnv) vote(t testing.TB, unit int, id string, cand int) VoteResult {
	t.Helper()
	r, err := e.s.Vote(context.Background(), chat, e.op(e.people[unit-1].ID), id, cand)
	if err != nil {
		t.Fatalf("unit %d votes %d in %s: %v", unit, cand, id, err)
	}
	return r
}

func TestBallotLifecycle(t *testing.T) {
	e := newBallotEnv(t, 7)
	ctx := context.Background()
	s := e.s
	// The 2023 chair (seeded as the close script stores it) hands over to the 2024 one.
	if err := e.rdb.HSet(ctx, rkeys.ForChat(chat).Bloc(), "chair:2023", 5).Err(); err != nil {
		t.Fatal(err)
	}
	open := e.op(1)
	res, err := s.OpenBallot(ctx, chat, open, domain.PosChair, 2024, "", e.clk.Now().Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	card := res.Card
	if card.ID != "1" || card.Round != 1 || !card.Secret || len(card.Cands) != 7 || len(card.Elig) != 7 ||
		card.Cands[0].Name != tayNinh[0] || card.Rules().Quorum != domain.MoreThanHalf || !card.SelfVote {
		t.Fatalf("card: %+v", card)
	}
	if !card.DeadlineTime().Equal(e.clk.Now().Add(2 * time.Hour)) {
		t.Fatalf("deadline %v", card.DeadlineTime())
	}
	// The same update again returns the same ballot.
	if again, err := s.OpenBallot(ctx, chat, open, domain.PosChair, 2024, "", time.Time{}); err != nil || !again.Dup || again.Card.ID != "1" {
		t.Fatalf("replayed open: %+v %v", again, err)
	}
	var boe BallotOpenError
	if _, err := s.OpenBallot(ctx, chat, e.op(1), domain.PosChair, 2024, "", time.Time{}); !errors.As(err, &boe) || boe.ID != "1" {
		t.Fatalf("second chair ballot: %v", err)
	}
	if _, err := s.OpenBallot(ctx, chat, e.op(1), domain.PosDeputy, 2024, "", time.Time{}); !errors.Is(err, domain.ErrChairOpen) {
		t.Fatalf("deputy while the chair's is open: %v", err)
	}

	// A person without a unit is refused, and told in the chat's language.
	stranger := Op{UpdateID: e.upd.Add(1), Actor: 42}
	if r, err := s.Vote(ctx, chat, stranger, "1", 1); !errors.Is(err, domain.ErrNotLinked) || r.Lang != "vi" {
		t.Fatalf("stranger: %+v %v", r, err)
	}
	if _, err := s.Vote(ctx, chat, e.op(e.people[0].ID), "1", 99); !errors.Is(err, domain.ErrNotCandidate) {
		t.Fatalf("not a candidate: %v", err)
	}
	if _, err := s.Vote(ctx, chat, e.op(e.people[0].ID), "77", 1); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("no such ballot: %v", err)
	}
	r := e.vote(t, 1, "1", 4)
	if r.Change != "new" || r.UnitName != tayNinh[0] || r.CandName != tayNinh[3] || r.Card == nil || r.Card.ID != "1" ||
		!reflect.DeepEqual(r.Voted, []int{1}) || r.Lang != "vi" || r.TZ != domain.DefaultTimezone {
		t.Fatalf("vote: %+v", r)
	}
	// A duplicate of the same update changes nothing and replays the answer, without the choice.
	dupOp := e.op(e.people[1].ID)
	if _, err := s.Vote(ctx, chat, dupOp, "1", 4); err != nil {
		t.Fatal(err)
	}
	if d, err := s.Vote(ctx, chat, dupOp, "1", 5); err != nil || !d.Dup || d.Cand != 0 || d.Card != nil || d.Unit != 2 {
		t.Fatalf("duplicate: %+v %v", d, err)
	}
	if r := e.vote(t, 2, "1", 4); r.Change != "same" {
		t.Fatalf("same again: %+v", r)
	}
	if r := e.vote(t, 2, "1", 5); r.Change != "changed" || r.CandName != tayNinh[4] {
		t.Fatalf("changed: %+v", r)
	}
	e.vote(t, 3, "1", 4)
	e.vote(t, 4, "1", 4)
	e.vote(t, 5, "1", 4)
	if v, err := s.LoadBallot(ctx, chat, "1"); err != nil || !v.Open || !reflect.DeepEqual(v.Voted, []int{1, 2, 3, 4, 5}) {
		t.Fatalf("view: %+v %v", v, err)
	}
	if err := s.SetBallotMessage(ctx, chat, "1", 555); err != nil {
		t.Fatal(err)
	}
	if r := e.vote(t, 6, "1", 1); r.MessageID != 555 || r.Version != 7 {
		t.Fatalf("message id: %+v", r)
	}

	cl, err := s.CloseBallot(ctx, chat, e.op(1), "1", "manual")
	if err != nil {
		t.Fatal(err)
	}
	out := cl.Result
	if out.Decision != domain.Elected || out.Winner != 4 || out.Cast != 6 || out.Eligible != 7 || !out.QuorumMet ||
		out.Counts[0] != (domain.CandidateVotes{Unit: 4, Votes: 4}) || len(out.Counts) != 7 || len(out.By) != 0 ||
		!reflect.DeepEqual([]int(out.Voted), []int{1, 2, 3, 4, 5, 6}) || cl.RunoffCard != nil || out.Lang != "vi" || out.MessageID != 555 ||
		out.Prev != 0 || out.PrevYear != 5 {
		t.Fatalf("result: %+v", out)
	}
	if head, _ := s.AuditHead(ctx, chat); head != out.Head || len(out.Head) != 40 {
		t.Fatalf("receipt %q, audit head %q", out.Head, head)
	}
	if n, _, err := s.VerifyAudit(ctx, chat); err != nil || n < 10 {
		t.Fatalf("audit chain: %d %v", n, err)
	}
	b, _ := s.LoadBloc(ctx, chat)
	if c, ok := b.Chair(2024); !ok || c.ID != 4 {
		t.Fatalf("chair not recorded: %+v", b.Chairs)
	}
	// Closing again, or voting after close, changes nothing.
	if _, err := s.CloseBallot(ctx, chat, e.op(1), "1", "deadline"); !errors.Is(err, domain.ErrClosed) {
		t.Fatalf("second close: %v", err)
	}
	if _, err := s.Vote(ctx, chat, e.op(e.people[6].ID), "1", 1); !errors.Is(err, domain.ErrClosed) {
		t.Fatalf("vote after close: %v", err)
	}
	assertSecretGone(t, e, "1")
	if v, err := s.LoadBallot(ctx, chat, "1"); err != nil || v.Open || v.Result == nil || v.Result.Winner != 4 || len(v.Voted) != 6 {
		t.Fatalf("closed view: %+v %v", v, err)
	}

	// The deputy ballot leaves out the new chair.
	dep, err := s.OpenBallot(ctx, chat, e.op(1), domain.PosDeputy, 2024, "open", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(dep.Card.Cands) != 6 || dep.Card.Secret || dep.Card.ID != "2" {
		t.Fatalf("deputy card: %+v", dep.Card)
	}
	for _, c := range dep.Card.Cands {
		if c.ID == 4 {
			t.Fatal("the chair is a deputy candidate")
		}
	}
	if _, err := s.Vote(ctx, chat, e.op(e.people[0].ID), "2", 4); !errors.Is(err, domain.ErrNotCandidate) {
		t.Fatalf("vote for the chair as deputy: %v", err)
	}
	for u := 1; u <= 7; u++ {
		e.vote(t, u, "2", 2)
	}
	cl, err = s.CloseBallot(ctx, chat, e.op(1), "2", "manual")
	if err != nil || cl.Result.Winner != 2 || len(cl.Result.By) != 7 || cl.Result.By[3] != (UnitChoice{Unit: 4, Cand: 2}) {
		t.Fatalf("open deputy ballot: %+v %v", cl.Result, err)
	}
	b, _ = s.LoadBloc(ctx, chat)
	if d, ok := b.Deputy(2024); !ok || d.ID != 2 {
		t.Fatalf("deputy not recorded: %+v", b.Deputies)
	}
	if open, _ := s.OpenBallots(ctx, chat); len(open) != 0 {
		t.Fatalf("open ballots left: %+v", open)
	}
	all, err := s.Ballots(ctx, chat, 2024)
	if err != nil || len(all) != 2 || all[0].Card.ID != "1" || all[1].Result == nil {
		t.Fatalf("ballots of 2024: %+v %v", all, err)
	}
	if none, _ := s.Ballots(ctx, chat, 2023); len(none) != 0 {
		t.Fatalf("ballots of 2023: %d", len(none))
	}
}

// assertSecretGone checks that, after a secret ballot closed, no key of the chat holds a unit's
// choice: the per-unit hash is gone, audit entries carry no candidate, replies kept for
// duplicates carry no choice.
// ballotsIn returns the units' ballots stored for a ballot: unit -> candidate, from the
// fields of its hash and from the votes hash of the older layout.
func ballotsIn(t *testing.T, e *ballotEnv, id string) map[string]string {
	t.Helper()
	ctx := context.Background()
	ck := rkeys.ForChat(chat)
	out := map[string]string{}
	h, err := e.rdb.HGetAll(ctx, ck.Ballot(id)).Result()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		if u, ok := strings.CutPrefix(k, "v:"); ok {
			out[u] = v
		}
	}
	old, err := e.rdb.HGetAll(ctx, ck.BallotVotes(id)).Result()
	if err != nil {
		t.Fatal(err)
	}
	for u, v := range old {
		out[u] = v
	}
	return out
}

func assertSecretGone(t *testing.T, e *ballotEnv, id string) {
	t.Helper()
	ctx := context.Background()
	ck := rkeys.ForChat(chat)
	if n := len(ballotsIn(t, e, id)); n != 0 {
		t.Fatalf("a secret ballot's choices outlived its close (%d)", n)
	}
	entries, err := e.s.RecentAudit(ctx, chat, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range entries {
		if a.Kind == "ballot.vote" && fmt.Sprint(a.Data["ballot"]) == id {
			if _, ok := a.Data["candidate"]; ok {
				t.Fatalf("secret vote audited with its choice: %s", a.Body)
			}
		}
	}
	seen, _ := e.rdb.HGetAll(ctx, ck.Seen()).Result()
	for k, v := range seen {
		var short map[string]any
		if json.Unmarshal([]byte(v), &short) == nil {
			if _, isVote := short["un"]; isVote {
				if _, leak := short["c"]; leak {
					t.Fatalf("replay record %s keeps a choice: %s", k, v)
				}
			}
		}
	}
}

func TestBallotRunoffAndUndecided(t *testing.T) {
	e := newBallotEnv(t, 7)
	ctx := context.Background()
	s := e.s
	if _, err := s.OpenBallot(ctx, chat, e.op(1), domain.PosChair, 2024, "", e.clk.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// 3 - 3 - 1: a tie between units 1 and 2.
	for u, c := range map[int]int{1: 1, 2: 1, 3: 1, 4: 2, 5: 2, 6: 2, 7: 3} {
		e.vote(t, u, "1", c)
	}
	e.clk.Advance(10 * time.Minute)
	cl, err := s.CloseBallot(ctx, chat, e.op(1), "1", "manual")
	if err != nil {
		t.Fatal(err)
	}
	if cl.Result.Decision != domain.Runoff || !reflect.DeepEqual([]int(cl.Result.Leaders), []int{1, 2}) || cl.Result.Runoff != "1.2" {
		t.Fatalf("tie: %+v", cl.Result)
	}
	rc := cl.RunoffCard
	if rc == nil || rc.ID != "1.2" || rc.Round != 2 || len(rc.Cands) != 2 || rc.Cands[1].Name != tayNinh[1] ||
		!rc.DeadlineTime().Equal(e.clk.Now().Add(time.Hour)) || rc.Base != "1" || len(rc.Elig) != 7 {
		t.Fatalf("runoff card: %+v", rc)
	}
	if b, _ := s.LoadBloc(ctx, chat); len(b.Chairs) != 0 {
		t.Fatalf("a tie elected someone: %v", b.Chairs)
	}
	open, err := s.OpenBallots(ctx, chat)
	if err != nil || len(open) != 1 || open[0].Card.ID != "1.2" || len(open[0].Voted) != 0 {
		t.Fatalf("open after runoff: %+v %v", open, err)
	}
	if _, err := s.Vote(ctx, chat, e.op(e.people[0].ID), "1.2", 3); !errors.Is(err, domain.ErrNotCandidate) {
		t.Fatalf("vote for a unit out of the runoff: %v", err)
	}
	// Round 2 ties again, round 3 too: undecided.
	for _, id := range []string{"1.2", "1.3"} {
		for u := 1; u <= 6; u++ {
			e.vote(t, u, id, 1+u%2)
		}
		cl, err = s.CloseBallot(ctx, chat, e.op(1), id, "manual")
		if err != nil {
			t.Fatal(err)
		}
	}
	if cl.Result.Decision != domain.Undecided || cl.Result.Round != 3 || cl.RunoffCard != nil {
		t.Fatalf("third round: %+v", cl.Result)
	}
	if open, _ := s.OpenBallots(ctx, chat); len(open) != 0 {
		t.Fatalf("still open: %+v", open)
	}
}

func TestBallotNoQuorumAndDeadline(t *testing.T) {
	e := newBallotEnv(t, 7)
	ctx := context.Background()
	s := e.s
	if _, err := s.OpenBallot(ctx, chat, e.op(1), domain.PosChair, 2024, "", e.clk.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	e.vote(t, 1, "1", 1)
	e.vote(t, 2, "1", 1)
	e.vote(t, 3, "1", 1)
	e.clk.Advance(time.Hour)
	// Past the deadline a vote is refused even before the timer closes the ballot.
	if _, err := s.Vote(ctx, chat, e.op(e.people[3].ID), "1", 1); !errors.Is(err, domain.ErrClosed) {
		t.Fatalf("vote after the deadline: %v", err)
	}
	timer := Op{Key: "ballot.close:1"}
	cl, err := s.CloseBallot(ctx, chat, timer, "1", "deadline")
	if err != nil || cl.Result.Decision != domain.NoQuorum || cl.Result.QuorumMet || cl.Result.Cast != 3 || cl.Dup {
		t.Fatalf("no quorum: %+v %v", cl.Result, err)
	}
	// The timer firing again (its ack was lost) gets the same result, marked as a replay.
	again, err := s.CloseBallot(ctx, chat, timer, "1", "deadline")
	if err != nil || !again.Dup || again.Result.Head != cl.Result.Head {
		t.Fatalf("timer replay: %+v %v", again, err)
	}
	if b, _ := s.LoadBloc(ctx, chat); len(b.Chairs) != 0 {
		t.Fatalf("no quorum elected: %v", b.Chairs)
	}
	// A new ballot may open now.
	if _, err := s.OpenBallot(ctx, chat, e.op(1), domain.PosChair, 2024, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
}

func TestBallotSettings(t *testing.T) {
	e := newBallotEnv(t, 7)
	ctx := context.Background()
	s := e.s
	set, err := s.LoadBallotSettings(ctx, chat)
	if err != nil || set.Rules() != domain.DefaultBallotRules() {
		t.Fatalf("defaults: %+v %v", set, err)
	}
	set.Quorum = domain.Threshold{Num: 2, Den: 3, AtLeast: true}
	set.SelfVote = false
	set.Secret = false
	if err := s.SaveBallotSettings(ctx, chat, e.op(1), set); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.LoadBallotSettings(ctx, chat); got != set {
		t.Fatalf("saved %+v, read %+v", set, got)
	}
	res, err := s.OpenBallot(ctx, chat, e.op(1), domain.PosChair, 2024, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Card.Rules(); r.Quorum != set.Quorum || r.SelfVote || r.Secret {
		t.Fatalf("rules on the card: %+v", r)
	}
	if _, err := s.Vote(ctx, chat, e.op(e.people[2].ID), "1", 3); !errors.Is(err, domain.ErrSelfVote) {
		t.Fatalf("self vote: %v", err)
	}
	// Rules change for later ballots only.
	set.SelfVote = true
	if err := s.SaveBallotSettings(ctx, chat, e.op(1), set); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Vote(ctx, chat, e.op(e.people[2].ID), "1", 3); !errors.Is(err, domain.ErrSelfVote) {
		t.Fatalf("rules changed on an open ballot: %v", err)
	}
	// 4 of 7 voted: not two thirds.
	for u := 1; u <= 4; u++ {
		e.vote(t, u, "1", 5)
	}
	cl, err := s.CloseBallot(ctx, chat, e.op(1), "1", "manual")
	if err != nil || cl.Result.Decision != domain.NoQuorum {
		t.Fatalf("2/3 quorum with 4 of 7: %+v %v", cl.Result, err)
	}
}

// The close script's tally is the domain's Decide, on random ballots and rules.
func TestBallotTallyMatchesDomain(t *testing.T) {
	e := newBallotEnv(t, 12)
	ctx := context.Background()
	s := e.s
	rng := rand.New(rand.NewSource(7))
	rules := []domain.Threshold{domain.MoreThanHalf, {Num: 2, Den: 3, AtLeast: true}, {Num: 1, Den: 3}, {Num: 3, Den: 5, AtLeast: true}}
	for i := 0; i < 60; i++ {
		set := BallotSettings{Quorum: rules[rng.Intn(len(rules))], Majority: rules[rng.Intn(len(rules))], SelfVote: true, Secret: i%2 == 0}
		if err := s.SaveBallotSettings(ctx, chat, e.op(1), set); err != nil {
			t.Fatal(err)
		}
		res, err := s.OpenBallot(ctx, chat, e.op(1), domain.PosChair, 2024, "", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		id, card := res.Card.ID, res.Card
		for {
			cands := card.CandIDs()
			votes := map[int]int{}
			for u := 1; u <= 12; u++ {
				if rng.Intn(4) == 0 {
					continue
				}
				// Few candidates get votes, so ties are common.
				c := cands[rng.Intn(min(len(cands), 3))]
				votes[u] = c
				e.vote(t, u, id, c)
			}
			want := domain.Decide(cands, domain.TallyVotes(votes), len(votes), 12, card.Rules(), card.Round)
			cl, err := s.CloseBallot(ctx, chat, e.op(1), id, "manual")
			if err != nil {
				t.Fatal(err)
			}
			got := cl.Result.Outcome()
			if got.Decision != want.Decision || got.Winner != want.Winner || !reflect.DeepEqual([]int(cl.Result.Leaders), want.Leaders) ||
				!reflect.DeepEqual(got.Counts, want.Counts) || got.QuorumMet != want.QuorumMet || got.Cast != want.Cast {
				t.Fatalf("ballot %s, rules %+v, votes %v:\nscript %+v\ndomain %+v", id, card.Rules(), votes, got, want)
			}
			if cl.RunoffCard == nil {
				break
			}
			id, card = cl.RunoffCard.ID, *cl.RunoffCard
		}
	}
	if _, _, err := s.VerifyAudit(ctx, chat); err != nil {
		t.Fatal(err)
	}
}

// 100 units vote at once, each changing its vote 5 times: one ballot per unit, and the tally
// is a recount of each unit's last vote.
func TestBallotConcurrentVoters(t *testing.T) {
	e := newBallotEnv(t, 100)
	ctx := context.Background()
	s := e.s
	if _, err := s.OpenBallot(ctx, chat, e.op(1), domain.PosChair, 2024, "open", time.Time{}); err != nil {
		t.Fatal(err)
	}
	last := make([]int, 101)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for u := 1; u <= 100; u++ {
		wg.Add(1)
		go func(u int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(u)))
			for k := 0; k < 5; k++ {
				c := 1 + rng.Intn(5)
				op := e.op(e.people[u-1].ID)
				r, err := s.Vote(ctx, chat, op, "1", c)
				if err != nil {
					errs <- err
					return
				}
				// A retried delivery of the same press changes nothing.
				if d, err := s.Vote(ctx, chat, op, "1", 1+(c%5)); err != nil || !d.Dup || d.Cand != r.Cand {
					errs <- fmt.Errorf("replay: %+v %v", d, err)
					return
				}
				last[u] = c
			}
		}(u)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := len(ballotsIn(t, e, "1")); n != 100 {
		t.Fatalf("%d ballots for 100 units", n)
	}
	cl, err := s.CloseBallot(ctx, chat, e.op(1), "1", "manual")
	if err != nil {
		t.Fatal(err)
	}
	recount := map[int]int{}
	for u := 1; u <= 100; u++ {
		recount[last[u]]++
	}
	total := 0
	for _, cv := range cl.Result.Counts {
		if cv.Votes != recount[cv.Unit] {
			t.Errorf("unit %d: %d votes, recount %d", cv.Unit, cv.Votes, recount[cv.Unit])
		}
		total += cv.Votes
	}
	if total != 100 || cl.Result.Cast != 100 || len(cl.Result.By) != 100 {
		t.Fatalf("total %d, cast %d, by %d", total, cl.Result.Cast, len(cl.Result.By))
	}
	for _, b := range cl.Result.By {
		if b.Cand != last[b.Unit] {
			t.Errorf("unit %d counted for %d, last voted %d", b.Unit, b.Cand, last[b.Unit])
		}
	}
	if _, _, err := s.VerifyAudit(ctx, chat); err != nil {
		t.Fatal(err)
	}
}

// 10 closers race with voters: exactly one closes; every vote accepted before the close is
// counted and none after it.
func TestBallotConcurrentClosers(t *testing.T) {
	e := newBallotEnv(t, 60)
	ctx := context.Background()
	s := e.s
	if _, err := s.OpenBallot(ctx, chat, e.op(1), domain.PosChair, 2024, "open", time.Time{}); err != nil {
		t.Fatal(err)
	}
	var accepted, refused atomic.Int64
	last := make([]int, 61)
	start := make(chan struct{})
	var voters, closers sync.WaitGroup
	for u := 1; u <= 60; u++ {
		voters.Add(1)
		go func(u int) {
			defer voters.Done()
			<-start
			for k := 0; k < 20; k++ {
				c := 1 + (u+k)%4
				_, err := s.Vote(ctx, chat, e.op(e.people[u-1].ID), "1", c)
				switch {
				case err == nil:
					accepted.Add(1)
					last[u] = c
				case errors.Is(err, domain.ErrClosed):
					refused.Add(1)
				default:
					t.Error(err)
					return
				}
			}
		}(u)
	}
	var closed atomic.Int64
	results := make(chan CloseResult, 10)
	for i := 0; i < 10; i++ {
		closers.Add(1)
		go func() {
			defer closers.Done()
			<-start
			// Stagger the closers among the votes.
			for accepted.Load() < int64(300+20*i) && refused.Load() == 0 {
				runtime.Gosched()
			}
			cl, err := s.CloseBallot(ctx, chat, e.op(1), "1", "manual")
			switch {
			case err == nil:
				closed.Add(1)
				results <- cl
			case errors.Is(err, domain.ErrClosed):
			default:
				t.Error(err)
			}
		}()
	}
	close(start)
	voters.Wait()
	closers.Wait()
	close(results)
	if closed.Load() != 1 {
		t.Fatalf("%d closers closed the ballot", closed.Load())
	}
	cl := <-results
	counted := map[int]int{}
	for _, b := range cl.Result.By {
		counted[b.Unit] = b.Cand
	}
	for u := 1; u <= 60; u++ {
		if counted[u] != last[u] {
			t.Errorf("unit %d: counted %d, last accepted vote %d", u, counted[u], last[u])
		}
	}
	t.Logf("%d votes accepted, %d refused after the close", accepted.Load(), refused.Load())
	// Later votes stay refused, and the ballot's stored result is the announced one.
	if _, err := s.Vote(ctx, chat, e.op(e.people[0].ID), "1", 1); !errors.Is(err, domain.ErrClosed) {
		t.Fatalf("vote after close: %v", err)
	}
	v, _ := s.LoadBallot(ctx, chat, "1")
	if v.Result == nil || v.Result.Head != cl.Result.Head {
		t.Fatalf("stored result differs")
	}
}

// roundTrips counts the commands and pipelines a client sends.
type roundTrips struct{ n atomic.Int64 }

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}
func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}

// A vote is one Redis round trip (once the script is cached on the server).
func TestVoteIsOneRoundTrip(t *testing.T) {
	e := newBallotEnv(t, 7)
	ctx := context.Background()
	if _, err := e.s.OpenBallot(ctx, chat, e.op(1), domain.PosChair, 2024, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	e.vote(t, 1, "1", 2) // loads the script
	h := &roundTrips{}
	e.rdb.AddHook(h)
	for u := 1; u <= 7; u++ {
		e.vote(t, u, "1", 1+u%3)
	}
	if n := h.n.Load(); n != 7 {
		t.Fatalf("7 votes took %d round trips", n)
	}
}

func BenchmarkVote(b *testing.B) {
	e := newBallotEnv(b, 100)
	ctx := context.Background()
	if _, err := e.s.OpenBallot(ctx, chat, e.op(1), domain.PosChair, 2024, "", time.Time{}); err != nil {
		b.Fatal(err)
	}
	e.vote(b, 1, "1", 2)
	h := &roundTrips{}
	e.rdb.AddHook(h)
	var i atomic.Int64
	before := scriptMicros(b, e.s)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := int(i.Add(1))
			u := 1 + k%100
			if _, err := e.s.Vote(ctx, chat, e.op(e.people[u-1].ID), "1", 1+k%7); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(h.n.Load()-1)/float64(b.N), "roundtrips/vote") // less INFO's
	reportScriptMicros(b, e.s, before)
}

// With wait_replicas, a vote is still one round trip (script, stamp and WAIT in one pipeline)
// and is on the replica when acknowledged; so is the result of the close.
func TestVoteDurableWithReplica(t *testing.T) {
	master := redistest.Start(t)
	replica := redistest.Start(t, "--replicaof", "127.0.0.1", master.Addr[len("127.0.0.1:"):])
	ctx := context.Background()
	rc := replica.Client(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, _ := rc.Info(ctx, "replication").Result()
		if strings.Contains(info, "master_link_status:up") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica never connected: %s", info)
		}
		time.Sleep(20 * time.Millisecond) // polling a condition
	}
	mc := master.Client(t)
	e := &ballotEnv{s: New(mc, clock.NewFake(time.Date(2024, 1, 31, 2, 0, 0, 0, time.UTC))), rdb: mc}
	e.upd.Store(1000)
	e.s.SetWaitReplicas(1, 2*time.Second)
	if _, err := e.s.Setup(ctx, chat, e.op(0), "Khối", "vi", domain.DefaultTimezone); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.AddUnits(ctx, chat, e.op(0), tayNinh); err != nil {
		t.Fatal(err)
	}
	for i := range tayNinh {
		p := domain.Person{ID: 9007199254740993 + int64(i), Name: fmt.Sprintf("Người %d", i+1)}
		if _, err := e.s.Link(ctx, chat, e.op(0), p, i+1, false); err != nil {
			t.Fatal(err)
		}
		e.people = append(e.people, p)
	}
	if _, err := e.s.OpenBallot(ctx, chat, e.op(1), domain.PosChair, 2024, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	e.vote(t, 1, "1", 2)
	h := &roundTrips{}
	mc.AddHook(h)
	for u := 2; u <= 5; u++ {
		e.vote(t, u, "1", 2)
		if c, _ := rc.HGet(ctx, rkeys.ForChat(chat).Ballot("1"), fmt.Sprint("v:", u)).Result(); c != "2" {
			t.Fatalf("acknowledged vote of unit %d is not on the replica (%q)", u, c)
		}
	}
	if n := h.n.Load(); n != 4 {
		t.Fatalf("4 durable votes took %d round trips", n)
	}
	if _, err := e.s.CloseBallot(ctx, chat, e.op(1), "1", "manual"); err != nil {
		t.Fatal(err)
	}
	if c, _ := rc.HGet(ctx, rkeys.ForChat(chat).Bloc(), "chair:2024").Result(); c != "2" {
		t.Fatalf("the elected chair is not on the replica (%q)", c)
	}
}

// A vote's stored answer reads back whether it was stored as JSON (before the fields were
// joined by the record separator) or not; a refusal carries its code and the language.
func TestDecodeVoteShort(t *testing.T) {
	for _, c := range []struct {
		in   string
		want VoteResult
		code string
	}{
		{`{"l":"vi","u":3,"un":"Cục Thuế","c":5,"cn":"Kho bạc","ch":"changed"}`, VoteResult{Lang: "vi", Unit: 3, UnitName: "Cục Thuế", Cand: 5, CandName: "Kho bạc", Change: "changed"}, ""},
		{`{"e":"closed","l":"en"}`, VoteResult{Lang: "en"}, "closed"},
		{"\x1evi\x1e3\x1eCục Thuế\x1e5\x1eKho bạc\x1enew", VoteResult{Lang: "vi", Unit: 3, UnitName: "Cục Thuế", Cand: 5, CandName: "Kho bạc", Change: "new"}, ""},
		{"\x1een\x1e3\x1eCục Thuế\x1e\x1e\x1esame", VoteResult{Lang: "en", Unit: 3, UnitName: "Cục Thuế", Change: "same"}, ""},
		{"notmember\x1evi", VoteResult{Lang: "vi"}, "notmember"},
	} {
		got, code, err := decodeVoteShort(c.in)
		if err != nil || code != c.code || got.Lang != c.want.Lang || got.Unit != c.want.Unit || got.UnitName != c.want.UnitName ||
			got.Cand != c.want.Cand || got.CandName != c.want.CandName || got.Change != c.want.Change {
			t.Errorf("decodeVoteShort(%q) = %+v, %q, %v; want %+v, %q", c.in, got, code, err, c.want, c.code)
		}
	}
	if _, _, err := decodeVoteShort("a\x1eb\x1ec"); err == nil {
		t.Error("a malformed answer was read")
	}
}

// scriptReplies records the string answers of the scripts a client runs.
type scriptReplies struct {
	mu  sync.Mutex
	all []string
}

func (h *scriptReplies) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *scriptReplies) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if c, ok := cmd.(*redis.Cmd); ok && strings.HasPrefix(cmd.Name(), "eval") {
			if v, ok := c.Val().([]any); ok && len(v) == 2 {
				s, _ := v[1].(string)
				h.mu.Lock()
				h.all = append(h.all, s)
				h.mu.Unlock()
			}
		}
		return err
	}
}
func (h *scriptReplies) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (h *scriptReplies) last(t *testing.T) string {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.all) == 0 {
		t.Fatal("no script answered")
	}
	return h.all[len(h.all)-1]
}

// A vote's answer carries the ballot's card only to a replica that does not hold it: the
// first vote through a store brings it, the next ones leave it out and get the held card, a
// second replica gets it with its own first vote, and a held card of the same ballot id opened
// at another time is replaced.
func TestVoteSendsTheCardOnce(t *testing.T) {
	e := newBallotEnv(t, 7)
	ctx := context.Background()
	if _, err := e.s.OpenBallot(ctx, chat, e.op(1), domain.PosChair, 2024, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	h := &scriptReplies{}
	e.rdb.AddHook(h)
	cardOf := func(answer string) string {
		parts := strings.SplitN(answer, "\n", 3)
		if len(parts) != 3 {
			t.Fatalf("answer %q has no card part", answer)
		}
		return parts[2]
	}
	first := e.vote(t, 1, "1", 2)
	if first.Card == nil || len(first.Card.Cands) != 7 || cardOf(h.last(t)) == "" {
		t.Fatalf("first vote: card %+v, answer %q", first.Card, h.last(t))
	}
	second := e.vote(t, 2, "1", 3)
	if got := cardOf(h.last(t)); got != "" {
		t.Fatalf("the second vote was sent the card again: %q", got)
	}
	if second.Card != first.Card {
		t.Fatal("the second vote did not get the held card")
	}
	other := New(e.rdb, e.clk) // another replica
	r, err := other.Vote(ctx, chat, e.op(e.people[2].ID), "1", 4)
	if err != nil || r.Card == nil || len(r.Card.Cands) != 7 || cardOf(h.last(t)) == "" {
		t.Fatalf("another replica's first vote: %+v %v, answer %q", r.Card, err, h.last(t))
	}
	// A card held for ballot 1 as it was opened at another time (the bloc removed and set up
	// again): the script sends the card of the ballot as it is.
	if _, err := e.s.ballotCards.resolve(cardKey{chat, "1"}, cachedCard[*BallotCard]{}, "1", `{"id":"1","round":9}`, decodeBallotCard); err != nil {
		t.Fatal(err)
	}
	r = e.vote(t, 4, "1", 5)
	if r.Card == nil || r.Card.Round != 1 || len(r.Card.Cands) != 7 || cardOf(h.last(t)) == "" {
		t.Fatalf("after a stale card: %+v, answer %q", r.Card, h.last(t))
	}
}

// A ballot opened by older code keeps the units' ballots in a hash of their own (BallotVotes):
// votes, turnout, the tally and the secret's deletion come out the same as in the ballot's
// own hash.
func TestBallotOlderLayout(t *testing.T) {
	type outcome struct {
		Voted    [][]int
		Versions []int64
		Changes  []string
		Loaded   []int
		Result   BallotResult
		Stored   map[string]string // the units' ballots while open
	}
	play := func(t *testing.T, older bool) outcome {
		e := newBallotEnv(t, 7)
		ctx := context.Background()
		if _, err := e.s.OpenBallot(ctx, chat, e.op(1), domain.PosChair, 2024, "secret", time.Time{}); err != nil {
			t.Fatal(err)
		}
		ck := rkeys.ForChat(chat)
		if older {
			if err := e.rdb.HDel(ctx, ck.Ballot("1"), "vf", "voted").Err(); err != nil {
				t.Fatal(err)
			}
		}
		var o outcome
		for _, v := range [][2]int{{1, 2}, {3, 2}, {2, 4}, {1, 3}, {3, 2}, {5, 3}, {6, 3}} {
			r := e.vote(t, v[0], "1", v[1])
			o.Voted = append(o.Voted, r.Voted)
			o.Versions = append(o.Versions, r.Version)
			o.Changes = append(o.Changes, r.Change)
		}
		o.Stored = ballotsIn(t, e, "1")
		if n, _ := e.rdb.Exists(ctx, ck.BallotVotes("1")).Result(); (n == 1) != older {
			t.Fatalf("older layout %v, votes hash exists: %d", older, n)
		}
		view, err := e.s.LoadBallot(ctx, chat, "1")
		if err != nil {
			t.Fatal(err)
		}
		o.Loaded = view.Voted
		cl, err := e.s.CloseBallot(ctx, chat, e.op(1), "1", "manual")
		if err != nil {
			t.Fatal(err)
		}
		o.Result = cl.Result
		o.Result.Closed, o.Result.Head = 0, ""
		assertSecretGone(t, e, "1")
		return o
	}
	older, newer := play(t, true), play(t, false)
	want := [][]int{{1}, {1, 3}, {1, 2, 3}, {1, 2, 3}, {1, 2, 3}, {1, 2, 3, 5}, {1, 2, 3, 5, 6}}
	if !reflect.DeepEqual(newer.Voted, want) || !reflect.DeepEqual(newer.Versions, []int64{1, 2, 3, 4, 4, 5, 6}) ||
		!reflect.DeepEqual(newer.Changes, []string{"new", "new", "new", "changed", "same", "new", "new"}) ||
		!reflect.DeepEqual(newer.Loaded, []int{1, 2, 3, 5, 6}) ||
		!reflect.DeepEqual(newer.Stored, map[string]string{"1": "3", "2": "4", "3": "2", "5": "3", "6": "3"}) {
		t.Fatalf("votes: %+v", newer)
	}
	if r := newer.Result; r.Cast != 5 || r.Decision != domain.Elected || r.Winner != 3 ||
		!reflect.DeepEqual([]int(r.Voted), []int{1, 2, 3, 5, 6}) {
		t.Fatalf("result: %+v", r)
	}
	if !reflect.DeepEqual(older, newer) {
		t.Fatalf("the older layout differs:\n%+v\n%+v", older, newer)
	}
}

// While an upgrade is under way, a replica running the code before records votes in the votes
// hash even for a ballot opened by this code: the turnout and the tally count them (a unit in
// both counts with the ballot hash's choice), and a secret ballot's close deletes both.
func TestBallotVotesFromOlderReplica(t *testing.T) {
	e := newBallotEnv(t, 7)
	ctx := context.Background()
	if _, err := e.s.OpenBallot(ctx, chat, e.op(1), domain.PosChair, 2024, "secret", time.Time{}); err != nil {
		t.Fatal(err)
	}
	ck := rkeys.ForChat(chat)
	e.vote(t, 1, "1", 3)
	e.vote(t, 2, "1", 3)
	e.vote(t, 6, "1", 3)
	// What the vote script before would have written for units 4 and 2.
	if err := e.rdb.HSet(ctx, ck.BallotVotes("1"), "4", "3", "2", "5").Err(); err != nil {
		t.Fatal(err)
	}
	view, err := e.s.LoadBallot(ctx, chat, "1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(view.Voted, []int{1, 2, 4, 6}) {
		t.Fatalf("turnout %v, want [1 2 4 6]", view.Voted)
	}
	cl, err := e.s.CloseBallot(ctx, chat, e.op(1), "1", "manual")
	if err != nil {
		t.Fatal(err)
	}
	r := cl.Result
	if r.Cast != 4 || r.Winner != 3 || !reflect.DeepEqual([]int(r.Voted), []int{1, 2, 4, 6}) {
		t.Fatalf("result: %+v", r)
	}
	for _, c := range r.Counts {
		if c.Unit == 5 && c.Votes != 0 {
			t.Fatalf("unit 2's vote counted twice: %+v", r.Counts)
		}
	}
	assertSecretGone(t, e, "1")
}
