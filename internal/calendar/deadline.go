package calendar

import (
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// ResumeRule says what a supplement request (yêu cầu bổ sung hồ sơ) does to a
// running time limit.
type ResumeRule int

const (
	// RestartOnResume: the limit is counted again, in full, from the receipt
	// of the completed dossier. This is the common provincial practice ("kể từ
	// ngày nhận đủ hồ sơ hợp lệ", docs/calendar-sources.md;
	// the article of Decree 118/2025 that says so is not yet confirmed). It is the zero value.
	RestartOnResume ResumeRule = iota
	// ContinueOnResume: the clock stops during the pause and resumes with the
	// working days that were left.
	ContinueOnResume
)

// Pause is one supplement request: the clock stops when the request is
// sent and resumes when the completed dossier is received.
type Pause struct {
	From time.Time // the request was sent
	To   time.Time // the completed dossier was received; zero while still paused
}

// Deadline is the clock of one time limit.
type Deadline struct {
	Received time.Time  // when the dossier was received
	Days     int        // the limit in working days; 0 is a same-day limit
	CutOff   TimeOfDay  // the procedure's cut-off; 0 means Config.CutOff
	Pauses   []Pause    // supplement requests, in time order
	OnResume ResumeRule // how a pause changes the count
}

// maxDeadlineDays bounds Days; the longest limits in practice are a few
// hundred working days.
const maxDeadlineDays = 3000

// Validate returns an EINVALID error if dl is not usable: no receipt time,
// a negative or absurd limit, or pauses out of order (each must start after
// the receipt and after the previous one ended; only the last may be open).
func (dl Deadline) Validate() error {
	switch {
	case dl.Received.IsZero():
		return apperr.FieldError("received", "Thiếu thời điểm tiếp nhận hồ sơ.")
	case dl.Days < 0 || dl.Days > maxDeadlineDays:
		return apperr.FieldError("days", "Thời hạn giải quyết %d ngày làm việc không hợp lệ.", dl.Days)
	case dl.CutOff < 0 || dl.CutOff >= 24*60:
		return apperr.FieldError("cut_off", "Giờ chốt tiếp nhận không hợp lệ.")
	case dl.OnResume != RestartOnResume && dl.OnResume != ContinueOnResume:
		return apperr.FieldError("on_resume", "Cách tính thời hạn sau khi bổ sung hồ sơ không hợp lệ.")
	}
	prev := dl.Received
	for i, p := range dl.Pauses {
		switch {
		case p.From.IsZero() || p.From.Before(prev):
			return apperr.FieldError("pauses", "Lần yêu cầu bổ sung thứ %d bắt đầu trước khi tiếp nhận hoặc trước lần bổ sung trước.", i+1)
		case p.To.IsZero() && i != len(dl.Pauses)-1:
			return apperr.FieldError("pauses", "Lần yêu cầu bổ sung thứ %d chưa kết thúc nhưng đã có lần sau.", i+1)
		case !p.To.IsZero() && p.To.Before(p.From):
			return apperr.FieldError("pauses", "Lần yêu cầu bổ sung thứ %d kết thúc trước khi bắt đầu.", i+1)
		}
		prev = p.To
	}
	return nil
}

// Due returns the due moment of dl (close of office hours, locale.VN). If
// the clock is stopped by an open pause it returns paused = true and a zero
// time. A pause that starts after the due moment has passed changes nothing
// (it cannot rescue a late dossier), nor do the pauses after it.
//
// With ContinueOnResume, the working days used before a pause are those
// after the receipt day up to and including the day the request is sent;
// the rest are counted after the receipt day of the completed dossier.
// Errors: EINVALID from Validate.
func (c *Calendar) Due(dl Deadline) (due time.Time, paused bool, err error) {
	if err := dl.Validate(); err != nil {
		return time.Time{}, false, err
	}
	base := c.receiptJDN(dl.Received, dl.CutOff) // the day counting starts after
	left := dl.Days
	dueJD := c.shift(base, left)
	for _, p := range dl.Pauses {
		if p.From.After(dateFromJDN(dueJD).At(c.cfg.AfternoonEnd)) {
			break
		}
		if dl.OnResume == ContinueOnResume {
			used := max(c.countBetween(base, DateOf(p.From).jdn()), 0)
			left = max(left-used, 0)
		}
		if p.To.IsZero() {
			return time.Time{}, true, nil
		}
		base = c.receiptJDN(p.To, dl.CutOff)
		if dl.OnResume == RestartOnResume {
			left = dl.Days
		}
		dueJD = c.shift(base, left)
	}
	return dateFromJDN(dueJD).At(c.cfg.AfternoonEnd), false, nil
}

// Timeliness classifies when a result was returned against its due moment.
type Timeliness int

// The classes used by the one-stop reports (Decision 766/QĐ-TTg indicators).
const (
	Early  Timeliness = iota + 1 // trước hạn: returned on a day before the due date
	OnTime                       // đúng hạn: returned on the due date
	Late                         // quá hạn: returned on a day after the due date
)

// String returns the Vietnamese label used in reports.
func (t Timeliness) String() string {
	switch t {
	case Early:
		return "trước hạn"
	case OnTime:
		return "đúng hạn"
	case Late:
		return "quá hạn"
	}
	return "không xác định"
}

// Status compares the dates, in Vietnam time, on which a result was returned
// (done) and was due: before the due date is Early, on the due date OnTime
// (even after office hours: the reports count days, not hours), after it
// Late.
func Status(done, due time.Time) Timeliness {
	switch DateOf(done).Compare(DateOf(due)) {
	case -1:
		return Early
	case 0:
		return OnTime
	}
	return Late
}
