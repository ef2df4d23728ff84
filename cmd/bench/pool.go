package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
)

// pairsLine starts the row of a report (-out) that lists the webhook pairs' ratios. The
// polling table's row says "(by CPU per update: …)" after "runs", so it does not match.
const pairsLine = "| bot ÷ floor, median of the pairs of runs | **"

// readPairs returns the ratios (0.61 for 61%) of the webhook pairs of a bench report, as the
// report rounds them.
func readPairs(report string) ([]float64, error) {
	for _, line := range strings.Split(report, "\n") {
		rest, ok := strings.CutPrefix(line, pairsLine)
		if !ok {
			continue
		}
		open, close := strings.IndexByte(rest, '('), strings.IndexByte(rest, ')')
		if open < 0 || close < open {
			return nil, fmt.Errorf("no pairs in %q", line)
		}
		var out []float64
		for _, f := range strings.Split(rest[open+1:close], ",") {
			n, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(f), "%"), 64)
			if err != nil {
				return nil, fmt.Errorf("pair %q: %w", f, err)
			}
			out = append(out, n/100)
		}
		return out, nil
	}
	return nil, errNoPairs
}

var errNoPairs = errors.New("no webhook pairs (is it a report of -only webhook or a full run?)")

// medianInterval is a bootstrap interval of the median of v: the 2.5th and 97.5th percentiles
// of the medians of n resamples (with replacement), from a fixed seed so that a report gives the
// same interval every time. It treats the values as independent; pairs of one run drift
// together, so the interval is, if anything, too narrow.
func medianInterval(v []float64, n int, seed uint64) (lo, hi float64) {
	if len(v) == 0 || n <= 0 {
		return 0, 0
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	meds := make([]float64, n)
	s := make([]float64, len(v))
	for i := range meds {
		for j := range s {
			s[j] = v[r.IntN(len(v))]
		}
		meds[i] = median(s)
	}
	slices.Sort(meds)
	return meds[n*25/1000], meds[n*975/1000-1]
}

// pool writes what the webhook pairs of several reports say together: how many, their median,
// range and bootstrap interval, and how many reach the target.
func pool(w io.Writer, paths []string, target float64) error {
	if len(paths) == 0 {
		return errors.New("-pool: give the reports (-out files) as arguments")
	}
	var all []float64
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		v, err := readPairs(string(b))
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		fmt.Fprintf(w, "%s: %s\n", p, pcts(v))
		all = append(all, v...)
	}
	lo, hi := medianInterval(all, 20000, 1)
	reach := 0
	for _, x := range all {
		if x >= target-1e-9 {
			reach++
		}
	}
	fmt.Fprintf(w, "bot ÷ floor over %d pairs: median %.1f%%, range %.0f–%.0f%%, %d at %.0f%% or more; bootstrap 95%% interval of the median %.1f–%.1f%%\n",
		len(all), 100*median(all), 100*slices.Min(all), 100*slices.Max(all), reach, 100*target, 100*lo, 100*hi)
	return nil
}
