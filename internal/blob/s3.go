package blob

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// S3Config names an S3-compatible bucket.
type S3Config struct {
	// URL is s3://bucket/prefix (the prefix may be empty).
	URL string
	// Endpoint is host[:port] of the S3 service, e.g. s3.example.vn or
	// 127.0.0.1:9000.
	Endpoint             string
	AccessKey, SecretKey string
	Region               string
	// Insecure speaks plain HTTP instead of HTTPS (a service on loopback).
	Insecure bool
	// Transport replaces the HTTP transport (tests give the test server's).
	Transport http.RoundTripper
	// SpoolDir holds an upload while it is hashed, before it goes to the
	// bucket under its hash; os.TempDir() when empty.
	SpoolDir string
}

// S3 keeps objects in a bucket under prefix/ab/<hash>.
type S3 struct {
	c              *minio.Client
	bucket, prefix string
	spool          string
	endpoint       string
}

// ParseS3URL splits s3://bucket/prefix.
func ParseS3URL(s string) (bucket, prefix string, err error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "s3" || u.Host == "" || u.User != nil || u.RawQuery != "" {
		return "", "", apperr.FieldError("blob-url", "Địa chỉ kho tệp %q không hợp lệ: dùng s3://tên-bucket/tiền-tố", s)
	}
	prefix = strings.Trim(u.Path, "/")
	if prefix != "" {
		prefix += "/"
	}
	return u.Host, prefix, nil
}

// NewS3 connects to the bucket, checking that it exists.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	bucket, prefix, err := ParseS3URL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Endpoint == "" {
		return nil, apperr.FieldError("blob-endpoint", "Thiếu địa chỉ dịch vụ S3 (--blob-endpoint) cho kho tệp %s", cfg.URL)
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:    !cfg.Insecure,
		Region:    cfg.Region,
		Transport: cfg.Transport,
		// Path-style works with every S3-compatible service; virtual
		// hosts need DNS for each bucket.
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "Không dùng được dịch vụ S3 %s", cfg.Endpoint)
	}
	ok, err := c.BucketExists(ctx, bucket)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không kết nối được dịch vụ S3 %s: %v", cfg.Endpoint, err)
	}
	if !ok {
		return nil, apperr.New(apperr.NotFound, "Không có bucket %q trên dịch vụ S3 %s: hãy tạo trước", bucket, cfg.Endpoint)
	}
	spool := cfg.SpoolDir
	if spool == "" {
		spool = os.TempDir()
	}
	return &S3{c: c, bucket: bucket, prefix: prefix, spool: spool, endpoint: cfg.Endpoint}, nil
}

// Describe names the bucket.
func (s *S3) Describe() string { return "s3://" + s.bucket + "/" + s.prefix + " at " + s.endpoint }

func (s *S3) key(h Hash) string {
	x := h.String()
	return s.prefix + x[:2] + "/" + x
}

// Put spools r to a local file while hashing it, then sends it under its
// hash with its size known (multipart above minio-go's part size). S3
// acknowledges a PUT only once the object is stored durably.
func (s *S3) Put(ctx context.Context, r io.Reader, opts PutOptions) (Info, error) {
	f, err := os.CreateTemp(s.spool, "chinhquyen-blob-*")
	if err != nil {
		return Info{}, fmt.Errorf("blob: spool: %w", err)
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	src := newLimitedHash(r, opts.Limit)
	if _, err := io.Copy(f, ctxReader{ctx, src}); err != nil {
		return Info{}, fmt.Errorf("blob: spool: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return Info{}, fmt.Errorf("blob: spool: %w", err)
	}
	info := src.info()
	ct := opts.MediaType
	if opts.Check != nil {
		mt, err := opts.Check(f, info.Size)
		if err != nil {
			return Info{}, err
		}
		if mt != "" {
			ct = mt
		}
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	if _, err := s.c.PutObject(ctx, s.bucket, s.key(info.Hash), f, info.Size, minio.PutObjectOptions{ContentType: ct}); err != nil {
		return Info{}, fmt.Errorf("blob: put %s: %w", info.Hash, err)
	}
	if opts.Placed != nil {
		if err := opts.Placed(info); err != nil {
			return Info{}, err
		}
	}
	return info, nil
}

func notFound(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.StatusCode == http.StatusNotFound || r.Code == "NoSuchKey"
}

// Open reads the object.
func (s *S3) Open(ctx context.Context, h Hash) (io.ReadCloser, error) {
	// GetObject is lazy; Stat first so an absent object fails here.
	if _, err := s.Stat(ctx, h); err != nil {
		return nil, err
	}
	o, err := s.c.GetObject(ctx, s.bucket, s.key(h), minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("blob: get %s: %w", h, err)
	}
	return o, nil
}

// Stat asks the bucket for the object's size.
func (s *S3) Stat(ctx context.Context, h Hash) (Info, error) {
	oi, err := s.c.StatObject(ctx, s.bucket, s.key(h), minio.StatObjectOptions{})
	if err != nil {
		if notFound(err) {
			return Info{}, fmt.Errorf("%w: %s", ErrNotFound, h)
		}
		return Info{}, fmt.Errorf("blob: stat %s: %w", h, err)
	}
	return Info{Hash: h, Size: oi.Size}, nil
}

// Delete removes the object.
func (s *S3) Delete(ctx context.Context, h Hash) error {
	err := s.c.RemoveObject(ctx, s.bucket, s.key(h), minio.RemoveObjectOptions{})
	if err != nil && !notFound(err) {
		return fmt.Errorf("blob: delete %s: %w", h, err)
	}
	return nil
}

// Walk lists the objects under the prefix.
func (s *S3) Walk(ctx context.Context, fn func(Info) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for oi := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, Recursive: true}) {
		if oi.Err != nil {
			return fmt.Errorf("blob: list: %w", oi.Err)
		}
		name := oi.Key[strings.LastIndexByte(oi.Key, '/')+1:]
		h, err := ParseHash(name)
		if err != nil || oi.Key != s.key(h) {
			continue
		}
		if err := fn(Info{Hash: h, Size: oi.Size}); err != nil {
			return err
		}
	}
	return ctx.Err()
}
