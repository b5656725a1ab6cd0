package atlassian

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

func TestConfigAndClientNeverPrintSecrets(t *testing.T) {
	cfg := Config{
		JiraBaseURL: "https://example.atlassian.net", JiraEmail: "bot@example.com", JiraAPIToken: "jira-secret-token",
		AdminBaseURL: "https://api.atlassian.com", OrgID: "org-1", APIKey: "admin-secret-key",
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{"jira-secret-token", "admin-secret-key",
		base64.StdEncoding.EncodeToString([]byte("bot@example.com:jira-secret-token"))}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		for name, v := range map[string]any{"config": cfg, "config pointer": &cfg, "client": c, "nested": struct{ C Config }{cfg}} {
			out := fmt.Sprintf(verb, v)
			for _, s := range secrets {
				if strings.Contains(out, s) || strings.Contains(out, fmt.Sprintf("%x", s)) {
					t.Errorf("%s printed with %s leaks a secret: %s", name, verb, out)
				}
			}
		}
	}
	if out := fmt.Sprint(cfg); !strings.Contains(out, "org-1") || !strings.Contains(out, redacted) {
		t.Errorf("Config prints %q: want the org and [redacted]", out)
	}
}
