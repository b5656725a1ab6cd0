package state

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// OnWrite sets f to be called after every PostgreSQL statement that wrote
// (an INSERT, UPDATE or DELETE the server carried out, whatever the rows
// it touched, in a transaction or not), with the table it wrote ("" when
// the statement's text does not say: a statement prepared by name). It is
// the one place a write that worked is seen, whichever caller made it: a
// run of statements the server cancels ends there. f runs on the
// statement's goroutine while its connection is held: it must not run a
// statement, nor wait for one. SQLite calls nothing. nil: nothing called.
func (s *Store) OnWrite(f func(table string)) {
	if f == nil {
		s.onWrite.Store(nil)
		return
	}
	s.onWrite.Store(&f)
}

// CancelledTable is the table a statement the server cancelled
// (CancelledByServer) was writing or reading, "" when not known. The
// server names none for a cancellation: the store's tracer fills in the
// one the statement's text names.
func CancelledTable(err error) string {
	var pe *pgconn.PgError
	if !CancelledByServer(err) || !errors.As(err, &pe) {
		return ""
	}
	return pe.TableName
}

// statementTracer is the PostgreSQL connections' pgx.QueryTracer: it tells
// the store's OnWrite of each write that worked, and names the table of a
// statement the server cancelled (CancelledTable).
type statementTracer struct{ s *Store }

type statementSQL struct{}

func (t *statementTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	return context.WithValue(ctx, statementSQL{}, data.SQL)
}

func (t *statementTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	if data.Err != nil {
		var pe *pgconn.PgError
		if CancelledByServer(data.Err) && errors.As(data.Err, &pe) && pe.TableName == "" {
			sql, _ := ctx.Value(statementSQL{}).(string)
			pe.TableName = tableOf(sql)
		}
		return
	}
	if tag := data.CommandTag; tag.Insert() || tag.Update() || tag.Delete() {
		if f := t.s.onWrite.Load(); f != nil {
			sql, _ := ctx.Value(statementSQL{}).(string)
			(*f)(tableOf(sql))
		}
	}
}

// tableOf is the table a statement of the store's names first: the one
// after INSERT INTO, UPDATE, DELETE FROM or (a read) FROM; "" when none.
func tableOf(sql string) string {
	f := strings.Fields(sql)
	for i := 0; i+1 < len(f); i++ {
		w := strings.ToUpper(f[i])
		if i == 0 && w == "UPDATE" || w == "INTO" || w == "FROM" {
			name, _, _ := strings.Cut(f[i+1], "(")
			if name != "" {
				return name
			}
		}
	}
	return ""
}
