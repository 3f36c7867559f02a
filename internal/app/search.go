package app

import (
	"context"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/search"
)

// buildSearch builds the full-text index. A subtree grant covers today's
// subtree of its agency, as access.Can resolves it through the Guard's
// tree; documents are read through access.DocumentsRead.
func (a *App) buildSearch() {
	a.Search = search.New(a.DB, search.Options{Logger: a.Log, Subtree: func(ctx context.Context, root int64) ([]int64, error) {
		return a.Org.Subtree(ctx, root, org.Date{})
	}})
	a.Search.Register(SearchKindDocument, access.DocumentsRead)
}

// SearchKindDocument is the search index's kind of official documents.
const SearchKindDocument = "document"
