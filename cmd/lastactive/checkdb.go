package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"lastactive/internal/credentials"
	"lastactive/internal/state"
)

// checkDatabase opens LASTACTIVE_DATABASE_URL and pings it. It creates
// nothing: a SQLite file that does not exist yet passes when its directory
// is writable (serve creates it). The URL's password never appears.
func checkDatabase(ctx context.Context, c Config) credentials.Result {
	r := credentials.Result{Name: "Database (LASTACTIVE_DATABASE_URL)", API: credentials.Database, Status: credentials.Fail}
	if c.DatabaseURL == "" {
		r.Status, r.Detail = credentials.Skip, "not configured: state is kept in memory"
		return r
	}
	if path, ok := strings.CutPrefix(c.DatabaseURL, "sqlite:"); ok && path != ":memory:" {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			dir := filepath.Dir(path)
			f, err := os.CreateTemp(dir, ".lastactive-check-*")
			if err != nil {
				r.Detail = fmt.Sprintf("SQLite file %s does not exist and its directory cannot be written", path)
				r.Fix = "point LASTACTIVE_DATABASE_URL at a writable directory (the container uses sqlite:/data/lastactive.db on a volume)"
				return r
			}
			f.Close()
			os.Remove(f.Name())
			r.Status, r.Detail = credentials.OK, fmt.Sprintf("SQLite file %s will be created by serve or lastactive migrate", path)
			return r
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := state.Open(ctx, c.DatabaseURL)
	if err == nil {
		err = s.Ping(ctx)
		defer s.Close()
	}
	if err != nil {
		r.Detail = "cannot open the database: " + clip(err.Error(), 200)
		r.Fix = "check the host, port, user, password and database name (or the SQLite path), and that the database accepts connections from here"
		return r
	}
	r.Status, r.Detail = credentials.OK, "answers: "+s.String()
	return r
}
