package domain

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The domain core imports neither Telegram nor Redis, directly or through another package.
func TestCoreImportsNoAdapters(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-json=ImportPath", "thiduabot/domain").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	n := 0
	for dec.More() {
		var p struct{ ImportPath string }
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		n++
		for _, bad := range []string{"telegram", "redis", "thiduabot/store", "thiduabot/bot", "net/http"} {
			if strings.Contains(p.ImportPath, bad) {
				t.Errorf("domain depends on %s", p.ImportPath)
			}
		}
	}
	if n < 3 {
		t.Fatalf("go list returned %d packages; the check did not run", n)
	}
}

func TestFold(t *testing.T) {
	cases := map[string]string{
		"Cục Thuế tỉnh Tây Ninh":     "cuc thue tinh tay ninh",
		"  ĐỒNG   Tháp ":             "dong thap",
		"Ngân hàng Nhà nước":         "ngan hang nha nuoc",
		"Bảo hiểm xã hội":            "bao hiem xa hoi",
		"Kho bạc Nhà nước":           "kho bac nha nuoc",
		"cục quản lý thị trường":     "cuc quan ly thi truong",
		"Cu\u0323c Thue\u0302\u0301": "cuc thue", // decomposed input
	}
	for in, want := range cases {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func tayNinh() *Bloc {
	names := []string{"Cục Thuế tỉnh Tây Ninh", "Bảo hiểm xã hội tỉnh Tây Ninh", "Cục Hải quan tỉnh Tây Ninh",
		"Kho bạc Nhà nước tỉnh Tây Ninh", "Ngân hàng Nhà nước Việt Nam chi nhánh tỉnh Tây Ninh",
		"Cục Thống kê tỉnh Tây Ninh", "Cục Quản lý thị trường tỉnh Tây Ninh"}
	b := &Bloc{Members: map[int64]int{}, People: map[int64]Person{}, Chairs: map[int]int{}, Deputies: map[int]int{}}
	for i, n := range names {
		b.Units = append(b.Units, Unit{ID: i + 1, Name: n})
	}
	return b
}

func TestFindUnit(t *testing.T) {
	b := tayNinh()
	for q, want := range map[string]int{"cuc thue": 1, "CỤC THUẾ TỈNH TÂY NINH": 1, "kho bac": 4, "ngan hang": 5,
		"thong ke": 6, "hai quan": 3, "3": 3, "#7": 7, "0": 0, "8": 0, "-1": 0, "+2": 0} {
		u, err := b.FindUnit(q)
		if want == 0 {
			if err == nil {
				t.Errorf("FindUnit(%q) = %v, want an error", q, u)
			}
			continue
		}
		if err != nil || u.ID != want {
			t.Errorf("FindUnit(%q) = %v, %v; want unit %d", q, u, err, want)
		}
	}
	if _, err := b.FindUnit("cuc"); err != ErrAmbiguousUnit {
		t.Errorf("FindUnit(cuc) err = %v, want ambiguous", err)
	}
	if _, err := b.FindUnit("bộ công an"); err != ErrUnknownUnit {
		t.Errorf("unknown unit err = %v", err)
	}
}

func TestManager(t *testing.T) {
	b := tayNinh()
	b.Timezone = DefaultTimezone
	now := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	b.Chairs[2024] = 1
	b.Members[10] = 1
	b.Members[11] = 2
	if !b.IsManager(10, false, now) {
		t.Error("a member of the chair unit is a manager")
	}
	if b.IsManager(11, false, now) {
		t.Error("a member of another unit is not a manager")
	}
	if !b.IsManager(99, true, now) {
		t.Error("a group admin is a manager")
	}
	if b.IsManager(10, false, now.AddDate(1, 0, 0)) {
		t.Error("the chair of 2024 is not a manager in 2025")
	}
}

func TestParseUnitNames(t *testing.T) {
	got, err := ParseUnitNames("Cục Thuế\n\n- Kho bạc\ncuc thue\n  Hải quan  ")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "|") != "Cục Thuế|Kho bạc|Hải quan" {
		t.Fatalf("got %q", got)
	}
	if _, err := ParseUnitNames(" \n "); err != ErrNameEmpty {
		t.Fatalf("empty: %v", err)
	}
	if _, err := ParseUnitNames(strings.Repeat("x", 200)); err != ErrNameTooLong {
		t.Fatalf("long: %v", err)
	}
}

func FuzzParseUnitNames(f *testing.F) {
	f.Add("Cục Thuế\nKho bạc")
	f.Add("<b>&amp;</b>\n\x00\n")
	f.Fuzz(func(t *testing.T, s string) {
		names, err := ParseUnitNames(s)
		if err != nil {
			return
		}
		for _, n := range names {
			if n == "" || len([]rune(n)) > MaxUnitName || strings.ContainsAny(n, "\n\r\x00") {
				t.Fatalf("bad name %q from %q", n, s)
			}
		}
	})
}
