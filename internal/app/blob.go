package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
)

// BlobConfig says where files live: the data folder's files/ (the
// default) or an S3-compatible bucket, which replicas on several
// machines must share.
type BlobConfig struct {
	URL                  string // s3://bucket/prefix; empty = the data folder
	Endpoint             string
	AccessKey, SecretKey string
	Region               string
	Insecure             bool
	// CAFile holds PEM certificates of the authorities the endpoint's TLS
	// certificate chains to, trusted beside the system's: a private
	// S3-compatible service inside the agency's network.
	CAFile string
	// UploadMaxMB bounds one upload, in MB; 0 = blob.DefaultMaxSize.
	UploadMaxMB int
}

func (c *BlobConfig) bind(b *config.Binder) {
	c.bindStore(b)
	b.Int(&c.UploadMaxMB, "upload-max", blob.DefaultMaxSize>>20, "largest accepted upload, in MB")
}

// BindBlobStore binds the flags that name the file store (--blob-url and
// its S3 settings), for commands that reach the store without serving.
func (c *Config) BindBlobStore(b *config.Binder) { c.Blob.bindStore(b) }

func (c *BlobConfig) bindStore(b *config.Binder) {
	b.String(&c.URL, "blob-url", "", "file store: empty = the files folder in the data folder, s3://bucket/prefix = an S3-compatible bucket (shared by replicas)")
	b.String(&c.Endpoint, "blob-endpoint", "", "S3 endpoint host[:port] of --blob-url, e.g. s3.example.vn or 127.0.0.1:9000")
	b.String(&c.AccessKey, "blob-access-key", "", "S3 access key of --blob-url")
	b.Secret(&c.SecretKey, "blob-secret-key", "S3 secret key of --blob-url")
	b.String(&c.Region, "blob-region", "", "S3 region of --blob-url (empty: the service's default)")
	b.Bool(&c.Insecure, "blob-insecure", false, "speak plain HTTP to --blob-endpoint (only for a service on loopback or a private network)")
	b.String(&c.CAFile, "blob-ca-file", "", "PEM file of the certificate authorities --blob-endpoint's TLS certificate chains to, trusted beside the system's (a private CA)")
}

func (c *BlobConfig) validate() error {
	if c.UploadMaxMB < 0 || c.UploadMaxMB > 1024 {
		return apperr.FieldError("upload-max", "--upload-max phải từ 1 đến 1024 (MB)")
	}
	if c.URL != "" {
		if _, _, err := blob.ParseS3URL(c.URL); err != nil {
			return err
		}
		if c.Endpoint == "" {
			return apperr.FieldError("blob-endpoint", "Kho tệp %s cần địa chỉ dịch vụ S3 (--blob-endpoint)", c.URL)
		}
	}
	if c.CAFile != "" && (c.URL == "" || c.Insecure) {
		return apperr.FieldError("blob-ca-file", "--blob-ca-file chỉ dùng với kho tệp S3 qua TLS (--blob-url s3://…, không kèm --blob-insecure)")
	}
	return nil
}

// transport trusts CAFile beside the system's authorities; nil (the
// driver's own transport) when no file is given.
func (c *BlobConfig) transport() (http.RoundTripper, error) {
	if c.CAFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "Không đọc được tệp chứng thư --blob-ca-file %s", c.CAFile)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, apperr.FieldError("blob-ca-file", "Tệp %s không chứa chứng thư PEM nào", c.CAFile)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return t, nil
}

// maxUpload is the upload limit in bytes.
func (c *BlobConfig) maxUpload() int64 {
	if c.UploadMaxMB <= 0 {
		return blob.DefaultMaxSize
	}
	return int64(c.UploadMaxMB) << 20
}

// spoolDir holds uploads while they are checked: on the data folder's
// disk, where the files go, rather than a RAM-backed /tmp.
func (c *Config) spoolDir() (string, error) {
	dir := filepath.Join(c.FilesDir(), "tmp")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", apperr.Wrap(err, apperr.Unavailable, "Không tạo được thư mục tạm của kho tệp %s", dir)
	}
	return dir, nil
}

// OpenBlobStore opens the file store cfg names.
func OpenBlobStore(ctx context.Context, cfg Config) (blob.Store, error) {
	if cfg.Blob.URL == "" {
		s, err := blob.NewLocal(cfg.FilesDir())
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Unavailable, "Không mở được kho tệp %s", cfg.FilesDir())
		}
		return s, nil
	}
	spool, err := cfg.spoolDir()
	if err != nil {
		return nil, err
	}
	tr, err := cfg.Blob.transport()
	if err != nil {
		return nil, err
	}
	return blob.NewS3(ctx, blob.S3Config{URL: cfg.Blob.URL, Endpoint: cfg.Blob.Endpoint, AccessKey: cfg.Blob.AccessKey,
		SecretKey: cfg.Blob.SecretKey, Region: cfg.Blob.Region, Insecure: cfg.Blob.Insecure, Transport: tr, SpoolDir: spool})
}

// blobPurgeAfter is how long an upload waits for a module to reference it.
const blobPurgeAfter = 24 * time.Hour

// buildBlob opens the file store and the upload service, whose
// encryption key derives from the platform secret key (see blob.Keyring
// for why that key), and schedules the purge of unreferenced uploads.
func (a *App) buildBlob(ctx context.Context, secretKey []byte) error {
	store, err := OpenBlobStore(ctx, a.Config)
	if err != nil {
		return err
	}
	keys, err := blob.NewKeyring(secretKey)
	if err != nil {
		return err
	}
	spool, err := a.Config.spoolDir()
	if err != nil {
		return err
	}
	a.Blob, err = blob.New(a.DB, blob.Options{Store: store, Audit: a.Audit, Now: a.Now, Keys: keys,
		MaxSize: a.Config.Blob.maxUpload(), SpoolDir: spool, Logger: a.Log})
	if err != nil {
		return fmt.Errorf("blob service: %w", err)
	}
	a.Jobs.Periodic(jobs.Periodic{Name: "blob.purge", Every: time.Hour, Handler: func(ctx context.Context, _ jobs.Job) error {
		_, err := a.Blob.PurgeUnreferenced(ctx, blobPurgeAfter)
		return err
	}})
	return nil
}
