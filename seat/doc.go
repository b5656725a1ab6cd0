// Package seat is the seat domain of lastactive, without Slack: which
// products there are (a catalogue with explicit aliases, so the v2 API's
// "jira" and the v1 API's "jira-software" are one product), what a last
// active date means for a seat (the verdicts and the day arithmetic), the
// org-wide idle-seat report (Build, and Scanner, which shares one scan of
// the organisation between reports, and reports how far a scan has come),
// the seats exempted with /lastactive exempt (MarkExempt, IndexExemptions:
// marked, counted apart in the cost, passed over for the idle longest), its
// CSV (for spreadsheets: byte-order mark, CRLF, cells kept as text), the
// report's words shared by Slack and the terminal (Count for "1 seat" /
// "2 seats", Money with the configured currency, KnownProducts), and
// SiteBook, which names sites by their host from the workspaces (read once
// an hour, shared by lookups, reports and the CLI).
//
// The Slack bot (package bot) renders these values as Block Kit; the CLI
// (lastactive report) prints them as a table. Neither medium's escaping
// lives here: names and keys come back as plain text.
package seat
