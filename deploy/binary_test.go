package deploy

import (
	"context"
	"debug/elf"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestStaticBinary checks the binary CI built with the Dockerfile's command:
// the distroless static image has no libc, so a dynamically linked binary
// would build fine and then fail to start in the container.
func TestStaticBinary(t *testing.T) {
	path := os.Getenv("LASTACTIVE_BINARY")
	if path == "" {
		t.Skip("LASTACTIVE_BINARY is not set: build with the command in .ci/run and point it at bin/lastactive")
	}
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("open %s as ELF: %v", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s has a PT_INTERP program header: it is dynamically linked (CGO_ENABLED=0 missing?)", path)
		}
	}
	if libs, err := f.ImportedLibraries(); err == nil && len(libs) > 0 {
		t.Errorf("%s needs shared libraries %q", path, libs)
	}
	// -ldflags="-s -w" drops the symbol table and DWARF: a smaller image,
	// and proof that the build used the shared flags.
	for _, name := range []string{".symtab", ".debug_info"} {
		if f.Section(name) != nil {
			t.Errorf("%s has section %s: was it built without -s -w?", path, name)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s version: %v\n%s", path, err, out)
	}
	if strings.TrimSpace(string(out)) == "" {
		t.Errorf("%s version printed nothing", path)
	}
	t.Logf("%s version: %s", path, strings.TrimSpace(string(out)))
}
