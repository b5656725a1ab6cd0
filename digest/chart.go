package digest

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/font/liberation"
	"gonum.org/v1/plot/text"
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

// SamePeriod is the snapshots of history (oldest first) counted at the
// idle period of the newest: one counted at another (LASTACTIVE_IDLE_DAYS
// changed since) is not comparable, as Make's change says, and a line
// through both would show the threshold's change as people's. A snapshot
// whose period is not recorded (0) is taken as the same, as Make takes it.
func SamePeriod(history []state.Snapshot) []state.Snapshot {
	if len(history) == 0 || history[len(history)-1].IdleDays == 0 {
		return history
	}
	days := history[len(history)-1].IdleDays
	other := func(s state.Snapshot) bool { return s.IdleDays != 0 && s.IdleDays != days }
	if !slices.ContainsFunc(history, other) {
		return history
	}
	out := make([]state.Snapshot, 0, len(history))
	for _, s := range history {
		if !other(s) {
			out = append(out, s)
		}
	}
	return out
}

// Trend turns the history (oldest first) into one series per product, in
// product-name order, drawn from the snapshots of the newest one's idle
// period (SamePeriod). A product missing from a snapshot has no point there.
func Trend(history []state.Snapshot) []Series {
	history = SamePeriod(history)
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

// The chart is laid out here on gonum's canvas (vg) rather than with
// gonum's plot package: that package parses all twelve Liberation fonts in
// its init, at every process start, for a chart drawn once a week, and
// links PDF, SVG and LaTeX output besides. Without it the binary is 6 MB
// smaller and the bot's peak RSS under load 3.6 MB lower; the fonts are
// parsed the first time a chart is drawn.

// fonts is the Liberation collection, parsed on first use.
var fonts = sync.OnceValue(func() *font.Cache { return font.NewCache(liberation.Collection()) })

func textStyle(size vg.Length, xa text.XAlignment, ya text.YAlignment) draw.TextStyle {
	return draw.TextStyle{Color: color.Black, Font: font.Font{Typeface: "Liberation", Variant: "Sans", Size: size},
		XAlign: xa, YAlign: ya, Handler: text.Plain{Fonts: fonts()}}
}

// ticks returns tick values from 0 by a round step (1, 2 or 5 times a
// power of ten, at least least), about n of them: up to the first multiple
// of step at or above max when up, else up to max.
func ticks(max float64, n int, up bool, least float64) (step float64, at []float64) {
	if !(max > 0) {
		max = 1
	}
	raw := max / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step = 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	step = math.Max(step, least)
	top := max
	if up {
		top = math.Ceil(max/step-1e-9) * step
	}
	for k := 0; float64(k)*step <= top*(1+1e-9); k++ {
		at = append(at, float64(k)*step)
	}
	return step, at
}

// tickLabel writes v with as many decimals as step needs.
func tickLabel(v, step float64) string {
	decimals := max(0, int(-math.Floor(math.Log10(step)+1e-9)))
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// Chart draws the idle seats per product over the history (oldest first)
// as a PNG of ChartWidthPx × ChartHeightPx: the snapshots of the newest
// one's idle period (SamePeriod), at least two.
func Chart(history []state.Snapshot) ([]byte, error) {
	history = SamePeriod(history)
	if len(history) < 2 {
		return nil, ErrTooFewSnapshots
	}
	series := Trend(history)
	w := vg.Length(ChartWidthPx) * vg.Inch / chartDPI
	h := vg.Length(ChartHeightPx) * vg.Inch / chartDPI
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(chartDPI), vgimg.UseBackgroundColor(color.White))
	c := draw.New(img)

	maxX, maxY := 0.0, 0.0
	for _, s := range series {
		for _, p := range s.Points {
			maxX, maxY = max(maxX, p.Weeks), max(maxY, float64(p.Idle))
		}
	}
	// The weeks end where the history does; the seats at a round number.
	xStep, xTicks := ticks(maxX, 6, false, 0.1) // a tenth of a week at least: no 15-decimal labels
	yStep, yTicks := ticks(maxY, 5, true, 1)    // whole seats
	xTop, yTop := max(maxX, xTicks[len(xTicks)-1]), yTicks[len(yTicks)-1]

	var (
		pad     = vg.Points(8)
		gap     = vg.Points(4)
		tickLen = vg.Points(4)
		title   = textStyle(vg.Points(titlePt), draw.XCenter, draw.YTop)
		label   = textStyle(vg.Points(labelPt), draw.XCenter, draw.YBottom)
		yLabel  = textStyle(vg.Points(labelPt), draw.XCenter, draw.YTop)
		xTick   = textStyle(vg.Points(tickPt), draw.XCenter, draw.YTop)
		yTick   = textStyle(vg.Points(tickPt), draw.XRight, draw.YCenter)
		legend  = textStyle(vg.Points(legendPt), draw.XLeft, draw.YCenter)
	)
	yLabel.Rotation = math.Pi / 2
	yLabels := make([]string, len(yTicks))
	var yLabelW vg.Length
	for i, v := range yTicks {
		yLabels[i] = tickLabel(v, yStep)
		yLabelW = max(yLabelW, yTick.Width(yLabels[i]))
	}
	xLabel := "Weeks since " + history[0].Taken.UTC().Format("2006-01-02")
	lastX := tickLabel(xTop, xStep)

	// The plot area, inside the title, the axis labels and the ticks.
	left := pad + label.Height(xLabel) + gap + yLabelW + gap + tickLen
	right := w - max(pad, xTick.Width(lastX)/2+gap)
	bottom := pad + label.Height(xLabel) + gap + xTick.Height(lastX) + gap + tickLen
	top := h - pad - title.Height("Idle seats per product") - 2*gap
	x := func(v float64) vg.Length { return left + (right-left)*vg.Length(v/xTop) }
	y := func(v float64) vg.Length { return bottom + (top-bottom)*vg.Length(v/yTop) }

	c.FillText(title, vg.Point{X: (left + right) / 2, Y: h - pad}, "Idle seats per product")
	c.FillText(label, vg.Point{X: (left + right) / 2, Y: pad}, xLabel)
	c.FillText(yLabel, vg.Point{X: pad, Y: (bottom + top) / 2}, "Idle seats")

	grid := draw.LineStyle{Color: color.Gray{Y: 210}, Width: vg.Points(0.5)}
	axis := draw.LineStyle{Color: color.Black, Width: vg.Points(0.75)}
	for _, v := range xTicks {
		c.StrokeLine2(grid, x(v), bottom, x(v), top)
		c.StrokeLine2(axis, x(v), bottom, x(v), bottom-tickLen)
		c.FillText(xTick, vg.Point{X: x(v), Y: bottom - tickLen - gap}, tickLabel(v, xStep))
	}
	for i, v := range yTicks {
		c.StrokeLine2(grid, left, y(v), right, y(v))
		c.StrokeLine2(axis, left-tickLen, y(v), left, y(v))
		c.FillText(yTick, vg.Point{X: left - tickLen - gap, Y: y(v)}, yLabels[i])
	}
	c.StrokeLine2(axis, left, bottom, right, bottom)
	c.StrokeLine2(axis, left, bottom, left, top)

	styles := make([]draw.LineStyle, len(series))
	for i, s := range series {
		styles[i] = draw.LineStyle{Color: SeriesColor(i), Width: vg.Points(2.5)}
		if i >= len(palette) {
			styles[i].Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		}
		pts := make([]vg.Point, len(s.Points))
		for j, p := range s.Points {
			pts[j] = vg.Point{X: x(p.Weeks), Y: y(float64(p.Idle))}
		}
		c.StrokeLines(styles[i], pts)
		dot := draw.GlyphStyle{Color: SeriesColor(i), Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
		for _, pt := range pts {
			c.DrawGlyph(dot, pt)
		}
	}

	// The legend, top left in the plot area, on a pale box so that lines
	// under it do not cross its words: as many rows as fit (the last then
	// says how many more), names cut to a third of the width.
	row := legend.Height("Jg") * 1.25
	sample := vg.Points(22)
	names := make([]string, len(series))
	for i, s := range series {
		names[i] = fitText(legend.Width, seat.ProductName(s.Key), (right-left)/3)
	}
	names, shown := legendRows(names, max(1, int((top-bottom-vg.Points(12))/row)))
	var textW vg.Length
	for _, n := range names {
		textW = max(textW, legend.Width(n))
	}
	x0, y0 := left+vg.Points(6), top-vg.Points(6)
	y1 := y0 - row*vg.Length(len(names)) - gap
	box := []vg.Point{{X: x0 - gap, Y: y0 + gap}, {X: x0 + sample + gap + textW + gap, Y: y0 + gap},
		{X: x0 + sample + gap + textW + gap, Y: y1}, {X: x0 - gap, Y: y1}}
	c.FillPolygon(color.NRGBA{R: 255, G: 255, B: 255, A: 215}, box)
	for i, n := range names {
		ly := y0 - row*vg.Length(i) - row/2
		if i < shown {
			c.StrokeLine2(styles[i], x0, ly, x0+sample, ly)
		}
		c.FillText(legend, vg.Point{X: x0 + sample + gap, Y: ly}, n)
	}

	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("chart: encode PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// fitText cuts txt, with an ellipsis, to at most width as measure
// (a text style's Width) measures it, on one line: white space runs become
// one space, and control and invisible format characters go (a key from
// upstream with line breaks would spill over the rest of the chart). The
// cut is found by halving, not rune by rune: a product key of thousands of
// runes from upstream would otherwise take minutes of CPU to draw.
func fitText(measure func(string) vg.Length, txt string, width vg.Length) string {
	txt = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, txt)), " ")
	if measure(txt) <= width {
		return txt
	}
	r := []rune(txt)
	// The longest prefix, of at least one rune, that fits with the ellipsis.
	lo, hi := 1, len(r)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if measure(string(r[:mid])+"…") <= width {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return string(r[:lo]) + "…"
}

// legendRows is the legend's lines for names when fit rows fit: all of
// them, or the first fit-1 and a line saying how many more; shown is how
// many series the lines name.
func legendRows(names []string, fit int) (rows []string, shown int) {
	if len(names) <= fit {
		return names, len(names)
	}
	shown = max(0, fit-1)
	return append(names[:shown:shown], fmt.Sprintf("…and %d more", len(names)-shown)), shown
}
