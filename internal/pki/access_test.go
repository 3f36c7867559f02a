package pki_test

import (
	"context"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/pki/pkitest"
)

func official(id, agency int64, role access.Role, roleAgency int64) *actor.Actor {
	return &actor.Actor{AccountID: id, Kind: actor.Official, Name: "Cán bộ", AgencyID: agency,
		Roles: []actor.RoleGrant{{Role: string(role), AgencyID: roleAgency}}}
}

// Every method of the CA asks access.Can: who may issue, read, sign, seal,
// revoke and edit the trust store, and a refusal is recorded in the audit
// log (with a Guard in the context) while nothing else is written.
func TestAccessDecisionsOnBothEngines(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f, err := pkitest.Setup(ctx, d, t.TempDir(), "https://cq.example.gov.vn", pkitest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ctx = access.WithGuard(ctx, access.NewGuard(access.Options{DB: d, Audit: f.Audit}))
		svc := f.Service
		const agency, otherAgency = 10, 20
		leader := official(100, agency, access.Leader, agency)
		otherLeader := official(101, agency, access.Leader, agency)
		clerk := official(102, agency, access.Clerk, agency)
		otherClerk := official(103, otherAgency, access.Clerk, otherAgency)
		admin := official(104, agency, access.AgencyAdmin, agency)
		localOfficer := official(105, agency, access.SecurityOfficer, agency)

		f.Directory.SetAgency(agency, pki.Subject{CommonName: "UBND xã", AgencyCode: "H15.99"})
		f.Directory.SetAgency(otherAgency, pki.Subject{CommonName: "UBND xã khác", AgencyCode: "H15.98"})
		f.Directory.SetOfficial(leader.AccountID, agency, pki.Subject{CommonName: "Nguyễn Lãnh Đạo", UID: "CB-0100", Organization: "UBND xã"})
		mine := pki.IssueRequest{Profile: "official", Holder: leader.AccountID}
		if _, err := svc.Issue(ctx, leader, mine); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("a leader issued a certificate: %v", err)
		}
		if _, err := svc.Issue(ctx, official(106, otherAgency, access.AgencyAdmin, otherAgency), mine); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("another agency's administrator issued a certificate: %v", err)
		}
		own, err := svc.Issue(ctx, localOfficer, mine)
		if err != nil {
			t.Fatalf("the agency's security officer cannot issue: %v", err)
		}
		if own.Holder != leader.AccountID || own.AgencyID != agency {
			t.Fatalf("holder not recorded: %+v", own)
		}
		seal, err := svc.Issue(ctx, admin, pki.IssueRequest{Profile: "seal", AgencyID: agency})
		if err != nil {
			t.Fatal(err)
		}

		// Signing: the holder only; sealing: the agency's clerk only.
		if _, _, _, err := svc.Signer(ctx, leader, own.Serial); err != nil {
			t.Fatalf("holder cannot sign: %v", err)
		}
		if _, _, _, err := svc.Signer(ctx, otherLeader, own.Serial); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("someone else signed with a personal key: %v", err)
		}
		if _, _, _, err := svc.Signer(ctx, clerk, seal.Serial); err != nil {
			t.Fatalf("the clerk cannot seal: %v", err)
		}
		if _, _, _, err := svc.Signer(ctx, otherClerk, seal.Serial); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("another agency's clerk sealed: %v", err)
		}
		if _, _, _, err := svc.Signer(ctx, leader, seal.Serial); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("a leader used the seal: %v", err)
		}
		if _, _, _, err := svc.Signer(ctx, f.Actor, f.Init.TSA.Serial); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("the TSA certificate signs documents: %v", err)
		}
		if _, _, _, err := svc.Signer(ctx, nil, own.Serial); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("anonymous Signer: %v", err)
		}

		// What each may use, without any refusal being recorded.
		denied := countAudit(t, d, "pdf.sign.own") + countAudit(t, d, "pdf.sign.seal")
		for _, c := range []struct {
			who  *actor.Actor
			want []string
		}{{leader, []string{own.Serial}}, {clerk, []string{seal.Serial}}, {otherClerk, nil}, {otherLeader, nil}} {
			list, err := svc.SigningCertificates(ctx, c.who)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, x := range list {
				got = append(got, x.Serial)
			}
			if len(got) != len(c.want) || (len(got) == 1 && got[0] != c.want[0]) {
				t.Errorf("SigningCertificates(%d) = %v, want %v", c.who.AccountID, got, c.want)
			}
		}
		if countAudit(t, d, "pdf.sign.own")+countAudit(t, d, "pdf.sign.seal") != denied {
			t.Error("listing usable certificates recorded refusals")
		}

		// Reading: one's own, or an agency's by its officers.
		if _, err := svc.List(ctx, leader, pki.ListFilter{Holder: leader.AccountID}); err != nil {
			t.Fatalf("own list: %v", err)
		}
		if _, err := svc.List(ctx, leader, pki.ListFilter{}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("a leader listed every certificate: %v", err)
		}
		if l, err := svc.List(ctx, admin, pki.ListFilter{AgencyID: agency}); err != nil || len(l) != 2 {
			t.Fatalf("agency list: %d %v", len(l), err)
		}
		if _, err := svc.Certificate(ctx, otherLeader, own.Serial); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("another official read a personal certificate: %v", err)
		}

		// Trust store: public to read, platform-wide officers to edit.
		if _, err := svc.ListTrusted(ctx, nil); err != nil {
			t.Fatalf("the trust store is not public: %v", err)
		}
		if _, err := svc.ImportTrusted(ctx, localOfficer, f.Init.Root.Certificate.Raw, "x"); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("an agency's security officer edited the platform trust store: %v", err)
		}
		if _, err := svc.CAs(ctx, nil); err != nil {
			t.Fatalf("CA list not public: %v", err)
		}

		// Revocation: the agency's officers, not another agency's.
		if _, err := svc.Revoke(ctx, otherClerk, own.Serial, pki.ReasonKeyCompromise, ""); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("a clerk revoked: %v", err)
		}
		if _, err := svc.Revoke(ctx, localOfficer, f.Init.Issuing.Serial, pki.ReasonKeyCompromise, ""); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("an agency's officer revoked the issuing CA: %v", err)
		}
		if _, err := svc.Revoke(ctx, localOfficer, own.Serial, pki.ReasonKeyCompromise, "mất máy"); err != nil {
			t.Fatal(err)
		}
		if n := countDenied(t, d); n < 8 {
			t.Errorf("%d refusals recorded in the audit log, want every one", n)
		}
	})
}

func countDenied(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM audit_entries WHERE outcome = 'denied'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A certificate's identity is the register's, and nobody certifies
// themselves: an agency administrator gets their own agency's seal with its
// own code and cannot reach another agency's, and an officer with the
// right to issue cannot issue or renew a certificate held by themselves,
// whatever title they would like; each refusal is audited.
func TestIssuanceTakesIdentityFromTheDirectory(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f, err := pkitest.Setup(ctx, d, t.TempDir(), "https://cq.example.gov.vn", pkitest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ctx = access.WithGuard(ctx, access.NewGuard(access.Options{DB: d, Audit: f.Audit}))
		svc := f.Service
		const agency, otherAgency = 10, 20
		admin := official(104, agency, access.AgencyAdmin, agency)
		officer := official(105, agency, access.SecurityOfficer, agency)
		f.Directory.SetAgency(agency, pki.Subject{CommonName: "Ủy ban nhân dân xã Cam Hiếu", AgencyCode: "H48.23.15", Province: "Quảng Trị"})
		f.Directory.SetAgency(otherAgency, pki.Subject{CommonName: "Ủy ban nhân dân tỉnh Quảng Trị", AgencyCode: "H48", Province: "Quảng Trị"})
		f.Directory.SetOfficial(admin.AccountID, agency, pki.Subject{CommonName: "Quản Trị Xã", UID: "CB-0104", Title: "Công chức",
			Organization: "Ủy ban nhân dân xã Cam Hiếu"})
		f.Directory.SetOfficial(officer.AccountID, agency, pki.Subject{CommonName: "An Toàn Xã", UID: "CB-0105", Title: "Cán bộ an toàn thông tin",
			Organization: "Ủy ban nhân dân xã Cam Hiếu"})

		seal, err := svc.Issue(ctx, admin, pki.IssueRequest{Profile: "seal", AgencyID: agency})
		if err != nil {
			t.Fatal(err)
		}
		if seal.UID != "H48.23.15" || seal.X509.Subject.CommonName != "Ủy ban nhân dân xã Cam Hiếu" {
			t.Fatalf("seal subject %q, want the directory's agency", seal.Subject)
		}
		if _, err := svc.Issue(ctx, admin, pki.IssueRequest{Profile: "seal", AgencyID: otherAgency}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("an agency administrator issued another agency's seal: %v", err)
		}

		denied := countDenied(t, d)
		for _, tc := range []struct {
			name string
			who  *actor.Actor
			req  pki.IssueRequest
		}{
			{"administrator to themselves", admin, pki.IssueRequest{Profile: "official", Holder: admin.AccountID}},
			{"security officer to themselves", officer, pki.IssueRequest{Profile: "official", Holder: officer.AccountID, AgencyID: agency}},
		} {
			if _, err := svc.Issue(ctx, tc.who, tc.req); apperr.CodeOf(err) != apperr.Forbidden || apperr.MessageOf(err) == "" {
				t.Errorf("%s: %v, want EFORBIDDEN", tc.name, err)
			}
		}
		own, err := svc.Issue(ctx, officer, pki.IssueRequest{Profile: "official", Holder: admin.AccountID})
		if err != nil {
			t.Fatal(err)
		}
		title := titleOf(own)
		if own.X509.Subject.CommonName != "Quản Trị Xã" || title != "Công chức" || own.UID != "CB-0104" || own.AgencyID != agency {
			t.Fatalf("personal certificate %q titled %q (agency %d), want the official's record", own.Subject, title, own.AgencyID)
		}
		if _, err := svc.Renew(ctx, admin, own.Serial, pki.RenewRequest{}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("the holder renewed their own certificate: %v", err)
		}
		if n := countDenied(t, d) - denied; n != 3 {
			t.Errorf("%d self-issuance refusals audited, want 3", n)
		}

		// A renewal certifies the record of its day: a promotion shows, a
		// move to another agency needs a new certificate.
		f.Directory.SetOfficial(admin.AccountID, agency, pki.Subject{CommonName: "Quản Trị Xã", UID: "CB-0104", Title: "Phó Chủ tịch",
			Organization: "Ủy ban nhân dân xã Cam Hiếu"})
		ren, err := svc.Renew(ctx, officer, own.Serial, pki.RenewRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if got := titleOf(ren); got != "Phó Chủ tịch" {
			t.Fatalf("renewed title %q, want the record's", got)
		}
		f.Directory.SetOfficial(admin.AccountID, otherAgency, pki.Subject{CommonName: "Quản Trị Xã", UID: "CB-0104", Organization: "Ủy ban nhân dân tỉnh Quảng Trị"})
		if _, err := svc.Renew(ctx, officer, ren.Serial, pki.RenewRequest{}); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("renewal after a move to another agency: %v", err)
		}
	})
}

// titleOf returns a certificate's title attribute (2.5.4.12).
func titleOf(c *pki.Certificate) string {
	for _, n := range c.X509.Subject.Names {
		if n.Type.String() == "2.5.4.12" {
			s, _ := n.Value.(string)
			return s
		}
	}
	return ""
}
