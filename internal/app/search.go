package app

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/search"
	"github.com/chinhquyen/chinhquyen/internal/search/docsearch"
)

// SearchKindDocument is the search index's kind of official documents.
const SearchKindDocument = docsearch.Kind

// buildSearch builds the full-text index and feeds it every document in
// the document's own transaction. A subtree grant covers today's subtree
// of its agency, as access.Can resolves it through the Guard's tree;
// documents are read through access.DocumentsRead.
//
// An index a migration marked for rebuilding (its text is folded in Go) is
// refilled here, before anything serves.
func (a *App) buildSearch(ctx context.Context) error {
	a.Search = search.New(a.DB, search.Options{Logger: a.Log, Subtree: func(ctx context.Context, root int64) ([]int64, error) {
		return a.Org.Subtree(ctx, root, org.Date{})
	}})
	a.Search.Register(SearchKindDocument, access.DocumentsRead)
	if a.Documents != nil {
		a.Documents.SetIndex(func(ctx context.Context, tx *sql.Tx, d documents.IndexDoc) error {
			if err := a.Search.Index(ctx, tx, searchDocOf(d)); err != nil {
				return err
			}
			return a.enqueueTextract(ctx, tx, d)
		})
		a.Jobs.Register(textractJob, a.runTextract)
	}
	n, err := a.Search.Reindex(ctx)
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if n > 0 {
		a.Log.Info("search index rebuilt", "entries", n)
	}
	return nil
}

// searchDocOf is what the index keeps of a document: the symbol and
// summary rank as its title (two lines, which docsearch splits back); the
// sender as its body, to which the index adds the extracted text of its
// attachments (textract.go).
func searchDocOf(d documents.IndexDoc) search.Doc {
	date, _ := calendar.ParseISO(d.IssuedOn)
	r := d.Resource
	return search.Doc{Kind: SearchKindDocument, ID: d.ID,
		AgencyID: r.AgencyID, OwnerID: r.OwnerID, Level: r.Level, Units: named(r.Units), People: named(r.People), PersonalData: r.PersonalData, Handlers: named(r.Handlers),
		Title: docsearch.Title(d.Symbol, d.Summary), Body: d.Sender,
		Type: d.Type, Status: d.Status, Urgency: string(d.Urgency), Date: date}
}

// named drops the ids that name nobody (0: a document the system itself
// created has no creator), which the index refuses and access never
// matches.
func named(ids []int64) []int64 {
	return slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return id <= 0 })
}
