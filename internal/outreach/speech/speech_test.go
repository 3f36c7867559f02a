package speech

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/testenv"
)

// oggSeconds returns the duration of an Ogg Opus stream: the granule
// position of its last page (48 kHz samples) less the pre-skip.
func oggSeconds(t *testing.T, b []byte) float64 {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("OggS")) || !bytes.Contains(b[:200], []byte("OpusHead")) {
		t.Fatalf("not an Ogg Opus stream: % x", b[:min(len(b), 40)])
	}
	head := bytes.Index(b, []byte("OpusHead"))
	preSkip := binary.LittleEndian.Uint16(b[head+10:])
	last := bytes.LastIndex(b, []byte("OggS"))
	if last < 0 || len(b) < last+14 {
		t.Fatal("no last page")
	}
	granule := binary.LittleEndian.Uint64(b[last+6:])
	return float64(granule-uint64(preSkip)) / 48000
}

func TestSpeak(t *testing.T) {
	testenv.NeedTool(t, "espeak-ng", "espeak-ng")
	testenv.NeedTool(t, "opusenc", "opus-tools")
	s := &Synth{}
	if !s.Available() {
		t.Fatal("espeak-ng found but not Available")
	}
	text := "UBND xã Tân Phú thông báo: ngày 10/12/2026 tiêm vắc xin sởi cho trẻ dưới 5 tuổi tại trạm y tế xã, từ 7h30."
	audio, media, err := s.Speak(context.Background(), text)
	if err != nil {
		t.Fatal(err)
	}
	if media != "audio/ogg" {
		t.Fatalf("media %q", media)
	}
	// About 50 syllables at 140 words a minute: about 13 s here; 10 to 60 s is plausible.
	d := oggSeconds(t, audio)
	if d < 10 || d > 60 {
		t.Errorf("duration %.1f s", d)
	}
	t.Logf("bulletin: %.1f s, %d bytes", d, len(audio))
	short, _, err := s.Speak(context.Background(), "Xin chào bà con.")
	if err != nil {
		t.Fatal(err)
	}
	if d := oggSeconds(t, short); d < 0.5 || d > 5 {
		t.Errorf("short duration %.1f s", d)
	}

	wav, media, err := (&Synth{Opusenc: "-", Lame: "/nonexistent/lame"}).Speak(context.Background(), "Xin chào bà con.")
	if err != nil || media != "audio/wav" || !bytes.HasPrefix(wav, []byte("RIFF")) {
		t.Errorf("without encoders: %s, %v", media, err)
	}

	capped := &Synth{MaxAudio: 2000}
	if _, _, err := capped.Speak(context.Background(), text); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("over the cap: %v", err)
	}
	if _, _, err := s.Speak(context.Background(), "   "); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("empty: %v", err)
	}
	if _, _, err := (&Synth{MaxText: 10}).Speak(context.Background(), text); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("too long: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := s.Speak(ctx, text); apperr.CodeOf(err) != apperr.Unavailable {
		t.Errorf("cancelled: %v", err)
	}
}

func TestSpeakWithoutEspeak(t *testing.T) {
	s := &Synth{Espeak: "/nonexistent/espeak-ng"}
	if s.Available() {
		t.Fatal("Available without espeak-ng")
	}
	if _, _, err := s.Speak(context.Background(), "xin chào"); apperr.CodeOf(err) != apperr.Unavailable {
		t.Errorf("err %v", err)
	}
}
