package documents

import (
	"context"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// AgencyMonthCount is how many incoming documents an agency registered and
// how many outgoing documents it issued in a month (yyyy-mm, Vietnam time).
type AgencyMonthCount struct {
	AgencyID int64
	Month    string
	Incoming int64
	Outgoing int64
}

// MonthlyCounts counts per agency and month the incoming documents
// registered (Decree 30/2020/NĐ-CP Art. 22; a withdrawn registration is
// not counted) and the outgoing documents issued (Art. 15) in [from, to):
// what a node reports to its parent node. Only the system reads it, for
// every agency at once; counts reveal nothing of a document.
func (s *Service) MonthlyCounts(ctx context.Context, a *actor.Actor, from, to time.Time) ([]AgencyMonthCount, error) {
	if a == nil || a.Kind != actor.System {
		return nil, apperr.New(apperr.Forbidden, "Chỉ hệ thống được tổng hợp số văn bản của mọi cơ quan")
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT agency_id, 'in', created_at FROM documents
			WHERE direction = 'in' AND status <> $1 AND created_at >= $2 AND created_at < $3
		UNION ALL
		SELECT d.agency_id, 'out', o.issued_at FROM documents d JOIN documents_outgoing o ON o.document_id = d.id
			WHERE d.direction = 'out' AND o.issued_at >= $2 AND o.issued_at < $3`, StatusWithdrawn, from.UnixMicro(), to.UnixMicro())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type key struct {
		agency int64
		month  string
	}
	idx := map[key]int{}
	var out []AgencyMonthCount
	for rows.Next() {
		var agency, at int64
		var dir string
		if err := rows.Scan(&agency, &dir, &at); err != nil {
			return nil, err
		}
		k := key{agency, time.UnixMicro(at).In(locale.VN).Format("2006-01")}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, AgencyMonthCount{AgencyID: k.agency, Month: k.month})
		}
		if dir == "in" {
			out[i].Incoming++
		} else {
			out[i].Outgoing++
		}
	}
	return out, rows.Err()
}
