package deploy

import (
	"bufio"
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// instruction is one Dockerfile line, as BuildKit's parser sees it.
type instruction struct {
	cmd   string   // lower case: "from", "run", ...
	flags []string // --from=build, --platform=...
	args  []string
	json  bool // exec form: ["a", "b"]
	line  int
}

type stage struct {
	base, name string
	body       []instruction // everything after FROM
}

// parseDockerfile splits the Dockerfile into stages with the same parser
// `docker build` uses, so a syntax the builder would reject fails here too.
func parseDockerfile(t *testing.T, src []byte) []stage {
	t.Helper()
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		t.Fatalf("parse Dockerfile: %v", err)
	}
	for _, w := range res.Warnings {
		t.Errorf("Dockerfile warning: %s", w.Short)
	}
	var stages []stage
	for _, n := range res.AST.Children {
		in := instruction{cmd: strings.ToLower(n.Value), flags: n.Flags, json: n.Attributes["json"], line: n.StartLine}
		for a := n.Next; a != nil; a = a.Next {
			in.args = append(in.args, a.Value)
		}
		if in.cmd == "from" {
			st := stage{base: in.args[0]}
			if len(in.args) == 3 && strings.EqualFold(in.args[1], "as") {
				st.name = in.args[2]
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) == 0 {
			continue // a global ARG before the first FROM
		}
		stages[len(stages)-1].body = append(stages[len(stages)-1].body, in)
	}
	return stages
}

func (s stage) find(cmd string) []instruction {
	var out []instruction
	for _, in := range s.body {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

var (
	versionFlag = regexp.MustCompile(`-X main\.version=[^\s"']+`)
	outputFlag  = regexp.MustCompile(`(^|\s)-o\s+\S+`)
)

// normaliseBuild blanks the two parts the Dockerfile may differ in from CI:
// the version stamped into the binary and where the binary is written.
func normaliseBuild(cmd string) string {
	cmd = versionFlag.ReplaceAllString(cmd, "-X main.version=VERSION")
	cmd = outputFlag.ReplaceAllString(cmd, "$1-o OUTPUT")
	return strings.Join(strings.Fields(cmd), " ")
}

// ciBuildLine is the one `go build` line of .ci/run.
func ciBuildLine(t *testing.T) string {
	t.Helper()
	var found []string
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, rootPath(".ci", "run"))))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "#") && strings.Contains(line, "go build") {
			found = append(found, line)
		}
	}
	if len(found) != 1 {
		t.Fatalf(".ci/run: want exactly one go build line, found %d: %q", len(found), found)
	}
	return found[0]
}

// dockerfileFacts are the parts of the Dockerfile that several tests check.
type dockerfileFacts struct {
	build, final stage
	buildRun     instruction
	binaryOut    string // -o of the build RUN
}

func loadDockerfile(t *testing.T) dockerfileFacts {
	t.Helper()
	stages := parseDockerfile(t, readFile(t, rootPath("Dockerfile")))
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stage(s), want a build stage and a final stage", len(stages))
	}
	f := dockerfileFacts{final: stages[len(stages)-1]}
	for _, st := range stages[:len(stages)-1] {
		for _, in := range st.find("run") {
			if strings.Contains(strings.Join(in.args, " "), "go build") {
				f.build, f.buildRun = st, in
			}
		}
	}
	if f.buildRun.cmd == "" {
		t.Fatal("no stage before the final one runs go build")
	}
	m := outputFlag.FindStringSubmatch(f.buildRun.args[0])
	if m == nil {
		t.Fatal("the go build RUN has no -o")
	}
	f.binaryOut = strings.Fields(m[0])[1]
	return f
}

func TestDockerfileBuildMatchesCI(t *testing.T) {
	f := loadDockerfile(t)
	if f.buildRun.json || len(f.buildRun.args) != 1 {
		t.Fatalf("build RUN should be one shell-form command, got %q", f.buildRun.args)
	}
	docker, ci := f.buildRun.args[0], ciBuildLine(t)
	if got, want := normaliseBuild(docker), normaliseBuild(ci); got != want {
		t.Errorf("Dockerfile build differs from .ci/run beyond version and output path:\n Dockerfile: %s\n .ci/run:    %s", got, want)
	}
	if !strings.Contains(docker, "-X main.version=${VERSION}") {
		t.Errorf("build RUN should stamp -X main.version=${VERSION}: %s", docker)
	}
	// ${VERSION} is empty unless the stage declares the ARG before using it.
	declared := false
	for _, in := range f.build.body {
		if in.line >= f.buildRun.line {
			break
		}
		if in.cmd == "arg" && len(in.args) == 1 && in.args[0] == "VERSION=dev" {
			declared = true
		}
	}
	if !declared {
		t.Error("build stage must declare ARG VERSION=dev before the go build RUN")
	}
}

func TestDockerfileBuildStage(t *testing.T) {
	f := loadDockerfile(t)
	if !regexp.MustCompile(`^golang:1\.26(\.[0-9]+)?-bookworm(@sha256:[0-9a-f]{64})?$`).MatchString(f.build.base) {
		t.Errorf("builder image = %q, want golang:1.26-bookworm", f.build.base)
	}
	// Layer order for caching: go.mod/go.sum, then go mod download, then the
	// sources, then the build. A source edit must not refetch modules.
	step := func(match func(instruction) bool) int {
		for i, in := range f.build.body {
			if match(in) {
				return i
			}
		}
		return -1
	}
	copyMod := step(func(in instruction) bool {
		return in.cmd == "copy" && len(in.args) >= 2 && in.args[0] == "go.mod" && strings.Contains(strings.Join(in.args, " "), "go.sum")
	})
	download := step(func(in instruction) bool {
		return in.cmd == "run" && strings.Contains(strings.Join(in.args, " "), "go mod download")
	})
	copyAll := step(func(in instruction) bool { return in.cmd == "copy" && len(in.args) == 2 && in.args[0] == "." })
	build := step(func(in instruction) bool { return in.line == f.buildRun.line })
	if !(copyMod >= 0 && copyMod < download && download < copyAll && copyAll < build) {
		t.Errorf("build stage order: COPY go.mod go.sum (%d) < RUN go mod download (%d) < COPY . . (%d) < go build (%d) does not hold",
			copyMod, download, copyAll, build)
	}
}

func TestDockerfileFinalStage(t *testing.T) {
	f := loadDockerfile(t)
	distroless := regexp.MustCompile(`^gcr\.io/distroless/static(-debian[0-9]+)?:nonroot(@sha256:[0-9a-f]{64})?$`)
	if !distroless.MatchString(f.final.base) {
		t.Errorf("final image = %q, want gcr.io/distroless/static-debian12:nonroot (has CA certificates and user 65532)", f.final.base)
	}

	users := f.final.find("user")
	if len(users) == 0 {
		t.Error("final stage has no USER")
	} else {
		u := strings.SplitN(users[len(users)-1].args[0], ":", 2)[0]
		if u != "65532" && u != "nonroot" {
			t.Errorf("final USER = %q, want 65532 or nonroot", u)
		}
	}

	// The binary, and the empty /data owned by the bot's user (where the
	// SQLite database goes); nothing else.
	var binary string
	dataDir := false
	for _, cp := range f.final.find("copy") {
		switch {
		case len(cp.flags) == 1 && cp.flags[0] == "--from="+f.build.name && len(cp.args) == 2 && cp.args[0] == f.binaryOut:
			binary = cp.args[1]
		case len(cp.args) == 2 && cp.args[1] == "/data" && slices.Contains(cp.flags, "--chown=65532:65532"):
			dataDir = true
		default:
			t.Errorf("final COPY %q %q: want only the binary (--from=%s %s DEST) and /data with --chown=65532:65532",
				cp.flags, cp.args, f.build.name, f.binaryOut)
		}
	}
	if binary == "" {
		t.Fatalf("final stage does not copy the binary %s from stage %s", f.binaryOut, f.build.name)
	}
	if !dataDir {
		t.Error("final stage has no /data owned by 65532: the SQLite database would have nowhere to go")
	}
	if got := finalEnv(f.final)["LASTACTIVE_DATABASE_URL"]; got != "sqlite:/data/lastactive.db" {
		t.Errorf("final ENV LASTACTIVE_DATABASE_URL = %q, want sqlite:/data/lastactive.db (the default sqlite:lastactive.db is in / , read-only)", got)
	}

	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{"entrypoint", []string{binary}},
		{"cmd", []string{"serve"}},
	} {
		ins := f.final.find(tc.cmd)
		if len(ins) != 1 {
			t.Errorf("final stage: want one %s, got %d", strings.ToUpper(tc.cmd), len(ins))
			continue
		}
		// Exec form: with no shell in the image, a shell-form line cannot run.
		if !ins[0].json || strings.Join(ins[0].args, "\x00") != strings.Join(tc.want, "\x00") {
			t.Errorf("%s = %q (exec form %v), want exec form %q", strings.ToUpper(tc.cmd), ins[0].args, ins[0].json, tc.want)
		}
	}

	exposed := false
	for _, in := range f.final.find("expose") {
		for _, p := range in.args {
			exposed = exposed || p == "8080" || p == "8080/tcp"
		}
	}
	if !exposed {
		t.Error("final stage does not EXPOSE 8080")
	}
}

// finalEnv collects a stage's ENV pairs (the parser gives name, value,
// separator for each pair).
func finalEnv(s stage) map[string]string {
	env := map[string]string{}
	for _, in := range s.find("env") {
		for i := 0; i+1 < len(in.args); i += 3 {
			env[in.args[i]] = in.args[i+1]
		}
	}
	return env
}

// pinnedImage is an image reference with a tag and a sha256 digest.
var pinnedImage = regexp.MustCompile(`^[^@\s]+:[^@\s]+@sha256:[0-9a-f]{64}$`)

// TestDockerfileImagesPinned: every base image carries its digest, and the
// file says how to bump it.
func TestDockerfileImagesPinned(t *testing.T) {
	src := readFile(t, rootPath("Dockerfile"))
	stages := parseDockerfile(t, src)
	names := map[string]bool{}
	for _, st := range stages {
		if !names[st.base] && !pinnedImage.MatchString(st.base) {
			t.Errorf("FROM %s is not pinned by digest (want image:tag@sha256:...)", st.base)
		}
		names[st.name] = true
	}
	if !bytes.Contains(src, []byte("imagetools inspect")) {
		t.Error("Dockerfile does not say how to bump the digests (docker buildx imagetools inspect)")
	}
}

func TestPinnedImagePattern(t *testing.T) {
	for _, tc := range []struct {
		ref    string
		pinned bool
	}{
		{"golang:1.26-bookworm", false},
		{"gcr.io/distroless/static-debian12:nonroot", false},
		{"golang@sha256:" + strings.Repeat("a", 64), false},
		{"golang:1.26-bookworm@sha256:" + strings.Repeat("a", 63), false},
		{"golang:1.26-bookworm@sha256:" + strings.Repeat("a", 64), true},
		{"gcr.io/distroless/static-debian12:nonroot@sha256:" + strings.Repeat("0", 64), true},
	} {
		if got := pinnedImage.MatchString(tc.ref); got != tc.pinned {
			t.Errorf("pinned(%q) = %v, want %v", tc.ref, got, tc.pinned)
		}
	}
}

// TestDockerfileHasNoSecrets: an ARG or ENV value ends up in the image's
// history, so neither may carry a credential, nor even be named like one.
func TestDockerfileHasNoSecrets(t *testing.T) {
	src := readFile(t, rootPath("Dockerfile"))
	if m := realSecret.Find(src); m != nil {
		t.Errorf("Dockerfile contains something that looks like a credential: %.12q…", m)
	}
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range res.AST.Children {
		var names []string
		switch strings.ToLower(n.Value) {
		case "arg":
			for a := n.Next; a != nil; a = a.Next {
				names = append(names, strings.SplitN(a.Value, "=", 2)[0])
			}
		case "env":
			// The parser gives name, value, separator for each pair.
			var parts []string
			for a := n.Next; a != nil; a = a.Next {
				parts = append(parts, a.Value)
			}
			for i := 0; i < len(parts); i += 3 {
				names = append(names, parts[i])
			}
		}
		for _, name := range names {
			if secretLikeName.MatchString(name) {
				t.Errorf("line %d: %s %s looks like a secret; pass credentials at run time", n.StartLine, n.Value, name)
			}
		}
	}
}

func TestDockerignore(t *testing.T) {
	patterns, err := ignorefile.ReadAll(bytes.NewReader(readFile(t, rootPath(".dockerignore"))))
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path     string
		excluded bool
	}{
		{".git/config", true},
		{"bin/lastactive", true},
		{"lastactive", true},
		{"deploy/lastactive.env", true},
		{"deploy/kubernetes/lastactive.env", true},
		{".env", true},
		{"bot/.env.local", true},
		{"deploy/go.mod", true},
		// What the build needs must stay in.
		{"go.mod", false},
		{"go.sum", false},
		{"cmd/lastactive/main.go", false},
		{"bot/service.go", false},
		{"atlassian/types.go", false},
		{"bot/testdata/reply.golden", false},
	} {
		got, err := pm.MatchesOrParentMatches(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.excluded {
			t.Errorf(".dockerignore: %s excluded = %v, want %v", tc.path, got, tc.excluded)
		}
	}
}

func TestNormaliseBuild(t *testing.T) {
	// The comparison must still notice a changed flag, not only pass.
	ci := `CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=ci" -o bin/lastactive ./cmd/lastactive`
	for _, tc := range []struct {
		name, docker string
		same         bool
	}{
		{"version and output differ", `CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/lastactive ./cmd/lastactive`, true},
		{"cgo on", `go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/lastactive ./cmd/lastactive`, false},
		{"no trimpath", `CGO_ENABLED=0 go build -ldflags="-s -w -X main.version=${VERSION}" -o /out/lastactive ./cmd/lastactive`, false},
		{"not stripped", `CGO_ENABLED=0 go build -trimpath -ldflags="-X main.version=${VERSION}" -o /out/lastactive ./cmd/lastactive`, false},
		{"other package", `CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/lastactive ./cmd/other`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := normaliseBuild(tc.docker) == normaliseBuild(ci); got != tc.same {
				t.Errorf("same = %v, want %v\n%s\n%s", got, tc.same, normaliseBuild(tc.docker), normaliseBuild(ci))
			}
		})
	}
}

// TestDockerfileHealthcheck: `docker run` of the image (the Dockerfile's own
// "Run:" line) reports health as compose does, through the binary's
// healthcheck subcommand: the image has no shell or curl, so the exec form.
func TestDockerfileHealthcheck(t *testing.T) {
	f := loadDockerfile(t)
	var binary string
	for _, cp := range f.final.find("copy") {
		if len(cp.args) == 2 && cp.args[0] == f.binaryOut {
			binary = cp.args[1]
		}
	}
	hcs := f.final.find("healthcheck")
	if len(hcs) != 1 {
		t.Fatalf("final stage: want one HEALTHCHECK, got %d (without it `docker run` shows no health)", len(hcs))
	}
	hc := hcs[0]
	if want := []string{"CMD", binary, "healthcheck"}; !hc.json || !slices.Equal(hc.args, want) {
		t.Errorf("HEALTHCHECK = %q (exec form %v), want CMD in exec form %q (no shell in the image)", hc.args, hc.json, want[1:])
	}
	// Written out as in compose.yaml, not left to Docker's defaults (a
	// 30 s timeout for a check that gives up after 3 s).
	flags := strings.Join(hc.flags, " ")
	for _, want := range []string{"--interval=", "--timeout=", "--start-period=", "--retries="} {
		if !strings.Contains(flags, want) {
			t.Errorf("HEALTHCHECK flags %q lack %s", hc.flags, want)
		}
	}
}

// TestDockerfileRunLineKeepsTheDatabase: the Dockerfile's "Run:" line is
// the one a new admin copies. It must keep what compose.yaml keeps: the
// SQLite database on a volume (the image puts it in /data, and without a
// volume `--rm` deletes the audit trail with the container), the health
// port on loopback only, and more than Docker's default 10 s between
// SIGTERM and SIGKILL, which the bot's drain of up to 10 s, plus the health
// server's shutdown, can exceed.
func TestDockerfileRunLineKeepsTheDatabase(t *testing.T) {
	f := loadDockerfile(t)
	dataDir := strings.TrimPrefix(finalEnv(f.final)["LASTACTIVE_DATABASE_URL"], "sqlite:")
	dataDir = dataDir[:strings.LastIndex(dataDir, "/")]
	for _, p := range checkRunLine(t, string(readFile(t, rootPath("Dockerfile"))), dataDir) {
		t.Error(p)
	}
}

// checkRunLine returns what is wrong with the "# Run:" line of a Dockerfile.
func checkRunLine(t *testing.T, src, dataDir string) []string {
	t.Helper()
	var args []string
	for _, line := range strings.Split(src, "\n") {
		if rest, ok := strings.CutPrefix(line, "# Run:"); ok {
			args = strings.Fields(rest)
		}
	}
	if len(args) < 2 || args[0] != "docker" || args[1] != "run" {
		return []string{`the Dockerfile has no "# Run:  docker run ..." line`}
	}
	var problems []string
	volume, stop := false, 0
	for i := 2; i < len(args); i++ {
		flag, val, hasVal := strings.Cut(args[i], "=")
		next := func() string {
			if hasVal {
				return val
			}
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		switch flag {
		case "-v", "--volume":
			parts := strings.Split(next(), ":")
			// A named volume (not a host path, whose directory would
			// belong to root), mounted where the database is.
			volume = volume || len(parts) >= 2 && parts[1] == dataDir && !strings.ContainsAny(parts[0], "/.")
		case "--mount":
			m := next()
			volume = volume || strings.Contains(m, "type=volume") && (strings.Contains(m, "target="+dataDir) || strings.Contains(m, "dst="+dataDir))
		case "-p", "--publish":
			if p := next(); !strings.HasPrefix(p, "127.0.0.1:") {
				problems = append(problems, "Run: publishes "+p+" on every interface; the health and metrics port needs only loopback (as compose.yaml)")
			}
		case "--stop-timeout", "-t":
			stop, _ = strconv.Atoi(next())
		}
	}
	if !volume {
		problems = append(problems, "Run: mounts no named volume at "+dataDir+": the SQLite database (audit trail, nudges, exemptions) is deleted with the container")
	}
	if stop <= 10 {
		problems = append(problems, "Run: no --stop-timeout above 10 s: Docker's default SIGKILLs the bot at 10 s, while it may still be draining")
	}
	return problems
}

// TestCheckRunLineCatches: the check fires on the line as it was, and passes
// a line that keeps the database.
func TestCheckRunLineCatches(t *testing.T) {
	bad := "# Run:    docker run --rm --env-file deploy/lastactive.env -p 8080:8080 lastactive\n"
	if got := checkRunLine(t, bad, "/data"); len(got) != 3 {
		t.Errorf("checkRunLine(%q) = %q, want three problems", bad, got)
	}
	good := "# Run:    docker run -d --env-file deploy/lastactive.env -v lastactive-data:/data -p 127.0.0.1:8080:8080 --stop-timeout 15 lastactive\n"
	if got := checkRunLine(t, good, "/data"); len(got) != 0 {
		t.Errorf("checkRunLine(%q) = %q, want none", good, got)
	}
	if got := checkRunLine(t, "# Run: docker run -v /srv/la:/data --stop-timeout=15 x\n", "/data"); len(got) != 1 {
		t.Errorf("a host directory at /data: got %q, want one problem (its owner is root)", got)
	}
}
