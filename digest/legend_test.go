package digest

import (
	"strings"
	"testing"
	"unicode/utf8"

	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
)

// TestLegendRows: the legend holds at most the rows that fit, the last of
// them saying how many more products there are (before, 300 products ran
// it off the image); fitText cuts a long name with an ellipsis to the width.
func TestLegendRows(t *testing.T) {
	names := make([]string, 40)
	for i := range names {
		names[i] = "p"
	}
	rows, shown := legendRows(names, 17)
	if len(rows) != 17 || shown != 16 || rows[16] != "…and 24 more" {
		t.Errorf("40 names, 17 rows: %d rows, %d shown, last %q", len(rows), shown, rows[len(rows)-1])
	}
	if rows, shown := legendRows(names[:5], 17); len(rows) != 5 || shown != 5 {
		t.Errorf("5 names, 17 rows: %d rows, %d shown", len(rows), shown)
	}
	if rows, shown := legendRows(names, 1); len(rows) != 1 || shown != 0 || rows[0] != "…and 40 more" {
		t.Errorf("one row: %q, %d shown", rows, shown)
	}

	sty := textStyle(vg.Points(legendPt), text.XLeft, text.YCenter)
	long := strings.Repeat("Jira Service Management ", 10)
	cut := fitText(sty.Width, long, vg.Points(150))
	if !strings.HasSuffix(cut, "…") || sty.Width(cut) > vg.Points(150) || !strings.HasPrefix(long, strings.TrimSuffix(cut, "…")) {
		t.Errorf("fitText = %q (width %v), want a prefix and an ellipsis within 150 pt", cut, sty.Width(cut))
	}
	if got := fitText(sty.Width, "Confluence", vg.Points(150)); got != "Confluence" {
		t.Errorf("a short name was cut: %q", got)
	}
}

// TestFitTextLongName: a product key of thousands of runes (unknown keys
// are drawn as they come from upstream) is cut by measuring a few
// prefixes, not one per rune: before, each such name in the legend cost a
// quadratic number of glyph measurements (40 names of 5,000 runes, 33 s of
// CPU per chart, redrawn on App Home opens).
func TestFitTextLongName(t *testing.T) {
	sty := textStyle(vg.Points(legendPt), text.XLeft, text.YCenter)
	long := strings.Repeat("W", 4000)
	calls, runes := 0, 0
	measure := func(s string) vg.Length {
		calls++
		runes += utf8.RuneCountInString(s)
		return sty.Width(s)
	}
	cut := fitText(measure, long, vg.Points(150))
	if !strings.HasSuffix(cut, "…") || sty.Width(cut) > vg.Points(150) || sty.Width(cut[:len(cut)-len("…")]+"W…") <= vg.Points(150) {
		t.Errorf("fitText = %q, want the longest prefix that fits 150 pt with an ellipsis", cut)
	}
	if calls > 16 || runes > 16*4000 {
		t.Errorf("fitText measured %d strings, %d runes in all, for one name of 4,000 runes; want at most 16 and 64,000", calls, runes)
	}
}

// TestFitTextOneLine: a product key is drawn as it comes from upstream; one
// with line breaks (or other controls) stays one legend row, instead of
// spilling over the other names, the plot and the title.
func TestFitTextOneLine(t *testing.T) {
	sty := textStyle(vg.Points(legendPt), text.XLeft, text.YCenter)
	for _, key := range []string{"a\nb\nc\nd", "\n\n\nx", "a\rb", "a\u2028b\u0085c", "tab\tkey\x1b[2J", "\u202eevil\u200b"} {
		got := fitText(sty.Width, key, vg.Points(250))
		if sty.Height(got) > sty.Height("Jg") || strings.ContainsFunc(got, func(r rune) bool {
			return r < 0x20 || r >= 0x7f && r < 0xa0 || r == '\u2028' || r == '\u202e' || r == '\u200b'
		}) {
			t.Errorf("fitText(%q) = %q: not one clean line", key, got)
		}
	}
}
