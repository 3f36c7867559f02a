package clock

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestNowIsTheOnlyClock fails on any call of time.Now outside this package:
// a service defaulting to the real clock, or a test mixing a fixed date with
// it, is what made the suite fail on 26/11/2026.
func TestNowIsTheOnlyClock(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found from %s: %v", root, err)
	}
	self := filepath.Join(root, "internal", "clock")
	fset := token.NewFileSet()
	var found []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path == self || (path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, pos := range timeNowUses(f) {
			p := fset.Position(pos)
			rel, _ := filepath.Rel(root, p.Filename)
			found = append(found, rel+":"+strconv.Itoa(p.Line))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Errorf("time.Now used outside internal/clock (use clock.Now, or the injected Now):\n%s", strings.Join(found, "\n"))
	}
}

// timeNowUses returns where f refers to time.Now, under whatever name f
// imports package time.
func timeNowUses(f *ast.File) []token.Pos {
	name := ""
	for _, imp := range f.Imports {
		if imp.Path.Value == `"time"` {
			name = "time"
			if imp.Name != nil {
				name = imp.Name.Name
			}
		}
	}
	if name == "" {
		return nil
	}
	var out []token.Pos
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "Now" {
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == name {
				out = append(out, sel.Pos())
			}
		}
		return true
	})
	return out
}

func TestNowUnshiftedByDefault(t *testing.T) {
	if Shifted() {
		t.Skip("clock shifted by " + os.Getenv("CHINHQUYEN_TEST_CLOCK_SHIFT"))
	}
	if d := time.Since(Now()); d < -time.Second || d > time.Second {
		t.Fatalf("Now is %v away from the real clock", d)
	}
}
