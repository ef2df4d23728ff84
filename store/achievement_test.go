package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"sort"
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

var ict = time.FixedZone("ICT", 7*3600)

// reporters links one person (with a large Telegram id) to each of the seven units.
func reporters(t testing.TB, s *Store) []domain.Person {
	t.Helper()
	ctx := context.Background()
	var ps []domain.Person
	for i := 0; i < 7; i++ {
		p := domain.Person{ID: 7000000000001 + int64(i), Name: fmt.Sprintf("Người %d", i+1)}
		if _, err := s.Link(ctx, chat, Op{UpdateID: int64(100 + i)}, p, i+1, false); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return ps
}

func report(t testing.TB, s *Store, upd int64, p domain.Person, unit int, text string) ReportResult {
	t.Helper()
	r, err := domain.ParseReport(text)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Report(context.Background(), chat, Op{UpdateID: upd, Actor: p.ID}, unit, p, ict, r)
	if err != nil {
		t.Fatalf("report %q: %v", text, err)
	}
	return res
}

func TestReportListUndo(t *testing.T) {
	s, clk := newStore(t)
	ctx := context.Background()
	setupBloc(t, s)
	ps := reporters(t, s)

	// 31/01/2024 08:00 UTC: the 2023 achievements of the Tây Ninh bloc, typed in 2024.
	a1 := report(t, s, 1000, ps[0], 1, "Khối hỗ trợ 70 triệu đồng xây dựng nông thôn mới tại xã Thạnh Bắc, huyện Tân Biên #an_sinh")
	if a1.ID != 1 || a1.Unit != 1 || a1.Year != 2024 || a1.Reporter.ID != ps[0].ID || len(a1.Categories) != 1 || a1.Categories[0] != "an_sinh" {
		t.Fatalf("first report: %+v", a1)
	}
	// The same update again: the same result, nothing new.
	again := report(t, s, 1000, ps[0], 1, "Khối hỗ trợ 70 triệu đồng xây dựng nông thôn mới tại xã Thạnh Bắc, huyện Tân Biên #an_sinh")
	if !again.Dup || again.ID != 1 || !again.At.Equal(a1.At) {
		t.Fatalf("replay: %+v", again)
	}
	// The same text sent again as a new message: recognised, not counted twice.
	clk.Advance(time.Minute)
	same := report(t, s, 1001, ps[0], 1, "Khối hỗ trợ 70 triệu đồng xây dựng nông thôn mới tại xã Thạnh Bắc, huyện Tân Biên #an_sinh")
	if !same.Same || same.ID != 1 {
		t.Fatalf("same report twice: %+v", same)
	}
	clk.Advance(time.Minute)
	ev := &domain.Evidence{FileID: "AgACAgIAAxkBAAIB-photo", Kind: "photo"}
	r, _ := domain.ParseReport("Tổ chức Hội thi tìm hiểu tư tưởng Hồ Chí Minh #hoi_thi #PhongTrào #phong_trao <b>&")
	r.Evidence = ev
	a2, err := s.Report(ctx, chat, Op{UpdateID: 1002, Actor: ps[1].ID}, 2, ps[1], ict, r)
	if err != nil {
		t.Fatal(err)
	}
	if a2.ID != 2 || strings.Join(a2.Categories, ",") != "hoi_thi,PhongTrào" || a2.Evidence == nil || a2.Evidence.FileID != ev.FileID {
		t.Fatalf("second report: %+v", a2)
	}
	// Not linked to that unit: refused.
	if _, err := s.Report(ctx, chat, Op{UpdateID: 1003, Actor: ps[1].ID}, 3, ps[1], ict, r); !errors.Is(err, domain.ErrNotLinked) {
		t.Fatalf("report for another unit: %v", err)
	}
	// A custom category catches the tag from now on.
	if _, err := s.AddCategory(ctx, chat, Op{UpdateID: 1004}, domain.Category{Key: "phong_trao", VI: "Phong trào thi đua"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddCategory(ctx, chat, Op{UpdateID: 1005}, domain.Category{Key: "PhongTrao", VI: "Khác nữa"}); !errors.Is(err, domain.ErrDuplicateName) {
		t.Fatalf("duplicate category: %v", err)
	}
	if _, err := s.AddCategory(ctx, chat, Op{UpdateID: 1006}, domain.Category{Key: "xa_hoi", VI: "An sinh xã hội"}); !errors.Is(err, domain.ErrDuplicateName) {
		t.Fatalf("category named like a default: %v", err)
	}
	clk.Advance(time.Minute)
	a3 := report(t, s, 1007, ps[1], 2, "Phát động #phongtrao tháng 2")
	if strings.Join(a3.Categories, ",") != "phong_trao" {
		t.Fatalf("custom category: %+v", a3.Categories)
	}
	clk.Advance(time.Minute)
	a4 := report(t, s, 1008, ps[2], 3, "Không gắn thẻ")
	if strings.Join(a4.Categories, ",") != domain.OtherCategory {
		t.Fatalf("untagged: %+v", a4.Categories)
	}

	// Lists: newest first, per unit, per period.
	all, total, err := s.ListAchievements(ctx, chat, AchievementQuery{})
	if err != nil || total != 4 || len(all) != 4 || all[0].ID != 4 || all[3].ID != 1 {
		t.Fatalf("list all: %d %+v %v", total, all, err)
	}
	if all[3].Reporter.ID != ps[0].ID || all[3].Reporter.Name != "Người 1" {
		t.Fatalf("reporter id lost: %+v", all[3].Reporter)
	}
	u2, total, _ := s.ListAchievements(ctx, chat, AchievementQuery{Unit: 2, Limit: 1, Offset: 1})
	if total != 2 || len(u2) != 1 || u2[0].ID != 2 {
		t.Fatalf("unit 2 page 2: %d %+v", total, u2)
	}
	q1, q2 := domain.Period{Kind: domain.PeriodQuarter, Year: 2024, Quarter: 1}, domain.Period{Kind: domain.PeriodQuarter, Year: 2024, Quarter: 2}
	from, to := q1.Range(ict)
	if _, total, _ := s.ListAchievements(ctx, chat, AchievementQuery{From: from, To: to}); total != 4 {
		t.Fatalf("q1: %d", total)
	}
	from, to = q2.Range(ict)
	if _, total, _ := s.ListAchievements(ctx, chat, AchievementQuery{From: from, To: to}); total != 0 {
		t.Fatalf("q2: %d", total)
	}

	// Counters.
	counts, cats, err := s.AchievementCounts(ctx, chat, 2024)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"1|*": 1, "1|an_sinh": 1, "2|*": 2, "2|hoi_thi": 1, "2|PhongTrào": 1, "2|phong_trao": 1, "3|*": 1, "3|khac": 1}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Fatalf("counts %v, want %v", counts, want)
	}
	b, _ := s.LoadBloc(ctx, chat)
	tl := domain.BuildTally(b, cats, 2024, counts, false)
	if tl.Total != 4 || tl.Units[1].ByCategory["phong_trao"] != 2 {
		t.Fatalf("tally: %+v", tl)
	}

	// Undo: not someone else's, the author yes, once, within 24 hours.
	if _, _, err := s.UndoReport(ctx, chat, Op{UpdateID: 1010, Actor: ps[0].ID}, 2, 2, false); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("undo by another: %v", err)
	}
	if _, _, err := s.UndoReport(ctx, chat, Op{UpdateID: 1011, Actor: ps[1].ID}, 2, 3, false); !errors.Is(err, domain.ErrStale) {
		t.Fatalf("undo with the wrong unit: %v", err)
	}
	u, dup, err := s.UndoReport(ctx, chat, Op{UpdateID: 1012, Actor: ps[1].ID}, 2, 2, false)
	if err != nil || dup || u.ID != 2 || u.Text != a2.Text {
		t.Fatalf("undo: %+v %v %v", u, dup, err)
	}
	if _, dup, err := s.UndoReport(ctx, chat, Op{UpdateID: 1012, Actor: ps[1].ID}, 2, 2, false); err != nil || !dup {
		t.Fatalf("undo replay: %v %v", dup, err)
	}
	if _, _, err := s.UndoReport(ctx, chat, Op{UpdateID: 1013, Actor: ps[1].ID}, 2, 2, false); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("undo twice: %v", err)
	}
	clk.Advance(domain.UndoWindow + time.Minute)
	if _, _, err := s.UndoReport(ctx, chat, Op{UpdateID: 1014, Actor: ps[0].ID}, 1, 1, true); !errors.Is(err, domain.ErrClosed) {
		t.Fatalf("undo after 24h: %v", err)
	}
	counts, _, _ = s.AchievementCounts(ctx, chat, 2024)
	want = map[string]int{"1|*": 1, "1|an_sinh": 1, "2|*": 1, "2|phong_trao": 1, "3|*": 1, "3|khac": 1}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Fatalf("counts after undo %v, want %v", counts, want)
	}
	if _, total, _ := s.ListAchievements(ctx, chat, AchievementQuery{}); total != 3 {
		t.Fatalf("after undo: %d", total)
	}
	if _, err := s.Achievement(ctx, chat, "2"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("undone report still readable: %v", err)
	}
	// The undo is in the audit trail; the undone report stays stored, marked, under the
	// chain (its entry refers to it), and the chain holds.
	entries, _ := s.RecentAudit(ctx, chat, 20)
	var undo, reported *AuditEntry
	for i, e := range entries {
		if e.Kind == "ach.undo" && fmt.Sprint(e.Data["id"]) == "2" {
			undo = &entries[i]
		}
		if e.Kind == "ach.report" && fmt.Sprint(e.Data["id"]) == "2" {
			reported = &entries[i]
		}
	}
	if undo == nil || undo.Actor != ps[1].ID || reported == nil || reported.Actor != ps[1].ID ||
		fmt.Sprint(reported.Data["unit"]) != "2" || !strings.HasSuffix(reported.Body, encodeText(a2.Text)) {
		t.Fatalf("audit of report #2 and its undo: %+v %+v", reported, undo)
	}
	if raw, _ := s.rdb.LIndex(ctx, rkeys.ForChat(chat).Achievements(), 1).Result(); !strings.HasPrefix(raw, "x") || !strings.HasSuffix(raw, encodeText(a2.Text)) {
		t.Fatalf("undone record: %q", raw)
	}
	if _, _, err := s.VerifyAudit(ctx, chat); err != nil {
		t.Fatal(err)
	}
	year, err := s.YearAchievements(ctx, chat, time.Date(2024, 1, 1, 0, 0, 0, 0, ict), time.Date(2025, 1, 1, 0, 0, 0, 0, ict))
	if err != nil || len(year) != 3 || year[0].ID != 1 || year[2].ID != 4 {
		t.Fatalf("year: %+v %v", year, err)
	}
}

func TestReportRateLimit(t *testing.T) {
	s, clk := newStore(t)
	setupBloc(t, s)
	ps := reporters(t, s)
	r, _ := domain.ParseReport("x")
	for i := 0; i < domain.ReportRateMax; i++ {
		report(t, s, int64(2000+i), ps[0], 1, fmt.Sprintf("Báo cáo số %d", i))
		clk.Advance(10 * time.Second)
	}
	_, err := s.Report(context.Background(), chat, Op{UpdateID: 2100, Actor: ps[0].ID}, 1, ps[0], ict, r)
	if !errors.Is(err, domain.ErrRateLimited) {
		t.Fatalf("report 21 in 10 minutes: %v", err)
	}
	// Someone else is not slowed down.
	report(t, s, 2101, ps[1], 2, "Đơn vị khác")
	// Ten minutes after the first, one slot is free again.
	clk.Advance(domain.ReportRateWindow - time.Duration(domain.ReportRateMax)*10*time.Second + time.Second)
	report(t, s, 2102, ps[0], 1, "Lại được")
	ttl := s.rdb.PTTL(context.Background(), rkeys.ForChat(chat).ReportRate()).Val()
	if ttl <= 0 || ttl > domain.ReportRateWindow {
		t.Fatalf("rate key ttl %v", ttl)
	}
}

// Concurrent copies of one update record one report; concurrent different reports all count.
func TestReportConcurrent(t *testing.T) {
	s, _ := newStore(t)
	setupBloc(t, s)
	ps := reporters(t, s)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			report(t, s, 3000, ps[0], 1, "Một lần thôi #an_sinh")
		}()
		go func(i int) {
			defer wg.Done()
			report(t, s, int64(3100+i), ps[1+i%6], 2+i%6, "Khác nhau "+strconv.Itoa(i))
		}(i)
	}
	wg.Wait()
	_, total, _ := s.ListAchievements(context.Background(), chat, AchievementQuery{})
	counts, _, _ := s.AchievementCounts(context.Background(), chat, 2024)
	sum := 0
	for k, v := range counts {
		if strings.HasSuffix(k, "|*") {
			sum += v
		}
	}
	if total != 21 || sum != 21 || counts["1|an_sinh"] != 1 {
		t.Fatalf("total %d, counted %d, %v", total, sum, counts)
	}
}

// Reports of the same instant list newest (highest id) first, also past id 9 (not by the
// text of the ids).
func TestReportSameInstantOrder(t *testing.T) {
	s, _ := newStore(t)
	setupBloc(t, s)
	ps := reporters(t, s)
	for i := 0; i < 12; i++ {
		report(t, s, int64(4000+i), ps[i%7], i%7+1, "Cùng lúc "+strconv.Itoa(i))
	}
	items, total, err := s.ListAchievements(context.Background(), chat, AchievementQuery{Limit: 12})
	if err != nil || total != 12 {
		t.Fatal(total, err)
	}
	for i, a := range items {
		if a.ID != int64(12-i) {
			t.Fatalf("position %d holds #%d", i, a.ID)
		}
	}
	day := domain.Period{Kind: domain.PeriodMonth, Year: 2024, Month: 1}
	from, to := day.Range(ict)
	if _, n, _ := s.ListAchievements(context.Background(), chat, AchievementQuery{From: from, To: to, Before: s.clk.Now().Add(time.Millisecond)}); n != 12 {
		t.Fatalf("range with the anchor: %d", n)
	}
	if _, n, _ := s.ListAchievements(context.Background(), chat, AchievementQuery{Before: s.clk.Now()}); n != 0 {
		t.Fatalf("anchor before them: %d", n)
	}
}

func TestReportDraft(t *testing.T) {
	s, clk := newStore(t)
	ctx := context.Background()
	const private = int64(7000000000001)
	d := ReportDraft{Text: "Từ chat riêng", Evidence: &domain.Evidence{FileID: "f1", Kind: "document", Name: "bc.pdf"}}
	if err := s.SaveReportDraft(ctx, private, Op{UpdateID: 1, Actor: private}, 55, d); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.LoadReportDraft(ctx, private, 55)
	if err != nil || !ok || got.Text != d.Text || got.Evidence.Name != "bc.pdf" {
		t.Fatalf("draft: %+v %v %v", got, ok, err)
	}
	if err := s.DropReportDraft(ctx, private, Op{UpdateID: 2, Actor: private}, 55); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.LoadReportDraft(ctx, private, 55); ok {
		t.Fatal("dropped draft still there")
	}
	_ = clk
}

// populate records n reports spread over 2024 (every 52 minutes, seven units in turn).
func populate(b testing.TB, s *Store, clk *clock.Fake, ps []domain.Person, n int) {
	b.Helper()
	ctx := context.Background()
	text := "Đơn vị tổ chức ủng hộ quỹ vì người nghèo, trao 50 suất quà cho hộ khó khăn tại xã biên giới, tổng trị giá 25 triệu đồng #an_sinh"
	for i := 0; i < n; i++ {
		u := i % 7
		r, _ := domain.ParseReport(fmt.Sprintf("%s (%d)", text, i))
		if i%10 == 0 {
			r.Evidence = &domain.Evidence{FileID: "AgACAgIAAxkBAAIBY2Zm" + strconv.Itoa(i), Kind: "photo"}
		}
		if _, err := s.Report(ctx, chat, Op{UpdateID: int64(100000 + i), Actor: ps[u].ID}, u+1, ps[u], ict, r); err != nil {
			b.Fatal(err)
		}
		clk.Advance(52 * time.Minute)
	}
}

func usedMemory(b testing.TB, s *Store) int64 {
	info := s.rdb.Info(context.Background(), "memory").Val()
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	b.Fatal("no used_memory in INFO")
	return 0
}

// benchStore is a store with the Tây Ninh bloc, on a clock at the start of 2024.
func benchStore(b testing.TB) (*Store, *clock.Fake) {
	srv := redistest.Start(b)
	clk := clock.NewFake(time.Date(2024, 1, 1, 0, 0, 0, 0, ict))
	s := New(srv.Client(b), clk)
	ctx := context.Background()
	if _, err := s.Setup(ctx, chat, Op{UpdateID: 1}, "Khối Tây Ninh", "vi", domain.DefaultTimezone); err != nil {
		b.Fatal(err)
	}
	if _, err := s.AddUnits(ctx, chat, Op{UpdateID: 2}, tayNinh); err != nil {
		b.Fatal(err)
	}
	return s, clk
}

// keyMemory is MEMORY USAGE of a key, in bytes.
func keyMemory(s *Store, key string) float64 {
	n, _ := s.rdb.MemoryUsage(context.Background(), key, 0).Result()
	return float64(n)
}

// BenchmarkReportMemory records Redis memory per 1,000 reports (INFO used_memory delta), the
// seen-update records included.
func BenchmarkReportMemory(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s, clk := benchStore(b)
		ps := reporters(b, s)
		before := usedMemory(b, s)
		populate(b, s, clk, ps, 10000)
		after := usedMemory(b, s)
		b.ReportMetric(float64(after-before)/10, "bytes/1000reports")
		ck := rkeys.ForChat(chat)
		b.ReportMetric(keyMemory(s, ck.Achievements())/10, "reports-list-bytes/1000")
		idx := 0.0
		for u := 1; u <= 7; u++ {
			idx += keyMemory(s, ck.AchievementsOfUnit(u))
		}
		b.ReportMetric(idx/10, "index-bytes/1000")
		b.ReportMetric(keyMemory(s, ck.AchievementCounts()), "counters-bytes")
		b.ReportMetric(keyMemory(s, ck.Audit())/10, "audit-bytes/1000")
	}
}

// BenchmarkListAchievements is one page of /achievements in a bloc with 10,000 reports:
// newest first, by unit and quarter, and a deep page.
func BenchmarkListAchievements(b *testing.B) {
	s, clk := benchStore(b)
	ps := reporters(b, s)
	populate(b, s, clk, ps, 10000)
	ctx := context.Background()
	from, to := domain.Period{Kind: domain.PeriodQuarter, Year: 2024, Quarter: 2}.Range(ict)
	qs := map[string]AchievementQuery{
		"newest":       {Limit: 10},
		"unit+quarter": {Unit: 3, From: from, To: to, Limit: 10},
		"page100":      {Offset: 990, Limit: 10},
	}
	for name, q := range qs {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				items, total, err := s.ListAchievements(ctx, chat, q)
				if err != nil || len(items) != 10 || total == 0 {
					b.Fatalf("%d %d %v", len(items), total, err)
				}
			}
		})
	}
	b.Run("year", func(b *testing.B) {
		yf, yt := domain.Period{Kind: domain.PeriodYear, Year: 2024}.Range(ict)
		for i := 0; i < b.N; i++ {
			items, err := s.YearAchievements(ctx, chat, yf, yt)
			if err != nil || len(items) < 9000 {
				b.Fatalf("%d %v", len(items), err)
			}
		}
	})
}

// A report of the sender's own unit is one round trip once the caller knows the bloc's time
// zone and units (the hint); a missing or stale hint costs one more and comes back right. It
// records exactly what Report records, returns what the confirmation shows, and refuses and
// dedupes as Report does.
func TestReportAsMember(t *testing.T) {
	s, clk := newStore(t)
	ctx := context.Background()
	setupBloc(t, s)
	ps := reporters(t, s)
	if _, err := s.AddCategory(ctx, chat, Op{UpdateID: 90}, domain.Category{Key: "phong_trao", VI: "Phong trào thi đua"}); err != nil {
		t.Fatal(err)
	}
	h := &roundTrips{}
	s.rdb.AddHook(h)
	parse := func(text string) domain.Report {
		r, err := domain.ParseReport(text)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// No hint yet: two round trips, and the hint comes back.
	r1, err := s.ReportAsMember(ctx, chat, Op{UpdateID: 2000, Actor: ps[2].ID}, ps[2], ReportHint{}, parse("Hội thi nghiệp vụ #hoi_thi #phongtrao #la"))
	if err != nil {
		t.Fatal(err)
	}
	if n := h.n.Swap(0); n > 3 { // the first run of a script also loads it
		t.Fatalf("a report without a hint took %d round trips", n)
	}
	if r1.Unit != 3 || r1.UnitName != tayNinh[2] || r1.Lang != "vi" || r1.Hint.TZ != "Asia/Ho_Chi_Minh" || len(r1.Hint.Units) != 7 ||
		strings.Join(r1.Achievement.Categories, ",") != "hoi_thi,phong_trao,la" || r1.Dup || r1.Same {
		t.Fatalf("first report: %+v", r1)
	}
	if c, ok := r1.Categories.Get("phong_trao"); !ok || c.VI != "Phong trào thi đua" || !c.Custom {
		t.Fatalf("the bloc's own categories: %+v", r1.Categories)
	}
	stored, err := s.Achievement(ctx, chat, strconv.FormatInt(r1.ID, 10))
	if err != nil || stored.Unit != 3 || stored.Reporter.ID != ps[2].ID || stored.Text != r1.Text || !stored.At.Equal(r1.At) || stored.Year != 2024 {
		t.Fatalf("stored: %+v %v (returned %+v)", stored, err, r1.Achievement)
	}
	hint := r1.Hint
	// With the hint: one round trip.
	clk.Advance(time.Minute)
	h.n.Store(0)
	r2, err := s.ReportAsMember(ctx, chat, Op{UpdateID: 2001, Actor: ps[4].ID}, ps[4], hint, parse("Ủng hộ quỹ vì người nghèo"))
	if err != nil || r2.Unit != 5 || r2.Dup {
		t.Fatalf("second report: %+v %v", r2, err)
	}
	if n := h.n.Swap(0); n != 1 {
		t.Fatalf("a report with the hint took %d round trips (hint %+v)", n, hint)
	}
	// A replay: the first result, marked, nothing new.
	rp, err := s.ReportAsMember(ctx, chat, Op{UpdateID: 2001, Actor: ps[4].ID}, ps[4], hint, parse("Ủng hộ quỹ vì người nghèo"))
	if err != nil || !rp.Dup || rp.ID != r2.ID {
		t.Fatalf("replay: %+v %v", rp, err)
	}
	// The same text again (a new message), through either path: recognised.
	clk.Advance(time.Minute)
	if same := report(t, s, 2002, ps[4], 5, "Ủng hộ quỹ vì người nghèo"); !same.Same || same.ID != r2.ID {
		t.Fatalf("Report after ReportAsMember: %+v", same)
	}
	first := report(t, s, 2003, ps[5], 6, "Giải nhất hội thao")
	if same, err := s.ReportAsMember(ctx, chat, Op{UpdateID: 2004, Actor: ps[5].ID}, ps[5], hint, parse("Giải nhất hội thao")); err != nil || !same.Same || same.ID != first.ID {
		t.Fatalf("ReportAsMember after Report: %+v %v", same, err)
	}
	// The bloc moved to another time zone: the stale hint is corrected, and the year follows
	// the bloc's zone (31/12/2024 20:00 UTC is 2025 in Tây Ninh, still 2024 in London).
	if err := s.SetTimezone(ctx, chat, Op{UpdateID: 2005}, "Europe/London"); err != nil {
		t.Fatal(err)
	}
	clk.Set(time.Date(2024, 12, 31, 20, 0, 0, 0, time.UTC))
	h.n.Store(0)
	r3, err := s.ReportAsMember(ctx, chat, Op{UpdateID: 2006, Actor: ps[0].ID}, ps[0], hint, parse("Tổng kết năm"))
	if err != nil || r3.Year != 2024 || r3.Hint.TZ != "Europe/London" {
		t.Fatalf("after the time zone changed: %+v %v", r3, err)
	}
	if n := h.n.Load(); n != 2 {
		t.Fatalf("a stale hint took %d round trips", n)
	}
	// Refusals: not a member (nothing recorded), no bloc.
	n0, _ := s.rdb.LLen(ctx, rkeys.ForChat(chat).Achievements()).Result()
	if _, err := s.ReportAsMember(ctx, chat, Op{UpdateID: 2007, Actor: 99}, domain.Person{ID: 99, Name: "Khách"}, r3.Hint, parse("Tôi không là thành viên")); !errors.Is(err, domain.ErrNotLinked) {
		t.Fatalf("a stranger's report: %v", err)
	}
	if n1, _ := s.rdb.LLen(ctx, rkeys.ForChat(chat).Achievements()).Result(); n1 != n0 {
		t.Fatalf("a refused report was recorded: %d → %d", n0, n1)
	}
	if _, err := s.ReportAsMember(ctx, -777, Op{UpdateID: 2008, Actor: ps[0].ID}, ps[0], ReportHint{}, parse("Không có khối")); !errors.Is(err, domain.ErrNoBloc) {
		t.Fatalf("no bloc: %v", err)
	}
	// The reports' audit entries chain on (the script reads the head with the bloc's fields).
	if _, _, err := s.VerifyAudit(ctx, chat); err != nil {
		t.Fatal(err)
	}
}

// achModelEntry is what a test expects of one report.
type achModelEntry struct {
	id     int64
	unit   int
	at     time.Time
	undone bool
}

// Reports spread over months, some in the same millisecond, some undone; every page of every
// period (months, quarters and years in two time zones, with and without a unit, with an
// anchor) and every count match a model of them. Periods meet at midnight in the zone they
// are read in, whatever zone the reports were made in.
func TestReportPeriodsAndUndoneAgainstModel(t *testing.T) {
	srv := redistest.Start(t)
	start := time.Date(2023, 12, 30, 23, 0, 0, 0, ict)
	clk := clock.NewFake(start)
	s := New(srv.Client(t), clk)
	ctx := context.Background()
	setupBloc(t, s)
	ps := reporters(t, s)
	rng := rand.New(rand.NewSource(7))
	london, _ := time.LoadLocation("Europe/London")
	// The reports' times: random ones over half a year, some in the same millisecond, and a
	// minute either side of midnight at the turn of months, quarters and the year in each zone.
	var times []time.Time
	for i := 0; i < 70; i++ {
		at := start.Add(time.Duration(rng.Int63n(int64(183 * 24 * time.Hour)))).Truncate(time.Millisecond)
		times = append(times, at)
		if i%6 == 0 {
			times = append(times, at)
		}
	}
	for _, loc := range []*time.Location{ict, london} {
		for _, mid := range []time.Time{time.Date(2024, 1, 1, 0, 0, 0, 0, loc), time.Date(2024, 2, 1, 0, 0, 0, 0, loc),
			time.Date(2024, 4, 1, 0, 0, 0, 0, loc), time.Date(2024, 5, 1, 0, 0, 0, 0, loc)} {
			times = append(times, mid.Add(-time.Minute), mid, mid.Add(time.Minute))
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	var model []achModelEntry
	for i, at := range times {
		clk.Set(at)
		u := rng.Intn(7)
		res := report(t, s, int64(9000+i), ps[u], u+1, fmt.Sprintf("Báo cáo %d tháng %s #an_sinh", i, at.In(ict).Format("01")))
		if res.ID != int64(len(model)+1) || !res.At.Equal(at) {
			t.Fatalf("report %d at %v: %+v", i, at, res)
		}
		model = append(model, achModelEntry{id: res.ID, unit: u + 1, at: res.At})
		if rng.Intn(5) == 0 { // undo one of the last few, if still allowed
			k := len(model) - 1 - rng.Intn(min(3, len(model)))
			m := &model[k]
			_, _, err := s.UndoReport(ctx, chat, Op{UpdateID: int64(9500 + i), Actor: ps[m.unit-1].ID}, m.id, m.unit, false)
			switch {
			case err == nil:
				if m.undone {
					t.Fatalf("#%d undone twice", m.id)
				}
				m.undone = true
			case errors.Is(err, domain.ErrNotFound) && m.undone, errors.Is(err, domain.ErrClosed):
			default:
				t.Fatalf("undo #%d: %v", m.id, err)
			}
		}
	}
	end := clk.Now().Add(time.Millisecond)
	type period struct {
		name     string
		from, to time.Time
	}
	periods := []period{{name: "all"}}
	for _, loc := range []*time.Location{ict, london} {
		for y := 2023; y <= 2025; y++ {
			p := domain.Period{Kind: domain.PeriodYear, Year: y}
			f, to := p.Range(loc)
			periods = append(periods, period{p.Code() + "@" + loc.String(), f, to})
			for q := 1; q <= 4; q++ {
				p := domain.Period{Kind: domain.PeriodQuarter, Year: y, Quarter: q}
				f, to := p.Range(loc)
				periods = append(periods, period{p.Code() + "@" + loc.String(), f, to})
			}
			for mo := 1; mo <= 12; mo++ {
				p := domain.Period{Kind: domain.PeriodMonth, Year: y, Month: mo}
				f, to := p.Range(loc)
				periods = append(periods, period{p.Code() + "@" + loc.String(), f, to})
			}
		}
	}
	want := func(unit int, from, to, before time.Time) []int64 {
		var ids []int64
		for i := len(model) - 1; i >= 0; i-- {
			m := model[i]
			if m.undone || (unit != 0 && m.unit != unit) || (!from.IsZero() && m.at.Before(from)) ||
				(!to.IsZero() && !m.at.Before(to)) || (!before.IsZero() && !m.at.Before(before)) {
				continue
			}
			ids = append(ids, m.id)
		}
		return ids
	}
	checked := 0
	for _, p := range periods {
		for _, unit := range []int{0, 1, 4} {
			for _, before := range []time.Time{{}, end, model[len(model)/2].at} {
				exp := want(unit, p.from, p.to, before)
				for off := 0; off == 0 || off < len(exp)+3; off += 4 {
					items, total, err := s.ListAchievements(ctx, chat, AchievementQuery{Unit: unit, From: p.from, To: p.to, Before: before, Offset: off, Limit: 4})
					if err != nil {
						t.Fatal(err)
					}
					var got []int64
					for _, a := range items {
						got = append(got, a.ID)
						if m := model[a.ID-1]; a.Unit != m.unit || !a.At.Equal(m.at) || a.Reporter.Name != ps[m.unit-1].Name {
							t.Fatalf("#%d read back as %+v, want %+v", a.ID, a, m)
						}
					}
					page := exp[min(off, len(exp)):min(off+4, len(exp))]
					if total != len(exp) || fmt.Sprint(got) != fmt.Sprint(page) {
						t.Fatalf("%s unit %d before %v offset %d: %d %v, want %d %v", p.name, unit, before, off, total, got, len(exp), page)
					}
					checked++
				}
			}
		}
		if p.name == "all" {
			continue
		}
		year, err := s.YearAchievements(ctx, chat, p.from, p.to)
		if err != nil {
			t.Fatal(err)
		}
		exp := want(0, p.from, p.to, time.Time{})
		if len(year) != len(exp) {
			t.Fatalf("%s: %d reports for the export, want %d", p.name, len(year), len(exp))
		}
		for i, a := range year {
			if a.ID != exp[len(exp)-1-i] {
				t.Fatalf("%s: export's report %d is #%d, want #%d", p.name, i, a.ID, exp[len(exp)-1-i])
			}
		}
		counts, err := s.ReportCounts(ctx, chat, []int{1, 2, 3, 4, 5, 6, 7}, p.from, p.to)
		if err != nil {
			t.Fatal(err)
		}
		for u := 1; u <= 7; u++ {
			if counts[u] != len(want(u, p.from, p.to, time.Time{})) {
				t.Fatalf("%s: unit %d counted %d, want %d", p.name, u, counts[u], len(want(u, p.from, p.to, time.Time{})))
			}
		}
	}
	undone := 0
	for _, m := range model {
		if m.undone {
			undone++
			if _, err := s.Achievement(ctx, chat, strconv.FormatInt(m.id, 10)); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("undone #%d still readable: %v", m.id, err)
			}
		}
	}
	if undone < 5 || checked < 1000 {
		t.Fatalf("the model is too thin: %d undone, %d pages checked", undone, checked)
	}
	// The counters of the year match too.
	counts, _, _ := s.AchievementCounts(ctx, chat, 2024)
	f, to := domain.Period{Kind: domain.PeriodYear, Year: 2024}.Range(ict)
	for u := 1; u <= 7; u++ {
		if n := len(want(u, f, to, time.Time{})); counts[strconv.Itoa(u)+"|*"] != n {
			t.Fatalf("unit %d: counter %d, want %d", u, counts[strconv.Itoa(u)+"|*"], n)
		}
	}
	if _, _, err := s.VerifyAudit(ctx, chat); err != nil {
		t.Fatal(err)
	}
}

// A report's time is never before the report before it (another replica's clock may be
// behind): ids stay in time order, which the period search relies on.
func TestReportTimeNeverGoesBack(t *testing.T) {
	s, clk := newStore(t)
	setupBloc(t, s)
	ps := reporters(t, s)
	first := report(t, s, 10, ps[0], 1, "Đồng hồ chạy trước")
	behind := New(s.rdb, clock.NewFake(clk.Now().Add(-5*time.Second))) // a replica whose clock is behind
	r, _ := domain.ParseReport("Đồng hồ chạy sau")
	second, err := behind.Report(context.Background(), chat, Op{UpdateID: 11, Actor: ps[1].ID}, 2, ps[1], ict, r)
	if err != nil || second.ID != 2 || !second.At.Equal(first.At) {
		t.Fatalf("second report: %+v %v; the first at %v", second, err, first.At)
	}
	if got, err := s.Achievement(context.Background(), chat, "2"); err != nil || !got.At.Equal(first.At) {
		t.Fatalf("stored: %+v %v", got, err)
	}
	clk.Advance(time.Second)
	if third := report(t, s, 12, ps[2], 3, "Rồi tiếp"); !third.At.Equal(clk.Now()) {
		t.Fatalf("third report at %v, now %v", third.At, clk.Now())
	}
}
