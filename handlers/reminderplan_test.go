package handlers_test

import (
	"strings"
	"testing"
	"time"

	"thiduabot/internal/testbot"
)

// A bloc sets its own reminder plan: members see it, only managers change it, a bad one is
// explained, new deadlines take it, and an upcoming deadline set before the change reminds at
// the new offsets only (its reminders at the old ones are dropped when they come due).
func TestBlocReminderPlan(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	env.Clock.Set(ictTime(1, 6, 9, 0))

	r := env.Say(env.People[3], "/lichnhac")
	dlMust(t, "/lichnhac", r.Text, "(mặc định)", "7, 3, 1 ngày trước, lúc 08:00; 2 giờ trước", "/lichnhac 5 2 07:30 3h")
	r = env.Say(env.Admin, "/hanchot 15/06 17:00 Nộp báo cáo sơ kết")
	dlMust(t, "/hanchot", r.Text, "08:00 08/06, 08:00 12/06, 08:00 14/06, 15:00 15/06")

	r = env.Say(env.People[3], "/lichnhac 1")
	if strings.Contains(r.Text, "Từ nay") {
		t.Fatalf("a member changed the plan: %q", r.Text)
	}
	r = env.Say(env.Admin, "/lichnhac 3 tuần")
	dlMust(t, "bad plan", r.Text, "Không đọc được lịch nhắc", "/lichnhac 5 2 07:30 3h")
	r = env.Say(env.Admin, "/lichnhac 5 ngày, 2 ngày lúc 07:30, 3 giờ")
	dlMust(t, "/lichnhac set", r.Text, "5, 2 ngày trước, lúc 07:30; 3 giờ trước", "1 hạn chót sắp tới")
	r = env.Say(env.People[3], "/lichnhac")
	dlMust(t, "/lichnhac after", r.Text, "5, 2 ngày trước, lúc 07:30; 3 giờ trước")
	if strings.Contains(r.Text, "mặc định)") {
		t.Fatalf("the bloc's own plan shown as the default: %q", r.Text)
	}
	r = env.Say(env.Admin, "/hanchot 20/06 17:00 Họp khối")
	dlMust(t, "/hanchot after", r.Text, "07:30 15/06, 07:30 18/06, 14:00 20/06")

	for _, at := range []time.Time{
		ictTime(8, 6, 8, 0), ictTime(10, 6, 7, 30), ictTime(12, 6, 8, 0), ictTime(13, 6, 7, 30),
		ictTime(14, 6, 8, 0), ictTime(15, 6, 7, 30), ictTime(15, 6, 14, 0), ictTime(15, 6, 15, 0), ictTime(15, 6, 17, 0),
	} {
		dlAt(env, at)
	}
	settle(t, env)
	if n := dlCount(env, "Nhắc hạn chót #1"); n != 3 {
		t.Fatalf("%d reminders of #1, want 3 (5 and 2 days before, 3 hours before)\n%s", n, env.Transcript(env.Group))
	}
	for _, want := range []string{"còn 5 ngày", "còn 2 ngày", "còn 3 giờ"} {
		if n := dlCount(env, "Nhắc hạn chót #1", want); n != 1 {
			t.Fatalf("%d reminders of #1 with %q, want 1\n%s", n, want, env.Transcript(env.Group))
		}
	}
	if n := dlCount(env, "Đã đến hạn #1"); n != 1 {
		t.Fatalf("%d summaries of #1, want 1\n%s", n, env.Transcript(env.Group))
	}
	if n := dlCount(env, "Nhắc hạn chót #2", "còn 5 ngày"); n != 1 {
		t.Fatalf("the new deadline's first reminder: %d\n%s", n, env.Transcript(env.Group))
	}

	r = env.Say(env.Admin, "/lichnhac macdinh")
	dlMust(t, "/lichnhac macdinh", r.Text, "mặc định", "7, 3, 1 ngày trước, lúc 08:00; 2 giờ trước", "1 hạn chót sắp tới")
	r = env.Say(env.Admin, "/lichnhac tắt")
	dlMust(t, "/lichnhac tắt", r.Text, "không nhắc trước hạn")
}
