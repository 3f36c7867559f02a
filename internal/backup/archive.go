package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/blob"
)

// Compression of the archive stream.
const (
	CompressNone = "none"
	CompressGzip = "gzip"
)

// archiveWriter writes the body entries and, at finish, the digest entry.
// The digest and the writes to the file run on a goroutine of their own,
// beside the reading and hashing of each part: a backup then runs on two
// cores instead of hashing every byte twice on one.
type archiveWriter struct {
	raw      io.Writer // the file
	hash     hash.Hash // every raw byte of the body
	pipe     *io.PipeWriter
	done     chan error
	gz       *gzip.Writer
	tw       *tar.Writer
	buf      []byte
	compress string
	modTime  time.Time
}

func newArchiveWriter(w io.Writer, compress string, modTime time.Time) (*archiveWriter, error) {
	a := &archiveWriter{raw: w, hash: sha256.New(), compress: compress, modTime: modTime.UTC().Truncate(time.Second),
		buf: make([]byte, 1<<20), done: make(chan error, 1)}
	var body io.Writer
	switch compress {
	case CompressNone, CompressGzip:
	default:
		return nil, apperr.New(apperr.Invalid, "Kiểu nén %q không được hỗ trợ: dùng none hoặc gzip", compress)
	}
	pr, pw := io.Pipe()
	a.pipe, body = pw, pw
	go func() {
		_, err := io.CopyBuffer(io.MultiWriter(w, a.hash), pr, make([]byte, 1<<20))
		pr.CloseWithError(err)
		a.done <- err
	}()
	if compress == CompressGzip {
		// Stored files are mostly compressed already (PDF, DOCX, images):
		// the fastest level keeps the backup near disk speed.
		a.gz, _ = gzip.NewWriterLevel(body, gzip.BestSpeed)
		body = a.gz
	}
	a.tw = tar.NewWriter(body)
	return a, nil
}

// entry writes one regular file of exactly size bytes read from r.
func (a *archiveWriter) entry(name string, size int64, r io.Reader) error {
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o600, ModTime: a.modTime}
	if err := a.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	n, err := io.CopyBuffer(a.tw, io.LimitReader(r, size), a.buf)
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("%s: %d bytes read, %d expected: %w", name, n, size, io.ErrUnexpectedEOF)
	}
	return nil
}

// abort stops the writing goroutine after a failure.
func (a *archiveWriter) abort() {
	if a.pipe != nil {
		a.pipe.CloseWithError(errAborted)
		<-a.done
		a.pipe = nil
	}
}

var errAborted = errors.New("backup aborted")

// finish ends the body and writes the digest entry with the tar end.
func (a *archiveWriter) finish() error {
	if err := a.tw.Flush(); err != nil {
		return err
	}
	if a.gz != nil {
		if err := a.gz.Close(); err != nil {
			return err
		}
	}
	a.pipe.Close()
	a.pipe = nil
	if err := <-a.done; err != nil {
		return err
	}
	_, err := a.raw.Write(tailBytes(hex.EncodeToString(a.hash.Sum(nil)), a.compress))
	return err
}

// tailBytes is the archive's end as written for a digest: the digest
// entry's USTAR header, its content, padding and the two zero blocks of
// the tar end, and when compressed a gzip member of its own holding them
// in one stored deflate block. Both are written by hand from RFC 1952,
// RFC 1951 and POSIX ustar, not by a library whose output could change
// between versions: a restore must regenerate the same bytes forever.
func tailBytes(digestHex string, compress string) []byte {
	content := digestHex + "\n"
	t := make([]byte, 4*512)
	h := t[:512]
	copy(h[0:100], DigestName)
	copy(h[100:108], "0000644\x00")
	copy(h[108:116], "0000000\x00")
	copy(h[116:124], "0000000\x00")
	copy(h[124:136], fmt.Sprintf("%011o\x00", len(content)))
	copy(h[136:148], "00000000000\x00")
	copy(h[148:156], "        ")
	h[156] = tar.TypeReg
	copy(h[257:263], "ustar\x00")
	copy(h[263:265], "00")
	copy(h[329:337], "0000000\x00")
	copy(h[337:345], "0000000\x00")
	var sum int
	for _, c := range h {
		sum += int(c)
	}
	copy(h[148:156], fmt.Sprintf("%06o\x00 ", sum))
	copy(t[512:], content)
	if compress != CompressGzip {
		return t
	}
	var g bytes.Buffer
	g.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}) // no flags, no time, unknown OS
	g.WriteByte(1)                                         // final stored block
	binary.Write(&g, binary.LittleEndian, uint16(len(t)))
	binary.Write(&g, binary.LittleEndian, ^uint16(len(t)))
	g.Write(t)
	binary.Write(&g, binary.LittleEndian, crc32.ChecksumIEEE(t))
	binary.Write(&g, binary.LittleEndian, uint32(len(t)))
	return g.Bytes()
}

// lagHasher passes a stream through and hashes all of it but the last k
// bytes read so far: at the end it has hashed the body and holds the tail.
type lagHasher struct {
	r    io.Reader
	h    hash.Hash
	tail []byte
	k    int
	n    int64
}

func (l *lagHasher) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if n > 0 {
		l.n += int64(n)
		l.tail = append(l.tail, p[:n]...)
		if over := len(l.tail) - l.k; over > 0 {
			l.h.Write(l.tail[:over])
			l.tail = append(l.tail[:0], l.tail[over:]...)
		}
	}
	return n, err
}

// partReader reads one part and hashes what it reads.
type partReader struct {
	r io.Reader
	h hash.Hash
}

func (p *partReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.h.Write(b[:n])
	return n, err
}

// readArchive reads an archive from r: the manifest (given to onManifest
// before any part is read), then each part in the manifest's order, each
// handed to onPart as a reader of exactly its bytes and checked against
// its SHA-256 once read, then the digest of the whole file. Any
// difference, missing or extra entry, entry that is not a regular file,
// or byte after the end is an error; nothing is trusted before it is
// checked, so callers write parts only to a place they discard on error.
func readArchive(ctx context.Context, r io.Reader, lim Limits, onManifest func(*Manifest) error, onPart func(Part, io.Reader) error) (*Manifest, error) {
	src := blob.ContextReader(ctx, r)
	var magic [2]byte
	n, err := io.ReadFull(src, magic[:])
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, apperr.New(apperr.Invalid, "Tệp trống hoặc quá ngắn: không phải bản sao lưu chinhquyen")
	}
	compress := CompressNone
	if magic == [2]byte{0x1f, 0x8b} {
		compress = CompressGzip
	}
	lag := &lagHasher{r: io.MultiReader(bytes.NewReader(magic[:n]), src), h: sha256.New(), k: len(tailBytes(hex.EncodeToString(make([]byte, 32)), compress))}
	var dec io.Reader = lag
	if compress == CompressGzip {
		gz, err := gzip.NewReader(lag)
		if err != nil {
			return nil, readErr(ctx, err)
		}
		dec = gz
	}
	tr := tar.NewReader(dec)
	next := func(want string, size int64) (*tar.Header, error) {
		hdr, err := tr.Next()
		if err != nil {
			return nil, readErr(ctx, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil, errCorrupt("mục %q không phải tệp thường (liên kết, thư mục hay thiết bị không được chấp nhận)", clip(hdr.Name))
		}
		if hdr.Name != want {
			return nil, errCorrupt("gặp mục %q ở chỗ mục lục ghi %q", clip(hdr.Name), clip(want))
		}
		if size >= 0 && hdr.Size != size {
			return nil, errCorrupt("mục %q dài %d byte, mục lục ghi %d", clip(want), hdr.Size, size)
		}
		return hdr, nil
	}
	hdr, err := next(ManifestName, -1)
	if err != nil {
		return nil, err
	}
	if hdr.Size > lim.MaxManifest {
		return nil, apperr.New(apperr.Invalid, "Mục lục bản sao lưu dài %d byte, vượt giới hạn %d", hdr.Size, lim.MaxManifest)
	}
	mb, err := io.ReadAll(io.LimitReader(tr, hdr.Size))
	if err != nil {
		return nil, readErr(ctx, err)
	}
	m, err := ParseManifest(mb, lim)
	if err != nil {
		return nil, err
	}
	if onManifest != nil {
		if err := onManifest(m); err != nil {
			return nil, err
		}
	}
	for _, p := range m.Parts {
		if _, err := next(p.Name, p.Size); err != nil {
			return nil, err
		}
		pr := &partReader{r: tr, h: sha256.New()}
		if err := onPart(p, pr); err != nil {
			return nil, readErr(ctx, err)
		}
		if _, err := io.Copy(io.Discard, pr); err != nil {
			return nil, readErr(ctx, err)
		}
		if hex.EncodeToString(pr.h.Sum(nil)) != p.SHA256 {
			return nil, errCorrupt("phần %q không khớp mã băm SHA-256 ghi trong mục lục", clip(p.Name))
		}
	}
	if _, err := next(DigestName, 65); err != nil {
		return nil, err
	}
	digest, err := io.ReadAll(tr)
	if err != nil {
		return nil, readErr(ctx, err)
	}
	if _, err := tr.Next(); err != io.EOF {
		return nil, errCorrupt("có dữ liệu sau mục cuối")
	}
	// The rest of the stream: gzip's checksum of the last member is read
	// here, and anything appended to the file is refused.
	if extra, err := io.Copy(io.Discard, io.LimitReader(dec, 1<<20)); err != nil {
		return nil, readErr(ctx, err)
	} else if extra > 0 {
		return nil, errCorrupt("có dữ liệu sau điểm kết thúc")
	}
	if extra, err := io.Copy(io.Discard, io.LimitReader(lag, 1<<20)); err != nil {
		return nil, readErr(ctx, err)
	} else if extra > 0 {
		return nil, errCorrupt("có dữ liệu sau điểm kết thúc")
	}
	want := string(bytes.TrimSuffix(digest, []byte("\n")))
	if hex.EncodeToString(lag.h.Sum(nil)) != want || !bytes.Equal(lag.tail, tailBytes(want, compress)) {
		return nil, errCorrupt("mã băm SHA-256 của toàn tệp không khớp")
	}
	return m, nil
}

// readErr names a stream that ends early or does not parse.
func readErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return apperr.Wrap(err, apperr.Invalid, "Bản sao lưu bị cắt cụt (tệp kết thúc giữa chừng): hãy chép lại tệp đầy đủ")
	}
	return apperr.Wrap(err, apperr.Invalid, "Bản sao lưu bị hỏng hoặc bị sửa đổi: không đọc được cấu trúc tệp")
}
