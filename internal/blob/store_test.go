package blob_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/blob/blobtest"
)

func TestLocalConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store {
		s, err := blob.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestS3Conformance(t *testing.T) {
	srv := blobtest.NewS3Server(t, "files")
	var n atomic.Int64
	blobtest.Run(t, func(t *testing.T) blob.Store {
		cfg := srv.Config("files", fmt.Sprintf("run%d", n.Add(1)))
		cfg.SpoolDir = t.TempDir()
		s, err := blob.NewS3(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
