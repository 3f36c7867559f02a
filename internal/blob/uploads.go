package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"os"
	"time"

	"filippo.io/age"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// DefaultMaxSize is the default upload limit (--upload-max): the size of
// the PDF routes' limit, which scanned decisions and dossiers fit.
const DefaultMaxSize = 20 << 20

// Options configure the upload service.
type Options struct {
	Store Store
	Audit *audit.Log
	Now   func() time.Time // clock.Now when nil
	// Keys seals the per-file keys of encrypted uploads; nil refuses
	// restricted and personal-data uploads (EUNAVAILABLE).
	Keys *Keyring
	// MaxSize bounds an upload (DefaultMaxSize when zero).
	MaxSize int64
	// InlineMax is the largest upload stored as sent that is kept in the
	// database with its row rather than in Store (DefaultInlineMax when
	// zero, none when negative).
	InlineMax int64
	// SpoolDir holds encrypted uploads over 1 MB (AES-CTR under an
	// in-memory key) while they are checked; smaller ones stay in memory.
	// os.TempDir() when empty.
	SpoolDir string
	Logger   *slog.Logger
}

// Service receives uploads, keeps their metadata and content, and purges
// those no module took within a day.
type Service struct {
	db   *db.DB
	opts Options
}

// New builds the service.
func New(d *db.DB, opts Options) (*Service, error) {
	if opts.Store == nil || opts.Audit == nil {
		return nil, errors.New("blob: Store and Audit are required")
	}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.MaxSize <= 0 {
		opts.MaxSize = DefaultMaxSize
	}
	if opts.InlineMax == 0 {
		opts.InlineMax = DefaultInlineMax
	}
	if opts.SpoolDir == "" {
		opts.SpoolDir = os.TempDir()
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Service{db: d, opts: opts}, nil
}

// MaxSize is the upload limit in bytes.
func (s *Service) MaxSize() int64 { return s.opts.MaxSize }

// Store is the object store under the service.
func (s *Service) Store() Store { return s.opts.Store }

// Request describes an upload besides its bytes.
type Request struct {
	Name string // as the client sent it; cleaned here
	// Level is the classification of the content; Restricted (hạn chế)
	// content is encrypted at rest, state-secret levels are refused.
	Level access.Level
	// PersonalData marks personal data (Law 91/2025/QH15): encrypted at rest.
	PersonalData bool
}

// Upload is an upload's metadata.
type Upload struct {
	ID           string
	SHA256       string // of the content as uploaded
	Size         int64
	MediaType    string
	Name         string
	Level        access.Level
	PersonalData bool
	Encrypted    bool
	Uploader     int64
	Refs         int64
	CreatedAt    time.Time
	stored       Hash
	storedSize   int64
	sealed       []byte
	keyID        string
	inline       []byte // the bytes, while recorded in the database
}

// encrypted says whether content of this classification is kept encrypted.
func (r Request) encrypted() bool { return r.Level == access.Restricted || r.PersonalData }

// UploadFile is Upload for a web form's file field.
func (s *Service) UploadFile(ctx context.Context, a *actor.Actor, fh *multipart.FileHeader, req Request) (Upload, error) {
	if fh.Size > s.opts.MaxSize {
		return Upload{}, s.tooLarge()
	}
	f, err := fh.Open()
	if err != nil {
		return Upload{}, apperr.Wrap(err, apperr.Invalid, "Không đọc được tệp tải lên")
	}
	defer f.Close()
	if req.Name == "" {
		req.Name = fh.Filename
	}
	return s.Upload(ctx, a, f, req)
}

func (s *Service) tooLarge() error {
	return apperr.FieldError("file", "Tệp lớn hơn giới hạn %s: hãy nén hoặc chia nhỏ tệp", sizeLabel(s.opts.MaxSize))
}

func sizeLabel(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d byte", n)
}

// Upload reads r (at most MaxSize bytes), checks its type from its
// content against its name, stores it (encrypted when req asks), and
// records it with its audit entry in one transaction. Nothing is recorded
// when any step fails; bytes stored for an upload whose transaction
// failed are recorded apart and removed by the purge.
func (s *Service) Upload(ctx context.Context, a *actor.Actor, r io.Reader, req Request) (Upload, error) {
	if a == nil {
		return Upload{}, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập để tải tệp lên")
	}
	if err := access.AllowContent(req.Level); err != nil {
		return Upload{}, err
	}
	res := access.Resource{Type: "upload", OwnerID: a.AccountID, AgencyID: a.AgencyID, Level: req.Level, PersonalData: req.PersonalData, People: []int64{a.AccountID}}
	if a.Kind == actor.System {
		res.OwnerID = 0
	}
	if err := access.Authorize(ctx, a, access.BlobUpload, res); err != nil {
		return Upload{}, err
	}
	u := Upload{
		ID: newID(), Level: req.Level, PersonalData: req.PersonalData, Encrypted: req.encrypted(), Uploader: a.AccountID,
		CreatedAt: s.opts.Now().UTC().Truncate(time.Microsecond),
	}
	if !u.Encrypted {
		return s.uploadClear(ctx, a, r, req, u)
	}
	if s.opts.Keys == nil {
		return Upload{}, apperr.New(apperr.Unavailable, "Chưa cấu hình khoá mã hoá tệp: không nhận tệp hạn chế hoặc có dữ liệu cá nhân")
	}
	f := &spillFile{dir: s.opts.SpoolDir}
	defer f.Close()
	sp, err := newSpool(f)
	if err != nil {
		return Upload{}, err
	}
	src := newLimitedHash(clientReader{r}, s.opts.MaxSize)
	if _, err := io.Copy(sp, ctxReader{ctx, src}); err != nil {
		if apperr.CodeOf(err) == apperr.Unavailable {
			return Upload{}, err
		}
		return Upload{}, s.readError(ctx, err)
	}
	plain := src.info()
	if u.MediaType, u.Name, err = checkContent(sp, plain.Size, req.Name); err != nil {
		return Upload{}, err
	}
	u.SHA256, u.Size = plain.Hash.String(), plain.Size
	// A concurrent purge may remove an object this upload found already
	// stored; record then sees it missing and asks for one more store.
	for attempt := 0; ; attempt++ {
		if err := s.store(ctx, &u, sp, plain); err != nil {
			return Upload{}, err
		}
		err := s.record(ctx, a, u)
		if errors.Is(err, errObjectGone) && attempt == 0 {
			continue
		}
		if err != nil {
			s.keepOrphan(ctx, u)
			return Upload{}, err
		}
		return u, nil
	}
}

// uploadClear streams content stored as sent straight into the store,
// which hashes it once and lets checkContent see it before it takes its
// name: no spool, one write, one fsync. The upload is recorded while the
// store makes the object's name durable (PutOptions.Placed): the row's
// commit and the folder's fsync wait on the disk together, and the client
// hears of neither before both are done. Should the machine stop between
// the two, the row may survive without its object; no client was given
// its id, nothing references it, and the purge removes it a day later.
func (s *Service) uploadClear(ctx context.Context, a *actor.Actor, r io.Reader, req Request, u Upload) (Upload, error) {
	if limit := s.inlineMax(); limit > 0 {
		head, whole, err := readHead(ctx, r, limit)
		if err != nil {
			return Upload{}, s.readError(ctx, err)
		}
		if whole {
			return s.uploadInline(ctx, a, head, req, u)
		}
		r = io.MultiReader(bytes.NewReader(head), r)
	}
	recorded := false
	var rerr error
	_, err := s.opts.Store.Put(ctx, clientReader{r}, PutOptions{Limit: s.opts.MaxSize,
		Check: func(ra io.ReaderAt, size int64) (string, error) {
			var err error
			u.MediaType, u.Name, err = checkContent(ra, size, req.Name)
			return u.MediaType, err
		},
		Placed: func(info Info) error {
			u.SHA256, u.Size = info.Hash.String(), info.Size
			u.stored, u.storedSize = info.Hash, info.Size
			rerr = s.record(ctx, a, u)
			recorded = rerr == nil
			return rerr
		}})
	switch {
	case err == nil:
		return u, nil
	case rerr != nil && errors.Is(rerr, errObjectGone):
		// The bytes were streamed and are gone with the object a purge
		// removed this very moment: the client sends them again.
		return Upload{}, apperr.New(apperr.Unavailable, "Kho tệp đang dọn dẹp đúng tệp này, vui lòng gửi lại")
	case rerr != nil:
		s.keepOrphan(ctx, u)
		return Upload{}, rerr
	case recorded:
		// Recorded, but the store could not make the object durable:
		// the client is told it failed, so the upload goes too.
		s.forget(ctx, u, err)
		return Upload{}, apperr.Wrap(err, apperr.Unavailable, "Không lưu được tệp vào kho tệp, vui lòng thử lại")
	case apperr.CodeOf(err) == apperr.Invalid:
		return Upload{}, err
	}
	return Upload{}, s.readError(ctx, err)
}

// forget deletes an upload recorded while its object failed to become
// durable, with an audit entry; if the database is unreachable the row
// stays, unreferenced, until the purge.
func (s *Service) forget(ctx context.Context, u Upload, cause error) {
	ctx = context.WithoutCancel(ctx)
	sys := actor.SystemActor("blob.upload")
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM blob_uploads WHERE id = $1 AND refs = 0`, u.ID); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: sys, Action: "blob.upload.purge", ObjectType: "upload", ObjectID: u.ID,
			Summary: map[string]any{"size": u.Size, "media_type": u.MediaType}, Reason: "kho tệp không lưu bền được tệp"})
	})
	if err != nil {
		s.opts.Logger.Warn("upload left recorded after its object failed to sync", "id", u.ID, "cause", cause, "err", err)
	}
}

// spoolMemory is how much of an encrypted upload the spool keeps in
// memory before it spills to a temporary file: most uploads (a scanned
// page, a filled-in form) fit, and then cost no file on disk, while a
// request's memory stays bounded whatever the upload limit.
const spoolMemory = 1 << 20

// spillFile is the spool's backing: memory up to spoolMemory, then a
// temporary file in dir holding everything written.
type spillFile struct {
	dir string
	mem []byte
	f   *os.File
}

func (s *spillFile) Write(p []byte) (int, error) {
	if s.f == nil && len(s.mem)+len(p) <= spoolMemory {
		s.mem = append(s.mem, p...)
		return len(p), nil
	}
	if s.f == nil {
		f, err := os.CreateTemp(s.dir, "chinhquyen-upload-*")
		if err != nil {
			return 0, apperr.Wrap(err, apperr.Unavailable, "Không lưu tạm được tệp tải lên")
		}
		s.f = f
		if _, err := f.Write(s.mem); err != nil {
			return 0, err
		}
		s.mem = nil
	}
	return s.f.Write(p)
}

func (s *spillFile) ReadAt(p []byte, off int64) (int, error) {
	if s.f != nil {
		return s.f.ReadAt(p, off)
	}
	if off >= int64(len(s.mem)) {
		return 0, io.EOF
	}
	n := copy(p, s.mem[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Name is the temporary file's name, empty while in memory.
func (s *spillFile) Name() string {
	if s.f == nil {
		return ""
	}
	return s.f.Name()
}

// Close removes the temporary file, if any.
func (s *spillFile) Close() error {
	s.mem = nil
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	os.Remove(s.f.Name())
	return err
}

// keepOrphan records an object stored for an upload whose transaction
// failed, so the purge removes it a day later like any unused object.
// If the database is unreachable the object stays unrecorded, where only
// an operator's look at the store finds it.
func (s *Service) keepOrphan(ctx context.Context, u Upload) {
	now := db.Micros(s.opts.Now())
	// The client may be gone; the record is the server's own business.
	ctx = context.WithoutCancel(ctx)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO blob_objects (stored_sha256, stored_size, created_at, touched_at) VALUES ($1, $2, $3, $3)
			ON CONFLICT (stored_sha256) DO NOTHING`, u.stored.String(), u.storedSize, now)
		return err
	})
	if err != nil {
		s.opts.Logger.Warn("stored file left unrecorded after a failed upload", "sha256", u.stored.String(), "err", err)
	}
}

// checkContent sniffs the type and checks the cleaned name against it.
func checkContent(ra io.ReaderAt, size int64, name string) (mediaType, cleaned string, err error) {
	if mediaType, err = Sniff(ra, size); err != nil {
		return "", "", err
	}
	cleaned, err = NameForType(CleanName(name), mediaType)
	return mediaType, cleaned, err
}

// readError turns a failure reading the client's stream into what the
// client is told.
func (s *Service) readError(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, ErrTooLarge) || isMaxBytes(err):
		return s.tooLarge()
	case ctx.Err() != nil:
		return apperr.Wrap(err, apperr.Invalid, "Tải tệp lên bị ngắt giữa chừng")
	case errors.As(err, new(clientError)):
		return apperr.Wrap(err, apperr.Invalid, "Không đọc được tệp tải lên")
	}
	return apperr.Wrap(err, apperr.Unavailable, "Không lưu được tệp vào kho tệp, vui lòng thử lại")
}

// clientReader marks the errors of the client's stream, to tell them from
// the store's.
type clientReader struct{ r io.Reader }

type clientError struct{ err error }

func (e clientError) Error() string { return e.err.Error() }
func (e clientError) Unwrap() error { return e.err }

func (c clientReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		err = clientError{err}
	}
	return n, err
}

func isMaxBytes(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}

var errObjectGone = errors.New("blob: object removed by a concurrent purge")

func newID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// store encrypts the spooled content to a new per-file identity, writes
// it to the store and seals the identity, and checks that what it read
// back from the spool is what was received.
func (s *Service) store(ctx context.Context, u *Upload, sp *spool, plain Info) error {
	sum := sha256.New()
	content := io.TeeReader(io.NewSectionReader(sp, 0, plain.Size), sum)
	pr, pw := io.Pipe()
	var identity string
	go func() {
		w, id, err := encrypter(pw)
		identity = id
		if err == nil {
			_, err = io.Copy(w, content)
		}
		if err == nil {
			err = w.Close()
		}
		pw.CloseWithError(err)
	}()
	info, err := s.opts.Store.Put(ctx, pr, PutOptions{MediaType: "application/octet-stream"})
	pr.CloseWithError(io.ErrClosedPipe)
	if err == nil {
		u.sealed, err = s.opts.Keys.seal(identity, sealAAD(u.ID, info.Hash))
		u.keyID = s.opts.Keys.ID()
	}
	if err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "Không lưu được tệp vào kho tệp, vui lòng thử lại")
	}
	if [32]byte(sum.Sum(nil)) != plain.Hash {
		return apperr.New(apperr.Internal, "Tệp tạm bị thay đổi trong khi lưu: không nhận tệp này")
	}
	u.stored, u.storedSize = info.Hash, info.Size
	return nil
}

// record writes the upload's row and audit entry. The object's row is
// touched (locked on PostgreSQL) before its presence is checked, so a
// purge either sees this upload or has already removed the object, which
// the check then notices.
func (s *Service) record(ctx context.Context, a *actor.Actor, u Upload) error {
	now := db.Micros(s.opts.Now())
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO blob_objects (stored_sha256, stored_size, created_at, touched_at) VALUES ($1, $2, $3, $3)
			ON CONFLICT (stored_sha256) DO UPDATE SET touched_at = excluded.touched_at`, u.stored.String(), u.storedSize, now); err != nil {
			return err
		}
		if u.inline != nil {
			if err := storeInline(ctx, tx, u.stored, u.inline); err != nil {
				return err
			}
		} else if _, err := s.opts.Store.Stat(ctx, u.stored); errors.Is(err, ErrNotFound) {
			return errObjectGone
		} else if err != nil {
			return apperr.Wrap(err, apperr.Unavailable, "Không kiểm tra được kho tệp, vui lòng thử lại")
		}
		personal := 0
		if u.PersonalData {
			personal = 1
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO blob_uploads (id, sha256, size, media_type, name, stored_sha256, wrapped_key, key_id, uploader, classification, personal_data, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			u.ID, u.SHA256, u.Size, u.MediaType, u.Name, u.stored.String(), u.sealed, u.keyID, u.Uploader, u.Level.String(), personal, db.Micros(u.CreatedAt)); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: "blob.upload.create", ObjectType: "upload", ObjectID: u.ID,
			After:   map[string]any{"sha256": u.SHA256, "size": u.Size, "media_type": u.MediaType, "name": u.Name, "classification": u.Level.String(), "personal_data": u.PersonalData, "encrypted": u.Encrypted},
			Summary: map[string]any{"size": u.Size, "media_type": u.MediaType, "encrypted": u.Encrypted}})
	})
}

const uploadColumns = `id, sha256, size, media_type, name, stored_sha256, wrapped_key, key_id, uploader, classification, personal_data, refs, created_at`

func scanUpload(row interface{ Scan(...any) error }) (Upload, error) {
	var u Upload
	var stored, level string
	var personal, created int64
	if err := row.Scan(&u.ID, &u.SHA256, &u.Size, &u.MediaType, &u.Name, &stored, &u.sealed, &u.keyID, &u.Uploader, &level, &personal, &u.Refs, &created); err != nil {
		return u, err
	}
	u.stored, _ = ParseHash(stored)
	u.Level, _ = access.ParseLevel(level)
	u.PersonalData = personal != 0
	u.Encrypted = u.sealed != nil
	u.CreatedAt = db.FromMicros(created)
	return u, nil
}

func notFoundUpload(id string) error {
	return apperr.New(apperr.NotFound, "Không tìm thấy tệp tải lên %q (có thể đã quá hạn sử dụng và bị xoá)", id)
}

// Get reads an upload's metadata. It decides no access: the module that
// references the upload answers for who may see it.
func (s *Service) Get(ctx context.Context, id string) (Upload, error) {
	u, err := scanUpload(s.db.Reader().QueryRowContext(ctx, `SELECT `+uploadColumns+` FROM blob_uploads WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, notFoundUpload(id)
	}
	return u, err
}

// Reference marks an upload used by the caller's change, inside the
// caller's transaction (the caller's audit entry records the change): a
// referenced upload is never purged. Only its uploader (or the system)
// may reference it; to anyone else it does not exist.
func (s *Service) Reference(ctx context.Context, tx *sql.Tx, id string, by *actor.Actor) (Upload, error) {
	if by == nil {
		return Upload{}, notFoundUpload(id)
	}
	u, err := scanUpload(tx.QueryRowContext(ctx, `UPDATE blob_uploads SET refs = refs + 1 WHERE id = $1 AND (uploader = $2 OR $3 = 1)
		RETURNING `+uploadColumns, id, by.AccountID, boolInt(by.Kind == actor.System)))
	if errors.Is(err, sql.ErrNoRows) {
		return u, notFoundUpload(id)
	}
	return u, err
}

// Release drops one reference taken by Reference, inside the caller's
// transaction; an upload left without references is purged a day later.
func (s *Service) Release(ctx context.Context, tx *sql.Tx, id string) error {
	_, err := tx.ExecContext(ctx, `UPDATE blob_uploads SET refs = refs - 1 WHERE id = $1 AND refs > 0`, id)
	return err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Open returns an upload's content as uploaded (decrypted when stored
// encrypted). The reader fails at its end when the bytes do not hash to
// the recorded SHA-256. It decides no access, like Get.
func (s *Service) Open(ctx context.Context, id string) (io.ReadCloser, Upload, error) {
	u, err := s.Get(ctx, id)
	if err != nil {
		return nil, u, err
	}
	rc, err := openStored(ctx, s.db.Reader(), s.opts.Store, u.stored)
	if err != nil {
		return nil, u, apperr.Wrap(err, apperr.Unavailable, "Không đọc được tệp %q từ kho tệp", u.Name)
	}
	var r io.Reader = rc
	if u.Encrypted {
		if s.opts.Keys == nil || s.opts.Keys.ID() != u.keyID {
			rc.Close()
			return nil, u, apperr.New(apperr.Unavailable, "Tệp %q được mã hoá bằng khoá khác khoá bí mật hiện tại của máy chủ", u.Name)
		}
		id, err := s.opts.Keys.open(u.sealed, sealAAD(u.ID, u.stored))
		if err == nil {
			r, err = age.Decrypt(rc, id)
		}
		if err != nil {
			rc.Close()
			return nil, u, apperr.Wrap(err, apperr.Internal, "Không giải mã được tệp %q", u.Name)
		}
	}
	want, _ := ParseHash(u.SHA256)
	return &verifyingReader{r: r, c: rc, h: sha256.New(), want: want}, u, nil
}

type verifyingReader struct {
	r    io.Reader
	c    io.Closer
	h    hashWriter
	want Hash
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	if err == io.EOF && [32]byte(v.h.Sum(nil)) != v.want {
		return n, fmt.Errorf("blob: content does not match its SHA-256 %s", v.want)
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.c.Close() }

// purgeBatch bounds one purge transaction.
const purgeBatch = 100

// PurgeUnreferenced deletes uploads no module referenced that are older
// than olderThan, with an audit entry each, and the stored objects no
// upload uses any more, in batches until none is left. It returns how
// many uploads it deleted.
func (s *Service) PurgeUnreferenced(ctx context.Context, olderThan time.Duration) (int, error) {
	total := 0
	for {
		n, err := s.purgeBatch(ctx, olderThan)
		total += n
		if err != nil || n < purgeBatch {
			return total, err
		}
	}
}

func (s *Service) purgeBatch(ctx context.Context, olderThan time.Duration) (int, error) {
	cutoff := db.Micros(s.opts.Now().Add(-olderThan))
	sys := actor.SystemActor("blob.purge")
	n := 0
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		n = 0
		rows, err := tx.QueryContext(ctx, `SELECT id, stored_sha256, size, media_type FROM blob_uploads WHERE refs = 0 AND created_at < $1 ORDER BY created_at LIMIT $2`, cutoff, purgeBatch)
		if err != nil {
			return err
		}
		type victim struct {
			id, stored, mt string
			size           int64
		}
		var vs []victim
		for rows.Next() {
			var v victim
			if err := rows.Scan(&v.id, &v.stored, &v.size, &v.mt); err != nil {
				rows.Close()
				return err
			}
			vs = append(vs, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		objects := map[string]bool{}
		for _, v := range vs {
			if _, err := tx.ExecContext(ctx, `DELETE FROM blob_uploads WHERE id = $1 AND refs = 0`, v.id); err != nil {
				return err
			}
			if err := s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: sys, Action: "blob.upload.purge", ObjectType: "upload", ObjectID: v.id,
				Summary: map[string]any{"size": v.size, "media_type": v.mt}, Reason: "không được sử dụng sau thời hạn"}); err != nil {
				return err
			}
			objects[v.stored] = true
			n++
		}
		// Objects no upload uses whose upload's transaction failed after
		// they were stored (see keepOrphan), or whose purge failed after
		// deleting them.
		orphans, err := tx.QueryContext(ctx, `SELECT stored_sha256 FROM blob_objects o WHERE touched_at < $1
			AND NOT EXISTS (SELECT 1 FROM blob_uploads u WHERE u.stored_sha256 = o.stored_sha256) LIMIT $2`, cutoff, purgeBatch)
		if err != nil {
			return err
		}
		for orphans.Next() {
			var stored string
			if err := orphans.Scan(&stored); err != nil {
				orphans.Close()
				return err
			}
			objects[stored] = true
		}
		orphans.Close()
		if err := orphans.Err(); err != nil {
			return err
		}
		// touched_at guards against an upload that found this object
		// stored and is recording it now: on PostgreSQL its touch holds
		// the row lock and, once committed, fails the re-checked condition.
		var gone []Hash
		for stored := range objects {
			res, err := tx.ExecContext(ctx, `DELETE FROM blob_objects WHERE stored_sha256 = $1 AND touched_at < $2
				AND NOT EXISTS (SELECT 1 FROM blob_uploads WHERE stored_sha256 = $1)`, stored, cutoff)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 1 {
				h, _ := ParseHash(stored)
				gone = append(gone, h)
			}
		}
		// Objects go inside the transaction: an upload that waits on
		// the row then finds the object missing and stores it again.
		for _, h := range gone {
			if err := s.opts.Store.Delete(ctx, h); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && n > 0 {
		s.opts.Logger.Info("purged unreferenced uploads", "count", n)
	}
	return n, err
}

// Download is Open for a person asking for an upload as such: its
// uploader (or the system) reads it; to anyone else it does not exist,
// and access records the refusal. Modules that reference an upload serve
// it through their own access checks and Open.
func (s *Service) Download(ctx context.Context, a *actor.Actor, id string) (io.ReadCloser, Upload, error) {
	if a == nil {
		return nil, Upload{}, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập để tải tệp về")
	}
	u, err := s.Get(ctx, id)
	if err != nil {
		return nil, Upload{}, err
	}
	res := access.Resource{Type: "upload", ID: u.ID, OwnerID: u.Uploader, Level: u.Level, PersonalData: u.PersonalData, People: []int64{u.Uploader}}
	if d := access.Can(ctx, a, access.BlobRead, res); !d.Allowed {
		if apperr.CodeOf(d.Err()) == apperr.Unauthorized {
			return nil, Upload{}, d.Err()
		}
		return nil, Upload{}, notFoundUpload(id)
	}
	return s.Open(ctx, id)
}
