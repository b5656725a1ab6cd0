package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// repoRoot is the root module's directory; go test runs in deploy/.
const repoRoot = ".."

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return b
}

func rootPath(elem ...string) string {
	return filepath.Join(append([]string{repoRoot}, elem...)...)
}

// secretLikeName matches configuration names that would hold a credential.
var secretLikeName = regexp.MustCompile(`(?i)(TOKEN|KEY|SECRET|PASSW(OR)?D|CREDENTIAL)`)

// realSecret matches the shapes of real credentials, as opposed to the
// REPLACE-ME placeholders the committed examples use. Slack tokens carry
// digits right after their prefix; Atlassian API tokens start with ATATT.
var realSecret = regexp.MustCompile(`xox[abposr]-[0-9]+-|xapp-[0-9]+-[A-Z0-9]+|ATATT[A-Za-z0-9_\-=]{16,}|-----BEGIN [A-Z ]*PRIVATE KEY-----|(?i)bearer\s+[A-Za-z0-9._\-]{20,}`)

// contractEnv lists the environment variables of /work/shared/CONTRACT.md, so
// a typo in a committed env or ConfigMap key is caught here rather than as a
// silently ignored setting in production.
var contractEnv = map[string]bool{}

func init() {
	for _, k := range []string{
		"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SLACK_API_URL",
		"JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN",
		"ATLASSIAN_ORG_ID", "ATLASSIAN_API_KEY", "ATLASSIAN_API_URL", "ATLASSIAN_ADMIN_WRITE_KEY",
		"LASTACTIVE_CACHE_TTL", "LASTACTIVE_ALLOWED_USERS", "LASTACTIVE_ALLOWED_CHANNELS",
		"LASTACTIVE_HTTP_ADDR", "LASTACTIVE_LOG_LEVEL", "LASTACTIVE_IDLE_DAYS",
		"LASTACTIVE_REPORT_USERS", "LASTACTIVE_SEAT_PRICES", "LASTACTIVE_CURRENCY",
		"LASTACTIVE_DATABASE_URL", "LASTACTIVE_AUDIT_RETENTION",
		"LASTACTIVE_DIGEST_CHANNEL", "LASTACTIVE_DIGEST_SCHEDULE",
		"LASTACTIVE_NUDGE", "LASTACTIVE_NUDGE_PRODUCTS", "LASTACTIVE_NUDGE_SCHEDULE",
		"LASTACTIVE_NUDGE_MAX", "LASTACTIVE_NUDGE_WAIT", "LASTACTIVE_APPROVERS",
	} {
		contractEnv[k] = true
	}
}

// requiredForServe are the variables `lastactive serve` refuses to start
// without. Jira is optional: all three of jiraEnv, or none.
var requiredForServe = []string{
	"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN",
	"ATLASSIAN_ORG_ID", "ATLASSIAN_API_KEY",
}

var jiraEnv = []string{"JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN"}
