package app

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// demoPDF is a one-page PDF to stand for a scanned form.
var demoPDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

// A walk-in dossier at the demo province's public administration centre:
// the desk officer submits it (received at once, with its code and due
// moment on the stored calendar), and the receipt job attaches form 01
// sealed with the seal the centre uses (its committee's).
func TestDemoDeskDossierGetsASealedReceipt(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			a, _, _ := open(t, cheap(install(t, engine)))
			ctx := access.WithGuard(context.Background(), a.Guard)
			var id, agency int64
			if err := a.DB.Reader().QueryRowContext(ctx, `SELECT id, agency_id FROM identity_accounts WHERE login = 'demo.onestop_officer'`).Scan(&id, &agency); err != nil {
				t.Fatal(err)
			}
			acc, err := a.Identity.Account(ctx, dossierDirectoryActor, id)
			if err != nil {
				t.Fatal(err)
			}
			officer := &actor.Actor{AccountID: acc.ID, Kind: acc.Kind, Name: acc.Name, AgencyID: acc.AgencyID, UnitID: acc.UnitID, Roles: acc.Roles}
			d := walkIn(t, ctx, a, officer, onestop.Applicant{Name: "Nguyễn Văn Mẫu", IDNumber: "001090012345", Phone: "0912345678"})
			if d.AgencyID != agency || d.ReceivedAt.IsZero() || d.DueAt.IsZero() || (d.Status != onestop.StatusAccepted && d.Status != onestop.StatusProcessing) {
				t.Fatalf("walk-in dossier %s: status %v, due %v", d.Code, d.Status, d.DueAt)
			}
			if err := a.Dossiers.MakeReceipt(ctx, d.ID); err != nil {
				t.Fatal(err)
			}
			got, err := a.Dossiers.Get(ctx, officer, d.ID)
			if err != nil || got.ReceiptUpload == "" {
				t.Fatalf("receipt not attached: %v", err)
			}
			rc, _, err := a.Blob.Open(ctx, got.ReceiptUpload)
			if err != nil {
				t.Fatal(err)
			}
			pdf, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Contains(pdf, []byte("/ByteRange")) {
				t.Fatalf("receipt of %s not sealed (%d bytes)", d.Code, len(pdf))
			}
		})
	}
}

func TestOnestopSessionsFlag(t *testing.T) {
	for in, ok := range map[string]bool{"": true, "07:00-11:30,13:30-17:00": true, "7:30-11:30, 13:00-16:30": true,
		"07:00-11:30": false, "11:30-07:00,13:30-17:00": false, "07:00-12:00,11:00-17:00": false, "sáng,chiều": false} {
		c := OnestopConfig{Sessions: in}
		s, err := c.sessions()
		if (err == nil) != ok {
			t.Errorf("%q: %v", in, err)
		}
		if in == "7:30-11:30, 13:00-16:30" && (s.MorningStart != 7*60+30 || s.AfternoonEnd != 16*60+30) {
			t.Errorf("%q parsed %+v", in, s)
		}
	}
}

// walkIn submits, as officer at the desk, a dossier of the first demo
// procedure of the officer's agency whose form needs no address, with
// the given applicant and a PDF for every mandatory component.
func walkIn(t *testing.T, ctx context.Context, a *App, officer *actor.Actor, applicant onestop.Applicant) *onestop.Dossier {
	t.Helper()
	// A demo procedure of the centre's agency without typed fields to fill.
	rows, err := a.DB.Reader().QueryContext(ctx, `SELECT code FROM onestop_procedures WHERE active = 1 ORDER BY code`)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		codes = append(codes, c)
	}
	rows.Close()
	var p *onestop.Procedure
	fields := map[string]string{}
next:
	for _, c := range codes {
		pr, err := a.Catalogue.Procedure(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		fields = map[string]string{}
		for _, f := range pr.Fields {
			v := map[onestop.FieldType]string{onestop.FieldText: "Nguyễn Văn Mẫu", onestop.FieldNumber: "1", onestop.FieldDate: "01/12/2026",
				onestop.FieldCCCD: "001090012345", onestop.FieldTaxCode: "0108888888", onestop.FieldPhone: "0912345678"}[f.Type]
			if f.Type == onestop.FieldSelect && len(f.Options) > 0 {
				v = f.Options[0]
			}
			if v == "" && f.Required {
				continue next // an address: not typed here
			}
			fields[f.Name] = v
		}
		p = pr
		break
	}
	if p == nil {
		t.Fatal("no demo procedure to submit without an address")
	}
	files := map[string][]string{}
	for _, c := range p.Components {
		if c.Required {
			up, err := a.Blob.Upload(ctx, officer, bytes.NewReader(demoPDF), blob.Request{Name: "to-khai.pdf"})
			if err != nil {
				t.Fatal(err)
			}
			files[c.Code] = []string{up.ID}
		}
	}
	d, err := a.Dossiers.Submit(ctx, officer, onestop.SubmitRequest{ProcedureCode: p.Code, Applicant: applicant, Fields: fields, Files: files})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The applicant hears of every change of their dossier's status by e-mail
// (Decree 118/2025: the applicant is told of acceptance and of a request to
// complete the dossier): a walk-in dossier with the applicant's address,
// then a written supplement request; both mails reach a mail server on
// loopback through the job runner, each naming the code and the status.
func TestDossierStatusChangesAreMailedToTheApplicant(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			box, smtpURL := startRelay(t, "")
			cfg := cheap(install(t, engine))
			cfg.Notify = NotifyConfig{SMTPURL: smtpURL, SMTPFrom: "Trung tâm Phục vụ hành chính công <noreply@chinhquyen.test>"}
			a, _, _ := open(t, cfg)
			runCtx, stop := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); a.Jobs.Run(runCtx) }()
			t.Cleanup(func() { stop(); <-done })
			ctx := access.WithGuard(context.Background(), a.Guard)
			officer := demoActor(t, a, "demo.onestop_officer")
			const to = "lu.thi.mai@example.vn"
			d := walkIn(t, ctx, a, officer, onestop.Applicant{Name: "Lù Thị Mai", IDNumber: "010190012345", Phone: "0912345678", Email: to})
			eventually(t, "the mail of the accepted dossier", func() bool { return len(box.subjects(to)) >= 1 })
			if _, err := a.Dossiers.RequestSupplement(ctx, officer, d.ID, onestop.SupplementAsk{Reason: "Thiếu bản sao giấy tờ",
				Items: []string{"Bản sao Giấy chứng sinh có chứng thực"}}); err != nil {
				t.Fatal(err)
			}
			want := []string{"Hồ sơ " + d.Code + ": " + d.Status.Name(), "Hồ sơ " + d.Code + ": " + onestop.StatusSupplement.Name()}
			eventually(t, "the mail of the supplement request", func() bool { return len(box.subjects(to)) >= 2 })
			if got := box.subjects(to); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("mails to the applicant: %q, want %q", got, want)
			}
		})
	}
}
