package app

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
	"github.com/chinhquyen/chinhquyen/internal/onestop/dvcqg"
)

// DVCQGConfig is how the platform reaches the National Public Service
// Portal (Cổng Dịch vụ công quốc gia); an empty URL turns the adapter off.
type DVCQGConfig struct {
	URL                 string
	AuthEndpoint        string
	IntegrationEndpoint string
	ShareEndpoint       string
	User                string
	Password            string
	DstCode             string
	MaDonVi             string
	FileHosts           string // comma-separated
	Timeout             time.Duration
}

// bind registers the portal's flags. Every command that opens the platform
// reads them, so a dossier changed from the command line queues its push
// as a request would; `serve` sends it.
func (c *DVCQGConfig) bind(b *config.Binder) {
	b.String(&c.URL, "dvcqg-url", "", "address of the National Public Service Portal's integration adapter (or the province's LGSP), e.g. https://api.dichvucong.gov.vn; empty = dossiers are not pushed to the portal")
	b.String(&c.AuthEndpoint, "dvcqg-auth-endpoint", "/api/auth", "path of the portal's session endpoint under --dvcqg-url")
	b.String(&c.IntegrationEndpoint, "dvcqg-endpoint", "/api/integration", "path of the portal's integration endpoint (DongBoHoSoMC, CapNhatTienDoHoSoMC) under --dvcqg-url")
	b.String(&c.ShareEndpoint, "dvcqg-share-endpoint", "", "path of the portal's sharing endpoint (TraCuuHoSo, LayThuTuc, LayDanhSachTTHC); empty = --dvcqg-endpoint")
	b.String(&c.User, "dvcqg-user", "", "the province's account at the portal")
	b.Secret(&c.Password, "dvcqg-password", "password of --dvcqg-user")
	b.String(&c.DstCode, "dvcqg-dstcode", "", "the province's connection code at the portal, sent as the dstcode header")
	b.String(&c.MaDonVi, "dvcqg-madonvi", "", "the agency code sent with every call to the portal (madonvi)")
	b.String(&c.FileHosts, "dvcqg-file-hosts", "", "comma-separated hosts besides --dvcqg-url's that the files of dossiers submitted on the portal are downloaded from")
	b.Duration(&c.Timeout, "dvcqg-timeout", 30*time.Second, "time limit of one call to the portal")
}

func (c *DVCQGConfig) client() dvcqg.Config {
	return dvcqg.Config{BaseURL: c.URL, AuthEndpoint: c.AuthEndpoint, IntegrationEndpoint: c.IntegrationEndpoint,
		ShareEndpoint: c.ShareEndpoint, Username: c.User, Password: c.Password, DstCode: c.DstCode, MaDonVi: c.MaDonVi,
		Timeout: c.Timeout, FileHosts: strings.FieldsFunc(c.FileHosts, func(r rune) bool { return r == ',' || r == ' ' })}
}

// validate checks the portal's settings when the adapter is on.
func (c *DVCQGConfig) validate() error { return c.client().Validate() }

// buildDVCQG creates the portal adapter (off without --dvcqg-url) and
// registers its push job.
func (a *App) buildDVCQG() error {
	var client *dvcqg.Client
	if a.Config.DVCQG.URL != "" {
		var err error
		if client, err = dvcqg.NewClient(a.Config.DVCQG.client()); err != nil {
			return err
		}
	}
	a.DVCQG = dvcqg.New(a.DB, dvcqg.Options{Client: client, Now: a.Now, Logger: a.Log})
	a.DVCQG.Register(a.Jobs)
	return nil
}

// dossierSync is a dossier as the portal's DongBoHoSoMC takes it.
func dossierSync(d *onestop.Dossier, updating bool) dvcqg.DossierSync {
	s := dvcqg.DossierSync{
		MaHoSo: d.Code, MaTTHC: nationalCode(d.ProcedureCode), ChuHoSo: d.Applicant.Name,
		LoaiDoiTuong: dvcqg.ApplicantCitizen, SoDienThoai: d.Applicant.Phone, Email: d.Applicant.Email,
		TrichYeuHoSo: d.ProcedureName, NgayTiepNhan: d.ReceivedAt, NgayHenTra: d.Appointment,
		TrangThaiHoSo: int(d.Status), NgayTra: d.ReturnedAt, NgayKetThucXuLy: d.DecidedAt, DonViXuLy: d.AgencyName,
		GhiChu: d.Reason, HinhThuc: dvcqg.DeliveryDesk, Updating: updating,
	}
	if len(d.Applicant.IDNumber) != 12 { // a tax code: a business
		s.LoaiDoiTuong = dvcqg.ApplicantBusiness
	}
	if d.Channel == onestop.ChannelPostal {
		s.HinhThuc = dvcqg.DeliveryPostal
	}
	for _, f := range d.Files {
		if f.Kind == onestop.FileComponent {
			s.TaiLieuNop = append(s.TaiLieuNop, dvcqg.SubmittedFile{TepDinhKemId: f.UploadID, TenTepDinhKem: f.Name, MaThanhPhanHoSo: f.Component})
		}
	}
	if sp := d.Supplement; sp != nil {
		s.DanhSachHoSoBoSung = append(s.DanhSachHoSoBoSung, dvcqg.Supplement{HoSoBoSungId: d.Code + "-BS1",
			NguoiYeuCauBoSung: sp.RequestedBy, NoiDungBoSung: sp.Reason, NgayBoSung: sp.RequestedAt,
			NgayTiepNhanBoSung: sp.AnsweredAt, TrangThaiBoSung: boolInt(!sp.AnsweredAt.IsZero()), DanhSachGiayToBoSung: sp.Items})
	}
	if d.ResultUpload != "" {
		s.DanhSachGiayToKetQua = append(s.DanhSachGiayToKetQua, dvcqg.ResultFile{TenGiayTo: "Kết quả giải quyết " + d.ProcedureName, GiayToId: d.ResultUpload})
	}
	return s
}

// nationalCode drops a localising agency's suffix from a procedure code
// (2.000815.000.00.00.H61 → 2.000815): the portal knows the national code.
func nationalCode(code string) string {
	dots := 0
	for i, r := range code {
		if r == '.' {
			dots++
			if dots == 2 {
				return code[:i]
			}
		}
	}
	return code
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// dossierProgress is the progress row of a dossier's latest change: who
// acted (by), when, in which agency, what, and the current step's start
// and statutory end.
func dossierProgress(d *onestop.Dossier, by, note string) dvcqg.Progress {
	p := dvcqg.Progress{MaHoSo: d.Code, NguoiXuLy: by, ThoiDiemXuLy: d.UpdatedAt, PhongBanXuLy: d.AgencyName,
		NoiDungXuLy: note, TrangThai: int(d.Status)}
	if p.NoiDungXuLy == "" {
		p.NoiDungXuLy = d.Status.Name()
	}
	if st := d.Current(); st != nil {
		p.NgayBatDau, p.NgayKetThucTheoQuyDinh = st.StartedAt, st.DueAt
		if st.AgencyName != "" {
			p.PhongBanXuLy = st.AgencyName
		}
		if p.NguoiXuLy == "" {
			p.NguoiXuLy = st.HolderName
		}
	}
	if p.ThoiDiemXuLy.IsZero() {
		p.ThoiDiemXuLy = d.SubmittedAt
	}
	return p
}

// pushDossier queues the push of d's status change to the portal in tx,
// the change's transaction, when the adapter is on. created is true for
// the dossier's first push (its submission), false for any later change
// (the portal then updates it). by names who acted, note what they did.
func (a *App) pushDossier(ctx context.Context, tx *sql.Tx, d *onestop.Dossier, created bool, by, note string) error {
	if !a.DVCQG.Enabled() {
		return nil
	}
	err := a.DVCQG.Enqueue(ctx, tx, dossierSync(d, !created), dossierProgress(d, by, note))
	if apperr.Is(err, apperr.Invalid) {
		// The portal would refuse it: the dossier's own change must not
		// fail for that. The log names the field to correct.
		a.Log.WarnContext(ctx, "dossier not pushed to the national portal", "code", d.Code, "status", int(d.Status), "err", err)
		return nil
	}
	return err
}
