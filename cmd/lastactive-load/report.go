package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"
	"time"
)

// percentile is the nearest-rank percentile p (0-100) of ds; 0 when empty.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func medianFloat(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

func summary(ds []time.Duration) Latencies {
	if len(ds) == 0 {
		return Latencies{}
	}
	return Latencies{N: len(ds), P50: ms(percentile(ds, 50)), P99: ms(percentile(ds, 99)), Max: ms(slices.Max(ds))}
}

// writeTable prints r for a person.
func writeTable(w io.Writer, r Result) error {
	fmt.Fprintf(w, "lastactive load: %d commands, concurrency %d, mix %s (%d people), upstream latency %v, page size %d, bot %s\n\n",
		r.Sent, r.Concurrency, r.Mix, r.DistinctPeople, time.Duration(r.LatencyMS*float64(time.Millisecond)), r.PageSize, r.Mode)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "latency (ms)\tn\tp50\tp99\tmax\t")
	row := func(name string, l Latencies) {
		if l.N == 0 {
			fmt.Fprintf(tw, "%s\t0\t-\t-\t-\t\n", name)
			return
		}
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%.2f\t\n", name, l.N, l.P50, l.P99, l.Max)
	}
	row("ack (on the wire)", r.Ack)
	row("ack (noticed here)", r.AckNoticed)
	row("reply, all", r.Reply)
	row("first ask (uncached)", r.ReplyFirst)
	row("sent while in flight", r.ReplyWaiting)
	row("sent after answered (cached)", r.ReplyCached)
	if err := tw.Flush(); err != nil {
		return err
	}
	yes := map[bool]string{true: "yes", false: "NO"}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "bot-side ack         p99 <= %.3f ms (frame read to ack written, from /metrics)\n", r.BotAckP99MS)
	fmt.Fprintf(w, "uncached floor       %.0f ms median (1 Jira search + 1 call per Admin page); reply/floor median %.3f\n", r.FloorMS, r.FloorRatio)
	fmt.Fprintf(w, "upstream calls       %d Jira + %d Admin + %d workspaces (site names) = %.3f per command; one chain per person: %s (Admin expected %d)\n",
		r.JiraCalls, r.AdminCalls, r.WorkspacesCalls, r.UpstreamPerCommand, yes[r.OneChainEach], r.ExpectedAdmin)
	if r.Mentions > 0 {
		fmt.Fprintf(w, "mentions             %d commands by mention: %d users.info calls for %d people mentioned, %d refused or wrong\n",
			r.Mentions, r.UsersInfoCalls, r.ExpectedUsersInfo, r.UsersInfoBad)
	}
	fmt.Fprintf(w, "cache                %d hits, %d misses: hit ratio %.3f\n", r.CacheHits, r.CacheMisses, r.CacheHitRatio)
	fmt.Fprintf(w, "replies              %d received of %d sent; lost %d, wrong %d, late acks %d\n", r.Received, r.Sent, r.Lost, r.Wrong, r.LateAcks)
	if r.PeakRSSMB > 0 {
		fmt.Fprintf(w, "bot peak RSS         %.1f MB (VmHWM); anonymous %.1f MB (RssAnon, sampled every 10 ms: the rest is pages of the binary)\n", r.PeakRSSMB, r.PeakAnonMB)
	} else {
		fmt.Fprintf(w, "bot peak RSS         n/a (in-process)\n")
	}
	if r.CPUPer1000 > 0 {
		fmt.Fprintf(w, "%-20s %.3f CPU s per 1,000 commands (user+system, /proc)\n", r.Mode+" CPU", r.CPUPer1000)
	}
	_, err := fmt.Fprintf(w, "wall time            %.2f s, %.0f commands/s\n", r.WallSeconds, r.CommandsPerSec)
	return err
}
