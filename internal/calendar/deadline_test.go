package calendar

import (
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

func TestDeadlineDue(t *testing.T) {
	c := published(t)
	recv := vn(t, "09:00 27/07/2026") // Monday
	p := func(from, to string) Pause {
		ps := Pause{From: vn(t, from)}
		if to != "" {
			ps.To = vn(t, to)
		}
		return ps
	}
	tests := []struct {
		name string
		dl   Deadline
		want string // "" means paused
	}{
		{"no pause: 5 working days", Deadline{Received: recv, Days: 5}, "17:00 03/08/2026"},
		{"restart: counted again from the completed dossier",
			Deadline{Received: recv, Days: 5, Pauses: []Pause{p("10:00 29/07/2026", "09:00 31/07/2026")}}, "17:00 07/08/2026"},
		{"continue: 2 days used (Tue, Wed), 3 left after Fri 31/07",
			Deadline{Received: recv, Days: 5, OnResume: ContinueOnResume, Pauses: []Pause{p("10:00 29/07/2026", "09:00 31/07/2026")}}, "17:00 05/08/2026"},
		{"continue: resumed after the cut-off counts from the next working day",
			Deadline{Received: recv, Days: 5, OnResume: ContinueOnResume, Pauses: []Pause{p("10:00 29/07/2026", "16:00 31/07/2026")}}, "17:00 06/08/2026"},
		{"continue: two pauses",
			Deadline{Received: recv, Days: 5, OnResume: ContinueOnResume, Pauses: []Pause{
				p("10:00 28/07/2026", "09:00 29/07/2026"), p("10:00 30/07/2026", "09:00 03/08/2026")}}, "17:00 06/08/2026"},
		{"continue: pause on the due date leaves a same-day limit",
			Deadline{Received: recv, Days: 5, OnResume: ContinueOnResume, Pauses: []Pause{p("10:00 03/08/2026", "09:00 05/08/2026")}}, "17:00 05/08/2026"},
		{"restart: pause on the due date",
			Deadline{Received: recv, Days: 5, Pauses: []Pause{p("10:00 03/08/2026", "09:00 05/08/2026")}}, "17:00 12/08/2026"},
		{"a pause after the due moment changes nothing",
			Deadline{Received: recv, Days: 5, Pauses: []Pause{p("18:00 03/08/2026", "09:00 10/08/2026")}}, "17:00 03/08/2026"},
		{"an open pause after the due moment changes nothing",
			Deadline{Received: recv, Days: 5, Pauses: []Pause{p("09:00 04/08/2026", "")}}, "17:00 03/08/2026"},
		{"open pause stops the clock", Deadline{Received: recv, Days: 5, Pauses: []Pause{p("10:00 29/07/2026", "")}}, ""},
		{"restart across the 2/9/2026 swap",
			Deadline{Received: recv, Days: 3, Pauses: []Pause{p("10:00 28/07/2026", "10:00 27/08/2026")}}, "17:00 04/09/2026"},
		{"same-day procedure after its cut-off", Deadline{Received: vn(t, "15:30 27/07/2026"), Days: 0, CutOff: HM(15, 0)}, "17:00 28/07/2026"},
		{"same-day procedure with a 16:00 cut-off", Deadline{Received: vn(t, "15:30 27/07/2026"), Days: 0, CutOff: HM(16, 0)}, "17:00 27/07/2026"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			due, paused, err := c.Due(tt.dl)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if !paused || !due.IsZero() {
					t.Errorf("Due = %v, %v; want paused", due, paused)
				}
				return
			}
			if paused || !due.Equal(vn(t, tt.want)) {
				t.Errorf("Due = %v, paused %v; want %s", due, paused, tt.want)
			}
		})
	}
}

func TestDeadlineValidate(t *testing.T) {
	c := published(t)
	recv := vn(t, "09:00 27/07/2026")
	later := recv.Add(48 * time.Hour)
	tests := []struct {
		name string
		dl   Deadline
	}{
		{"no receipt time", Deadline{Days: 5}},
		{"negative days", Deadline{Received: recv, Days: -1}},
		{"absurd days", Deadline{Received: recv, Days: 100000}},
		{"bad cut-off", Deadline{Received: recv, Days: 1, CutOff: 24 * 60}},
		{"bad resume rule", Deadline{Received: recv, Days: 1, OnResume: 7}},
		{"pause before receipt", Deadline{Received: recv, Days: 1, Pauses: []Pause{{From: recv.Add(-time.Hour), To: later}}}},
		{"pause without start", Deadline{Received: recv, Days: 1, Pauses: []Pause{{To: later}}}},
		{"pause ends before it starts", Deadline{Received: recv, Days: 1, Pauses: []Pause{{From: later, To: recv}}}},
		{"open pause followed by another", Deadline{Received: recv, Days: 1, Pauses: []Pause{{From: recv}, {From: later, To: later}}}},
		{"overlapping pauses", Deadline{Received: recv, Days: 1, Pauses: []Pause{{From: recv, To: later}, {From: later.Add(-time.Hour), To: later}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := c.Due(tt.dl); !apperr.Is(err, apperr.Invalid) || apperr.MessageOf(err) == "" {
				t.Errorf("Due: %v, want EINVALID", err)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	due := vn(t, "17:00 03/08/2026")
	tests := []struct {
		name string
		done time.Time
		want Timeliness
	}{
		{"the day before", vn(t, "16:00 02/08/2026"), Early},
		{"the due date, morning", vn(t, "09:00 03/08/2026"), OnTime},
		{"the due date, after office hours", vn(t, "20:00 03/08/2026"), OnTime},
		{"the next day", vn(t, "08:00 04/08/2026"), Late},
		{"UTC input past Vietnamese midnight", time.Date(2026, 8, 3, 17, 30, 0, 0, time.UTC), Late},
		{"UTC input before Vietnamese midnight", time.Date(2026, 8, 3, 16, 30, 0, 0, time.UTC), OnTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Status(tt.done, due); got != tt.want {
				t.Errorf("Status(%v) = %v, want %v", tt.done, got, tt.want)
			}
		})
	}
	if Early.String() != "trước hạn" || OnTime.String() != "đúng hạn" || Late.String() != "quá hạn" {
		t.Error("Timeliness labels")
	}
}
