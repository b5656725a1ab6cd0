package digest

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"image/color"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"lastactive/internal/state"
	"lastactive/seat"
)

// The chart's size: 800 px wide, the width Slack shows an image at on a
// desktop and scales down on a phone, so text is drawn large.
const (
	ChartWidthPx  = 800
	ChartHeightPx = 450
	chartDPI      = 96
	// Text sizes in points at 96 DPI: 11 pt is 14.7 px, above the 12 px a
	// phone needs once Slack scales the 800 px image to its width.
	tickPt   = 11
	labelPt  = 12
	legendPt = 12
	titlePt  = 14
)

// ErrTooFewSnapshots is returned by Chart for a history of fewer than two
// snapshots: a trend needs two points.
var ErrTooFewSnapshots = errors.New("chart: fewer than two snapshots")

// Point is one snapshot of a series.
type Point struct {
	Weeks float64 // since the first snapshot
	Idle  int
}

// Series is the idle seats of one product (all sites) over the history.
type Series struct {
	Key    string
	Points []Point
}

// Trend turns the history (oldest first) into one series per product, in
// product-name order. A product missing from a snapshot has no point there.
func Trend(history []state.Snapshot) []Series {
	if len(history) == 0 {
		return nil
	}
	start := history[0].Taken
	byKey := map[string]*Series{}
	for _, s := range history {
		weeks := s.Taken.Sub(start).Hours() / (24 * 7)
		idle := map[string]int{}
		for _, r := range s.Rows {
			idle[seat.Canonical(r.Product)] += r.Idle
		}
		for k, n := range idle {
			se := byKey[k]
			if se == nil {
				se = &Series{Key: k}
				byKey[k] = se
			}
			se.Points = append(se.Points, Point{Weeks: weeks, Idle: n})
		}
	}
	out := make([]Series, 0, len(byKey))
	for _, s := range byKey {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b Series) int {
		return cmp.Or(cmp.Compare(seat.ProductName(a.Key), seat.ProductName(b.Key)), cmp.Compare(a.Key, b.Key))
	})
	return out
}

// palette holds colours told apart by most colour-blind readers (Okabe and
// Ito, with purple and ochre for its black and yellow, which text and a white
// background hide); products past the eighth reuse them with a dashed line.
var palette = []color.RGBA{
	{0, 114, 178, 255}, {213, 94, 0, 255}, {0, 158, 115, 255}, {204, 121, 167, 255},
	{86, 180, 233, 255}, {230, 159, 0, 255}, {117, 68, 163, 255}, {166, 134, 0, 255},
}

// SeriesColor is the colour of the i-th series of Trend.
func SeriesColor(i int) color.RGBA { return palette[i%len(palette)] }

// Chart draws the idle seats per product over the history (oldest first)
// as a PNG of ChartWidthPx × ChartHeightPx.
func Chart(history []state.Snapshot) ([]byte, error) {
	if len(history) < 2 {
		return nil, ErrTooFewSnapshots
	}
	series := Trend(history)
	p := plot.New()
	p.Title.Text = "Idle seats per product"
	p.Title.TextStyle.Font.Size = titlePt
	p.X.Label.Text = "Weeks since " + history[0].Taken.UTC().Format("2006-01-02")
	p.Y.Label.Text = "Idle seats"
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = labelPt
		a.Tick.Label.Font.Size = tickPt
	}
	p.Y.Min = 0
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.TextStyle.Font.Size = legendPt
	p.Add(plotter.NewGrid())
	for i, s := range series {
		xys := make(plotter.XYs, len(s.Points))
		for j, pt := range s.Points {
			xys[j] = plotter.XY{X: pt.Weeks, Y: float64(pt.Idle)}
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, fmt.Errorf("chart: %s: %w", s.Key, err)
		}
		line.Color = SeriesColor(i)
		line.Width = vg.Points(2.5)
		if i >= len(palette) {
			line.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		}
		points.Color = SeriesColor(i)
		points.Shape = draw.CircleGlyph{}
		points.Radius = vg.Points(3)
		p.Add(line, points)
		p.Legend.Add(seat.ProductName(s.Key), line)
	}
	w := vg.Length(ChartWidthPx) * vg.Inch / chartDPI
	h := vg.Length(ChartHeightPx) * vg.Inch / chartDPI
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(chartDPI), vgimg.UseBackgroundColor(color.White))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("chart: encode PNG: %w", err)
	}
	return buf.Bytes(), nil
}
