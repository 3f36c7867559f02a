package web

import (
	"sort"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// timelineEntry is one moment of a dossier's history, as its page lists
// it: what happened (a catalog key with one argument), who, and a text.
type timelineEntry struct {
	At   time.Time
	Key  string
	Arg  string
	Who  string
	Text string
}

// dossierTimeline derives the dossier's history from what the dossier
// records: submission, reception, the supplement request and its answer,
// each step's start and hand-over, the apology, the decision, the end
// (refused, withdrawn, stopped), the return and the rating; in time order.
func dossierTimeline(d *onestop.Dossier) []timelineEntry {
	var out []timelineEntry
	add := func(at time.Time, key, arg, who, text string) {
		if !at.IsZero() {
			out = append(out, timelineEntry{At: at, Key: key, Arg: arg, Who: who, Text: text})
		}
	}
	add(d.SubmittedAt, "desk.tl.submitted", d.Channel.Name(), d.Applicant.Name, "")
	add(d.ReceivedAt, "desk.tl.received", d.AgencyName, "", "")
	if s := d.Supplement; s != nil {
		add(s.RequestedAt, "desk.tl.supplement", "", s.RequestedBy, s.Reason)
		add(s.AnsweredAt, "desk.tl.supplied", "", d.Applicant.Name, s.Answer)
	}
	for _, st := range d.Steps {
		holder := st.HolderName
		if holder == "" {
			holder = st.AgencyName
		}
		add(st.StartedAt, "desk.tl.step.start", st.Name, holder, "")
		if st.Done() {
			add(st.EndedAt, "desk.tl.step.end", st.Name, st.DoneByName, st.Note)
		}
	}
	if a := d.Apology; a != nil {
		add(a.At, "desk.tl.apology", locale.FormatDateTime(a.NewAppointment), a.By, a.Reason)
	}
	if !d.DecidedAt.IsZero() {
		key := "desk.tl.approved"
		if d.ResultUpload == "" {
			key = "desk.tl.decided.refused"
		}
		add(d.DecidedAt, key, "", d.DecidedBy, d.Reason)
	} else if d.Status == onestop.StatusRefused || d.Status == onestop.StatusWithdrawn || d.Status == onestop.StatusStopped {
		add(d.UpdatedAt, "desk.tl.ended", d.Status.Name(), "", d.Reason)
	}
	if !d.ReturnedAt.IsZero() {
		add(d.ReturnedAt, "desk.tl.returned", d.Outcome.String(), "", "")
	}
	if d.Rating != 0 {
		add(d.RatedAt, "desk.tl.rated", d.Rating.Name(), d.Applicant.Name, d.RatingComment)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}
