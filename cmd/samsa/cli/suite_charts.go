package cli

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Chart files the report links to.
const (
	chartSizeRecords = "size-records.png"
	chartSizeMB      = "size-mb.png"
	chartStored      = "stored.png"
	chartLatency     = "latency.png"
	chartLatencyHist = "latency-histogram.png"
	chartScenarios   = "scenarios.png"
)

var chartBlue = color.RGBA{R: 31, G: 119, B: 180, A: 255}

func savePlot(p *plot.Plot, dir, name string) error {
	return p.Save(7*vg.Inch, 4*vg.Inch, filepath.Join(dir, name))
}

// sizeChart plots y (records/s or MB/s) against message size, log x, as the
// 2014 post's "effect of message size" charts.
func sizeChart(dir, name, title, ylabel string, sizes []sizeResult, y func(sizeResult) float64) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "message size (bytes, log scale)"
	p.Y.Label.Text = ylabel
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Y.Min = 0
	xys := make(plotter.XYs, len(sizes))
	for i, s := range sizes {
		xys[i] = plotter.XY{X: float64(s.Size), Y: y(s)}
	}
	line, points, err := plotter.NewLinePoints(xys)
	if err != nil {
		return err
	}
	line.Color, points.Color = chartBlue, chartBlue
	p.Add(line, points, plotter.NewGrid())
	return savePlot(p, dir, name)
}

// storedChart plots MB/s of each sampling interval against the bytes stored
// so far.
func storedChart(dir string, samples []throughputSample) error {
	p := plot.New()
	p.Title.Text = "Producer throughput versus stored data"
	p.X.Label.Text = "data stored in the topic (GiB)"
	p.Y.Label.Text = "MB/s (1 s intervals)"
	p.Y.Min = 0
	xys := make(plotter.XYs, 0, len(samples))
	for _, s := range samples {
		xys = append(xys, plotter.XY{X: float64(s.StoredBytes) / (1 << 30), Y: s.MBPerSec})
	}
	if len(xys) == 0 {
		xys = append(xys, plotter.XY{})
	}
	line, points, err := plotter.NewLinePoints(xys)
	if err != nil {
		return err
	}
	line.Color, points.Color = chartBlue, chartBlue
	points.Radius = vg.Points(2)
	p.Add(line, points, plotter.NewGrid())
	return savePlot(p, dir, chartStored)
}

// latencyChart draws the end-to-end latency distribution twice: a
// percentile curve on a "nines" axis (HdrHistogram style: x = -log10(1-q),
// so 90%, 99%, 99.9% are evenly spaced and the tail is visible), and a
// histogram of the body up to p99 (the tail would squash it into one bar).
func latencyChart(dir string, sortedMs []float64, p99 float64) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("End-to-end latency by percentile (%d round trips)", len(sortedMs))
	p.X.Label.Text = "percentile"
	p.Y.Label.Text = "latency (ms)"
	p.Y.Min = 0
	n := len(sortedMs)
	var xys plotter.XYs
	for i, v := range sortedMs {
		q := float64(i+1) / float64(n+1)
		xys = append(xys, plotter.XY{X: -math.Log10(1 - q), Y: v})
	}
	if len(xys) == 0 {
		xys = append(xys, plotter.XY{})
	}
	line, err := plotter.NewLine(xys)
	if err != nil {
		return err
	}
	line.Color = chartBlue
	line.Width = vg.Points(1.5)
	p.X.Tick.Marker = plot.ConstantTicks([]plot.Tick{
		{Value: 0, Label: "0%"}, {Value: math.Log10(2), Label: "50%"}, {Value: 1, Label: "90%"},
		{Value: 2, Label: "99%"}, {Value: 3, Label: "99.9%"}, {Value: 4, Label: "99.99%"},
	})
	p.Add(line, plotter.NewGrid())
	if err := savePlot(p, dir, chartLatency); err != nil {
		return err
	}

	h := plot.New()
	h.Title.Text = "End-to-end latency histogram (up to p99)"
	h.X.Label.Text = "latency (ms)"
	h.Y.Label.Text = "round trips"
	var vals plotter.Values
	for _, v := range sortedMs {
		if v <= p99 {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		vals = plotter.Values{0}
	}
	hist, err := plotter.NewHist(vals, 40)
	if err != nil {
		return err
	}
	hist.FillColor = chartBlue
	h.Add(hist, plotter.NewGrid())
	return savePlot(h, dir, chartLatencyHist)
}

// scenarioChart is a bar chart of MB/s per scenario.
func scenarioChart(dir string, sc []scenarioResult) error {
	p := plot.New()
	p.Title.Text = "Throughput per scenario (100-byte messages)"
	p.Y.Label.Text = "MB/s"
	var vals plotter.Values
	var names []string
	for i, s := range sc {
		vals = append(vals, s.MBPerSec)
		names = append(names, fmt.Sprintf("%c", 'A'+i))
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(30))
	if err != nil {
		return err
	}
	bars.Color = chartBlue
	bars.LineStyle.Width = 0
	p.Add(bars, plotter.NewGrid())
	p.NominalX(names...)
	return savePlot(p, dir, chartScenarios)
}
