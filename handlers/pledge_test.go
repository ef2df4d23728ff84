package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"thiduabot/domain"
	"thiduabot/export"
	"thiduabot/handlers"
	"thiduabot/internal/testbot"
	"thiduabot/telegramsim"
)

const (
	signVI   = "✍️ Ký kết"
	inForce  = "chính thức có hiệu lực"
	oldIsOld = "Phiên bản cũ"
)

func pledgeCommand(cmd, title string, items []string) string {
	return cmd + " " + title + "\n- " + strings.Join(items, "\n- ")
}

// countBot counts the bot's messages in the group whose text contains s.
func countBot(env *testbot.Env, s string) int {
	n := 0
	for _, m := range env.Group.BotMessages() {
		if strings.Contains(m.Text, s) {
			n++
		}
	}
	return n
}

func mustContain(t *testing.T, what, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Fatalf("%s misses %q:\n%s", what, p, text)
		}
	}
}

// The scenario: the 2024 pledge of the Tây Ninh bloc is posted; six units sign (one by
// the button, one by /kyket, one twice); an amendment resets the signatures and all seven sign
// the new version; the in-force announcement comes exactly once; refusals change nothing; the
// workbook sheet shows the signatures.
func TestPledgeScenario(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	ctx := context.Background()
	st := env.App.Store
	chat := env.Group.ID
	pd := env.Data.Pledge
	v1, err := domain.ParsePledge(pledgeCommand("", pd.Title, pd.Commitments))
	if err != nil {
		t.Fatal(err)
	}
	noPledge := func(when string) {
		t.Helper()
		if s, err := st.PledgeStatus(ctx, chat); err != nil || s.Exists {
			t.Fatalf("%s: a pledge was stored: %+v %v", when, s, err)
		}
	}

	// Before a pledge exists, people are told how one is posted.
	r := env.Say(env.People[2], "/giaouoc")
	mustContain(t, "/giaouoc without a pledge", r.Text, "chưa có giao ước", "/giaouoc new")

	// Refusals that change nothing: a non-manager posting; an empty pledge (guided by a
	// prompt); a title without commitments; a 5,000-character pledge.
	r = env.Say(env.People[1], pledgeCommand("/giaouoc new", pd.Title, pd.Commitments))
	mustContain(t, "non-manager posting", r.Text, "Chỉ quản trị viên")
	prompt := env.Say(env.Admin, "/giaouoc new")
	if !prompt.ForceReply {
		t.Fatalf("/giaouoc new without text is not a prompt: %+v", prompt)
	}
	mustContain(t, "prompt", prompt.Text, "dòng đầu là tiêu đề")
	waitPrompt(t, env, prompt)
	r = env.ReplyTo(env.Group, env.Admin.Reply(env.Group, prompt, pd.Title))
	mustContain(t, "title only", r.Text, "chưa có cam kết nào")
	long := "/giaouoc new " + pd.Title + "\n" + strings.Repeat("- Cam kết rất dài về thi đua yêu nước\n", 135)
	if n := len([]rune(long)); n < 5000 {
		t.Fatalf("the long pledge has only %d characters", n)
	}
	r = env.Say(env.Admin, long)
	mustContain(t, "5,000 characters", r.Text, "quá dài")
	// Below the bot's cap on any message (Telegram's 4,096) but over the pledge's 3,000.
	long = "/giaouoc new " + pd.Title + "\n" + strings.Repeat("- Cam kết rất dài về thi đua yêu nước\n", 90)
	r = env.Say(env.Admin, long)
	mustContain(t, "3,500 characters", r.Text, "Giao ước quá dài", "tối đa 3000")
	noPledge("after refusals")

	// The admin posts the 2024 pledge.
	posted := env.Say(env.Admin, pledgeCommand("/giaouoc new", pd.Title, pd.Commitments))
	mustContain(t, "posted pledge", posted.Text, pd.Title, v1.Version(), "Đã ký 0/7", "1. "+pd.Commitments[0], "4. "+pd.Commitments[3])
	if _, ok := posted.Button(signVI); !ok {
		t.Fatalf("the pledge has no Sign button: %v", posted.Buttons)
	}
	r = env.Say(env.Admin, pledgeCommand("/giaouoc new", pd.Title, pd.Commitments))
	mustContain(t, "second post", r.Text, "đã có giao ước", "/giaouoc amend")

	// A person of no unit cannot sign, by the button or by /kyket.
	guest := env.Sim.NewUser("Khách Mời", "guest", "vi")
	env.Group.Add(guest, false)
	ans := env.PressAnswer(guest, posted, signVI)
	if !ans.ShowAlert || !strings.Contains(ans.Text, "chưa đại diện đơn vị nào") {
		t.Fatalf("a non-member signed: %+v", ans)
	}
	r = env.Say(guest, "/kyket")
	mustContain(t, "non-member /kyket", r.Text, "chưa đại diện đơn vị nào")
	if s, _ := st.PledgeStatus(ctx, chat); len(s.Signed) != 0 {
		t.Fatalf("signed after refusals: %+v", s)
	}

	// Six units sign: 1 by the button, 2 by /kyket, 3 twice, 4-6 by the button or /sign.
	env.Clock.Advance(10 * time.Minute)
	if a := env.Press(env.People[0], posted, signVI); !strings.Contains(a, "Đã ký cho "+env.Units[0]) || !strings.Contains(a, "1/7") {
		t.Fatalf("first signature: %q", a)
	}
	r = env.Say(env.People[1], "/kyket")
	mustContain(t, "/kyket", r.Text, env.Units[1], "đã ký giao ước", v1.Version(), env.People[1].FirstName, "2/7", "09:10 15/01/2024")
	env.Press(env.People[2], posted, signVI)
	ans = env.PressAnswer(env.People[2], posted, signVI)
	if !ans.ShowAlert || !strings.Contains(ans.Text, "đã ký phiên bản "+v1.Version()+" rồi") || !strings.Contains(ans.Text, env.People[2].FirstName) {
		t.Fatalf("second press of unit 3: %+v", ans)
	}
	env.Press(env.People[3], posted, signVI)
	r = env.Say(env.People[4], "/sign")
	mustContain(t, "/sign", r.Text, env.Units[4], "5/7")
	env.Press(env.People[5], posted, signVI)
	six := env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == posted.ID && strings.Contains(m.Text, "Đã ký 6/7")
	})
	mustContain(t, "posted pledge after six", six.Text, "✅ "+env.Units[0]+" — "+env.People[0].FirstName, "⬜ "+env.Units[6]+" — chưa ký")
	if _, ok := six.Button(signVI); !ok {
		t.Fatal("Sign button gone before everyone signed")
	}
	// /giaouoc shows the same.
	r = env.Say(env.People[6], "/giaouoc")
	mustContain(t, "/giaouoc", r.Text, "Đã ký 6/7", "⬜ "+env.Units[6])

	// A non-manager cannot amend; the admin can.
	items2 := append(append([]string(nil), pd.Commitments[:3]...),
		"Khen thưởng công khai, đúng quy trình, đúng thành tích",
		"Tổ chức Hội thi tìm hiểu tư tưởng Hồ Chí Minh về thi đua ái quốc")
	r = env.Say(env.People[1], pledgeCommand("/giaouoc amend", pd.Title, items2))
	mustContain(t, "non-manager amending", r.Text, "Chỉ quản trị viên")
	r = env.Say(env.Admin, pledgeCommand("/giaouoc amend", pd.Title, pd.Commitments))
	mustContain(t, "amend to the same text", r.Text, "giống hệt")
	if s, _ := st.PledgeStatus(ctx, chat); s.Seq != 1 || len(s.Signed) != 6 {
		t.Fatalf("refused amendments changed the pledge: %+v", s)
	}
	v2, _ := domain.ParsePledge(pledgeCommand("", pd.Title, items2))
	env.Clock.Advance(time.Hour)
	cmd := env.Send(env.Group, env.Admin, pledgeCommand("/giaouoc amend", pd.Title, items2))
	notice := env.WaitBot(func(m telegramsim.Message) bool {
		return m.ReplyTo == cmd.ID && strings.Contains(m.Text, "sửa đổi")
	})
	mustContain(t, "amendment notice", notice.Text, v1.Version()+" → "+v2.Version(),
		"✏️ Sửa cam kết 4: "+items2[3], "(trước đây: "+pd.Commitments[3]+")", "➕ Thêm cam kết 5: "+items2[4],
		"(6 đơn vị) không còn hiệu lực", "ký lại")
	posted2 := env.WaitBot(func(m telegramsim.Message) bool {
		_, ok := m.Button(signVI)
		return m.ReplyTo == cmd.ID && ok
	})
	mustContain(t, "new version", posted2.Text, v2.Version(), "Đã ký 0/7", "5. "+items2[4])
	old := env.WaitBot(func(m telegramsim.Message) bool { return m.ID == posted.ID && strings.Contains(m.Text, oldIsOld) })
	if len(old.Buttons) != 0 || !strings.Contains(old.Text, v2.Version()) {
		t.Fatalf("the old version's message: %q %v", old.Text, old.Buttons)
	}

	// The old version's button (a stale client) is refused and changes nothing.
	ans = env.PressAnswer(env.People[6], posted, signVI)
	if !ans.ShowAlert || !strings.Contains(ans.Text, "phiên bản cũ ("+v1.Version()+")") || !strings.Contains(ans.Text, v2.Version()) {
		t.Fatalf("old button: %+v", ans)
	}
	if s, _ := st.PledgeStatus(ctx, chat); s.Seq != 2 || len(s.Signed) != 0 {
		t.Fatalf("old button changed the pledge: %+v", s)
	}

	// A sign-by date: a wrong one is explained, a right one is set.
	r = env.Say(env.Admin, "/giaouoc deadline 31/02")
	mustContain(t, "bad date", r.Text, "Không hiểu ngày", "dd/mm")
	r = env.Say(env.Admin, "/giaouoc deadline 14/01")
	mustContain(t, "past date", r.Text, "đã qua")
	r = env.Say(env.People[3], "/giaouoc deadline 15/02")
	mustContain(t, "non-manager deadline", r.Text, "Chỉ quản trị viên")
	r = env.Say(env.Admin, "/giaouoc deadline 15/02")
	mustContain(t, "deadline", r.Text, "17:00 15/02/2024", "(7)")
	due := time.Date(2024, 2, 15, 10, 0, 0, 0, time.UTC) // 17:00 ICT
	if s, _ := st.PledgeStatus(ctx, chat); !s.Deadline.Equal(due) || len(s.Unsigned) != 7 {
		t.Fatalf("status after deadline: %+v", s)
	}
	env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == posted2.ID && strings.Contains(m.Text, "Hạn ký: 17:00 15/02/2024")
	})

	// Everyone signs the new version: four press at the same moment, three type /kyket.
	env.Clock.Advance(time.Hour)
	var wg sync.WaitGroup
	answers := make([]string, 7)
	for _, i := range []int{0, 2, 4, 6} {
		wg.Add(1)
		cb := env.People[i].Press(env.Group, posted2, signVI)
		go func() {
			defer wg.Done()
			a, err := cb.Answer(testbot.Wait)
			if err != nil {
				t.Errorf("press %d: %v", i, err)
			}
			answers[i] = a.Text
		}()
	}
	for _, i := range []int{1, 3, 5} {
		m := env.Send(env.Group, env.People[i], "/kyket")
		r := env.ReplyTo(env.Group, m)
		answers[i] = r.Text
	}
	wg.Wait()
	for i, a := range answers {
		if !strings.Contains(a, env.Units[i]) || !strings.Contains(a, v2.Version()) {
			t.Errorf("unit %d signing v2: %q", i+1, a)
		}
	}
	announcement := env.WaitBot(func(m telegramsim.Message) bool { return strings.Contains(m.Text, inForce) })
	mustContain(t, "announcement", announcement.Text, "năm 2024", "7/7", v2.Version())
	final := env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == posted2.ID && strings.Contains(m.Text, "Đã ký 7/7") && strings.Contains(m.Text, "Có hiệu lực")
	})
	if len(final.Buttons) != 0 {
		t.Fatalf("the Sign button stays on a pledge in force: %v", final.Buttons)
	}
	// Another signature after that says it is signed, and announces nothing.
	r = env.Say(env.People[0], "/kyket")
	mustContain(t, "signing again", r.Text, "đã ký phiên bản "+v2.Version()+" rồi")
	if n := countBot(env, inForce); n != 1 {
		t.Fatalf("%d in-force announcements", n)
	}

	// History keeps both versions and their signatures.
	r = env.Say(env.People[5], "/giaouoc history")
	mustContain(t, "history", r.Text, "2 phiên bản", "Phiên bản 2 "+v2.Version()+" — hiện hành", "Phiên bản 1 "+v1.Version()+" — đã thay thế",
		"Đã ký 7/7", "Đã ký 6/7", "➕ Thêm cam kết 5")
	if strings.Count(r.Text, env.People[0].FirstName) != 2 || strings.Count(r.Text, env.People[6].FirstName) != 1 {
		t.Fatalf("history signatures:\n%s", r.Text)
	}

	// The sheet of the /xuat workbook.
	book := env.Say(env.Admin, "/xuat 2024")
	if book.Document == nil {
		t.Fatalf("/xuat sent no workbook: %q", book.Text)
	}
	checkPledgeSheet(t, book.Document.Data, env, items2, v2.Version())
	if s, _ := handlers.NewPledge(st, nil).Sheets(ctx, export.Request{ChatID: chat, Year: 2023, Lang: "vi"}); len(s) != 0 {
		t.Fatalf("a sheet for 2023: %+v", s)
	}

	// The audit log has every step.
	entries, err := st.RecentAudit(ctx, chat, 50)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, e := range entries {
		kinds[e.Kind]++
	}
	if kinds["pledge.post"] != 1 || kinds["pledge.amend"] != 1 || kinds["pledge.sign"] != 13 || kinds["pledge.inforce"] != 1 || kinds["pledge.deadline"] != 1 {
		t.Fatalf("audit: %v", kinds)
	}
}

// waitPrompt waits until the bot has recorded what its prompt waits for (it does so once the
// prompt is sent, so a very quick answer could otherwise come first).
func waitPrompt(t *testing.T, env *testbot.Env, prompt telegramsim.Message) {
	t.Helper()
	deadline := time.Now().Add(testbot.Wait)
	for {
		_, _, ok, _, err := env.App.Store.LoadPrompt(context.Background(), prompt.ChatID, prompt.ID)
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("prompt %d not recorded: %v", prompt.ID, err)
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, not waiting for time to pass
	}
}

func checkPledgeSheet(t *testing.T, book []byte, env *testbot.Env, items []string, version string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(book))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Giao ước")
	if err != nil {
		t.Fatalf("no Giao ước sheet: %v (sheets %v)", err, f.GetSheetList())
	}
	want := [][]string{
		{"Mục", "Nội dung", "Thời gian"},
		{"Tiêu đề", env.Data.Pledge.Title},
		{"Năm", "2024"},
		{"Phiên bản", version},
		{"Đăng bởi", env.Admin.FirstName, "10:10 15/01/2024"},
		{"Hạn ký", "", "15/02/2024 17:00"},
		{"Có hiệu lực", "", "15/01/2024 11:10"},
	}
	want[4][2] = "15/01/2024 10:10"
	for i, it := range items {
		want = append(want, []string{fmt.Sprintf("Cam kết %d", i+1), it})
	}
	want = append(want, nil, []string{"Đơn vị", "Người ký", "Ngày giờ ký"})
	for i, u := range env.Units {
		want = append(want, []string{u, env.People[i].FirstName, "15/01/2024 11:10"})
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("sheet rows:\n%q\nwant\n%q", rows, want)
	}
}

// Before every unit has signed, the sheet says who has not.
func TestPledgeSheetUnsigned(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	if r := env.Say(env.Admin, "/lang en"); !strings.Contains(r.Text, "English") {
		t.Fatalf("/lang en: %q", r.Text)
	}
	// The title on the command line, the commitments in the message it replies to.
	text := env.People[0].Send(env.Group, "1. Exceed the targets\n2. Award fairly")
	r := env.ReplyTo(env.Group, env.Admin.Reply(env.Group, text, "/pledge new Pledge 2024"))
	mustContain(t, "pledge from a reply", r.Text, "Pledge 2024", "1. Exceed the targets", "2. Award fairly", "Signed 0/7")
	if a := env.Press(env.People[3], r, "✍️ Sign"); !strings.Contains(a, "Signed for "+env.Units[3]) {
		t.Fatalf("sign: %q", a)
	}
	sheets, err := handlers.NewPledge(env.App.Store, nil).Sheets(context.Background(), export.Request{ChatID: env.Group.ID, Year: 2024, Lang: "en"})
	if err != nil || len(sheets) != 1 {
		t.Fatalf("sheets %v %v", sheets, err)
	}
	sh := sheets[0]
	if sh.Name != "Pledge" || sh.Headers[0] != "Item" {
		t.Fatalf("sheet %q %v", sh.Name, sh.Headers)
	}
	tail := sh.Rows[len(sh.Rows)-7:]
	for i, row := range tail {
		want := "not signed"
		if i == 3 {
			want = env.People[3].FirstName
		}
		if row[0] != env.Units[i] || row[1] != want {
			t.Errorf("row %d: %v", i, row)
		}
	}
}

// Seven units press Sign at the same moment (each press delivered with a second press of the
// same person right behind it), for five versions in a row, with a restart of the bot in
// between: every version gets exactly seven signatures and exactly one announcement.
func TestPledgeConcurrentPresses(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	ctx := context.Background()
	pd := env.Data.Pledge
	msg := env.Say(env.Admin, pledgeCommand("/giaouoc new", pd.Title, pd.Commitments))
	const versions = 5
	for rep := 0; rep < versions; rep++ {
		var wg sync.WaitGroup
		var mu sync.Mutex
		signedAnswers := 0
		for i, p := range env.People {
			for k := 0; k < 2; k++ {
				cb := p.Press(env.Group, msg, signVI)
				wg.Add(1)
				go func() {
					defer wg.Done()
					a, err := cb.Answer(testbot.Wait)
					if err != nil {
						t.Errorf("version %d, unit %d: %v", rep+1, i+1, err)
						return
					}
					mu.Lock()
					defer mu.Unlock()
					if strings.Contains(a.Text, "Đã ký cho") {
						signedAnswers++
					} else if !strings.Contains(a.Text, "rồi") {
						t.Errorf("version %d, unit %d: %q", rep+1, i+1, a.Text)
					}
				}()
			}
		}
		wg.Wait()
		if signedAnswers != 7 {
			t.Fatalf("version %d: %d presses signed", rep+1, signedAnswers)
		}
		env.WaitBot(func(m telegramsim.Message) bool {
			return m.ID == msg.ID && strings.Contains(m.Text, "Đã ký 7/7") && len(m.Buttons) == 0
		})
		if err := env.Sim.WaitFor(testbot.Wait, func() bool { return countBot(env, inForce) >= rep+1 }); err != nil {
			t.Fatalf("version %d: no announcement: %v", rep+1, err)
		}
		st, err := env.App.Store.PledgeStatus(ctx, env.Group.ID)
		if err != nil || len(st.Signed) != 7 || !st.InForce || st.Seq != rep+1 {
			t.Fatalf("version %d: status %+v %v", rep+1, st, err)
		}
		if rep == versions-1 {
			break
		}
		if rep == 1 {
			env.Restart()
		}
		cmd := env.Send(env.Group, env.Admin, pledgeCommand("/giaouoc amend", fmt.Sprintf("%s (lần %d)", pd.Title, rep+2), pd.Commitments))
		msg = env.WaitBot(func(m telegramsim.Message) bool {
			_, ok := m.Button(signVI)
			return m.ReplyTo == cmd.ID && ok
		})
	}
	// Let any late message arrive before counting: the history reply comes after them all.
	env.Say(env.Admin, "/giaouoc history")
	if n := countBot(env, inForce); n != versions {
		t.Fatalf("%d announcements for %d versions", n, versions)
	}
}

// A member reads the pledge and its history in their private chat with the bot, without the
// Sign button (signing is in the group); posting or amending there is refused.
func TestPledgeInPrivate(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	env.Say(env.Admin, pledgeCommand("/giaouoc new", "Giao ước thi đua năm 2024", []string{"Hoàn thành chỉ tiêu", "Khen thưởng đúng"}))
	p := env.People[1]
	priv := env.Sim.PrivateChat(p)
	r := env.SayIn(priv, p, "/giaouoc")
	if !strings.Contains(r.Text, "Giao ước thi đua năm 2024") || !strings.Contains(r.Text, "Hoàn thành chỉ tiêu") || len(r.Buttons) != 0 {
		t.Fatalf("/giaouoc in private: %q %v", r.Text, r.Buttons)
	}
	if r := env.SayIn(priv, p, "/giaouoc lichsu"); !strings.Contains(r.Text, "Giao ước thi đua năm 2024") {
		t.Fatalf("/giaouoc lichsu in private: %q", r.Text)
	}
	if r := env.SayIn(priv, p, "/giaouoc new Khác\n- Một"); !strings.Contains(r.Text, "dùng trong nhóm") {
		t.Fatalf("posting in private: %q", r.Text)
	}
}
