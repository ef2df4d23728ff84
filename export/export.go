// Package export builds the year's .xlsx workbook. Each feature contributes its sheets
// through a SheetSource; the /export command asks every source and writes one workbook.
package export

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/xuri/excelize/v2"
)

// Sheet is one worksheet: a title row of headers, then rows of values (string, int, float64,
// bool or time.Time; times are written as dd/mm/yyyy or dd/mm/yyyy hh:mm by Layout).
type Sheet struct {
	Name    string
	Headers []string
	Rows    [][]any
	// Widths are column widths in characters (optional).
	Widths []float64
	// TimeLayout formats time.Time cells (default "02/01/2006").
	TimeLayout string
}

// Request says what to export.
type Request struct {
	ChatID int64
	Year   int
	Lang   string
	Loc    *time.Location
}

// SheetSource is a feature that adds sheets to the workbook.
type SheetSource interface {
	Sheets(ctx context.Context, r Request) ([]Sheet, error)
}

// Build writes the sheets into an .xlsx file.
func Build(sheets []Sheet) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	first := true
	for _, sh := range sheets {
		name := sh.Name
		if first {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return nil, err
			}
			first = false
		} else if _, err := f.NewSheet(name); err != nil {
			return nil, err
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return nil, err
		}
		bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DDEBF7"}, Pattern: 1}})
		if err != nil {
			return nil, err
		}
		for i, w := range sh.Widths {
			if err := sw.SetColWidth(i+1, i+1, w); err != nil {
				return nil, err
			}
		}
		head := make([]any, len(sh.Headers))
		for i, h := range sh.Headers {
			head[i] = excelize.Cell{StyleID: bold, Value: h}
		}
		if err := sw.SetRow("A1", head); err != nil {
			return nil, err
		}
		layout := sh.TimeLayout
		if layout == "" {
			layout = "02/01/2006"
		}
		for r, row := range sh.Rows {
			vals := make([]any, len(row))
			for i, v := range row {
				if t, ok := v.(time.Time); ok {
					if t.IsZero() {
						vals[i] = ""
					} else {
						vals[i] = t.Format(layout)
					}
					continue
				}
				vals[i] = v
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+2)
			if err := sw.SetRow(cell, vals); err != nil {
				return nil, err
			}
		}
		if err := sw.Flush(); err != nil {
			return nil, err
		}
	}
	if first {
		return nil, fmt.Errorf("export: no sheets")
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
