package notify_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/notify"
)

func TestParseEvents(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		bad  bool
	}{
		{in: "document.received", want: []string{"document.received"}},
		{in: "document.received, dossier.completed;document.received\n", want: []string{"document.received", "dossier.completed"}},
		{in: "document.received *", want: []string{"*"}},
		{in: "", bad: true},
		{in: " , ", bad: true},
		{in: "Document.Received", bad: true},
		{in: "văn_bản.đến", bad: true},
		{in: "document", bad: true},
		{in: "document..received", bad: true},
		{in: "a.b<script>", bad: true},
		{in: strings.Repeat("a.b ", 40), want: []string{"a.b"}, bad: true},
	} {
		got, err := notify.ParseEvents(tc.in)
		if tc.bad {
			if apperr.CodeOf(err) != apperr.Invalid || err.(*apperr.Error).Field != "events" {
				t.Errorf("ParseEvents(%q) = %v, %v; want a refusal on field events", tc.in, got, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseEvents(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// TestWebhookAdministration: the system administrator adds endpoints (the
// secret shown once signs what they receive), events reach the endpoints
// subscribed to them, a disabled endpoint receives nothing more, and each
// change is audited; nobody else may do any of it.
func TestWebhookAdministration(t *testing.T) {
	dbtest.Each(t, append([]db.Migrations{audit.Migrations}, modules...), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		log, err := audit.New(d, audit.Options{})
		if err != nil {
			t.Fatal(err)
		}
		e := newEnv(t, d, notify.Options{Audit: log, WebhookTimeout: 2 * time.Second})
		admin := &actor.Actor{AccountID: 1, Kind: actor.Official, Roles: []actor.RoleGrant{{Role: string(access.SystemAdmin)}}}
		clerk := &actor.Actor{AccountID: 2, Kind: actor.Official, Roles: []actor.RoleGrant{{Role: string(access.Clerk), AgencyID: 1}}}

		var mu sync.Mutex
		secrets := map[string][]byte{} // path → secret
		got := map[string][]string{}   // path → events received, verified
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body := make([]byte, r.ContentLength)
			r.Body.Read(body)
			mu.Lock()
			defer mu.Unlock()
			if err := notify.VerifySignature(secrets[r.URL.Path], r.Header.Get(notify.TimestampHeader), r.Header.Get(notify.SignatureHeader), body, clock.Now()); err != nil {
				w.WriteHeader(401)
				return
			}
			got[r.URL.Path] = append(got[r.URL.Path], r.Header.Get(notify.EventHeader))
		}))
		defer srv.Close()
		add := func(path string, events ...string) notify.Webhook {
			w, secret, err := e.svc.AddWebhook(ctx, admin, srv.URL+path, events)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(secret, "whsec_") || len(secret) < 40 {
				t.Fatalf("secret %q", secret)
			}
			mu.Lock()
			secrets[path] = []byte(secret)
			mu.Unlock()
			return w
		}
		docs := add("/docs", "document.received")
		all := add("/all", "*")
		add("/other", "dossier.completed")
		off := add("/off", "document.received")

		if _, _, err := e.svc.AddWebhook(ctx, clerk, srv.URL+"/x", []string{"*"}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("a clerk added a webhook: %v", err)
		}
		if _, _, err := e.svc.AddWebhook(ctx, admin, "ftp://doitac.example.vn/hook", []string{"*"}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("ftp endpoint: %v", err)
		}
		if err := e.svc.DisableWebhook(ctx, clerk, off.ID); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("a clerk disabled a webhook: %v", err)
		}
		if err := e.svc.DisableWebhook(ctx, admin, off.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DisableWebhook(ctx, admin, off.ID); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("disabled twice: %v", err)
		}
		if err := e.svc.DisableWebhook(ctx, admin, 999); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("disable unknown: %v", err)
		}

		err = d.Tx(ctx, func(tx *sql.Tx) error {
			return e.svc.Publish(ctx, tx, "document.received", map[string]string{"so_ky_hieu": "12/UBND-VP"})
		})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "two deliveries", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(got["/docs"]) == 1 && len(got["/all"]) == 1
		})
		waitFor(t, "the deliveries recorded", func() bool {
			n := 0
			for _, a := range attempts(t, d) {
				if a.status == notify.StatusSent {
					n++
				}
			}
			return n == 2
		})
		mu.Lock()
		if len(got["/other"])+len(got["/off"]) != 0 || len(got) != 2 {
			t.Errorf("received: %v", got)
		}
		mu.Unlock()

		if _, err := e.svc.Webhooks(ctx, clerk); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("a clerk listed webhooks: %v", err)
		}
		list, err := e.svc.Webhooks(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 4 || list[3].ID != off.ID || list[3].Active() || !list[0].Active() {
			t.Fatalf("list %+v", list)
		}
		for _, w := range list {
			sent := w.ID == docs.ID || w.ID == all.ID
			if sent != (w.Last != nil && w.Last.Status == notify.StatusSent) {
				t.Errorf("endpoint %d %s: last delivery %+v", w.ID, w.URL, w.Last)
			}
		}
		ds, err := e.svc.WebhookDeliveries(ctx, admin, docs.ID, 10)
		if err != nil || len(ds) != 1 || ds[0].Template != "document.received" {
			t.Fatalf("deliveries %+v %v", ds, err)
		}

		var actions []string
		rows, err := d.Reader().QueryContext(ctx, "SELECT action, object_id, summary FROM audit_entries ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a, id string
			var summary string
			rows.Scan(&a, &id, &summary)
			if strings.Contains(summary, "whsec_") {
				t.Errorf("the secret is in the audit log: %s", summary)
			}
			actions = append(actions, a)
		}
		rows.Close()
		creates, disables := 0, 0
		for _, a := range actions {
			switch a {
			case "notify.webhook.create":
				creates++
			case "notify.webhook.disable":
				disables++
			}
		}
		if creates != 4 || disables != 1 {
			b, _ := json.Marshal(actions)
			t.Fatalf("audit actions %s", b)
		}
	})
}
