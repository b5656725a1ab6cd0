package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// mdLink matches a relative Markdown link target: [text](path) or
// [text](path#anchor), not http(s) or mailto links, not <...> autolinks.
var mdLink = regexp.MustCompile(`\]\(([^)#:\s]+)(?:#[^)]*)?\)`)

// fileMention matches a file path a comment points the reader to.
var fileMention = regexp.MustCompile(`(?:^|[\s(\x60"])((?:\.\./|deploy/|[\w.-]+/)*[\w.-]+\.(?:md|go|yaml|example))\b`)

// TestDocLinksResolve: no README link and no deploy file comment points at a
// file that does not exist (deploy/README.md was such a file once).
func TestDocLinksResolve(t *testing.T) {
	readme := readFile(t, rootPath("README.md"))
	for _, m := range mdLink.FindAllSubmatch(readme, -1) {
		if _, err := os.Stat(rootPath(string(m[1]))); err != nil {
			t.Errorf("README.md links to %s, which does not exist", m[1])
		}
	}
	files := []string{rootPath("Dockerfile"), rootPath(".dockerignore"), rootPath(".ci", "run")}
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (path == "testdata" || (path != "." && strings.HasPrefix(d.Name(), "."))) {
			return filepath.SkipDir
		}
		if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yaml" || ext == ".example") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		for n, line := range strings.Split(string(readFile(t, f)), "\n") {
			_, comment, ok := strings.Cut(line, "#")
			if !ok {
				continue
			}
			for _, m := range fileMention.FindAllStringSubmatch(comment, -1) {
				if !mentionExists(f, m[1]) {
					t.Errorf("%s:%d mentions %s, which does not exist", f, n+1, m[1])
				}
			}
		}
	}
}

// mentionExists resolves a path relative to the mentioning file's folder,
// then to the repository root (comments write deploy/... from the root).
func mentionExists(from, path string) bool {
	for _, base := range []string{filepath.Dir(from), repoRoot} {
		if _, err := os.Stat(filepath.Join(base, path)); err == nil {
			return true
		}
	}
	// A bare name is also fine if it is in the deploy module or the root.
	return !strings.Contains(path, "/") && slices.ContainsFunc([]string{".", repoRoot}, func(dir string) bool {
		_, err := os.Stat(filepath.Join(dir, path))
		return err == nil
	})
}

// TestReadmeScopeTable: the README's table of bot scopes lists exactly the
// manifest's, so an admin approving the install knows what each is for.
func TestReadmeScopeTable(t *testing.T) {
	var inTable bool
	var listed []string
	for _, line := range strings.Split(string(readFile(t, rootPath("README.md"))), "\n") {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		switch {
		case !strings.HasPrefix(strings.TrimSpace(line), "|"):
			inTable = false
		case strings.TrimSpace(cells[0]) == "bot scope":
			inTable = true
		case inTable && !strings.HasPrefix(strings.TrimSpace(cells[0]), "---"):
			listed = append(listed, strings.Trim(strings.TrimSpace(cells[0]), "`"))
		}
	}
	if len(listed) == 0 {
		t.Fatal(`README.md has no table whose first column is "bot scope"`)
	}
	want := loadManifest(t).OAuthConfig.Scopes.Bot
	slices.Sort(listed)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Errorf("README scope table lists %v, the manifest asks for %v", listed, want)
	}
}

// TestReadmeHasCIBuildLine: the README shows the exact build line of
// .ci/run, so a binary built by hand is the one the deploy tests expect.
func TestReadmeHasCIBuildLine(t *testing.T) {
	if line := ciBuildLine(t); !strings.Contains(string(readFile(t, rootPath("README.md"))), line) {
		t.Errorf("README.md does not show the build line of .ci/run:\n%s", line)
	}
}
