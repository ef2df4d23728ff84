package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"thiduabot/domain"
	"thiduabot/rkeys"
)

// auditBloc is a bloc with members, reports (one undone) and a poll: every kind of entry.
func auditBloc(t *testing.T) (*Store, []domain.Person) {
	t.Helper()
	s, clk := newStore(t)
	ctx := context.Background()
	setupBloc(t, s)
	ps := reporters(t, s)
	for i := 0; i < 4; i++ {
		report(t, s, int64(300+i), ps[i], i+1, fmt.Sprintf("Báo cáo %d của đơn vị #an_sinh", i))
		clk.Advance(time.Minute)
	}
	if _, _, err := s.UndoReport(ctx, chat, Op{UpdateID: 310, Actor: ps[1].ID}, 2, 2, false); err != nil {
		t.Fatal(err)
	}
	card, _, err := s.OpenPoll(ctx, chat, Op{UpdateID: 311, Actor: ps[0].ID}, domain.PollSpec{Question: "Họp?", Options: []string{"Có", "Không"}}, ps[0], "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClosePoll(ctx, chat, Op{UpdateID: 312, Actor: ps[0].ID}, card.ID, false, "manual"); err != nil {
		t.Fatal(err)
	}
	return s, ps
}

// An entry keeps 8 hex digits of its hash and a compact body; the newest one read with the
// head has the head in full; reports' entries read as before (kind, time, reporter, data).
func TestAuditEntries(t *testing.T) {
	s, ps := auditBloc(t)
	ctx := context.Background()
	ck := rkeys.ForChat(chat)
	lines, _ := s.rdb.LRange(ctx, ck.Audit(), 0, -1).Result()
	head, _ := s.AuditHead(ctx, chat)
	for _, l := range lines {
		h, body, _ := strings.Cut(l, " ")
		if len(h) != 8 || strings.Contains(body, head[:8]) {
			t.Fatalf("entry %q", l)
		}
	}
	if want := "@3"; !strings.HasSuffix(lines[len(lines)-5], want) {
		t.Fatalf("report 3's entry is %q, want a reference %q", lines[len(lines)-5], want)
	}
	entries, err := s.RecentAudit(ctx, chat, 7)
	if err != nil {
		t.Fatal(err)
	}
	kinds := []string{"poll.close", "poll.open", "ach.undo", "ach.report", "ach.report", "ach.report", "ach.report"}
	for i, e := range entries {
		if e.Kind != kinds[i] || e.Seq != int64(len(lines)-i) {
			t.Fatalf("entry %d: %+v", i, e)
		}
	}
	if entries[0].Hash != head || len(entries[1].Hash) != 8 || !strings.HasPrefix(head, strings.Fields(lines[len(lines)-1])[0]) {
		t.Fatalf("hashes: %q %q (head %q)", entries[0].Hash, entries[1].Hash, head)
	}
	r := entries[5] // report 2, undone since: still its entry
	if r.Actor != ps[1].ID || fmt.Sprint(r.Data["id"]) != "2" || fmt.Sprint(r.Data["unit"]) != "2" ||
		fmt.Sprint(r.Data["c"]) != "[an_sinh]" || r.At.IsZero() {
		t.Fatalf("report entry: %+v", r)
	}
	if n, h, err := s.VerifyAudit(ctx, chat); err != nil || n != len(lines) || h != head {
		t.Fatalf("verify: %d %q %v", n, h, err)
	}
}

// VerifyAudit finds a changed entry, a removed or inserted one, a changed or removed report
// (the chain covers the records its entries refer to), and a head that is not the chain's;
// it names the first entry that does not match.
func TestAuditVerifyFindsTampering(t *testing.T) {
	s, _ := auditBloc(t)
	ctx := context.Background()
	ck := rkeys.ForChat(chat)
	lines, _ := s.rdb.LRange(ctx, ck.Audit(), 0, -1).Result()
	reports, _ := s.rdb.LRange(ctx, ck.Achievements(), 0, -1).Result()
	head, _ := s.AuditHead(ctx, chat)
	restore := func() {
		t.Helper()
		pipe := s.rdb.TxPipeline()
		pipe.Del(ctx, ck.Audit(), ck.Achievements())
		pipe.RPush(ctx, ck.Audit(), toAny(lines)...)
		pipe.RPush(ctx, ck.Achievements(), toAny(reports)...)
		pipe.HSet(ctx, ck.Bloc(), "audit_head", head)
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.VerifyAudit(ctx, chat); err != nil {
			t.Fatalf("restored: %v", err)
		}
	}
	refOf := func(id int) int { // the position (from 1) of report id's entry
		for i, l := range lines {
			if strings.HasSuffix(l, " @"+strconv.Itoa(id)) {
				return i + 1
			}
		}
		t.Fatalf("no entry of report %d", id)
		return 0
	}
	expect := func(what, want string) {
		t.Helper()
		_, _, err := s.VerifyAudit(ctx, chat)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: %v, want an error with %q", what, err, want)
		}
		restore()
	}
	restore()
	// An entry's data changed (a unit's name in unit.add), its hash prefix kept.
	s.rdb.LSet(ctx, ck.Audit(), 1, strings.Replace(lines[1], "Thuế", "Thue", 1))
	expect("changed entry", "audit entry 2 does not match")
	// An entry's time changed.
	s.rdb.LSet(ctx, ck.Audit(), 4, strings.Replace(lines[4], " 17", " 18", 1))
	expect("changed time", "audit entry 5 does not match")
	// An entry removed: the next one no longer follows.
	s.rdb.LRem(ctx, ck.Audit(), 1, lines[3])
	expect("removed entry", "audit entry 4 does not match")
	// An entry inserted (a copy of another).
	s.rdb.LInsertBefore(ctx, ck.Audit(), lines[6], lines[2])
	expect("inserted entry", "audit entry 7 does not match")
	// A report's text changed: its entry no longer matches.
	s.rdb.LSet(ctx, ck.Achievements(), 2, replaceLast(reports[2], "an_sinh", "an_xinh"))
	expect("changed report", fmt.Sprintf("audit entry %d does not match", refOf(3)))
	// An undone report's text changed: covered all the same.
	s.rdb.LSet(ctx, ck.Achievements(), 1, replaceLast(reports[1], "an_sinh", "an_xinh"))
	expect("changed undone report", fmt.Sprintf("audit entry %d does not match", refOf(2)))
	// A report dropped from the end: /history still reads its entry.
	s.rdb.RPop(ctx, ck.Achievements())
	if es, err := s.RecentAudit(ctx, chat, 20); err != nil || len(es) != len(lines) || fmt.Sprint(es[len(es)-refOf(4)].Data["id"]) != "4" {
		t.Fatalf("recent entries without report 4: %v", err)
	}
	expect("removed report", fmt.Sprintf("audit entry %d: audit: report 4 is missing", refOf(4)))
	// The newest entry dropped: every prefix matches, the head does not.
	s.rdb.RPop(ctx, ck.Audit())
	expect("dropped last entry", "audit head "+head)
	// A forged head.
	s.rdb.HSet(ctx, ck.Bloc(), "audit_head", strings.Repeat("0", 40))
	expect("forged head", "audit head 0000")
}

func replaceLast(s, old, new string) string {
	i := strings.LastIndex(s, old)
	return s[:i] + new + s[i+len(old):]
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// Entries of the first format ("<hash> <previous hash> <JSON>") are read and verified, and
// the chain goes on from them in the compact format.
func TestAuditFirstFormat(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	ck := rkeys.ForChat(chat)
	prev := ""
	for n, body := range []string{
		`{"n":1,"t":1706688000000,"k":"bloc.setup","a":"1","d":{"name":"Khối cũ","old":""}}`,
		`{"n":2,"t":1706688060000,"k":"member.link","a":"1","d":{"person":"9007199254740993","unit":3}}`,
	} {
		h := chainHash(prev, body)
		s.rdb.RPush(ctx, ck.Audit(), h+" "+prev+" "+body)
		s.rdb.HSet(ctx, ck.Bloc(), "name", "Khối cũ", "audit_head", h, "audit_n", n+1)
		prev = h
	}
	if err := s.SetLang(ctx, chat, Op{UpdateID: 5, Actor: 1}, "en"); err != nil {
		t.Fatal(err)
	}
	if n, _, err := s.VerifyAudit(ctx, chat); err != nil || n != 3 {
		t.Fatalf("verify: %d %v", n, err)
	}
	entries, err := s.RecentAudit(ctx, chat, 5)
	if err != nil || len(entries) != 3 || entries[0].Kind != "bloc.set" || entries[1].Kind != "member.link" ||
		fmt.Sprint(entries[1].Data["person"]) != "9007199254740993" || entries[2].Seq != 1 || len(entries[2].Hash) != 40 {
		t.Fatalf("entries: %+v %v", entries, err)
	}
	first, _ := s.rdb.LIndex(ctx, ck.Audit(), 0).Result()
	s.rdb.LSet(ctx, ck.Audit(), 0, strings.Replace(first, "Khối cũ", "Khối mới", 1))
	if _, _, err := s.VerifyAudit(ctx, chat); err == nil || !strings.Contains(err.Error(), "audit entry 1 does not match") {
		t.Fatalf("a changed entry of the first format: %v", err)
	}
}
