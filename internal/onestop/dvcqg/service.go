package dvcqg

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
)

// JobKind is the job that pushes one status change of a dossier.
const JobKind = "dvcqg.sync"

// MaxAttempts bounds the pushes of one status change: with the runner's
// back-off (doubling up to an hour) about a day of portal outage, after
// which the job waits on /admin/jobs for a retry.
const MaxAttempts = 30

// Options configure a Service.
type Options struct {
	// Client is the portal; nil turns the adapter off (Enqueue does
	// nothing).
	Client *Client
	Now    func() time.Time // clock.Now
	Logger *slog.Logger     // slog.Default
}

// Service queues and sends a dossier's changes to the portal.
type Service struct {
	db   *db.DB
	opts Options
}

// New returns the service on d.
func New(d *db.DB, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Service{db: d, opts: opts}
}

// Client is the portal's client, nil when the adapter is off.
func (s *Service) Client() *Client {
	if s == nil {
		return nil
	}
	return s.opts.Client
}

// Enabled reports whether the adapter sends anything (a nil Service is off).
func (s *Service) Enabled() bool { return s != nil && s.opts.Client != nil }

// syncJob is the stored job: the wire forms, ready to send.
type syncJob struct {
	Code     string            `json:"code"`
	Status   int               `json:"status"`
	Updating bool              `json:"updating"`
	Dossier  json.RawMessage   `json:"dossier"`
	Progress []json.RawMessage `json:"progress,omitempty"`
}

var (
	dossierCodeRE   = regexp.MustCompile(`^[0-9A-Za-z.]{1,40}-[0-9]{6}-[0-9]{4,8}$`)
	procedureCodeRE = regexp.MustCompile(`^[0-9]+(\.[0-9A-Za-z]+){1,8}$`)
)

// receivedStatus are the statuses only a received dossier reaches (a
// dossier may be withdrawn, refused or asked to complete before it is).
var receivedStatus = map[int]bool{StatusReceived: true, StatusProcessing: true, StatusFinancial: true,
	StatusProcessed: true, StatusResultReturn: true}

// Validate checks what the portal requires of a pushed dossier.
func (d DossierSync) Validate() error {
	switch {
	case !dossierCodeRE.MatchString(d.MaHoSo):
		return apperr.FieldError("MaHoSo", "Mã hồ sơ %q không đúng dạng mã cơ quan-YYMMDD-số thứ tự (Thông tư 03/2025/TT-VPCP)", d.MaHoSo)
	case !procedureCodeRE.MatchString(d.MaTTHC):
		return apperr.FieldError("MaTTHC", "Mã thủ tục hành chính %q không hợp lệ (dạng 1.001193)", d.MaTTHC)
	case d.TrangThaiHoSo < StatusNew || d.TrangThaiHoSo > StatusResultReturn:
		return apperr.FieldError("TrangThaiHoSo", "Trạng thái hồ sơ %d không hợp lệ: từ 1 đến 10", d.TrangThaiHoSo)
	case d.LoaiDoiTuong != ApplicantCitizen && d.LoaiDoiTuong != ApplicantBusiness:
		return apperr.FieldError("LoaiDoiTuong", "Loại đối tượng %d không hợp lệ: 1 công dân, 2 doanh nghiệp, tổ chức", d.LoaiDoiTuong)
	case d.HinhThuc != DeliveryDesk && d.HinhThuc != DeliveryPostal:
		return apperr.FieldError("HinhThuc", "Hình thức trả kết quả %d không hợp lệ: 0 tại quầy hoặc trực tuyến, 1 qua bưu chính công ích", d.HinhThuc)
	case d.ChuHoSo == "":
		return apperr.FieldError("ChuHoSo", "Thiếu tên chủ hồ sơ")
	case receivedStatus[d.TrangThaiHoSo] && d.NgayTiepNhan.IsZero():
		return apperr.FieldError("NgayTiepNhan", "Hồ sơ ở trạng thái %d phải có ngày tiếp nhận", d.TrangThaiHoSo)
	}
	return nil
}

// Enqueue queues the push of one status change of a dossier (and the
// progress rows that led to it) in tx, the transaction of the change: the
// job exists if and only if the change committed. Its unique key is the
// dossier code, the status and the moment of the change (the last
// progress row's ThoiDiemXuLy), so a change replayed while its push is
// pending is not queued twice, while a later step in the same status is.
// A nil or disabled Service does nothing.
func (s *Service) Enqueue(ctx context.Context, tx *sql.Tx, d DossierSync, progress ...Progress) error {
	if !s.Enabled() {
		return nil
	}
	if err := d.Validate(); err != nil {
		return err
	}
	j := syncJob{Code: d.MaHoSo, Status: d.TrangThaiHoSo, Updating: d.Updating}
	var err error
	if j.Dossier, err = json.Marshal(d); err != nil {
		return err
	}
	var at time.Time
	for i, p := range progress {
		if p.MaHoSo == "" {
			p.MaHoSo = d.MaHoSo
		}
		if p.MaHoSo != d.MaHoSo {
			return apperr.FieldError("MaHoSo", "Dòng tiến độ %d thuộc hồ sơ %s, không phải %s", i+1, p.MaHoSo, d.MaHoSo)
		}
		if p.TrangThai < StatusNew || p.TrangThai > StatusResultReturn {
			return apperr.FieldError("TrangThai", "Trạng thái của dòng tiến độ %d không hợp lệ: từ 1 đến 10", i+1)
		}
		if p.ThoiDiemXuLy.IsZero() {
			return apperr.FieldError("ThoiDiemXuLy", "Dòng tiến độ %d thiếu thời điểm xử lý", i+1)
		}
		if p.ThoiDiemXuLy.After(at) {
			at = p.ThoiDiemXuLy
		}
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		j.Progress = append(j.Progress, b)
	}
	payload, err := json.Marshal(j)
	if err != nil {
		return err
	}
	key := uniqueKey(d.MaHoSo, d.TrangThaiHoSo, at)
	_, err = jobs.Enqueue(ctx, tx, jobs.Job{Kind: JobKind, Payload: payload, UniqueKey: key, RunAt: s.opts.Now(), MaxAttempts: MaxAttempts})
	return err
}

// keyPrefix starts the unique key of every push of one dossier.
func keyPrefix(code string) string { return JobKind + ":" + code + ":" }

func uniqueKey(code string, status int, at time.Time) string {
	k := keyPrefix(code) + strconv.Itoa(status)
	if !at.IsZero() {
		k += ":" + FormatTime(at)
	}
	return k
}

// Register sets the push handler on r (when the adapter is on).
func (s *Service) Register(r *jobs.Runner) {
	if !s.Enabled() {
		return
	}
	r.Register(JobKind, s.handle)
}

// errWaiting retries a push while an earlier one of the same dossier is
// still queued: the portal keeps the last status it was sent, so pushes
// of one dossier go in the order of their changes.
var errWaiting = errors.New("chờ lần đồng bộ trước của cùng hồ sơ được gửi xong")

// handle sends one push: the dossier (DongBoHoSoMC), then its progress
// rows (CapNhatTienDoHoSoMC). A retry of a first push asks the portal
// whether the first attempt reached it, and then updates instead; so does
// a first push the portal refuses when it turns out to hold the dossier.
func (s *Service) handle(ctx context.Context, j jobs.Job) error {
	var p syncJob
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.Code == "" || len(p.Dossier) == 0 {
		return jobs.Permanent(fmt.Errorf("dvcqg: công việc %d có dữ liệu hỏng: %v", j.ID, err))
	}
	earlier, err := s.earlierPending(ctx, j.ID, p.Code)
	if err != nil {
		return err
	}
	if earlier {
		return errWaiting
	}
	c := s.opts.Client
	updating := p.Updating
	if !updating && j.Attempt > 1 {
		if updating, err = c.HasDossier(ctx, p.Code); err != nil {
			return classified(err)
		}
	}
	err = c.SyncDossier(ctx, updating, p.Dossier)
	if err != nil && !updating && !IsRetryable(err) {
		// Refused as new: the portal may hold it already (a dossier
		// submitted on the portal, an attempt whose answer was lost).
		if has, herr := c.HasDossier(ctx, p.Code); herr == nil && has {
			err = c.SyncDossier(ctx, true, p.Dossier)
		}
	}
	if err != nil {
		return classified(err)
	}
	if len(p.Progress) > 0 {
		if err := c.UpdateProgress(ctx, p.Progress...); err != nil {
			return classified(err)
		}
	}
	s.opts.Logger.InfoContext(ctx, "dvcqg: dossier pushed", "code", p.Code, "status", p.Status, "progress", len(p.Progress), "attempt", j.Attempt)
	return nil
}

// earlierPending reports whether a push of the same dossier enqueued
// before job id is still queued or running.
func (s *Service) earlierPending(ctx context.Context, id int64, code string) (bool, error) {
	prefix := keyPrefix(code)
	var n int
	err := s.db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE kind = $1 AND id < $2
		AND state IN ('queued', 'running') AND substr(unique_key, 1, $3) = $4`,
		JobKind, id, len(prefix), prefix).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("dvcqg: look for earlier pushes: %w", err)
	}
	return n > 0, nil
}

// classified makes a permanent portal error fail the job at once.
func classified(err error) error {
	if !IsRetryable(err) {
		return jobs.Permanent(err)
	}
	return err
}
