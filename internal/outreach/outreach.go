// Package outreach keeps the bulletins a commune or province sends to its
// residents (thông tin cơ sở, Circular 39/2020/TT-BTTTT): the Vietnamese
// text, translations into the minority languages of a configured list,
// recorded audio per language, targets (communes by code as of the sending
// date, so a merged commune reaches its predecessors' subscribers; ethnic
// groups; villages), priority and validity; the approval flow
// draft → submitted → approved → sending → sent (or cancelled); the
// residents who subscribe by phone number (one-time code by SMS, or
// registered by the commune's officer with their consent, Law
// 91/2025/QH15), their numbers sealed with the platform key; and the
// deliveries: one row and one job per resident and channel, sent through
// the channel Senders (Zalo ZNS when linked and consented, else SMS, with
// SMS as the fallback of a failed ZNS; a loudspeaker programme per commune;
// e-mail), delivery reports updating the rows, and the figures per
// commune, channel, language and month.
//
// Every change asks access.Can first and writes the change and its audit
// entry in one db.Tx; the deliveries and their jobs are written in the
// sending transaction, so a failed send leaves none.
package outreach

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/notify"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/outreach/channel"
)

// Bounds of what a request may carry.
const (
	MaxTitleBytes    = 300
	MaxBodyBytes     = 4000
	MaxVillagesBytes = 1000
	MaxCommunes      = 200
	MaxGroups        = 20
	MaxAudioBytes    = 8 << 20
	// DefaultMaxSegments bounds the SMS parts of a bulletin when
	// Options.MaxSegments is zero.
	DefaultMaxSegments = 6
)

// Recorder writes audit entries inside the caller's transaction; *audit.Log
// implements it.
type Recorder interface {
	Record(ctx context.Context, tx *sql.Tx, e audit.Entry) error
}

// Org answers what outreach asks of the administrative units; *org.Service
// implements it.
type Org interface {
	// AdminUnit is the unit with this code valid on asOf, or ENOTFOUND.
	AdminUnit(ctx context.Context, code string, asOf org.Date) (*org.AdminUnit, error)
	// AdminUnitsOn follows successor links from code to the units that
	// carry it on a day (a merged commune leads to the commune it became).
	AdminUnitsOn(ctx context.Context, code string, on org.Date) ([]org.AdminUnit, error)
	// Agency gives an agency's commune (AdminUnitCode).
	Agency(ctx context.Context, id int64, asOf org.Date) (*org.Agency, error)
}

// Mailer enqueues e-mail in the caller's transaction; *notify.Service
// implements it.
type Mailer interface {
	EmailEnabled() bool
	Send(ctx context.Context, tx *sql.Tx, m notify.Message) error
}

// Synth speaks the Vietnamese text of a loudspeaker programme when no
// recording was uploaded; *speech.Synth implements it.
type Synth interface {
	Available() bool
	Speak(ctx context.Context, text string) ([]byte, string, error)
}

// Language is one language bulletins are translated into.
type Language struct {
	Code   string // stable code: vi, hmn, tai …
	Name   string // Vietnamese name: Tiếng Hmông
	Script string // the script it is written in
}

// DefaultLanguages is the configurable list's default: Vietnamese and the
// minority languages most spoken in the mountain provinces, with the
// Latin-based scripts in official use (the Hmông, Thái, Khmer and Ê Đê
// scripts taught in schools under the Ministry of Education's programmes).
var DefaultLanguages = []Language{
	{"vi", "Tiếng Việt", "Chữ Quốc ngữ"},
	{"hmn", "Tiếng Hmông", "Chữ Hmông Latinh (1961)"},
	{"tai", "Tiếng Thái", "Chữ Thái (Latinh hoá)"},
	{"dao", "Tiếng Dao", "Chữ Dao Latinh"},
	{"tay", "Tiếng Tày", "Chữ Tày - Nùng Latinh"},
	{"nung", "Tiếng Nùng", "Chữ Tày - Nùng Latinh"},
	{"khm", "Tiếng Khmer", "Chữ Khmer"},
	{"ede", "Tiếng Ê Đê", "Chữ Ê Đê Latinh"},
	{"jra", "Tiếng Jrai", "Chữ Jrai Latinh"},
	{"bdq", "Tiếng Bahnar", "Chữ Bahnar Latinh"},
}

// Prices are the configured prices of a message, in đồng.
type Prices struct {
	SMSSegment int64 // per SMS part
	ZNS        int64 // per ZNS message
}

// Options configure the Service.
type Options struct {
	Audit Recorder
	Org   Org
	// SecretKey is the platform secret key (32 bytes): phone numbers are
	// sealed with, and looked up by, keys derived from it.
	SecretKey []byte
	// Senders carry the channels; a channel without a Sender is not used
	// (its deliveries are not created).
	Senders map[channel.Kind]channel.Sender
	// Mail, when set, e-mails subscribers who gave an address.
	Mail Mailer
	// Synth, when set and available, speaks loudspeaker programmes that
	// have no recording.
	Synth     Synth
	Languages []Language // DefaultLanguages when nil
	Prices    Prices
	// MaxSegments bounds a bulletin's SMS parts (DefaultMaxSegments when 0).
	MaxSegments int
	// ZNSTemplate is the ZNS template id bulletins are sent with.
	ZNSTemplate string
	// QuietFrom and QuietTo are the quiet hours (Vietnam time, hours 0–23)
	// when SMS and ZNS wait unless the bulletin is an emergency; equal
	// values mean none.
	QuietFrom, QuietTo int
	// Rate bounds the messages per second handed to each gateway (0 = no
	// bound), as carriers throttle per account.
	Rate float64
	// ZNSAttempts is how many times a ZNS delivery is tried before its SMS
	// fallback (3 when 0).
	ZNSAttempts int
	// BaseURL starts unsubscribe links, e.g. https://egov.example.vn.
	BaseURL string
	Now     func() time.Time // clock.Now when nil
	Logger  *slog.Logger
}

// Service keeps bulletins, residents and deliveries.
type Service struct {
	db    *db.DB
	opts  Options
	box   *sealer
	pace  map[channel.Kind]*pacer
	langs map[string]Language
	mu    sync.Mutex
}

// New returns the service.
func New(d *db.DB, opts Options) (*Service, error) {
	if d == nil || opts.Audit == nil || opts.Org == nil {
		return nil, errors.New("outreach.New: DB, Audit and Org are required")
	}
	box, err := newSealer(opts.SecretKey)
	if err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Languages == nil {
		opts.Languages = DefaultLanguages
	}
	if opts.MaxSegments <= 0 {
		opts.MaxSegments = DefaultMaxSegments
	}
	if opts.ZNSAttempts <= 0 {
		opts.ZNSAttempts = 3
	}
	if opts.ZNSTemplate == "" {
		opts.ZNSTemplate = "bantin"
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	s := &Service{db: d, opts: opts, box: box, pace: map[channel.Kind]*pacer{}, langs: map[string]Language{}}
	for _, l := range opts.Languages {
		s.langs[l.Code] = l
	}
	for k := range opts.Senders {
		s.pace[k] = newPacer(opts.Rate, opts.Now)
	}
	return s, nil
}

// Languages returns the configured languages, Vietnamese first.
func (s *Service) Languages() []Language { return s.opts.Languages }

// Prices returns the configured prices.
func (s *Service) Prices() Prices { return s.opts.Prices }

// SetSender installs (or replaces) a channel's Sender; app calls it while
// wiring, tests with fakes.
func (s *Service) SetSender(sn channel.Sender) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.Senders == nil {
		s.opts.Senders = map[channel.Kind]channel.Sender{}
	}
	s.opts.Senders[sn.Kind()] = sn
	s.pace[sn.Kind()] = newPacer(s.opts.Rate, s.opts.Now)
}

func (s *Service) sender(k channel.Kind) (channel.Sender, *pacer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.Senders[k], s.pace[k]
}

// pacer spaces hand-overs to a gateway at a rate: each caller reserves the
// next slot and sleeps until it.
type pacer struct {
	mu       sync.Mutex
	interval time.Duration
	burst    int // slots a pause may make up
	next     time.Time
	now      func() time.Time
}

func newPacer(rate float64, now func() time.Time) *pacer {
	p := &pacer{now: now}
	if rate > 0 {
		p.interval = time.Duration(float64(time.Second) / rate)
		p.burst = max(1, int(rate/4))
	}
	return p
}

// wait blocks until the caller's slot.
func (p *pacer) wait(ctx context.Context) error {
	if p == nil || p.interval == 0 {
		return nil
	}
	p.mu.Lock()
	now := p.now()
	// A pause (workers busy with their transactions, a claim) is made up
	// by up to a quarter of a second of slots at once, so the average
	// holds the rate without a burst past it.
	if floor := now.Add(-p.interval * time.Duration(p.burst)); p.next.Before(floor) {
		p.next = floor
	}
	slot := p.next
	p.next = p.next.Add(p.interval)
	p.mu.Unlock()
	d := slot.Sub(now)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
