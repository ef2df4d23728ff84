package export

import (
	"bytes"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func TestBuild(t *testing.T) {
	data, err := Build([]Sheet{
		{Name: "Thành tích", Headers: []string{"Ngày", "Đơn vị"}, Rows: [][]any{{time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), "Cục Thuế <b>&"}}},
		{Name: "Tổng hợp", Headers: []string{"Đơn vị", "Tổng"}, Rows: [][]any{{"Kho bạc", 3}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "Thành tích" || got[1] != "Tổng hợp" {
		t.Fatalf("sheets %v", got)
	}
	for cell, want := range map[string]string{"A1": "Ngày", "A2": "05/03/2024", "B2": "Cục Thuế <b>&"} {
		if v, _ := f.GetCellValue("Thành tích", cell); v != want {
			t.Errorf("%s = %q, want %q", cell, v, want)
		}
	}
	if v, _ := f.GetCellValue("Tổng hợp", "B2"); v != "3" {
		t.Errorf("B2 = %q", v)
	}
	if _, err := Build(nil); err == nil {
		t.Error("an empty workbook was built")
	}
}
