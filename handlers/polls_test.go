package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"thiduabot/internal/testbot"
	"thiduabot/store"
	"thiduabot/telegramsim"
)

// A quick poll: asked for with a prompt, 30 people press at once and the counts are exact,
// the message is edited no more often than the sender's limit; only the author or a manager
// closes it. A multiple-choice poll with a duration closes by itself.
func TestPollScenario(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	people := env.People

	if r := env.Say(people[0], "/thamdo Họp ngày nào? | Thứ Ba"); !strings.Contains(r.Text, "ít nhất 2 lựa chọn") {
		t.Fatalf("one option: %q", r.Text)
	}
	ask := env.Say(people[0], "/thamdo")
	if !ask.ForceReply || !strings.Contains(ask.Text, "mỗi lựa chọn một dòng") {
		t.Fatalf("/thamdo without arguments: %+v", ask)
	}
	reply := people[0].Reply(env.Group, ask, "Họp tổng kết ngày nào?\nThứ Ba 23/01\nThứ Năm 25/01")
	poll := env.ReplyTo(env.Group, reply)
	if !strings.Contains(poll.Text, "Họp tổng kết ngày nào?") || !strings.Contains(poll.Text, "Chọn một") || len(poll.Buttons) != 3 {
		t.Fatalf("poll:\n%s\n%v", poll.Text, poll.Buttons)
	}

	// 30 people (members or not) press at the same moment: 20 for Tuesday, 10 for Thursday.
	var crowd []*telegramsim.User
	for i := 0; i < 30; i++ {
		u := env.Sim.NewUser(fmt.Sprintf("Người %d", i+1), fmt.Sprintf("p%d", i+1), "vi")
		env.Group.Add(u, false)
		crowd = append(crowd, u)
	}
	start := time.Now()
	cbs := make([]*telegramsim.Callback, len(crowd))
	for i, u := range crowd {
		label := "Thứ Ba 23/01"
		if i%3 == 0 {
			label = "Thứ Năm 25/01"
		}
		cbs[i] = u.Press(env.Group, poll, label)
	}
	var wg sync.WaitGroup
	for i, cb := range cbs {
		wg.Add(1)
		go func(i int, cb *telegramsim.Callback) {
			defer wg.Done()
			ans, err := cb.Answer(testbot.Wait)
			if err != nil || !strings.Contains(ans.Text, "Bạn chọn:") {
				t.Errorf("press %d: %+v %v", i, ans, err)
			}
		}(i, cb)
	}
	wg.Wait()
	final := env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == poll.ID && strings.Contains(m.Text, "30 người đã bình chọn")
	})
	elapsed := time.Since(start)
	if !strings.Contains(final.Text, "Thứ Ba 23/01 — 20") || !strings.Contains(final.Text, "Thứ Năm 25/01 — 10") {
		t.Fatalf("counts:\n%s", final.Text)
	}
	if _, ok := final.Button("Thứ Ba 23/01 · 20"); !ok {
		t.Fatalf("live count on the button: %v", final.Buttons)
	}
	interval := env.App.Runtime.Sender().EditInterval
	edits := editsOf(env, poll.ID)
	if len(edits) >= 30 {
		t.Fatalf("%d edits for 30 presses: the edits are not debounced", len(edits))
	}
	checkEditSpacing(t, edits, interval)
	t.Logf("30 presses in %v: %d edits", elapsed, len(edits))

	// Changing and withdrawing a choice.
	if ans := env.Press(crowd[1], final, "Thứ Năm 25/01 · 10"); !strings.Contains(ans, "Thứ Năm 25/01") {
		t.Fatalf("move: %q", ans)
	}
	if ans := env.Press(crowd[1], final, "Thứ Năm 25/01 · 10"); !strings.Contains(ans, "Đã bỏ lựa chọn") {
		t.Fatalf("withdraw: %q", ans)
	}
	final = env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == poll.ID && strings.Contains(m.Text, "29 người đã bình chọn") && strings.Contains(m.Text, "Thứ Ba 23/01 — 19")
	})

	// Only the author or a manager closes it.
	if ans := env.PressAnswer(people[1], final, "🔒 Kết thúc thăm dò"); !ans.ShowAlert || !strings.Contains(ans.Text, "Chỉ người tạo") {
		t.Fatalf("close by someone else: %+v", ans)
	}
	env.Press(people[0], final, "🔒 Kết thúc thăm dò")
	env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == poll.ID && strings.Contains(m.Text, "Đã kết thúc") && len(m.Buttons) == 0
	})
	env.WaitBot(testbot.Containing("Họp tổng kết ngày nào?", "đã kết thúc", "Thứ Ba 23/01: 19", "Thứ Năm 25/01: 10", "29 người"))
	if ans := env.PressAnswer(crowd[2], final, "Thứ Ba 23/01 · 19"); !strings.Contains(ans.Text, "đã kết thúc") {
		t.Fatalf("press after close: %+v", ans)
	}

	// Several choices, two hours.
	poll2 := env.Say(people[2], "/thamdo nhieu 2h Ăn trưa món gì? | Phở | Bún | Cơm")
	if !strings.Contains(poll2.Text, "Chọn nhiều") || !strings.Contains(poll2.Text, "kết thúc lúc 11:00 15/01/2024") {
		t.Fatalf("multi poll:\n%s", poll2.Text)
	}
	env.Press(people[3], poll2, "Phở")
	if ans := env.Press(people[3], poll2, "Cơm"); !strings.Contains(ans, "Phở, Cơm") {
		t.Fatalf("two choices: %q", ans)
	}
	if ans := env.Press(people[3], poll2, "Phở"); !strings.Contains(ans, "Bạn chọn: Cơm") {
		t.Fatalf("toggle: %q", ans)
	}
	env.Press(people[4], poll2, "Cơm")
	env.Advance(2 * time.Hour)
	env.WaitBot(testbot.Containing("Ăn trưa món gì?", "đã kết thúc", "Cơm: 2", "Phở: 0", "2 người"))
	env.WaitBot(func(m telegramsim.Message) bool { return m.ID == poll2.ID && len(m.Buttons) == 0 })
}

func editsOf(env *testbot.Env, msg int) []telegramsim.Call {
	var edits []telegramsim.Call
	for _, c := range env.Sim.Calls("editMessageText") {
		if c.MessageID == msg && c.OK {
			edits = append(edits, c)
		}
	}
	return edits
}

// checkEditSpacing checks that a message's edits are at least the sender's interval apart.
//
// checkEditSpacing fails when two edits of the message came closer than the interval.
func checkEditSpacing(t *testing.T, edits []telegramsim.Call, interval time.Duration) {
	t.Helper()
	for i := 1; i < len(edits); i++ {
		if gap := edits[i].Time.Sub(edits[i-1].Time); gap < interval*9/10 {
			t.Fatalf("edits %d and %d of the message are only %v apart (limit %v)", i-1, i, gap, interval)
		}
	}
}

// Votes per second of a poll through the simulator: 30 people press at once, repeatedly.
func BenchmarkPollPressesThroughSimulator(b *testing.B) {
	env := testbot.New(b)
	env.SetupBloc()
	poll := env.Say(env.People[0], "/thamdo Q | A | B | C")
	var crowd []*telegramsim.User
	for i := 0; i < 30; i++ {
		u := env.Sim.NewUser(fmt.Sprintf("P%d", i), fmt.Sprintf("bp%d", i), "vi")
		env.Group.Add(u, false)
		crowd = append(crowd, u)
	}
	data := make([]string, 3)
	for i, label := range []string{"A", "B", "C"} {
		bt, _ := poll.Button(label)
		data[i] = bt.Data
	}
	b.ResetTimer()
	start := time.Now()
	per := (b.N + len(crowd) - 1) / len(crowd)
	var wg sync.WaitGroup
	for i, u := range crowd {
		wg.Add(1)
		go func(i int, u *telegramsim.User) {
			defer wg.Done()
			for k := 0; k < per; k++ {
				if _, err := u.PressData(env.Group, poll, data[(i+k)%3]).Answer(testbot.Wait); err != nil {
					b.Error(err)
					return
				}
			}
		}(i, u)
	}
	wg.Wait()
	b.ReportMetric(float64(per*len(crowd))/time.Since(start).Seconds(), "presses/s")
}

// With several replicas, a poll's message shows every replica's presses: a redraw waiting its
// turn is drawn from the counts when it goes out.
func TestPollRedrawShowsOtherReplicasPresses(t *testing.T) {
	env := testbot.New(t, testbot.WithEditInterval(4*time.Second))
	env.SetupBloc()
	poll := env.Say(env.People[0], "/thamdo Họp ngày nào? | Thứ Ba | Thứ Năm")
	env.Press(env.People[0], poll, "Thứ Ba")
	env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == poll.ID && strings.Contains(m.Text, "1 người đã bình chọn")
	})
	env.Press(env.People[1], poll, "Thứ Năm") // its redraw waits its turn...
	// ...while another replica records a third press (straight through the store).
	ctx := context.Background()
	ps, err := env.App.Store.PollVote(ctx, env.Group.ID, store.Op{UpdateID: 1 << 40, Actor: env.People[2].ID}, "1", 0)
	if err != nil || ps.Voters != 3 {
		t.Fatalf("the other replica's press: %+v %v", ps, err)
	}
	env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == poll.ID && strings.Contains(m.Text, "3 người đã bình chọn")
	})
}
