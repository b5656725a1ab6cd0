package atlassian

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// addFixtures seeds f with every testdata file whose name has prefix.
func addFixtures(f *testing.F, prefix string) {
	f.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*"+prefix+"*"))
	if err != nil {
		f.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join("testdata", "schema-derived", "*"+prefix+"*"))
	paths = append(paths, more...)
	if len(paths) == 0 {
		f.Fatalf("no fixtures match %q", prefix)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzDecodeLastActivePage(f *testing.F) {
	addFixtures(f, "last-active-dates")
	f.Add([]byte(`{"data":{"product_access":[{"id":"x","key":"k","last_active":"2026-02-30"}]}}`))
	f.Add([]byte(`{"data":{"product_access":null},"links":{"next":null}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodeLastActivePage(b)
		if err != nil {
			return
		}
		if p.products == nil {
			t.Fatal("success with a nil product list: callers would read it as never active")
		}
		for _, pa := range p.products {
			if pa.Key == "" {
				t.Fatal("product without a key accepted")
			}
			for _, tm := range []struct {
				name string
				loc  string
			}{{"LastActive", pa.LastActive.Location().String()}, {"LastActiveTimestamp", pa.LastActiveTimestamp.Location().String()}} {
				if tm.loc != "UTC" {
					t.Fatalf("%s in %s, want UTC", tm.name, tm.loc)
				}
			}
			if !pa.LastActive.IsZero() && pa.LastActive.Hour()+pa.LastActive.Minute()+pa.LastActive.Second() != 0 {
				t.Fatalf("LastActive %v is not a day", pa.LastActive)
			}
		}
	})
}

func FuzzDecodeUsers(f *testing.F) {
	addFixtures(f, "jira-user")
	f.Add([]byte(`null`))
	f.Add([]byte(`[{"accountId":"a","accountType":"atlassian","emailAddress":"ADA@x"}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		users, err := decodeUsers(b)
		if err != nil {
			return
		}
		for _, email := range []string{"ada@x", ""} {
			for _, m := range matchAccounts(users, email) {
				if m.AccountType != "atlassian" || m.AccountID == "" {
					t.Fatalf("match %+v is not a person", m)
				}
				if m.Email != "" && !strings.EqualFold(strings.TrimSpace(m.Email), email) {
					t.Fatalf("match %+v has another email than %q", m, email)
				}
			}
		}
	})
}

func FuzzDecodeErrorBody(f *testing.F) {
	addFixtures(f, "error")
	f.Add([]byte(`<html>502</html>`))
	f.Add([]byte(`{"errorMessages":[],"errors":{"a":"b"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		eb := decodeErrorBody(b)
		if eb.code != "" && !plausibleCode(eb.code) {
			t.Fatalf("code %q let through", eb.code)
		}
		msg := summarize(eb.message, []string{"tok"})
		if strings.Contains(msg, "tok") {
			t.Fatalf("summary %q keeps a secret", msg)
		}
		if utf8.RuneCountInString(msg) > maxMessageRunes+1 || !utf8.ValidString(msg) {
			t.Fatalf("summary %q too long or not UTF-8", msg)
		}
	})
}

// FuzzPageURL: any cursor arrives at the server unchanged, as the only query
// parameter, without touching the path.
func FuzzPageURL(f *testing.F) {
	for _, c := range []string{"Qh8E1QpVV00ys/xI7pHI7Q..", "a+b/c=d&e?f%2F g", "#frag", "cursor=x&cursor=y", "\x00\xff"} {
		f.Add(c)
	}
	base, err := url.Parse("https://api.example.com/pre%2Ffix")
	if err != nil {
		f.Fatal(err)
	}
	u := joinPath(base, "admin", "v1", "orgs", "o/1", "directory", "users", "a:b", "last-active-dates")
	f.Fuzz(func(t *testing.T, cursor string) {
		got, err := url.Parse(pageURL(u, cursor).String())
		if err != nil {
			t.Fatalf("page URL does not parse: %v", err)
		}
		if got.EscapedPath() != u.EscapedPath() {
			t.Fatalf("path %q, want %q", got.EscapedPath(), u.EscapedPath())
		}
		q, err := url.ParseQuery(got.RawQuery)
		if err != nil {
			t.Fatal(err)
		}
		if cursor == "" {
			if got.RawQuery != "" {
				t.Fatalf("first page has query %q", got.RawQuery)
			}
			return
		}
		if len(q) != 1 || len(q["cursor"]) != 1 || q.Get("cursor") != cursor {
			t.Fatalf("query %q does not carry cursor %q alone", got.RawQuery, cursor)
		}
	})
}
