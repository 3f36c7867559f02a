package app

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/blob/blobtest"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// citizenToken signs the demo citizen in through the API.
func citizenToken(t *testing.T, srv *httptest.Server, logins []DemoLogin) string {
	t.Helper()
	for _, l := range logins {
		if l.Role != "citizen" {
			continue
		}
		resp, err := srv.Client().Post(srv.URL+"/api/v1/auth/login", "application/json",
			strings.NewReader(`{"login":"`+l.Username+`","password":"`+l.Password+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var s struct{ Token string }
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil || s.Token == "" {
			t.Fatalf("login: %d %v", resp.StatusCode, err)
		}
		return s.Token
	}
	t.Fatal("no demo citizen")
	return ""
}

func postUpload(t *testing.T, srv *httptest.Server, token, name string, data []byte) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("file", name)
	w.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/uploads", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Uploads go through the whole server: --upload-max bounds them (the
// route's body limit follows it), the file lands in the data folder or
// the bucket, and the purge is a periodic job.
func TestUploadsThroughTheServer(t *testing.T) {
	s3 := httptest.NewServer(func() http.Handler {
		b := s3mem.New()
		if err := b.CreateBucket("files"); err != nil {
			t.Fatal(err)
		}
		return gofakes3.New(b).Server()
	}())
	t.Cleanup(s3.Close)
	for _, engine := range dbtest.Engines() {
		for _, driver := range []string{"local", "s3"} {
			t.Run(string(engine)+"/"+driver, func(t *testing.T) {
				cfg := cheap(install(t, engine))
				cfg.Blob.UploadMaxMB = 1
				if driver == "s3" {
					cfg.Blob = BlobConfig{URL: "s3://files/" + string(engine), Endpoint: strings.TrimPrefix(s3.URL, "http://"),
						AccessKey: "k", SecretKey: "s", Insecure: true, UploadMaxMB: 1}
				}
				a, srv, logins := open(t, cfg)
				token := citizenToken(t, srv, logins)
				// Larger than what is kept in the database, so it lands in the store.
				pdf := append(append(blobtest.PDF(), make([]byte, blob.DefaultInlineMax)...), driver...)
				code, body := postUpload(t, srv, token, "Đơn đề nghị.pdf", pdf)
				if code != 201 {
					t.Fatalf("upload: %d %s", code, body)
				}
				var u struct{ ID, SHA256 string }
				json.Unmarshal([]byte(body), &u)
				rc, got, err := a.Blob.Open(context.Background(), u.ID)
				if err != nil {
					t.Fatal(err)
				}
				content, _ := io.ReadAll(rc)
				rc.Close()
				if !bytes.Equal(content, pdf) || got.Name != "Đơn đề nghị.pdf" {
					t.Fatalf("stored %q as %q", content, got.Name)
				}
				_, localErr := os.Stat(filepath.Join(cfg.FilesDir(), u.SHA256[:2], u.SHA256))
				if (driver == "local") != (localErr == nil) {
					t.Fatalf("%s driver: file in the data folder: %v", driver, localErr)
				}
				// Over --upload-max but within the route's allowance for the form.
				if code, body := postUpload(t, srv, token, "lon.pdf", append(bytes.Clone(pdf), make([]byte, 1<<20)...)); code != 400 || !strings.Contains(body, "1 MB") {
					t.Fatalf("over --upload-max: %d %s", code, body)
				}
				// Past the route's body limit.
				if code, body := postUpload(t, srv, token, "rat-lon.pdf", append(bytes.Clone(pdf), make([]byte, 3<<20)...)); code != 400 || !strings.Contains(body, "1 MB") {
					t.Fatalf("over the body limit: %d %s", code, body)
				}
				if code, _ := postUpload(t, srv, "", "a.pdf", pdf); code != 401 {
					t.Fatalf("anonymous upload: %d", code)
				}
				var n int
				a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM blob_uploads").Scan(&n)
				if n != 1 {
					t.Fatalf("%d uploads recorded, want 1", n)
				}
			})
		}
	}
}

// An S3 service behind a private CA is reached with --blob-ca-file; without
// it the certificate is refused, and the flag makes no sense without TLS.
func TestBlobCAFile(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("files"); err != nil {
		t.Fatal(err)
	}
	s3 := httptest.NewTLSServer(gofakes3.New(backend).Server())
	t.Cleanup(s3.Close)
	dir := t.TempDir()
	ca := filepath.Join(dir, "s3-ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s3.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Config{DataDir: dir, Blob: BlobConfig{URL: "s3://files/ca", Endpoint: s3.Listener.Addr().String(), AccessKey: "k", SecretKey: "s"}}
	if _, err := OpenBlobStore(context.Background(), cfg); err == nil {
		t.Fatal("an endpoint whose certificate chains to no trusted CA was accepted")
	}
	cfg.Blob.CAFile = ca
	if err := cfg.Blob.validate(); err != nil {
		t.Fatal(err)
	}
	st, err := OpenBlobStore(context.Background(), cfg)
	if err != nil {
		t.Fatalf("with --blob-ca-file: %v", err)
	}
	if _, err := st.Put(context.Background(), strings.NewReader("tệp"), blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []BlobConfig{
		{URL: "s3://files/ca", Endpoint: "127.0.0.1:9000", Insecure: true, CAFile: ca},
		{CAFile: ca},
	} {
		if err := bad.validate(); apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(err.Error(), "--blob-ca-file") {
			t.Errorf("validate(%+v) = %v", bad, err)
		}
	}
	cfg.Blob.CAFile = filepath.Join(dir, "missing.pem")
	if _, err := OpenBlobStore(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "missing.pem") {
		t.Fatalf("missing CA file: %v", err)
	}
}
