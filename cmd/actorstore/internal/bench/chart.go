package bench

import (
	"fmt"
	"image/color"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart image formats.
const (
	SVG = "svg"
	PNG = "png"
)

// ChartFormat returns the format a file name asks for by its extension.
func ChartFormat(path string) (string, error) {
	switch ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), ".")); ext {
	case SVG, PNG:
		return ext, nil
	default:
		return "", &ConfigError{Field: "out", Message: fmt.Sprintf("want a .svg or .png file, got %q", path)}
	}
}

// Chart draws two charts of rep, one above the other, in format (SVG or
// PNG): the p99 latency of each scenario over time (p50 dashed), and the
// latency histogram of each scenario (share of calls per log bucket).
// scenarios selects which to draw (all, baselines included, when empty).
func Chart(w io.Writer, format string, rep *Report, scenarios []string) error {
	var results []Result
	for _, res := range append(slices.Clone(rep.Baselines), rep.Results...) {
		if len(scenarios) == 0 || slices.Contains(scenarios, res.Name) {
			results = append(results, res)
		}
	}
	if len(results) == 0 {
		return &ConfigError{Field: "scenario", Message: "no results to draw"}
	}
	over, err := latencyOverTime(rep, results)
	if err != nil {
		return err
	}
	hist, err := latencyHistogram(results)
	if err != nil {
		return err
	}
	const width, height = 10 * vg.Inch, 10 * vg.Inch
	var c vg.CanvasWriterTo
	switch format {
	case SVG:
		c = vgsvg.New(width, height)
	case PNG:
		c = vgimg.PngCanvas{Canvas: vgimg.New(width, height)}
	default:
		return &ConfigError{Field: "out", Message: "format must be svg or png"}
	}
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Points(6), PadBottom: vg.Points(6),
		PadLeft: vg.Points(6), PadRight: vg.Points(6), PadY: vg.Points(18)}
	plots := [][]*plot.Plot{{over}, {hist}}
	canvases := plot.Align(plots, tiles, draw.New(c))
	over.Draw(canvases[0][0])
	hist.Draw(canvases[1][0])
	_, err = c.WriteTo(w)
	return err
}

func latencyOverTime(rep *Report, results []Result) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Latency over time (%s, %d writers, %d-byte events): p99 solid, p50 dashed",
		rep.Target, rep.Config.Writers, rep.Config.EventSize)
	p.X.Label.Text = "seconds into the scenario"
	p.Y.Label.Text = "latency (ms, log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Legend.Top = true
	for i, res := range results {
		p99, p50 := plotter.XYs{}, plotter.XYs{}
		for _, s := range res.Samples {
			if s.Ops == 0 {
				continue
			}
			p99 = append(p99, plotter.XY{X: s.T, Y: float64(max(s.P99Us, 1)) / 1000})
			p50 = append(p50, plotter.XY{X: s.T, Y: float64(max(s.P50Us, 1)) / 1000})
		}
		if len(p99) == 0 {
			continue
		}
		col := seriesColor(i)
		l99, err := plotter.NewLine(p99)
		if err != nil {
			return nil, err
		}
		l99.Color, l99.Width = col, vg.Points(1.5)
		l50, err := plotter.NewLine(p50)
		if err != nil {
			return nil, err
		}
		l50.Color, l50.Dashes = col, []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l99, l50)
		p.Legend.Add(res.Name, l99)
	}
	return p, nil
}

func latencyHistogram(results []Result) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Latency histogram: share of calls per bucket"
	p.X.Label.Text = "latency (ms, log scale)"
	p.Y.Label.Text = "% of calls"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	for i, res := range results {
		var total int64
		for _, b := range res.Histogram {
			total += b.Count
		}
		if total == 0 {
			continue
		}
		pts := make(plotter.XYs, 0, len(res.Histogram))
		for _, b := range res.Histogram {
			pts = append(pts, plotter.XY{X: b.UpperUs / 1000, Y: 100 * float64(b.Count) / float64(total)})
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = seriesColor(i), vg.Points(1.5)
		l.StepStyle = plotter.PreStep
		p.Add(l)
		p.Legend.Add(res.Name, l)
	}
	return p, nil
}

// palette is Tableau's ten colours: distinct for up to ten series.
var palette = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff}, {0xd6, 0x27, 0x28, 0xff},
	{0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff}, {0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff},
	{0xbc, 0xbd, 0x22, 0xff}, {0x17, 0xbe, 0xcf, 0xff},
}

func seriesColor(i int) color.Color { return palette[i%len(palette)] }
