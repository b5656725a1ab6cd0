package atlassian_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
)

// releaseEnv is a fake with ReleaseOrg and a client holding both keys.
type releaseEnv struct {
	srv *atlassiantest.Server
	org *atlassiantest.Org
	c   *atlassian.Client
}

func newReleaseEnv(t *testing.T, writeKey string) releaseEnv {
	t.Helper()
	org := atlassiantest.ReleaseOrg(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	srv := atlassiantest.NewServer(org)
	t.Cleanup(srv.Close)
	c, err := atlassian.New(atlassian.Config{AdminBaseURL: srv.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
		AdminWriteKey: writeKey}, atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	return releaseEnv{srv, org, c}
}

func (e releaseEnv) id(t *testing.T, email string) string {
	t.Helper()
	u, ok := e.org.Lookup(email)
	if !ok {
		t.Fatalf("no %s in ReleaseOrg", email)
	}
	return u.AccountID
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Every release call sends the write key, never the read key; reads of
// the user send the read key.
func checkKeys(t *testing.T, srv *atlassiantest.Server) {
	t.Helper()
	for _, r := range srv.Requests() {
		want := "write"
		if r.Endpoint == atlassiantest.EndpointUsersSearch || r.Endpoint == atlassiantest.EndpointLastActive {
			want = "bearer"
		}
		if r.Auth != want {
			t.Errorf("%s %s (%s) sent %s, want %s", r.Method, r.Path, r.Endpoint, r.Auth, want)
		}
	}
}

func TestReleaseDirectRevokeReadBackUndo(t *testing.T) {
	t.Parallel()
	e := newReleaseEnv(t, atlassiantest.AdminWriteKey)
	ctx := ctxT(t)
	acct := e.id(t, atlassiantest.ReleaseDirectEmail)
	ari := atlassiantest.ConfluenceMain

	as, err := e.c.RoleAssignments(ctx, acct, ari)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 || as[0].Role != atlassian.RoleUser || !slices.Equal(as[0].Methods, []atlassian.AssignmentMethod{atlassian.MethodDirect}) ||
		as[0].ResourceOwner != "confluence" || as[0].DirectoryID == "" {
		t.Fatalf("assignments = %+v", as)
	}
	f, err := e.c.ReleaseFacts(ctx, acct, ari, []string{atlassiantest.JiraMain})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := f.Plan(ari)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Steps) != 1 || plan.Steps[0].Kind != atlassian.StepRevokeRole {
		t.Fatalf("plan = %+v", plan)
	}
	before := e.srv.Seats(ari)
	done, err := e.c.Apply(ctx, plan.Steps...)
	if err != nil || len(done) != 1 {
		t.Fatalf("Apply = %v, %v", done, err)
	}
	if held, err := e.c.SeatHeld(ctx, acct, ari); err != nil || held {
		t.Fatalf("after revoke SeatHeld = %v, %v", held, err)
	}
	if e.srv.Seats(ari) != before-1 || e.srv.Holds(acct, ari) {
		t.Errorf("seats %d -> %d, holds %v", before, e.srv.Seats(ari), e.srv.Holds(acct, ari))
	}
	act, err := e.c.LastActive(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(act.Products, func(p atlassian.ProductActivity) bool { return p.ID == ari }) {
		t.Errorf("last-active still lists %s after the revoke: %+v", ari, act.Products)
	}
	u, err := e.c.UserAccess(ctx, acct)
	if err != nil || slices.ContainsFunc(u.Products, func(p atlassian.ProductActivity) bool { return p.ID == ari }) || len(u.Products) != 1 {
		t.Errorf("productAccess after the revoke = %+v, %v", u.Products, err)
	}

	if _, err := e.c.Apply(ctx, atlassian.Undo(done)...); err != nil {
		t.Fatal(err)
	}
	if held, err := e.c.SeatHeld(ctx, acct, ari); err != nil || !held {
		t.Fatalf("after undo SeatHeld = %v, %v", held, err)
	}
	act2, err := e.c.LastActive(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(act2.Products, func(p atlassian.ProductActivity) bool { return p.ID == ari })
	if i < 0 || act2.Products[i].LastActive.IsZero() {
		t.Errorf("undo did not bring back the last activity: %+v", act2.Products)
	}
	for ep, want := range map[atlassiantest.Endpoint]int{atlassiantest.EndpointRevokeRole: 1, atlassiantest.EndpointAssignRole: 1,
		atlassiantest.EndpointRemoveMembership: 0, atlassiantest.EndpointGroupsSearch: 0} {
		if got := e.srv.CountEndpoint(ep); got != want {
			t.Errorf("%s: %d requests, want %d", ep, got, want)
		}
	}
	checkKeys(t, e.srv)
	for _, r := range e.srv.Requests() {
		if r.Endpoint == atlassiantest.EndpointRevokeRole && string(r.Body) != `{"role":"atlassian/user","resource":"`+ari+`"}` {
			t.Errorf("revoke body = %s", r.Body)
		}
	}
}

func TestReleaseGroupMembershipAndUndo(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		email, group string
		also         int
	}{
		{atlassiantest.ReleaseGroupEmail, atlassiantest.GroupConfluenceUsers, 0},
		{atlassiantest.ReleaseIdleGroupEmail, atlassiantest.GroupWikiAndLoom, 1},
	} {
		t.Run(tc.email, func(t *testing.T) {
			t.Parallel()
			e := newReleaseEnv(t, atlassiantest.AdminWriteKey)
			ctx := ctxT(t)
			acct, ari := e.id(t, tc.email), atlassiantest.ConfluenceMain
			f, err := e.c.ReleaseFacts(ctx, acct, ari, []string{atlassiantest.JiraMain})
			if err != nil {
				t.Fatal(err)
			}
			plan, err := f.Plan(ari)
			if err != nil {
				t.Fatal(err)
			}
			want := atlassian.Step{Kind: atlassian.StepRemoveMembership, AccountID: acct, GroupID: tc.group,
				GroupName: f.Groups[0].Name, AlsoRemoves: tc.also}
			if len(plan.Steps) != 1 || plan.Steps[0] != want {
				t.Fatalf("plan = %+v, want %+v", plan.Steps, want)
			}
			done, err := e.c.Apply(ctx, plan.Steps...)
			if err != nil {
				t.Fatal(err)
			}
			if held, err := e.c.SeatHeld(ctx, acct, ari); err != nil || held || e.srv.IsMember(tc.group, acct) {
				t.Fatalf("after removal: held %v err %v member %v", held, err, e.srv.IsMember(tc.group, acct))
			}
			if _, err := e.c.Apply(ctx, atlassian.Undo(done)...); err != nil {
				t.Fatal(err)
			}
			if !e.srv.IsMember(tc.group, acct) || !e.srv.Holds(acct, ari) {
				t.Error("undo did not restore the membership")
			}
			// A second undo (a button clicked twice) meets "already a
			// member" and is success, not a seat limit.
			if err := e.c.AddToGroup(ctx, tc.group, acct); err != nil {
				t.Errorf("second AddToGroup = %v, want nil", err)
			}
			checkKeys(t, e.srv)
		})
	}
}

func TestReleaseRefusals(t *testing.T) {
	t.Parallel()
	e := newReleaseEnv(t, atlassiantest.AdminWriteKey)
	for email, want := range map[string]atlassian.Reason{
		atlassiantest.ReleaseSharedGroupEmail: atlassian.RefuseGroupGrantsMore,
		atlassiantest.ReleaseSyncedEmail:      atlassian.RefuseSynced,
		atlassiantest.ReleaseOrgAdminEmail:    atlassian.RefuseOrgAdmin,
		atlassiantest.ReleaseInferredEmail:    atlassian.RefuseInferred,
		atlassiantest.ReleaseSpareEmail:       atlassian.RefuseNoAccess,
	} {
		t.Run(email, func(t *testing.T) {
			t.Parallel()
			f, err := e.c.ReleaseFacts(ctxT(t), e.id(t, email), atlassiantest.ConfluenceMain, []string{atlassiantest.JiraMain})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Plan(atlassiantest.ConfluenceMain); !errors.Is(err, want) {
				t.Errorf("plan err = %v, want %q", err, want)
			}
		})
	}
	t.Cleanup(func() {
		for _, ep := range []atlassiantest.Endpoint{atlassiantest.EndpointRevokeRole, atlassiantest.EndpointRemoveMembership} {
			if n := e.srv.CountEndpoint(ep); n != 0 {
				t.Errorf("%s called %d times by refused releases", ep, n)
			}
		}
	})
}

func TestUndoMeetsSeatLimit(t *testing.T) {
	t.Parallel()
	e := newReleaseEnv(t, atlassiantest.AdminWriteKey)
	ctx := ctxT(t)
	ari := atlassiantest.ConfluenceMain
	frances, john, adele := e.id(t, atlassiantest.ReleaseDirectEmail), e.id(t, atlassiantest.ReleaseGroupEmail), e.id(t, atlassiantest.ReleaseSpareEmail)

	// Full from the start: nobody new gets Confluence.
	err := e.c.AssignRole(ctx, adele, atlassian.RoleUser, ari)
	if !errors.Is(err, atlassian.ErrSeatLimit) || atlassian.KindOf(err) != atlassian.ErrSeatLimit || !errors.Is(err, atlassian.ErrRejected) {
		t.Fatalf("assign on a full product = %v, want ErrSeatLimit", err)
	}
	var ae *atlassian.Error
	if !errors.As(err, &ae) || ae.Code != "ADMIN-UAM-409-3" || ae.Status != http.StatusConflict {
		t.Errorf("error = %+v, want 409 ADMIN-UAM-409-3", ae)
	}
	// Free two seats, then give both away: each undo meets the limit.
	if err := e.c.RevokeRole(ctx, frances, atlassian.RoleUser, ari); err != nil {
		t.Fatal(err)
	}
	if err := e.c.RemoveFromGroup(ctx, atlassiantest.GroupConfluenceUsers, john); err != nil {
		t.Fatal(err)
	}
	if err := e.c.AssignRole(ctx, adele, atlassian.RoleUser, ari); err != nil {
		t.Fatalf("assign on a freed seat: %v", err)
	}
	e.srv.SetSeatLimit(ari, e.srv.Seats(ari))
	if err := e.c.AssignRole(ctx, frances, atlassian.RoleUser, ari); !errors.Is(err, atlassian.ErrSeatLimit) {
		t.Errorf("undo assign = %v, want ErrSeatLimit", err)
	}
	err = e.c.AddToGroup(ctx, atlassiantest.GroupConfluenceUsers, john)
	if !errors.As(err, &ae) || ae.Kind != atlassian.ErrSeatLimit || ae.Code != "ADMIN-409-3" {
		t.Errorf("undo membership = %v, want ErrSeatLimit ADMIN-409-3", err)
	}
	if e.srv.CountEndpoint(atlassiantest.EndpointAssignRole) != 3 || e.srv.CountEndpoint(atlassiantest.EndpointAddMembership) != 1 {
		t.Errorf("a 409 was retried: %d assigns, %d adds", e.srv.CountEndpoint(atlassiantest.EndpointAssignRole),
			e.srv.CountEndpoint(atlassiantest.EndpointAddMembership))
	}
}

func TestNoWriteKeySendsNothing(t *testing.T) {
	t.Parallel()
	e := newReleaseEnv(t, "")
	ctx := ctxT(t)
	if e.c.HasWriteKey() {
		t.Fatal("HasWriteKey without a key")
	}
	acct := e.id(t, atlassiantest.ReleaseDirectEmail)
	for name, call := range map[string]func() error{
		"RoleAssignments": func() error { _, err := e.c.RoleAssignments(ctx, acct, atlassiantest.ConfluenceMain); return err },
		"GroupsGranting":  func() error { _, err := e.c.GroupsGranting(ctx, acct, atlassiantest.ConfluenceMain); return err },
		"RevokeRole":      func() error { return e.c.RevokeRole(ctx, acct, atlassian.RoleUser, atlassiantest.ConfluenceMain) },
		"AssignRole":      func() error { return e.c.AssignRole(ctx, acct, atlassian.RoleUser, atlassiantest.ConfluenceMain) },
		"RemoveFromGroup": func() error { return e.c.RemoveFromGroup(ctx, atlassiantest.GroupConfluenceUsers, acct) },
		"AddToGroup":      func() error { return e.c.AddToGroup(ctx, atlassiantest.GroupConfluenceUsers, acct) },
	} {
		err := call()
		if !errors.Is(err, atlassian.ErrNoWriteKey) || !errors.Is(err, atlassian.ErrCredentials) {
			t.Errorf("%s = %v, want ErrNoWriteKey", name, err)
		}
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("%d requests sent without a write key", n)
	}
}

// The read key in the write key's place is refused with 403 by every
// release endpoint, and the state does not change.
func TestReadKeyCannotWrite(t *testing.T) {
	t.Parallel()
	e := newReleaseEnv(t, atlassiantest.APIKey)
	ctx := ctxT(t)
	acct := e.id(t, atlassiantest.ReleaseDirectEmail)
	for name, call := range map[string]func() error{
		"RoleAssignments": func() error { _, err := e.c.RoleAssignments(ctx, acct, atlassiantest.ConfluenceMain); return err },
		"GroupsGranting":  func() error { _, err := e.c.GroupsGranting(ctx, acct, atlassiantest.ConfluenceMain); return err },
		"RevokeRole":      func() error { return e.c.RevokeRole(ctx, acct, atlassian.RoleUser, atlassiantest.ConfluenceMain) },
		"RemoveFromGroup": func() error {
			return e.c.RemoveFromGroup(ctx, atlassiantest.GroupConfluenceUsers, e.id(t, atlassiantest.ReleaseGroupEmail))
		},
	} {
		var ae *atlassian.Error
		if err := call(); !errors.As(err, &ae) || ae.Status != http.StatusForbidden || !errors.Is(err, atlassian.ErrCredentials) {
			t.Errorf("%s with the read key = %v, want 403 ErrCredentials", name, err)
		}
	}
	if !e.srv.Holds(acct, atlassiantest.ConfluenceMain) || !e.srv.IsMember(atlassiantest.GroupConfluenceUsers, e.id(t, atlassiantest.ReleaseGroupEmail)) {
		t.Error("a refused write changed the state")
	}
}

// Writes are not repeated after a 5xx or a lost connection (the change may
// have happened: ErrWriteUnknown), but a 429 with Retry-After is waited out.
func TestWritesRetryOnlyRateLimits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		f        atlassiantest.Failure
		calls    int
		kind     atlassian.Kind
		released bool
	}{
		{"500", atlassiantest.Failure{Status: 500, Times: 1}, 1, atlassian.ErrWriteUnknown, false},
		{"503 html", atlassiantest.Failure{Status: 503, Times: 1}, 1, atlassian.ErrWriteUnknown, false},
		{"429 then ok", atlassiantest.Failure{Status: 429, RetryAfter: "0", Times: 1}, 2, "", true},
		// A 2xx says the change was made, whatever its body: one larger
		// than the client reads was taken for a failure, and the release
		// kept no step for a change Atlassian had made.
		{"200 with an oversize body", atlassiantest.Failure{Status: 200, Body: `{"x":"` + strings.Repeat("a", 5<<20) + `"}`,
			Made: true, Times: 1}, 1, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newReleaseEnv(t, atlassiantest.AdminWriteKey)
			tc.f.PathContains = "/roles/revoke"
			e.srv.Fail(tc.f)
			acct := e.id(t, atlassiantest.ReleaseDirectEmail)
			err := e.c.RevokeRole(ctxT(t), acct, atlassian.RoleUser, atlassiantest.ConfluenceMain)
			if atlassian.KindOf(err) != tc.kind {
				t.Errorf("err = %v, want kind %q", err, tc.kind)
			}
			if tc.kind == atlassian.ErrWriteUnknown && !errors.Is(err, atlassian.ErrUnavailable) {
				t.Errorf("ErrWriteUnknown is not ErrUnavailable: %v", err)
			}
			if n := e.srv.CountEndpoint(atlassiantest.EndpointRevokeRole); n != tc.calls {
				t.Errorf("%d revoke requests, want %d", n, tc.calls)
			}
			if e.srv.Holds(acct, atlassiantest.ConfluenceMain) == tc.released {
				t.Errorf("released = %v, want %v", !tc.released, tc.released)
			}
		})
	}
}

func TestWriteKeyNeedsAdminHalf(t *testing.T) {
	t.Parallel()
	_, err := atlassian.New(atlassian.Config{JiraBaseURL: "https://x.atlassian.net", JiraEmail: "a@b", JiraAPIToken: "t",
		AdminWriteKey: "write-SECRET"})
	if err == nil {
		t.Fatal("a write key without OrgID and APIKey was accepted")
	}
	if got := err.Error(); strings.Contains(got, "write-SECRET") {
		t.Errorf("error names the key: %s", got)
	}
}

// TestStepMadeReadsTheStepNotTheSeat: Barbara holds Confluence directly
// and through a group. After the revoke alone the seat is still held, but
// the revoke reads back as made (the group-given role does not count as
// direct); the membership removal reads as made only once she left the
// group; each inverse reads the other way. A revoke whose answer was lost
// after it was made (500) reads back as made.
func TestStepMadeReadsTheStepNotTheSeat(t *testing.T) {
	t.Parallel()
	org := atlassiantest.ReleaseOrg(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	atlassiantest.WithReleaseBoth(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))(org)
	srv := atlassiantest.NewServer(org)
	t.Cleanup(srv.Close)
	c, err := atlassian.New(atlassian.Config{AdminBaseURL: srv.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
		AdminWriteKey: atlassiantest.AdminWriteKey}, atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	u, _ := org.Lookup(atlassiantest.ReleaseBothEmail)
	ari := atlassiantest.ConfluenceMain
	f, err := c.ReleaseFacts(ctx, u.AccountID, ari, nil)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := f.Plan(ari)
	if err != nil || len(plan.Steps) != 2 || plan.Steps[0].Kind != atlassian.StepRevokeRole || plan.Steps[1].Kind != atlassian.StepRemoveMembership {
		t.Fatalf("plan %+v, %v; want revoke, then leave the group", plan, err)
	}
	revoke, leave := plan.Steps[0], plan.Steps[1]
	made := func(s atlassian.Step) bool {
		t.Helper()
		ok, err := c.StepMade(ctx, s)
		if err != nil {
			t.Fatalf("StepMade(%s): %v", s, err)
		}
		return ok
	}
	if made(revoke) || made(leave) || !made(revoke.Inverse()) || !made(leave.Inverse()) {
		t.Fatal("before any change: a step reads as made, or an inverse as not")
	}
	srv.Fail(atlassiantest.Failure{API: "admin", PathContains: "/roles/revoke", Status: http.StatusInternalServerError, Made: true, Times: 1})
	if _, err := c.Apply(ctx, revoke); !errors.Is(err, atlassian.ErrWriteUnknown) {
		t.Fatalf("revoke answered 500: %v, want ErrWriteUnknown", err)
	}
	if held, err := c.SeatHeld(ctx, u.AccountID, ari); err != nil || !held {
		t.Fatalf("SeatHeld after the revoke = %v, %v; want held (the group gives it)", held, err)
	}
	if !made(revoke) || made(leave) || made(revoke.Inverse()) {
		t.Error("after the revoke: want the revoke made, the leave not, the assign not")
	}
	if _, err := c.Apply(ctx, leave); err != nil {
		t.Fatal(err)
	}
	if !made(leave) || made(leave.Inverse()) {
		t.Error("after leaving the group: want the leave made, the join not")
	}
	if _, err := c.StepMade(ctx, atlassian.Step{Kind: "rename", AccountID: u.AccountID}); err == nil {
		t.Error("an unknown step read back without error")
	}
	checkKeys(t, srv)
}
