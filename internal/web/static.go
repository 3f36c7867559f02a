package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// assets serves embedded static files under content-hash URLs
// (/static/{hash}/{name}), so they can be cached forever and no JS build step
// is needed (Miniflux's pattern).
type assets struct {
	files map[string]asset // by name
}

type asset struct {
	hash  string
	data  []byte
	ctype string
}

func loadAssets() (*assets, error) {
	a := &assets{files: map[string]asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		name := strings.TrimPrefix(p, "static/")
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		a.files[name] = asset{hash: hex.EncodeToString(sum[:6]), data: data, ctype: ctype}
		return nil
	})
	return a, err
}

// URL returns the hashed URL of a static file; it panics for an unknown file
// so a typo fails the page-rendering test instead of a user's page.
func (a *assets) URL(name string) string {
	f, ok := a.files[name]
	if !ok {
		panic(fmt.Sprintf("web: unknown static file %q", name))
	}
	return "/static/" + f.hash + "/" + name
}

func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	f, ok := a.files[r.PathValue("name")]
	if !ok || f.hash != r.PathValue("hash") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(f.data)
}
