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

// parseCutOff reads a procedure's cut-off ("15:00"); "" or a bad value
// means the calendar's (15:00 by default, Decree 63/2024/NĐ-CP Art. 7(2)).
func parseCutOff(s string) calendar.TimeOfDay {
	if s == "" {
		return 0
	}
	t, err := calendar.ParseTimeOfDay(s)
	if err != nil {
		return 0
	}
	return t
}

// dueMoment is the legal due moment of a dossier received at received
// with days working days and the cut-off, after an optional supplement
// pause (from, to): the time counts again, in full, from the receipt of
// the completed dossier (Decree 118/2025/NĐ-CP practice "kể từ ngày nhận
// đủ hồ sơ hợp lệ"). paused is true while the pause is open.
func dueMoment(cal *calendar.Calendar, received time.Time, days int, cutOff string, pauseFrom, pauseTo time.Time) (time.Time, bool, error) {
	dl := calendar.Deadline{Received: received, Days: days, CutOff: parseCutOff(cutOff), OnResume: calendar.RestartOnResume}
	if !pauseFrom.IsZero() {
		dl.Pauses = []calendar.Pause{{From: pauseFrom, To: pauseTo}}
	}
	return cal.Due(dl)
}

// stepDues spreads the legal time over the steps by their shares (working
// hours, 8 to a working day): step i is due when the shares of steps 0..i
// have passed, counted in office minutes from the moment counting starts
// (the opening of the first working day after the receipt day; for a
// same-day procedure, the receipt itself or the receipt day's opening).
// The last step is due at the dossier's due moment; no step is due after
// it.
func stepDues(cal *calendar.Calendar, start time.Time, days int, cutOff string, due time.Time, hours []int) []time.Time {
	out := make([]time.Time, len(hours))
	total := 0
	for _, h := range hours {
		total += max(h, 0)
	}
	cfg := cal.Config()
	morning := int(cfg.MorningEnd - cfg.MorningStart)
	dayMinutes := morning + int(cfg.AfternoonEnd-cfg.AfternoonStart)
	receiptDay := cal.ReceiptDayCutOff(start, parseCutOff(cutOff))
	var first calendar.Date
	var offset int // office minutes already gone on the first day
	if days == 0 {
		first = receiptDay
		if s := start.In(locale.VN); calendar.DateOf(s) == receiptDay {
			offset = officeMinutes(cfg, calendar.TimeOfDay(s.Hour()*60+s.Minute()))
		}
	} else {
		first = cal.NextWorkingDay(receiptDay)
	}
	window := max(days, 1)*dayMinutes - offset
	cum := 0
	for i, h := range hours {
		cum += max(h, 0)
		if total == 0 || i == len(hours)-1 {
			out[i] = due
			continue
		}
		m := offset + window*cum/total
		day := first
		for m > dayMinutes {
			day = cal.NextWorkingDay(day)
			m -= dayMinutes
		}
		var at time.Time
		if m <= morning {
			at = day.At(cfg.MorningStart + calendar.TimeOfDay(m))
		} else {
			at = day.At(cfg.AfternoonStart + calendar.TimeOfDay(m-morning))
		}
		if at.After(due) {
			at = due
		}
		out[i] = at
	}
	return out
}

// officeMinutes is how many office minutes of a day have passed at t.
func officeMinutes(cfg calendar.Config, t calendar.TimeOfDay) int {
	morning := int(cfg.MorningEnd - cfg.MorningStart)
	switch {
	case t <= cfg.MorningStart:
		return 0
	case t <= cfg.MorningEnd:
		return int(t - cfg.MorningStart)
	case t <= cfg.AfternoonStart:
		return morning
	case t <= cfg.AfternoonEnd:
		return morning + int(t-cfg.AfternoonStart)
	}
	return morning + int(cfg.AfternoonEnd-cfg.AfternoonStart)
}
