package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"thiduabot/domain"
)

var pledge2024 = domain.Pledge{Title: "Giao ước thi đua năm 2024", Commitments: []string{
	"Quán triệt và thực hiện tốt chủ trương của Đảng, chính sách, pháp luật của Nhà nước",
	"Phát động thi đua thiết thực, phấn đấu hoàn thành vượt mức chỉ tiêu năm 2024",
	"Đổi mới hình thức thi đua thường xuyên, theo đợt, theo chuyên đề, có tiêu chí cụ thể",
	"Khen thưởng công khai, đúng quy trình, đúng thành tích; chú trọng người lao động có sáng kiến",
}}

var manager = domain.Person{ID: 9000000000001, Name: "Chủ trì"}

// members links one person (ids beyond 2^53) to each of the 7 units, and a second person to
// unit 1.
func pledgeMembers(t testing.TB, s *Store, chatID int64) []domain.Person {
	t.Helper()
	ctx := context.Background()
	var ps []domain.Person
	for i := 0; i < 8; i++ {
		p := domain.Person{ID: 9007199254740993 + int64(i), Name: fmt.Sprintf("Người <%d>", i+1)}
		unit := i + 1
		if i == 7 {
			unit = 1
		}
		if _, err := s.Link(ctx, chatID, Op{UpdateID: int64(100 + i)}, p, unit, false); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return ps
}

func setupChat(t testing.TB, s *Store, chatID int64) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Setup(ctx, chatID, Op{UpdateID: 1}, "Khối Tây Ninh", "vi", domain.DefaultTimezone); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddUnits(ctx, chatID, Op{UpdateID: 2}, tayNinh); err != nil {
		t.Fatal(err)
	}
}

func TestPledgePost(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if _, err := s.PostPledge(ctx, chat, Op{UpdateID: 5}, 2024, manager, pledge2024); !errors.Is(err, domain.ErrNoBloc) {
		t.Fatalf("without a bloc: %v", err)
	}
	if _, err := s.Setup(ctx, chat, Op{UpdateID: 6}, "Khối", "vi", domain.DefaultTimezone); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PostPledge(ctx, chat, Op{UpdateID: 7}, 2024, manager, pledge2024); !errors.Is(err, domain.ErrNotEnoughUnits) {
		t.Fatalf("without units: %v", err)
	}
	if _, err := s.AddUnits(ctx, chat, Op{UpdateID: 8}, tayNinh); err != nil {
		t.Fatal(err)
	}
	r, err := s.PostPledge(ctx, chat, Op{UpdateID: 9, Actor: manager.ID}, 2024, manager, pledge2024)
	if err != nil || r.Seq != 1 || r.Hash != pledge2024.Version() || r.Dup {
		t.Fatalf("post: %+v %v", r, err)
	}
	// The same update again: the same answer, nothing new.
	if r2, err := s.PostPledge(ctx, chat, Op{UpdateID: 9, Actor: manager.ID}, 2024, manager, pledge2024); err != nil || !r2.Dup || r2.Seq != 1 {
		t.Fatalf("replay: %+v %v", r2, err)
	}
	// Another post for the same year is refused.
	var ex ErrPledgeExistsSeq
	if _, err := s.PostPledge(ctx, chat, Op{UpdateID: 10}, 2024, manager, pledge2024); !errors.As(err, &ex) || ex.Seq != 1 || !errors.Is(err, domain.ErrPledgeExists) {
		t.Fatalf("second post: %v", err)
	}
	ps, err := s.LoadPledges(ctx, chat)
	if err != nil {
		t.Fatal(err)
	}
	v := ps.Current()
	if len(ps.Versions) != 1 || v == nil || v.Year != 2024 || !reflect.DeepEqual(v.Pledge, pledge2024) ||
		v.By.ID != manager.ID || v.By.Name != manager.Name || v.Hash != pledge2024.Version() || len(v.Signatures) != 0 {
		t.Fatalf("loaded: %+v", v)
	}
	if ps.ForYear(2024) != v || ps.ForYear(2023) != nil || !reflect.DeepEqual(ps.Years(), []int{2024}) {
		t.Fatal("by year")
	}
	entries, _ := s.RecentAudit(ctx, chat, 1)
	if entries[0].Kind != "pledge.post" || entries[0].Actor != manager.ID {
		t.Fatalf("audit: %+v", entries[0])
	}
}

func TestPledgeSignAmend(t *testing.T) {
	s, clk := newStore(t)
	ctx := context.Background()
	setupBloc(t, s)
	people := pledgeMembers(t, s, chat)
	outsider := domain.Person{ID: 9007199254749999, Name: "Khách"}

	if _, err := s.SignPledge(ctx, chat, Op{UpdateID: 200, Actor: people[0].ID}, people[0], 0); !errors.Is(err, domain.ErrPledgeNone) {
		t.Fatalf("sign without a pledge: %v", err)
	}
	if _, err := s.PostPledge(ctx, chat, Op{UpdateID: 201, Actor: manager.ID}, 2024, manager, pledge2024); err != nil {
		t.Fatal(err)
	}
	n, err := s.SetPledgeMessage(ctx, chat, 1, 77)
	if err != nil || n != 0 {
		t.Fatalf("set message: %d %v", n, err)
	}

	// A person of no unit is refused, with the language to say so in, and nothing changes.
	r, err := s.SignPledge(ctx, chat, Op{UpdateID: 202, Actor: outsider.ID}, outsider, 1)
	if !errors.Is(err, domain.ErrNotLinked) || r.Lang != "vi" {
		t.Fatalf("outsider: %+v %v", r, err)
	}
	clk.Advance(time.Minute)
	r, err = s.SignPledge(ctx, chat, Op{UpdateID: 203, Actor: people[0].ID}, people[0], 1)
	if err != nil || r.Unit != 1 || r.UnitName != tayNinh[0] || r.Signed != 1 || r.Units != 7 || r.Completed ||
		r.MessageID != 77 || r.Hash != pledge2024.Version() || r.Year != 2024 || r.Seq != 1 || r.TZ != domain.DefaultTimezone {
		t.Fatalf("first signature: %+v %v", r, err)
	}
	signedAt := clk.Now()
	// Another member of the same unit: already signed, by whom and when.
	clk.Advance(time.Minute)
	r, err = s.SignPledge(ctx, chat, Op{UpdateID: 204, Actor: people[7].ID}, people[7], 0)
	if !errors.Is(err, domain.ErrPledgeSigned) || r.Already == nil || r.Already.Person.ID != people[0].ID ||
		r.Already.Person.Name != people[0].Name || !r.Already.At.Equal(signedAt) || r.Signed != 1 {
		t.Fatalf("second member of unit 1: %+v %v", r, err)
	}
	// A replayed update returns the first result.
	if r, err := s.SignPledge(ctx, chat, Op{UpdateID: 203, Actor: people[0].ID}, people[0], 1); err != nil || !r.Dup || r.Signed != 1 {
		t.Fatalf("replay: %+v %v", r, err)
	}
	for i := 1; i < 6; i++ {
		r, err := s.SignPledge(ctx, chat, Op{UpdateID: int64(210 + i), Actor: people[i].ID}, people[i], 1)
		if err != nil || r.Signed != i+1 || r.Completed {
			t.Fatalf("unit %d: %+v %v", i+1, r, err)
		}
	}

	// Amend: unchanged text is refused; a new text is a new version with no signatures.
	if _, err := s.AmendPledge(ctx, chat, Op{UpdateID: 220}, manager, pledge2024); !errors.Is(err, domain.ErrPledgeUnchanged) {
		t.Fatalf("unchanged amend: %v", err)
	}
	v2 := domain.Pledge{Title: pledge2024.Title, Commitments: append(append([]string(nil), pledge2024.Commitments...), "Tổ chức hội thi")}
	a, err := s.AmendPledge(ctx, chat, Op{UpdateID: 221, Actor: manager.ID}, manager, v2)
	if err != nil || a.Seq != 2 || a.OldSeq != 1 {
		t.Fatalf("amend: %+v %v", a, err)
	}
	// The old version's button is refused, naming both versions.
	r, err = s.SignPledge(ctx, chat, Op{UpdateID: 222, Actor: people[6].ID}, people[6], 1)
	if !errors.Is(err, domain.ErrPledgeOldVersion) || r.OldHash != pledge2024.Version() || r.Hash != v2.Version() || r.Seq != 2 {
		t.Fatalf("old button: %+v %v", r, err)
	}
	if r.MessageID != 0 {
		t.Fatalf("new version has no message yet: %+v", r)
	}
	// Signatures before the message id is known are reported when it is.
	if _, err := s.SignPledge(ctx, chat, Op{UpdateID: 223, Actor: people[6].ID}, people[6], 2); err != nil {
		t.Fatal(err)
	}
	if n, err := s.SetPledgeMessage(ctx, chat, 2, 88); err != nil || n != 1 {
		t.Fatalf("set message: %d %v", n, err)
	}
	if n, _ := s.SetPledgeMessage(ctx, chat, 1, 99); n != -1 {
		t.Fatalf("set message of an old version: %d", n)
	}
	var completed int
	for i := 0; i < 6; i++ {
		r, err := s.SignPledge(ctx, chat, Op{UpdateID: int64(230 + i), Actor: people[i].ID}, people[i], 2)
		if err != nil || r.Signed != i+2 || r.MessageID != 88 {
			t.Fatalf("v2 unit %d: %+v %v", i+1, r, err)
		}
		if r.Completed {
			completed++
			// Its replay says so again but as a duplicate, so the caller announces only once.
			rr, err := s.SignPledge(ctx, chat, Op{UpdateID: int64(230 + i), Actor: people[i].ID}, people[i], 2)
			if err != nil || !rr.Completed || !rr.Dup {
				t.Fatalf("replay of the last signature: %+v %v", rr, err)
			}
		}
	}
	if completed != 1 {
		t.Fatalf("completed %d times", completed)
	}

	ps, err := s.LoadPledges(ctx, chat)
	if err != nil {
		t.Fatal(err)
	}
	old, cur := ps.Versions[1], ps.Current()
	if len(old.Signatures) != 6 || old.Signatures[1].Person.ID != people[0].ID || !old.InForce.IsZero() || old.MessageID != 77 {
		t.Fatalf("v1 kept: %+v", old)
	}
	if cur.Seq != 2 || len(cur.Signatures) != 7 || cur.InForce.IsZero() || cur.MessageID != 88 || cur.Hash != v2.Version() {
		t.Fatalf("v2: %+v", cur)
	}
	if got := len(ps.OfYear(2024)); got != 2 {
		t.Fatalf("versions of 2024: %d", got)
	}
	if cur.Signed()[0].Unit != 1 || cur.Signed()[6].Unit != 7 {
		t.Fatal("Signed order")
	}

	// Audit: post, 6 signatures, amend, 7 signatures, in force.
	kinds := map[string]int{}
	entries, _ := s.RecentAudit(ctx, chat, 100)
	for _, e := range entries {
		kinds[e.Kind]++
	}
	if kinds["pledge.post"] != 1 || kinds["pledge.sign"] != 13 || kinds["pledge.amend"] != 1 || kinds["pledge.inforce"] != 1 {
		t.Fatalf("audit kinds %v", kinds)
	}
	if _, _, err := s.VerifyAudit(ctx, chat); err != nil {
		t.Fatal(err)
	}
}

func TestPledgeDeadlineStatus(t *testing.T) {
	s, clk := newStore(t)
	ctx := context.Background()
	setupBloc(t, s)
	people := pledgeMembers(t, s, chat)
	if st, err := s.PledgeStatus(ctx, chat); err != nil || st.Exists {
		t.Fatalf("status without a pledge: %+v %v", st, err)
	}
	if _, _, err := s.SetPledgeDeadline(ctx, chat, Op{UpdateID: 300}, clk.Now().Add(time.Hour)); !errors.Is(err, domain.ErrPledgeNone) {
		t.Fatalf("deadline without a pledge: %v", err)
	}
	if _, err := s.PostPledge(ctx, chat, Op{UpdateID: 301}, 2024, manager, pledge2024); err != nil {
		t.Fatal(err)
	}
	due := time.Date(2024, 2, 15, 10, 0, 0, 0, time.UTC)
	year, old, err := s.SetPledgeDeadline(ctx, chat, Op{UpdateID: 302}, due)
	if err != nil || year != 2024 || !old.IsZero() {
		t.Fatalf("deadline: %d %v %v", year, old, err)
	}
	for _, i := range []int{1, 4} {
		if _, err := s.SignPledge(ctx, chat, Op{UpdateID: int64(310 + i), Actor: people[i].ID}, people[i], 0); err != nil {
			t.Fatal(err)
		}
	}
	st, err := s.PledgeStatus(ctx, chat)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Exists || st.Year != 2024 || !st.Deadline.Equal(due) || st.InForce || st.Version != pledge2024.Version() ||
		!reflect.DeepEqual(st.Units, []int{1, 2, 3, 4, 5, 6, 7}) || !reflect.DeepEqual(st.Signed, []int{2, 5}) ||
		!reflect.DeepEqual(st.Unsigned, []int{1, 3, 4, 6, 7}) {
		t.Fatalf("status: %+v", st)
	}
	// An amendment keeps the year's deadline and resets who signed.
	v2 := domain.Pledge{Title: "Giao ước thi đua năm 2024 (sửa đổi)", Commitments: pledge2024.Commitments}
	if _, err := s.AmendPledge(ctx, chat, Op{UpdateID: 320}, manager, v2); err != nil {
		t.Fatal(err)
	}
	st, _ = s.PledgeStatus(ctx, chat)
	if !st.Deadline.Equal(due) || len(st.Signed) != 0 || len(st.Unsigned) != 7 || st.Seq != 2 || st.Title != v2.Title {
		t.Fatalf("status after amend: %+v", st)
	}
	// Clearing.
	if _, old, err := s.SetPledgeDeadline(ctx, chat, Op{UpdateID: 321}, time.Time{}); err != nil || !old.Equal(due) {
		t.Fatalf("clear: %v %v", old, err)
	}
	if st, _ := s.PledgeStatus(ctx, chat); !st.Deadline.IsZero() {
		t.Fatalf("cleared deadline: %v", st.Deadline)
	}
}

// Seven units press Sign at the same moment (and a second member of unit 1 with them, and
// every press delivered twice), 100 times: always exactly 7 signatures and exactly one
// signature that completes the pledge.
func TestPledgeConcurrentSigning(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	const reps = 100
	for rep := 0; rep < reps; rep++ {
		chatID := int64(-1002000000000 - rep)
		setupChat(t, s, chatID)
		people := pledgeMembers(t, s, chatID)
		post, err := s.PostPledge(ctx, chatID, Op{UpdateID: 50}, 2024, manager, pledge2024)
		if err != nil {
			t.Fatal(err)
		}
		var (
			wg        sync.WaitGroup
			mu        sync.Mutex
			completed int
			signed    int
			errs      []error
		)
		start := make(chan struct{})
		for i, p := range people {
			for attempt := 0; attempt < 2; attempt++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					r, err := s.SignPledge(ctx, chatID, Op{UpdateID: int64(1000 + i), Actor: p.ID}, p, post.Seq)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case errors.Is(err, domain.ErrPledgeSigned):
					case err != nil:
						errs = append(errs, err)
					case r.Dup:
					default:
						signed++
						if r.Completed {
							completed++
						}
					}
				}()
			}
		}
		close(start)
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("rep %d: %v", rep, errs)
		}
		st, err := s.PledgeStatus(ctx, chatID)
		if err != nil {
			t.Fatal(err)
		}
		if signed != 7 || completed != 1 || len(st.Signed) != 7 || len(st.Unsigned) != 0 || !st.InForce {
			t.Fatalf("rep %d: %d signatures, %d completions, status %+v", rep, signed, completed, st)
		}
	}
}

// BenchmarkSignPledge measures one signature (one script, one round trip) in a bloc of 100
// units; every 100 signatures the pledge is amended so that there is always a unit to sign.
func BenchmarkSignPledge(b *testing.B) {
	s, _ := newStore(b)
	ctx := context.Background()
	const chatID = int64(-1003000000001)
	if _, err := s.Setup(ctx, chatID, Op{UpdateID: 1}, "Khối", "vi", domain.DefaultTimezone); err != nil {
		b.Fatal(err)
	}
	names := make([]string, 100)
	for i := range names {
		names[i] = fmt.Sprintf("Đơn vị %d", i+1)
	}
	if _, err := s.AddUnits(ctx, chatID, Op{UpdateID: 2}, names); err != nil {
		b.Fatal(err)
	}
	people := make([]domain.Person, 100)
	for i := range people {
		people[i] = domain.Person{ID: 9007199254740993 + int64(i), Name: fmt.Sprintf("Người %d", i+1)}
		if _, err := s.Link(ctx, chatID, Op{UpdateID: int64(10 + i)}, people[i], i+1, false); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := s.PostPledge(ctx, chatID, Op{UpdateID: 200}, 2024, manager, pledge2024); err != nil {
		b.Fatal(err)
	}
	upd := int64(1000)
	var amendMicros int64
	before := scriptMicros(b, s)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i > 0 && i%100 == 0 {
			b.StopTimer()
			m := scriptMicros(b, s)
			p := domain.Pledge{Title: fmt.Sprintf("%s (%d)", pledge2024.Title, i), Commitments: pledge2024.Commitments}
			upd++
			if _, err := s.AmendPledge(ctx, chatID, Op{UpdateID: upd}, manager, p); err != nil {
				b.Fatal(err)
			}
			amendMicros += scriptMicros(b, s) - m
			b.StartTimer()
		}
		upd++
		p := people[i%100]
		if _, err := s.SignPledge(ctx, chatID, Op{UpdateID: upd, Actor: p.ID}, p, 0); err != nil {
			b.Fatal(err)
		}
	}
	reportScriptMicros(b, s, before+amendMicros)
}
