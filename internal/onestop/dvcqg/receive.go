package dvcqg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Inbound is a dossier submitted on the portal, as the portal hands it to
// the province: the DongBoHoSoMC fields it fills for a new dossier
// (status 1), the applicant's identity number (SoDinhDanh: the 12-digit
// personal number or the enterprise tax code) and the online form's values
// (DuLieuBieuMau: field name → value). Values may come as strings or
// numbers.
type Inbound struct {
	MaHoSo        string            `json:"MaHoSo"`
	MaTTHC        string            `json:"MaTTHC"`
	ChuHoSo       string            `json:"ChuHoSo"`
	LoaiDoiTuong  flexString        `json:"LoaiDoiTuong"`
	MaDoiTuong    string            `json:"MaDoiTuong"`
	SoDinhDanh    string            `json:"SoDinhDanh"`
	DiaChi        string            `json:"DiaChi"`
	SoDienThoai   string            `json:"SoDienThoai"`
	Email         string            `json:"Email"`
	TrichYeuHoSo  string            `json:"TrichYeuHoSo"`
	NgayNopHoSo   string            `json:"NgayNopHoSo"` // yyyyMMddHHmmss
	HinhThuc      flexString        `json:"HinhThuc"`
	TaiLieuNop    []InboundFile     `json:"TaiLieuNop"`
	DuLieuBieuMau map[string]string `json:"DuLieuBieuMau"`
}

// InboundFile is one file of an inbound dossier, downloaded from its URL.
type InboundFile struct {
	TepDinhKemId      string `json:"TepDinhKemId"`
	TenTepDinhKem     string `json:"TenTepDinhKem"`
	MaThanhPhanHoSo   string `json:"MaThanhPhanHoSo"`
	DuongDanTaiTepTin string `json:"DuongDanTaiTepTin"`
}

// flexString reads a JSON string or number.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = ""
		return nil
	}
	s, err := scalar(b)
	if err != nil {
		return err
	}
	*f = flexString(s)
	return nil
}

// Bounds on one inbound batch.
const (
	MaxInboundBytes = 1 << 20
	MaxInbound      = 100 // dossiers per batch
	MaxInboundFiles = 50  // files per dossier
	MaxFormFields   = 200
	maxText         = 2000
)

// ParseInbound reads a batch of inbound dossiers: a JSON list, or an
// object whose "data" is the list (the portal's envelope), at most
// MaxInboundBytes and MaxInbound dossiers. Each must then pass Receive.
func ParseInbound(r io.Reader) ([]Inbound, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxInboundBytes+1))
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "Không đọc được dữ liệu hồ sơ từ Cổng DVCQG")
	}
	if len(b) > MaxInboundBytes {
		return nil, apperr.FieldError("data", "Dữ liệu hồ sơ từ Cổng DVCQG quá lớn (tối đa %d byte)", MaxInboundBytes)
	}
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var env struct {
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(b, &env); err != nil {
			return nil, apperr.FieldError("data", "Dữ liệu hồ sơ từ Cổng DVCQG không phải JSON hợp lệ")
		}
		b = env.Data
	}
	var out []Inbound
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, apperr.FieldError("data", "Dữ liệu hồ sơ từ Cổng DVCQG không đúng định dạng: cần một danh sách hồ sơ")
	}
	if len(out) > MaxInbound {
		return nil, apperr.FieldError("data", "Quá nhiều hồ sơ trong một lần gửi (tối đa %d)", MaxInbound)
	}
	return out, nil
}

// Applicant kinds of a Submission.
const (
	KindCitizen  = "citizen"
	KindBusiness = "business"
)

// Applicant is who submitted an inbound dossier.
type Applicant struct {
	Kind     string // KindCitizen or KindBusiness
	Name     string
	IDNumber string // 12-digit personal number, or the tax code
	PortalID string // MaDoiTuong: the applicant at the portal
	Address  string
	Phone    string
	Email    string
}

// File is one file of an inbound dossier: where to download it and which
// component of the procedure it is.
type File struct {
	ComponentCode string
	Name          string
	URL           string
	PortalID      string
}

// Submission is an inbound dossier mapped to the platform's terms, checked
// and normalised (NFC), ready for the one-stop service to register as an
// online dossier (channel 2).
type Submission struct {
	PortalCode    string // the dossier's code at the portal (MaHoSo)
	ProcedureCode string // MaTTHC
	Applicant     Applicant
	Summary       string
	SubmittedAt   time.Time
	// PostalDelivery: the result goes back by the public postal service.
	PostalDelivery bool
	Fields         map[string]string
	Files          []File
}

// Submitter registers a Submission as a dossier of the platform and
// returns its dossier code. The one-stop dossier service implements it;
// internal/app wires it.
type Submitter interface {
	SubmitFromPortal(ctx context.Context, s Submission) (code string, err error)
}

var fieldNameRE = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)

// Receive checks an inbound dossier and maps it into a Submission. now is
// the moment it arrives: the submission time when the portal sends none,
// and the bound against which a birth year in a personal number is
// checked. Every problem is an EINVALID error with a Vietnamese message
// naming the portal's field.
func Receive(in Inbound, now time.Time) (Submission, error) {
	var s Submission
	bad := func(field, format string, args ...any) (Submission, error) {
		return Submission{}, apperr.FieldError(field, format, args...)
	}
	s.PortalCode = strings.TrimSpace(in.MaHoSo)
	if s.PortalCode == "" || len(s.PortalCode) > 60 || !printable(s.PortalCode) {
		return bad("MaHoSo", "Thiếu mã hồ sơ trên Cổng DVCQG, hoặc mã không hợp lệ")
	}
	s.ProcedureCode = strings.TrimSpace(in.MaTTHC)
	if !procedureCodeRE.MatchString(s.ProcedureCode) {
		return bad("MaTTHC", "Mã thủ tục hành chính %q không hợp lệ (dạng 1.001193)", clip(s.ProcedureCode, 60))
	}
	var err error
	a := &s.Applicant
	if a.Name, err = text("ChuHoSo", "tên chủ hồ sơ", in.ChuHoSo, 200, true); err != nil {
		return Submission{}, err
	}
	switch strings.TrimSpace(string(in.LoaiDoiTuong)) {
	case "1", "":
		a.Kind = KindCitizen
		if a.IDNumber, err = identity.ParseCCCD(in.SoDinhDanh, now.In(locale.VN).Year()); err != nil {
			return bad("SoDinhDanh", "Số định danh cá nhân của chủ hồ sơ không hợp lệ: %s", apperr.MessageOf(err))
		}
	case "2":
		a.Kind = KindBusiness
		if a.IDNumber, err = identity.ParseTaxCode(in.SoDinhDanh); err != nil {
			return bad("SoDinhDanh", "Mã số thuế của chủ hồ sơ không hợp lệ: %s", apperr.MessageOf(err))
		}
	default:
		return bad("LoaiDoiTuong", "Loại đối tượng %q không hợp lệ: 1 công dân, 2 doanh nghiệp, tổ chức", clip(string(in.LoaiDoiTuong), 20))
	}
	if a.PortalID, err = text("MaDoiTuong", "mã đối tượng", in.MaDoiTuong, 100, false); err != nil {
		return Submission{}, err
	}
	if a.Address, err = text("DiaChi", "địa chỉ", in.DiaChi, 500, false); err != nil {
		return Submission{}, err
	}
	if a.Phone, err = phone(in.SoDienThoai); err != nil {
		return Submission{}, err
	}
	if e := strings.TrimSpace(in.Email); e != "" {
		addr, err := mail.ParseAddress(e)
		if err != nil || addr.Address != e || len(e) > 254 {
			return bad("Email", "Địa chỉ thư điện tử %q không hợp lệ", clip(e, 80))
		}
		a.Email = e
	}
	if s.Summary, err = text("TrichYeuHoSo", "trích yếu hồ sơ", in.TrichYeuHoSo, maxText, false); err != nil {
		return Submission{}, err
	}
	s.SubmittedAt = now
	if in.NgayNopHoSo != "" {
		t, err := ParseTime(strings.TrimSpace(in.NgayNopHoSo))
		if err != nil {
			return bad("NgayNopHoSo", "Ngày nộp hồ sơ %q không đúng dạng yyyyMMddHHmmss", clip(in.NgayNopHoSo, 30))
		}
		if t.After(now.Add(10 * time.Minute)) {
			return bad("NgayNopHoSo", "Ngày nộp hồ sơ %s ở tương lai", locale.FormatDateTime(t))
		}
		s.SubmittedAt = t
	}
	switch strings.TrimSpace(string(in.HinhThuc)) {
	case "", "0":
	case "1":
		s.PostalDelivery = true
	default:
		return bad("HinhThuc", "Hình thức nhận kết quả %q không hợp lệ: 0 tại quầy hoặc trực tuyến, 1 qua bưu chính công ích", clip(string(in.HinhThuc), 20))
	}
	if len(in.DuLieuBieuMau) > MaxFormFields {
		return bad("DuLieuBieuMau", "Biểu mẫu có quá nhiều trường (tối đa %d)", MaxFormFields)
	}
	s.Fields = make(map[string]string, len(in.DuLieuBieuMau))
	for k, v := range in.DuLieuBieuMau {
		if !fieldNameRE.MatchString(k) {
			return bad("DuLieuBieuMau", "Tên trường biểu mẫu %q không hợp lệ (chữ thường, chữ số, gạch dưới)", clip(k, 70))
		}
		if s.Fields[k], err = text("DuLieuBieuMau."+k, "trường "+k, v, maxText, false); err != nil {
			return Submission{}, err
		}
	}
	if len(in.TaiLieuNop) > MaxInboundFiles {
		return bad("TaiLieuNop", "Hồ sơ có quá nhiều tệp (tối đa %d)", MaxInboundFiles)
	}
	for i, f := range in.TaiLieuNop {
		file, err := inboundFile(i+1, f)
		if err != nil {
			return Submission{}, err
		}
		s.Files = append(s.Files, file)
	}
	return s, nil
}

func inboundFile(n int, f InboundFile) (File, error) {
	var out File
	field := fmt.Sprintf("TaiLieuNop[%d]", n)
	out.ComponentCode = strings.TrimSpace(f.MaThanhPhanHoSo)
	if out.ComponentCode == "" || len(out.ComponentCode) > 100 || !printable(out.ComponentCode) {
		return out, apperr.FieldError(field+".MaThanhPhanHoSo", "Tệp thứ %d thiếu mã thành phần hồ sơ hoặc mã không hợp lệ", n)
	}
	u, err := url.Parse(strings.TrimSpace(f.DuongDanTaiTepTin))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(f.DuongDanTaiTepTin) > 2000 {
		return out, apperr.FieldError(field+".DuongDanTaiTepTin", "Tệp thứ %d có đường dẫn tải tệp không hợp lệ (cần địa chỉ http(s) đầy đủ)", n)
	}
	out.URL = u.String()
	name := locale.NFC(f.TenTepDinhKem)
	if name == "" {
		name = path.Base(u.Path)
	}
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "." || name == "/" || name == ".." || len(name) > 255 || !printable(name) {
		return out, apperr.FieldError(field+".TenTepDinhKem", "Tệp thứ %d có tên tệp không hợp lệ", n)
	}
	out.Name = name
	out.PortalID = strings.TrimSpace(f.TepDinhKemId)
	if len(out.PortalID) > 100 || !printable(out.PortalID) {
		return out, apperr.FieldError(field+".TepDinhKemId", "Tệp thứ %d có mã tệp không hợp lệ", n)
	}
	return out, nil
}

// text normalises a text field to NFC and checks its length and runes.
func text(field, label, v string, max int, required bool) (string, error) {
	if !utf8.ValidString(v) {
		return "", apperr.FieldError(field, "Trường %s không phải văn bản UTF-8 hợp lệ", label)
	}
	v = locale.NFC(v)
	if v == "" && required {
		return "", apperr.FieldError(field, "Thiếu %s", label)
	}
	if len(v) > max {
		return "", apperr.FieldError(field, "Trường %s quá dài (tối đa %d byte)", label, max)
	}
	if r, hidden := locale.HiddenRune(v); hidden {
		return "", apperr.FieldError(field, "Trường %s chứa ký tự điều khiển hoặc ẩn (U+%04X)", label, r)
	}
	for _, r := range v {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7F {
			return "", apperr.FieldError(field, "Trường %s chứa ký tự điều khiển (U+%04X)", label, r)
		}
	}
	return v, nil
}

// phone accepts a Vietnamese number: 0 followed by 9–10 digits, or +84
// followed by 9–10 digits (stored as 0…); spaces, dots and dashes are
// dropped.
func phone(v string) (string, error) {
	v = strings.Map(func(r rune) rune {
		if r == ' ' || r == '.' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(v))
	if v == "" {
		return "", nil
	}
	if strings.HasPrefix(v, "+84") {
		v = "0" + v[3:]
	}
	ok := len(v) >= 10 && len(v) <= 11 && v[0] == '0'
	for _, r := range v {
		ok = ok && r >= '0' && r <= '9'
	}
	if !ok {
		return "", apperr.FieldError("SoDienThoai", "Số điện thoại %q không hợp lệ", clip(v, 30))
	}
	return v, nil
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	_, hidden := locale.HiddenRune(s)
	return !hidden && !strings.ContainsAny(s, "\x00\r\n\t")
}

// Intake maps each inbound dossier and hands it to sub, returning the
// platform's dossier code per portal code. A dossier that fails Receive or
// the submitter is reported in errs (by portal code, or by position when
// it has none) and does not stop the others.
func Intake(ctx context.Context, sub Submitter, batch []Inbound, now time.Time) (codes map[string]string, errs map[string]error) {
	codes, errs = map[string]string{}, map[string]error{}
	for i, in := range batch {
		key := strings.TrimSpace(in.MaHoSo)
		if key == "" || !printable(key) || len(key) > 60 {
			key = fmt.Sprintf("#%d", i+1)
		}
		s, err := Receive(in, now)
		if err == nil && sub == nil {
			err = apperr.New(apperr.Unavailable, "Chưa kết nối được dịch vụ tiếp nhận hồ sơ một cửa")
		}
		if err == nil {
			var code string
			code, err = sub.SubmitFromPortal(ctx, s)
			if err == nil && code == "" {
				err = errors.New("dvcqg: submitter returned no code")
			}
			codes[key] = code
		}
		if err != nil {
			delete(codes, key)
			errs[key] = err
		}
	}
	return codes, errs
}
