package atlassiantest_test

import (
	"context"
	"errors"
	"testing"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
)

// TestOrgUserLists: the in-memory directory yields its accounts in order
// and stops when asked; the failing one yields its error.
func TestOrgUserLists(t *testing.T) {
	l := atlassiantest.OrgUserList{{AccountID: "a"}, {AccountID: "b"}, {AccountID: "c"}}
	var got []string
	for u, err := range l.OrgUsers(context.Background(), atlassian.UserQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, u.AccountID)
		if len(got) == 2 {
			break
		}
	}
	if len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("got %v, want [a b]", got)
	}
	boom := errors.New("boom")
	for _, err := range (atlassiantest.FailingOrgUsers{Err: boom}).OrgUsers(context.Background(), atlassian.UserQuery{}) {
		if !errors.Is(err, boom) {
			t.Errorf("err = %v, want boom", err)
		}
	}
}
