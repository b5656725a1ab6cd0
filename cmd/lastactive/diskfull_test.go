package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDiskFullKeepsTheStoreDown: a SQLite file that cannot grow (a full
// disk: here the serve process's file size limit, set at the size its
// -wal has, which a test can do without mounting a small filesystem)
// fails every audit write; every command is still answered, each unstored
// entry is logged and counted, and lastactive_store_ok stays 0 until the
// file can grow again, when what was kept is written. Before, the check
// only took the write lock and gave it back, which needs no space: the
// store was called available again a second after each failed write, and
// flapped so for as long as the disk was full.
func TestDiskFullKeepsTheStoreDown(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("no prlimit to limit the serve process's file size")
	}
	f := startFakes(t)
	path := strings.TrimPrefix(f.db, "sqlite:")
	env := f.env()
	cmd, base, logs := serveProcess(t, env)
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	ask(t, f.slack, "U1", "ada@example.com", 1)
	eventually(t, "the first audit line stored", func() bool { return strings.Contains(logs.String(), `"audit_stored":true`) })
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	limit := func(v string) {
		t.Helper()
		if out, err := exec.Command(prlimit, "--pid", strconv.Itoa(cmd.Process.Pid), "--fsize="+v).CombinedOutput(); err != nil {
			t.Skipf("prlimit: %v %s", err, out)
		}
	}
	limit(strconv.FormatInt(fi.Size(), 10) + ":")
	reply := ask(t, f.slack, "U1", "grace@example.com", 1)[0]
	if !strings.Contains(reply.Text, "grace@example.com: Jira") {
		t.Errorf("lookup with the disk full: %q", reply.Text)
	}
	eventually(t, "the unstored audit line", func() bool { return strings.Contains(logs.String(), `"audit_stored":false`) })
	if !metric(base, `lastactive_store_errors_total{op="audit_write"} 1`) {
		t.Error("the failed audit write is not counted")
	}
	// The checks while it is down come after 1 s and 2 s more: none may
	// call the store available while nothing can be written.
	for end := time.Now().Add(3500 * time.Millisecond); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if !metric(base, "lastactive_store_ok 0") {
			t.Fatalf("lastactive_store_ok is not 0 while the file cannot grow:\n%s", logs.String())
		}
	}
	if !strings.Contains(logs.String(), "check the disk holding it") {
		t.Errorf("the store's error does not say what to look at:\n%s", logs.String())
	}
	limit("unlimited:")
	eventually(t, "the kept entry written", func() bool {
		return strings.Contains(logs.String(), "audit entries stored after the store came back")
	})
	eventually(t, "lastactive_store_ok 1", func() bool { return metric(base, "lastactive_store_ok 1") })
	stop(t, cmd, logs)
	if r := runBinary(t, env, "", "audit", "grace@example.com"); r.code != 0 || !strings.Contains(r.stdout, "grace@example.com") {
		t.Errorf("the lookup made while the disk was full is not in the trail: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestCheckOnAFullDiskSaysFreeSpace: check on a SQLite file whose disk
// refuses to grow (a file size limit the test can set, as a full volume
// does: SQLite cannot make its -shm) FAILs saying to see to the disk, not
// to point LASTACTIVE_DATABASE_URL at another file, which the FAIL line's
// Fix said before: an admin following it would start a new, empty trail
// beside the one that only needed space.
func TestCheckOnAFullDiskSaysFreeSpace(t *testing.T) {
	t.Parallel()
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("no prlimit to limit the check's file size")
	}
	db := "sqlite:" + filepath.Join(t.TempDir(), "lastactive.db")
	env := []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_DATABASE_URL=" + db}
	if r := runBinary(t, env, "", "migrate"); r.code != 0 {
		t.Fatalf("migrate: exit %d %s", r.code, r.stderr)
	}
	cmd := exec.Command(prlimit, "--fsize=16384", "--", binary, "check")
	cmd.Env = env
	out, _ := cmd.Output()
	var line string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "Database (LASTACTIVE_DATABASE_URL)") {
			line = l
		}
	}
	if !strings.HasPrefix(line, "FAIL") {
		t.Skipf("the file size limit did not fail the check here:\n%s", out)
	}
	_, fix, _ := strings.Cut(line, "Fix: ")
	if !strings.Contains(fix, "disk") || strings.Contains(fix, "new file name") {
		t.Errorf("the Fix for a disk that refuses writes sends the admin elsewhere: %q", fix)
	}
}
