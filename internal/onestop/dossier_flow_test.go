package onestop_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/blob/blobtest"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// At reception the desk guides once, in writing; an online dossier
// completed by its applicant comes back to the desk's queue (status 1, no
// clock yet); one still incomplete is refused with reasons (Form 03).
func TestReceptionSupplementThenRefusal(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ds := f.online(t, "1.001612", "")
		ds = f.must(f.svc.RequestSupplement(f.ctx, desk, ds.ID, onestop.SupplementAsk{Reason: "Thiếu giấy tờ",
			Items: []string{"Giấy đề nghị có chữ ký", "Bản sao hợp đồng thuê nhà"}}))
		if ds.Status != onestop.StatusSupplement || len(ds.Supplement.Items) != 2 {
			t.Fatalf("supplement %v %+v", ds.Status, ds.Supplement)
		}
		// Only the applicant answers; the desk cannot answer for them.
		if _, err := f.svc.Supplement(f.ctx, desk, ds.ID, onestop.SupplementAnswer{Note: "x"}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("desk answered: %v", err)
		}
		ds = f.must(f.svc.Supplement(f.ctx, citizen, ds.ID, onestop.SupplementAnswer{Note: "Đã ký",
			Files: map[string][]string{"GDN": {f.upload(t, citizen)}}}))
		if ds.Status != onestop.StatusNew || !ds.DueAt.IsZero() || ds.Supplement.AnsweredAt.IsZero() {
			t.Fatalf("answered: %v due %v", ds.Status, ds.DueAt)
		}
		supplements := 0
		for _, fl := range ds.Files {
			if fl.Kind == onestop.FileSupplement {
				supplements++
			}
		}
		if supplements != 1 {
			t.Fatalf("files %+v", ds.Files)
		}
		if _, err := f.svc.Refuse(f.ctx, desk, ds.ID, onestop.RefuseRequest{}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("refusal without reasons: %v", err)
		}
		ds = f.must(f.svc.Refuse(f.ctx, desk, ds.ID, onestop.RefuseRequest{Reason: "Hợp đồng thuê nhà hết hạn"}))
		if ds.Status != onestop.StatusRefused || ds.Reason != "Hợp đồng thuê nhà hết hạn" {
			t.Fatalf("refused %+v", ds)
		}
	})
}

// The leader stops processing (8) or refuses at the decision (8); the
// specialist can do neither.
func TestStopAndRefusalByTheLeader(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		a := f.online(t, "1.001612", "")
		a = f.must(f.svc.Accept(f.ctx, desk, a.ID, onestop.ActionRequest{}))
		a = f.must(f.svc.CompleteStep(f.ctx, desk, a.ID, onestop.StepRequest{}))
		if _, err := f.svc.Stop(f.ctx, specialist, a.ID, onestop.RefuseRequest{Reason: "Không đủ điều kiện"}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("specialist stopped: %v", err)
		}
		if _, err := f.svc.Decide(f.ctx, leader, a.ID, onestop.DecideRequest{Reason: "x"}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("decided before the last step: %v", err)
		}
		a = f.must(f.svc.Stop(f.ctx, leader, a.ID, onestop.RefuseRequest{Reason: "Không đủ điều kiện kinh doanh"}))
		if a.Status != onestop.StatusStopped || a.Steps[1].EndedAt.IsZero() {
			t.Fatalf("stopped %+v", a)
		}
		b := f.online(t, "1.001612", "")
		b = f.must(f.svc.Accept(f.ctx, desk, b.ID, onestop.ActionRequest{}))
		b = f.must(f.svc.CompleteStep(f.ctx, desk, b.ID, onestop.StepRequest{}))
		b = f.must(f.svc.CompleteStep(f.ctx, specialist, b.ID, onestop.StepRequest{Note: "Đề nghị không cấp"}))
		if _, err := f.svc.Decide(f.ctx, leader, b.ID, onestop.DecideRequest{Approve: true}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("approval without a result: %v", err)
		}
		b = f.must(f.svc.Decide(f.ctx, leader, b.ID, onestop.DecideRequest{Reason: "Ngành nghề kinh doanh có điều kiện"}))
		if b.Status != onestop.StatusStopped || b.DecidedBy != leader.Name {
			t.Fatalf("refused %+v", b)
		}
	})
}

// The queues: an officer sees their agency's dossiers filtered by status,
// procedure and due moment; a citizen sees only their own.
func TestQueuesAndOwnDossiers(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.at(t, "07/12/2026 09:00")
		a := f.online(t, "1.001612", "")
		f.must(f.svc.Accept(f.ctx, desk, a.ID, onestop.ActionRequest{})) // due 10/12
		b := f.online(t, "1.000001", "")
		f.must(f.svc.Accept(f.ctx, desk, b.ID, onestop.ActionRequest{})) // due 28/12
		f.online(t, "1.001193", "")                                      // status 1
		all, err := f.svc.List(f.ctx, desk, onestop.DossierFilter{})
		if err != nil || all.Total != 3 || len(all.Items) != 3 || all.Items[0].ID != a.ID {
			t.Fatalf("queue %v %+v", err, all)
		}
		news, err := f.svc.List(f.ctx, desk, onestop.DossierFilter{Statuses: []onestop.Status{onestop.StatusNew}})
		if err != nil || news.Total != 1 {
			t.Fatalf("new %v %+v", err, news)
		}
		soon, err := f.svc.List(f.ctx, desk, onestop.DossierFilter{DueBefore: f.at(t, "15/12/2026 00:00")})
		if err != nil || soon.Total != 1 || soon.Items[0].ID != a.ID {
			t.Fatalf("due soon %v %+v", err, soon)
		}
		byProc, err := f.svc.List(f.ctx, desk, onestop.DossierFilter{ProcedureCode: "1.000001"})
		if err != nil || byProc.Total != 1 || byProc.Items[0].ID != b.ID {
			t.Fatalf("by procedure %v %+v", err, byProc)
		}
		found, err := f.svc.List(f.ctx, desk, onestop.DossierFilter{Query: "nguyen thi hoa"})
		if err != nil || found.Total != 3 {
			t.Fatalf("search by name without diacritics: %v %+v", err, found)
		}
		found, err = f.svc.List(f.ctx, desk, onestop.DossierFilter{Query: b.Code[len(b.Code)-11:]})
		if err != nil || found.Total != 1 || found.Items[0].ID != b.ID {
			t.Fatalf("search by code: %v %+v", err, found)
		}
		mine, err := f.svc.List(f.ctx, citizen, onestop.DossierFilter{})
		if err != nil || mine.Total != 3 {
			t.Fatalf("citizen's %v %+v", err, mine)
		}
		none, err := f.svc.List(f.ctx, otherCitizen, onestop.DossierFilter{})
		if err != nil || none.Total != 0 {
			t.Fatalf("other citizen's %v %+v", err, none)
		}
		// The other agency sees nothing until a step of theirs starts.
		other, err := f.svc.List(f.ctx, otherSpec, onestop.DossierFilter{})
		if err != nil || other.Total != 0 {
			t.Fatalf("other agency %v %+v", err, other)
		}
		if _, err := f.svc.List(f.ctx, otherSpec, onestop.DossierFilter{AgencyID: home}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("other agency's queue of home: %v", err)
		}
	})
}

// A dossier submitted on the national portal is registered by the system
// as an online dossier waiting for the desk, once per portal code.
func TestPortalSubmissionOncePerPortalCode(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		sys := actor.SystemActor("dvcqg")
		up, err := f.uploads.Upload(f.ctx, sys, bytes.NewReader(blobtest.PDF()), blob.Request{Name: "don.pdf", PersonalData: true})
		if err != nil {
			t.Fatal(err)
		}
		req := onestop.SubmitRequest{ProcedureCode: "1.001612", PortalCode: "G22.99-261207-000123",
			Applicant: onestop.Applicant{Name: "Phạm Văn Cổng", IDNumber: "001090099999", Email: "cong@example.vn"},
			Files:     map[string][]string{"GDN": {up.ID}}}
		a := f.must(f.svc.Submit(f.ctx, sys, req))
		b := f.must(f.svc.Submit(f.ctx, sys, req))
		if a.ID != b.ID || a.Status != onestop.StatusNew || a.Channel != onestop.ChannelOnline || a.AgencyID != home || a.Applicant.AccountID != 0 {
			t.Fatalf("portal dossier %+v / %+v", a, b)
		}
		if _, err := f.svc.Submit(f.ctx, desk, req); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("an officer registered a portal dossier: %v", err)
		}
		// Without an account, the desk records the applicant's supplement.
		a = f.must(f.svc.RequestSupplement(f.ctx, desk, a.ID, onestop.SupplementAsk{Reason: "Thiếu", Items: []string{"Bản sao CCCD"}}))
		a = f.must(f.svc.Supplement(f.ctx, desk, a.ID, onestop.SupplementAnswer{Note: "Đã nộp bản sao tại quầy"}))
		if a.Status != onestop.StatusNew {
			t.Fatalf("after the desk's record: %v", a.Status)
		}
		if _, err := f.svc.Withdraw(f.ctx, citizen, a.ID, onestop.RefuseRequest{}); err == nil {
			t.Fatal("a citizen withdrew a dossier not theirs")
		}
		a = f.must(f.svc.Withdraw(f.ctx, desk, a.ID, onestop.RefuseRequest{Reason: "Người nộp đề nghị rút tại quầy"}))
		if a.Status != onestop.StatusWithdrawn {
			t.Fatalf("withdrawn at the desk: %v", a.Status)
		}
	})
}

// A submission retried at once with the same Idempotency-Key (a client
// after a network error): one dossier, the same answer to every try.
func TestConcurrentRetriesOneDossier(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		up := f.upload(t, citizen)
		const n = 10
		ids := make([]int64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ds, err := f.svc.Submit(f.ctx, citizen, onestop.SubmitRequest{ProcedureCode: "1.001612", IdempotencyKey: "retry-1",
					Applicant: onestop.Applicant{IDNumber: "001190012345"}, Files: map[string][]string{"GDN": {up}}})
				errs[i] = err
				if err == nil {
					ids[i] = ds.ID
				}
			}()
		}
		wg.Wait()
		for i := range ids {
			if errs[i] != nil || ids[i] != ids[0] {
				t.Fatalf("try %d: %d %v (first %d)", i, ids[i], errs[i], ids[0])
			}
		}
		var count int
		if err := d.Reader().QueryRowContext(f.ctx, `SELECT COUNT(*) FROM onestop_dossiers`).Scan(&count); err != nil || count != 1 {
			t.Fatalf("%d dossiers", count)
		}
	})
}
