package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestGoMemoryLimit(t *testing.T) {
	t.Parallel()
	write := func(t *testing.T, files map[string]string) string {
		t.Helper()
		root := t.TempDir()
		for name, body := range files {
			p := filepath.Join(root, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return root
	}
	unset := func(string) (string, bool) { return "", false }
	for _, tc := range []struct {
		name  string
		files map[string]string
		env   func(string) (string, bool)
		want  int64
	}{
		{"cgroup v2 limit", map[string]string{"memory.max": "134217728\n"}, unset, 120795955},
		{"cgroup v2 no limit", map[string]string{"memory.max": "max\n"}, unset, 0},
		{"cgroup v1 limit", map[string]string{"memory/memory.limit_in_bytes": "268435456\n"}, unset, 241591910},
		{"cgroup v1 no limit", map[string]string{"memory/memory.limit_in_bytes": "9223372036854771712\n"}, unset, 0},
		{"no cgroup files", nil, unset, 0},
		{"unreadable value", map[string]string{"memory.max": "lots\n"}, unset, 0},
		{"GOMEMLIMIT set wins", map[string]string{"memory.max": "134217728\n"},
			func(k string) (string, bool) { return "100MiB", k == "GOMEMLIMIT" }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := goMemoryLimit(tc.env, write(t, tc.files)); got != tc.want {
				t.Errorf("goMemoryLimit = %d, want %d", got, tc.want)
			}
		})
	}
}
