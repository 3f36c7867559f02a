package docex_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/exchange/edxml"
)

// FuzzReceive hands Receive packages whose fields come from a peer: any
// business type, codes, symbols, names, dates, priorities, a status about
// anything, a take-back request or answer. It never panics, refuses with an apperr (the reason of a
// status 02) or a database error, and what it keeps is bounded by what
// edxml admitted.
func FuzzReceive(f *testing.F) {
	f.Add(0, deptCode, provinceCode, "12", "QĐ-UBND", "Quyết định (cá biệt)", "Về việc thử", 1, "", "")
	f.Add(1, deptCode, provinceCode, "", "", "", "Thu hồi", 0, "000.00.00.H15,2026,1", "")
	f.Add(3, deptCode, provinceCode, "5", "UBND-VP", "Công văn", "Thay thế", 3, "000.00.00.H15,2026,1", "")
	f.Add(0, "X.Y", provinceCode, "1", "/", "QĐ", "x", 9, "", "03")
	f.Add(0, deptCode, deptCode, "", "", "", "", -1, "", "06")
	// Take-back: a request (13) names the recipient in ResponseFor, its
	// answers (15, 16) the issuer.
	f.Add(0, deptCode, provinceCode, "", "", "", "Gửi nhầm", 0, provinceCode+",2026,1", "13")
	f.Add(0, deptCode, deptCode, "", "", "", "Lấy lại", 0, "000.00.00.H99,2026,1", "13")
	f.Add(0, provinceCode, deptCode, "", "", "", "", 0, provinceCode+",2026,1", "15")
	f.Add(0, provinceCode, deptCode, "", "", "", "Đã giao xử lý", 0, provinceCode+",2026,1", "16")
	d := dbtest.SQLite(f, modules()...)
	n := newNode(f, d, "Quảng Ninh", deptID, nil, nil, nil)
	f.Fuzz(func(t *testing.T, business int, to, from, num, notation, typeName, subject string, priority int, related, status string) {
		ctx := context.Background()
		pkg := &edxml.Package{}
		if status != "" {
			pkg.Status = &edxml.Status{ResponseFor: edxml.ResponseFor{OrganID: to, DocumentID: related}, From: edxml.Organization{OrganID: from, OrganName: from},
				Code: edxml.StatusCode(status), Description: subject}
		} else {
			pkg.Message = &edxml.Message{From: edxml.Organization{OrganID: from, OrganName: subject}, To: []edxml.Organization{{OrganID: to}},
				DocumentID: from + ",2026,1", CodeNumber: num, CodeNotation: notation, TypeName: typeName, Subject: subject,
				PromulgationDate: calendar.Date{Year: 2026, Month: 1, Day: 2}, Other: edxml.OtherInfo{Priority: priority},
				Business:    edxml.Business{Type: edxml.BusinessType(business), DocumentID: related, Reason: subject},
				Attachments: []edxml.Attachment{{Name: notation + ".pdf", MediaType: "application/pdf", Data: []byte(subject)}}}
		}
		env := &exchange.Envelope{From: from, To: to, DocumentID: from + ",2026,1", Package: pkg}
		err := n.d.Tx(ctx, func(tx *sql.Tx) error {
			return n.svc.Receive(ctx, tx, exchange.Inbound{Peer: &exchange.Peer{Name: "p"}, Envelope: env})
		})
		if err != nil && apperr.CodeOf(err) == "" {
			t.Logf("database refusal: %v", err)
		}
	})
}
