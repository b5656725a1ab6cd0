package seat

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
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
	{"site", func(r Row) string { return r.SiteName }},
	{"site ID", func(r Row) string { return r.Site }},
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

// exemptColumn is the CSV's last column when some row is exempt
// (Report.ExemptRows): the last day of the exemption, or "no end date".
// It comes after the documented columns, which keep their order.
var exemptColumn = column{"exempt until", func(r Row) string {
	switch {
	case !r.Exempt:
		return ""
	case r.ExemptUntil.IsZero():
		return "no end date"
	}
	// Until is the instant it ends: the start of the day after its last.
	return r.ExemptUntil.Add(-time.Nanosecond).UTC().Format(time.DateOnly)
}}

// columnsOf are the columns of rep's CSV.
func columnsOf(rep *Report) []column {
	if rep == nil || rep.ExemptRows == 0 {
		return columns
	}
	return append(columns[:len(columns):len(columns)], exemptColumn)
}

// CSVHeader returns the first line of the CSV of a report with no exempt
// seat, a fresh copy each call.
func CSVHeader() []string { return CSVHeaderOf(nil) }

// CSVHeaderOf returns the first line of rep's CSV, a fresh copy each call.
func CSVHeaderOf(rep *Report) []string {
	cols := columnsOf(rep)
	h := make([]string, len(cols))
	for i, c := range cols {
		h[i] = c.header
	}
	return h
}

// bom is the UTF-8 byte-order mark. Excel reads a CSV without it in the
// system's legacy code page, so "Zoë" would open as "ZoÃ«".
const bom = "\uFEFF"

// WriteCSV writes the report's rows as CSV for a spreadsheet: RFC 4180
// (CRLF line ends; fields quoted as writeRecord says), after a UTF-8
// byte-order mark, every cell passed through CSVCell.
func WriteCSV(w io.Writer, rep *Report) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(bom); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	cols := columnsOf(rep)
	if err := writeRecord(bw, CSVHeaderOf(rep)); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	rec := make([]string, len(cols))
	for _, r := range rep.Rows {
		for i, c := range cols {
			rec[i] = CSVCell(c.cell(r))
		}
		if err := writeRecord(bw, rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// quoted escapes the inside of a quoted field: quotes doubled, line
// breaks as CRLF (CSVCell leaves only \n).
var quoted = strings.NewReplacer(`"`, `""`, "\r", "", "\n", "\r\n")

// writeRecord writes one record ending in CRLF. A field is quoted where
// encoding/csv would quote it (a comma, a quote or a line break in it, a
// leading space), and also when it holds a semicolon or a tab: a
// spreadsheet whose locale separates lists with ";" (Excel in most of
// Europe) splits an unquoted field there, and a display name such as
// "x;=cmd|' /C calc'!A0" would put a formula at the start of a cell.
// Quotes keep the field whole for that reader as for any other.
func writeRecord(w *bufio.Writer, rec []string) error {
	for i, f := range rec {
		if i > 0 {
			w.WriteByte(',')
		}
		r, _ := utf8.DecodeRuneInString(f)
		if f == "" || !strings.ContainsAny(f, ",\"\r\n;\t") && !unicode.IsSpace(r) && f != `\.` {
			w.WriteString(f)
			continue
		}
		w.WriteByte('"')
		quoted.WriteString(w, f)
		w.WriteByte('"')
	}
	_, err := w.WriteString("\r\n")
	return err
}

// formulaStart are the first characters that make a spreadsheet run a
// cell as a formula (OWASP's CSV injection advice; a leading line break is
// stripped by some and leaves the rest to be read). So are they after
// leading white space: a spreadsheet that trims cells on import
// (LibreOffice's "Trim spaces", Google Sheets) reads " =1+2" as "=1+2".
const formulaStart = "=+-@\t\r\n"

// formula reports whether a spreadsheet could read s as a formula.
func formula(s string) bool {
	t := strings.TrimLeftFunc(s, unicode.IsSpace)
	return s != "" && strings.ContainsRune(formulaStart, rune(s[0])) || t != "" && strings.ContainsRune(formulaStart, rune(t[0]))
}

// CSVCell makes one value safe for a spreadsheet: valid UTF-8 with no NUL
// byte (each becomes U+FFFD: a NUL ends the cell, or the line, for readers
// that keep C strings), line breaks as \n (the CSV writer turns them into
// CRLF; a lone \r would be dropped), and text rather than what a
// spreadsheet would make of it.
// Names and emails come from anyone who can edit their profile, so a
// display name like =HYPERLINK(...) must stay text; and a value Excel
// reads as a number would lose leading zeros ("007" → 7) or digits past
// the 15th. Such cells get a leading apostrophe, which keeps them text
// and shows what happened.
func CSVCell(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if formula(s) || lossyNumber(s) {
		return "'" + s
	}
	return s
}

// maxExactDigits is how many significant digits a spreadsheet keeps of a
// number (Excel: 15; the rest become zeros).
const maxExactDigits = 15

// lossyNumber reports whether a spreadsheet would read s as a number and
// so change it: leading zeros ("007", "00.5"), more digits than it keeps,
// or an exponent ("1E5" → 100000, "12E3456" → an error). Plain numbers
// (the days-idle column) stay numbers.
func lossyNumber(s string) bool {
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	intPart, frac, hasDot := strings.Cut(mant, ".")
	if !allDigits(intPart) || (hasDot && !allDigits(frac)) {
		return false
	}
	if hasExp {
		if exp != "" && (exp[0] == '+' || exp[0] == '-') {
			exp = exp[1:]
		}
		return allDigits(exp)
	}
	return (len(intPart) > 1 && intPart[0] == '0') || len(intPart)+len(frac) > maxExactDigits
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// CSVName is the file name of a report's CSV.
func CSVName(rep *Report) string {
	name := fmt.Sprintf("lastactive-idle-%dd", rep.Days)
	for _, p := range rep.Products {
		name += "-" + p
	}
	return name + "-" + rep.Now.UTC().Format(time.DateOnly) + ".csv"
}
