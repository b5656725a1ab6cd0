package atlassian_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
)

// Find a person by email and read every page of their last active dates,
// against the loopback fake of both APIs.
func Example() {
	now := time.Now()
	org := atlassiantest.SampleOrg(now)
	srv := atlassiantest.NewServer(org) // two products per page: the client follows links.next
	defer srv.Close()

	client, err := atlassian.New(atlassian.Config{
		JiraBaseURL:  srv.URL(),
		JiraEmail:    atlassiantest.JiraEmail,
		JiraAPIToken: atlassiantest.JiraAPIToken,
		AdminBaseURL: srv.URL(),
		OrgID:        org.ID,
		APIKey:       atlassiantest.APIKey,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	acct, err := client.FindAccount(ctx, "ADA@example.com") // case does not matter
	if err != nil {
		fmt.Println(err)
		return
	}
	activity, err := client.LastActive(ctx, acct.AccountID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(acct.DisplayName)
	for _, p := range activity.Products {
		if p.Used() {
			fmt.Printf("%s: %d days ago\n", p.Key, int(now.UTC().Sub(p.LastActive).Hours()/24))
		} else {
			fmt.Printf("%s: never used\n", p.Key)
		}
	}

	_, err = client.FindAccount(ctx, "nobody@example.com")
	fmt.Println(errors.Is(err, atlassian.ErrNotFound))
	// Output:
	// Ada Lovelace
	// jira-software: 2 days ago
	// confluence: 9 days ago
	// jira-service-desk: never used
	// compass: 45 days ago
	// true
}

// Range over every account of the organisation: pages are fetched as the
// loop needs them, and breaking out stops the requests.
func ExampleClient_OrgUsers() {
	srv := atlassiantest.NewServer(atlassiantest.SampleOrg(time.Now()))
	defer srv.Close()
	client, err := atlassian.New(atlassian.Config{AdminBaseURL: srv.URL(), OrgID: atlassiantest.OrgID, APIKey: atlassiantest.APIKey})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	seats, notBilled := 0, 0
	for u, err := range client.OrgUsers(ctx, atlassian.UserQuery{PageSize: 5}) {
		if err != nil {
			fmt.Println("scan failed:", atlassian.KindOf(err))
			return
		}
		if u.HoldsSeat() {
			seats++
		} else {
			notBilled++
			fmt.Printf("%s: %s/%s\n", u.Name, u.AccountStatus, u.MembershipStatus)
		}
	}
	fmt.Println(seats, "seats,", notBilled, "not billed,", srv.CountEndpoint(atlassiantest.EndpointUsersSearch), "requests")
	// Output:
	// Edsger Dijkstra: active/suspended
	// Ken Thompson: inactive/active
	// 11 seats, 2 not billed, 3 requests
}
