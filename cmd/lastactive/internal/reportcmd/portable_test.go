package reportcmd

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"path/filepath"
	"testing"
)

// TestBuildsOffUnix: the report command is part of the binary on every
// platform Go builds it for; a file built there must not name what only
// unix's syscall package has (syscall.Stat_t broke GOOS=windows go build).
func TestBuildsOffUnix(t *testing.T) {
	t.Parallel()
	unixOnly := map[string]bool{"Stat_t": true, "Getuid": true, "Mkfifo": true}
	for _, goos := range []string{"windows", "plan9"} {
		ctx := build.Default
		ctx.GOOS, ctx.GOARCH = goos, "amd64"
		pkg, err := ctx.ImportDir(".", 0)
		if err != nil {
			t.Fatalf("%s: %v", goos, err)
		}
		fset := token.NewFileSet()
		for _, name := range pkg.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(pkg.Dir, name), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == "syscall" && unixOnly[sel.Sel.Name] {
						t.Errorf("GOOS=%s: %s uses syscall.%s, which that platform lacks", goos, fset.Position(sel.Pos()), sel.Sel.Name)
					}
				}
				return true
			})
		}
	}
}
