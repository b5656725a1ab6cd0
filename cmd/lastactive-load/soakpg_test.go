package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the admin connection

	"lastactive/internal/state"
)

// TestSoakCountsPostgresAuditTrail: with LASTACTIVE_DATABASE_URL naming a
// PostgreSQL database, the bots share it, as replicas do, and the soak must
// count the audit trail there as it does in its own SQLite file: one entry
// for every answer shown, restarts or not. Entries already in the database
// are not the soak's. Before, the soak counted nothing with the variable
// set, so lost audit entries went unseen on the store replicas use.
func TestSoakCountsPostgresAuditTrail(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	base := os.Getenv("LASTACTIVE_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("LASTACTIVE_TEST_POSTGRES_URL is not set (.ci/run starts a throw-away PostgreSQL)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	schema := fmt.Sprintf("soak_%d_%08x", time.Now().UnixNano(), mrand.Uint32())
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
	}()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	// An entry from before the soak, as a database in use holds.
	st, err := state.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err == nil {
		err = st.Append(ctx, state.AuditEntry{Actor: "UEARLIER", Emails: []string{"earlier@example.com"}, Kind: state.KindLookup, Outcome: state.OutcomeOK})
	}
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("LASTACTIVE_DATABASE_URL", u.String())

	var out, errs bytes.Buffer
	code := run([]string{"-soak", "-n", "80", "-c", "10", "-k", "20", "-restarts", "1", "-latency", "1ms",
		"-users", "300", "-seed", "5", "-json", "-timeout", "2m"}, &out, &errs)
	var r SoakResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("exit %d, output is not JSON: %v\n%s\n%s", code, err, out.String(), errs.String())
	}
	if r.AuditExpected == 0 || r.AuditStored != r.AuditExpected {
		t.Errorf("%d audit entries counted for %d answers shown: want all, and some", r.AuditStored, r.AuditExpected)
	}
	if code != 0 || !r.OK {
		t.Errorf("exit %d, ok %v, problems %q", code, r.OK, r.Problems)
	}
}
