// Command lastactive-load measures the bot under load, on loopback only.
//
// It starts a fake Slack and a fake Atlassian (with a fixed latency on every
// answer), runs the real bot against them (the built binary by default, so
// that its memory is measured on its own), sends N slash commands at
// concurrency C and reports ack and reply latencies, the floor an uncached
// reply cannot beat, upstream calls per command, the cache hit ratio, lost
// replies and the bot's peak RSS:
//
//	go run ./cmd/lastactive-load -n 1000 -c 50 -mix distinct -latency 50ms
//	go run ./cmd/lastactive-load -mix zipf -json
//	go run ./cmd/lastactive-load -mix mention
//
// With -target bare it runs the floor instead of the bot: a slack-go Socket
// Mode client that acks every envelope at once and does nothing else. With
// -compare P it runs P pairs, bot then bare, alternating, and prints ack
// p50/p99, CPU seconds per 1,000 commands and peak RSS for both, and their
// ratio, pair by pair and as medians:
//
//	go run ./cmd/lastactive-load -compare 3 -n 1000 -c 50 -mix distinct
//
// With -soak it checks reliability instead of speed: the fakes fail at
// random (seeded) as issue 9 describes, the sockets are disconnected or
// dropped every -k commands, and the bot is restarted gracefully -restarts
// times; every acked command must get exactly one clear reply:
//
//	go run ./cmd/lastactive-load -soak -n 2000 -c 20 -k 100 -restarts 3 -latency 50ms
//
// It exits 1 when any reply was lost or wrong (with -soak: lost, doubled,
// unclear, a bot crashed or did not settle), 2 on bad flags.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	var o Options
	var asJSON, quiet, soak, noFaults bool
	var k, restarts, pairs int
	var cpuProfile, memProfile string
	fs := flag.NewFlagSet("lastactive-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.N, "n", 1000, "commands to send")
	fs.IntVar(&o.Concurrency, "c", 50, "commands in flight at once")
	fs.StringVar(&o.Mix, "mix", MixDistinct, "whom the commands ask about: distinct, zipf, same, or mention (distinct, half of them named by Slack mention: users.info on the fake Slack)")
	fs.DurationVar(&o.Latency, "latency", 50e6, "latency of every fake Atlassian answer")
	fs.IntVar(&o.Users, "users", 20000, "size of the generated organisation")
	fs.IntVar(&o.PageSize, "page-size", 2, "products per Admin API page")
	fs.Int64Var(&o.Seed, "seed", 1, "seed for the organisation and the mix")
	fs.StringVar(&o.Target, "target", TargetBot, "what answers: bot; bare (a slack-go client that only acks: the floor); or reference (bare, plus the bot's upstream calls and a plain reply)")
	fs.StringVar(&o.Floor, "floor", TargetBare, "with -compare: what the bot is run against, bare or reference")
	fs.IntVar(&pairs, "compare", 0, "run `pairs` × (bot, floor), alternating, and print each figure for both and bot ÷ floor, with medians")
	fs.BoolVar(&o.InProcess, "inprocess", false, "run the bot in this process instead of as a subprocess")
	fs.StringVar(&o.Bin, "bin", "", "the lastactive binary (default: go build one)")
	fs.StringVar(&o.BareBin, "bare-bin", "", "the bare acker, built from ./cmd/lastactive-load/bare (default: go build one)")
	fs.DurationVar(&o.Timeout, "timeout", 10*60e9, "bound on the whole run")
	fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of this process to `file` (with -inprocess it includes the bot)")
	fs.StringVar(&memProfile, "memprofile", "", "write a heap profile of this process to `file` at the end of the run, before the bot stops (with -inprocess it is the bot's heap)")
	fs.BoolVar(&soak, "soak", false, "run the soak: faults, disconnects and restarts; check every acked command got exactly one clear reply")
	fs.IntVar(&k, "k", 100, "with -soak: disconnect or drop one socket every k commands (0: never)")
	fs.IntVar(&restarts, "restarts", 3, "with -soak: graceful restarts of the bot during the run")
	fs.BoolVar(&noFaults, "no-faults", false, "with -soak: inject no upstream or response_url faults")
	fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
	fs.BoolVar(&quiet, "quiet", false, "hide the bot's warnings")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "lastactive-load: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if o.Mix != MixDistinct && o.Mix != MixZipf && o.Mix != MixSame && (o.Mix != MixMention || soak) {
		fmt.Fprintf(stderr, "lastactive-load: -mix must be distinct, zipf or same (or mention, without -soak)\n")
		return 2
	}
	if o.Floor != TargetBare && o.Floor != TargetReference {
		fmt.Fprintf(stderr, "lastactive-load: -floor must be bare or reference\n")
		return 2
	}
	if !quiet {
		o.Stderr = stderr
	}
	o.MemProfile = memProfile

	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "lastactive-load: %v\n", err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "lastactive-load: %v\n", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if pairs > 0 {
		c, err := Compare(ctx, o, pairs)
		if err != nil {
			fmt.Fprintf(stderr, "lastactive-load: %v\n", err)
			return 1
		}
		if emit(stdout, asJSON, c, func(w io.Writer) error { return writeComparison(w, c) }) != nil {
			return 1
		}
		if n := c.lost(); n > 0 {
			fmt.Fprintf(stderr, "lastactive-load: %d commands lost or answered wrong\n", n)
			return 1
		}
		return 0
	}
	if soak {
		if k == 0 {
			k = -1
		}
		so := SoakOptions{N: o.N, Concurrency: o.Concurrency, Mix: o.Mix, Latency: o.Latency, Users: o.Users,
			PageSize: o.PageSize, Seed: o.Seed, DisruptEvery: k, Restarts: restarts, InProcess: o.InProcess,
			Bin: o.Bin, Timeout: o.Timeout, Stderr: o.Stderr, Faults: Faults{None: noFaults}}
		return runSoak(ctx, so, asJSON, stdout, stderr)
	}
	r, err := Run(ctx, o)
	if err != nil && r.Sent == 0 {
		fmt.Fprintf(stderr, "lastactive-load: %v\n", err)
		return 1
	}
	if emit(stdout, asJSON, r, func(w io.Writer) error { return writeTable(w, r) }) != nil {
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "lastactive-load: %v\n", err)
		return 1
	}
	if r.Lost > 0 || r.Wrong > 0 {
		fmt.Fprintf(stderr, "lastactive-load: %d replies lost, %d wrong\n", r.Lost, r.Wrong)
		return 1
	}
	if r.UsersInfoBad > 0 {
		fmt.Fprintf(stderr, "lastactive-load: %d users.info calls refused or about someone not mentioned\n", r.UsersInfoBad)
		return 1
	}
	return 0
}

func runSoak(ctx context.Context, o SoakOptions, asJSON bool, stdout, stderr io.Writer) int {
	r, err := Soak(ctx, o)
	if err != nil {
		fmt.Fprintf(stderr, "lastactive-load: soak: %v\n", err)
		return 1
	}
	if emit(stdout, asJSON, r, func(w io.Writer) error { return writeSoak(w, r) }) != nil {
		return 1
	}
	if !r.OK {
		return 1
	}
	return 0
}

// emit prints a result as indented JSON, or as the table its writer makes.
func emit(w io.Writer, asJSON bool, v any, table func(io.Writer) error) error {
	if !asJSON {
		return table(w)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
