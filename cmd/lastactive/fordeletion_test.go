package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAccountBeingDeletedIsNamedAlike: an account with the composite
// status "for_deletion" (a managed account being deleted) was "deactivated"
// in a lookup and "for_deletion", Atlassian's raw code, in the report's CSV:
// two words for one state, one of them no manager's. Both now say
// "scheduled for deletion"; lookup --json keeps its "deactivated".
func TestAccountBeingDeletedIsNamedAlike(t *testing.T) {
	t.Parallel()
	const want = "scheduled for deletion"
	del := `{"accountId":"712020:del","email":"del@example.com","name":"Dee Leeted","status":"for_deletion",
	  "productAccess":[{"id":"ari:cloud:confluence::site/` + mfCloudB + `","key":"confluence","lastActiveTimestamp":"` + mf2Stamp(150) + `"}]}`
	org := append(mf2Org(), del)
	p := mfPerson{email: "del@example.com", id: "712020:del", name: "Dee Leeted", adminOnly: true,
		pages: []string{`{"data":{"product_access":[{"id":"ari:cloud:confluence::site/` + mfCloudB +
			`","key":"confluence","last_active":"2024-01-02"}]},"links":{}}`},
		search: `{"accountId":"712020:del","email":"del@example.com","name":"Dee Leeted","status":"for_deletion"}`}
	a := newMinAtlassianWith(t, []mfPerson{p}, mfWorkspacesDefault, mf2Search([]string{mf2Page(org, ``)}, org))
	env := a.env("LASTACTIVE_DATABASE_URL=" + mfDatabase(t))

	r := runBinary(t, env, "", "lookup", p.email)
	mfNoSecrets(t, r.stdout, r.stderr)
	if !strings.Contains(r.stdout, want) || strings.Contains(r.stdout, "deactivated") {
		t.Errorf("lookup: exit %d, does not say %q:\n%s\n%s", r.code, want, r.stdout, r.stderr)
	}
	r = runBinary(t, env, "", "lookup", "--json", p.email)
	if !strings.Contains(r.stdout, `"account_status": "deactivated"`) {
		t.Errorf("lookup --json: account_status changed:\n%s", r.stdout)
	}

	csv := filepath.Join(t.TempDir(), "idle.csv")
	r = runBinary(t, env, "", "report", "--csv", csv)
	if r.code != 0 {
		t.Fatalf("report: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	b, err := os.ReadFile(csv)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, "del@example.com") && (!strings.Contains(l, want) || strings.Contains(l, "for_deletion")) {
			t.Errorf("report CSV line does not say %q: %s", want, l)
		}
	}
	if !strings.Contains(string(b), "del@example.com") {
		t.Errorf("the CSV lacks the account being deleted:\n%s", b)
	}
}
