package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sampleReport = `### Inbound: webhooks

| bot ÷ floor, median of the pairs of runs | **61%** (63%, 55%, 61%) | | | 62% | ≥ 60% ✅ |

### Inbound: long polling

| bot ÷ floor, median of the pairs of runs (by CPU per update: 51%) | **58%** (57%, 56%, 58%) | | | |
`

func TestReadPairsTakesTheWebhookRow(t *testing.T) {
	got, err := readPairs(sampleReport)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.63, 0.55, 0.61}
	if len(got) != len(want) {
		t.Fatalf("pairs %v, want %v", got, want)
	}
	for i := range want {
		if d := got[i] - want[i]; d > 1e-9 || d < -1e-9 {
			t.Fatalf("pairs %v, want %v", got, want)
		}
	}
	if _, err := readPairs("### Inbound: long polling\n| bot ÷ floor, median of the pairs of runs (by CPU per update: 51%) | **58%** (57%) |\n"); !errors.Is(err, errNoPairs) {
		t.Fatalf("a report with only the polling row: %v, want errNoPairs", err)
	}
}

func TestMedianInterval(t *testing.T) {
	if lo, hi := medianInterval([]float64{0.6, 0.6, 0.6}, 1000, 1); lo != 0.6 || hi != 0.6 {
		t.Fatalf("constant values: interval %v–%v", lo, hi)
	}
	v := []float64{0.48, 0.52, 0.55, 0.55, 0.58, 0.59, 0.61, 0.61, 0.61, 0.63, 0.64, 0.66, 0.70}
	lo, hi := medianInterval(v, 5000, 7)
	if m := median(v); lo > m || hi < m || lo <= 0.48 || hi >= 0.70 {
		t.Fatalf("interval %v–%v around the median %v of values 0.48–0.70", lo, hi, m)
	}
	if lo2, hi2 := medianInterval(v, 5000, 7); lo2 != lo || hi2 != hi {
		t.Fatalf("the same seed gave %v–%v, then %v–%v", lo, hi, lo2, hi2)
	}
}

func TestPoolReports(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.md"), filepath.Join(dir, "b.md")
	if err := os.WriteFile(a, []byte(sampleReport), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte("| bot ÷ floor, median of the pairs of runs | **66%** (66%, 70%, 59%) |\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := pool(&out, []string{a, b}, 0.6); err != nil {
		t.Fatal(err)
	}
	// 55, 59, 61, 63, 66, 70: the median is 62%, four reach 60%.
	if !strings.Contains(out.String(), "over 6 pairs: median 62.0%, range 55–70%, 4 at 60% or more") {
		t.Fatalf("pooled:\n%s", out.String())
	}
	if err := pool(&out, []string{a, filepath.Join(dir, "missing.md")}, 0.6); err == nil {
		t.Fatal("a missing report was pooled")
	}
}
