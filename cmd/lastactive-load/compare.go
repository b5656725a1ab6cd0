package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
)

// Comparison is the bot against a floor (the bare acker, or the
// reference), run in pairs that alternate (bot, floor, bot, floor, …) so
// that both see the same machine.
type Comparison struct {
	FloorTarget string `json:"floor_target"` // TargetBare or TargetReference
	Pairs       []Pair `json:"pairs"`
	// Median of each figure over the pairs; the ratios are the medians of
	// the per-pair ratios, not ratios of medians.
	Median PairFigures `json:"median"`
}

// Pair is one bot run and the floor's run right after it.
type Pair struct {
	Bot     Result      `json:"bot"`
	Floor   Result      `json:"floor"`
	Figures PairFigures `json:"figures"`
}

// PairFigures are the compared figures of one pair (or their medians).
type PairFigures struct {
	AckP50   Versus `json:"ack_p50_ms"`
	AckP99   Versus `json:"ack_p99_ms"`
	CPU      Versus `json:"cpu_seconds_per_1000"`
	PeakRSS  Versus `json:"peak_rss_mb"`
	PeakAnon Versus `json:"peak_anon_rss_mb"`
	BotFloor struct {
		// The bot's uncached reply median over its upstream floor, and its
		// cached reply p99 (ms): what the bare acker does not do.
		ReplyToFloor float64 `json:"uncached_reply_to_floor"`
		CachedP99    float64 `json:"cached_reply_p99_ms"`
	} `json:"bot"`
}

// Versus is one figure for both targets and bot ÷ floor.
type Versus struct {
	Bot   float64 `json:"bot"`
	Floor float64 `json:"floor"`
	Ratio float64 `json:"ratio"`
}

func versus(bot, floor float64) Versus {
	v := Versus{Bot: bot, Floor: floor}
	if floor > 0 {
		v.Ratio = round(bot/floor, 2)
	}
	return v
}

// Compare runs pairs × (bot, o.Floor) with o, alternating, and collects
// the figures. It stops at the first run that fails.
func Compare(ctx context.Context, o Options, pairs int) (Comparison, error) {
	if o.InProcess {
		return Comparison{}, fmt.Errorf("-compare needs the bot as a subprocess (its CPU and memory are read from /proc)")
	}
	// Built once for all the runs.
	for _, b := range []struct {
		bin *string
		pkg string
	}{{&o.Bin, "lastactive/cmd/lastactive"}, {&o.BareBin, "lastactive/cmd/lastactive-load/bare"}} {
		if *b.bin != "" {
			continue
		}
		bin, dir, err := buildBinary(ctx, b.pkg)
		if err != nil {
			return Comparison{}, err
		}
		defer os.RemoveAll(dir)
		*b.bin = bin
	}
	c := Comparison{FloorTarget: cmp.Or(o.Floor, TargetBare)}
	if c.FloorTarget != TargetBare && c.FloorTarget != TargetReference {
		return c, fmt.Errorf("unknown floor %q: want %s or %s", o.Floor, TargetBare, TargetReference)
	}
	for range max(pairs, 1) {
		var p Pair
		for _, target := range []string{TargetBot, c.FloorTarget} {
			ro := o
			ro.Target = target
			r, err := Run(ctx, ro)
			if err != nil {
				return c, fmt.Errorf("%s run: %w", target, err)
			}
			if target == TargetBot {
				p.Bot = r
			} else {
				p.Floor = r
			}
		}
		f := &p.Figures
		f.AckP50 = versus(p.Bot.Ack.P50, p.Floor.Ack.P50)
		f.AckP99 = versus(p.Bot.Ack.P99, p.Floor.Ack.P99)
		f.CPU = versus(p.Bot.CPUPer1000, p.Floor.CPUPer1000)
		f.PeakRSS = versus(p.Bot.PeakRSSMB, p.Floor.PeakRSSMB)
		f.PeakAnon = versus(p.Bot.PeakAnonMB, p.Floor.PeakAnonMB)
		f.BotFloor.ReplyToFloor, f.BotFloor.CachedP99 = p.Bot.FloorRatio, p.Bot.ReplyCached.P99
		c.Pairs = append(c.Pairs, p)
	}
	med := func(get func(PairFigures) float64) float64 {
		var xs []float64
		for _, p := range c.Pairs {
			xs = append(xs, get(p.Figures))
		}
		return medianFloat(xs)
	}
	medV := func(get func(PairFigures) Versus) Versus {
		return Versus{
			Bot:   med(func(f PairFigures) float64 { return get(f).Bot }),
			Floor: med(func(f PairFigures) float64 { return get(f).Floor }),
			Ratio: med(func(f PairFigures) float64 { return get(f).Ratio }),
		}
	}
	m := &c.Median
	m.AckP50 = medV(func(f PairFigures) Versus { return f.AckP50 })
	m.AckP99 = medV(func(f PairFigures) Versus { return f.AckP99 })
	m.CPU = medV(func(f PairFigures) Versus { return f.CPU })
	m.PeakRSS = medV(func(f PairFigures) Versus { return f.PeakRSS })
	m.PeakAnon = medV(func(f PairFigures) Versus { return f.PeakAnon })
	m.BotFloor.ReplyToFloor = med(func(f PairFigures) float64 { return f.BotFloor.ReplyToFloor })
	m.BotFloor.CachedP99 = med(func(f PairFigures) float64 { return f.BotFloor.CachedP99 })
	return c, nil
}

// lost counts the commands lost in any run of c, and the users.info calls
// the fake Slack refused or that asked about someone not mentioned.
func (c Comparison) lost() int {
	n := 0
	for _, p := range c.Pairs {
		n += p.Bot.Lost + p.Bot.Wrong + p.Floor.Lost + p.Floor.Wrong + p.Bot.UsersInfoBad + p.Floor.UsersInfoBad
	}
	return n
}

// writeComparison prints c for a person: each figure for both targets and
// their ratio, pair by pair, then the medians.
func writeComparison(w io.Writer, c Comparison) error {
	if len(c.Pairs) == 0 {
		return nil
	}
	r := c.Pairs[0].Bot
	fl := c.FloorTarget
	fmt.Fprintf(w, "lastactive load, bot against the %s: %d pairs (bot, %s, bot, %s, …), each %d commands, concurrency %d, mix %s, upstream latency %.0f ms\n\n",
		fl, len(c.Pairs), fl, fl, r.Sent, r.Concurrency, r.Mix, r.LatencyMS)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "figure\t\t")
	for i := range c.Pairs {
		fmt.Fprintf(tw, "pair %d\t", i+1)
	}
	fmt.Fprintln(tw, "median\t")
	rows := []struct {
		name string
		get  func(PairFigures) Versus
	}{
		{"ack p50 (ms)", func(f PairFigures) Versus { return f.AckP50 }},
		{"ack p99 (ms)", func(f PairFigures) Versus { return f.AckP99 }},
		{"CPU s / 1,000 commands", func(f PairFigures) Versus { return f.CPU }},
		{"peak RSS (MB)", func(f PairFigures) Versus { return f.PeakRSS }},
		{"peak anon RSS (MB)", func(f PairFigures) Versus { return f.PeakAnon }},
	}
	for _, row := range rows {
		for k, part := range []struct {
			label string
			get   func(Versus) float64
		}{{"bot", func(v Versus) float64 { return v.Bot }}, {fl, func(v Versus) float64 { return v.Floor }}, {"bot ÷ " + fl, func(v Versus) float64 { return v.Ratio }}} {
			name := ""
			if k == 0 {
				name = row.name
			}
			fmt.Fprintf(tw, "%s\t%s\t", name, part.label)
			for _, p := range c.Pairs {
				fmt.Fprintf(tw, "%.3g\t", part.get(row.get(p.Figures)))
			}
			fmt.Fprintf(tw, "%.3g\t\n", part.get(row.get(c.Median)))
		}
	}
	fmt.Fprint(tw, "bot: uncached reply ÷ floor\t\t")
	for _, p := range c.Pairs {
		fmt.Fprintf(tw, "%.3f\t", p.Figures.BotFloor.ReplyToFloor)
	}
	fmt.Fprintf(tw, "%.3f\t\n", c.Median.BotFloor.ReplyToFloor)
	fmt.Fprint(tw, "bot: cached reply p99 (ms)\t\t")
	for _, p := range c.Pairs {
		fmt.Fprintf(tw, "%.3g\t", p.Figures.BotFloor.CachedP99)
	}
	fmt.Fprintf(tw, "%.3g\t\n", c.Median.BotFloor.CachedP99)
	if err := tw.Flush(); err != nil {
		return err
	}
	what := "acks missing for the bare acker"
	if fl == TargetReference {
		what = "replies lost or wrong for the reference"
	}
	_, err := fmt.Fprintf(w, "\nlost: %d (replies lost or wrong for the bot, %s)\n", c.lost(), what)
	return err
}
