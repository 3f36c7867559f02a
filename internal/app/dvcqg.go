package app

import (
	"bytes"
	"context"
	"crypto/subtle"
	"database/sql"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/locale"
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
	// InboundToken is the token the portal (or the LGSP) presents
	// to deliver dossiers (POST InboundPath); empty = not received.
	InboundToken string
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
	b.Secret(&c.InboundToken, "dvcqg-inbound-token", "token the portal or the LGSP presents in the "+InboundTokenHeader+" header to deliver dossiers submitted on the portal (POST "+InboundPath+"); empty = not received")
	b.Duration(&c.Timeout, "dvcqg-timeout", 30*time.Second, "time limit of one call to the portal")
}

func (c *DVCQGConfig) client() dvcqg.Config {
	return dvcqg.Config{BaseURL: c.URL, AuthEndpoint: c.AuthEndpoint, IntegrationEndpoint: c.IntegrationEndpoint,
		ShareEndpoint: c.ShareEndpoint, Username: c.User, Password: c.Password, DstCode: c.DstCode, MaDonVi: c.MaDonVi,
		Timeout: c.Timeout, FileHosts: strings.FieldsFunc(c.FileHosts, func(r rune) bool { return r == ',' || r == ' ' })}
}

// validate checks the portal's settings when the adapter is on.
func (c *DVCQGConfig) validate() error {
	if c.InboundToken != "" {
		if c.URL == "" {
			return apperr.FieldError("dvcqg-inbound-token", "Đã đặt --dvcqg-inbound-token nhưng chưa bật kết nối Cổng DVCQG (--dvcqg-url): hồ sơ nhận về cần tải tệp từ Cổng")
		}
		if len(c.InboundToken) < 24 {
			return apperr.FieldError("dvcqg-inbound-token", "Mã xác thực --dvcqg-inbound-token quá ngắn: cần ít nhất 24 ký tự ngẫu nhiên")
		}
	}
	return c.client().Validate()
}

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
	sync, progress := dossierSync(d, !created), dossierProgress(d, by, note)
	if d.PortalCode != "" {
		// Submitted on the portal: the portal knows it by its own code
		// and already holds it.
		sync.MaHoSo, progress.MaHoSo, sync.Updating = d.PortalCode, d.PortalCode, true
	}
	err := a.DVCQG.Enqueue(ctx, tx, sync, progress)
	if apperr.Is(err, apperr.Invalid) {
		// The portal would refuse it: the dossier's own change must not
		// fail for that. The log names the field to correct.
		a.Log.WarnContext(ctx, "dossier not pushed to the national portal", "code", d.Code, "status", int(d.Status), "err", err)
		return nil
	}
	return err
}

// Client returns a client of the configured portal (the adapter must be on).
func (c *DVCQGConfig) Client() (*dvcqg.Client, error) { return dvcqg.NewClient(c.client()) }

var componentCodeRE = regexp.MustCompile(`[^A-Za-z0-9_.\-]+`)

// ProcedureFromPortal maps a procedure of the national database (LayThuTuc)
// onto the catalogue's: code, name, field, the statutory time of the online
// channel (else the first) in working days, its fees, the document
// components (mandatory when the procedure has one case), the results; the
// steps are the usual chain (the desk receives, a specialist examines, the
// leader decides, the desk returns) sharing the time. The online form is
// the catalogue's own, so the procedure comes inactive, for an
// administrator to complete and switch on.
func ProcedureFromPortal(src dvcqg.CatalogueProcedure, level onestop.Level, agencyCode string) (onestop.Procedure, error) {
	p := onestop.Procedure{Code: strings.TrimSpace(src.MATTHC), Name: locale.NFC(src.TENTTHC), Level: level,
		AgencyCode: agencyCode, CutOff: onestop.DefaultCutOff, Fees: []onestop.Fee{}, Components: []onestop.Component{}, Fields: []onestop.Field{}}
	for _, f := range src.LINHVUCTHUCHIEN {
		if p.Field = locale.NFC(f.TENLINHVUC); p.Field == "" {
			p.Field = strings.TrimSpace(f.MALINHVUC)
		}
		break
	}
	if p.Field == "" {
		p.Field = strings.TrimSpace(src.MALINHVUC)
	}
	channel := -1
	for i, c := range src.CACHTHUCTHUCHIEN {
		if c.KENH.String() == "2" {
			p.Online = true
			channel = i
			break
		}
	}
	if channel < 0 && len(src.CACHTHUCTHUCHIEN) > 0 {
		channel = 0
	}
	if channel >= 0 && len(src.CACHTHUCTHUCHIEN[channel].THOIGIAN) > 0 {
		t := src.CACHTHUCTHUCHIEN[channel].THOIGIAN[0]
		n, err := t.THOIGIANGIAIQUYET.Float64()
		if err != nil || n < 0 || n > onestop.MaxDays*onestop.HoursPerWorkingDay {
			return p, apperr.FieldError("THOIGIANGIAIQUYET", "Thời hạn giải quyết %q của thủ tục %s không hợp lệ", t.THOIGIANGIAIQUYET.String(), p.Code)
		}
		if strings.Contains(locale.Fold(strings.ToLower(t.DONVITINH)), "gio") { // in hours
			n /= onestop.HoursPerWorkingDay
		}
		p.Days = int(math.Ceil(n))
		seen := map[onestop.Fee]bool{}
		for _, fee := range t.PHILEPHI {
			amount, err := fee.SOTIEN.Float64()
			if err != nil || amount < 0 {
				continue
			}
			f := onestop.Fee{Name: locale.NFC(fee.MOTA), Amount: int64(math.Round(amount))}
			if f.Name == "" {
				f.Name = "Phí, lệ phí " + strings.TrimSpace(fee.MAPHILEPHI)
			}
			if len(f.Name) > 500 {
				f.Name, f.Note = "Phí, lệ phí "+strings.TrimSpace(fee.MAPHILEPHI), f.Name
			}
			if !seen[f] {
				seen[f] = true
				p.Fees = append(p.Fees, f)
			}
		}
	}
	codes := map[string]bool{}
	for _, c := range src.THANHPHANHOSO {
		for _, g := range c.GIAYTO {
			code := componentCodeRE.ReplaceAllString(locale.Fold(strings.TrimSpace(g.MAGIAYTO)), "_")
			if len(code) > 30 {
				code = code[:30]
			}
			if code == "" || codes[code] {
				code = "tp" + strconv.Itoa(len(p.Components)+1)
			}
			codes[code] = true
			p.Components = append(p.Components, onestop.Component{Code: code, Name: locale.NFC(g.TENGIAYTO),
				Required: len(src.THANHPHANHOSO) == 1, Form: locale.NFC(g.TENMAUDON)})
		}
	}
	var results []string
	for _, r := range src.KETQUATHUCHIEN {
		if s := locale.NFC(r.TENKETQUA); s != "" {
			results = append(results, s)
		}
	}
	p.ResultType = strings.Join(results, "; ")
	p.Steps = usualSteps(p.Days)
	if err := p.Validate(); err != nil {
		return p, err
	}
	return p, nil
}

// usualSteps shares a procedure's time among the desk's reception, a
// specialist's examination, the leader's decision and the desk's return:
// days × 8 working hours, or one working day for a same-day procedure.
func usualSteps(days int) []onestop.Step {
	recv, lead, ret := 4, 4, 4
	switch {
	case days <= 1:
		recv, lead, ret = 1, 2, 1
	case days > 5:
		lead = 8
	}
	total := days * onestop.HoursPerWorkingDay
	if days == 0 {
		total = onestop.HoursPerWorkingDay
	}
	return []onestop.Step{
		{Name: "Tiếp nhận, kiểm tra hồ sơ và chuyển xử lý", Role: "onestop_officer", Hours: recv},
		{Name: "Thẩm định hồ sơ, dự thảo kết quả", Role: "specialist", Hours: total - recv - lead - ret},
		{Name: "Xem xét, ký duyệt kết quả", Role: "leader", Hours: lead},
		{Name: "Trả kết quả cho người nộp", Role: "onestop_officer", Hours: ret},
	}
}

// portalSubmitter registers dossiers submitted on the national portal as
// the system: each file downloaded from the portal's hosts into an upload
// (personal data, encrypted at rest), then the dossier submitted with its
// portal code, online, waiting for the desk. The portal code makes a
// dossier delivered twice one dossier.
type portalSubmitter struct {
	dossiers *onestop.DossierService
	uploads  *blob.Service
	client   *dvcqg.Client
	maxFile  int64
}

var portalActor = actor.SystemActor("dvcqg")

func (p portalSubmitter) SubmitFromPortal(ctx context.Context, s dvcqg.Submission) (string, error) {
	files := map[string][]string{}
	for _, f := range s.Files {
		data, err := p.client.Download(ctx, f, p.maxFile)
		if err != nil {
			return "", apperr.Wrap(err, apperr.Unavailable, "Không tải được tệp %q của hồ sơ %s từ Cổng DVCQG", f.Name, s.PortalCode)
		}
		u, err := p.uploads.Upload(ctx, portalActor, bytes.NewReader(data), blob.Request{Name: f.Name, PersonalData: true})
		if err != nil {
			return "", err
		}
		files[f.ComponentCode] = append(files[f.ComponentCode], u.ID)
	}
	d, err := p.dossiers.Submit(ctx, portalActor, onestop.SubmitRequest{ProcedureCode: s.ProcedureCode, PortalCode: s.PortalCode,
		Channel: onestop.ChannelOnline, Applicant: onestop.Applicant{Name: s.Applicant.Name, IDNumber: s.Applicant.IDNumber,
			Phone: s.Applicant.Phone, Email: s.Applicant.Email, Address: s.Applicant.Address},
		Fields: s.Fields, Files: files})
	if err != nil {
		return "", err
	}
	return d.Code, nil
}

// PortalSubmitter is the Submitter of dossiers arriving from the national
// portal, nil when the adapter is off.
func (a *App) PortalSubmitter() dvcqg.Submitter {
	if !a.DVCQG.Enabled() || a.Dossiers == nil {
		return nil
	}
	return portalSubmitter{dossiers: a.Dossiers, uploads: a.Blob, client: a.DVCQG.Client(), maxFile: a.Config.Blob.maxUpload()}
}

// InboundPath is where the national portal (or the province's LGSP)
// delivers dossiers submitted on it, when --dvcqg-inbound-token is set.
const InboundPath = "/dvcqg/dossiers"

// InboundTokenHeader carries --dvcqg-inbound-token (not Authorization,
// which the platform reads as a session or API token).
const InboundTokenHeader = "X-Dvcqg-Token"

// registerDVCQG mounts the inbound endpoint: POST InboundPath with the
// header X-Dvcqg-Token: <--dvcqg-inbound-token> and a batch of dossiers
// (a list or {"data": […]}, at most 1 MB); the answer is the portal's own
// envelope, error_code "00" when every dossier was registered, with one
// result row per dossier (its portal code, the dossier code or the
// refusal). Not mounted without the token or with the adapter off.
func (a *App) registerDVCQG(mux *http.ServeMux) {
	token := a.Config.DVCQG.InboundToken
	if token == "" || !a.DVCQG.Enabled() {
		return
	}
	mux.HandleFunc("POST "+InboundPath, func(w http.ResponseWriter, r *http.Request) {
		answer := func(status int, code, msg string, result []map[string]string) {
			body := map[string]any{"error_code": code, "message": msg}
			if result != nil {
				body["result"] = result
			}
			httpx.JSON(w, status, body)
		}
		got := r.Header.Get(InboundTokenHeader)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			answer(http.StatusUnauthorized, "401", "Sai hoặc thiếu mã xác thực", nil)
			return
		}
		batch, err := dvcqg.ParseInbound(r.Body)
		if err != nil {
			answer(http.StatusBadRequest, "05", apperr.MessageOf(err), nil)
			return
		}
		codes, errs := dvcqg.Intake(r.Context(), a.PortalSubmitter(), batch, a.Now())
		result := make([]map[string]string, 0, len(batch))
		for i, in := range batch {
			key := strings.TrimSpace(in.MaHoSo)
			if _, seen := codes[key]; !seen {
				if _, failed := errs[key]; !failed {
					key = fmt.Sprintf("#%d", i+1)
				}
			}
			row := map[string]string{"MaHoSo": key}
			if code, ok := codes[key]; ok {
				row["error_code"], row["MaHoSoMotCua"] = "00", code
			} else if err := errs[key]; err != nil {
				row["error_code"], row["message"] = "05", apperr.MessageOf(err)
				if !apperr.Is(err, apperr.Invalid) && !apperr.Is(err, apperr.NotFound) {
					row["error_code"] = "99" // try again later
				}
			}
			result = append(result, row)
		}
		if len(errs) > 0 {
			answer(http.StatusOK, "01", fmt.Sprintf("%d trong %d hồ sơ không tiếp nhận được", len(errs), len(batch)), result)
			return
		}
		answer(http.StatusOK, "00", "Thành công", result)
	})
}
