package main

import (
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"lastactive/internal/testlog"
)

// served are the serve processes each test started and has not yet
// cleaned up, for dumpServes.
var served struct {
	mu sync.Mutex
	of map[testing.TB][]servedProc
}

type servedProc struct {
	cmd  *exec.Cmd
	logs *testlog.Buffer
}

// trackServe records cmd as t's until t's cleanup.
func trackServe(t testing.TB, cmd *exec.Cmd, logs *testlog.Buffer) {
	served.mu.Lock()
	defer served.mu.Unlock()
	if served.of == nil {
		served.of = map[testing.TB][]servedProc{}
	}
	served.of[t] = append(served.of[t], servedProc{cmd, logs})
}

func untrackServes(t testing.TB) {
	served.mu.Lock()
	defer served.mu.Unlock()
	delete(served.of, t)
}

// dumpServes, for a wait that timed out, stops each serve process t
// started with SIGQUIT, on which Go prints every goroutine's stack, and
// returns those stacks that run lastactive's code: what the process was
// waiting on. The processes have ended when it returns.
func dumpServes(t testing.TB) string {
	served.mu.Lock()
	procs := served.of[t]
	served.mu.Unlock()
	var out strings.Builder
	for i, p := range procs {
		if p.cmd.ProcessState != nil || p.cmd.Process == nil {
			continue
		}
		before := len(p.logs.String())
		done := make(chan struct{})
		go func() { p.cmd.Wait(); close(done) }()
		p.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			p.cmd.Process.Kill()
			<-done
		}
		fmt.Fprintf(&out, "\n--- serve process %d (pid %d), goroutines at the timeout:\n%s", i+1, p.cmd.Process.Pid,
			trimStacks(p.logs.String()[before:]))
	}
	return out.String()
}

// trimStacks keeps, of a SIGQUIT dump, the goroutines with a frame of
// lastactive (the runtime's, the HTTP server's and the drivers' idle ones
// say nothing), each at most 40 lines without the runtime's frames, and
// those seen before only once.
func trimStacks(dump string) string {
	i := strings.Index(dump, "\ngoroutine ")
	if i < 0 {
		return dump
	}
	var out strings.Builder
	seen := map[string]int{}
	var order []string
	heads := map[string]string{}
	for block := range strings.SplitSeq(dump[i+1:], "\n\n") {
		head, body, _ := strings.Cut(block, "\n")
		if !strings.HasPrefix(head, "goroutine ") || !strings.Contains(body, "lastactive/") {
			continue
		}
		// The runtime's own frames (gopark, selectgo) and the frame
		// and program counters say nothing here.
		var lines []string
		all := strings.Split(body, "\n")
		for j := 0; j < len(all); j++ {
			l := all[j]
			if strings.HasPrefix(l, "runtime.") && j+1 < len(all) && strings.HasPrefix(all[j+1], "\t") {
				j++
				continue
			}
			if strings.HasPrefix(l, "\t") {
				l, _, _ = strings.Cut(l, " +0x")
			}
			lines = append(lines, l)
		}
		if len(lines) > 40 {
			lines = append(lines[:40], "\t...")
		}
		// The same stack in many goroutines is said once, counted: its
		// frames without their arguments and addresses.
		var key strings.Builder
		for _, l := range lines {
			if !strings.HasPrefix(l, "\t") {
				f, _, _ := strings.Cut(l, "(0x")
				key.WriteString(f + "\n")
			}
		}
		k := key.String()
		if seen[k] == 0 {
			order = append(order, k)
			heads[k] = head + "\n" + strings.Join(lines, "\n")
		}
		seen[k]++
	}
	for _, k := range order {
		if n := seen[k]; n > 1 {
			fmt.Fprintf(&out, "[%d goroutines]\n", n)
		}
		out.WriteString(heads[k] + "\n\n")
	}
	if out.Len() == 0 {
		return dump
	}
	return out.String()
}
