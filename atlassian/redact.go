package atlassian

import "fmt"

const redacted = "[redacted]"

// String shows the configuration without its secrets, so that a Config
// printed by mistake (a log line, a panic value) leaks nothing.
func (c Config) String() string {
	return fmt.Sprintf("atlassian.Config{JiraBaseURL:%q JiraEmail:%q JiraAPIToken:%s AdminBaseURL:%q OrgID:%q APIKey:%s}",
		c.JiraBaseURL, c.JiraEmail, mask(c.JiraAPIToken), c.AdminBaseURL, c.OrgID, mask(c.APIKey))
}

// Format makes every fmt verb (%v, %+v, %#v, %s, %x…) print String.
func (c Config) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// Format keeps a Client's credentials (its ready-made Authorization
// headers) out of anything that prints it.
func (c *Client) Format(f fmt.State, _ rune) {
	if c == nil {
		fmt.Fprint(f, "<nil>")
		return
	}
	fmt.Fprintf(f, "atlassian.Client{org:%q}", c.orgID)
}

func mask(s string) string {
	if s == "" {
		return `""`
	}
	return redacted
}
