package bot

import (
	"fmt"
	"strings"
	"testing"

	"lastactive/atlassian"
)

// TestOnePersonWithFortyProductsOnTwelveSites: a person with 40 products
// on 12 sites, looked up alone, is shown whole: every product on its site,
// in sections that each keep within Slack's limits, rather than 17 of them
// left out with nothing the reader can do to see them. The whole message
// stays within the limits too.
func TestOnePersonWithFortyProductsOnTwelveSites(t *testing.T) {
	t.Parallel()
	var ws []atlassian.Workspace
	p := ada()
	p.Activity.Products = nil
	keys := []string{"jira-software", "confluence", "jira-service-desk", "compass"}
	for s := range 12 {
		cloud := fmt.Sprintf("00000000-0000-4000-8000-%012d", s)
		ws = append(ws, atlassian.Workspace{ID: cloud, CloudID: cloud, Host: fmt.Sprintf("support-site-%02d.atlassian.net", s)})
		for k, key := range keys {
			if len(p.Activity.Products) == 40 {
				break
			}
			last := ""
			if (s+k)%3 != 0 {
				last = fmt.Sprintf("2023-%02d-%02d", 1+(s+k)%12, 1+(s*7+k)%28)
			}
			p.Activity.Products = append(p.Activity.Products, product(key, cloud, last))
		}
	}
	v := private
	v.Sites = atlassian.NewSites(ws)
	m := RenderLookup([]Person{p}, v)
	mustCheck(t, m)
	all := joined(t, m)
	if strings.Contains(all, "not shown") {
		t.Errorf("products left out of a lone person's reply:\n%s", readable(all))
	}
	for _, pa := range p.Activity.Products {
		line := "*" + productName(pa.Key) + "* (" + siteName(v.Sites, pa.ID) + ")"
		if !strings.Contains(all, line) {
			t.Errorf("reply lacks %s", line)
		}
	}
}

// TestFooterWithAnIdlePeriodOfOneDay: LASTACTIVE_IDLE_DAYS=1 is allowed,
// and the footer says what it means in words a reader can trust.
func TestFooterWithAnIdlePeriodOfOneDay(t *testing.T) {
	t.Parallel()
	v := private
	v.IdleDays = 1
	all := joined(t, RenderLookup([]Person{ada()}, v))
	if !strings.Contains(all, "Idle means not used for 1 day or more.") {
		t.Errorf("footer for an idle period of one day:\n%s", all)
	}
}
