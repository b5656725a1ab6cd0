package seat

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// column is one column of the CSV: its header and how a row fills it. The
// header and the cells come from this one list, so they cannot drift apart.
type column struct {
	header string
	cell   func(Row) string
}

var columns = []column{
	{"name", func(r Row) string { return r.Name }},
	{"email", func(r Row) string { return r.Email }},
	{"account ID", func(r Row) string { return r.AccountID }},
	{"product", func(r Row) string { return r.Key }},
	{"site", func(r Row) string { return r.Site }},
	{"last active", func(r Row) string {
		if r.LastActive.IsZero() {
			return ""
		}
		return r.LastActive.Format(time.DateOnly)
	}},
	{"days idle", func(r Row) string {
		if r.DaysIdle < 0 {
			return ""
		}
		return strconv.Itoa(r.DaysIdle)
	}},
	{"verdict", func(r Row) string { return string(r.Verdict) }},
	{"account status", func(r Row) string { return r.AccountStatus }},
}

// CSVHeader returns the first line of the CSV, a fresh copy each call.
func CSVHeader() []string {
	h := make([]string, len(columns))
	for i, c := range columns {
		h[i] = c.header
	}
	return h
}

// WriteCSV writes the report's rows as CSV (RFC 4180, as encoding/csv
// writes it: fields with commas, quotes or line breaks are quoted).
// Spreadsheets run a cell that starts with =, +, -, @, a tab or a carriage
// return as a formula, and names and emails come from anyone who can edit
// their profile, so such cells get a leading apostrophe: a display name
// like =HYPERLINK(...) stays text.
func WriteCSV(w io.Writer, rep *Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader()); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	rec := make([]string, len(columns))
	for _, r := range rep.Rows {
		for i, c := range columns {
			rec[i] = CSVCell(c.cell(r))
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// CSVCell makes one value safe for a spreadsheet: valid UTF-8, and text
// rather than a formula (OWASP's CSV injection advice).
func CSVCell(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// CSVName is the file name of a report's CSV.
func CSVName(rep *Report) string {
	name := fmt.Sprintf("lastactive-idle-%dd", rep.Days)
	for _, p := range rep.Products {
		name += "-" + p
	}
	return name + "-" + rep.Now.UTC().Format(time.DateOnly) + ".csv"
}
