package deploy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"sigs.k8s.io/yaml"
)

// slackManifest is the part of https://api.slack.com/reference/manifests the
// app uses. Decoded strictly, so a misspelt key fails here and not when an
// admin pastes the manifest into Slack.
type slackManifest struct {
	Metadata struct {
		MajorVersion int `json:"major_version"`
		MinorVersion int `json:"minor_version"`
	} `json:"_metadata"`
	DisplayInformation struct {
		Name            string `json:"name"`
		Description     string `json:"description"`
		BackgroundColor string `json:"background_color"`
	} `json:"display_information"`
	Features struct {
		BotUser struct {
			DisplayName  string `json:"display_name"`
			AlwaysOnline bool   `json:"always_online"`
		} `json:"bot_user"`
		AppHome struct {
			HomeTabEnabled             bool `json:"home_tab_enabled"`
			MessagesTabEnabled         bool `json:"messages_tab_enabled"`
			MessagesTabReadOnlyEnabled bool `json:"messages_tab_read_only_enabled"`
		} `json:"app_home"`
		SlashCommands []struct {
			Command      string `json:"command"`
			Description  string `json:"description"`
			UsageHint    string `json:"usage_hint"`
			ShouldEscape bool   `json:"should_escape"`
		} `json:"slash_commands"`
		Shortcuts []struct {
			Name        string `json:"name"`
			Type        string `json:"type"`
			CallbackID  string `json:"callback_id"`
			Description string `json:"description"`
		} `json:"shortcuts"`
	} `json:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot []string `json:"bot"`
		} `json:"scopes"`
	} `json:"oauth_config"`
	Settings struct {
		Interactivity struct {
			IsEnabled bool `json:"is_enabled"`
		} `json:"interactivity"`
		EventSubscriptions struct {
			BotEvents []string `json:"bot_events"`
		} `json:"event_subscriptions"`
		OrgDeployEnabled     bool `json:"org_deploy_enabled"`
		SocketModeEnabled    bool `json:"socket_mode_enabled"`
		TokenRotationEnabled bool `json:"token_rotation_enabled"`
	} `json:"settings"`
}

func loadManifest(t *testing.T) slackManifest {
	t.Helper()
	var m slackManifest
	if err := yaml.UnmarshalStrict(readFile(t, "slack-app-manifest.yaml"), &m); err != nil {
		t.Fatalf("slack-app-manifest.yaml: %v", err)
	}
	return m
}

func TestSlackManifest(t *testing.T) {
	m := loadManifest(t)
	if m.Metadata.MajorVersion != 1 {
		t.Errorf("_metadata.major_version = %d, want 1", m.Metadata.MajorVersion)
	}
	// Lengths Slack's manifest validator enforces.
	if n := len(m.DisplayInformation.Name); n == 0 || n > 35 {
		t.Errorf("display_information.name has %d characters, want 1..35", n)
	}
	if n := len(m.DisplayInformation.Description); n > 140 {
		t.Errorf("display_information.description has %d characters, want at most 140", n)
	}
	if !regexp.MustCompile(`^#[0-9a-fA-F]{6}$`).MatchString(m.DisplayInformation.BackgroundColor) {
		t.Errorf("background_color %q is not #RRGGBB", m.DisplayInformation.BackgroundColor)
	}
	if m.Features.BotUser.DisplayName == "" {
		t.Error("features.bot_user.display_name is empty; without a bot user there is no bot token")
	}

	if cmds := m.Features.SlashCommands; len(cmds) != 1 {
		t.Errorf("want one slash command, got %d", len(cmds))
	} else {
		c := cmds[0]
		if c.Command != "/lastactive" {
			t.Errorf("command = %q, want /lastactive", c.Command)
		}
		// Escaping turns @mentions into <@U123|name> and emails into
		// <mailto:…|…>, the forms the bot parses.
		if !c.ShouldEscape {
			t.Error("slash command should_escape is not true")
		}
		if c.Description == "" || c.UsageHint == "" {
			t.Error("slash command needs a description and a usage_hint")
		}
	}

	if scs := m.Features.Shortcuts; len(scs) != 1 {
		t.Errorf("want one shortcut, got %d", len(scs))
	} else {
		s := scs[0]
		if s.CallbackID != "lastactive_author" || s.Type != "message" {
			t.Errorf("shortcut = %s/%s, want callback_id lastactive_author, type message", s.CallbackID, s.Type)
		}
		if n := len(s.Name); n == 0 || n > 24 {
			t.Errorf("shortcut name has %d characters, want 1..24", n)
		}
		if n := len(s.Description); n == 0 || n > 150 {
			t.Errorf("shortcut description has %d characters, want 1..150", n)
		}
	}

	st := m.Settings
	if !st.SocketModeEnabled || !st.Interactivity.IsEnabled {
		t.Errorf("socket_mode_enabled = %v, interactivity.is_enabled = %v; both must be true (no public endpoint)",
			st.SocketModeEnabled, st.Interactivity.IsEnabled)
	}
	if st.OrgDeployEnabled || st.TokenRotationEnabled {
		t.Errorf("org_deploy_enabled = %v, token_rotation_enabled = %v; both must be false (a rotating bot token would expire in 12 h)",
			st.OrgDeployEnabled, st.TokenRotationEnabled)
	}
}

// slackCall maps the slack-go methods the bot may call to the Web API method
// behind them and the bot scopes that method needs. A call the scan finds
// that is not here fails the test: add its row, with the scope from the
// method's page on api.slack.com.
var slackCalls = []struct {
	api     string
	goNames []string
	scopes  []string
}{
	{"auth.test", []string{"AuthTest", "AuthTestContext"}, nil},
	// With the app-level token, whose scope connections:write is not a bot scope.
	{"apps.connections.open", []string{"StartSocketModeContext"}, nil},
	// The email is only in the profile with users:read.email.
	{"users.info", []string{"GetUserInfo", "GetUserInfoContext", "GetUsersInfo", "GetUsersInfoContext"}, []string{"users:read", "users:read.email"}},
	{"chat.postMessage", []string{"PostMessage", "PostMessageContext"}, []string{"chat:write"}},
	{"chat.postEphemeral", []string{"PostEphemeral", "PostEphemeralContext"}, []string{"chat:write"}},
	// Keep or release: a nudge or an approval updated in place.
	{"chat.update", []string{"UpdateMessage", "UpdateMessageContext"}, []string{"chat:write"}},
	// Keep or release: a round maps emails to Slack users, page by page
	// (the emails in the profiles need users:read.email).
	{"users.list", []string{"GetUsers", "GetUsersContext", "GetUsersPaginated"}, []string{"users:read", "users:read.email"}},
	// Keep or release: the Slack user of one person (the email needs users:read.email).
	{"users.lookupByEmail", []string{"GetUserByEmail", "GetUserByEmailContext"}, []string{"users:read.email"}},
	{"conversations.open", []string{"OpenConversation", "OpenConversationContext"}, []string{"im:write"}},
	{"files.getUploadURLExternal", []string{"GetUploadURLExternalContext"}, []string{"files:write"}},
	{"files.completeUploadExternal", []string{"CompleteUploadExternalContext"}, []string{"files:write"}},
	// App Home: no scope, only the Home tab turned on (features.app_home).
	{"views.publish", []string{"PublishView", "PublishViewContext"}, nil},
	// slack-go's UploadFile runs both steps above (it was UploadFileV2 before v0.16).
	{"files.getUploadURLExternal+files.completeUploadExternal", []string{"UploadFile", "UploadFileContext"}, []string{"files:write"}},
}

// slackWebAPIMethods lists the *slack.Client methods that call the Web API:
// those with a Context variant, which slack-go gives every API wrapper and no
// helper (Debug, Debugf, ...). Any of these found in the code must be in slackCalls.
func slackWebAPIMethods() map[string]bool {
	typ := reflect.TypeOf(&slack.Client{})
	all := map[string]bool{}
	for i := range typ.NumMethod() {
		all[typ.Method(i).Name] = true
	}
	api := map[string]bool{}
	for name := range all {
		// GetUsersPaginated and its kin have no Context variant: the calls
		// are made by the pagination's Next, so the method that starts one
		// stands for the Web API method it pages through.
		if strings.HasSuffix(name, "Paginated") {
			api[name] = true
		}
		if base, ok := strings.CutSuffix(name, "Context"); ok {
			api[name] = true
			if all[base] {
				api[base] = true
			}
		}
	}
	return api
}

type foundCall struct {
	name, pos string
}

// scanSlackCalls finds, in the non-test Go files under root, every selector
// whose name is a slack-go Web API method, and every string literal that is
// exactly a Web API method name from slackCalls (for code that calls the API
// without slack-go). A bare method name counts only in a file importing slack-go. It skips other modules (deploy/), testdata, and
// packages whose name ends in "test": fakes such as bot/slacktest mention the
// methods without the bot calling them.
func scanSlackCalls(t *testing.T, root string, apiMethods map[string]bool) []foundCall {
	t.Helper()
	literals := map[string]bool{}
	for _, c := range slackCalls {
		for _, m := range strings.Split(c.api, "+") {
			literals[m] = true
		}
	}
	var found []foundCall
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") ||
				name == "testdata" || name == "vendor" || strings.HasSuffix(name, "test")) {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		importsSlack := false
		for _, imp := range f.Imports {
			importsSlack = importsSlack || strings.HasPrefix(imp.Path.Value, `"github.com/slack-go/slack`)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				// Bare names such as Search or GetUsers are common elsewhere
				// (the Atlassian client), so they count only in files that use
				// slack-go; the ...Context names are distinctive enough anywhere.
				name := n.Sel.Name
				if apiMethods[name] && (importsSlack || strings.HasSuffix(name, "Context")) {
					found = append(found, foundCall{n.Sel.Name, fset.Position(n.Pos()).String()})
				}
			case *ast.BasicLit:
				if n.Kind == token.STRING {
					if s, err := strconv.Unquote(n.Value); err == nil && literals[s] {
						found = append(found, foundCall{s, fset.Position(n.Pos()).String()})
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatalf("scan %s: %v", root, err)
	}
	return found
}

// neededScopes turns the calls found into the bot scopes they need; calls
// with no row in slackCalls come back as unknown.
func neededScopes(calls []foundCall) (scopes map[string][]string, unknown []foundCall) {
	byName := map[string][]string{}
	for _, c := range slackCalls {
		for _, n := range append(slices.Clone(c.goNames), strings.Split(c.api, "+")...) {
			byName[n] = c.scopes
		}
	}
	scopes = map[string][]string{} // scope -> where it is needed
	for _, call := range calls {
		s, ok := byName[call.name]
		if !ok {
			unknown = append(unknown, call)
			continue
		}
		for _, scope := range s {
			scopes[scope] = append(scopes[scope], call.name+" at "+call.pos)
		}
	}
	return scopes, unknown
}

func TestSlackScopesMatchCode(t *testing.T) {
	checkSlackGoVersion(t)
	calls := scanSlackCalls(t, repoRoot, slackWebAPIMethods())
	for _, c := range calls {
		t.Logf("Slack call %s at %s", c.name, c.pos)
	}
	needed, unknown := neededScopes(calls)
	for _, c := range unknown {
		t.Errorf("%s calls Slack's %s, which has no row in slackCalls: add it with the scopes it needs", c.pos, c.name)
	}
	// The slash command and the message shortcut need `commands`; they are
	// configured in the manifest, not called from the code.
	needed["commands"] = []string{"the /lastactive command and the lastactive_author shortcut"}

	have := map[string]bool{}
	for _, s := range loadManifest(t).OAuthConfig.Scopes.Bot {
		if have[s] {
			t.Errorf("bot scope %s listed twice", s)
		}
		have[s] = true
	}
	for scope, where := range needed {
		if !have[scope] {
			t.Errorf("manifest lacks bot scope %s, needed by %s", scope, strings.Join(where, "; "))
		}
	}
	for scope := range have {
		if _, ok := needed[scope]; !ok {
			var methods []string
			for _, c := range slackCalls {
				if slices.Contains(c.scopes, scope) {
					methods = append(methods, c.goNames...)
				}
			}
			t.Errorf("manifest asks for bot scope %s, but no code outside tests calls any of %v", scope, methods)
		}
	}
}

// TestSlackScanDerivesScopes runs the scan on a fixture, so the derivation is
// known to work whatever state the bot's code is in.
func TestSlackScanDerivesScopes(t *testing.T) {
	calls := scanSlackCalls(t, filepath.Join("testdata", "scanroot"), slackWebAPIMethods())
	needed, unknown := neededScopes(calls)
	var got []string
	for s := range needed {
		got = append(got, s)
	}
	sort.Strings(got)
	if want := []string{"files:write", "im:write", "users:read", "users:read.email"}; !slices.Equal(got, want) {
		t.Errorf("scopes = %v, want %v (calls %v)", got, want, calls)
	}
	if len(unknown) != 1 || unknown[0].name != "GetConversationInfoContext" {
		t.Errorf("unknown calls = %v, want just GetConversationInfoContext", unknown)
	}
}

// TestSlackCallsTable keeps the table honest against the pinned slack-go:
// every Go name in it must be a real Web API method of *slack.Client.
func TestSlackCallsTable(t *testing.T) {
	api := slackWebAPIMethods()
	for _, c := range slackCalls {
		for _, n := range c.goNames {
			if !api[n] {
				t.Errorf("slackCalls row %s: %s is not a Web API method of *slack.Client", c.api, n)
			}
		}
	}
}

// checkSlackGoVersion: the table and the method list come from the slack-go
// this module builds with, so it must be the bot's.
func checkSlackGoVersion(t *testing.T) {
	t.Helper()
	re := regexp.MustCompile(`(?m)^\s*(?:require\s+)?github\.com/slack-go/slack\s+(v\S+)`)
	ours, theirs := re.FindSubmatch(readFile(t, "go.mod")), re.FindSubmatch(readFile(t, rootPath("go.mod")))
	if ours == nil || theirs == nil {
		t.Fatal("deploy/go.mod and ../go.mod must both require github.com/slack-go/slack")
	}
	if string(ours[1]) != string(theirs[1]) {
		t.Errorf("deploy/go.mod has slack-go %s, ../go.mod has %s: run `go get github.com/slack-go/slack@%[2]s` in deploy/", ours[1], theirs[1])
	}
}

// slackMethodName matches a Slack Web API method as comments write it.
var slackMethodName = regexp.MustCompile(`\b(?:apps|auth|chat|conversations|files|users|views|team|reactions|bots)\.[a-z][A-Za-z.]*[A-Za-z]\b`)

// TestSlackManifestCommentsNameCalledMethods: each Slack method the
// manifest's comments name as the reason for a scope is one the code calls,
// so an admin reviewing the scopes reads what the bot really does.
func TestSlackManifestCommentsNameCalledMethods(t *testing.T) {
	called := map[string]bool{}
	toAPI := map[string][]string{}
	for _, c := range slackCalls {
		for _, n := range c.goNames {
			toAPI[n] = strings.Split(c.api, "+")
		}
	}
	for _, c := range scanSlackCalls(t, repoRoot, slackWebAPIMethods()) {
		for _, api := range toAPI[c.name] {
			called[api] = true
		}
		called[c.name] = true // a literal method name
	}
	named := 0
	for n, line := range strings.Split(string(readFile(t, "slack-app-manifest.yaml")), "\n") {
		_, comment, ok := strings.Cut(line, "#")
		if !ok {
			continue
		}
		for _, m := range slackMethodName.FindAllString(comment, -1) {
			named++
			if !called[m] {
				t.Errorf("slack-app-manifest.yaml:%d names %s, which no code outside tests calls", n+1, m)
			}
		}
	}
	if named == 0 {
		t.Error("the manifest's comments name no Slack method: the scan found nothing to check")
	}
}

// TestSlackManifestAppHome: the bot publishes a Home tab (views.publish) on
// app_home_opened, so the manifest turns the tab on and subscribes to it.
func TestSlackManifestAppHome(t *testing.T) {
	m := loadManifest(t)
	if !m.Features.AppHome.HomeTabEnabled {
		t.Error("features.app_home.home_tab_enabled is not true: the bot publishes a Home tab")
	}
	if !slices.Contains(m.Settings.EventSubscriptions.BotEvents, "app_home_opened") {
		t.Errorf("settings.event_subscriptions.bot_events = %v, want app_home_opened", m.Settings.EventSubscriptions.BotEvents)
	}
}

// TestSlackManifestMessagesTab: the bot writes to people in its own direct
// message (conversations.open for an idle report's CSV; chat.postMessage to a
// user ID for nudges, approvals and their results), which Slack shows in the
// App Home's Messages tab. With that tab turned off, the calls succeed and
// nobody sees the messages. The bot reads no direct messages (no message.im
// event, no im:history), so the tab is read-only: people see what it sends
// and are not offered a composer nothing answers.
func TestSlackManifestMessagesTab(t *testing.T) {
	dms := map[string]bool{}
	for _, c := range scanSlackCalls(t, repoRoot, slackWebAPIMethods()) {
		switch c.name {
		case "OpenConversation", "OpenConversationContext", "PostMessage", "PostMessageContext":
			dms[c.name+" at "+c.pos] = true
		}
	}
	if len(dms) == 0 {
		t.Skip("the code sends no direct message")
	}
	m := loadManifest(t)
	if !m.Features.AppHome.MessagesTabEnabled {
		t.Errorf("features.app_home.messages_tab_enabled is not true, but the bot posts to direct messages (calls: %s): nobody would see them",
			strings.Join(slices.Sorted(maps.Keys(dms)), "; "))
	}
	if !m.Features.AppHome.MessagesTabReadOnlyEnabled {
		t.Error("features.app_home.messages_tab_read_only_enabled is not true: people could write to a bot that reads no direct messages")
	}
	if slices.Contains(m.Settings.EventSubscriptions.BotEvents, "message.im") {
		t.Error("the manifest subscribes to message.im, which the bot does not handle")
	}
}
