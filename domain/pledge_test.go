package domain

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

const pledge2024 = `Giao ước thi đua năm 2024
- Quán triệt và thực hiện tốt chủ trương của Đảng, chính sách, pháp luật của Nhà nước
- Phát động thi đua thiết thực, phấn đấu hoàn thành vượt mức chỉ tiêu năm 2024
- Đổi mới hình thức thi đua thường xuyên, theo đợt, theo chuyên đề, có tiêu chí cụ thể
- Khen thưởng công khai, đúng quy trình, đúng thành tích; chú trọng người lao động có sáng kiến`

func TestParsePledge(t *testing.T) {
	p, err := ParsePledge(pledge2024)
	if err != nil {
		t.Fatal(err)
	}
	if p.Title != "Giao ước thi đua năm 2024" || len(p.Commitments) != 4 ||
		p.Commitments[0] != "Quán triệt và thực hiện tốt chủ trương của Đảng, chính sách, pháp luật của Nhà nước" {
		t.Fatalf("parsed %#v", p)
	}
	// Numbering, bullets, blank lines, CR LF and extra spaces do not change the text or version.
	q, err := ParsePledge("\r\n  Giao ước thi đua   năm 2024\r\n\r\n1. Quán triệt và thực hiện tốt chủ trương của Đảng, chính sách, pháp luật của Nhà nước\r\n" +
		"2) Phát động thi đua thiết thực, phấn đấu hoàn thành vượt mức chỉ tiêu năm 2024\n" +
		"(3) Đổi mới hình thức thi đua thường xuyên, theo đợt, theo chuyên đề, có tiêu chí cụ thể\n" +
		"•   Khen thưởng công khai, đúng quy trình, đúng thành tích; chú trọng người lao động có sáng kiến\n\n")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, q) || p.Version() != q.Version() {
		t.Fatalf("same pledge typed differently: %#v vs %#v", p, q)
	}
	if len(p.Version()) != PledgeVersionLen {
		t.Fatalf("version %q", p.Version())
	}
	// Any change of a word changes the version.
	r, _ := ParsePledge(strings.Replace(pledge2024, "năm 2024\n", "năm 2025\n", 1))
	if r.Version() == p.Version() {
		t.Fatal("title change kept the version")
	}
	// Numbers that are text stay.
	s, err := ParsePledge("T\n2.000 người tham gia\n1.5 tỷ đồng\n- 3. Ba")
	if err != nil || !reflect.DeepEqual(s.Commitments, []string{"2.000 người tham gia", "1.5 tỷ đồng", "Ba"}) {
		t.Fatalf("got %#v %v", s.Commitments, err)
	}
}

func TestParsePledgeRefusals(t *testing.T) {
	many := "Tiêu đề"
	for i := 0; i < MaxPledgeCommitments+1; i++ {
		many += "\n- cam kết"
	}
	cases := []struct {
		text string
		want error
	}{
		{"", ErrPledgeEmpty},
		{"  \n \t\n", ErrPledgeEmpty},
		{"Chỉ có tiêu đề", ErrPledgeNoItems},
		{"Tiêu đề\n- \n1.\n", ErrPledgeNoItems},
		{strings.Repeat("x", 201) + "\n- a", ErrPledgeTitleTooLong},
		{"Tiêu đề\n" + strings.Repeat("Cam kết rất dài. ", 300), ErrPledgeTooLong}, // ~5,000 characters
		{many, ErrPledgeTooManyItems},
	}
	for _, c := range cases {
		if _, err := ParsePledge(c.text); !errors.Is(err, c.want) {
			t.Errorf("ParsePledge(%.40q): %v, want %v", c.text, err, c.want)
		}
	}
	// The limit counts characters, not bytes: 3,000 Vietnamese characters are fine.
	ok := "Tiêu đề\n" + strings.Repeat("ệ", MaxPledgeText-len([]rune("Tiêu đề\n")))
	if _, err := ParsePledge(ok); err != nil {
		t.Fatalf("3,000 characters: %v", err)
	}
}

func TestDiffPledge(t *testing.T) {
	old := Pledge{Title: "GU 2024", Commitments: []string{"a", "b", "c", "d"}}
	cur := Pledge{Title: "GU 2024", Commitments: []string{"a", "c", "x", "d", "e"}}
	d := DiffPledge(old, cur)
	want := []PledgeChange{{'-', 2, "b"}, {'+', 3, "x"}, {'+', 5, "e"}}
	if d.TitleChanged || !reflect.DeepEqual(d.Changes, want) {
		t.Fatalf("diff %+v", d)
	}
	d = DiffPledge(old, Pledge{Title: "GU 2024 (sửa)", Commitments: []string{"a", "B", "c", "d"}})
	want = []PledgeChange{{'-', 2, "b"}, {'+', 2, "B"}}
	if !d.TitleChanged || d.OldTitle != "GU 2024" || !reflect.DeepEqual(d.Changes, want) {
		t.Fatalf("diff %+v", d)
	}
	if !DiffPledge(old, old).Empty() {
		t.Fatal("diff of a pledge with itself")
	}
}

func TestParsePledgeDeadline(t *testing.T) {
	loc, _ := time.LoadLocation(DefaultTimezone)
	now := time.Date(2024, 1, 31, 9, 0, 0, 0, loc)
	ok := map[string]time.Time{
		"15/02":            time.Date(2024, 2, 15, 17, 0, 0, 0, loc),
		"15/2/2024":        time.Date(2024, 2, 15, 17, 0, 0, 0, loc),
		"15-02-24 08:30":   time.Date(2024, 2, 15, 8, 30, 0, 0, loc),
		"1/3 lúc 9h":       time.Date(2024, 3, 1, 9, 0, 0, 0, loc),
		"29/02":            time.Date(2024, 2, 29, 17, 0, 0, 0, loc),
		" 31/01  18:00 ":   time.Date(2024, 1, 31, 18, 0, 0, 0, loc),
		"05.02.2025 7h30":  time.Date(2025, 2, 5, 7, 30, 0, 0, loc),
		"31/12/2024 23:59": time.Date(2024, 12, 31, 23, 59, 0, 0, loc),
	}
	for in, want := range ok {
		got, err := ParsePledgeDeadline(in, now, loc)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	bad := map[string]error{
		"31/02":       ErrPledgeDeadlineBad,
		"30/02/2025":  ErrPledgeDeadlineBad,
		"hôm qua":     ErrPledgeDeadlineBad,
		"15/13":       ErrPledgeDeadlineBad,
		"15/02 25:00": ErrPledgeDeadlineBad,
		"":            ErrPledgeDeadlineBad,
		"30/01":       ErrPledgeDeadlinePast,
		"31/01 08:00": ErrPledgeDeadlinePast,
		"01/01/2030":  ErrPledgeDeadlineRange,
	}
	for in, want := range bad {
		if _, err := ParsePledgeDeadline(in, now, loc); !errors.Is(err, want) {
			t.Errorf("%q: %v, want %v", in, err, want)
		}
	}
}

// The parser never panics; what it accepts is within the limits, and parsing its canonical
// text again gives the same pledge and version.
func FuzzParsePledge(f *testing.F) {
	f.Add(pledge2024)
	f.Add("T\n1. a\n2) b\n(3) c\n- d\n• e")
	f.Add("T\n2.000 người\n1.5 tỷ\n-\t- 1. x")
	f.Add("\x00\r\n\u2028T\u0085\n\xff\xfe- a")
	f.Fuzz(func(t *testing.T, text string) {
		p, err := ParsePledge(text)
		if err != nil {
			return
		}
		if p.Title == "" || strings.ContainsAny(p.Title, "\n\r") || utf8.RuneCountInString(p.Title) > MaxPledgeTitle {
			t.Fatalf("title %q", p.Title)
		}
		if len(p.Commitments) == 0 || len(p.Commitments) > MaxPledgeCommitments {
			t.Fatalf("%d commitments", len(p.Commitments))
		}
		for _, c := range p.Commitments {
			if c == "" || strings.ContainsAny(c, "\n\r") || c != strings.TrimSpace(c) || !utf8.ValidString(c) {
				t.Fatalf("commitment %q", c)
			}
		}
		q, err := ParsePledge(p.Text())
		if err != nil {
			t.Fatalf("canonical text refused: %v\n%q", err, p.Text())
		}
		if !reflect.DeepEqual(p, q) || p.Version() != q.Version() {
			t.Fatalf("not stable:\n%#v\n%#v", p, q)
		}
		if !DiffPledge(p, q).Empty() {
			t.Fatal("diff of equal pledges")
		}
	})
}

func FuzzParsePledgeDeadline(f *testing.F) {
	loc, _ := time.LoadLocation(DefaultTimezone)
	now := time.Date(2024, 1, 31, 9, 0, 0, 0, loc)
	for _, s := range []string{"15/02", "15/2/2024 8:30", "31/02", "1/3 lúc 9h", "99/99/9999 99:99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParsePledgeDeadline(s, now, loc)
		if err != nil {
			return
		}
		if !d.After(now) || d.After(now.AddDate(2, 0, 1)) || d.Location() != loc {
			t.Fatalf("%q -> %v", s, d)
		}
	})
}
