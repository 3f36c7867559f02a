// Package channel is the contract between outreach's deliveries and the
// gateways that carry them: SMS through Kannel, Zalo ZNS, the commune
// loudspeaker systems (Circular 39/2020/TT-BTTTT), e-mail and the web page.
// Each adapter (channel/kannel, channel/zns, channel/loudspeaker) implements
// Sender; an adapter with delivery reports also exposes an http.Handler that
// parses them, bounded and signature-checked where the provider signs, and
// hands each to a ReportSink.
package channel

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/outreach/smstext"
)

// Kind names a channel.
type Kind string

// The channels.
const (
	SMS         Kind = "sms"
	ZNS         Kind = "zns"
	Loudspeaker Kind = "loudspeaker"
	Email       Kind = "email"
	Web         Kind = "web"
)

// Priorities of a message, as Circular 39/2020/TT-BTTTT ranks loudspeaker
// programmes: a normal one is scheduled by the commune, a priority one is
// inserted ahead of the schedule, an emergency one plays at once (and an
// emergency SMS ignores quiet hours).
const (
	PriorityNormal    = 0
	PriorityHigh      = 1
	PriorityEmergency = 2
)

// Message is one delivery handed to a Sender.
type Message struct {
	TrackingID string            // our delivery id, echoed back by delivery reports
	To         string            // phone 0xxxxxxxxx for sms/zns; commune code for loudspeaker
	Text       string            // SMS text as the author chose it (with or without diacritics)
	Coding     smstext.Encoding  // GSM7 or UCS2 for SMS
	Template   string            // ZNS template id
	Params     map[string]string // ZNS template data
	Priority   int               // 0 normal, 1 priority, 2 emergency (Circular 39/2020/TT-BTTTT)
	Audio      []byte            // loudspeaker programme audio (ogg/opus or mp3), with AudioType
	AudioType  string
	Title      string
	ValidFrom  time.Time
	ValidTo    time.Time
}

// Result is what a gateway said when it took (or refused) a message.
type Result struct {
	ProviderID string // the gateway's id of the message, when it gives one
	Parts      int    // SMS parts billed
	Accepted   bool
	Detail     string
}

// Sender hands messages to one channel's gateway. An error wrapped with
// Permanent must not be retried; one carrying Later (quiet hours, a
// quota) should be retried no earlier than its moment; any other error is
// transient.
type Sender interface {
	Kind() Kind
	Send(ctx context.Context, m Message) (Result, error)
}

// Report is a delivery report from a gateway.
type Report struct {
	TrackingID string
	ProviderID string
	Delivered  bool
	// Interim marks a report on the way, not its end: the operator
	// accepted or buffered the message, which may still be delivered or
	// fail. It is neither a delivery nor a failure.
	Interim bool
	Status  string
	Detail  string
	At      time.Time
}

// ReportSink receives parsed delivery reports (outreach updates the
// delivery's row).
type ReportSink interface {
	Report(ctx context.Context, r Report) error
}

// ReportFunc adapts a function to ReportSink.
type ReportFunc func(ctx context.Context, r Report) error

// Report calls f.
func (f ReportFunc) Report(ctx context.Context, r Report) error { return f(ctx, r) }

// Permanent marks err as one that retrying cannot cure (a refused number, an
// unknown template): the jobs runner's own mark, so a delivery job that
// returns it fails at once.
func Permanent(err error) error { return jobs.Permanent(err) }

// IsPermanent reports whether err was wrapped by Permanent.
func IsPermanent(err error) bool { return jobs.IsPermanent(err) }

// LaterError asks the caller to try again no earlier than At: quiet hours
// for SMS, an exhausted daily ZNS quota.
type LaterError struct {
	At  time.Time
	Err error
}

func (l *LaterError) Error() string {
	return fmt.Sprintf("%v (thử lại sau %s)", l.Err, l.At.Format(time.RFC3339))
}
func (l *LaterError) Unwrap() error { return l.Err }

// RetryAt is the moment asked for; the job runner (jobs.RetryAt) reads it
// through this method and queues the job for then without using up an
// attempt.
func (l *LaterError) RetryAt() time.Time { return l.At }

// Later returns an error asking for a retry at or after at.
func Later(at time.Time, err error) error { return &LaterError{At: at, Err: err} }

// RetryAt reports the moment a Later error asks for.
func RetryAt(err error) (time.Time, bool) {
	var l *LaterError
	if errors.As(err, &l) {
		return l.At, true
	}
	return time.Time{}, false
}
