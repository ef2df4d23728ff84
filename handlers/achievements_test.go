package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"thiduabot/internal/testbot"
	"thiduabot/rkeys"
	"thiduabot/store"
	"thiduabot/telegramsim"
)

const (
	achUndoVI = "↩️ Hoàn tác"
	achNextVI = "Trang sau ▶️"
	achPrevVI = "◀️ Trang trước"
)

// achModel is what the test expects to be recorded: report id -> unit index and category
// labels (as the workbook shows them).
type achModel struct {
	unit map[int]int
	cats map[int]string
}

func (m *achModel) add(t *testing.T, reply telegramsim.Message, unit int, cats string) int {
	t.Helper()
	id := achRecordedID(t, reply)
	m.unit[id], m.cats[id] = unit, cats
	return id
}

var achRecordedRe = regexp.MustCompile(`Đã ghi nhận thành tích #(\d+)`)

func achRecordedID(t *testing.T, m telegramsim.Message) int {
	t.Helper()
	g := achRecordedRe.FindStringSubmatch(m.Text)
	if g == nil {
		t.Fatalf("not a report confirmation:\n%s", m.Text)
	}
	id, _ := strconv.Atoi(g[1])
	return id
}

func achMust(t *testing.T, what, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Fatalf("%s misses %q:\n%s", what, p, text)
		}
	}
}

var achItemRe = regexp.MustCompile(`(?m)^#(\d+) · `)

func achPageIDs(m telegramsim.Message) []int {
	var ids []int
	for _, g := range achItemRe.FindAllStringSubmatch(m.Text, -1) {
		id, _ := strconv.Atoi(g[1])
		ids = append(ids, id)
	}
	return ids
}

// The scenario: the seven Tây Ninh units report (the two achievements of the test data
// with their diacritics and tags, one with a photo, one through the ForceReply prompt, one from
// a private chat); an author undoes one, another person's press changes nothing; browsing by
// unit and quarter pages correctly; /summary totals match; /export gives a workbook checked
// cell by cell.
func TestAchievementsScenario(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	ctx := context.Background()
	st := env.App.Store
	P := env.People
	data := env.Data
	chat := env.Group.ID
	model := &achModel{unit: map[int]int{}, cats: map[int]string{}}

	// 1. Cục Thuế reports the first achievement of the test data, with its #an_sinh tag.
	r := env.Say(P[0], "/baocao "+data.Achievements[0])
	id1 := model.add(t, r, 0, "An sinh xã hội")
	achMust(t, "confirmation", r.Text, "#1", "Cục Thuế tỉnh Tây Ninh", "15/01/2024 09:00", "Nguyễn Văn Minh",
		"An sinh xã hội", "Minh chứng: không", "xã Thạnh Bắc, huyện Tân Biên #an_sinh")
	if _, ok := r.Button(achUndoVI); !ok {
		t.Fatalf("no undo button: %v", r.Buttons)
	}
	first := r

	// 2. Bảo hiểm xã hội replies to a photo with /baocao: the photo is the evidence.
	photo := P[1].SendPhoto(env.Group, "")
	r = env.ReplyTo(env.Group, P[1].Reply(env.Group, photo, "/baocao "+data.Achievements[1]))
	id2 := model.add(t, r, 1, "Hội thi, phong trào")
	achMust(t, "photo report", r.Text, "Bảo hiểm xã hội tỉnh Tây Ninh", "Hội thi, phong trào", "Minh chứng: có (ảnh)", "KH 351/KH-KTĐ")
	a2, err := st.Achievement(ctx, chat, strconv.Itoa(id2))
	if err != nil || a2.Evidence == nil || a2.Evidence.FileID != photo.PhotoFileID {
		t.Fatalf("evidence of #%d: %+v %v (photo %q)", id2, a2.Evidence, err, photo.PhotoFileID)
	}

	// 3. Hải quan sends a photo whose caption is the command.
	withCaption := P[2].SendPhoto(env.Group, "/report Số hóa 100% tờ khai hải quan #chuyen_doi_so")
	r = env.ReplyTo(env.Group, withCaption)
	model.add(t, r, 2, "Chuyển đổi số")
	achMust(t, "caption report", r.Text, "Cục Hải quan tỉnh Tây Ninh", "Chuyển đổi số", "có (ảnh)")

	// 4. Kho bạc types /baocao alone and answers the prompt.
	prompt := env.Say(P[3], "/baocao")
	if !prompt.ForceReply {
		t.Fatalf("no ForceReply prompt: %+v", prompt)
	}
	achMust(t, "prompt", prompt.Text, "Kho bạc Nhà nước tỉnh Tây Ninh", "#an_sinh")
	r = env.ReplyTo(env.Group, P[3].Reply(env.Group, prompt, "Kiểm soát chi ngân sách đúng hạn 100% #cai_cach"))
	model.add(t, r, 3, "Cải cách hành chính")
	achMust(t, "prompted report", r.Text, "Kho bạc Nhà nước tỉnh Tây Ninh", "Cải cách hành chính")

	// 5. The State Bank's representative reports from a private chat (linked in one bloc).
	priv := env.Sim.PrivateChat(P[4])
	r = env.SayIn(priv, P[4], "/baocao Giải ngân tín dụng chính sách cho 300 hộ nghèo #AnSinh")
	model.add(t, r, 4, "An sinh xã hội")
	achMust(t, "private report", r.Text, "Ngân hàng Nhà nước Việt Nam chi nhánh tỉnh Tây Ninh", "An sinh xã hội")

	// 6. Thống kê uses a tag that is not a category: kept as typed.
	r = env.Say(P[5], "/baocao Hoàn thành Tổng điều tra kinh tế #PhongTrào #chuyen_mon")
	model.add(t, r, 5, "Chuyên môn, nghiệp vụ; #PhongTrào")
	achMust(t, "unknown tag", r.Text, "Chuyên môn, nghiệp vụ, #PhongTrào", "giữ nguyên: #PhongTrào")

	// 7. Quản lý thị trường reports, someone else presses Undo (nothing changes), the author
	// undoes it and reports again.
	r = env.Say(P[6], "/baocao Kiểm tra 120 vụ hàng giả #chuyen_mon")
	id7 := achRecordedID(t, r)
	ans := env.PressAnswer(P[0], r, achUndoVI)
	if !ans.ShowAlert || !strings.Contains(ans.Text, "chỉ người đã báo cáo hoặc quản trị viên") {
		t.Fatalf("another person's undo: %+v", ans)
	}
	if _, err := st.Achievement(ctx, chat, strconv.Itoa(id7)); err != nil {
		t.Fatalf("#%d is gone after another person's press: %v", id7, err)
	}
	if m, _ := env.Group.Message(r.ID); m.Edits != 0 {
		t.Fatalf("the confirmation changed after another person's press: %q", m.Text)
	}
	if got := env.Press(P[6], r, achUndoVI); !strings.Contains(got, fmt.Sprintf("Đã hoàn tác báo cáo #%d", id7)) {
		t.Fatalf("author's undo answered %q", got)
	}
	env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == r.ID && strings.Contains(m.Text, "đã được hoàn tác") && len(m.Buttons) == 0
	})
	if _, err := st.Achievement(ctx, chat, strconv.Itoa(id7)); err == nil {
		t.Fatalf("#%d still recorded after undo", id7)
	}
	r = env.Say(P[6], "/baocao Kiểm tra 120 vụ hàng giả, xử phạt 2 tỷ đồng #chuyen_mon")
	model.add(t, r, 6, "Chuyên môn, nghiệp vụ")

	// 8. HTML is shown literally; 5,000 characters are refused with the limit; a non-member
	// is told how to join.
	html := "<b>Đậm</b> & <i>nghiêng</i> <script>alert(1)</script> #van_hoa"
	r = env.Say(P[0], "/baocao "+html)
	id9 := model.add(t, r, 0, "Văn hóa, thể thao")
	achMust(t, "html report", r.Text, "<b>Đậm</b> & <i>nghiêng</i> <script>alert(1)</script>")
	// 5,000 characters pass the bot's input cap (limits.max_input, 4096 by default) or meet it;
	// either way a clear "too long" and nothing recorded. Between the caps, /report's own limit.
	r = env.Say(P[0], "/baocao "+strings.Repeat("Dài quá. ", 556))
	achMust(t, "5000 characters", r.Text, "Nội dung quá dài (")
	r = env.Say(P[0], "/baocao "+strings.Repeat("Dài quá. ", 334))
	achMust(t, "3000 characters", r.Text, "3005 ký tự", "2000", "Chưa có gì được ghi nhận")
	if _, n, _ := st.ListAchievements(ctx, chat, store.AchievementQuery{Unit: 1}); n != 2 {
		t.Fatalf("Cục Thuế has %d reports after the refusals, want 2", n)
	}
	stranger := env.Sim.NewUser("Khách Lạ", "khach", "vi")
	env.Group.Add(stranger, false)
	r = env.Say(stranger, "/baocao Tôi muốn báo cáo")
	achMust(t, "non-member", r.Text, "chưa đại diện đơn vị nào", "/thamgia")

	// 9. Cục Thuế reports once a day for twelve days; the admin (a manager) undoes the last.
	var last telegramsim.Message
	for i := 1; i <= 12; i++ {
		env.Advance(24 * time.Hour)
		last = env.Say(P[0], fmt.Sprintf("/baocao Báo cáo chuyên môn số %d #chuyen_mon", i))
		id := achRecordedID(t, last)
		if i < 12 {
			model.add(t, last, 0, "Chuyên môn, nghiệp vụ")
		} else {
			if got := env.Press(env.Admin, last, achUndoVI); !strings.Contains(got, "Đã hoàn tác") {
				t.Fatalf("manager's undo answered %q", got)
			}
			if _, err := st.Achievement(ctx, chat, strconv.Itoa(id)); err == nil {
				t.Fatal("manager's undo did not remove the report")
			}
		}
	}

	// 10. Second quarter: three more for Cục Thuế; the first report can no longer be undone.
	env.Advance(80 * 24 * time.Hour) // late April
	for i := 1; i <= 3; i++ {
		r = env.Say(P[0], fmt.Sprintf("/baocao Quý II: ủng hộ quỹ vì người nghèo đợt %d #an_sinh", i))
		model.add(t, r, 0, "An sinh xã hội")
	}
	if got := env.Press(P[0], first, achUndoVI); !strings.Contains(got, "quá 24 giờ") {
		t.Fatalf("undo after 24h answered %q", got)
	}
	if _, err := st.Achievement(ctx, chat, strconv.Itoa(id1)); err != nil {
		t.Fatalf("#%d lost: %v", id1, err)
	}

	// 11. Browsing: Cục Thuế in the first quarter is 13 reports, two pages, newest first; Next
	// and Previous edit the same message.
	var q1 []int
	for id, u := range model.unit {
		if u == 0 && id < 22 {
			q1 = append(q1, id)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(q1)))
	if len(q1) != 13 {
		t.Fatalf("model: %d Q1 reports of Cục Thuế", len(q1))
	}
	page1 := env.Say(env.People[3], "/thanhtich cuc thue q1/2024")
	achMust(t, "page 1", page1.Text, "Cục Thuế tỉnh Tây Ninh · quý 1/2024", "13 báo cáo · trang 1/2")
	if got := achPageIDs(page1); fmt.Sprint(got) != fmt.Sprint(q1[:10]) {
		t.Fatalf("page 1 ids %v, want %v\n%s", got, q1[:10], page1.Text)
	}
	if _, ok := page1.Button(achPrevVI); ok {
		t.Fatal("page 1 has a Previous button")
	}
	env.Press(env.People[3], page1, achNextVI)
	page2 := env.WaitBot(func(m telegramsim.Message) bool { return m.ID == page1.ID && strings.Contains(m.Text, "trang 2/2") })
	if got := achPageIDs(page2); fmt.Sprint(got) != fmt.Sprint(q1[10:]) {
		t.Fatalf("page 2 ids %v, want %v\n%s", got, q1[10:], page2.Text)
	}
	if _, ok := page2.Button(achNextVI); ok {
		t.Fatal("the last page has a Next button")
	}
	achMust(t, "page 2", page2.Text, "<b>Đậm</b> & <i>nghiêng</i>", "xã Thạnh Bắc")
	env.Press(env.People[3], page2, achPrevVI)
	env.WaitBot(func(m telegramsim.Message) bool { return m.ID == page1.ID && strings.Contains(m.Text, "trang 1/2") })
	r = env.Say(P[1], "/thanhtich CỤC THUẾ quý 2/2024")
	achMust(t, "Q2", r.Text, "3 báo cáo · trang 1/1", "đợt 3", "đợt 1")
	if len(r.Buttons) != 0 {
		t.Fatalf("a single page has buttons: %v", r.Buttons)
	}
	r = env.Say(P[1], "/thanhtich 13/2024")
	achMust(t, "bad period", r.Text, "13/2024", "q1/2024")
	r = env.Say(P[1], "/thanhtich cuc")
	if len(r.Buttons) < 4 {
		t.Fatalf("an ambiguous unit should offer the matching units: %s %v", r.Text, r.Buttons)
	}
	env.Press(P[1], r, "Cục Hải quan tỉnh Tây Ninh")
	env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == r.ID && strings.Contains(m.Text, "1 báo cáo") && strings.Contains(m.Text, "tờ khai hải quan")
	})

	// 12. From a private chat, a person linked in two blocs chooses where the report goes.
	g2 := env.Sim.NewSupergroup("Khối thi đua số 2")
	g2.Add(env.Admin, true)
	g2.Add(P[4], false)
	env.SayIn(g2, env.Admin, "/thietlap Khối thi đua số 2")
	env.SayIn(g2, env.Admin, "/themdonvi\nSở Tài chính")
	P[4].Send(g2, "/thamgia Sở Tài chính")
	req := env.WaitBotIn(g2, func(m telegramsim.Message) bool { _, ok := m.Button("✅ Đồng ý"); return ok })
	env.Press(env.Admin, req, "✅ Đồng ý")
	env.WaitBotIn(g2, func(m telegramsim.Message) bool { return m.ID == req.ID && len(m.Buttons) == 0 })
	choose := env.SayIn(priv, P[4], "/baocao Hội diễn văn nghệ chào mừng 30/4 #van_hoa")
	achMust(t, "bloc choice", choose.Text, "nhiều khối")
	btn := ""
	for _, row := range choose.Buttons {
		for _, b := range row {
			if strings.HasPrefix(b.Text, "Khối thi đua các cơ quan") {
				btn = b.Text
			}
		}
	}
	if btn == "" || len(choose.Buttons) != 2 {
		t.Fatalf("bloc buttons: %v", choose.Buttons)
	}
	env.Press(P[4], choose, btn)
	done := env.WaitBotIn(priv, func(m telegramsim.Message) bool {
		return m.ID == choose.ID && strings.Contains(m.Text, "Đã ghi nhận")
	})
	model.add(t, done, 4, "Văn hóa, thể thao")
	achMust(t, "chosen bloc", done.Text, "Ngân hàng Nhà nước Việt Nam chi nhánh tỉnh Tây Ninh", "Văn hóa, thể thao")

	// 13. /summary: totals per unit and category match what was recorded.
	perUnit := map[int]int{}
	perCat := map[string]int{}
	for id, u := range model.unit {
		perUnit[u]++
		for _, c := range strings.Split(model.cats[id], "; ") {
			perCat[c]++
		}
	}
	total := len(model.unit)
	sum := env.Say(P[2], "/tonghop")
	achMust(t, "summary", sum.Text, "Tổng hợp thành tích năm 2024", fmt.Sprintf("Tổng cộng: %d báo cáo", total))
	for i, name := range env.Units {
		achMust(t, "summary", sum.Text, fmt.Sprintf("%d. %s: %d", i+1, name, perUnit[i]))
	}
	for c, n := range perCat {
		achMust(t, "summary", sum.Text, fmt.Sprintf("• %s: %d", c, n))
	}
	achMust(t, "summary", sum.Text, "Chuyên môn, nghiệp vụ 11 · Văn hóa, thể thao 1")
	if r := env.Say(P[2], "/tonghop 2023"); !strings.Contains(r.Text, "Năm 2023 chưa có") {
		t.Fatalf("empty year: %s", r.Text)
	}

	// 14. /export: managers only; the workbook has every report and the same totals.
	r = env.Say(P[2], "/xuat")
	achMust(t, "export by a member", r.Text, "Chỉ quản trị viên")
	r = env.Say(env.Admin, "/xuat 2024")
	if r.Document == nil || !strings.HasSuffix(r.Document.FileName, ".xlsx") {
		t.Fatalf("no workbook: %+v", r)
	}
	achMust(t, "export caption", r.Text, "Thành tích ("+strconv.Itoa(total)+" dòng)", "Tổng hợp (8 dòng)")
	f, err := excelize.OpenReader(bytes.NewReader(r.Document.Data))
	if err != nil {
		t.Fatal(err)
	}
	sheets := f.GetSheetList()
	if len(sheets) < 2 || sheets[0] != "Thành tích" || sheets[1] != "Tổng hợp" {
		t.Fatalf("sheets %v", sheets)
	}
	rows, _ := f.GetRows("Thành tích")
	if len(rows) != total+1 {
		t.Fatalf("%d rows for %d reports", len(rows), total)
	}
	want := []string{"STT", "Mã", "Ngày", "Đơn vị", "Người báo cáo", "Lĩnh vực", "Nội dung", "Minh chứng"}
	if fmt.Sprint(rows[0]) != fmt.Sprint(want) {
		t.Fatalf("headers %q", rows[0])
	}
	cell := func(sheet, c string) string {
		v, err := f.GetCellValue(sheet, c)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for c, v := range map[string]string{"A2": "1", "B2": strconv.Itoa(id1), "C2": "15/01/2024", "D2": env.Units[0],
		"E2": "Nguyễn Văn Minh", "F2": "An sinh xã hội", "G2": data.Achievements[0], "H2": "Không",
		"B3": strconv.Itoa(id2), "D3": env.Units[1], "F3": "Hội thi, phong trào", "G3": data.Achievements[1], "H3": "Có",
		"F7": "Chuyên môn, nghiệp vụ; #PhongTrào", "E7": "Đặng Ngọc Lan"} {
		if got := cell("Thành tích", c); got != v {
			t.Errorf("Thành tích!%s = %q, want %q", c, got, v)
		}
	}
	prev := 0
	for i, row := range rows[1:] {
		id, _ := strconv.Atoi(row[1])
		if id <= prev {
			t.Errorf("row %d: id %d after %d (not oldest first)", i+2, id, prev)
		}
		prev = id
		u, ok := model.unit[id]
		if !ok {
			t.Errorf("row %d: #%d should not be exported (undone?)", i+2, id)
			continue
		}
		if row[3] != env.Units[u] || row[5] != model.cats[id] {
			t.Errorf("row %d: %q, want unit %q, categories %q", i+2, row, env.Units[u], model.cats[id])
		}
		if id == id9 && row[6] != html {
			t.Errorf("HTML text exported as %q", row[6])
		}
	}
	srows, _ := f.GetRows("Tổng hợp")
	if len(srows) != 9 {
		t.Fatalf("summary sheet has %d rows", len(srows))
	}
	head := srows[0]
	if head[0] != "STT" || head[1] != "Đơn vị" || head[len(head)-1] != "Tổng số báo cáo" || head[2] != "An sinh xã hội" {
		t.Fatalf("summary headers %q", head)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	for u := 0; u < 7; u++ {
		row := srows[u+1]
		if row[1] != env.Units[u] || row[len(head)-1] != strconv.Itoa(perUnit[u]) {
			t.Errorf("summary row %d: %q, want %s = %d", u+2, row, env.Units[u], perUnit[u])
		}
	}
	totalRow := srows[8]
	if totalRow[1] != "Cộng" || totalRow[len(head)-1] != strconv.Itoa(total) {
		t.Errorf("total row %q", totalRow)
	}
	for c, n := range perCat {
		i, ok := col[c]
		if !ok {
			t.Errorf("no column %q in %q", c, head)
			continue
		}
		if totalRow[i] != strconv.Itoa(n) {
			t.Errorf("column %q totals %s, want %d", c, totalRow[i], n)
		}
	}
	if v := cell("Tổng hợp", "C2"); v != "4" { // Cục Thuế, An sinh xã hội: #1 and the three of Q2
		t.Errorf("Tổng hợp!C2 = %q", v)
	}

	// 15. In English, the workbook's sheets and headers are English.
	env.Say(env.Admin, "/lang en")
	r = env.Say(env.Admin, "/export")
	f2, err := excelize.OpenReader(bytes.NewReader(r.Document.Data))
	if err != nil {
		t.Fatal(err)
	}
	if s := f2.GetSheetList(); s[0] != "Achievements" || s[1] != "Summary" {
		t.Fatalf("english sheets %v", s)
	}
	if v, _ := f2.GetCellValue("Achievements", "F1"); v != "Category" {
		t.Errorf("english header F1 = %q", v)
	}
	if v, _ := f2.GetCellValue("Achievements", "F2"); v != "Social welfare" {
		t.Errorf("english category F2 = %q", v)
	}
	if v, _ := f2.GetCellValue("Summary", "B9"); v != "All units" {
		t.Errorf("english total row = %q", v)
	}
	env.Say(env.Admin, "/lang vi")

	// 16. More than 20 reports in 10 minutes: the 21st is refused, nothing recorded.
	var slow telegramsim.Message
	for i := 0; i < 21; i++ {
		slow = env.Say(P[5], fmt.Sprintf("/baocao Báo cáo nhanh %d", i))
	}
	achMust(t, "rate limit", slow.Text, "chậm lại", "chưa được ghi nhận")
	if os.Getenv("ACH_TRANSCRIPT") != "" {
		t.Log(env.Transcript(env.Group) + env.Transcript(priv))
	}
	_, n, err := st.ListAchievements(ctx, chat, store.AchievementQuery{Unit: 6})
	if err != nil || n != 21 {
		t.Fatalf("Thống kê has %d reports (%v), want 1 + 20", n, err)
	}
}

// Categories, duplicates, private chats and English: the paths around the main scenario.
func TestAchievementsMore(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	ctx := context.Background()
	st := env.App.Store
	P := env.People
	chat := env.Group.ID

	// Categories: anyone lists them; only managers add; the new tag classifies from then on.
	r := env.Say(P[1], "/linhvuc")
	achMust(t, "categories", r.Text, "#an_sinh — An sinh xã hội", "#chuyen_doi_so — Chuyển đổi số", "#khac — Khác", "/linhvuc them")
	r = env.Say(P[1], "/linhvuc them thi_dua_yeu_nuoc Thi đua yêu nước")
	achMust(t, "member adds a category", r.Text, "Chỉ quản trị viên")
	r = env.Say(env.Admin, "/linhvuc them thi_dua_yeu_nuoc Thi đua yêu nước")
	achMust(t, "category added", r.Text, "Thi đua yêu nước", "#thi_dua_yeu_nuoc")
	r = env.Say(env.Admin, "/categories add AnSinh Trùng")
	achMust(t, "duplicate category", r.Text, "đã có trong danh mục")
	r = env.Say(env.Admin, "/linhvuc them thi-dua Tên")
	achMust(t, "bad tag", r.Text, "chữ, số và dấu gạch dưới")
	r = env.Say(env.Admin, "/linhvuc them")
	achMust(t, "usage", r.Text, "/linhvuc them the_moi")
	r = env.Say(P[1], "/linhvuc")
	achMust(t, "categories", r.Text, "Lĩnh vực riêng của khối", "#thi_dua_yeu_nuoc — Thi đua yêu nước")
	r = env.Say(P[1], "/baocao Phát động đợt thi đua cao điểm #ThiDuaYeuNuoc")
	achMust(t, "custom tag", r.Text, "Lĩnh vực: Thi đua yêu nước")
	if strings.Contains(r.Text, "giữ nguyên") {
		t.Fatalf("a custom category is reported as unknown:\n%s", r.Text)
	}

	// Every update delivered twice: one report, one confirmation.
	env.Sim.SetDuplicateRate(1)
	m := P[2].Send(env.Group, "/baocao Gửi hai lần vẫn là một #an_sinh")
	env.ReplyTo(env.Group, m)
	env.Sim.SetDuplicateRate(0)
	r = env.Say(P[2], "/thanhtich hai quan")
	achMust(t, "after duplicates", r.Text, "1 báo cáo")
	n := 0
	for _, bm := range env.Group.BotMessages() {
		if bm.ReplyTo == m.ID {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d confirmations for one report", n)
	}
	// The same text sent again by hand: recognised, not counted twice.
	r = env.Say(P[2], "/baocao Gửi hai lần vẫn là một #an_sinh")
	achMust(t, "same report", r.Text, "vừa được ghi nhận")

	// A restart loses nothing: the undo button still works afterwards.
	r = env.Say(P[3], "/baocao Trước khi khởi động lại")
	env.Restart()
	st = env.App.Store
	if got := env.Press(P[3], r, achUndoVI); !strings.Contains(got, "Đã hoàn tác") {
		t.Fatalf("undo after restart: %q", got)
	}

	// Private chats: a stranger is told how to join; a member with one bloc gets the prompt
	// there, and the Undo button of a private confirmation acts on the group's bloc.
	stranger := env.Sim.NewUser("Người Ngoài", "ngoai", "vi")
	r = env.SayIn(env.Sim.PrivateChat(stranger), stranger, "/baocao Xin chào")
	achMust(t, "stranger", r.Text, "chưa là thành viên của khối thi đua nào", "/thamgia")
	priv := env.Sim.PrivateChat(P[5])
	prompt := env.SayIn(priv, P[5], "/baocao")
	if !prompt.ForceReply {
		t.Fatalf("no prompt in the private chat: %+v", prompt)
	}
	r = env.ReplyTo(priv, P[5].Reply(priv, prompt, "Báo cáo gửi riêng #chuyen_mon"))
	id := achRecordedID(t, r)
	achMust(t, "private prompt", r.Text, "Cục Thống kê tỉnh Tây Ninh", "Chuyên môn, nghiệp vụ")
	if _, err := st.Achievement(ctx, chat, strconv.Itoa(id)); err != nil {
		t.Fatalf("private report not in the group's bloc: %v", err)
	}
	if got := env.Press(P[5], r, achUndoVI); !strings.Contains(got, "Đã hoàn tác") {
		t.Fatalf("private undo: %q", got)
	}
	if _, err := st.Achievement(ctx, chat, strconv.Itoa(id)); err == nil {
		t.Fatal("private undo did not remove the report")
	}

	// A document replied to with /report is kept with its name.
	file := P[6].SendDocument(env.Group, "ke-hoach.pdf", []byte("%PDF-1.4"), "")
	r = env.ReplyTo(env.Group, P[6].Reply(env.Group, file, "/report Kế hoạch kiểm tra liên ngành"))
	achMust(t, "document evidence", r.Text, "có (tệp ke-hoach.pdf)")

	// Ten long reports full of HTML still make one page that fits one message, with Next.
	for i := 0; i < 11; i++ {
		r = env.Say(P[6], fmt.Sprintf("/baocao %d %s", i, strings.Repeat("<b>&", 499)))
		achRecordedID(t, r)
	}
	r = env.Say(P[6], "/thanhtich quan ly thi truong")
	if _, ok := r.Button(achNextVI); !ok || !strings.Contains(r.Text, "12 báo cáo · trang 1/2") || len(achPageIDs(r)) != 10 {
		t.Fatalf("long reports page: %v\n%s", r.Buttons, r.Text)
	}
	if n := len([]rune(r.Text)); n > 4096 || !strings.Contains(r.Text, "<b>&<b>&") {
		t.Fatalf("page of %d characters:\n%s", n, r.Text)
	}

	// English chat: English confirmation, categories and errors.
	env.Say(env.Admin, "/lang en")
	r = env.Say(P[0], "/report Raised 70 million VND for a rural commune #an_sinh")
	achMust(t, "english", r.Text, "Achievement #", "recorded", "Category: Social welfare", "Evidence: none")
	if _, ok := r.Button("↩️ Undo"); !ok {
		t.Fatalf("english undo button: %v", r.Buttons)
	}
	r = env.Say(P[0], "/summary 20x4")
	achMust(t, "bad year", r.Text, "That is not a year")
	r = env.Say(P[0], "/achievements")
	achMust(t, "english list", r.Text, "Achievements", "15 reports · page 1/2", "Social welfare")
	// All of this happened in the same minute: still newest (highest id) first.
	if ids := achPageIDs(r); len(ids) != 10 || ids[0] != 17 || ids[9] != 8 || !sort.SliceIsSorted(ids, func(i, j int) bool { return ids[i] > ids[j] }) {
		t.Fatalf("reports of one moment not newest first: %v", ids)
	}
	r = env.Say(P[0], "/summary")
	achMust(t, "english summary", r.Text, "Achievements in 2024", "By unit", "By category", "No report in 2024 yet")
}

// /lichsu shows each entry's 8 hex digits and the chain's head, reports by number and unit;
// changing a report's text in Redis breaks the chain (its entry covers the record). A person
// who deletes their data is shown by their id in the reports they made.
func TestAchievementsHistoryAndPrivacy(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	ctx, st, P, chat := context.Background(), env.App.Store, env.People, env.Group.ID
	rdb, ck := env.Redis.Client(t), rkeys.ForChat(chat)

	r := env.Say(P[0], "/baocao Hỗ trợ 70 triệu đồng xây dựng nông thôn mới #an_sinh")
	id := achRecordedID(t, r)
	env.Say(P[1], "/baocao Hội thi tìm hiểu pháp luật #hoi_thi")
	h := env.Say(P[2], "/lichsu 5")
	head, err := st.AuditHead(ctx, chat)
	if err != nil {
		t.Fatal(err)
	}
	achMust(t, "/lichsu", h.Text, "mã chuỗi: "+head[:10]+")", fmt.Sprintf("báo cáo thành tích #%d của %s", id, env.Units[0]),
		fmt.Sprintf("báo cáo thành tích #%d của %s", id+1, env.Units[1]))
	lines := regexp.MustCompile(`(?m)^([0-9a-f]+) \d\d/\d\d/\d{4}`).FindAllStringSubmatch(h.Text, -1)
	if len(lines) != 5 {
		t.Fatalf("/lichsu 5 shows %d entries:\n%s", len(lines), h.Text)
	}
	for _, l := range lines {
		if len(l[1]) != 8 {
			t.Fatalf("an entry's hash shown as %q:\n%s", l[1], h.Text)
		}
	}
	if lines[0][1] != head[:8] {
		t.Fatalf("the newest entry shows %q, the head is %q", lines[0][1], head)
	}
	achMust(t, "/lichsu kiemtra", env.Say(P[2], "/lichsu kiemtra").Text, "toàn vẹn")

	// /forget_me: the reports stay, with the person's id instead of their name.
	ask := env.Say(P[0], "/xoadulieu")
	env.Press(P[0], ask, "🗑 Xoá dữ liệu của tôi")
	env.WaitBot(func(x telegramsim.Message) bool { return x.ID == ask.ID && len(x.Buttons) == 0 })
	list := env.Say(P[1], "/thanhtich")
	achMust(t, "list after /forget_me", list.Text, strconv.FormatInt(P[0].ID, 10), P[1].FirstName)
	if strings.Contains(list.Text, P[0].FirstName) {
		t.Fatalf("a forgotten person's name is still shown:\n%s", list.Text)
	}
	if a, err := st.Achievement(ctx, chat, strconv.Itoa(id)); err != nil || a.Reporter.ID != P[0].ID || a.Reporter.Name != "" {
		t.Fatalf("report of a forgotten person: %+v %v", a, err)
	}

	// Someone edits a report in Redis: the chain says so.
	raw, err := rdb.LIndex(ctx, ck.Achievements(), int64(id-1)).Result()
	if err != nil {
		t.Fatal(err)
	}
	rdb.LSet(ctx, ck.Achievements(), int64(id-1), strings.Replace(raw, "70", "90", 1))
	achMust(t, "/lichsu kiemtra after an edit", env.Say(P[2], "/lichsu kiemtra").Text, "bị hỏng ở mục", "đã bị sửa, xoá hoặc chèn thêm")
}

// The file a report keeps can be opened: a 📎 button for each report of a /achievements page
// that has one sends it into the chat (a photo as a photo, a document with its name), and so
// does /evidence <number>; a report without a file says so.
func TestEvidenceCanBeOpened(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	P := env.People
	photo := P[1].SendPhoto(env.Group, "")
	env.ReplyTo(env.Group, P[1].Reply(env.Group, photo, "/baocao Hội thi văn nghệ #hoi_thi"))
	file := P[2].SendDocument(env.Group, "ke-hoach.pdf", []byte("%PDF-1.4 kế hoạch"), "")
	if r := env.ReplyTo(env.Group, P[2].Reply(env.Group, file, "/baocao Kế hoạch kiểm tra liên ngành")); strings.Contains(r.Text, "đi cùng thành tích") {
		t.Fatalf("a file already in the group needs no warning: %q", r.Text)
	}
	env.Say(P[3], "/baocao Không có tệp")

	list := env.Say(P[0], "/thanhtich")
	var clips []string
	for _, row := range list.Buttons {
		for _, b := range row {
			if strings.HasPrefix(b.Text, "📎 #") {
				clips = append(clips, b.Text)
			}
		}
	}
	if strings.Join(clips, ",") != "📎 #2,📎 #1" {
		t.Fatalf("the page's 📎 buttons: %v", list.Buttons)
	}
	if ans := env.Press(P[0], list, "📎 #1"); !strings.Contains(ans, "Đã gửi minh chứng của #1") {
		t.Fatalf("pressing 📎 #1: %q", ans)
	}
	sent := env.WaitBot(func(m telegramsim.Message) bool { return m.ReplyTo == list.ID && m.Photo })
	if sent.PhotoFileID != photo.PhotoFileID || !strings.Contains(sent.Text, "Minh chứng của thành tích #1 — "+env.Units[1]) {
		t.Fatalf("the photo sent: %+v", sent)
	}
	ask := P[0].Send(env.Group, "/minhchung #2")
	doc := env.WaitBot(func(m telegramsim.Message) bool { return m.ReplyTo == ask.ID })
	if doc.Document == nil || doc.Document.FileName != "ke-hoach.pdf" || string(doc.Document.Data) != "%PDF-1.4 kế hoạch" {
		t.Fatalf("the document sent: %+v", doc)
	}
	if r := env.Say(P[0], "/minhchung 3"); !strings.Contains(r.Text, "không kèm tệp minh chứng") {
		t.Fatalf("a report without a file: %q", r.Text)
	}
	if r := env.Say(P[0], "/minhchung 99"); !strings.Contains(r.Text, "Không có thành tích #99") {
		t.Fatalf("no such report: %q", r.Text)
	}
	if r := env.Say(P[0], "/minhchung"); !strings.Contains(r.Text, "Cách dùng") {
		t.Fatalf("usage: %q", r.Text)
	}
	// A file sent in a private chat: the reporter is told the bloc can open it.
	priv := env.Sim.PrivateChat(P[4])
	own := P[4].SendDocument(priv, "rieng.pdf", []byte("%PDF-1.4 riêng"), "")
	if r := env.ReplyTo(priv, P[4].Reply(priv, own, "/baocao Báo cáo gửi riêng")); !strings.Contains(r.Text, "Tệp minh chứng đi cùng thành tích") ||
		!strings.Contains(r.Text, "/minhchung 4") {
		t.Fatalf("a private report's file: %q", r.Text)
	}
	// The photo's reporter asks to be forgotten: the report stays, the file is not sent again.
	ask = env.Say(P[1], "/xoadulieu")
	env.Press(P[1], ask, "🗑 Xoá dữ liệu của tôi")
	env.WaitBot(func(m telegramsim.Message) bool { return m.ID == ask.ID && len(m.Buttons) == 0 })
	if r := env.Say(P[0], "/minhchung 1"); !strings.Contains(r.Text, "đã yêu cầu xoá dữ liệu cá nhân") {
		t.Fatalf("a forgotten reporter's file: %q", r.Text)
	}
}

// A member browses the bloc's reports in a private chat with the bot: /thanhtich lists them,
// its page buttons turn the page there, its 📎 buttons and /minhchung send the file there; a
// person who represents no unit is sent to the group.
func TestAchievementsInPrivate(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	P := env.People
	for i := 0; i < 11; i++ {
		env.Say(P[i%len(P)], fmt.Sprintf("/baocao Thành tích số %d của đơn vị #thi_dua", i+1))
	}
	photo := P[1].SendPhoto(env.Group, "")
	env.ReplyTo(env.Group, P[1].Reply(env.Group, photo, "/baocao Hội thi văn nghệ #hoi_thi"))

	priv := env.Sim.PrivateChat(P[0])
	list := env.SayIn(priv, P[0], "/thanhtich")
	if !strings.Contains(list.Text, "12 báo cáo · trang 1/2") || !strings.Contains(list.Text, "Hội thi văn nghệ") {
		t.Fatalf("/thanhtich in private:\n%s", list.Text)
	}
	if ans := env.Press(P[0], list, "📎 #12"); !strings.Contains(ans, "Đã gửi minh chứng của #12") {
		t.Fatalf("📎 in private: %q", ans)
	}
	sent := env.WaitBotIn(priv, func(m telegramsim.Message) bool { return m.ReplyTo == list.ID && m.Photo })
	if sent.PhotoFileID != photo.PhotoFileID {
		t.Fatalf("the photo sent in private: %+v", sent)
	}
	env.PressAnswer(P[0], list, "Trang sau ▶️")
	page2 := env.WaitBotIn(priv, func(m telegramsim.Message) bool {
		return m.ID == list.ID && strings.Contains(m.Text, "trang 2/2")
	})
	if !strings.Contains(page2.Text, "Thành tích số 1 ") {
		t.Fatalf("page 2 in private:\n%s", page2.Text)
	}
	// A unit by its number in /donvi, as the other unit commands take it.
	if r := env.SayIn(priv, P[0], "/thanhtich 2"); !strings.Contains(r.Text, "Thành tích · "+env.Units[1]) {
		t.Fatalf("/thanhtich 2 (the second unit):\n%s", r.Text)
	}
	if r := env.SayIn(priv, P[0], "/minhchung 3"); !strings.Contains(r.Text, "không kèm tệp minh chứng") {
		t.Fatalf("/minhchung in private: %q", r.Text)
	}
	guest := env.Sim.NewUser("Khách", "guest", "vi")
	if r := env.SayIn(env.Sim.PrivateChat(guest), guest, "/thanhtich"); !strings.Contains(r.Text, "dùng trong nhóm") {
		t.Fatalf("/thanhtich in private without a bloc: %q", r.Text)
	}
	// A member of a second bloc too: a press in private cannot tell which bloc, and says so.
	g2 := env.Sim.NewSupergroup("Khối thi đua hai")
	g2.Add(env.Admin, true)
	g2.Add(P[0], false)
	env.SayIn(g2, env.Admin, "/thietlap Khối hai")
	env.SayIn(g2, env.Admin, "/themdonvi\nĐơn vị Một\nĐơn vị Hai")
	hello := P[0].Send(g2, "Xin chào")
	if r := env.ReplyTo(g2, env.Admin.Reply(g2, hello, "/phancong Đơn vị Một")); !strings.Contains(r.Text, "Đơn vị Một") {
		t.Fatalf("assign in the second bloc: %q", r.Text)
	}
	if ans := env.PressAnswer(P[0], page2, "◀️ Trang trước"); !ans.ShowAlert || !strings.Contains(ans.Text, "Bạn thuộc nhiều khối") ||
		!strings.Contains(ans.Text, "Khối hai") {
		t.Fatalf("a press in private by a member of two blocs: %+v", ans)
	}
	env.SayIn(g2, P[0], "/roikhoi")
	// A member who has left the bloc since presses the page's button: told, nothing shown.
	env.Say(P[0], "/roikhoi")
	if ans := env.PressAnswer(P[0], page2, "◀️ Trang trước"); !ans.ShowAlert || !strings.Contains(ans.Text, "dùng trong nhóm") {
		t.Fatalf("a press after leaving: %+v", ans)
	}
}
