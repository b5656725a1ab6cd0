package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
)

// Comparison is the bot against the bare acker, run in pairs that
// alternate (bot, bare, bot, bare, …) so that both see the same machine.
type Comparison struct {
	Pairs []Pair `json:"pairs"`
	// Median of each figure over the pairs; the ratios are the medians of
	// the per-pair ratios, not ratios of medians.
	Median PairFigures `json:"median"`
}

// Pair is one bot run and the bare run right after it.
type Pair struct {
	Bot     Result      `json:"bot"`
	Bare    Result      `json:"bare"`
	Figures PairFigures `json:"figures"`
}

// PairFigures are the compared figures of one pair (or their medians).
type PairFigures struct {
	AckP50   Versus `json:"ack_p50_ms"`
	AckP99   Versus `json:"ack_p99_ms"`
	CPU      Versus `json:"cpu_seconds_per_1000"`
	PeakRSS  Versus `json:"peak_rss_mb"`
	BotFloor struct {
		// The bot's uncached reply median over its upstream floor, and its
		// cached reply p99 (ms): what the bare acker does not do.
		ReplyToFloor float64 `json:"uncached_reply_to_floor"`
		CachedP99    float64 `json:"cached_reply_p99_ms"`
	} `json:"bot"`
}

// Versus is one figure for both targets and bot ÷ bare.
type Versus struct {
	Bot   float64 `json:"bot"`
	Bare  float64 `json:"bare"`
	Ratio float64 `json:"ratio"`
}

func versus(bot, bare float64) Versus {
	v := Versus{Bot: bot, Bare: bare}
	if bare > 0 {
		v.Ratio = round(bot/bare, 2)
	}
	return v
}

// Compare runs pairs × (bot, bare) with o, alternating, and collects the
// figures. It stops at the first run that fails.
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
	var c Comparison
	for range max(pairs, 1) {
		var p Pair
		for _, target := range []string{TargetBot, TargetBare} {
			ro := o
			ro.Target = target
			r, err := Run(ctx, ro)
			if err != nil {
				return c, fmt.Errorf("%s run: %w", target, err)
			}
			if target == TargetBot {
				p.Bot = r
			} else {
				p.Bare = r
			}
		}
		f := &p.Figures
		f.AckP50 = versus(p.Bot.Ack.P50, p.Bare.Ack.P50)
		f.AckP99 = versus(p.Bot.Ack.P99, p.Bare.Ack.P99)
		f.CPU = versus(p.Bot.CPUPer1000, p.Bare.CPUPer1000)
		f.PeakRSS = versus(p.Bot.PeakRSSMB, p.Bare.PeakRSSMB)
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
			Bare:  med(func(f PairFigures) float64 { return get(f).Bare }),
			Ratio: med(func(f PairFigures) float64 { return get(f).Ratio }),
		}
	}
	m := &c.Median
	m.AckP50 = medV(func(f PairFigures) Versus { return f.AckP50 })
	m.AckP99 = medV(func(f PairFigures) Versus { return f.AckP99 })
	m.CPU = medV(func(f PairFigures) Versus { return f.CPU })
	m.PeakRSS = medV(func(f PairFigures) Versus { return f.PeakRSS })
	m.BotFloor.ReplyToFloor = med(func(f PairFigures) float64 { return f.BotFloor.ReplyToFloor })
	m.BotFloor.CachedP99 = med(func(f PairFigures) float64 { return f.BotFloor.CachedP99 })
	return c, nil
}

// lost counts the commands lost in any run of c.
func (c Comparison) lost() int {
	n := 0
	for _, p := range c.Pairs {
		n += p.Bot.Lost + p.Bot.Wrong + p.Bare.Lost
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
	fmt.Fprintf(w, "lastactive load, bot against the bare acker: %d pairs (bot, bare, bot, bare, …), each %d commands, concurrency %d, mix %s, upstream latency %.0f ms\n\n",
		len(c.Pairs), r.Sent, r.Concurrency, r.Mix, r.LatencyMS)
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
	}
	for _, row := range rows {
		for k, part := range []struct {
			label string
			get   func(Versus) float64
		}{{"bot", func(v Versus) float64 { return v.Bot }}, {"bare", func(v Versus) float64 { return v.Bare }}, {"bot ÷ bare", func(v Versus) float64 { return v.Ratio }}} {
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
	_, err := fmt.Fprintf(w, "\nlost: %d (replies lost or wrong for the bot, acks missing for the bare acker)\n", c.lost())
	return err
}
