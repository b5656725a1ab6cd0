package deploy

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// composeFile is the part of the Compose schema deploy/compose.yaml uses;
// decoding strictly catches a misspelt key, which Compose would reject too.
type composeFile struct {
	Name     string `json:"name"`
	Services map[string]struct {
		Build struct {
			Context string            `json:"context"`
			Args    map[string]string `json:"args"`
		} `json:"build"`
		Image       string   `json:"image"`
		Command     []string `json:"command"`
		EnvFile     string   `json:"env_file"`
		Restart     string   `json:"restart"`
		Ports       []string `json:"ports"`
		Healthcheck struct {
			Test        []string `json:"test"`
			Interval    string   `json:"interval"`
			Timeout     string   `json:"timeout"`
			Retries     int      `json:"retries"`
			StartPeriod string   `json:"start_period"`
		} `json:"healthcheck"`
		StopGracePeriod string   `json:"stop_grace_period"`
		User            string   `json:"user"`
		ReadOnly        bool     `json:"read_only"`
		Tmpfs           []string `json:"tmpfs"`
		CapDrop         []string `json:"cap_drop"`
		SecurityOpt     []string `json:"security_opt"`
		Volumes         []string `json:"volumes"`
		Logging         struct {
			Driver  string            `json:"driver"`
			Options map[string]string `json:"options"`
		} `json:"logging"`
	} `json:"services"`
	Volumes map[string]any `json:"volumes"`
}

func TestCompose(t *testing.T) {
	var cf composeFile
	if err := yaml.UnmarshalStrict(readFile(t, "compose.yaml"), &cf); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	svc, ok := cf.Services["lastactive"]
	if !ok || len(cf.Services) != 1 {
		t.Fatalf("compose.yaml: want the one service lastactive, got %d services", len(cf.Services))
	}
	// The health check runs the binary where the image put it: the Dockerfile's ENTRYPOINT.
	binary := loadDockerfile(t).final.find("entrypoint")[0].args[0]
	if want := []string{"CMD", binary, "healthcheck"}; !slices.Equal(svc.Healthcheck.Test, want) {
		t.Errorf("healthcheck test = %q, want %q (no shell or curl in a distroless image)", svc.Healthcheck.Test, want)
	}
	for name, d := range map[string]string{"interval": svc.Healthcheck.Interval, "timeout": svc.Healthcheck.Timeout} {
		if _, err := time.ParseDuration(d); err != nil {
			t.Errorf("healthcheck %s %q: %v", name, d, err)
		}
	}
	if g, err := time.ParseDuration(svc.StopGracePeriod); err != nil || g <= 10*time.Second {
		t.Errorf("stop_grace_period = %q, want more than the bot's 10 s drain", svc.StopGracePeriod)
	}
	if svc.Restart != "unless-stopped" {
		t.Errorf("restart = %q, want unless-stopped", svc.Restart)
	}
	if svc.EnvFile != "lastactive.env" {
		t.Errorf("env_file = %q, want lastactive.env", svc.EnvFile)
	}
	if !svc.ReadOnly {
		t.Error("read_only is not true")
	}
	if !slices.Equal(svc.CapDrop, []string{"ALL"}) {
		t.Errorf("cap_drop = %q, want [ALL]", svc.CapDrop)
	}
	if !slices.Contains(svc.SecurityOpt, "no-new-privileges:true") {
		t.Errorf("security_opt = %q, want no-new-privileges:true", svc.SecurityOpt)
	}
	if u := strings.SplitN(svc.User, ":", 2)[0]; u != "65532" {
		t.Errorf("user = %q, want 65532", svc.User)
	}
	if _, err := os.Stat(filepath.Join(svc.Build.Context, "Dockerfile")); err != nil {
		t.Errorf("build context %q has no Dockerfile: %v", svc.Build.Context, err)
	}
	// The SQLite database must outlive the container: a named volume (not a
	// bind mount, whose host directory would belong to root) at /data, where
	// the image's LASTACTIVE_DATABASE_URL points.
	dataVolume := ""
	for _, v := range svc.Volumes {
		if src, dst, _ := strings.Cut(v, ":"); strings.HasPrefix(dst, "/data") && !strings.ContainsAny(src, "/.") {
			dataVolume = src
		}
	}
	if _, declared := cf.Volumes[dataVolume]; dataVolume == "" || !declared {
		t.Errorf("volumes = %q (declared %v): want a named volume at /data for the SQLite database", svc.Volumes, cf.Volumes)
	}
	for _, p := range svc.Ports {
		if !strings.HasPrefix(p, "127.0.0.1:") {
			t.Errorf("port %q is published on every interface; the health port needs only loopback", p)
		}
	}
}

// TestComposePostgresExample: the commented PostgreSQL service is valid
// Compose once uncommented, and the bot's env example names the URL to use.
func TestComposePostgresExample(t *testing.T) {
	// Uncomment each block that starts with one of these lines, up to the
	// first line that is not a comment at the same indentation.
	starts := []string{"  # postgres:", "    # depends_on:", "  # pgdata:"}
	var uncommented []string
	prefix := ""
	for _, line := range strings.Split(string(readFile(t, "compose.yaml")), "\n") {
		if slices.Contains(starts, line) {
			prefix = line[:strings.Index(line, "#")+2]
		}
		if prefix != "" && strings.HasPrefix(line, prefix) {
			line = prefix[:len(prefix)-2] + strings.TrimPrefix(line, prefix)
		} else {
			prefix = ""
		}
		uncommented = append(uncommented, line)
	}
	var cf struct {
		Services map[string]map[string]any `json:"services"`
		Volumes  map[string]any            `json:"volumes"`
	}
	if err := yaml.Unmarshal([]byte(strings.Join(uncommented, "\n")), &cf); err != nil {
		t.Fatalf("compose.yaml with PostgreSQL uncommented: %v", err)
	}
	pg, ok := cf.Services["postgres"]
	if !ok {
		t.Fatal("compose.yaml has no commented postgres service")
	}
	if _, ok := cf.Volumes["pgdata"]; !ok {
		t.Error("the postgres service's volume pgdata is not declared once uncommented")
	}
	if _, ok := pg["healthcheck"]; !ok {
		t.Error("postgres service has no healthcheck for depends_on: service_healthy")
	}
	if _, ok := cf.Services["lastactive"]["depends_on"]; !ok {
		t.Error("lastactive does not wait for postgres once uncommented")
	}
	if env, _ := pg["environment"].(map[string]any); env["POSTGRES_PASSWORD"] != nil {
		t.Error("POSTGRES_PASSWORD is written in compose.yaml; it belongs in an env file")
	}
}

// parseEnvFile reads KEY=value lines the way kubectl --from-env-file and
// Compose do: # comments and blank lines skipped, the value taken literally.
func parseEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, path)))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || k != strings.TrimSpace(k) || strings.HasPrefix(k, "export ") {
			t.Errorf("%s:%d: not a plain KEY=value line: %q", path, n, line)
			continue
		}
		if strings.HasPrefix(v, `"`) || strings.HasPrefix(v, `'`) {
			t.Errorf("%s:%d: quoted value; kubectl would keep the quotes", path, n)
		}
		env[k] = v
	}
	return env
}

func TestEnvExample(t *testing.T) {
	env := parseEnvFile(t, "lastactive.env.example")
	for k, v := range env {
		if !contractEnv[k] {
			t.Errorf("lastactive.env.example: %s is not a variable lastactive reads", k)
		}
		if secretLikeName.MatchString(k) && !isPlaceholder(v) {
			t.Errorf("lastactive.env.example: %s = %q is not a REPLACE-ME placeholder", k, v)
		}
	}
	for _, k := range requiredForServe {
		if _, ok := env[k]; !ok {
			t.Errorf("lastactive.env.example lacks %s, which serve requires", k)
		}
	}
	set := 0
	for _, k := range jiraEnv {
		if _, ok := env[k]; ok {
			set++
		}
	}
	if set != 0 && set != len(jiraEnv) {
		t.Errorf("lastactive.env.example sets %d of %v: the bot takes all three or none", set, jiraEnv)
	}
	// The commented examples are copied by uncommenting: their names must be
	// right too, and the optional settings an admin needs must be shown.
	commented := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^# ([A-Z][A-Z0-9_]*)=`).FindAllSubmatch(readFile(t, "lastactive.env.example"), -1) {
		k := string(m[1])
		commented[k] = true
		if !contractEnv[k] {
			t.Errorf("lastactive.env.example: commented %s is not a variable lastactive reads", k)
		}
	}
	for _, k := range append([]string{"LASTACTIVE_DATABASE_URL", "LASTACTIVE_ALLOWED_USERS", "LASTACTIVE_ALLOWED_CHANNELS"}, jiraEnv...) {
		if _, ok := env[k]; !ok && !commented[k] {
			t.Errorf("lastactive.env.example does not show %s", k)
		}
	}
	// The env file is where credentials go (it becomes the Kubernetes
	// Secret, or compose's env_file): every credential the bot reads is
	// shown there, so none ends up in a ConfigMap or an overlay's literal.
	for k := range contractEnv {
		if _, ok := env[k]; secretLikeName.MatchString(k) && !ok && !commented[k] {
			t.Errorf("lastactive.env.example does not show the credential %s: an admin would not know it belongs in the env file (the Secret)", k)
		}
	}
}

// TestNoCommittedCredentials scans the deployment files for anything shaped
// like a real token. deploy/lastactive.env is skipped: git ignores it, and on
// a developer's machine it rightly holds real values.
func TestNoCommittedCredentials(t *testing.T) {
	ignored := readFile(t, ".gitignore")
	if !bytes.Contains(ignored, []byte("*.env")) {
		t.Error("deploy/.gitignore must ignore *.env")
	}
	files := []string{rootPath("Dockerfile"), rootPath(".dockerignore")}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case d.IsDir() && path != "." && strings.HasPrefix(d.Name(), "."):
			return filepath.SkipDir
		case d.IsDir(), strings.HasSuffix(path, ".go"), d.Name() == "go.sum":
		case strings.HasSuffix(d.Name(), ".env"):
		default:
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if m := realSecret.Find(readFile(t, f)); m != nil {
			t.Errorf("%s contains something shaped like a credential: %.12q…", f, m)
		}
	}
}

func TestRealSecretPattern(t *testing.T) {
	for _, tc := range []struct {
		s    string
		real bool
	}{
		{"xoxb-REPLACE-ME", false},
		{"xapp-REPLACE-ME", false},
		{"xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", true},
		{"xapp-1-A0123456789-1234567890123-abcdef", true},
		{"ATATT3xFfGF0abcdefghijklmnopqrstuvwxyz", true},
		{"Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123", true},
	} {
		if got := realSecret.MatchString(tc.s); got != tc.real {
			t.Errorf("realSecret(%q) = %v, want %v", tc.s, got, tc.real)
		}
	}
}
