package digest_test

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"testing"
	"time"

	"lastactive/digest"
	"lastactive/internal/state"
)

func history(weeks int, products ...string) []state.Snapshot {
	var h []state.Snapshot
	for w := range weeks {
		s := state.Snapshot{Taken: now.AddDate(0, 0, 7*w)}
		for i, p := range products {
			// Two sites of one product add up to one series.
			s.Rows = append(s.Rows, state.SnapshotRow{Product: p, Site: "acme.atlassian.net", Idle: 10*i + w},
				state.SnapshotRow{Product: p, Site: "beta.atlassian.net", Idle: 2})
		}
		h = append(h, s)
	}
	return h
}

func TestChart(t *testing.T) {
	for _, c := range []struct {
		name     string
		history  []state.Snapshot
		products int
	}{
		{"two weeks, one product", history(2, "confluence"), 1},
		{"a year, three products (jira is jira-software)", history(52, "confluence", "jira", "jira-software", "jira-servicedesk"), 3},
		{"two years, eight products", history(104, "a", "b", "c", "d", "e", "f", "g", "h"), 8},
	} {
		t.Run(c.name, func(t *testing.T) {
			series := digest.Trend(c.history)
			if len(series) != c.products {
				t.Fatalf("Trend gave %d series, want %d", len(series), c.products)
			}
			if got := series[0].Points[len(c.history)-1].Idle; got != len(c.history)-1+2 && c.products != 3 {
				t.Errorf("last point of the first series = %d idle", got)
			}
			b, err := digest.Chart(c.history)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) >= 200<<10 {
				t.Errorf("PNG is %d bytes, want under 200 KB", len(b))
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if r := img.Bounds(); r.Dx() != digest.ChartWidthPx || r.Dy() != digest.ChartHeightPx {
				t.Errorf("PNG is %v, want %d×%d", r, digest.ChartWidthPx, digest.ChartHeightPx)
			}
			// Each series is drawn in its own colour, and no more colours of
			// the palette appear than there are series.
			counts := map[int]int{}
			for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
				for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
					r, g, b, _ := img.At(x, y).RGBA()
					for i := range 8 {
						sc := digest.SeriesColor(i)
						if uint8(r>>8) == sc.R && uint8(g>>8) == sc.G && uint8(b>>8) == sc.B {
							counts[i]++
						}
					}
				}
			}
			for i := range 8 {
				drawn := counts[i] > 20
				if drawn != (i < c.products) {
					t.Errorf("colour of series %d: %d pixels; %d series", i, counts[i], c.products)
				}
			}
			if os.Getenv("CHART_OUT") != "" {
				_ = os.WriteFile(os.Getenv("CHART_OUT")+"/"+t.Name()[len("TestChart/"):]+".png", b, 0o644)
			}
		})
	}
}

func TestChartNeedsTwoSnapshots(t *testing.T) {
	for _, h := range [][]state.Snapshot{nil, history(1, "confluence")} {
		if _, err := digest.Chart(h); !errors.Is(err, digest.ErrTooFewSnapshots) {
			t.Errorf("Chart(%d snapshots) = %v, want ErrTooFewSnapshots", len(h), err)
		}
	}
	_ = time.Second
}

// TestChartEdges: a history with no idle seat at all, or two snapshots
// taken at one instant, still draws (no division by zero, no fractional
// seats on the axis).
func TestChartEdges(t *testing.T) {
	flat := history(3, "confluence")
	for i := range flat {
		for j := range flat[i].Rows {
			flat[i].Rows[j].Idle = 0
		}
	}
	same := history(2, "confluence")
	same[1].Taken = same[0].Taken
	for name, h := range map[string][]state.Snapshot{"no idle seat": flat, "one instant": same} {
		b, err := digest.Chart(h)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if os.Getenv("CHART_OUT") != "" {
			_ = os.WriteFile(os.Getenv("CHART_OUT")+"/"+name+".png", b, 0o644)
		}
	}
}

// TestChartDrawsOnePeriod: snapshots counted at another idle period
// (LASTACTIVE_IDLE_DAYS changed from 30 to 90 days) are not comparable,
// as the digest's change line already says; the chart drew them on one
// line, so the threshold's change looked like people's. It draws only the
// snapshots of the newest one's period, from the first of them.
func TestChartDrawsOnePeriod(t *testing.T) {
	h := history(4, "confluence")
	for i := range h {
		h[i].IdleDays = 30
		if i >= 2 {
			h[i].IdleDays = 90
		}
	}
	series := digest.Trend(h)
	if len(series) != 1 || len(series[0].Points) != 2 || series[0].Points[0].Weeks != 0 {
		t.Errorf("Trend = %+v; want one series of the two 90-day snapshots, from week 0", series)
	}
	if _, err := digest.Chart(h[1:3]); !errors.Is(err, digest.ErrTooFewSnapshots) {
		t.Errorf("a chart of one 30-day and one 90-day snapshot: err %v, want ErrTooFewSnapshots", err)
	}
	if _, err := digest.Chart(h); err != nil {
		t.Errorf("a chart of two 90-day snapshots after two at 30: %v", err)
	}
}
