package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/xuri/excelize/v2"

	"thiduabot/config"
	"thiduabot/internal/testbot"
	"thiduabot/store"
	"thiduabot/telegramsim"
)

// unitButton is the text of the button of a unit on a ballot (long names are shortened).
func unitButton(t testing.TB, m telegramsim.Message, unit string) string {
	t.Helper()
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Text == unit || strings.HasSuffix(b.Text, "…") && strings.HasPrefix(unit, strings.TrimSuffix(b.Text, "…")) {
				return b.Text
			}
		}
	}
	t.Fatalf("no button for %q on %q (%v)", unit, m.Text, m.Buttons)
	return ""
}

func hasUnitButton(m telegramsim.Message, unit string) bool {
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Text == unit || strings.HasSuffix(b.Text, "…") && strings.HasPrefix(unit, strings.TrimSuffix(b.Text, "…")) {
				return true
			}
		}
	}
	return false
}

var receiptRE = regexp.MustCompile(`[0-9a-f]{40}`)

// countBallotMsgs counts the bot's messages in the group that contain every part.
func countBallotMsgs(env *testbot.Env, parts ...string) int {
	n := 0
	for _, m := range env.Group.BotMessages() {
		if testbot.Containing(parts...)(m) {
			n++
		}
	}
	return n
}

// The seven Tây Ninh units elect a chair (one changes its vote, a person without a unit is
// refused), the result comes with its receipt, the deputy ballot leaves out the new chair, a
// forced tie makes a runoff and a handover, and a ballot left open closes at its deadline
// after a restart. Nobody ever sees a unit's choice in a secret ballot.
func TestElectionScenario(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	ctx := context.Background()
	units, people := env.Units, env.People
	const (
		thue, bhxh, haiquan, khobac, nganhang, thongke, qltt = 0, 1, 2, 3, 4, 5, 6
	)

	// Only managers open ballots.
	if r := env.Say(people[thue], "/baucu truong"); !strings.Contains(r.Text, "Chỉ quản trị viên") {
		t.Fatalf("a member opened a ballot: %q", r.Text)
	}
	if r := env.Say(env.Admin, "/baucu chutich"); !strings.Contains(r.Text, "Cách dùng") {
		t.Fatalf("bad position: %q", r.Text)
	}
	ballot := env.Say(env.Admin, "/baucu truong 17:00")
	for _, want := range []string{"Bầu Khối trưởng năm 2024", "bỏ phiếu kín", "quá bán", "ít nhất 4/7", "bầu lại ngay",
		"Hạn chót: 17:00 15/01/2024", "Đã bỏ phiếu: 0/7 đơn vị"} {
		if !strings.Contains(ballot.Text, want) {
			t.Fatalf("ballot misses %q:\n%s", want, ballot.Text)
		}
	}
	if len(ballot.Buttons) != 7 {
		t.Fatalf("ballot buttons: %v", ballot.Buttons)
	}
	if r := env.Say(env.Admin, "/baucu truong"); !strings.Contains(r.Text, "đang mở") {
		t.Fatalf("second chair ballot: %q", r.Text)
	}

	// A person without a unit is refused and nothing changes.
	guest := env.Sim.NewUser("Khách", "guest", "vi")
	env.Group.Add(guest, false)
	ans := env.PressAnswer(guest, ballot, unitButton(t, ballot, units[khobac]))
	if !ans.ShowAlert || !strings.Contains(ans.Text, "chưa đại diện đơn vị nào") {
		t.Fatalf("guest's press: %+v", ans)
	}

	// Votes: Kho bạc 4, Ngân hàng 2, Cục Thuế 1; BHXH first chooses Ngân hàng, then changes.
	choice := map[int]int{thue: khobac, bhxh: nganhang, haiquan: khobac, khobac: khobac, nganhang: nganhang, thongke: thue, qltt: khobac}
	for _, i := range []int{thue, bhxh, haiquan, khobac, nganhang, thongke, qltt} {
		ans := env.PressAnswer(people[i], ballot, unitButton(t, ballot, units[choice[i]]))
		if ans.ShowAlert || !strings.Contains(ans.Text, "Đã ghi nhận phiếu") || !strings.Contains(ans.Text, units[choice[i]]) {
			t.Fatalf("%s votes: %+v", units[i], ans)
		}
	}
	ans = env.PressAnswer(people[bhxh], ballot, unitButton(t, ballot, units[khobac]))
	if !strings.Contains(ans.Text, "Đã đổi phiếu") {
		t.Fatalf("change of vote: %+v", ans)
	}
	choice[bhxh] = khobac
	live := env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == ballot.ID && strings.Contains(m.Text, "Đã bỏ phiếu: 7/7 đơn vị")
	})
	if live.Edits > 8 {
		t.Errorf("the ballot was edited %d times for 8 votes", live.Edits)
	}
	status := env.Say(people[thongke], "/phieubau")
	if !strings.Contains(status.Text, "7/7") || !strings.Contains(status.Text, "Còn 8 giờ") || len(status.Buttons) != 7 {
		t.Fatalf("/phieubau:\n%s", status.Text)
	}

	// Closed by a manager: the result with its receipt; the ballot message shows it closed.
	result := env.Say(env.Admin, "/dongphieu")
	for _, want := range []string{"Kết quả bầu Khối trưởng năm 2024", "Tham gia: 7/7", units[khobac] + " — 5 phiếu",
		units[khobac] + " trúng cử Khối trưởng năm 2024 (5/7 phiếu)", "Mã xác nhận"} {
		if !strings.Contains(result.Text, want) {
			t.Fatalf("result misses %q:\n%s", want, result.Text)
		}
	}
	head, err := env.App.Store.AuditHead(ctx, env.Group.ID)
	if err != nil || receiptRE.FindString(result.Text) != head {
		t.Fatalf("receipt %q, audit head %q (%v)", receiptRE.FindString(result.Text), head, err)
	}
	env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == ballot.ID && strings.Contains(m.Text, "Đã đóng phiếu") && len(m.Buttons) == 0
	})
	if ans := env.PressAnswer(people[thue], ballot, unitButton(t, ballot, units[thue])); !strings.Contains(ans.Text, "đã đóng") {
		t.Fatalf("press after close: %+v", ans)
	}
	if r := env.Say(env.Admin, "/dongphieu"); !strings.Contains(r.Text, "không có cuộc bầu nào") {
		t.Fatalf("second /dongphieu: %q", r.Text)
	}
	if r := env.Say(people[thue], "/donvi"); !strings.Contains(r.Text, "Khối trưởng "+units[khobac]) {
		t.Fatalf("/donvi does not show the chair:\n%s", r.Text)
	}
	if r := env.Say(people[thue], "/lichsu 30"); !strings.Contains(r.Text, "trúng cử Khối trưởng") || !strings.Contains(r.Text, units[bhxh]+" bỏ phiếu") {
		t.Fatalf("/lichsu:\n%s", r.Text)
	}
	if r := env.Say(people[thue], "/lichsu kiemtra"); !strings.Contains(r.Text, "toàn vẹn") {
		t.Fatalf("/lichsu kiemtra: %q", r.Text)
	}
	assertNoChoiceShown(t, env, choice)

	// The deputy ballot leaves out the new chair; chosen by buttons.
	pick := env.Say(env.Admin, "/baucu")
	env.Press(env.Admin, pick, "☆ Bầu Khối phó")
	when := env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == pick.ID && strings.Contains(m.Text, "khi nào đóng phiếu")
	})
	env.Press(env.Admin, when, "Không hạn (đóng thủ công)")
	deputy := env.WaitBot(func(m telegramsim.Message) bool {
		return strings.Contains(m.Text, "Bầu Khối phó năm 2024") && len(m.Buttons) > 0
	})
	if len(deputy.Buttons) != 6 || hasUnitButton(deputy, units[khobac]) || !strings.Contains(deputy.Text, "Không có hạn chót") {
		t.Fatalf("deputy ballot:\n%s\n%v", deputy.Text, deputy.Buttons)
	}
	for i := range people {
		env.Press(people[i], deputy, unitButton(t, deputy, units[bhxh]))
	}
	result = env.Say(env.Admin, "/dongphieu")
	if !strings.Contains(result.Text, units[bhxh]+" trúng cử Khối phó năm 2024 (7/7 phiếu)") {
		t.Fatalf("deputy result:\n%s", result.Text)
	}
	if r := env.Say(people[thue], "/donvi"); !strings.Contains(r.Text, "Khối phó "+units[bhxh]) {
		t.Fatalf("/donvi does not show the deputy:\n%s", r.Text)
	}

	// A forced tie (3–3–1) opens a runoff at once; it elects a new chair: handover.
	ballot = env.Say(env.Admin, "/baucu truong")
	tie := map[int]int{thue: thue, bhxh: thue, haiquan: thue, khobac: khobac, nganhang: khobac, thongke: khobac, qltt: qltt}
	for i, c := range tie {
		env.Press(people[i], ballot, unitButton(t, ballot, units[c]))
	}
	result = env.Say(env.Admin, "/dongphieu")
	if !strings.Contains(result.Text, "Hòa phiếu giữa") || !strings.Contains(result.Text, "vòng 2") {
		t.Fatalf("tie result:\n%s", result.Text)
	}
	runoff := env.WaitBot(func(m telegramsim.Message) bool {
		return strings.Contains(m.Text, "vòng 2") && strings.Contains(m.Text, "Bầu lại") && len(m.Buttons) > 0
	})
	if len(runoff.Buttons) != 2 || !hasUnitButton(runoff, units[thue]) || !hasUnitButton(runoff, units[khobac]) {
		t.Fatalf("runoff ballot: %v", runoff.Buttons)
	}
	for i := range people {
		c := khobac
		if i < 4 {
			c = thue
		}
		env.Press(people[i], runoff, unitButton(t, runoff, units[c]))
	}
	result = env.Say(env.Admin, "/dongphieu")
	if !strings.Contains(result.Text, units[thue]+" trúng cử Khối trưởng") ||
		!strings.Contains(result.Text, "Bàn giao Khối trưởng: "+units[khobac]+" → "+units[thue]) {
		t.Fatalf("runoff result:\n%s", result.Text)
	}
	if n := countBallotMsgs(env, "Kết quả bầu Khối trưởng năm 2024", "— vòng 2"); n != 1 {
		t.Fatalf("the runoff result was announced %d times", n)
	}

	// An open ballot with a deadline; the bot is down at the deadline and closes it when back.
	ballot = env.Say(env.Admin, "/baucu pho congkhai 2h")
	if !strings.Contains(ballot.Text, "công khai") {
		t.Fatalf("open ballot:\n%s", ballot.Text)
	}
	for i := 0; i < 5; i++ {
		env.Press(people[i], ballot, unitButton(t, ballot, units[haiquan]))
	}
	env.StopBot()
	env.Clock.Advance(3 * time.Hour)
	env.StartBot()
	env.Kick()
	result = env.WaitBot(testbot.Containing("Kết quả bầu Khối phó năm 2024", "đến hạn chót"))
	if !strings.Contains(result.Text, units[haiquan]+" trúng cử Khối phó") || !strings.Contains(result.Text, "Phiếu bầu công khai") ||
		!strings.Contains(result.Text, units[thue]+" → "+units[haiquan]) || !strings.Contains(result.Text, "Bàn giao Khối phó: "+units[bhxh]+" → "+units[haiquan]) {
		t.Fatalf("deadline result:\n%s", result.Text)
	}
	if ans := env.PressAnswer(people[6], ballot, unitButton(t, ballot, units[qltt])); !strings.Contains(ans.Text, "đã đóng") {
		t.Fatalf("press after the deadline: %+v", ans)
	}
	if n := countBallotMsgs(env, "Kết quả bầu Khối phó năm 2024", "đến hạn chót"); n != 1 {
		t.Fatalf("the deadline result was announced %d times", n)
	}
	if _, _, err := env.App.Store.VerifyAudit(ctx, env.Group.ID); err != nil {
		t.Fatal(err)
	}

	// The ballot minutes in the /export workbook: one row per candidate of each closed ballot.
	x := env.Say(env.Admin, "/xuat 2024")
	if x.Document == nil || !strings.Contains(x.Text, "Biên bản kiểm phiếu (28 dòng)") {
		t.Fatalf("export: %q %+v", x.Text, x.Document)
	}
	f, err := excelize.OpenReader(bytes.NewReader(x.Document.Data))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("Biên bản kiểm phiếu")
	if err != nil || len(rows) != 29 {
		t.Fatalf("minutes: %d rows, %v", len(rows), err)
	}
	want := []string{"1", "Khối trưởng", "1", "Kín", "15/01/2024 09:00", "15/01/2024 09:00", "7", "7", "100", "Có",
		units[khobac], "5", "Trúng cử: " + units[khobac]}
	if got := rows[1][:len(want)]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("minutes row:\n got %q\nwant %q", got, want)
	}
	if rows[0][0] != "Cuộc bầu" || !receiptRE.MatchString(rows[1][14]) || !strings.Contains(rows[1][13], units[qltt]) {
		t.Fatalf("minutes: %q / %q", rows[0], rows[1])
	}
	if testing.Verbose() {
		t.Log(env.Transcript(env.Group))
	}
}

// A manager's /dongphieu and the deadline timer race: the ballot closes and is announced once.
func TestBallotCloseRace(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	ctx := context.Background()
	for round := 1; round <= 3; round++ {
		ballot := env.Say(env.Admin, "/baucu truong 1h")
		for i, p := range env.People {
			env.Press(p, ballot, unitButton(t, ballot, env.Units[i%2]))
		}
		env.Send(env.Group, env.Admin, "/dongphieu")
		env.Advance(time.Hour)
		timer := fmt.Sprintf("ballot.close:%d:%d", env.Group.ID, round)
		deadline := time.Now().Add(testbot.Wait)
		for {
			fired, err := env.App.Timers.Fired(ctx, env.Group.ID, timer)
			if err != nil {
				t.Fatal(err)
			}
			_, pending, _ := env.App.Timers.Get(ctx, env.Group.ID, timer)
			if fired || !pending {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("timer %s neither fired nor cancelled", timer)
			}
			time.Sleep(5 * time.Millisecond) // polling a condition
		}
		// Everything sent before this reply is in the chat when it arrives.
		env.Say(env.People[0], "/phieubau")
		title := fmt.Sprintf("Kết quả bầu Khối trưởng năm 2024 (cuộc bầu số %d)", round)
		if n := countBallotMsgs(env, title); n != 1 {
			t.Fatalf("round %d: announced %d times\n%s", round, n, env.Transcript(env.Group))
		}
	}
}

// In English: /elect with buttons and a typed deadline (a bad one first), an open ballot
// without quorum, /ballot, and the bloc's rules.
func TestBallotEnglishPromptAndRules(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	env.Say(env.Admin, "/lang en")
	pick := env.Say(env.Admin, "/elect")
	env.Press(env.Admin, pick, "⭐ Elect the chair")
	when := env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == pick.ID && strings.Contains(m.Text, "when does voting close")
	})
	env.Press(env.Admin, when, "Another deadline…")
	ask := env.WaitBot(func(m telegramsim.Message) bool { return m.ForceReply && strings.Contains(m.Text, "Type the deadline") })
	if r := env.ReplyTo(env.Group, env.Admin.Reply(env.Group, ask, "tomorrow")); !strings.Contains(r.Text, "could not read the deadline") {
		t.Fatalf("bad deadline: %q", r.Text)
	}
	ballot := env.ReplyTo(env.Group, env.Admin.Reply(env.Group, ask, "open 18:00"))
	for _, want := range []string{"Election of the bloc chair for 2024", "open — the result lists", "Deadline: 18:00 15/01/2024", "Voted: 0 of 7 units"} {
		if !strings.Contains(ballot.Text, want) {
			t.Fatalf("ballot misses %q:\n%s", want, ballot.Text)
		}
	}
	if ans := env.Press(env.People[0], ballot, unitButton(t, ballot, env.Units[3])); !strings.Contains(ans, "Recorded: "+env.Units[0]+" → "+env.Units[3]) {
		t.Fatalf("vote: %q", ans)
	}
	status := env.Say(env.People[1], "/ballot")
	if !strings.Contains(status.Text, "Voted: 1 of 7 units") || !strings.Contains(status.Text, "Still to vote: "+env.Units[1]) ||
		!strings.Contains(status.Text, "9 h left (closes at 18:00 15/01/2024)") {
		t.Fatalf("/ballot:\n%s", status.Text)
	}
	result := env.Say(env.Admin, "/closevote")
	for _, want := range []string{"Result: bloc chair for 2024", "Turnout: 1 of 7 units (needed 4) — quorum not met", "Too few units voted",
		"Open ballot", env.Units[0] + " → " + env.Units[3]} {
		if !strings.Contains(result.Text, want) {
			t.Fatalf("result misses %q:\n%s", want, result.Text)
		}
	}
	if r := env.Say(env.People[0], "/ballotrules quorum 10%"); !strings.Contains(r.Text, "Only group admins") {
		t.Fatalf("a member changed the rules: %q", r.Text)
	}
	r := env.Say(env.Admin, "/ballotrules quorum 10%")
	if !strings.Contains(r.Text, "Ballot rules saved") || !strings.Contains(r.Text, "more than 1/10 of the units vote (now 1 of 7)") {
		t.Fatalf("quorum: %q", r.Text)
	}
	r = env.Say(env.Admin, "/ballotrules self no")
	if !strings.Contains(r.Text, "may not vote for itself") {
		t.Fatalf("self: %q", r.Text)
	}
	ballot = env.Say(env.Admin, "/elect chair")
	if ans := env.PressAnswer(env.People[2], ballot, unitButton(t, ballot, env.Units[2])); !ans.ShowAlert || !strings.Contains(ans.Text, "may not vote for itself") {
		t.Fatalf("self vote: %+v", ans)
	}
	env.Press(env.People[2], ballot, unitButton(t, ballot, env.Units[5]))
	result = env.Say(env.Admin, "/closevote chair")
	if !strings.Contains(result.Text, env.Units[5]+" is elected bloc chair for 2024 (1 of 1 votes)") {
		t.Fatalf("result with a 1/10 quorum:\n%s", result.Text)
	}
	if r := env.Say(env.People[0], "/history"); !strings.Contains(r.Text, "ballot rules changed") || !strings.Contains(r.Text, "elected chair") {
		t.Fatalf("/history:\n%s", r.Text)
	}
}

// assertNoChoiceShown checks that no bot message in the group pairs a unit with its choice.
func assertNoChoiceShown(t *testing.T, env *testbot.Env, choice map[int]int) {
	t.Helper()
	for _, m := range env.Group.BotMessages() {
		for u, c := range choice {
			if strings.Contains(m.Text, env.Units[u]+" → "+env.Units[c]) {
				t.Fatalf("a secret choice is shown: %s → %s in\n%s", env.Units[u], env.Units[c], m.Text)
			}
		}
		if strings.Contains(m.Text, "Phiếu bầu công khai") {
			t.Fatalf("a secret ballot listed choices:\n%s", m.Text)
		}
	}
}

// Votes per second through the simulator: the seven representatives press at once, again
// and again (each press waits for its answer).
func BenchmarkVotesThroughSimulator(b *testing.B) {
	env := testbot.New(b)
	env.SetupBloc()
	ballot := env.Say(env.Admin, "/baucu truong")
	labels := make([]string, len(env.Units))
	for i, u := range env.Units {
		labels[i] = unitButton(b, ballot, u)
	}
	hook := &redisCalls{}
	env.App.Redis.AddHook(hook)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	per := (b.N + len(env.People) - 1) / len(env.People)
	for i, p := range env.People {
		wg.Add(1)
		go func(i int, p *telegramsim.User) {
			defer wg.Done()
			for k := 0; k < per; k++ {
				ans, err := p.Press(env.Group, ballot, labels[(i+k)%len(labels)]).Answer(testbot.Wait)
				if err != nil || ans.ShowAlert {
					b.Errorf("press: %+v %v", ans, err)
					return
				}
			}
		}(i, p)
	}
	wg.Wait()
	b.ReportMetric(float64(per*len(env.People))/time.Since(start).Seconds(), "votes/s")
	// Everything the running bot sent to Redis meanwhile (the vote script, and the runtime's
	// own work: update claims, offsets, the send limiter, timer scans), per vote.
	b.ReportMetric(float64(hook.n.Load())/float64(per*len(env.People)), "bot-redis-calls/vote")
}

// redisCalls counts the commands and pipelines a client sends.
type redisCalls struct{ n atomic.Int64 }

func (h *redisCalls) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *redisCalls) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}
func (h *redisCalls) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}

// A unit changing its vote changes nothing the ballot message shows (which units voted), so
// the message is not edited for it; pressing the same choice again redraws it (the repair of
// a lost redraw), a copy pressed elsewhere (a /phieubau reply) is still brought up to date,
// and a new unit's vote redraws the ballot.
func TestChangedVoteIsNotRedrawn(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	units, people := env.Units, env.People
	ballot := env.Say(env.Admin, "/baucu truong 17:00")
	edits := func(id int) int {
		n := 0
		for _, c := range env.Sim.Calls("editMessageText") {
			if c.MessageID == id {
				n++
			}
		}
		return n
	}
	// settled waits until the bot has handled everything said so far in the group (a chat's
	// updates are handled in order, so the reply to a later command comes after the press's
	// handler queued its redraw) and has sent every queued edit.
	settled := func() {
		t.Helper()
		if r := env.Say(people[6], "/phieubau"); !strings.Contains(r.Text, "Bầu Khối trưởng") {
			t.Fatalf("/phieubau: %q", r.Text)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := env.App.Runtime.Sender().Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if ans := env.PressAnswer(people[0], ballot, unitButton(t, ballot, units[3])); !strings.Contains(ans.Text, "Đã ghi nhận phiếu") {
		t.Fatalf("first vote: %+v", ans)
	}
	env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == ballot.ID && strings.Contains(m.Text, "Đã bỏ phiếu: 1/7")
	})
	settled()
	before := edits(ballot.ID)
	if ans := env.PressAnswer(people[0], ballot, unitButton(t, ballot, units[4])); !strings.Contains(ans.Text, "Đã đổi phiếu") {
		t.Fatalf("changed vote: %+v", ans)
	}
	settled()
	if n := edits(ballot.ID); n != before {
		t.Errorf("a changed vote edited the ballot message %d times", n-before)
	}
	if ans := env.PressAnswer(people[0], ballot, unitButton(t, ballot, units[4])); ans.ShowAlert {
		t.Fatalf("same vote: %+v", ans)
	}
	settled()
	if n := edits(ballot.ID); n != before+1 {
		t.Errorf("pressing the same choice again edited the ballot message %d times, want once", n-before)
	}

	// The /phieubau copy shows the turnout as it was drawn; a change of vote pressed on it
	// brings it up to date, and only it.
	status := env.Say(people[2], "/phieubau")
	if len(status.Buttons) != 7 {
		t.Fatalf("/phieubau:\n%s", status.Text)
	}
	if ans := env.PressAnswer(people[1], ballot, unitButton(t, ballot, units[5])); !strings.Contains(ans.Text, "Đã ghi nhận phiếu") {
		t.Fatalf("second unit's vote: %+v", ans)
	}
	env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == ballot.ID && strings.Contains(m.Text, "Đã bỏ phiếu: 2/7")
	})
	settled()
	before = edits(ballot.ID)
	if ans := env.PressAnswer(people[1], status, unitButton(t, status, units[6])); !strings.Contains(ans.Text, "Đã đổi phiếu") {
		t.Fatalf("change pressed on /phieubau: %+v", ans)
	}
	env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == status.ID && strings.Contains(m.Text, "Đã bỏ phiếu: 2/7")
	})
	settled()
	if n := edits(ballot.ID); n != before {
		t.Errorf("a change pressed on /phieubau edited the ballot message %d times", n-before)
	}
}

// A chair ballot waits for an open deputy ballot to close: a unit elected chair meanwhile
// would still be a deputy candidate, and could end up both.
func TestChairWaitsForTheDeputyBallot(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	deputy := env.Say(env.Admin, "/baucu pho 2h")
	if !hasUnitButton(deputy, env.Units[0]) {
		t.Fatalf("the deputy ballot: %q", deputy.Text)
	}
	if r := env.Say(env.Admin, "/baucu truong 2h"); !strings.Contains(r.Text, "Cuộc bầu Khối phó đang mở") || strings.Contains(r.Text, "Voted") {
		t.Fatalf("a chair ballot while the deputy's is open: %q", r.Text)
	}
	env.Say(env.Admin, "/lang en")
	if r := env.Say(env.Admin, "/elect chair 2h"); !strings.Contains(r.Text, "The deputy ballot is still open. Close it (/closevote deputy)") {
		t.Fatalf("in English: %q", r.Text)
	}
	if r := env.Say(env.Admin, "/closevote deputy"); !strings.Contains(r.Text, "Result: bloc deputy") {
		t.Fatalf("closing the deputy ballot: %q", r.Text)
	}
	if chair := env.Say(env.Admin, "/elect chair 2h"); !strings.Contains(chair.Text, "Election of the bloc chair") || !hasUnitButton(chair, env.Units[0]) {
		t.Fatalf("the chair ballot after the deputy's closed: %q", chair.Text)
	}
}

// The operator's ballot rules (the config's ballots:) are those of every bloc that has not set
// its own: printed on its ballots and /ballotrules, and applied when they close. A bloc's own
// rules still win.
func TestConfiguredBallotRules(t *testing.T) {
	env := testbot.New(t, testbot.WithConfig(func(c *config.Config) {
		c.Ballots = config.Ballots{Quorum: "two_thirds", Majority: "two_thirds", AllowSelfVote: false}
	}))
	env.SetupBloc()
	env.Say(env.Admin, "/lang en")
	if r := env.Say(env.People[0], "/ballotrules"); !strings.Contains(r.Text, "Valid when at least 2/3 of the units vote (now 5 of 7)") ||
		!strings.Contains(r.Text, "the most votes and at least 2/3 of the votes cast") || !strings.Contains(r.Text, "may not vote for itself") {
		t.Fatalf("/ballotrules with the operator's rules:\n%s", r.Text)
	}
	ballot := env.Say(env.Admin, "/elect chair 2h")
	if !strings.Contains(ballot.Text, "at least 2/3 of the units vote (at least 5/7)") || !strings.Contains(ballot.Text, "may not vote for itself") {
		t.Fatalf("the ballot's rules:\n%s", ballot.Text)
	}
	if ans := env.PressAnswer(env.People[2], ballot, unitButton(t, ballot, env.Units[2])); !ans.ShowAlert || !strings.Contains(ans.Text, "may not vote for itself") {
		t.Fatalf("a self vote: %+v", ans)
	}
	// Four of seven units vote: more than half, but not two thirds.
	for i := 0; i < 4; i++ {
		env.Press(env.People[i], ballot, unitButton(t, ballot, env.Units[5]))
	}
	if r := env.Say(env.Admin, "/closevote chair"); !strings.Contains(r.Text, "Turnout: 4 of 7 units (needed 5) — quorum not met") {
		t.Fatalf("the result under the operator's quorum:\n%s", r.Text)
	}
	// The bloc's own rules win over the operator's.
	if r := env.Say(env.Admin, "/ballotrules quorum half"); !strings.Contains(r.Text, "more than half of the units vote (now 4 of 7)") ||
		!strings.Contains(r.Text, "at least 2/3 of the votes cast") {
		t.Fatalf("a bloc's own quorum:\n%s", r.Text)
	}
	ballot = env.Say(env.Admin, "/elect chair 2h")
	for i := 0; i < 4; i++ {
		env.Press(env.People[i], ballot, unitButton(t, ballot, env.Units[5]))
	}
	if r := env.Say(env.Admin, "/closevote chair"); !strings.Contains(r.Text, env.Units[5]+" is elected bloc chair for 2024") {
		t.Fatalf("the result under the bloc's quorum:\n%s", r.Text)
	}
}

// A year-end conference elects next year's chair and deputy: the ballot says the year, /units
// shows the result beside this year's officers, next year's deputy ballot leaves out next
// year's chair, and a year further off is refused.
func TestElectingNextYear(t *testing.T) {
	env := testbot.New(t) // 15/01/2024
	env.SetupBloc()
	if r := env.Say(env.Admin, "/baucu truong nam 2026 2h"); !strings.Contains(r.Text, "năm nay (2024) hoặc năm sau (2025)") {
		t.Fatalf("a year further off: %q", r.Text)
	}
	ballot := env.Say(env.Admin, "/baucu truong nam 2025 2h")
	if !strings.Contains(ballot.Text, "Bầu Khối trưởng năm 2025") {
		t.Fatalf("next year's ballot: %q", ballot.Text)
	}
	for i := 0; i < 5; i++ {
		env.Press(env.People[i], ballot, unitButton(t, ballot, env.Units[6]))
	}
	if r := env.Say(env.Admin, "/dongphieu"); !strings.Contains(r.Text, env.Units[6]) || !strings.Contains(r.Text, "2025") {
		t.Fatalf("the result: %q", r.Text)
	}
	units := env.Say(env.People[0], "/donvi")
	if !strings.Contains(units.Text, "Năm 2024: Khối trưởng chưa bầu") || !strings.Contains(units.Text, "Năm 2025: Khối trưởng "+env.Units[6]+"; Khối phó chưa bầu") {
		t.Fatalf("/donvi:\n%s", units.Text)
	}
	deputy := env.Say(env.Admin, "/baucu pho nam 2025 2h")
	if hasUnitButton(deputy, env.Units[6]) || !strings.Contains(deputy.Text, "Bầu Khối phó năm 2025") {
		t.Fatalf("next year's deputy ballot keeps next year's chair:\n%s", deputy.Text)
	}
	// This year's deputy ballot does not leave out next year's chair.
	env.Say(env.Admin, "/dongphieu")
	now := env.Say(env.Admin, "/baucu pho 2h")
	if !hasUnitButton(now, env.Units[6]) || !strings.Contains(now.Text, "năm 2024") {
		t.Fatalf("this year's deputy ballot:\n%s", now.Text)
	}
}

// A bloc sets how many rounds a ballot may take: with one, a tie ends the ballot undecided
// instead of opening a runoff; the ballot prints it; an impossible number is refused.
func TestBallotRounds(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	env.Say(env.Admin, "/lang en")
	if r := env.Say(env.Admin, "/ballotrules rounds 11"); !strings.Contains(r.Text, "from 1 to 10") {
		t.Fatalf("11 rounds: %q", r.Text)
	}
	if r := env.Say(env.Admin, "/ballotrules rounds 1"); !strings.Contains(r.Text, "Ballot rules saved") || !strings.Contains(r.Text, "at most 1 round(s) in all") {
		t.Fatalf("1 round: %q", r.Text)
	}
	ballot := env.Say(env.Admin, "/elect chair 2h")
	if !strings.Contains(ballot.Text, "at most 1 round(s) in all") {
		t.Fatalf("the ballot's rules:\n%s", ballot.Text)
	}
	// A tie: two units for unit 1, two for unit 2.
	for i, c := range []int{0, 0, 1, 1} {
		env.Press(env.People[i+2], ballot, unitButton(t, ballot, env.Units[c]))
	}
	r := env.Say(env.Admin, "/closevote")
	if !strings.Contains(r.Text, "After 1 round(s) no unit has a majority") || strings.Contains(r.Text, "Runoff") {
		t.Fatalf("a runoff after the last round:\n%s", r.Text)
	}
}

// With several replicas, a ballot's message shows every replica's votes: a redraw waiting its
// turn is drawn from who has voted when it goes out, not from the vote that queued it.
func TestBallotRedrawShowsOtherReplicasVotes(t *testing.T) {
	env := testbot.New(t, testbot.WithEditInterval(4*time.Second))
	env.SetupBloc()
	ballot := env.Say(env.Admin, "/baucu truong 2h")
	env.Press(env.People[0], ballot, unitButton(t, ballot, env.Units[3]))
	env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == ballot.ID && strings.Contains(m.Text, "Đã bỏ phiếu: 1/7")
	})
	// The next vote's redraw waits its turn (the edit interval)...
	env.Press(env.People[1], ballot, unitButton(t, ballot, env.Units[3]))
	// ...while another replica records a third unit's vote (straight through the store: that
	// replica's own redraw is not in this process).
	ctx := context.Background()
	open, err := env.App.Store.OpenBallots(ctx, env.Group.ID)
	if err != nil || len(open) != 1 {
		t.Fatalf("open ballots: %v %v", open, err)
	}
	if _, err := env.App.Store.Vote(ctx, env.Group.ID, store.Op{UpdateID: 1 << 40, Actor: env.People[2].ID}, open[0].Card.ID, 4); err != nil {
		t.Fatal(err)
	}
	env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == ballot.ID && strings.Contains(m.Text, "Đã bỏ phiếu: 3/7")
	})
}

// A member reads an open ballot's turnout in their private chat, without vote buttons (votes
// are cast in the group).
func TestBallotInPrivate(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	ballot := env.Say(env.Admin, "/baucu truong 2h")
	env.Press(env.People[0], ballot, unitButton(t, ballot, env.Units[3]))
	p := env.People[1]
	r := env.SayIn(env.Sim.PrivateChat(p), p, "/phieubau")
	if !strings.Contains(r.Text, "Đã bỏ phiếu: 1/7") || !strings.Contains(r.Text, "trong nhóm của khối") || len(r.Buttons) != 0 {
		t.Fatalf("/phieubau in private: %q %v", r.Text, r.Buttons)
	}
}

// A button's answer is plain text: a unit whose name holds "&" is shown with it, not with
// the HTML entity the group messages use.
func TestAnswersArePlainText(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	units, people := env.Units, env.People
	if r := env.Say(env.Admin, "/doitendonvi "+units[3]+" = Văn hóa & Thể thao"); !strings.Contains(r.Text, "thành Văn hóa & Thể thao") {
		t.Fatalf("rename: %q", r.Text)
	}
	ballot := env.Say(env.Admin, "/baucu truong 17:00")
	ans := env.PressAnswer(people[0], ballot, unitButton(t, ballot, "Văn hóa & Thể thao"))
	if !strings.Contains(ans.Text, "→ Văn hóa & Thể thao.") || strings.Contains(ans.Text, "&amp;") {
		t.Fatalf("the vote's answer: %q", ans.Text)
	}
}
