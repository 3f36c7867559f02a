package pdf

import (
	"context"
	"fmt"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
)

// Limits bound the work of reading one document, over the Reader's whole
// life and all its AsOf views: a file small enough to upload must not be
// able to make the reader recurse without end, allocate gigabytes or run
// for minutes. Exceeding any of them fails the document with ErrTooComplex.
type Limits struct {
	// MaxDepth bounds the nesting of arrays and dictionaries.
	MaxDepth int
	// MaxObjects bounds the values parsed (every array element and
	// dictionary value counts, as does every cross-reference entry read),
	// counting again whatever is parsed again.
	MaxObjects int64
	// MaxDecoded bounds the bytes of all decoded streams together. Each
	// stream is decoded once and counted once.
	MaxDecoded int64
	// MaxTime bounds the time spent, on top of the context's deadline.
	MaxTime time.Duration
}

// DefaultLimits are used by Open. They leave room for any document a
// person uploads (at most a few tens of MB), whose validation parses a few
// thousand objects and decodes its cross-reference and object streams and
// the certificates, OCSP responses and CRLs of its DSS.
var DefaultLimits = Limits{
	MaxDepth:   maxDepth,
	MaxObjects: 1_000_000,
	MaxDecoded: 32 << 20,
	MaxTime:    20 * time.Second,
}

// budget is the one account of the work done on a document, shared by the
// Reader, its parsers and its AsOf views. Its error is sticky: once the
// budget is exceeded every later read fails fast with the same error.
type budget struct {
	lim      Limits
	ctx      context.Context
	deadline time.Time
	objects  int64
	copied   int64 // cross-reference data copied for AsOf views
	decoded  int64
	err      error
	// streams holds each stream's decoded bytes (or decoding error), so a
	// stream referred to many times is decoded and counted once.
	streams map[*Stream]decodedStream
}

type decodedStream struct {
	data []byte
	err  error
}

func newBudget(ctx context.Context, lim Limits) *budget {
	if ctx == nil {
		ctx = context.Background()
	}
	b := &budget{lim: lim, ctx: ctx, streams: map[*Stream]decodedStream{}}
	if lim.MaxTime > 0 {
		b.deadline = clock.Now().Add(lim.MaxTime)
	}
	return b
}

func tooComplex(format string, args ...any) error {
	return &apperr.Error{
		Code:    apperr.Invalid,
		Field:   "file",
		Message: "Tệp PDF quá phức tạp (lồng nhau quá sâu, quá nhiều đối tượng hoặc dữ liệu nén quá lớn) nên hệ thống không xử lý được.",
		Err:     fmt.Errorf("%w: "+format, append([]any{ErrTooComplex}, args...)...),
	}
}

// exceed records the first reason the budget ran out.
func (b *budget) exceed(format string, args ...any) error {
	if b.err == nil {
		b.err = tooComplex(format, args...)
	}
	return b.err
}

// object counts one parsed value; every 4096 it also looks at the clock.
func (b *budget) object() error {
	if b.err != nil {
		return b.err
	}
	b.objects++
	if b.lim.MaxObjects > 0 && b.objects > b.lim.MaxObjects {
		return b.exceed("more than %d objects parsed", b.lim.MaxObjects)
	}
	if b.objects&4095 == 0 {
		return b.tick()
	}
	return nil
}

// copiesPerObject is how much cross-reference data (entries, sections,
// trailer keys) AsOf views may copy per value the document may parse:
// copying one is far cheaper than parsing a value, and a document with a
// handful of revisions copies a handful of sections per view.
const copiesPerObject = 16

// copies counts n pieces of cross-reference data copied for AsOf views.
func (b *budget) copies(n int) error {
	if b.err != nil {
		return b.err
	}
	b.copied += int64(n)
	if b.lim.MaxObjects > 0 && b.copied > copiesPerObject*b.lim.MaxObjects {
		return b.exceed("more than %d pieces of cross-reference data copied for revision views", copiesPerObject*b.lim.MaxObjects)
	}
	return b.tick()
}

// tick checks the context and the time limit.
func (b *budget) tick() error {
	if b.err != nil {
		return b.err
	}
	if err := b.ctx.Err(); err != nil {
		return b.exceed("%v", err)
	}
	if !b.deadline.IsZero() && clock.Now().After(b.deadline) {
		return b.exceed("reading took longer than %v", b.lim.MaxTime)
	}
	return nil
}

// decodeRoom is how many more decoded bytes the document may hold.
func (b *budget) decodeRoom() int64 {
	if b.lim.MaxDecoded <= 0 {
		return MaxDecodedSize
	}
	return max(b.lim.MaxDecoded-b.decoded, 0)
}

// Err returns the error that ended reading because the document exceeded
// its limits (wrapping ErrTooComplex), or nil. Resolve and Dict turn
// unreadable objects into null, so a caller that walked the document
// with them checks Err before trusting what it saw.
func (r *Reader) Err() error { return r.b.err }
