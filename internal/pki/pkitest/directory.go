package pkitest

import (
	"context"
	"sync"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/pki"
)

// Directory is a register of agencies and officials kept in memory, for
// tests and bench runs that have no organisation register: the application
// gives the CA one over org and identity.
type Directory struct {
	mu        sync.Mutex
	agencies  map[int64]pki.Subject
	officials map[int64]official
}

type official struct {
	agency  int64
	subject pki.Subject
}

var _ pki.Directory = (*Directory)(nil)

// NewDirectory returns an empty directory.
func NewDirectory() *Directory {
	return &Directory{agencies: map[int64]pki.Subject{}, officials: map[int64]official{}}
}

// SetAgency registers (or replaces) agency id with the subject of its seal.
func (d *Directory) SetAgency(id int64, seal pki.Subject) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.agencies[id] = seal
}

// SetOfficial registers (or replaces) the official signing in with account,
// serving in agency.
func (d *Directory) SetOfficial(account, agency int64, subject pki.Subject) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.officials[account] = official{agency, subject}
}

// AgencySeal implements pki.Directory.
func (d *Directory) AgencySeal(_ context.Context, id int64, _ time.Time) (pki.Subject, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.agencies[id]
	if !ok {
		return pki.Subject{}, apperr.New(apperr.NotFound, "Không có cơ quan mã số %d", id)
	}
	return s, nil
}

// Official implements pki.Directory.
func (d *Directory) Official(_ context.Context, account int64, _ time.Time) (pki.Subject, int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	o, ok := d.officials[account]
	if !ok {
		return pki.Subject{}, 0, apperr.New(apperr.NotFound, "Tài khoản %d không gắn với hồ sơ cán bộ nào", account)
	}
	return o.subject, o.agency, nil
}
