package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/blob/blobtest"
	"github.com/chinhquyen/chinhquyen/internal/clock"
)

func init() {
	suites = append(suites, suite{name: "blob", run: benchBlob})
}

// benchBlob uploads PDFs of 100 KB and 10 MB through POST /api/v1/uploads
// (full middleware, a citizen's bearer token, SQLite FULL, the data
// folder's store) one after another, each followed by writing the same
// bytes to a file in the same folder with the same durability (temporary
// file, fsync, rename, folder fsync): the limit.
func benchBlob(o *opts) ([]row, error) {
	dir, err := os.MkdirTemp("", "cqbench-blob-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	a, err := app.Open(ctx, app.Config{DataDir: dir, SQLiteSync: "FULL", LogFormat: "text", LogLevel: "error"}, o.log)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	logins, err := a.FirstStart(ctx)
	if err != nil {
		return nil, err
	}
	h, err := a.Handler()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Timeout: time.Minute}
	token, err := benchToken(client, base, logins)
	if err != nil {
		return nil, err
	}
	var rows []row
	for _, size := range []int{100 << 10, 10 << 20} {
		n := 200
		if size > 1<<20 {
			n = 10
		}
		if o.short && size > 1<<20 {
			n = 3
		}
		// The smoke run keeps the 200 small uploads (half a second): a few
		// gave only the noise of a disk wait or two.
		files := make([][]byte, n)
		for i := range files {
			files[i] = append(blobtest.PDF(), make([]byte, size-len(blobtest.PDF()))...)
			rand.Read(files[i][len(blobtest.PDF()):])
		}
		// The forms are built before the clock starts, as the limit's bytes are.
		forms := make([][]byte, n)
		var contentType string
		for i, f := range files {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			mw.SetBoundary("chinhquyen-bench-boundary")
			w, _ := mw.CreateFormFile("file", "ho-so.pdf")
			w.Write(f)
			mw.Close()
			forms[i], contentType = buf.Bytes(), mw.FormDataContentType()
		}
		limitDir := filepath.Join(dir, "limit")
		if err := os.MkdirAll(limitDir, 0o750); err != nil {
			return nil, err
		}
		api, limit, err := timePaired(len(files),
			func(i int) error { return benchUpload(client, base, token, contentType, forms[i]) },
			func(i int) error { return durableWrite(limitDir, files[i]) })
		if err != nil {
			return nil, err
		}
		label := fmt.Sprintf("%d KB", size>>10)
		if size >= 1<<20 {
			label = fmt.Sprintf("%d MB", size>>20)
		}
		if size <= blob.DefaultInlineMax {
			label += " (kept in the database with its row: one fsync, the commit's)"
		} else {
			label += " (a file of the store)"
		}
		rows = append(rows, row{Name: "upload " + label + " through the API", Value: api, Unit: "uploads/s",
			Limit: "write the same bytes with the same fsync", LimitV: limit, Goal: "≥ 0.50"})
	}
	return rows, nil
}

// timePaired runs ours(i) then limit(i) for every file and returns the
// runs per second of each. Alternating them, rather than timing all of one
// and then all of the other, exposes both to the same load from other
// processes on the machine, whose disk waits come and go within seconds.
func timePaired(n int, ours, limit func(i int) error) (oursRate, limitRate float64, err error) {
	var tOurs, tLimit time.Duration
	for i := range n {
		start := clock.Now()
		if err := ours(i); err != nil {
			return 0, 0, err
		}
		mid := clock.Now()
		if err := limit(i); err != nil {
			return 0, 0, err
		}
		tOurs += mid.Sub(start)
		tLimit += clock.Now().Sub(mid)
	}
	return float64(n) / tOurs.Seconds(), float64(n) / tLimit.Seconds(), nil
}

func durableWrite(dir string, data []byte) error {
	f, err := os.CreateTemp(dir, "w-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), f.Name()+".done"); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func benchToken(client *http.Client, base string, logins []app.DemoLogin) (string, error) {
	for _, l := range logins {
		if l.Role != "citizen" {
			continue
		}
		resp, err := client.Post(base+"/api/v1/auth/login", "application/json",
			strings.NewReader(`{"login":"`+l.Username+`","password":"`+l.Password+`"}`))
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		var s struct{ Token string }
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil || s.Token == "" {
			return "", fmt.Errorf("login: %d %v", resp.StatusCode, err)
		}
		return s.Token, nil
	}
	return "", fmt.Errorf("no demo citizen")
}

func benchUpload(client *http.Client, base, token, contentType string, form []byte) error {
	req, _ := http.NewRequest("POST", base+"/api/v1/uploads", bytes.NewReader(form))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return fmt.Errorf("upload: %d %s", resp.StatusCode, b.String())
	}
	return nil
}
