package domain

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestExtractTags(t *testing.T) {
	cases := map[string][]string{
		"Khối hỗ trợ 70 triệu đồng xây dựng nông thôn mới tại xã Thạnh Bắc, huyện Tân Biên #an_sinh": {"an_sinh"},
		"Tổ chức Hội thi (KH 351/KH-KTĐ ngày 28/4/2023) #hoi_thi":                                    {"hoi_thi"},
		"#ChuyểnĐổiSố: ký số 100% hồ sơ, #chuyen_doi_so #PhongTrào.":                                 {"ChuyểnĐổiSố", "PhongTrào"},
		"C# và https://x.vn/#muc, số #1, &#39; không phải tag":                                       nil,
		"(#van_hoa) và #VanHoa và #an_sinh_":                                                         {"van_hoa", "an_sinh"},
		"#":                                                                                          nil,
		"##a":                                                                                        nil,
		"dòng 1\n#khac":                                                                              {"khac"},
		"toàn dấu #_":                                                                                nil,
		"#a1 #b2 #c3 #d4 #e5 #f6":                                                                    {"a1", "b2", "c3", "d4", "e5", "f6"},
	}
	for in, want := range cases {
		var got []string
		for _, tg := range ExtractTags(in) {
			got = append(got, tg.Typed)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ExtractTags(%q) = %q, want %q", in, got, want)
		}
	}
	many := strings.Repeat("#t", 1) + strings.Repeat(" #x", 0)
	for i := 0; i < 30; i++ {
		many += " #tag" + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	if n := len(ExtractTags(many)); n != MaxTags {
		t.Errorf("%d tags kept, want %d", n, MaxTags)
	}
	long := "#" + strings.Repeat("ă", 100)
	if tg := ExtractTags(long); len(tg) != 1 || utf8.RuneCountInString(tg[0].Typed) != MaxTagLen {
		t.Errorf("long tag: %v", tg)
	}
}

func TestCategories(t *testing.T) {
	cs := WithCustom([]Category{{Key: "PhongTrao", VI: "Phong trào thi đua", EN: "Phong trào thi đua"}})
	for tag, want := range map[string]string{
		"an_sinh": "an_sinh", "AnSinh": "an_sinh", "ANSINH": "an_sinh", "AnSinhXãHội": "an_sinh",
		"chuyển_đổi_số": "chuyen_doi_so", "ChuyenDoiSo": "chuyen_doi_so", "DigitalTransformation": "chuyen_doi_so",
		"phong_trao": "PhongTrao", "phongtraothidua": "PhongTrao", "khác": "khac", "lạ": "",
	} {
		c, ok := cs.Match(tag)
		if want == "" {
			if ok {
				t.Errorf("Match(%q) = %v, want none", tag, c)
			}
			continue
		}
		if !ok || c.Key != want {
			t.Errorf("Match(%q) = %v %v, want %s", tag, c, ok, want)
		}
	}
	if got := cs.Label("an_sinh", LangVI); got != "An sinh xã hội" {
		t.Errorf("label vi %q", got)
	}
	if got := cs.Label("an_sinh", LangEN); got != "Social welfare" {
		t.Errorf("label en %q", got)
	}
	if got := cs.Label("MớiLạ", LangVI); got != "#MớiLạ" {
		t.Errorf("unknown label %q", got)
	}
	if cs.Canon("moila") != cs.Canon("MớiLạ") || cs.Canon("AnSinh") != "an_sinh" {
		t.Errorf("canon: %q %q %q", cs.Canon("moila"), cs.Canon("MớiLạ"), cs.Canon("AnSinh"))
	}
	known, other := ResolveTags(ExtractTags("#an_sinh #AnSinh #PhongTrao #lạ"))
	if !reflect.DeepEqual(known, []string{"an_sinh"}) || len(other) != 2 || other[0].Typed != "PhongTrao" {
		t.Errorf("resolve: %v %v", known, other)
	}
	if _, err := CleanCategory("an sinh", "x"); err != ErrBadTag {
		t.Errorf("tag with a space: %v", err)
	}
	if _, err := CleanCategory("#123", "x"); err != ErrBadTag {
		t.Errorf("digits only: %v", err)
	}
	if _, err := CleanCategory("#thi_dua", " "); err != ErrNameEmpty {
		t.Errorf("empty name: %v", err)
	}
	if c, err := CleanCategory("#thi_đua", "  Thi   đua  "); err != nil || c.Key != "thi_đua" || c.VI != "Thi đua" {
		t.Errorf("clean: %v %v", c, err)
	}
}

func TestParseReport(t *testing.T) {
	r, err := ParseReport("  <b>Ủng hộ</b> & quỹ\r\n #an_sinh \x00")
	if err != nil || r.Text != "<b>Ủng hộ</b> & quỹ\n #an_sinh" || len(r.Tags) != 1 {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := ParseReport(" \n\t"); err != ErrTextEmpty {
		t.Errorf("empty: %v", err)
	}
	if _, err := ParseReport(strings.Repeat("ư", MaxReportText)); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	if _, err := ParseReport(strings.Repeat("x", 5000)); err != ErrTextTooLong {
		t.Errorf("5000 characters: %v", err)
	}
}

func TestParsePeriod(t *testing.T) {
	cases := map[string]Period{
		"2024":          {Kind: PeriodYear, Year: 2024},
		"q1/2024":       {Kind: PeriodQuarter, Year: 2024, Quarter: 1},
		"Q4-2023":       {Kind: PeriodQuarter, Year: 2023, Quarter: 4},
		"quý 2/2024":    {Kind: PeriodQuarter, Year: 2024, Quarter: 2},
		"Quý III/2024":  {Kind: PeriodQuarter, Year: 2024, Quarter: 3},
		"q2 2024":       {Kind: PeriodQuarter, Year: 2024, Quarter: 2},
		"q3":            {Kind: PeriodQuarter, Year: 2025, Quarter: 3},
		"06/2024":       {Kind: PeriodMonth, Year: 2024, Month: 6},
		"6/2024":        {Kind: PeriodMonth, Year: 2024, Month: 6},
		"tháng 12/2023": {Kind: PeriodMonth, Year: 2023, Month: 12},
		"T6/2024":       {Kind: PeriodMonth, Year: 2024, Month: 6},
		"2024-06":       {Kind: PeriodMonth, Year: 2024, Month: 6},
		"06.2024":       {Kind: PeriodMonth, Year: 2024, Month: 6},
		"tháng 6":       {Kind: PeriodMonth, Year: 2025, Month: 6},
	}
	for in, want := range cases {
		got, err := ParsePeriod(in, 2025)
		if err != nil || got != want {
			t.Errorf("ParsePeriod(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "q5/2024", "13/2024", "0/2024", "1999", "06", "q1/1800", "cuc thue", "2024-13", "q0"} {
		if p, err := ParsePeriod(bad, 2025); err == nil {
			t.Errorf("ParsePeriod(%q) = %+v, want an error", bad, p)
		}
	}
	loc := time.FixedZone("ICT", 7*3600)
	from, to := Period{Kind: PeriodQuarter, Year: 2024, Quarter: 1}.Range(loc)
	if !from.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, loc)) || !to.Equal(time.Date(2024, 4, 1, 0, 0, 0, 0, loc)) {
		t.Errorf("q1 range %v %v", from, to)
	}
	if got := (Period{Kind: PeriodMonth, Year: 2024, Month: 6}).Label(LangVI); got != "tháng 06/2024" {
		t.Errorf("label %q", got)
	}
}

func TestSplitQuery(t *testing.T) {
	type res struct {
		unit string
		code string
		ok   bool
	}
	cases := map[string]res{
		"":                      {"", "", true},
		"cuc thue":              {"cuc thue", "", true},
		"cuc thue q1/2024":      {"cuc thue", "2024q1", true},
		"q1/2024 cuc thue":      {"cuc thue", "2024q1", true},
		"kho bạc 2024":          {"kho bạc", "2024", true},
		"quý 2/2024":            {"", "2024q2", true},
		"hải quan tháng 6/2024": {"hải quan", "2024m06", true},
		"cuc thue 13/2024":      {"cuc thue", "", false},
		"20245":                 {"", "", false},
		"3":                     {"3", "", true},       // the unit numbered 3 in /units
		"3 2024":                {"", "2024m03", true}, // March 2024
	}
	for in, want := range cases {
		u, p, ok := SplitQuery(in, 2024)
		if u != want.unit || p.Code() != want.code || ok != want.ok {
			t.Errorf("SplitQuery(%q) = %q %q %v; want %+v", in, u, p.Code(), ok, want)
		}
	}
}

func TestBuildTally(t *testing.T) {
	b := tayNinh()
	cs := WithCustom([]Category{{Key: "thi_dua", VI: "Thi đua", EN: "Thi đua"}})
	counts := map[string]int{
		"1|*": 3, "1|an_sinh": 2, "1|PhongTrao": 1,
		"2|*": 1, "2|phongtrao": 1, "2|thi_dua": 1,
		"4|*": 0, "4|khac": 0,
	}
	tl := BuildTally(b, cs, 2024, counts, false)
	if tl.Total != 4 || len(tl.Units) != 7 || tl.Units[0].Total != 3 || tl.Units[1].Total != 1 {
		t.Fatalf("tally %+v", tl)
	}
	if want := []string{"an_sinh", "thi_dua", "#phongtrao"}; !reflect.DeepEqual(tl.Columns, want) {
		t.Errorf("columns %v, want %v", tl.Columns, want)
	}
	if tl.ByCat["#phongtrao"] != 2 || tl.Units[1].ByCategory["#phongtrao"] != 1 {
		t.Errorf("unknown tags not merged: %+v", tl.ByCat)
	}
	if n := tl.ColumnName(cs, "#phongtrao", LangVI); n != "#PhongTrao" {
		t.Errorf("column name %q", n)
	}
	all := BuildTally(b, cs, 2024, counts, true)
	if len(all.Columns) != len(cs)+1 {
		t.Errorf("all columns: %v", all.Columns)
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2024", "q1/2024", "Quý IV/2023", "06/2024", "tháng 6", "2024-06", "t13/2024", "q/", "06. 2024"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s, 2024)
		if err != nil {
			return
		}
		if !p.valid() || p.Kind == PeriodAll {
			t.Fatalf("%q parsed to an invalid period %+v", s, p)
		}
		back, err := ParsePeriodCode(p.Code())
		if err != nil || back != p {
			t.Fatalf("%q: code %q reads back as %+v %v", s, p.Code(), back, err)
		}
		from, to := p.Range(time.UTC)
		if !from.Before(to) {
			t.Fatalf("%q: empty range %v %v", s, from, to)
		}
		if again, err := ParsePeriod(p.Label(LangEN), 2024); err != nil || again != p {
			t.Fatalf("%q: label %q reads back as %+v %v", s, p.Label(LangEN), again, err)
		}
	})
}

func FuzzParsePeriodCode(f *testing.F) {
	for _, s := range []string{"", "2024", "2024q1", "2024m06", "2024q9", "20a4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriodCode(s)
		if err != nil {
			return
		}
		if p.Code() != s {
			t.Fatalf("code %q reads as %+v, which writes %q", s, p, p.Code())
		}
	})
}

func FuzzExtractTags(f *testing.F) {
	for _, s := range []string{"#an_sinh", "C# #x", "https://a/#b", "#ChuyểnĐổiSố!", "#\u0301a", "##", "a#b #_1a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tags := ExtractTags(s)
		if len(tags) > MaxTags {
			t.Fatalf("%d tags", len(tags))
		}
		seen := map[string]bool{}
		for _, tg := range tags {
			if tg.Typed == "" || tg.Key == "" || strings.ContainsAny(tg.Typed, "# \n") || utf8.RuneCountInString(tg.Typed) > MaxTagLen {
				t.Fatalf("bad tag %+v from %q", tg, s)
			}
			if !strings.Contains(s, tg.Typed) {
				t.Fatalf("tag %q is not in %q", tg.Typed, s)
			}
			if seen[tg.Key] || CategoryKey(tg.Typed) != tg.Key {
				t.Fatalf("tag %+v repeated or mis-keyed", tg)
			}
			seen[tg.Key] = true
		}
	})
}

func FuzzParseReport(f *testing.F) {
	f.Add("Ủng hộ 70 triệu #an_sinh")
	f.Add("<b>x</b>\r\n\x00 #a")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseReport(s)
		if err != nil {
			return
		}
		if r.Text == "" || utf8.RuneCountInString(r.Text) > MaxReportText || strings.ContainsAny(r.Text, "\x00\r") {
			t.Fatalf("bad report text %q from %q", r.Text, s)
		}
	})
}

func FuzzSplitQuery(f *testing.F) {
	f.Add("cuc thue q1/2024")
	f.Add("q1/2024 kho bac")
	f.Fuzz(func(t *testing.T, s string) {
		unit, p, ok := SplitQuery(s, 2024)
		if !ok {
			return
		}
		if !p.valid() || len(unit) > len(s) {
			t.Fatalf("%q: %q %+v", s, unit, p)
		}
	})
}
