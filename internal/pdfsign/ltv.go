package pdfsign

import (
	"context"
	"crypto"
	"crypto/x509"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// ValidationDataOptions configure AddValidationData.
type ValidationDataOptions struct {
	Revocation RevocationSource
	ExtraCerts []*x509.Certificate
	Now        func() time.Time
}

// ValidationDataResult describes the DSS written.
type ValidationDataResult struct{}

// AddValidationData appends a DSS.
func AddValidationData(ctx context.Context, in []byte, opts ValidationDataOptions) ([]byte, *ValidationDataResult, error) {
	return nil, nil, apperr.New(apperr.Internal, "Chưa hỗ trợ mức B-LT.")
}

// DocTimestampOptions configure AddDocumentTimestamp.
type DocTimestampOptions struct {
	TimeStamper TimeStamper
	Hash        crypto.Hash
}

// AddDocumentTimestamp appends a document time-stamp.
func AddDocumentTimestamp(ctx context.Context, in []byte, opts DocTimestampOptions) ([]byte, any, error) {
	return nil, nil, apperr.New(apperr.Internal, "Chưa hỗ trợ mức B-LTA.")
}
