package onestop

import (
	"time"

	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Sessions are the two half-day sessions of an office day used to class a
// result early, on time or late (the half-day rule: on time is within the
// half-day session of the due moment; earlier is early, after the due
// moment late). Configurable per installation; DefaultSessions has
// 07:00–11:30 and 13:30–17:00.
type Sessions struct {
	MorningStart, MorningEnd     calendar.TimeOfDay
	AfternoonStart, AfternoonEnd calendar.TimeOfDay
}

// DefaultSessions returns 07:00–11:30 and 13:30–17:00.
func DefaultSessions() Sessions {
	return Sessions{MorningStart: calendar.HM(7, 0), MorningEnd: calendar.HM(11, 30),
		AfternoonStart: calendar.HM(13, 30), AfternoonEnd: calendar.HM(17, 0)}
}

// Classify classes done against due: after due is Late; from the start of
// the half-day session holding due (the afternoon session when due is at
// or after AfternoonStart, else the morning one) to due is OnTime; before
// that Early. A zero due is OnTime (nothing was due).
func (ss Sessions) Classify(done, due time.Time) Timeliness {
	if due.IsZero() {
		return OnTime
	}
	if done.After(due) {
		return Late
	}
	d := due.In(locale.VN)
	tod := calendar.TimeOfDay(d.Hour()*60 + d.Minute())
	start := ss.MorningStart
	if tod >= ss.AfternoonStart {
		start = ss.AfternoonStart
	}
	if done.Before(calendar.DateOf(d).At(start)) {
		return Early
	}
	return OnTime
}
