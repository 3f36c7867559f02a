package exchange

import (
	"context"
	"database/sql"
	"net/http"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
)

// RemoteAgencies lists the agencies hosted by peers, by code.
func (s *Service) RemoteAgencies(ctx context.Context) ([]RemoteAgency, error) { return nil, nil }

// PeerFor returns the peer hosting the agency code; ENOTFOUND when none does.
func (s *Service) PeerFor(ctx context.Context, code string) (*Peer, error) {
	return nil, apperr.New(apperr.NotFound, "Không có nút kết nối nào quản lý mã định danh %q", code)
}

// Enqueue stores out as an outbound message and queues its delivery, in tx.
func (s *Service) Enqueue(ctx context.Context, tx *sql.Tx, out Outbound) error {
	return apperr.New(apperr.Unavailable, "Chưa hỗ trợ")
}

func (s *Service) deliver(ctx context.Context, j jobs.Job) error { return nil }

func (s *Service) serveDirectory(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not implemented", http.StatusNotImplemented)
}

func (s *Service) servePackage(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not implemented", http.StatusNotImplemented)
}
