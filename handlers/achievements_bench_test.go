package handlers_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"thiduabot/domain"
	"thiduabot/export"
	"thiduabot/handlers"
	"thiduabot/internal/testbot"
	"thiduabot/store"
	"thiduabot/telegramsim"
)

// achPopulate records n reports of the Tây Ninh bloc through the store (the same script as
// /report), spread over 2024 from the testbot's start: one every 50 minutes, units in turn,
// every tenth with a photo.
func achPopulate(b *testing.B, env *testbot.Env, n int) {
	b.Helper()
	ctx := context.Background()
	st := env.App.Store
	bl, err := st.LoadBloc(ctx, env.Group.ID)
	if err != nil {
		b.Fatal(err)
	}
	texts := []string{
		"Đơn vị tổ chức ủng hộ quỹ vì người nghèo, trao 50 suất quà cho hộ khó khăn tại xã biên giới, tổng trị giá 25 triệu đồng #an_sinh",
		"Tổ chức hội thi nghiệp vụ cấp tỉnh với 120 công chức tham gia, đạt 3 giải nhất #hoi_thi #chuyen_mon",
		"Triển khai chữ ký số cho 100% hồ sơ, giảm thời gian xử lý từ 5 ngày xuống 2 ngày #chuyen_doi_so #cai_cach",
	}
	for i := 0; i < n; i++ {
		u := i % 7
		p := env.People[u]
		r, err := domain.ParseReport(fmt.Sprintf("%s (đợt %d)", texts[i%len(texts)], i))
		if err != nil {
			b.Fatal(err)
		}
		if i%10 == 0 {
			r.Evidence = &domain.Evidence{FileID: "AgACAgIAAxkBAAIBY2Zm" + strconv.Itoa(i), Kind: "photo"}
		}
		_, err = st.Report(ctx, env.Group.ID, store.Op{Key: "bench:" + strconv.Itoa(i), Actor: p.ID}, u+1,
			domain.Person{ID: p.ID, Name: p.FirstName}, bl.Location(), r)
		if err != nil {
			b.Fatal(err)
		}
		env.Clock.Advance(50 * time.Minute)
	}
}

// BenchmarkAchievements10k times /achievements, a page turn and /export in a bloc with 10,000
// reports, end to end through the simulator (the person types, the bot answers), and the
// workbook's sheets and build alone.
func BenchmarkAchievements10k(b *testing.B) {
	env := testbot.New(b)
	env.SetupBloc()
	achPopulate(b, env, 10000)
	P := env.People
	b.Run("achievements", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			r := env.Say(P[1], "/thanhtich")
			if !strings.Contains(r.Text, "10000 báo cáo") {
				b.Fatalf("%s", r.Text)
			}
		}
	})
	b.Run("achievements_unit_quarter", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			r := env.Say(P[1], "/thanhtich kho bac q3/2024")
			if !strings.Contains(r.Text, "trang 1/") {
				b.Fatalf("%s", r.Text)
			}
		}
	})
	b.Run("next_page", func(b *testing.B) {
		r := env.Say(P[1], "/thanhtich")
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			env.Press(P[1], r, "Trang sau ▶️")
			want := fmt.Sprintf("trang %d/1000", i+2)
			r = env.WaitBot(func(m telegramsim.Message) bool { return m.ID == r.ID && strings.Contains(m.Text, want) })
		}
	})
	b.Run("export", func(b *testing.B) {
		size := 0
		for i := 0; i < b.N; i++ {
			r := env.Say(env.Admin, "/xuat 2024")
			if r.Document == nil {
				b.Fatalf("no document: %s", r.Text)
			}
			size = len(r.Document.Data)
		}
		b.ReportMetric(float64(size), "xlsx-bytes")
	})
	b.Run("export_build_only", func(b *testing.B) {
		src := handlers.NewAchievements(env.App.Store, nil).Sheets()
		bl, _ := env.App.Store.LoadBloc(context.Background(), env.Group.ID)
		req := export.Request{ChatID: env.Group.ID, Year: 2024, Lang: "vi", Loc: bl.Location()}
		for i := 0; i < b.N; i++ {
			sheets, err := src.Sheets(context.Background(), req)
			if err != nil || len(sheets[0].Rows) != 10000 {
				b.Fatalf("%v", err)
			}
			if _, err := export.Build(sheets); err != nil {
				b.Fatal(err)
			}
		}
	})
}
