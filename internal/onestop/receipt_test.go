package onestop_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
	"github.com/chinhquyen/chinhquyen/internal/onestop/forms"
)

func formAt(s string) time.Time {
	t, err := time.ParseInLocation("02/01/2006 15:04", s, locale.VN)
	if err != nil {
		panic(err)
	}
	return t
}

// formDossier is a returned dossier that went through two agencies, was
// supplemented once and apologised for.
func formDossier() (*onestop.Dossier, *onestop.Procedure) {
	p := &onestop.Procedure{Code: "1.001612", Name: "Đăng ký thành lập hộ kinh doanh", Days: 3, Components: []onestop.Component{
		{Code: "don", Name: "Giấy đề nghị đăng ký hộ kinh doanh", Required: true},
		{Code: "cccd", Name: "Bản sao giấy tờ pháp lý của cá nhân", Required: true, Copies: 2},
		{Code: "uyquyen", Name: "Văn bản ủy quyền"},
	}}
	d := &onestop.Dossier{
		Code: "H15.01.01-261207-0042", ProcedureCode: p.Code, ProcedureName: p.Name,
		AgencyName: "Trung tâm Phục vụ hành chính công tỉnh Lào Cai",
		Applicant: onestop.Applicant{Name: "Nguyễn Thị Hoa", IDNumber: "010203004567", Phone: "0912345678",
			Email: "hoa@example.vn", Address: "Phường Cam Đường, tỉnh Lào Cai"},
		Channel: onestop.ChannelOnline, Status: onestop.StatusReturned, Days: 3,
		Files: []onestop.File{
			{Component: "don", Kind: onestop.FileComponent}, {Component: "cccd", Kind: onestop.FileComponent},
			{Component: "cccd", Kind: onestop.FileSupplement}, {Component: "cu", Kind: onestop.FileComponent},
			{Kind: onestop.FileResult},
		},
		ReceivedAt: formAt("07/12/2026 09:30"), DueAt: formAt("10/12/2026 16:00"), Appointment: formAt("11/12/2026 10:00"),
		Supplement: &onestop.SupplementRequest{Reason: "Thiếu bản sao căn cước", Items: []string{"Bản sao căn cước của chủ hộ"},
			RequestedBy: "Lê Minh Tuấn", RequestedAt: formAt("07/12/2026 10:00")},
		Apology: &onestop.Apology{Reason: "Chờ xác minh của cơ quan thuế", OldDue: formAt("10/12/2026 16:00"),
			NewAppointment: formAt("11/12/2026 10:00"), At: formAt("09/12/2026 08:00")},
		Steps: []onestop.DossierStep{
			{Seq: 1, Name: "Thẩm định", AgencyName: "Trung tâm Phục vụ hành chính công tỉnh Lào Cai", HolderName: "Vũ Thị Lan", DoneByName: "Vũ Thị Lan",
				StartedAt: formAt("07/12/2026 10:15"), EndedAt: formAt("08/12/2026 09:00"), Outcome: onestop.Early},
			{Seq: 2, Name: "Xác nhận nghĩa vụ thuế", AgencyName: "Thuế tỉnh Lào Cai", DoneByName: "Ngô Quang Hải",
				StartedAt: formAt("08/12/2026 09:00"), EndedAt: formAt("11/12/2026 08:00"), Outcome: onestop.Late, Note: "Chậm do xác minh"},
		},
		ReturnedAt: formAt("11/12/2026 09:30"), Outcome: onestop.OnTime,
		Reason:    "Thiếu giấy tờ\r\n\r\nSai mẫu đơn",
		UpdatedAt: formAt("11/12/2026 09:30"),
	}
	return d, p
}

func TestTrackURL(t *testing.T) {
	if got := onestop.TrackURL("https://dvc.example.vn/", "H15.01.01-261207-0042"); got != "https://dvc.example.vn/portal/track/H15.01.01-261207-0042" {
		t.Fatal(got)
	}
}

// TestFormMappers maps one dossier to each form and prints it: the
// mapping fills what the forms require, so each prints without error.
func TestFormMappers(t *testing.T) {
	d, p := formDossier()
	h := forms.Header{ParentAgency: "Ủy ban nhân dân tỉnh Lào Cai", Number: "125/TTPVHCC", Place: "Lào Cai"}
	url := onestop.TrackURL("https://dvc.example.vn", d.Code)

	r := onestop.ReceiptForm(d, p, h, "Lê Minh Tuấn", url)
	if r.Agency != d.AgencyName || !r.Date.Equal(d.ReceivedAt) || !r.DueAt.Equal(d.Appointment) || r.TrackURL != url || r.Request != p.Name {
		t.Errorf("receipt header or dates: %+v", r)
	}
	var docs []string
	for _, doc := range r.Documents {
		docs = append(docs, fmt.Sprint(doc.Name, "|", doc.Kind, "|", doc.Copies))
	}
	if got := strings.Join(docs, ";"); got != "Giấy đề nghị đăng ký hộ kinh doanh|Bản điện tử|1;Bản sao giấy tờ pháp lý của cá nhân|Bản điện tử|2;cu|Bản điện tử|1" {
		t.Errorf("documents: %s", got)
	}
	if !strings.HasPrefix(r.ResultPlace, "Trực tuyến") {
		t.Errorf("result place %q", r.ResultPlace)
	}
	d.Channel = onestop.ChannelDirect
	if r2 := onestop.ReceiptForm(d, p, h, "", url); r2.Documents[1].Kind != "" || r2.Documents[1].Copies != 2 {
		t.Errorf("desk documents: %+v", r2.Documents)
	}
	if _, err := forms.Receipt(r); err != nil {
		t.Fatal(err)
	}

	s := onestop.SupplementForm(d, forms.Header{}, "", "0214 3880 123")
	if s.Guide != "Lê Minh Tuấn" || s.ContactName != "Lê Minh Tuấn" || !s.Date.Equal(d.Supplement.RequestedAt) || len(s.Items) != 1 {
		t.Errorf("supplement: %+v", s)
	}
	if _, err := forms.Supplement(s); err != nil {
		t.Fatal(err)
	}

	f := onestop.RefusalForm(d, h, "Lê Minh Tuấn")
	if strings.Join(f.Reasons, "|") != "Thiếu giấy tờ|Sai mẫu đơn" {
		t.Errorf("refusal reasons %q", f.Reasons)
	}
	if _, err := forms.Refusal(f); err != nil {
		t.Fatal(err)
	}

	a := onestop.ApologyForm(d, h, "Giám đốc", "Hoàng Văn Bình")
	if !a.DueAt.Equal(d.Apology.OldDue) || !a.NewDueAt.Equal(d.Apology.NewAppointment) || !a.Date.Equal(d.Apology.At) {
		t.Errorf("apology: %+v", a)
	}
	if _, err := forms.Apology(a); err != nil {
		t.Fatal(err)
	}

	c := onestop.ControlSlipForm(d, h)
	if len(c.CoUnits) != 1 || c.CoUnits[0] != "Thuế tỉnh Lào Cai" {
		t.Errorf("co-units %q", c.CoUnits)
	}
	type row struct {
		from, to string
		res      onestop.Timeliness
	}
	want := []row{
		{onestop.DeskUnit + ", Trung tâm Phục vụ hành chính công tỉnh Lào Cai", "Trung tâm Phục vụ hành chính công tỉnh Lào Cai – Thẩm định", 0},
		{"Trung tâm Phục vụ hành chính công tỉnh Lào Cai – Thẩm định", "Thuế tỉnh Lào Cai – Xác nhận nghĩa vụ thuế", onestop.Early},
		{"Thuế tỉnh Lào Cai – Xác nhận nghĩa vụ thuế", onestop.DeskUnit + ", Trung tâm Phục vụ hành chính công tỉnh Lào Cai", onestop.Late},
		{onestop.DeskUnit + ", Trung tâm Phục vụ hành chính công tỉnh Lào Cai", "Người nộp hồ sơ", onestop.OnTime},
	}
	if len(c.Rows) != len(want) {
		t.Fatalf("%d control rows: %+v", len(c.Rows), c.Rows)
	}
	for i, w := range want {
		if got := c.Rows[i]; got.FromUnit != w.from || got.ToUnit != w.to || got.Result != w.res {
			t.Errorf("row %d: %+v, want %+v", i+1, got, w)
		}
	}
	if _, err := forms.ControlSlip(c); err != nil {
		t.Fatal(err)
	}

	st := onestop.StopForm(d, h, "Lê Minh Tuấn")
	if !st.StoppedAt.Equal(d.UpdatedAt) || st.Code != d.Code || st.Reason != d.Reason {
		t.Errorf("stop notice: %+v", st)
	}
	if _, err := forms.Stop(st); err != nil {
		t.Fatal(err)
	}

	b := onestop.BookRowOf(d)
	if b.Contact != "Phường Cam Đường, tỉnh Lào Cai; 0912345678" || b.Delivery != "Trực tiếp" || !b.DueAt.Equal(d.Appointment) || !b.ReturnedAt.Equal(d.ReturnedAt) {
		t.Errorf("book row: %+v", b)
	}
	if _, err := forms.Book(forms.BookData{Agency: d.AgencyName, Rows: []forms.BookRow{b}}); err != nil {
		t.Fatal(err)
	}

	// A dossier still in its second step: no hand-over back to the desk.
	d.Steps[1].EndedAt, d.ReturnedAt = time.Time{}, time.Time{}
	if c := onestop.ControlSlipForm(d, h); len(c.Rows) != 2 {
		t.Errorf("in progress: %d rows", len(c.Rows))
	}
}
