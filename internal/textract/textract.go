// Package textract takes the text out of attached files so search can find
// it: the text layer of a PDF with pdftotext (poppler-utils), and, for a
// scan without one (or an image), OCR with tesseract (tesseract-ocr,
// tesseract-ocr-vie) on pages rasterised by pdftoppm.
//
// Why the poppler and tesseract programs rather than internal/pdf: a PDF's
// text is drawn by content-stream operators through fonts whose encodings
// and ToUnicode maps vary with the producer (Vietnamese office software
// uses many), and the reading order is the layout's; pdftotext is what the
// field relies on for that, and internal/pdf reads the structure that
// signatures need, not text. A file is outside input, so each program runs
// as a process of its own with a timeout, in a private temporary folder
// removed afterwards, with its output cut at a size cap and OCR cut at a
// page cap. Without the programs, Extract says so (ErrNoTools) and the
// document is shown as not searchable yet.
package textract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Method says how a text was obtained.
type Method string

// The methods.
const (
	TextLayer Method = "text" // the PDF's own text (pdftotext)
	OCR       Method = "ocr"  // recognised from page images (tesseract)
)

// ErrNoTools: the programs a file needs are not installed (pdftotext for
// a PDF; pdftoppm and tesseract for a scan or an image).
var ErrNoTools = errors.New("textract: pdftotext, pdftoppm or tesseract not installed")

// Options bound the work on one file. Zero values take the defaults.
type Options struct {
	Timeout  time.Duration // per program run; default 60 s
	MaxPages int           // pages read (text layer) and OCRed; default 30 and 20
	MaxText  int           // bytes of text kept; default 256 KiB
	// LookPath finds a program (exec.LookPath by default; tests hide one).
	LookPath func(string) (string, error)
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.MaxPages <= 0 {
		o.MaxPages = 20
	}
	if o.MaxText <= 0 {
		o.MaxText = 256 << 10
	}
	if o.LookPath == nil {
		o.LookPath = exec.LookPath
	}
	return o
}

// Result is the text of one file.
type Result struct {
	Text      string
	Method    Method
	Pages     int  // pages OCRed (0 for a text layer)
	Truncated bool // text or pages were cut at a cap
}

// minLetters: a text layer with fewer letters and digits than this is
// taken for a scan (a stamp, a page number) and OCRed.
const minLetters = 20

// PDF returns the text of a PDF: its text layer when it has one, else the
// OCR of its first pages.
func PDF(ctx context.Context, pdf []byte, o Options) (Result, error) {
	o = o.withDefaults()
	if !bytes.HasPrefix(bytes.TrimLeft(pdf[:min(len(pdf), 1024)], "\x00\t\n\r "), []byte("%PDF-")) {
		return Result{}, fmt.Errorf("textract: not a PDF")
	}
	pdftotext, err := o.LookPath("pdftotext")
	if err != nil {
		return Result{}, ErrNoTools
	}
	dir, err := os.MkdirTemp("", "textract-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		return Result{}, err
	}
	out, cut, err := run(ctx, o, pdftotext, "-q", "-enc", "UTF-8", "-l", fmt.Sprint(o.MaxPages+10), in, "-")
	if err != nil {
		return Result{}, fmt.Errorf("textract: pdftotext: %w", err)
	}
	if text := clean(out); letters(text) >= minLetters {
		return Result{Text: text, Method: TextLayer, Truncated: cut}, nil
	}
	// No text layer: rasterise the first pages and OCR them.
	pdftoppm, err1 := o.LookPath("pdftoppm")
	tesseract, err2 := o.LookPath("tesseract")
	if err1 != nil || err2 != nil {
		return Result{}, ErrNoTools
	}
	if _, _, err := run(ctx, o, pdftoppm, "-q", "-r", "300", "-gray", "-png", "-l", fmt.Sprint(o.MaxPages), in, filepath.Join(dir, "page")); err != nil {
		return Result{}, fmt.Errorf("textract: pdftoppm: %w", err)
	}
	pages, err := filepath.Glob(filepath.Join(dir, "page*.png"))
	if err != nil {
		return Result{}, err
	}
	slices.Sort(pages) // pdftoppm pads the numbers to the same width
	res := Result{Method: OCR, Pages: len(pages)}
	var b strings.Builder
	for _, p := range pages {
		text, cut, err := ocr(ctx, o, tesseract, p)
		if err != nil {
			return Result{}, err
		}
		b.WriteString(text)
		b.WriteString("\n")
		if cut || b.Len() > o.MaxText {
			res.Truncated = true
			break
		}
	}
	res.Text = clip(clean(b.String()), o.MaxText)
	if len(pages) >= o.MaxPages {
		res.Truncated = true
	}
	return res, nil
}

// Image returns the OCR of an image file (PNG, JPEG scans).
func Image(ctx context.Context, img []byte, o Options) (Result, error) {
	o = o.withDefaults()
	tesseract, err := o.LookPath("tesseract")
	if err != nil {
		return Result{}, ErrNoTools
	}
	dir, err := os.MkdirTemp("", "textract-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in.img")
	if err := os.WriteFile(in, img, 0o600); err != nil {
		return Result{}, err
	}
	text, cut, err := ocr(ctx, o, tesseract, in)
	if err != nil {
		return Result{}, err
	}
	return Result{Text: clip(clean(text), o.MaxText), Method: OCR, Pages: 1, Truncated: cut}, nil
}

// ocr runs tesseract on one image with the Vietnamese model (and English
// for the Latin words of letterheads) when installed, one thread: the
// server has other work.
func ocr(ctx context.Context, o Options, tesseract, img string) (string, bool, error) {
	langs := "eng"
	if l, _, err := run(ctx, o, tesseract, "--list-langs"); err == nil && slices.Contains(strings.Fields(l), "vie") {
		langs = "vie+eng"
	}
	out, cut, err := run(ctx, o, tesseract, img, "stdout", "-l", langs, "--psm", "3")
	if err != nil {
		return "", false, fmt.Errorf("textract: tesseract: %w", err)
	}
	return out, cut, nil
}

// run runs a program with the timeout, keeping at most MaxText bytes of its
// output (the rest is read and dropped, so the program is not blocked).
func run(ctx context.Context, o Options, prog string, args ...string) (string, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	out := &capped{max: o.MaxText}
	var stderr capped
	stderr.max = 2 << 10
	cmd.Stdout, cmd.Stderr = out, &stderr
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1", "LC_ALL=C.UTF-8")
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return "", false, fmt.Errorf("took longer than %s", o.Timeout)
		}
		return "", false, fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.b.String()))
	}
	return out.b.String(), out.cut, nil
}

type capped struct {
	b   bytes.Buffer
	max int
	cut bool
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.b.Len(); room < len(p) {
		c.b.Write(p[:max(room, 0)])
		c.cut = true
		return len(p), nil
	}
	return c.b.Write(p)
}

// clean makes the text valid UTF-8 without control characters other than
// line breaks (pdftotext separates pages with form feeds).
func clean(s string) string {
	s = strings.ToValidUTF8(s, " ")
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case unicode.IsControl(r):
			return ' '
		}
		return r
	}, s))
}

func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8ValidEnd(s) {
		s = s[:len(s)-1]
	}
	return s
}

func utf8ValidEnd(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
