package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/api/apitest"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/blob/blobtest"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
)

type uploadForm struct {
	classification string
	name           string // sent as RFC 2231 filename* so any byte survives
	data           []byte
	noFile         bool
}

func (f uploadForm) body(t *testing.T) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if f.classification != "" {
		mw.WriteField("classification", f.classification)
	}
	if !f.noFile {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename*=UTF-8''`+url.PathEscape(f.name))
		h.Set("Content-Type", "application/octet-stream")
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// TestUploadAPI posts the files officials and citizens send, and the ones
// they should not: each answer is the documented one, and only accepted
// files leave a row and an audit entry.
func TestUploadAPI(t *testing.T) {
	const max = 1 << 20
	pdf := blobtest.PDF()
	big := append(bytes.Clone(pdf), make([]byte, max)...)
	nfd := "Quye\u0302\u0301t \u0111i\u0323nh.pdf"
	cases := []struct {
		name     string
		anon     bool
		form     uploadForm
		status   int
		field    string // of the error
		wantType string
		wantName string
	}{
		{name: "pdf", form: uploadForm{name: "Quyết định 12.pdf", data: pdf}, status: 201, wantType: blob.TypePDF, wantName: "Quyết định 12.pdf"},
		{name: "png", form: uploadForm{name: "ảnh.png", data: blobtest.PNG()}, status: 201, wantType: blob.TypePNG, wantName: "ảnh.png"},
		{name: "jpeg", form: uploadForm{name: "cccd.jpg", data: blobtest.JPEG()}, status: 201, wantType: blob.TypeJPEG, wantName: "cccd.jpg"},
		{name: "docx", form: uploadForm{name: "to-trinh.docx", data: blobtest.DOCX(t)}, status: 201, wantType: blob.TypeDOCX, wantName: "to-trinh.docx"},
		{name: "xlsx", form: uploadForm{name: "bang-ke.xlsx", data: blobtest.XLSX(t)}, status: 201, wantType: blob.TypeXLSX, wantName: "bang-ke.xlsx"},
		{name: "odt", form: uploadForm{name: "cong-van.odt", data: blobtest.ODT(t)}, status: 201, wantType: blob.TypeODT, wantName: "cong-van.odt"},
		{name: "restricted", form: uploadForm{name: "han-che.pdf", data: append(bytes.Clone(pdf), 'r'), classification: "han_che"}, status: 201, wantType: blob.TypePDF, wantName: "han-che.pdf"},
		{name: "path traversal", form: uploadForm{name: "../../etc/passwd.pdf", data: pdf}, status: 201, wantType: blob.TypePDF, wantName: "passwd.pdf"},
		{name: "windows path", form: uploadForm{name: `..\..\Windows\a.pdf`, data: pdf}, status: 201, wantType: blob.TypePDF, wantName: "a.pdf"},
		{name: "control characters", form: uploadForm{name: "bao\x00cao\x1b[31m\x7f.pdf", data: pdf}, status: 201, wantType: blob.TypePDF, wantName: "baocao[31m.pdf"},
		{name: "decomposed name", form: uploadForm{name: nfd, data: pdf}, status: 201, wantType: blob.TypePDF, wantName: "Quyết định.pdf"},
		{name: "no extension", form: uploadForm{name: "scan", data: pdf}, status: 201, wantType: blob.TypePDF, wantName: "scan.pdf"},
		{name: "rtl override", form: uploadForm{name: "hoa-don\u202Efdp.exe", data: pdf}, status: 400, field: "file"},
		{name: "pdf named png", form: uploadForm{name: "anh.png", data: pdf}, status: 400, field: "file"},
		{name: "empty", form: uploadForm{name: "rong.pdf"}, status: 400, field: "file"},
		{name: "over the limit", form: uploadForm{name: "lon.pdf", data: big}, status: 400, field: "file"},
		{name: "zip bomb named docx", form: uploadForm{name: "bom.docx", data: blobtest.ZipBomb(t)}, status: 400, field: "file"},
		{name: "executable", form: uploadForm{name: "setup.pdf", data: []byte("MZ\x90\x00\x03")}, status: 400, field: "file"},
		{name: "no file", form: uploadForm{noFile: true, classification: "noi_bo"}, status: 400, field: "file"},
		{name: "state secret", form: uploadForm{name: "mat.pdf", data: pdf, classification: "mat"}, status: 403},
		{name: "bad classification", form: uploadForm{name: "a.pdf", data: pdf, classification: "bi_mat"}, status: 400, field: "classification"},
		{name: "anonymous", anon: true, form: uploadForm{name: "a.pdf", data: pdf}, status: 401},
	}
	dbtest.Each(t, []db.Migrations{audit.Migrations, blob.Migrations}, func(t *testing.T, d *db.DB) {
		log, err := audit.New(d, audit.Options{Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		store, err := blob.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		keys, _ := blob.NewKeyring(bytes.Repeat([]byte{9}, 32))
		svc, err := blob.New(d, blob.Options{Store: store, Audit: log, Keys: keys, Now: fixedNow, MaxSize: max, SpoolDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		api.New(api.Deps{Uploads: svc, Now: fixedNow}).Register(mux)
		citizen := &actor.Actor{AccountID: 42, Kind: actor.Citizen, Clearance: "cong_khai"}
		accepted := 0
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				body, ct := tc.form.body(t)
				req := httptest.NewRequest("POST", "/api/v1/uploads", body)
				req.Header.Set("Content-Type", ct)
				if !tc.anon {
					req = req.WithContext(actor.With(req.Context(), citizen))
				}
				rec := httptest.NewRecorder()
				// The app's body limit on this route: the upload limit and 1 MB for the form.
				req.Body = http.MaxBytesReader(rec, req.Body, max+1<<20)
				mux.ServeHTTP(rec, req)
				if err := apitest.Check("POST", "/api/v1/uploads", rec.Code, rec.Body.Bytes()); err != nil {
					t.Error(err)
				}
				if rec.Code != tc.status {
					t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
				}
				if tc.status != 201 {
					var e httpx.ErrorBody
					json.Unmarshal(rec.Body.Bytes(), &e)
					if e.Error.Field != tc.field || e.Error.Message == "" || (tc.status == 400 && e.Error.Code != apperr.Invalid) {
						t.Fatalf("error %+v, want field %q", e.Error, tc.field)
					}
					return
				}
				accepted++
				var u struct {
					ID, SHA256, Name string
					MediaType        string `json:"media_type"`
					Size             int64
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &u); err != nil {
					t.Fatal(err)
				}
				sum := sha256.Sum256(tc.form.data)
				if len(u.ID) != 32 || u.SHA256 != hex.EncodeToString(sum[:]) || u.Size != int64(len(tc.form.data)) || u.MediaType != tc.wantType || u.Name != tc.wantName {
					t.Fatalf("answer %+v; want type %s, name %q", u, tc.wantType, tc.wantName)
				}
				var n int
				d.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_entries WHERE action = 'blob.upload.create' AND object_id = $1 AND actor_account = 42`, u.ID).Scan(&n)
				if n != 1 {
					t.Fatalf("%d audit entries for the upload", n)
				}
			})
		}
		var rows, entries int
		d.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM blob_uploads`).Scan(&rows)
		d.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_entries WHERE action = 'blob.upload.create'`).Scan(&entries)
		if rows != accepted || entries != accepted {
			t.Fatalf("%d rows and %d audit entries for %d accepted uploads: a refused upload left something", rows, entries, accepted)
		}
		// Objects in the store, and small ones in the database.
		files := 0
		store.Walk(context.Background(), func(blob.Info) error { files++; return nil })
		var inline int
		d.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM blob_inline`).Scan(&inline)
		files += inline
		if want := accepted - 5; files != want { // pdf, path traversal, windows path, control characters, decomposed name and no extension share one object
			t.Fatalf("%d stored objects, want %d", files, want)
		}
	})
}
