// Package speech turns a Vietnamese bulletin into what a loudspeaker reads
// aloud (Normalize) and synthesises it (Synth): espeak-ng's Vietnamese
// voice writes WAV, which opusenc encodes as Ogg Opus (or lame as MP3 when
// opusenc is missing), each a process bounded in time and output.
package speech

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// Synth speaks Vietnamese text. The zero value uses espeak-ng, opusenc and
// lame from PATH with the defaults below.
type Synth struct {
	Espeak  string // espeak-ng's path (default "espeak-ng")
	Opusenc string // opusenc's path (default "opusenc"); "-" never uses it
	Lame    string // lame's path for MP3 (default "lame")
	Voice   string // espeak-ng voice (default "vi")
	Speed   int    // words per minute (default 140: public address, slower than talk)
	// Timeout bounds the whole synthesis (default 2 minutes).
	Timeout time.Duration
	// MaxText bounds the text read, in bytes after Normalize (default 20,000:
	// about 20 minutes of speech).
	MaxText int
	// MaxAudio bounds the audio produced (default 32 MiB).
	MaxAudio int
}

func (s *Synth) tool(path, def string) string {
	if path != "" {
		return path
	}
	return def
}

// Available reports whether espeak-ng can be run.
func (s *Synth) Available() bool {
	_, err := exec.LookPath(s.tool(s.Espeak, "espeak-ng"))
	return err == nil
}

// errTooLarge is the cap on output being reached.
var errTooLarge = errors.New("audio output over the cap")

// capped collects a process's output up to max bytes; past it, it stops
// the processes (a blocked writer would otherwise wait for the timeout).
type capped struct {
	buf    bytes.Buffer
	max    int
	over   bool
	cancel func()
}

func (c *capped) Write(p []byte) (int, error) {
	if c.buf.Len()+len(p) > c.max {
		c.over = true
		if c.cancel != nil {
			c.cancel()
		}
		return 0, errTooLarge
	}
	return c.buf.Write(p)
}

// head keeps the first bytes of a process's diagnostics and drops the rest.
type head struct{ bytes.Buffer }

func (h *head) Write(p []byte) (int, error) {
	if room := 4096 - h.Len(); room > 0 {
		h.Buffer.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// Speak reads Normalize(text) aloud and returns the audio with its media
// type: "audio/ogg" (Opus), or "audio/mpeg" without opusenc, or
// "audio/wav" with neither encoder.
func (s *Synth) Speak(ctx context.Context, text string) ([]byte, string, error) {
	if !s.Available() {
		return nil, "", apperr.New(apperr.Unavailable, "Máy chủ chưa cài espeak-ng nên chưa đọc được bản tin thành tiếng.")
	}
	spoken := Normalize(text)
	maxText := s.MaxText
	if maxText <= 0 {
		maxText = 20000
	}
	if spoken == "" {
		return nil, "", apperr.FieldError("text", "Bản tin không có nội dung để đọc.")
	}
	if len(spoken) > maxText {
		return nil, "", apperr.FieldError("text", "Bản tin quá dài để đọc thành tiếng (%d byte, tối đa %d).", len(spoken), maxText)
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	maxAudio := s.MaxAudio
	if maxAudio <= 0 {
		maxAudio = 32 << 20
	}
	speed := s.Speed
	if speed <= 0 {
		speed = 140
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	espeak := exec.CommandContext(ctx, s.tool(s.Espeak, "espeak-ng"), "-v", s.tool(s.Voice, "vi"), "-s", strconv.Itoa(speed), "--stdout")
	espeak.Stdin = strings.NewReader(spoken)
	var espeakErr head
	espeak.Stderr = &espeakErr

	var encoder *exec.Cmd
	media := "audio/wav"
	if p, err := exec.LookPath(s.tool(s.Opusenc, "opusenc")); err == nil && s.Opusenc != "-" {
		encoder = exec.CommandContext(ctx, p, "--quiet", "--speech", "--bitrate", "32", "-", "-")
		media = "audio/ogg"
	} else if p, err := exec.LookPath(s.tool(s.Lame, "lame")); err == nil {
		encoder = exec.CommandContext(ctx, p, "--quiet", "-b", "48", "-", "-")
		media = "audio/mpeg"
	}
	out := &capped{max: maxAudio, cancel: cancel}
	if encoder == nil {
		espeak.Stdout = out
		if err := espeak.Run(); err != nil {
			return nil, "", synthError(ctx, err, out.over, espeakErr.String())
		}
		return out.buf.Bytes(), media, nil
	}
	pipe, err := espeak.StdoutPipe()
	if err != nil {
		return nil, "", apperr.Wrap(err, apperr.Internal, "Không chạy được espeak-ng.")
	}
	var encErr head
	encoder.Stdin = pipe
	encoder.Stdout = out
	encoder.Stderr = &encErr
	if err := espeak.Start(); err != nil {
		return nil, "", apperr.Wrap(err, apperr.Unavailable, "Không chạy được espeak-ng.")
	}
	if err := encoder.Start(); err != nil {
		_ = espeak.Process.Kill()
		_ = espeak.Wait()
		return nil, "", apperr.Wrap(err, apperr.Unavailable, "Không chạy được bộ mã hóa âm thanh.")
	}
	encRunErr := encoder.Wait()
	if encRunErr != nil {
		// The encoder stopped (cap reached, bad input): stop espeak too.
		_ = espeak.Process.Kill()
	}
	espRunErr := espeak.Wait()
	if encRunErr != nil {
		return nil, "", synthError(ctx, encRunErr, out.over, encErr.String())
	}
	if espRunErr != nil {
		return nil, "", synthError(ctx, espRunErr, out.over, espeakErr.String())
	}
	return out.buf.Bytes(), media, nil
}

func synthError(ctx context.Context, err error, over bool, stderr string) error {
	if over || errors.Is(err, errTooLarge) {
		return apperr.Wrap(err, apperr.Invalid, "Âm thanh bản tin vượt giới hạn dung lượng.")
	}
	if ctx.Err() != nil {
		return apperr.Wrap(ctx.Err(), apperr.Unavailable, "Đọc bản tin thành tiếng quá thời gian cho phép.")
	}
	if len(stderr) > 500 {
		stderr = stderr[:500]
	}
	return apperr.Wrap(fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr)), apperr.Internal, "Không đọc được bản tin thành tiếng.")
}
