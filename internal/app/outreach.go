package app

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/outreach"
	"github.com/chinhquyen/chinhquyen/internal/outreach/channel"
	"github.com/chinhquyen/chinhquyen/internal/outreach/channel/kannel"
	"github.com/chinhquyen/chinhquyen/internal/outreach/channel/loudspeaker"
	"github.com/chinhquyen/chinhquyen/internal/outreach/channel/zns"
	"github.com/chinhquyen/chinhquyen/internal/outreach/speech"
	"github.com/chinhquyen/chinhquyen/internal/web"
)

// OutreachConfig configures bulletins to residents and their gateways.
type OutreachConfig struct {
	KannelURL      string // smsbox's sendsms URL; empty = no SMS
	KannelUser     string
	KannelPassword string
	KannelFrom     string
	KannelSMSC     string
	// KannelToken guards the delivery reports and the inbound SMS
	// (Kannel's sms-service get-url) Kannel calls back.
	KannelToken     string
	ZNSURL          string // empty = the documented API's address
	ZNSToken        string // the OA's access token; empty = no ZNS
	ZNSAppID        string
	ZNSSecret       string // the webhook's signing key
	ZNSTemplate     string
	LoudspeakerURL  string
	LoudspeakerKey  string
	LoudspeakerDir  string
	PriceSMS        int // đồng per SMS part
	PriceZNS        int // đồng per ZNS message
	QuietHours      string
	Rate            int // messages per second per gateway
	MaxSegments     int
	DisableSpeech   bool
	SpeechTimeLimit time.Duration
}

func (c *OutreachConfig) bind(b *config.Binder) {
	b.String(&c.KannelURL, "sms-kannel-url", "", "Kannel smsbox sendsms URL, e.g. http://127.0.0.1:13013/cgi-bin/sendsms; empty = bulletins are not sent by SMS")
	b.String(&c.KannelUser, "sms-kannel-user", "", "Kannel sendsms username")
	b.Secret(&c.KannelPassword, "sms-kannel-password", "Kannel sendsms password")
	b.String(&c.KannelFrom, "sms-from", "", "sender shown on phones (registered brandname or short code)")
	b.String(&c.KannelSMSC, "sms-kannel-smsc", "", "Kannel smsc-id to route through; empty = Kannel chooses")
	b.Secret(&c.KannelToken, "sms-kannel-token", "token Kannel presents on delivery reports and inbound SMS (/outreach/kannel/dlr, /outreach/kannel/inbound); empty = neither is received")
	b.String(&c.ZNSURL, "zns-url", "", "Zalo ZNS API base URL; empty = the documented address")
	b.Secret(&c.ZNSToken, "zns-access-token", "Zalo Official Account access token; empty = bulletins are not sent by ZNS")
	b.String(&c.ZNSAppID, "zns-app-id", "", "Zalo app id of the ZNS webhook")
	b.Secret(&c.ZNSSecret, "zns-secret", "Zalo app secret key that signs the ZNS webhook (/outreach/zns/webhook)")
	b.String(&c.ZNSTemplate, "zns-template", "bantin", "ZNS template id bulletins are sent with (params title, content, date)")
	b.String(&c.LoudspeakerURL, "loudspeaker-url", "", "provincial smart-radio system's programme push URL; empty = --loudspeaker-dir")
	b.Secret(&c.LoudspeakerKey, "loudspeaker-token", "bearer token of --loudspeaker-url")
	b.String(&c.LoudspeakerDir, "loudspeaker-dir", "", "drop folder for loudspeaker programmes when there is no push URL; empty with no URL = no loudspeaker channel")
	b.Int(&c.PriceSMS, "sms-price", 300, "price of one SMS part in đồng, for cost estimates")
	b.Int(&c.PriceZNS, "zns-price", 200, "price of one ZNS message in đồng, for cost estimates")
	b.String(&c.QuietHours, "outreach-quiet-hours", "21:00-07:00", "daily window (Vietnam time) when only emergency SMS and ZNS go out; empty = none")
	b.Int(&c.Rate, "outreach-rate", 50, "messages per second handed to each gateway (carriers throttle per account)")
	b.Int(&c.MaxSegments, "sms-max-segments", outreach.DefaultMaxSegments, "most SMS parts a bulletin may take in its chosen encoding")
	b.Bool(&c.DisableSpeech, "no-speech", false, "do not synthesise loudspeaker programmes with espeak-ng")
}

func (c *OutreachConfig) quiet() (channel.QuietHours, int, int, error) {
	s := strings.TrimSpace(c.QuietHours)
	if s == "" {
		return channel.QuietHours{}, 0, 0, nil
	}
	from, to, ok := strings.Cut(s, "-")
	q := channel.QuietHours{Start: strings.TrimSpace(from), End: strings.TrimSpace(to)}
	if !ok || q.Validate() != nil {
		return q, 0, 0, apperr.FieldError("outreach-quiet-hours", "--outreach-quiet-hours %q không đúng dạng hh:mm-hh:mm (ví dụ 21:00-07:00)", s)
	}
	var fh, th int
	fmt.Sscanf(q.Start, "%d", &fh)
	fmt.Sscanf(q.End, "%d", &th)
	return q, fh, th, nil
}

// buildOutreach creates the bulletin service and its configured senders.
func (a *App) buildOutreach(key []byte) error {
	c := a.Config.Outreach
	quiet, qf, qt, err := c.quiet()
	if err != nil {
		return err
	}
	senders := map[channel.Kind]channel.Sender{}
	base := a.Config.PublicURL(a.Config.Addr)
	if c.KannelURL != "" {
		dlr := ""
		if c.KannelToken != "" {
			dlr = base + "/outreach/kannel/dlr"
		}
		k, err := kannel.New(kannel.Config{URL: c.KannelURL, Username: c.KannelUser, Password: c.KannelPassword, From: c.KannelFrom,
			SMSC: c.KannelSMSC, DLRURL: dlr, DLRToken: c.KannelToken, Rate: float64(c.Rate), Quiet: quiet, Now: a.Now})
		if err != nil {
			return fmt.Errorf("--sms-kannel-url: %w", err)
		}
		senders[channel.SMS] = k
		a.outreachKannel = k
	}
	if c.ZNSToken != "" {
		z, err := zns.New(zns.Config{BaseURL: c.ZNSURL, AccessToken: c.ZNSToken, AppID: c.ZNSAppID, SecretKey: c.ZNSSecret,
			Rate: float64(c.Rate), Now: a.Now, Logger: a.Log})
		if err != nil {
			return fmt.Errorf("--zns-access-token: %w", err)
		}
		senders[channel.ZNS] = z
		a.outreachZNS = z
	}
	if c.LoudspeakerURL != "" || c.LoudspeakerDir != "" {
		l, err := loudspeaker.New(loudspeaker.Config{URL: c.LoudspeakerURL, Token: c.LoudspeakerKey, Folder: c.LoudspeakerDir, Now: a.Now})
		if err != nil {
			return fmt.Errorf("--loudspeaker-url/--loudspeaker-dir: %w", err)
		}
		senders[channel.Loudspeaker] = l
	}
	opts := outreach.Options{Audit: a.Audit, Org: a.Org, SecretKey: key, Senders: senders, Mail: a.Notify,
		Prices: outreach.Prices{SMSSegment: int64(c.PriceSMS), ZNS: int64(c.PriceZNS)}, MaxSegments: c.MaxSegments,
		ZNSTemplate: c.ZNSTemplate, QuietFrom: qf, QuietTo: qt, BaseURL: base, Now: a.Now, Logger: a.Log}
	if !c.DisableSpeech {
		opts.Synth = &speech.Synth{}
	}
	a.Outreach, err = outreach.New(a.DB, opts)
	if err != nil {
		return err
	}
	a.Outreach.Register(a.Jobs)
	return nil
}

// registerOutreach mounts the public bulletin pages and feeds, and the
// gateways' callbacks: Kannel's delivery reports and inbound SMS (with
// --sms-kannel-token) and the ZNS webhook (signature checked by the
// adapter).
func (a *App) registerOutreach(mux *http.ServeMux) {
	web.NewOutreachPublic(a.Outreach, a.Org).Register(mux)
	token := a.Config.Outreach.KannelToken
	if a.outreachKannel != nil && token != "" {
		mux.Handle("/outreach/kannel/dlr", a.outreachKannel.Handler(a.Outreach))
		mux.HandleFunc("GET /outreach/kannel/inbound", func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			if subtle.ConstantTimeCompare([]byte(q.Get("token")), []byte(token)) != 1 {
				http.Error(w, "sai mã xác thực", http.StatusUnauthorized)
				return
			}
			reply, err := a.Outreach.InboundSMS(r.Context(), q.Get("from"), q.Get("text"))
			if err != nil {
				httpx.Error(w, r, err)
				return
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write([]byte(reply))
		})
	}
	if a.outreachZNS != nil {
		mux.Handle("/outreach/zns/webhook", a.outreachZNS.Handler(a.Outreach))
	}
}

// seedDemoOutreach gives the demo's commune with a one-stop centre (Xã Bắc
// Hà in Lào Cai) three residents who consented (fictional numbers of the
// 0399 99x xxx range), and one approved bulletin, not sent, waiting for
// its officer (demo.outreach_officer… login) to send it.
func (a *App) seedDemoOutreach(ctx context.Context, demo *org.Demo) error {
	off, ok := demo.Official(org.DemoCommuneOutreach)
	if !ok {
		return nil
	}
	g, err := a.Org.Agency(ctx, off.AgencyID, org.Date{})
	if err != nil || g.AdminUnitCode == "" {
		return err
	}
	ctx = access.WithGuard(ctx, a.Guard)
	sys := &actor.Actor{Kind: actor.System, Name: "first-start", AgencyID: off.AgencyID}
	people := []outreach.Subscription{
		{Phone: "0399990001", Lang: "vi", Village: "Thôn Bắc Hà 1", EthnicGroup: "Kinh"},
		{Phone: "0399990002", Lang: "hmn", Village: "Thôn Na Hối", EthnicGroup: "Hmông", Zalo: true},
		{Phone: "0399990003", Lang: "tay", Village: "Thôn Na Kim", EthnicGroup: "Tày", Email: "cu.dan@example.vn"},
	}
	if _, err := a.Outreach.BulkRegister(ctx, sys, people); err != nil {
		return err
	}
	b, err := a.Outreach.Create(ctx, sys, outreach.DraftRequest{AgencyID: off.AgencyID, Title: "Lịch tiêm chủng mở rộng tháng 12",
		Body:     "UBND xã thông báo: Thứ Hai 14/12/2026 lúc 7h30, trạm y tế xã tiêm chủng cho trẻ dưới 5 tuổi. Đề nghị bà con mang theo sổ tiêm chủng.",
		Priority: outreach.PriorityHigh, Communes: []string{g.AdminUnitCode}, SMSPlain: true,
		Translations: []outreach.Translation{{Lang: "hmn", Body: "UBND xã ceeb toom: Hnub Monday 14/12/2026 thaum 7h30, chaw kho mob xa txhaj tshuaj rau menyuam yaus hnub nyoog qis dua 5 xyoos."}}})
	if err != nil {
		return err
	}
	if _, err := a.Outreach.Approve(ctx, sys, b.ID); err != nil {
		return err
	}
	a.Log.Info("demo bulletin and residents created", "commune", g.AdminUnitCode, "residents", len(people))
	return nil
}
