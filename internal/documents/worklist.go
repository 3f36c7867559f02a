package documents

import (
	"context"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// MaxWorklist bounds each list of the drafting pages.
const MaxWorklist = 100

// Worklist is what an official has to do in the outgoing flow.
type Worklist struct {
	Mine      []*Document // drafts I started, not yet issued
	ToReview  []*Document // waiting for my decision (or my signature)
	ToIssue   []*Document // signed, waiting for the clerk (clerks only)
	Delivered []InboxItem // for clerks: delivered to my agency, not yet handled
}

// Worklist gathers a's lists; each document is rechecked with
// access.Permits, so nothing a may not read is listed.
func (s *Service) Worklist(ctx context.Context, a *actor.Actor) (*Worklist, error) {
	if a == nil {
		return nil, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập")
	}
	w := &Worklist{}
	var err error
	if w.Mine, err = s.docsWhere(ctx, a, access.DocumentsRead, `SELECT id FROM documents WHERE direction = 'out' AND created_by = $1
		AND status <> 'issued' ORDER BY id DESC`, a.AccountID); err != nil {
		return nil, err
	}
	if w.ToReview, err = s.docsWhere(ctx, a, access.DocumentsRead, `SELECT d.id FROM documents d
		JOIN documents_outgoing o ON o.document_id = d.id
		JOIN documents_chain c ON c.document_id = d.id AND c.position = o.step
		WHERE d.status = 'review' AND c.account_id = $1
		UNION SELECT d.id FROM documents d JOIN documents_outgoing o ON o.document_id = d.id
		WHERE d.status = 'approved' AND o.signer_id = $1 ORDER BY 1`, a.AccountID); err != nil {
		return nil, err
	}
	if agencies := actingFor(ctx, a, access.DocumentsOutgoingIssue); len(agencies) > 0 {
		args := make([]any, len(agencies))
		for i, g := range agencies {
			args[i] = g
		}
		if w.ToIssue, err = s.docsWhere(ctx, a, access.DocumentsOutgoingIssue, `SELECT id FROM documents WHERE direction = 'out'
			AND agency_id IN (`+placeholders(1, len(agencies))+`) AND status IN ('signed', 'numbered') ORDER BY id`, args...); err != nil {
			return nil, err
		}
	}
	if len(actingFor(ctx, a, access.DocumentsDeliveryReceive)) > 0 {
		if w.Delivered, err = s.Inbox(ctx, a); err != nil {
			return nil, err
		}
	}
	return w, nil
}

func (s *Service) docsWhere(ctx context.Context, a *actor.Actor, action access.Action, query string, args ...any) ([]*Document, error) {
	var ids []int64
	if err := eachRow(ctx, s.db.Reader(), query+` LIMIT `+idText(MaxWorklist), args, func(sc scanner) error {
		var id int64
		if err := sc.Scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
		return nil
	}); err != nil {
		return nil, err
	}
	out := []*Document{}
	for _, id := range ids {
		d, err := s.load(ctx, s.db.Reader(), id)
		if err != nil {
			return nil, err
		}
		if access.Permits(ctx, a, action, d.Resource()) {
			out = append(out, d)
		}
	}
	return out, nil
}
