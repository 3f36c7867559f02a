// Package speech turns a Vietnamese bulletin into what a loudspeaker reads
// aloud (Normalize) and synthesises it (Synth: espeak-ng then opusenc).
package speech

import (
	"context"
	"errors"
)


// Synth speaks Vietnamese text through espeak-ng.
type Synth struct{}

// Available reports whether espeak-ng can be run.
func (s *Synth) Available() bool { return false }

// Speak returns the spoken text as audio and its media type.
func (s *Synth) Speak(ctx context.Context, text string) ([]byte, string, error) {
	return nil, "", errors.New("speech: not implemented")
}
