package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/search"
	"github.com/chinhquyen/chinhquyen/internal/textract"
)

// textractJob extracts the text of a document's attachments (PDF text
// layer, OCR of scans and images) and puts it in the search index.
const textractJob = "search.textract"

// textractMaxFile bounds the bytes of one attachment read for its text.
const textractMaxFile = 64 << 20

type textractPayload struct {
	Document int64 `json:"document"`
}

// enqueueTextract, in the document's transaction: its attachments the
// index does not know yet are recorded as pending and one job is queued
// for the document (the job exists iff the document was written).
func (a *App) enqueueTextract(ctx context.Context, tx *sql.Tx, d documents.IndexDoc) error {
	if len(d.Attachments) == 0 {
		return nil
	}
	added, err := a.Search.MarkPending(ctx, tx, SearchKindDocument, d.ID, d.Attachments, a.Now())
	if err != nil || len(added) == 0 {
		return err
	}
	payload, _ := json.Marshal(textractPayload{Document: d.ID})
	_, err = jobs.Enqueue(ctx, tx, jobs.Job{Kind: textractJob, Payload: payload, UniqueKey: textractJob + ":" + strconv.FormatInt(d.ID, 10), MaxAttempts: 5})
	return err
}

// runTextract reads each pending attachment of the document, extracts its
// text, and records its outcome and the refreshed index entry in one
// transaction. A file that cannot be read as text is recorded as such
// (unavailable without the programs, unsupported, failed with the
// reason), not retried: the document page says its content is not
// searchable yet. Only a file store that does not answer is retried.
func (a *App) runTextract(ctx context.Context, j jobs.Job) error {
	var p textractPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.Document <= 0 {
		return jobs.Permanent(fmt.Errorf("search.textract: bad payload %q", j.Payload))
	}
	texts, err := a.Search.Texts(ctx, SearchKindDocument, p.Document)
	if err != nil {
		return err
	}
	for _, t := range texts {
		if t.Status != search.TextPending {
			continue
		}
		t, text, err := a.extractUpload(ctx, t.Source)
		if err != nil {
			return err
		}
		// Each file committed on its own: an OCR of many pages may end
		// with the job's lease, and what was done stays done.
		err = a.DB.Tx(ctx, func(tx *sql.Tx) error {
			if err := a.Search.SetText(ctx, tx, SearchKindDocument, p.Document, t, text); err != nil {
				return err
			}
			return a.Search.Refresh(ctx, tx, SearchKindDocument, p.Document)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// extractUpload reads one upload and extracts its text; the error is only
// for a file store that did not answer (worth retrying).
func (a *App) extractUpload(ctx context.Context, id string) (search.Text, string, error) {
	t := search.Text{Source: id, Status: search.TextFailed}
	rc, up, err := a.Blob.Open(ctx, id)
	if err != nil {
		return t, "", fmt.Errorf("search.textract: open upload %s: %w", id, err)
	}
	data, err := io.ReadAll(io.LimitReader(rc, textractMaxFile+1))
	rc.Close()
	if err != nil {
		return t, "", fmt.Errorf("search.textract: read upload %s: %w", id, err)
	}
	t.UpdatedAt = a.Now()
	var res textract.Result
	switch {
	case len(data) > textractMaxFile:
		t.Detail = "Tệp quá lớn để đọc nội dung"
		return t, "", nil
	case up.MediaType == "application/pdf":
		res, err = textract.PDF(ctx, data, textract.Options{})
	case up.MediaType == "image/png" || up.MediaType == "image/jpeg":
		res, err = textract.Image(ctx, data, textract.Options{})
	default:
		t.Status = search.TextUnsupported
		return t, "", nil
	}
	switch {
	case errors.Is(err, textract.ErrNoTools):
		t.Status = search.TextUnavailable
		return t, "", nil
	case err != nil:
		a.Log.Warn("text extraction failed", "upload", id, "err", err)
		t.Detail = "Không đọc được nội dung tệp"
		return t, "", nil
	case res.Text == "":
		t.Status, t.Method = search.TextEmpty, string(res.Method)
		return t, "", nil
	}
	t.Status, t.Method = search.TextDone, string(res.Method)
	return t, res.Text, nil
}
