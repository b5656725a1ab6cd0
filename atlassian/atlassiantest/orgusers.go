package atlassiantest

import (
	"context"
	"iter"

	"lastactive/atlassian"
)

// OrgUserList is an organisation directory in memory: its OrgUsers method
// (the shape of *atlassian.Client's) yields the accounts in order, for unit
// tests of code that reads the organisation without the HTTP fake.
type OrgUserList []atlassian.OrgUser

// OrgUsers yields every account; the query is not applied.
func (l OrgUserList) OrgUsers(context.Context, atlassian.UserQuery) iter.Seq2[atlassian.OrgUser, error] {
	return func(yield func(atlassian.OrgUser, error) bool) {
		for _, u := range l {
			if !yield(u, nil) {
				return
			}
		}
	}
}

// FailingOrgUsers is an organisation directory whose read fails with Err at
// once.
type FailingOrgUsers struct{ Err error }

// OrgUsers yields Err.
func (f FailingOrgUsers) OrgUsers(context.Context, atlassian.UserQuery) iter.Seq2[atlassian.OrgUser, error] {
	return func(yield func(atlassian.OrgUser, error) bool) { yield(atlassian.OrgUser{}, f.Err) }
}
