//go:build profile

package main

import (
	"log"
	"net/http"
	_ "net/http/pprof"
	"os"
)

// Built with -tags profile, the bot serves net/http/pprof on
// LASTACTIVE_PPROF_ADDR (loopback only, never in a release build), for the
// load tool's runs: go tool pprof http://127.0.0.1:6060/debug/pprof/allocs.
func init() {
	addr := os.Getenv("LASTACTIVE_PPROF_ADDR")
	if addr == "" {
		return
	}
	go func() { log.Println(http.ListenAndServe(addr, nil)) }()
}
