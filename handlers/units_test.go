package handlers_test

import (
	"strings"
	"testing"

	"thiduabot/internal/testbot"
	"thiduabot/telegramsim"
)

// A manager corrects a unit's name, removes a unit (after a confirmation; not while a ballot
// is open) and unlinks a person who left; the removed unit's reports keep its name, its person
// can no longer act for it, and the history records each change. Members cannot do any of it.
func TestManagingUnits(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	admin, units, people := env.Admin, env.Units, env.People

	// Renaming.
	if r := env.Say(admin, "/doitendonvi"); !strings.Contains(r.Text, "Cách dùng: <code>/doitendonvi") && !strings.Contains(r.Text, "Cách dùng: /doitendonvi") {
		t.Fatalf("usage: %q", r.Text)
	}
	if r := env.Say(people[1], "/doitendonvi cuc thue = Thuế tỉnh"); !strings.Contains(r.Text, "Chỉ quản trị viên") {
		t.Fatalf("a member renamed a unit: %q", r.Text)
	}
	if r := env.Say(admin, "/doitendonvi cuc thue = Thuế tỉnh Tây Ninh"); !strings.Contains(r.Text, "Đã đổi tên đơn vị "+units[0]+" thành Thuế tỉnh Tây Ninh") {
		t.Fatalf("rename: %q", r.Text)
	}
	if r := env.Say(admin, "/doitendonvi Thuế tỉnh → "+strings.ToUpper(units[2])); !strings.Contains(r.Text, "Đã có đơn vị tên") {
		t.Fatalf("a name another unit has: %q", r.Text)
	}
	if r := env.Say(people[0], "/donvi"); !strings.Contains(r.Text, "Thuế tỉnh Tây Ninh") || strings.Contains(r.Text, units[0]) {
		t.Fatalf("/donvi after the rename:\n%s", r.Text)
	}

	// The unit to remove reports first; its report keeps the unit's name afterwards.
	gone, goner := units[5], people[5]
	if r := env.Say(goner, "/baocao Tổ chức hội nghị thống kê toàn tỉnh #hoi_thi"); !strings.Contains(r.Text, "Đã ghi nhận thành tích") {
		t.Fatalf("report: %q", r.Text)
	}

	// Removing: a confirmation first; refused while a ballot is open.
	if r := env.Say(people[1], "/xoadonvi thong ke"); !strings.Contains(r.Text, "Chỉ quản trị viên") {
		t.Fatalf("a member removed a unit: %q", r.Text)
	}
	if r := env.Say(admin, "/xoadonvi cuc"); !strings.Contains(r.Text, "Có nhiều đơn vị khớp") {
		t.Fatalf("an ambiguous name: %q", r.Text)
	}
	ballot := env.Say(admin, "/baucu truong 2h")
	ask := env.Say(admin, "/xoadonvi thong ke")
	if !strings.Contains(ask.Text, "Xoá đơn vị "+gone+" khỏi khối?") || !strings.Contains(ask.Text, "1 người đại diện") {
		t.Fatalf("the confirmation: %q", ask.Text)
	}
	if ans := env.PressAnswer(people[1], ask, "🗑 Xoá đơn vị"); !ans.ShowAlert || !strings.Contains(ans.Text, "Chỉ quản trị viên") {
		t.Fatalf("a member pressed remove: %+v", ans)
	}
	if ans := env.PressAnswer(admin, ask, "🗑 Xoá đơn vị"); !ans.ShowAlert || !strings.Contains(ans.Text, "Đang có cuộc bầu mở") {
		t.Fatalf("removing while a ballot is open: %+v", ans)
	}
	env.Say(admin, "/dongphieu")
	_ = ballot
	keep := env.Say(admin, "/xoadonvi thong ke")
	if ans := env.Press(admin, keep, "Giữ lại"); !strings.Contains(ans, "Đã giữ lại") {
		t.Fatalf("keep: %q", ans)
	}
	ask = env.Say(admin, "/xoadonvi thong ke")
	if ans := env.Press(admin, ask, "🗑 Xoá đơn vị"); !strings.Contains(ans, "Đã xoá đơn vị") {
		t.Fatalf("remove: %q", ans)
	}
	env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == ask.ID && strings.Contains(m.Text, "Đã xoá đơn vị "+gone+" (1 người thôi đại diện). Khối còn 6 đơn vị.") && len(m.Buttons) == 0
	})
	if r := env.Say(people[0], "/donvi"); strings.Contains(r.Text, gone) || !strings.Contains(r.Text, "6 đơn vị") {
		t.Fatalf("/donvi after the removal:\n%s", r.Text)
	}
	if r := env.Say(goner, "/baocao Một thành tích nữa"); !strings.Contains(r.Text, "Bạn chưa đại diện đơn vị nào") {
		t.Fatalf("the removed unit's person reported: %q", r.Text)
	}
	if r := env.Say(people[0], "/thanhtich"); !strings.Contains(r.Text, gone) || !strings.Contains(r.Text, "hội nghị thống kê") {
		t.Fatalf("the removed unit's report lost its name:\n%s", r.Text)
	}
	next := env.Say(admin, "/baucu truong 2h")
	if hasUnitButton(next, gone) || !strings.Contains(next.Text, "0/6 đơn vị") {
		t.Fatalf("the removed unit is still on a new ballot:\n%s", next.Text)
	}
	env.Say(admin, "/dongphieu")

	// Unassigning a person who left their agency.
	said := people[1].Send(env.Group, "Tôi chuyển công tác từ tuần sau.")
	if r := env.ReplyTo(env.Group, people[2].Reply(env.Group, said, "/huyphancong")); !strings.Contains(r.Text, "Chỉ quản trị viên") {
		t.Fatalf("a member unassigned someone: %q", r.Text)
	}
	if r := env.ReplyTo(env.Group, admin.Reply(env.Group, said, "/huyphancong")); !strings.Contains(r.Text, "không còn đại diện cho "+units[1]+" (quản trị viên huỷ phân công)") {
		t.Fatalf("unassign: %q", r.Text)
	}
	if r := env.ReplyTo(env.Group, admin.Reply(env.Group, said, "/huyphancong")); !strings.Contains(r.Text, "chưa đại diện đơn vị nào") {
		t.Fatalf("unassign twice: %q", r.Text)
	}
	if r := env.Say(admin, "/huyphancong"); !strings.Contains(r.Text, "trả lời tin nhắn của người cần huỷ phân công") {
		t.Fatalf("unassign without a reply: %q", r.Text)
	}
	// Assigning again, by the unit's number in /donvi (the list has six units now).
	if r := env.ReplyTo(env.Group, admin.Reply(env.Group, said, "/phancong cuc")); !strings.Contains(r.Text, "Có nhiều đơn vị khớp") {
		t.Fatalf("an ambiguous assign: %q", r.Text)
	}
	if r := env.ReplyTo(env.Group, admin.Reply(env.Group, said, "/phancong 2")); !strings.Contains(r.Text, units[1]) {
		t.Fatalf("assign by number: %q", r.Text)
	}

	// The history records each change, by name.
	h := env.Say(people[0], "/lichsu 20")
	for _, want := range []string{"đổi tên đơn vị “" + units[0] + "” thành “Thuế tỉnh Tây Ninh”", "xoá đơn vị “" + gone + "” (1 người thôi đại diện)",
		"huỷ phân công", units[1]} {
		if !strings.Contains(h.Text, want) {
			t.Errorf("/lichsu misses %q:\n%s", want, h.Text)
		}
	}
	if r := env.Say(admin, "/lichsu kiemtra"); !strings.Contains(r.Text, "toàn vẹn") {
		t.Fatalf("the chain: %q", r.Text)
	}
}

// Removing a unit keeps the pledge's count to the units that remain: a removed unit's signature
// no longer counts, and removing the last unit not to sign puts the pledge in force, announced
// once. /summary keeps the removed unit's reports under its name, and next year's officers
// cannot be removed either.
func TestRemovingUnitsAndThePledge(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	admin, units, people := env.Admin, env.Units, env.People
	posted := env.Say(admin, pledgeCommand("/giaouoc new", "Giao ước thi đua năm 2024", []string{"Hoàn thành chỉ tiêu", "Khen thưởng đúng"}))
	env.Say(people[6], "/baocao Hội nghị tổng kết #hoi_thi")
	// Units 1 to 6 sign; the seventh never will (it was dissolved).
	for i := 0; i < 6; i++ {
		env.Press(people[i], posted, signVI)
	}
	env.WaitBot(func(m telegramsim.Message) bool { return m.ID == posted.ID && strings.Contains(m.Text, "Đã ký 6/7") })
	// Unit 6, which signed, is removed: the count is of the six that remain.
	ask := env.Say(admin, "/xoadonvi "+units[5])
	env.Press(admin, ask, "🗑 Xoá đơn vị")
	if r := env.Say(people[0], "/giaouoc"); !strings.Contains(r.Text, "Đã ký 5/6") {
		t.Fatalf("the pledge after removing a signer:\n%s", r.Text)
	}
	// The posted pledge is redrawn without the unit.
	env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == posted.ID && strings.Contains(m.Text, "Đã ký 5/6") && !strings.Contains(m.Text, units[5])
	})
	// A renamed unit is redrawn under its new name.
	env.Say(admin, "/doitendonvi "+units[0]+" = Thuế TN")
	env.WaitBot(func(m telegramsim.Message) bool {
		return m.ID == posted.ID && strings.Contains(m.Text, "Thuế TN") && !strings.Contains(m.Text, units[0])
	})
	// Unit 7, the last one not to sign, is removed: the pledge is in force.
	ask = env.Say(admin, "/xoadonvi "+units[6])
	env.Press(admin, ask, "🗑 Xoá đơn vị")
	env.WaitBot(testbot.Containing("Giao ước thi đua năm 2024 chính thức có hiệu lực", "Sau khi xoá đơn vị "+units[6], "5/5"))
	if n := countBot(env, "chính thức có hiệu lực"); n != 1 {
		t.Fatalf("the pledge came into force %d times", n)
	}
	if r := env.Say(people[0], "/tonghop"); !strings.Contains(r.Text, units[6]) {
		t.Fatalf("/tonghop lost the removed unit's report:\n%s", r.Text)
	}
	// Next year's chair cannot be removed.
	next := env.Say(admin, "/baucu truong nam 2025 2h")
	for i := 0; i < 4; i++ {
		env.Press(people[i], next, unitButton(t, next, units[4]))
	}
	env.Say(admin, "/dongphieu")
	ask = env.Say(admin, "/xoadonvi "+units[4])
	if ans := env.PressAnswer(admin, ask, "🗑 Xoá đơn vị"); !ans.ShowAlert || !strings.Contains(ans.Text, units[4]+" đang là Khối trưởng hoặc Khối phó năm nay (hoặc năm sau)") {
		t.Fatalf("removing next year's chair: %+v", ans)
	}
}

// A representative who leaves the group, or is removed from it, no longer represents their
// unit: the group is told (and told when the unit has no one left in it), they can neither
// report for it nor read the bloc in a private chat, and the history says so. Someone who
// represents nothing leaves unremarked.
func TestLeavingTheGroupUnlinks(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	admin, units, people := env.Admin, env.Units, env.People
	leaver := people[1]
	priv := env.Sim.PrivateChat(leaver)
	if r := env.SayIn(priv, leaver, "/donvi"); !strings.Contains(r.Text, units[1]) {
		t.Fatalf("/donvi in private before leaving: %q", r.Text)
	}
	// A second representative of units[2], so that unit keeps one when the first is removed.
	second := env.Sim.NewUser("Võ Thị Hạnh", "hanh_rep", "vi")
	env.Group.Add(second, false)
	env.Join(second, units[2])

	env.Group.Leave(leaver, nil)
	note := env.WaitBot(testbot.Containing("rời nhóm", units[1]))
	if !strings.Contains(note.Text, "không còn ai đại diện") {
		t.Fatalf("the unit left without anyone is not said: %q", note.Text)
	}
	env.Group.Leave(people[2], admin)
	note = env.WaitBot(testbot.Containing("bị mời khỏi nhóm", units[2]))
	if strings.Contains(note.Text, "không còn ai đại diện") {
		t.Fatalf("a unit with another representative is said to have none: %q", note.Text)
	}
	// Someone who represents nothing leaves; then a member speaks, and the next bot message
	// must be the answer to them, not a note about the guest.
	guest := env.Sim.NewUser("Khách", "guest", "vi")
	env.Group.Add(guest, false)
	env.Group.Leave(guest, nil)
	if r := env.Say(people[0], "/donvi"); strings.Contains(r.Text, "rời nhóm") {
		t.Fatalf("a guest's leaving was remarked on: %q", r.Text)
	}
	for _, m := range env.Group.Messages() {
		if m.FromBot && strings.Contains(m.Text, "Khách") {
			t.Fatalf("the bot remarked on a guest: %q", m.Text)
		}
	}

	if r := env.SayIn(priv, leaver, "/donvi"); !strings.Contains(r.Text, "dùng trong nhóm") {
		t.Fatalf("/donvi in private after leaving: %q", r.Text)
	}
	env.Group.Add(leaver, false) // back in the group, but not linked until they /join again
	if r := env.Say(leaver, "/baocao Một thành tích"); !strings.Contains(r.Text, "Bạn chưa đại diện đơn vị nào") {
		t.Fatalf("a person who left reported: %q", r.Text)
	}
	h := env.Say(admin, "/lichsu 5")
	if !strings.Contains(h.Text, "rời "+units[1]) || !strings.Contains(h.Text, "huỷ phân công "+people[2].FirstName) {
		t.Errorf("/lichsu does not record both unlinks:\n%s", h.Text)
	}
}

// Where the bot is an administrator it also learns of leavings from chat_member updates: in a
// group whose service messages about members are hidden (Telegram's larger groups) a leaving
// still unlinks, and where both come the group is told once.
func TestLeavingTheGroupWithoutServiceMessages(t *testing.T) {
	env := testbot.New(t)
	env.SetupBloc()
	units, people := env.Units, env.People
	env.Group.PromoteBot(env.Admin)
	env.Group.HideMemberMessages(true)
	env.Group.Leave(people[3], nil)
	env.WaitBot(testbot.Containing("rời nhóm", units[3]))

	env.Group.HideMemberMessages(false)
	env.Group.Leave(people[4], nil)
	env.WaitBot(testbot.Containing("rời nhóm", units[4]))
	env.Say(people[0], "/donvi") // handled after both of the leaving's updates
	n := 0
	for _, m := range env.Group.Messages() {
		if m.FromBot && strings.Contains(m.Text, "rời nhóm") && strings.Contains(m.Text, units[4]) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the group was told %d times of one leaving", n)
	}
	if r := env.SayIn(env.Sim.PrivateChat(people[3]), people[3], "/donvi"); !strings.Contains(r.Text, "dùng trong nhóm") {
		t.Fatalf("/donvi in private after leaving a large group: %q", r.Text)
	}
}
