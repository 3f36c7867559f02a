package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/api/apitest"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/blob/blobtest"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// TestDownloadAPI: the uploader gets back the bytes they sent (a
// restricted file decrypted) with its sniffed type, nosniff and its
// Vietnamese name; anyone else finds nothing, and a stored file whose
// bytes changed is cut short instead of served whole.
func TestDownloadAPI(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations, blob.Migrations}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		log, err := audit.New(d, audit.Options{Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		store, err := blob.NewLocal(dir)
		if err != nil {
			t.Fatal(err)
		}
		keys, _ := blob.NewKeyring(bytes.Repeat([]byte{9}, 32))
		svc, err := blob.New(d, blob.Options{Store: store, Audit: log, Keys: keys, Now: fixedNow, SpoolDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		api.New(api.Deps{Uploads: svc, Now: fixedNow}).Register(mux)
		guard := access.NewGuard(access.Options{DB: d, Audit: log})
		owner := &actor.Actor{AccountID: 42, Kind: actor.Citizen, Clearance: "cong_khai"}
		other := &actor.Actor{AccountID: 43, Kind: actor.Citizen, Clearance: "cong_khai"}
		// 64 KB: past the server's write buffer, so the headers leave before the end is checked.
		pdf := append(blobtest.PDF(), []byte("% tệp của công dân "+strings.Repeat("x", 64<<10)+"\n")...)
		plain, err := svc.Upload(ctx, owner, bytes.NewReader(pdf), blob.Request{Name: "Đơn đề nghị (bản 2); \"ký\".pdf"})
		if err != nil {
			t.Fatal(err)
		}
		secret := append(blobtest.PDF(), []byte("% hạn chế\n")...)
		restricted, err := svc.Upload(ctx, owner, bytes.NewReader(secret), blob.Request{Name: "han-che.pdf", Level: access.Restricted})
		if err != nil {
			t.Fatal(err)
		}
		if !restricted.Encrypted {
			t.Fatal("restricted upload not encrypted")
		}
		get := func(a *actor.Actor, id string) *httptest.ResponseRecorder {
			req := httptest.NewRequest("GET", "/api/v1/uploads/"+id, nil)
			req = req.WithContext(access.WithGuard(req.Context(), guard))
			if a != nil {
				req = req.WithContext(actor.With(req.Context(), a))
			}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if rec.Code != 200 {
				if err := apitest.Check("GET", "/api/v1/uploads/{id}", rec.Code, rec.Body.Bytes()); err != nil {
					t.Error(err)
				}
			}
			return rec
		}
		for _, tc := range []struct {
			name   string
			who    *actor.Actor
			id     string
			status int
			body   []byte
			file   string
		}{
			{"owner", owner, plain.ID, 200, pdf, plain.Name},
			{"owner restricted, decrypted", owner, restricted.ID, 200, secret, "han-che.pdf"},
			{"system", actor.SystemActor("test"), plain.ID, 200, pdf, plain.Name},
			{"another citizen", other, plain.ID, 404, nil, ""},
			{"another citizen restricted", other, restricted.ID, 404, nil, ""},
			{"anonymous", nil, plain.ID, 401, nil, ""},
			{"unknown id", owner, "00000000000000000000000000000000", 404, nil, ""},
			{"garbage id", owner, "..%2F..%2Fetc", 404, nil, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rec := get(tc.who, tc.id)
				if rec.Code != tc.status {
					t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
				}
				if tc.status != 200 {
					var e struct{ Error struct{ Message string } }
					if json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error.Message == "" {
						t.Fatalf("error body %s", rec.Body)
					}
					return
				}
				h := rec.Header()
				if !bytes.Equal(rec.Body.Bytes(), tc.body) || h.Get("Content-Type") != blob.TypePDF || h.Get("X-Content-Type-Options") != "nosniff" ||
					h.Get("Cache-Control") != "private, no-store" || h.Get("Content-Length") != itoa(len(tc.body)) {
					t.Fatalf("headers %v, %d bytes", h, rec.Body.Len())
				}
				disp, params, err := mime.ParseMediaType(h.Get("Content-Disposition"))
				if err != nil || disp != "attachment" || params["filename"] != tc.file {
					t.Fatalf("Content-Disposition %q: %v %v", h.Get("Content-Disposition"), params, err)
				}
			})
		}
		var denied int
		d.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_entries WHERE action = 'blob.upload.read' AND actor_account = 43`).Scan(&denied)
		if denied != 2 {
			t.Fatalf("%d refusals recorded for the other citizen, want 2", denied)
		}

		// One byte of the stored object changes (a small upload is kept
		// in the database, blob.DefaultInlineMax): the client gets the
		// status and a body cut short of Content-Length, never the whole
		// altered file.
		var stored []byte
		if err := d.Reader().QueryRowContext(ctx, `SELECT data FROM blob_inline WHERE stored_sha256 = $1`, plain.SHA256).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		stored[len(stored)-3] ^= 1
		if _, err := d.Writer().ExecContext(ctx, `UPDATE blob_inline SET data = $1 WHERE stored_sha256 = $2`, stored, plain.SHA256); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mux.ServeHTTP(w, r.WithContext(actor.With(r.Context(), owner)))
		}))
		defer srv.Close()
		resp, err := http.Get(srv.URL + "/api/v1/uploads/" + plain.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		got, err := io.ReadAll(resp.Body)
		if err == nil || len(got) == len(pdf) {
			t.Fatalf("altered file served whole: %d bytes, err %v", len(got), err)
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestContentDisposition(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"a.pdf", `attachment; filename="a.pdf"; filename*=UTF-8''a.pdf`},
		{"Quyết định số 12.pdf", `attachment; filename="Quyet dinh so 12.pdf"; filename*=UTF-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh%20s%E1%BB%91%2012.pdf`},
		{"Đơn.pdf", `attachment; filename="Don.pdf"; filename*=UTF-8''%C4%90%C6%A1n.pdf`},
		{`a"b\c;d=e'f%g.pdf`, `attachment; filename="a_b_c;d=e'f_g.pdf"; filename*=UTF-8''a%22b%5Cc%3Bd%3De%27f%25g.pdf`},
		{"报告.pdf", `attachment; filename="__.pdf"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf`},
	} {
		got := api.ContentDisposition("attachment", tc.name)
		if got != tc.want {
			t.Errorf("ContentDisposition(%q)\n got %s\nwant %s", tc.name, got, tc.want)
		}
		if _, params, err := mime.ParseMediaType(got); err != nil || params["filename"] != tc.name {
			t.Errorf("%q does not parse back: %v %v", got, params, err)
		}
	}
}
