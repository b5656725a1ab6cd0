package schedule_test

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"lastactive/internal/schedule"
)

// TestZonesWithoutTheHostsDatabase: a CRON_TZ schedule works on a host
// without a time zone database. `go build ./cmd/lastactive` makes a static
// binary, and it runs where there is none (a scratch or minimal image, a
// bare VM, Windows without Go installed): there every CRON_TZ schedule was
// refused, “Europe/Berlin” is not a time zone, and serve would not start.
// The zone database is now built into the binary (time/tzdata), used when
// the host has none. The test runs itself again in a mount namespace where
// the host's database is hidden, so it needs Linux, root and unshare.
func TestZonesWithoutTheHostsDatabase(t *testing.T) {
	if os.Getenv("LASTACTIVE_TEST_NO_ZONEINFO") == "1" {
		for _, expr := range []string{"CRON_TZ=Europe/Berlin 0 9 * * MON", "TZ=America/New_York 30 1 * * *"} {
			if _, err := schedule.Parse(expr); err != nil {
				t.Errorf("%s on a host without a zone database: %v", expr, err)
			}
		}
		return
	}
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs Linux and root, to hide the zone database in a mount namespace")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("needs unshare, to hide the zone database in a mount namespace")
	}
	// Go's own places for the database (time.platformZoneSources), each
	// hidden under an empty tmpfs; GOROOT's zoneinfo.zip by GOROOT.
	var hide []string
	for _, dir := range []string{"/usr/share/zoneinfo", "/usr/share/lib/zoneinfo", "/usr/lib/locale/TZ", "/etc/zoneinfo"} {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			hide = append(hide, "mount -t tmpfs none "+dir)
		}
	}
	script := strings.Join(append(hide, `exec "$0" -test.run='^TestZonesWithoutTheHostsDatabase$' -test.count=1 -test.v`), " && ")
	cmd := exec.Command(unshare, "-m", "sh", "-c", script, os.Args[0])
	cmd.Env = append(os.Environ(), "LASTACTIVE_TEST_NO_ZONEINFO=1", "GOROOT="+t.TempDir(), "ZONEINFO=")
	out, err := cmd.CombinedOutput()
	if err != nil && strings.Contains(string(out), "unshare:") {
		t.Skipf("cannot make a mount namespace here: %s", out)
	}
	if err != nil {
		t.Errorf("without the host's zone database: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestZonesWithoutTheHostsDatabase") {
		t.Errorf("the run without the zone database did not pass:\n%s", out)
	}
}
