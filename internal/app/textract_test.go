package app

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/search"
	"github.com/chinhquyen/chinhquyen/internal/search/docsearch"
	"github.com/chinhquyen/chinhquyen/internal/testenv"
	"github.com/chinhquyen/chinhquyen/internal/textract/textracttest"
)

// Registering an incoming document with a text PDF and a scanned PDF
// queues the extraction in the registration's transaction; the job puts
// the text layer and the OCR of the scan in the index, so words found
// only inside the files find the document; until then (and for a file the
// server cannot read) the document's content status carries the notice.
func TestAttachmentTextIsSearchableOnBothEngines(t *testing.T) {
	testenv.NeedTool(t, "pdftotext", "poppler-utils")
	testenv.NeedTool(t, "pdftoppm", "poppler-utils")
	testenv.NeedTool(t, "tesseract", "tesseract-ocr tesseract-ocr-vie")
	text := textracttest.TextPDF(t, "BÁO CÁO", "Tình hình thu hoạch cà phê tại huyện Krông Pắc")
	scan := textracttest.Scan(t, textracttest.TextPDF(t, "THÔNG BÁO", "Lịch tiếp công dân của Đảng ủy phường Hải Châu"))
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			a, _, _ := open(t, install(t, engine))
			ctx := access.WithGuard(context.Background(), a.Guard)
			agencies, err := a.Org.Agencies(ctx, org.AgencyFilter{})
			if err != nil || len(agencies) == 0 {
				t.Fatal(err)
			}
			agency := agencies[0].ID
			clerk := &actor.Actor{AccountID: 901, Kind: actor.Official, AgencyID: agency, Clearance: "noi_bo",
				Roles: []actor.RoleGrant{{Role: string(access.Clerk), AgencyID: agency}}}
			var ids []string
			for i, f := range [][]byte{text, scan} {
				name := fmt.Sprintf("tep-%d.pdf", i)
				up, err := a.Blob.Upload(ctx, clerk, bytes.NewReader(f), blob.Request{Name: name})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, up.ID)
			}
			doc, err := a.Documents.RegisterIncoming(ctx, clerk, documents.IncomingRequest{
				Symbol: "77/BC-UBND", IssuedOn: calendar.Today(a.Now), Sender: "UBND huyện", Type: "BC",
				Summary: "Báo cáo định kỳ", Urgency: "thuong", Classification: "noi_bo", Attachments: ids,
			})
			if err != nil {
				t.Fatal(err)
			}
			c, err := docsearch.ContentOf(ctx, a.Search, doc.ID)
			if err != nil || !c.Pending || !strings.HasPrefix(c.Notice, docsearch.NotSearchable) || len(c.Files) != 2 {
				t.Fatalf("before the job: %+v %v", c, err)
			}
			var payload []byte
			if err := a.DB.Reader().QueryRowContext(ctx, "SELECT payload FROM jobs WHERE kind = $1", textractJob).Scan(&payload); err != nil {
				t.Fatalf("no extraction job queued with the registration: %v", err)
			}
			reader := &actor.Actor{AccountID: 902, Kind: actor.Official, AgencyID: agency, Clearance: "noi_bo",
				Roles: []actor.RoleGrant{{Role: string(access.Specialist), AgencyID: agency}}}
			find := func(q string) int64 {
				r, err := a.Search.Search(ctx, reader, search.Query{Text: q})
				if err != nil {
					t.Fatal(err)
				}
				return r.Total
			}
			if n := find("krong pac"); n != 0 {
				t.Fatalf("found by the file's words before extraction: %d", n)
			}
			if err := a.runTextract(ctx, jobs.Job{Kind: textractJob, Payload: json.RawMessage(payload)}); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{"krong pac", "ca phe", "dang uy hai chau", `"lich tiep cong dan"`} {
				if n := find(q); n != 1 {
					t.Errorf("%q after extraction: %d", q, n)
				}
			}
			c, err = docsearch.ContentOf(ctx, a.Search, doc.ID)
			if err != nil || c.Notice != "" || c.Pending || len(c.Files) != 2 {
				t.Errorf("after the job: %+v %v", c, err)
			}
			methods := map[string]bool{}
			for _, f := range c.Files {
				methods[f.Method] = true
			}
			if !methods["text"] || !methods["ocr"] {
				t.Errorf("methods: %+v", c.Files)
			}
			// The document written again keeps its files' text.
			if err := a.DB.Tx(ctx, func(tx *sql.Tx) error { return a.Search.Refresh(ctx, tx, SearchKindDocument, doc.ID) }); err != nil {
				t.Fatal(err)
			}
			if n := find("krong pac"); n != 1 {
				t.Errorf("after a refresh: %d", n)
			}
		})
	}
}
