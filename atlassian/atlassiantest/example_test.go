package atlassiantest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"lastactive/atlassian/atlassiantest"
)

// Example reads Ada's last active dates from the fake with plain net/http,
// following links.next the way the real Admin API asks clients to.
func Example() {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	srv := atlassiantest.NewServer(atlassiantest.SampleOrg(now))
	defer srv.Close()

	base := srv.URL() + "/admin/v1/orgs/" + atlassiantest.OrgID + "/directory/users/" +
		url.PathEscape(atlassiantest.AdaAccountID) + "/last-active-dates"
	next := ""
	for page := 1; ; page++ {
		u := base
		if next != "" {
			u += "?" + url.Values{"cursor": {next}}.Encode() // cursors hold "+", "/" and "="
		}
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			panic(err)
		}
		req.Header.Set("Authorization", "Bearer "+atlassiantest.APIKey)
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		var body struct {
			Data struct {
				ProductAccess []struct {
					Key        string `json:"key"`
					LastActive string `json:"last_active"`
				} `json:"product_access"`
				AddedToOrg string `json:"added_to_org"`
			} `json:"data"`
			Links struct {
				Next *string `json:"next"`
			} `json:"links"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil {
			panic(err)
		}
		fmt.Printf("page %d (HTTP %d), added to org %s\n", page, resp.StatusCode, body.Data.AddedToOrg)
		for _, p := range body.Data.ProductAccess {
			if p.LastActive == "" {
				p.LastActive = "never"
			}
			fmt.Printf("  %-18s %s\n", p.Key, p.LastActive)
		}
		if body.Links.Next == nil || *body.Links.Next == "" {
			break
		}
		next = *body.Links.Next
	}
	fmt.Println("admin requests:", srv.Count("admin", "/admin/v1/"))
	// Output:
	// page 1 (HTTP 200), added to org 2024-06-09
	//   jira-software      2026-11-24
	//   confluence         2026-11-17
	// page 2 (HTTP 200), added to org 2024-06-09
	//   jira-service-desk  never
	//   compass            2026-10-12
	// admin requests: 2
}
