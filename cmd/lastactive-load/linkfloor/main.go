// Command linkfloor is the memory floor of lastactive's dependencies: a
// process that links what the bot links (slack-go and gorilla's WebSocket,
// SQLite, pgx, goose, Prometheus, gonum's canvas and fonts), runs their package
// initialisation, opens and writes one SQLite database as the bot's default
// store does, and then prints its own resident set from /proc and exits. It
// does no work: whatever the bot holds above it is the bot's.
//
//	CGO_ENABLED=0 go build -o /tmp/linkfloor ./cmd/lastactive-load/linkfloor && /tmp/linkfloor
package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/pressly/goose/v3"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "github.com/slack-go/slack/socketmode"
	_ "gonum.org/v1/plot/font/liberation"
	_ "gonum.org/v1/plot/vg/draw"
	_ "gonum.org/v1/plot/vg/vgimg"
	_ "modernc.org/sqlite"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "linkfloor: %v\n", err)
		os.Exit(1)
	}
}

// run prints VmHWM, RssAnon and RssFile to w, one a line.
func run(w io.Writer) error {
	dir, err := os.MkdirTemp("", "linkfloor")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := sql.Open("sqlite", filepath.Join(dir, "floor.db")+"?_pragma=journal_mode(WAL)")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER); INSERT INTO t VALUES ('x', 1)"); err != nil {
		return err
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return err
	}
	for l := range strings.Lines(string(status)) {
		for _, k := range []string{"VmHWM:", "RssAnon:", "RssFile:"} {
			if strings.HasPrefix(l, k) {
				fmt.Fprintln(w, strings.Join(strings.Fields(l), " "))
			}
		}
	}
	return nil
}
