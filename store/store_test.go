package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"thiduabot/clock"
	"thiduabot/domain"
	"thiduabot/internal/redistest"
	"thiduabot/rkeys"
)

func newStore(t testing.TB) (*Store, *clock.Fake) {
	t.Helper()
	srv := redistest.Start(t)
	clk := clock.NewFake(time.Date(2024, 1, 31, 8, 0, 0, 0, time.UTC))
	return New(srv.Client(t), clk), clk
}

var tayNinh = []string{"Cục Thuế tỉnh Tây Ninh", "Bảo hiểm xã hội tỉnh Tây Ninh", "Cục Hải quan tỉnh Tây Ninh",
	"Kho bạc Nhà nước tỉnh Tây Ninh", "Ngân hàng Nhà nước Việt Nam chi nhánh tỉnh Tây Ninh",
	"Cục Thống kê tỉnh Tây Ninh", "Cục Quản lý thị trường tỉnh Tây Ninh"}

const chat = int64(-1001)

func setupBloc(t testing.TB, s *Store) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Setup(ctx, chat, Op{UpdateID: 1}, "Khối Tây Ninh", "vi", domain.DefaultTimezone); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddUnits(ctx, chat, Op{UpdateID: 2}, tayNinh); err != nil {
		t.Fatal(err)
	}
}

func TestSetupAndUnitsIdempotent(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if _, err := s.LoadBloc(ctx, chat); !errors.Is(err, domain.ErrNoBloc) {
		t.Fatalf("before setup: %v", err)
	}
	setupBloc(t, s)
	// The same update again changes nothing and gets the same answer.
	r, err := s.AddUnits(ctx, chat, Op{UpdateID: 2}, tayNinh)
	if err != nil || !r.Dup || len(r.Added) != 7 {
		t.Fatalf("replayed addunit: %+v %v", r, err)
	}
	// A new update with known names adds nothing.
	r, err = s.AddUnits(ctx, chat, Op{UpdateID: 3}, []string{"cuc thue tinh tay ninh", "Sở Tài chính"})
	if err != nil || len(r.Added) != 1 || len(r.Dups) != 1 {
		t.Fatalf("addunit with a known name: %+v %v", r, err)
	}
	b, err := s.LoadBloc(ctx, chat)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Units) != 8 || b.Units[0].Name != tayNinh[0] || b.Name != "Khối Tây Ninh" || b.Lang != "vi" {
		t.Fatalf("bloc: %+v", b)
	}
	res, err := s.Setup(ctx, chat, Op{UpdateID: 4}, "Khối mới", "en", "")
	if err != nil || res.Created || res.OldName != "Khối Tây Ninh" {
		t.Fatalf("rename: %+v %v", res, err)
	}
	if b, _ := s.LoadBloc(ctx, chat); b.Lang != "vi" || b.Name != "Khối mới" {
		t.Fatalf("rename changed more than the name: %+v", b)
	}
}

func TestMembership(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	setupBloc(t, s)
	lan := domain.Person{ID: 5000000000123, Name: "Lan <b>&", Username: "lan"}
	id, _, err := s.RequestJoin(ctx, chat, Op{UpdateID: 10, Actor: lan.ID}, lan, 1)
	if err != nil {
		t.Fatal(err)
	}
	if reqs, _ := s.PendingJoins(ctx, chat); len(reqs) != 1 || reqs[0].Person.ID != lan.ID {
		t.Fatalf("pending: %+v", reqs)
	}
	jr, _, err := s.ResolveJoin(ctx, chat, Op{UpdateID: 11, Actor: 1}, id, true)
	if err != nil || jr.Unit != 1 || jr.Person.ID != lan.ID {
		t.Fatalf("approve: %+v %v", jr, err)
	}
	if _, _, err := s.ResolveJoin(ctx, chat, Op{UpdateID: 12, Actor: 1}, id, false); !errors.Is(err, domain.ErrNotPending) {
		t.Fatalf("second decision: %v", err)
	}
	b, _ := s.LoadBloc(ctx, chat)
	if u, ok := b.UnitOf(lan.ID); !ok || u.ID != 1 || b.People[lan.ID].Name != lan.Name {
		t.Fatalf("after approve: %+v", b)
	}
	// A person belongs to one unit: joining another is refused, assigning moves.
	if _, _, err := s.RequestJoin(ctx, chat, Op{UpdateID: 13}, lan, 2); !errors.Is(err, domain.ErrAlreadyLinked) {
		t.Fatalf("second unit: %v", err)
	}
	if _, err := s.Link(ctx, chat, Op{UpdateID: 14}, lan, 2, false); !errors.Is(err, domain.ErrAlreadyLinked) {
		t.Fatalf("link elsewhere: %v", err)
	}
	r, err := s.Link(ctx, chat, Op{UpdateID: 15}, lan, 2, true)
	if err != nil || r.FromUnit != 1 {
		t.Fatalf("move: %+v %v", r, err)
	}
	if blocs, _ := s.BlocsOf(ctx, lan.ID); len(blocs) != 1 || blocs[0] != chat {
		t.Fatalf("user index: %v", blocs)
	}
	u, err := s.Unlink(ctx, chat, Op{UpdateID: 16}, lan.ID)
	if err != nil || u.Unit != 2 || u.Others != 0 {
		t.Fatalf("unlink: %+v %v; want unit 2 and no one else representing it", u, err)
	}
	if again, err := s.Unlink(ctx, chat, Op{UpdateID: 16}, lan.ID); err != nil || again != u {
		t.Fatalf("a replayed unlink: %+v %v; want %+v", again, err, u)
	}
	if _, err := s.Unlink(ctx, chat, Op{UpdateID: 17}, lan.ID); !errors.Is(err, domain.ErrNotLinked) {
		t.Fatalf("unlink twice: %v", err)
	}
	if _, err := s.Link(ctx, chat, Op{UpdateID: 18}, lan, 99, false); !errors.Is(err, domain.ErrUnknownUnit) {
		t.Fatalf("unknown unit: %v", err)
	}
	n, head, err := s.VerifyAudit(ctx, chat)
	if err != nil || n < 6 || head == "" {
		t.Fatalf("audit: %d %q %v", n, head, err)
	}
	// Tampering with an entry breaks the chain.
	k := rkeys.ForChat(chat).Audit()
	first, _ := s.rdb.LIndex(ctx, k, 1).Result()
	s.rdb.LSet(ctx, k, 1, first[:len(first)-2]+"9}")
	if _, _, err := s.VerifyAudit(ctx, chat); err == nil {
		t.Fatal("a changed audit entry went unnoticed")
	}
}

// Many concurrent copies of the same update apply once.
func TestConcurrentDuplicateApplyOnce(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	setupBloc(t, s)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.AddUnits(ctx, chat, Op{UpdateID: 77}, []string{"Sở Nội vụ"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	b, _ := s.LoadBloc(ctx, chat)
	if len(b.Units) != 8 {
		t.Fatalf("%d units, want 8", len(b.Units))
	}
	entries, _ := s.RecentAudit(ctx, chat, 100)
	adds := 0
	for _, e := range entries {
		if e.Kind == "unit.add" {
			adds++
		}
	}
	if adds != 2 {
		t.Fatalf("%d unit.add audit entries, want 2", adds)
	}
}

// A generation marked fresh spares each update the old generation's HGET (counted by INFO
// commandstats): one update's HGETs with the mark, then without it.
func TestFreshGenerationSkipsTheOldOne(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	setupBloc(t, s)
	hgets := func() int64 {
		t.Helper()
		info, err := s.rdb.Info(ctx, "commandstats").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(info, "\n") {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_hget:calls="); ok {
				n, _ := strconv.ParseInt(rest[:strings.IndexByte(rest, ',')], 10, 64)
				return n
			}
		}
		return 0
	}
	hgetsOf := func(id int64) int64 {
		t.Helper()
		before := hgets()
		if err := s.SetLang(ctx, chat, Op{UpdateID: id}, "vi"); err != nil {
			t.Fatal(err)
		}
		return hgets() - before
	}
	hgetsOf(100) // loads the script
	marked := hgetsOf(101)
	if err := s.rdb.HDel(ctx, rkeys.ForChat(chat).Seen(), "_f").Err(); err != nil {
		t.Fatal(err)
	}
	if unmarked := hgetsOf(102); unmarked != marked+1 {
		t.Fatalf("an update took %d HGETs in a marked generation and %d in an unmarked one, want one more", marked, unmarked)
	}
}

// seenIDs are the update ids whose results the current and the previous generation of a
// chat's dedupe record hold.
func seenIDs(t *testing.T, s *Store) (cur, old map[string]bool) {
	t.Helper()
	ck := rkeys.ForChat(chat)
	get := func(k string) map[string]bool {
		h, err := s.rdb.HGetAll(context.Background(), k).Result()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for f := range h {
			if !strings.HasPrefix(f, "_") {
				out[f] = true
			}
		}
		return out
	}
	return get(ck.Seen()), get(ck.SeenOld())
}

// The dedupe record keeps every result for at least an hour, in two generations of an hour,
// and at most 5,000 of them; a replay is recognised from either generation.
func TestSeenIsTrimmed(t *testing.T) {
	s, clk := newStore(t)
	ctx := context.Background()
	setupBloc(t, s)
	for i := int64(100); i < 400; i++ {
		if err := s.SetLang(ctx, chat, Op{UpdateID: i}, "en"); err != nil {
			t.Fatal(err)
		}
	}
	cur, old := seenIDs(t, s)
	if len(cur) != 302 || len(old) != 0 || !cur["1"] || !cur["399"] {
		t.Fatalf("within the hour: %d results, %d in the old generation", len(cur), len(old))
	}
	// fresh tells whether the current generation is marked as begun with no previous one.
	fresh := func() bool {
		t.Helper()
		v, err := s.rdb.HExists(ctx, rkeys.ForChat(chat).Seen(), "_f").Result()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if !fresh() {
		t.Fatal("the chat's first generation is not marked fresh")
	}
	// An hour later the first new update starts a new generation; the old one still answers.
	clk.Advance(61 * time.Minute)
	for i := int64(400); i < 600; i++ {
		if err := s.SetLang(ctx, chat, Op{UpdateID: i}, "vi"); err != nil {
			t.Fatal(err)
		}
	}
	cur, old = seenIDs(t, s)
	if len(cur) != 200 || len(old) != 302 || !cur["400"] || !old["2"] {
		t.Fatalf("after an hour: %d and %d in the old generation", len(cur), len(old))
	}
	if fresh() {
		t.Fatal("a generation with an old one beside it is marked fresh")
	}
	if r, err := s.AddUnits(ctx, chat, Op{UpdateID: 2}, tayNinh); err != nil || !r.Dup || len(r.Added) != 7 {
		t.Fatalf("a replay of an update an hour old: %+v %v", r, err)
	}
	// Another hour: the oldest generation goes.
	clk.Advance(61 * time.Minute)
	if err := s.SetLang(ctx, chat, Op{UpdateID: 600}, "vi"); err != nil {
		t.Fatal(err)
	}
	cur, old = seenIDs(t, s)
	if len(cur) != 1 || len(old) != 200 || old["2"] {
		t.Fatalf("after two hours: %d and %d in the old generation", len(cur), len(old))
	}
	if r, err := s.AddUnits(ctx, chat, Op{UpdateID: 2}, []string{"Sở mới"}); err != nil || r.Dup || len(r.Added) != 1 {
		t.Fatalf("an update two hours old is new again: %+v %v", r, err)
	}
	// Hours of silence: both generations go.
	clk.Advance(3 * time.Hour)
	if err := s.SetLang(ctx, chat, Op{UpdateID: 601}, "vi"); err != nil {
		t.Fatal(err)
	}
	if cur, old = seenIDs(t, s); len(cur) != 1 || len(old) != 0 || !fresh() {
		t.Fatalf("after three quiet hours: %d and %d in the old generation (fresh: %v)", len(cur), len(old), fresh())
	}
	// A generation written before the mark existed (no '_f') still sends replays to the old one.
	ck := rkeys.ForChat(chat)
	if r, err := s.AddUnits(ctx, chat, Op{UpdateID: 555}, []string{"Sở khác"}); err != nil || r.Dup {
		t.Fatalf("update 555: %+v %v", r, err)
	}
	res, err := s.rdb.HGet(ctx, ck.Seen(), "555").Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.rdb.HSet(ctx, ck.SeenOld(), "555", res).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.rdb.HDel(ctx, ck.Seen(), "555", "_f").Err(); err != nil {
		t.Fatal(err)
	}
	if r, err := s.AddUnits(ctx, chat, Op{UpdateID: 555}, []string{"Sở khác"}); err != nil || !r.Dup || len(r.Added) != 1 {
		t.Fatalf("a replay found in the old generation of an unmarked one: %+v %v", r, err)
	}
	if err := s.rdb.Del(ctx, ck.SeenOld()).Err(); err != nil {
		t.Fatal(err)
	}
	// A burst: at most 2,500 a generation, 5,000 in all.
	for i := int64(1000); i < 6200; i++ {
		if err := s.SetLang(ctx, chat, Op{UpdateID: i}, "vi"); err != nil {
			t.Fatal(err)
		}
	}
	cur, old = seenIDs(t, s)
	if len(cur)+len(old) > 5000 || len(old) != 2500 || !cur["6199"] {
		t.Fatalf("after a burst: %d and %d in the old generation", len(cur), len(old))
	}
}

func TestMigrateChat(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	setupBloc(t, s)
	p := domain.Person{ID: 42, Name: "Minh"}
	if _, err := s.Link(ctx, chat, Op{UpdateID: 5}, p, 3, false); err != nil {
		t.Fatal(err)
	}
	to := int64(-1009999)
	for i := 0; i < 2; i++ { // twice: it is idempotent
		if err := s.MigrateChat(ctx, chat, to); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.LoadBloc(ctx, chat); !errors.Is(err, domain.ErrNoBloc) {
		t.Fatalf("old chat still has a bloc: %v", err)
	}
	b, err := s.LoadBloc(ctx, to)
	if err != nil || len(b.Units) != 7 || b.Members[42] != 3 {
		t.Fatalf("new chat: %+v %v", b, err)
	}
	if moved, _ := s.MovedTo(ctx, chat); moved != to {
		t.Fatalf("moved to %d", moved)
	}
	if blocs, _ := s.BlocsOf(ctx, 42); len(blocs) != 1 || blocs[0] != to {
		t.Fatalf("user index after migrate: %v", blocs)
	}
	if _, _, err := s.VerifyAudit(ctx, to); err != nil {
		t.Fatalf("audit after migrate: %v", err)
	}
}

func TestOffsetAndLease(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if err := s.SaveOffset(ctx, 10); err != nil {
		t.Fatal(err)
	}
	_ = s.SaveOffset(ctx, 5)
	if v, _ := s.LoadOffset(ctx); v != 10 {
		t.Fatalf("offset %d", v)
	}
	a := s.NewLease("test:lease", 3*time.Second)
	b := s.NewLease("test:lease", 3*time.Second)
	actx, err := a.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := b.Acquire(short); err == nil {
		t.Fatal("two holders of one lease")
	}
	a.Release(ctx)
	if actx.Err() == nil {
		t.Fatal("released lease's context still alive")
	}
	if _, err := b.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	b.Release(ctx)
}

// scriptMicros is the time Redis has spent running scripts (EVALSHA and EVAL, with the
// commands they call), from INFO commandstats: benchmarks report it per operation.
func scriptMicros(tb testing.TB, s *Store) int64 {
	tb.Helper()
	info, err := s.rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		tb.Fatal(err)
	}
	var total int64
	for _, line := range strings.Split(info, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_eval")
		if !ok || !(strings.HasPrefix(rest, ":") || strings.HasPrefix(rest, "sha:")) {
			continue
		}
		_, stats, _ := strings.Cut(rest, ":")
		for _, f := range strings.Split(stats, ",") {
			if v, ok := strings.CutPrefix(f, "usec="); ok {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					tb.Fatalf("commandstats %q: %v", line, err)
				}
				total += n
			}
		}
	}
	return total
}

// reportScriptMicros reports the Redis script time per operation since before.
func reportScriptMicros(b *testing.B, s *Store, before int64) {
	b.ReportMetric(float64(scriptMicros(b, s)-before)/float64(b.N), "redis-µs/op")
}

// RemoveUnit refuses this year's chair or deputy and any removal while a ballot is open; a
// removed unit's name stays for what it did (a past year's chair), and its people are
// unlinked. RenameUnit frees the old name and refuses another unit's.
func TestRenameAndRemoveUnits(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	setupBloc(t, s)
	ck := rkeys.ForChat(chat)
	p := domain.Person{ID: 777, Name: "Người Thống kê"}
	if _, err := s.Link(ctx, chat, Op{UpdateID: 10, Actor: 777}, p, 6, false); err != nil {
		t.Fatal(err)
	}
	s.rdb.HSet(ctx, ck.Bloc(), "chair:2023", 6, "chair:2024", 2, "deputy:2024", 3)
	if _, err := s.RemoveUnit(ctx, chat, Op{UpdateID: 11}, 2, 2024); !errors.Is(err, domain.ErrUnitHasRole) {
		t.Fatalf("this year's chair: %v", err)
	}
	if _, err := s.RemoveUnit(ctx, chat, Op{UpdateID: 12}, 3, 2024); !errors.Is(err, domain.ErrUnitHasRole) {
		t.Fatalf("this year's deputy: %v", err)
	}
	s.rdb.HSet(ctx, ck.Bloc(), "deputy:2025", 4)
	if _, err := s.RemoveUnit(ctx, chat, Op{UpdateID: 20}, 4, 2024); !errors.Is(err, domain.ErrUnitHasRole) {
		t.Fatalf("next year's deputy: %v", err)
	}
	// A request to join the unit to remove, and one to join another.
	asker, other := domain.Person{ID: 888, Name: "Người xin"}, domain.Person{ID: 889, Name: "Người khác"}
	if _, _, err := s.RequestJoin(ctx, chat, Op{UpdateID: 21, Actor: 888}, asker, 6); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.RequestJoin(ctx, chat, Op{UpdateID: 22, Actor: 889}, other, 5); err != nil {
		t.Fatal(err)
	}
	s.rdb.HSet(ctx, ck.BallotsOpen(), "chair", "1")
	if _, err := s.RemoveUnit(ctx, chat, Op{UpdateID: 13}, 6, 2024); !errors.Is(err, domain.ErrUnitInBallot) {
		t.Fatalf("while a ballot is open: %v", err)
	}
	s.rdb.Del(ctx, ck.BallotsOpen())
	res, err := s.RemoveUnit(ctx, chat, Op{UpdateID: 14}, 6, 2024)
	if err != nil || res.Name != tayNinh[5] || len(res.Unlinked) != 1 || res.Unlinked[0] != 777 {
		t.Fatalf("remove: %+v %v", res, err)
	}
	if again, err := s.RemoveUnit(ctx, chat, Op{UpdateID: 14}, 6, 2024); err != nil || again.Name != tayNinh[5] {
		t.Fatalf("the same update again: %+v %v", again, err)
	}
	if _, err := s.RemoveUnit(ctx, chat, Op{UpdateID: 15}, 6, 2024); !errors.Is(err, domain.ErrUnknownUnit) {
		t.Fatalf("removed twice: %v", err)
	}
	if reqs, err := s.PendingJoins(ctx, chat); err != nil || len(reqs) != 1 || reqs[0].Unit != 5 {
		t.Fatalf("join requests after the removal: %+v %v", reqs, err)
	}
	b, err := s.LoadBloc(ctx, chat)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Unit(6); ok || len(b.Units) != len(tayNinh)-1 {
		t.Fatalf("units after the removal: %+v", b.Units)
	}
	if _, ok := b.UnitOf(777); ok {
		t.Fatal("the removed unit's person is still linked")
	}
	if c, ok := b.Chair(2023); !ok || c.Name != tayNinh[5] {
		t.Fatalf("2023's chair, since removed: %+v %v", c, ok)
	}
	if n, gone, ok := b.NameOf(6); !ok || !gone || n != tayNinh[5] {
		t.Fatalf("NameOf a removed unit: %q %v %v", n, gone, ok)
	}
	// Its name is free again.
	if r, err := s.AddUnits(ctx, chat, Op{UpdateID: 16}, []string{tayNinh[5]}); err != nil || len(r.Added) != 1 {
		t.Fatalf("adding the name again: %+v %v", r, err)
	}

	if _, err := s.RenameUnit(ctx, chat, Op{UpdateID: 17}, 1, strings.ToLower(tayNinh[2])); !errors.Is(err, domain.ErrDuplicateName) {
		t.Fatalf("another unit's name: %v", err)
	}
	if before, err := s.RenameUnit(ctx, chat, Op{UpdateID: 18}, 1, "Thuế tỉnh"); err != nil || before != tayNinh[0] {
		t.Fatalf("rename: %q %v", before, err)
	}
	if r, err := s.AddUnits(ctx, chat, Op{UpdateID: 19}, []string{tayNinh[0]}); err != nil || len(r.Added) != 1 {
		t.Fatalf("the old name is free: %+v %v", r, err)
	}
	// Renamed twice: both earlier names are free, whoever saw which.
	if _, err := s.RenameUnit(ctx, chat, Op{UpdateID: 23}, 1, "Thuế tỉnh Tây Ninh"); err != nil {
		t.Fatal(err)
	}
	if r, err := s.AddUnits(ctx, chat, Op{UpdateID: 24}, []string{"Thuế tỉnh"}); err != nil || len(r.Added) != 1 {
		t.Fatalf("the name before is free: %+v %v", r, err)
	}
	if names, _ := s.rdb.HGetAll(ctx, ck.UnitNames()).Result(); len(names) != len(tayNinh)-1+3 {
		t.Fatalf("folded names: %v", names)
	}
	if _, _, err := s.VerifyAudit(ctx, chat); err != nil {
		t.Fatal(err)
	}
}
