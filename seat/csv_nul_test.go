package seat

import (
	"bytes"
	"testing"

	"lastactive/atlassian"
)

// TestCSVHasNoNULByte: a display name (or an unknown product key, or a
// site) with a NUL byte in it reaches the CSV as a replacement character,
// as invalid UTF-8 does, not as the byte: a NUL ends a cell or the whole
// line for C-string readers (LibreOffice's import, Python's csv before
// 3.11 refuses the file: "line contains NUL", PostgreSQL's COPY), so one
// hostile profile name cost the manager the rest of the list.
func TestCSVHasNoNULByte(t *testing.T) {
	t.Parallel()
	users := []atlassian.OrgUser{{AccountID: "acc-1", Name: "Ada\x00Lovelace", Email: "ada\x00@example.com",
		AccountStatus: "active", MembershipStatus: "active", AddedToOrg: daysAgo(1000),
		Products: []atlassian.ProductActivity{{ID: "ari:cloud:new\x00thing::site/s\x001", Key: "new\x00thing"}}}}
	rep := Build(users, Options{Days: 90, Now: idleNow})
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rep); err != nil {
		t.Fatal(err)
	}
	if i := bytes.IndexByte(buf.Bytes(), 0); i >= 0 {
		t.Fatalf("the CSV has a NUL byte at %d: %q", i, buf.Bytes())
	}
	recs := readCSV(t, buf.Bytes())
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2: %q", len(recs), recs)
	}
	if got, want := recs[1][0], "Ada\uFFFDLovelace"; got != want {
		t.Errorf("name = %q, want %q", got, want)
	}
	if got, want := recs[1][1], "ada\uFFFD@example.com"; got != want {
		t.Errorf("email = %q, want %q", got, want)
	}
}
