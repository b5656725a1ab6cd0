package atlassiantest

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSampleOrgHasItsDocumentedCases guards the table in SampleOrg's doc
// comment, which docs and other packages' tests rely on.
func TestSampleOrgHasItsDocumentedCases(t *testing.T) {
	t.Parallel()
	org := SampleOrg(testNow)
	member := func(u User) bool { return !u.NotMember }
	count := func(pred func(User) bool) int {
		n := 0
		for _, u := range org.Users {
			if pred(u) {
				n++
			}
		}
		return n
	}
	tests := []struct {
		name string
		pred func(User) bool
		want int
	}{
		{"Ada, the flagship, with several products", func(u User) bool {
			return u.AccountID == AdaAccountID && u.Email == "ada@example.com" && u.DisplayName == "Ada Lovelace" && len(u.Products) >= 3
		}, 1},
		{"the bot as JiraEmail's member account", func(u User) bool {
			return u.AccountID == BotAccountID && u.Email == JiraEmail && member(u) && len(u.Products) > 0
		}, 1},
		{"hidden email of a person", func(u User) bool { return u.HideEmail && u.AccountType == "" && member(u) }, 1},
		{"never active member", func(u User) bool { return member(u) && len(u.Products) == 0 }, 1},
		{"member without join date", func(u User) bool { return member(u) && u.AddedToOrg.IsZero() }, 1},
		{"3+ pages at the default size", func(u User) bool { return len(u.Products) > 4 }, 1},
		{"multi-site", func(u User) bool {
			sites := map[string]map[string]bool{}
			for _, p := range u.Products {
				if sites[p.Key] == nil {
					sites[p.Key] = map[string]bool{}
				}
				sites[p.Key][p.SiteID] = true
				if len(sites[p.Key]) > 1 {
					return true
				}
			}
			return false
		}, 1},
		{"ambiguous email", func(u User) bool { return u.Email == "sam@example.com" && u.AccountType == "" }, 2},
		{"app sharing Ada's prefix", func(u User) bool { return u.AccountType == "app" && strings.HasPrefix(u.DisplayName, "Ada") }, 1},
		{"customer sharing Ada's prefix", func(u User) bool {
			return u.AccountType == "customer" && strings.HasPrefix(strings.ToLower(u.DisplayName), "ada")
		}, 1},
		{"unknown product key", func(u User) bool {
			for _, p := range u.Products {
				if p.Key == "compass" || p.Key == "loom" {
					return true
				}
			}
			return false
		}, 2},
		{"idle over 90 days everywhere", func(u User) bool {
			for _, p := range u.Products {
				if testNow.Sub(p.LastActive).Hours() < 90*24 {
					return false
				}
			}
			return member(u) && len(u.Products) > 0
		}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := count(tt.pred); got != tt.want {
				t.Errorf("%d users, want %d", got, tt.want)
			}
		})
	}
	ids := map[string]bool{}
	for _, u := range org.Users {
		if ids[u.AccountID] {
			t.Errorf("duplicate account ID %s", u.AccountID)
		}
		ids[u.AccountID] = true
	}
}

func TestGenerateOrgIsDeterministic(t *testing.T) {
	t.Parallel()
	a := GenerateOrg(50000, 42, testNow)
	b := GenerateOrg(50000, 42, testNow)
	// reflect rather than cmp over the whole org: cmp needs half a minute.
	for i := range a.Users {
		if !reflect.DeepEqual(a.Users[i], b.Users[i]) {
			t.Fatalf("same seed, user %d differs (-a +b):\n%s", i, cmp.Diff(a.Users[i], b.Users[i]))
		}
	}
	if c := GenerateOrg(1000, 43, testNow); reflect.DeepEqual(a.Users[:1000], c.Users) {
		t.Error("different seeds gave the same org")
	}
	if len(a.Users) != 50000 || len(b.Users) != 50000 || a.Users[0].Email != JiraEmail || a.ID != OrgID {
		t.Fatalf("got %d users, first %+v", len(a.Users), a.Users[0])
	}
	ids, emails := map[string]bool{}, map[string]bool{}
	kinds := map[string]int{}
	for _, u := range a.Users {
		if ids[u.AccountID] || u.Email != "" && emails[u.Email] {
			t.Fatalf("duplicate %s / %s", u.AccountID, u.Email)
		}
		ids[u.AccountID], emails[u.Email] = true, true
		switch {
		case u.HideEmail:
			kinds["hidden"]++
		case u.NotMember:
			kinds["outsider"]++
		case len(u.Products) == 0:
			kinds["never"]++
		case u.AddedToOrg.IsZero():
			kinds["no join date"]++
		}
	}
	for _, k := range []string{"hidden", "outsider", "never", "no join date"} {
		if kinds[k] < 100 {
			t.Errorf("only %d %s users in 50,000", kinds[k], k)
		}
	}
}

// TestLargeOrgIsServed checks that a 50,000-user fake answers each API; the
// benchmark below measures how fast.
func TestLargeOrgIsServed(t *testing.T) {
	t.Parallel()
	org := GenerateOrg(50000, 1, testNow)
	s := NewServer(org)
	t.Cleanup(s.Close)
	var u User
	for i := len(org.Users) - 1; u.AccountID == ""; i-- { // the last plain user, at the far end of every index
		if v := org.Users[i]; !v.NotMember && !v.HideEmail && v.AccountStatus == "" && len(v.Products) > 1 {
			u = v
		}
	}
	hits := searchHits(t, s, url.Values{"query": {u.Email}})
	if len(hits) != 1 || hits[0].Email != u.Email {
		t.Errorf("search %s: %+v", u.Email, hits)
	}
	got, _ := followPages(t, s, u.AccountID)
	if len(got) != len(u.Products) {
		t.Errorf("last-active gave %d products, want %d", len(got), len(u.Products))
	}
}

func BenchmarkGenerateOrg(b *testing.B) {
	for b.Loop() {
		GenerateOrg(50000, 1, testNow)
	}
}

func BenchmarkGenerateAndServe(b *testing.B) {
	for b.Loop() {
		s := NewServer(GenerateOrg(50000, 1, testNow))
		resp, err := s.Client().Post(s.URL()+v2Path, "application/json", strings.NewReader(`{"limit":100}`))
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		req, _ := http.NewRequest("GET", s.URL()+"/rest/api/3/user/search?query=ada.lovelace", nil)
		req.Header.Set("Authorization", goodBasic)
		resp, err = s.Client().Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatal(err, resp.StatusCode)
		}
		resp.Body.Close()
		s.Close()
	}
}

func BenchmarkUserSearch(b *testing.B) {
	org := GenerateOrg(50000, 1, testNow)
	s := NewServer(org)
	defer s.Close()
	x := s.idx.Load()
	for i := 0; b.Loop(); i++ {
		u := org.Users[i%len(org.Users)]
		if q := strings.ToLower(u.Email); q != "" && len(x.search(q)) > 1 {
			b.Fatalf("search %s returned several users", q)
		}
	}
}
