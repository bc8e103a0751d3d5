package bench

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// WriteTable prints the report as a table: one row per baseline and
// scenario with its rate, latency percentiles, CPU and, with baselines,
// its ratio to each.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "name\tcallers\tevents/s\tp50\tp90\tp99\tmax\tCPU\terrors\t"
	for i, b := range r.Baselines {
		if i == 0 {
			head += "written/s "
		}
		head += "vs " + b.Name + "\t"
	}
	fmt.Fprintln(tw, head)
	row := func(res Result, baseline bool) {
		l := res.Latency
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%.0f%%\t%d\t", res.Name, res.Callers, rate(res.Rate),
			us(l.P50Us), us(l.P90Us), us(l.P99Us), us(l.MaxUs), res.CPUPercent, res.Errors)
		for _, b := range r.Baselines {
			if baseline || res.Ratios == nil {
				fmt.Fprint(tw, "-\t")
			} else {
				fmt.Fprintf(tw, "%.2fx\t", res.Ratios[b.Name])
			}
		}
		fmt.Fprintln(tw)
	}
	for _, b := range r.Baselines {
		row(b, true)
	}
	for _, res := range r.Results {
		row(res, false)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, res := range slices.Concat(r.Baselines, r.Results) {
		if res.Note != "" {
			fmt.Fprintf(w, "  %s: %s\n", res.Name, res.Note)
		}
		if res.FirstError != "" {
			fmt.Fprintf(w, "  %s: %d calls failed; the first: %s\n", res.Name, res.Errors, res.FirstError)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	return nil
}

func rate(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

func us(v int64) string {
	return (time.Duration(v) * time.Microsecond).Round(precision(v)).String()
}

func precision(v int64) time.Duration {
	switch {
	case v >= 100_000:
		return time.Millisecond
	case v >= 1000:
		return 10 * time.Microsecond
	}
	return time.Microsecond
}
