package tasks

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// UnitFigures are one unit's figures on the board: the tasks it handles as
// main handler (its own, or given to one of its officials) whose deadline
// falls in the period.
type UnitFigures struct {
	UnitID int64  `json:"unit_id"` // 0: officials outside any unit
	Name   string `json:"name"`
	// Total tasks due in the period; Completed of them, OnTime of those by
	// their deadline; Overdue still open past it; Open not yet due.
	Total     int `json:"total"`
	Completed int `json:"completed"`
	OnTime    int `json:"on_time"`
	Overdue   int `json:"overdue"`
	Open      int `json:"open"`
}

// Rate is the on-time rate in percent (completed on time / completed), and
// false when nothing was completed.
func (u UnitFigures) Rate() (float64, bool) {
	if u.Completed == 0 {
		return 0, false
	}
	return 100 * float64(u.OnTime) / float64(u.Completed), true
}

// RateText is Rate formatted the Vietnamese way ("87,5%"), or "—".
func (u UnitFigures) RateText() string {
	r, ok := u.Rate()
	if !ok {
		return "—"
	}
	return percentText(r)
}

// percentText writes a percentage the Vietnamese way, with a decimal
// comma: "87,5%", "100%".
func percentText(r float64) string {
	s := strconv.FormatFloat(r, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return strings.Replace(s, ".", ",", 1) + "%"
}

// Board is the leader's view of an agency's tasks over a period.
type Board struct {
	AgencyID int64         `json:"agency_id"`
	From     calendar.Date `json:"from"`
	To       calendar.Date `json:"to"`
	// Overdue lists every open task past its deadline (whatever the
	// period), most overdue first.
	Overdue []*Task       `json:"overdue"`
	Units   []UnitFigures `json:"units"`
	All     UnitFigures   `json:"all"`
}

// Board returns the overdue tasks of an agency and, per unit, the tasks
// due from..to: completed, completed on time, overdue and open, with the
// on-time rate (tasks.board.read: the agency's leaders). Only the tasks
// the leader may see are listed and counted. A zero from or to is the
// first day of the current year (of to's, when earlier) or today.
func (s *Service) Board(ctx context.Context, a *actor.Actor, agencyID int64, from, to calendar.Date) (*Board, error) {
	if a == nil {
		return nil, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập")
	}
	if agencyID == 0 {
		agencyID = a.AgencyID
	}
	if err := access.Authorize(ctx, a, access.TasksBoard, access.Resource{Type: "agency", ID: "tasks", AgencyID: agencyID}); err != nil {
		return nil, err
	}
	today := s.today()
	if to.IsZero() {
		to = today
	}
	if from.IsZero() {
		from = calendar.Date{Year: min(today.Year, to.Year), Month: 1, Day: 1}
	}
	if to.Before(from) {
		return nil, apperr.FieldError("from", "Ngày đầu kỳ %s sau ngày cuối kỳ %s", from.VN(), to.VN())
	}
	ts, err := s.loadMany(ctx, s.db.Reader(), `agency_id = $1 AND deadline <> ''`, agencyID)
	if err != nil {
		return nil, err
	}
	b := &Board{AgencyID: agencyID, From: from, To: to, Overdue: []*Task{}, All: UnitFigures{Name: "Toàn cơ quan"}}
	units := map[int64]*UnitFigures{}
	for _, t := range ts {
		if !s.visible(ctx, a, t) {
			continue
		}
		t.Overdue = t.overdueOn(today)
		if !t.Done() && t.Overdue {
			b.Overdue = append(b.Overdue, t)
		}
		if t.Deadline.Before(from) || t.Deadline.After(to) {
			continue
		}
		count(&b.All, t)
		seen := map[int64]bool{}
		for _, as := range t.Main() {
			if seen[as.UnitID] {
				continue
			}
			seen[as.UnitID] = true
			u := units[as.UnitID]
			if u == nil {
				u = &UnitFigures{UnitID: as.UnitID}
				if as.Kind == AssignUnit {
					u.Name = as.Name
				}
				units[as.UnitID] = u
			}
			count(u, t)
		}
	}
	for id, u := range units {
		if u.Name == "" && id != 0 {
			if un, err := s.opts.Directory.Unit(ctx, id); err == nil {
				u.Name = un.Name
			}
		}
		if u.Name == "" {
			u.Name = "Cán bộ không thuộc đơn vị"
		}
		b.Units = append(b.Units, *u)
	}
	sort.Slice(b.Units, func(i, j int) bool { return locale.Compare(b.Units[i].Name, b.Units[j].Name) < 0 })
	sort.SliceStable(b.Overdue, func(i, j int) bool { return b.Overdue[i].Deadline.Before(b.Overdue[j].Deadline) })
	return b, nil
}

func count(u *UnitFigures, t *Task) {
	u.Total++
	switch {
	case t.Done():
		u.Completed++
		if t.OnTime() {
			u.OnTime++
		}
	case t.Overdue:
		u.Overdue++
	default:
		u.Open++
	}
}
