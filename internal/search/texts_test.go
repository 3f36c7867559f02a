package search

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// A file's extracted text is found with the object, highlighted in the
// snippet, kept when the object is indexed again, and its state is listed;
// a file not yet extracted is pending.
func TestExtractedTextsAreIndexedWithTheObject(t *testing.T) {
	dbtest.Each(t, []db.Migrations{Migrations}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		now := time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)
		doc := Doc{Kind: kindDoc, ID: 1, AgencyID: 3, Level: access.Internal, Title: "5/UBND-VP\nVề việc báo cáo", Body: "UBND tỉnh"}
		var added []string
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if err := s.Index(ctx, tx, doc); err != nil {
				return err
			}
			var err error
			added, err = s.MarkPending(ctx, tx, kindDoc, 1, []string{"up-a", "up-b"}, now)
			return err
		})
		if err != nil || !slices.Equal(added, []string{"up-a", "up-b"}) {
			t.Fatalf("mark pending: %v %v", added, err)
		}
		reader := specialist(8, 3, "noi_bo")
		if r := search(t, s, reader, Query{Text: "quang tri"}); r.Total != 0 {
			t.Fatalf("found before extraction: %+v", r)
		}
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			if err := s.SetText(ctx, tx, kindDoc, 1, Text{Source: "up-a", Status: TextDone, Method: "ocr", UpdatedAt: now}, "Tỉnh Quảng Trị, ngày 20 tháng 11"); err != nil {
				return err
			}
			if err := s.SetText(ctx, tx, kindDoc, 1, Text{Source: "up-b", Status: TextUnavailable, UpdatedAt: now}, "ignored"); err != nil {
				return err
			}
			return s.Refresh(ctx, tx, kindDoc, 1)
		})
		if err != nil {
			t.Fatal(err)
		}
		r := search(t, s, reader, Query{Text: "quang tri"})
		if r.Total != 1 || r.Items[0].Snippet.Text == "" || len(r.Items[0].Snippet.Marks) != 2 {
			t.Fatalf("after extraction: %+v", r)
		}
		if got := r.Items[0].Snippet.Text[r.Items[0].Snippet.Marks[0].Start:r.Items[0].Snippet.Marks[1].End]; got != "Quảng Trị" {
			t.Errorf("snippet marks %q", got)
		}
		if r := search(t, s, reader, Query{Text: "ignored"}); r.Total != 0 {
			t.Error("the text of a file not done is indexed")
		}
		// The object written again (a status change) keeps its files' text.
		doc.Status = "issued"
		index(t, s, d, doc)
		if r := search(t, s, reader, Query{Text: "quang tri", Filters: Filters{Status: "issued"}}); r.Total != 1 {
			t.Errorf("re-indexed object lost its extracted text: %+v", r)
		}
		texts, err := s.Texts(ctx, kindDoc, 1)
		if err != nil || len(texts) != 2 || texts[0].Status != TextDone || texts[0].Chars == 0 || texts[1].Status != TextUnavailable {
			t.Errorf("texts: %+v %v", texts, err)
		}
		// Known files are not pending again.
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			added, err = s.MarkPending(ctx, tx, kindDoc, 1, []string{"up-a", "up-c"}, now)
			return err
		})
		if err != nil || !slices.Equal(added, []string{"up-c"}) {
			t.Errorf("second mark: %v %v", added, err)
		}
	})
}

// A migration that asks for it has the index refilled from search_entries
// (words, access and extracted text), resumably, once.
func TestReindexRefillsTheIndex(t *testing.T) {
	dbtest.Each(t, []db.Migrations{Migrations}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		var docs []Doc
		for i := 1; i <= 1200; i++ {
			docs = append(docs, Doc{Kind: kindDoc, ID: int64(i), AgencyID: int64(1 + i%2), Level: access.Internal, Title: "Công văn Đà Nẵng"})
		}
		if err := d.Tx(ctx, func(tx *sql.Tx) error { return s.IndexMany(ctx, tx, docs) }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Reindex(ctx); err != nil { // the migration's own mark
			t.Fatal(err)
		}
		// The full-text rows lost, and the mark set, as by a migration.
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			q := "DELETE FROM search_fts"
			if d.Dialect == db.Postgres {
				q = "UPDATE search_fts SET tsv = ''::tsvector"
			}
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO search_rebuild (after_id) VALUES (0)")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		reader := specialist(8, 2, "noi_bo")
		if r := search(t, s, reader, Query{Text: "da nang"}); r.Total != 0 {
			t.Fatalf("found without the full-text rows: %d", r.Total)
		}
		n, err := s.Reindex(ctx)
		if err != nil || n != 1200 {
			t.Fatalf("reindex: %d %v", n, err)
		}
		if r := search(t, s, reader, Query{Text: "da nang"}); r.Total != 600 {
			t.Errorf("after reindex: %d, want 600 (agency 2's)", r.Total)
		}
		if n, err := s.Reindex(ctx); err != nil || n != 0 {
			t.Errorf("second reindex: %d %v", n, err)
		}
	})
}
