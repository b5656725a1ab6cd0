package atlassian_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
)

// Release an idle Confluence seat: read the facts, plan, apply, read back
// to prove the seat is free, then undo; and see why other releases are
// refused. Against the loopback fake, whose Confluence seats are all taken.
func Example_release() {
	org := atlassiantest.ReleaseOrg(time.Now())
	srv := atlassiantest.NewServer(org)
	defer srv.Close()
	client, err := atlassian.New(atlassian.Config{
		AdminBaseURL:  srv.URL(),
		OrgID:         org.ID,
		APIKey:        atlassiantest.APIKey,
		AdminWriteKey: atlassiantest.AdminWriteKey, // only the release calls send it
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	confluence := atlassiantest.ConfluenceMain
	inUse := []string{atlassiantest.JiraMain} // the other products the person still uses

	john, _ := org.Lookup(atlassiantest.ReleaseGroupEmail)
	facts, err := client.ReleaseFacts(ctx, john.AccountID, confluence, inUse)
	if err != nil {
		fmt.Println(err)
		return
	}
	plan, err := facts.Plan(confluence)
	if err != nil {
		fmt.Println("refused:", err)
		return
	}
	for _, s := range plan.Steps {
		fmt.Println("plan:", s)
	}
	done, err := client.Apply(ctx, plan.Steps...)
	if err != nil {
		fmt.Println(err) // done still says what to undo
	}
	held, err := client.SeatHeld(ctx, john.AccountID, confluence)
	fmt.Println("seat held after release:", held, err)

	if _, err := client.Apply(ctx, atlassian.Undo(done)...); err != nil {
		fmt.Println(err)
	}
	held, err = client.SeatHeld(ctx, john.AccountID, confluence)
	fmt.Println("seat held after undo:", held, err)

	// Refusals say why, and are matched with errors.Is.
	for _, email := range []string{atlassiantest.ReleaseSyncedEmail, atlassiantest.ReleaseSharedGroupEmail} {
		u, _ := org.Lookup(email)
		f, err := client.ReleaseFacts(ctx, u.AccountID, confluence, inUse)
		if err == nil {
			_, err = f.Plan(confluence)
		}
		fmt.Println(email, errors.Is(err, atlassian.RefuseSynced), atlassian.ReasonOf(err))
	}

	// An undo after the freed seat went to someone else meets the limit.
	frances, _ := org.Lookup(atlassiantest.ReleaseDirectEmail)
	adele, _ := org.Lookup(atlassiantest.ReleaseSpareEmail)
	done, _ = client.Apply(ctx, atlassian.Step{Kind: atlassian.StepRevokeRole, AccountID: frances.AccountID,
		Role: atlassian.RoleUser, ResourceID: confluence})
	_ = client.AssignRole(ctx, adele.AccountID, atlassian.RoleUser, confluence)
	_, err = client.Apply(ctx, atlassian.Undo(done)...)
	fmt.Println("undo:", errors.Is(err, atlassian.ErrSeatLimit))
	// Output:
	// plan: remove group membership confluence-users
	// seat held after release: false <nil>
	// seat held after undo: true <nil>
	// sophie@example.com true the account is managed by an identity provider
	// radia@example.com false the group granting the access also gives a product the person uses
	// undo: true
}
