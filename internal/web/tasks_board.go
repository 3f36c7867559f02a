package web

import (
	"net/http"

	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/tasks"
)

type tasksBoardData struct {
	Board    *tasks.Board
	From, To string // yyyy-mm-dd, for the date inputs
}

// board is the leader's board: overdue tasks and per-unit on-time rates
// over a period (the current year to today by default).
func (p *TasksPages) board(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	q := r.URL.Query()
	var from, to calendar.Date
	var err error
	if v := q.Get("from"); v != "" {
		if from, err = formDate("from", "Từ ngày", v); err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = formDate("to", "Đến ngày", v); err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
	}
	b, err := p.deps.Tasks.Board(r.Context(), a, 0, from, to)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	p.rd.render(w, r, http.StatusOK, "tasks_board", "tasks.board.title", tasksBoardData{Board: b, From: b.From.String(), To: b.To.String()})
}
