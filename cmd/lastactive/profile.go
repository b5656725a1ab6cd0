//go:build profile

package main

import (
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"strconv"
)

// Built with -tags profile, the bot serves net/http/pprof on
// LASTACTIVE_PPROF_ADDR, for the load tool's runs:
// go tool pprof http://127.0.0.1:6060/debug/pprof/allocs. Never in a
// release build, and only on a loopback address: profiles show memory.
// The listener lives as long as the process.
func init() {
	addr := os.Getenv("LASTACTIVE_PPROF_ADDR")
	if addr == "" {
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		log.Printf("LASTACTIVE_PPROF_ADDR %q is not a loopback IP and port; not serving profiles", addr)
		return
	}
	// LASTACTIVE_MEMPROFILE_RATE samples the heap finer than the default
	// one allocation in 512 KiB, for a live heap of a few MB.
	if r, err := strconv.Atoi(os.Getenv("LASTACTIVE_MEMPROFILE_RATE")); err == nil && r > 0 {
		runtime.MemProfileRate = r
	}
	go func() { log.Println(http.ListenAndServe(addr, nil)) }()
}
