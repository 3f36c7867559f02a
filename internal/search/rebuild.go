package search

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/chinhquyen/chinhquyen/internal/access"
)

// Reindex refills the full-text index from search_entries (which keeps
// each entry's original text and access fields) when a migration asked for
// it (a row in search_rebuild): the folded text is made in Go, so SQL alone
// cannot. It works in transactions of rebuildBatch entries and records its
// progress in the same transaction, so an interrupted start resumes where
// it stopped; it returns how many entries it reindexed. Entries written
// meanwhile by running code are indexed by that code, and reindexing one
// again gives the same rows.
func (s *Service) Reindex(ctx context.Context) (int, error) {
	const rebuildBatch = 500
	n := 0
	for {
		var after int64
		err := s.db.Reader().QueryRowContext(ctx, "SELECT after_id FROM search_rebuild").Scan(&after)
		if err == sql.ErrNoRows {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("search: reindex: %w", err)
		}
		done := false
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			docs, entries, err := entriesAfter(ctx, tx, after, rebuildBatch)
			if err != nil {
				return err
			}
			for _, id := range entries {
				if err := s.eng.drop(ctx, tx, id); err != nil {
					return err
				}
			}
			texts := make([]ftsRow, len(docs))
			for i, d := range docs {
				texts[i] = ftsRowOf(d, d.Body)
			}
			if len(docs) > 0 {
				if err := s.eng.putMany(ctx, tx, entries, texts); err != nil {
					return err
				}
			}
			n += len(docs)
			if len(docs) < rebuildBatch {
				done = true
				_, err = tx.ExecContext(ctx, "DELETE FROM search_rebuild")
				return err
			}
			_, err = tx.ExecContext(ctx, "UPDATE search_rebuild SET after_id = $1", entries[len(entries)-1])
			return err
		})
		if err != nil {
			return n, fmt.Errorf("search: reindex: %w", err)
		}
		if done {
			return n, nil
		}
	}
}

// entriesAfter reads up to limit entries after id as Docs (access fields
// and text, named readers included), with their entry ids.
func entriesAfter(ctx context.Context, tx *sql.Tx, after int64, limit int) ([]Doc, []int64, error) {
	rs, err := tx.QueryContext(ctx, `SELECT id, agency_id, owner_id, level, personal, title, body, extra FROM search_entries WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, nil, err
	}
	var docs []Doc
	var entries []int64
	for rs.Next() {
		var d Doc
		var id int64
		var level int
		var extra string
		if err := rs.Scan(&id, &d.AgencyID, &d.OwnerID, &level, &d.PersonalData, &d.Title, &d.Body, &extra); err != nil {
			rs.Close()
			return nil, nil, err
		}
		d.Level = access.Level(level)
		d.Body = joinBody(d.Body, extra)
		docs = append(docs, d)
		entries = append(entries, id)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return nil, nil, err
	}
	for i := range docs {
		var res access.Resource
		if err := readers(ctx, tx, entries[i], &res); err != nil {
			return nil, nil, err
		}
		docs[i].Units, docs[i].People, docs[i].Handlers = res.Units, res.People, res.Handlers
	}
	return docs, entries, nil
}
