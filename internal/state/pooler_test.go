package state

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"sort"
	"strings"
	"testing"
	"time"
)

// startupParams listens on loopback for one PostgreSQL connection, reads
// its StartupMessage (int32 length, int32 protocol 3.x, then name\0value\0
// pairs and a final \0), closes the connection and sends the parameters
// on the channel (nil when the message could not be read).
func startupParams(t *testing.T) (addr string, got <-chan map[string]string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ch := make(chan map[string]string, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			ch <- nil
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
		for {
			var head [8]byte
			if _, err := io.ReadFull(c, head[:]); err != nil {
				ch <- nil
				return
			}
			n := binary.BigEndian.Uint32(head[:4])
			code := binary.BigEndian.Uint32(head[4:])
			if code == 80877103 || code == 80877104 { // SSLRequest, GSSENCRequest: "no"
				if _, err := c.Write([]byte{'N'}); err != nil {
					ch <- nil
					return
				}
				continue
			}
			if code>>16 != 3 || n < 9 || n > 10000 {
				ch <- nil
				return
			}
			body := make([]byte, n-8)
			if _, err := io.ReadFull(c, body); err != nil {
				ch <- nil
				return
			}
			params := map[string]string{}
			parts := bytes.Split(bytes.TrimSuffix(body, []byte{0}), []byte{0})
			for i := 0; i+1 < len(parts); i += 2 {
				params[string(parts[i])] = string(parts[i+1])
			}
			ch <- params
			return
		}
	}()
	return l.Addr().String(), ch
}

// TestPostgresStartupCarriesNoSettings: connection poolers in front of
// managed PostgreSQL refuse a startup parameter they do not track:
// PgBouncer answers "unsupported startup parameter: lock_timeout" unless
// its admin listed it in ignore_startup_parameters, and RDS Proxy is as
// picky. The store sent lock_timeout and default_transaction_isolation
// there, so through a default PgBouncer it never opened: migrate, check
// and serve all failed. A URL that sets nothing of its own now sends user
// and database only; the two settings follow once connected.
func TestPostgresStartupCarriesNoSettings(t *testing.T) {
	t.Parallel()
	addr, got := startupParams(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, "postgres://u:"+testPassword+"@"+addr+"/db?sslmode=disable")
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded against a server that closed the connection")
	}
	params := <-got
	if params == nil {
		t.Fatalf("no StartupMessage read (Open: %v)", err)
	}
	var extra []string
	for k, v := range params {
		switch k {
		case "user", "database":
		case "application_name", "options":
			// Only from the environment (PGAPPNAME, PGOPTIONS): the operator's.
		default:
			extra = append(extra, k+"="+v)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("startup message carries %s: a pooler such as PgBouncer refuses the connection for it", strings.Join(extra, ", "))
	}
	if params["user"] != "u" || params["database"] != "db" {
		t.Errorf("startup message: user %q, database %q; want u, db", params["user"], params["database"])
	}
}
