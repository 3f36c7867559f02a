package web_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/outreach"
	"github.com/chinhquyen/chinhquyen/internal/web"
)

type oneCommune struct{}

func (oneCommune) AdminUnit(_ context.Context, code string, _ org.Date) (*org.AdminUnit, error) {
	if code != "02839" {
		return nil, apperr.New(apperr.NotFound, "không có xã mã %s", code)
	}
	return &org.AdminUnit{Code: code, Level: org.LevelCommune, Name: "Xã Bắc Hà"}, nil
}

func (o oneCommune) AdminUnitsOn(ctx context.Context, code string, on org.Date) ([]org.AdminUnit, error) {
	u, err := o.AdminUnit(ctx, code, on)
	if err != nil {
		return nil, err
	}
	return []org.AdminUnit{*u}, nil
}

func (oneCommune) Agency(context.Context, int64, org.Date) (*org.Agency, error) {
	return &org.Agency{ID: 1, AdminUnitCode: "02839"}, nil
}

// The commune page stays under 20 KB with a full page of long bulletins
// and their translations, has no script, style sheet or image, and the
// feed is Atom.
func TestOutreachPublicPageWeight(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations, jobs.Migrations, outreach.Migrations}, func(t *testing.T, d *db.DB) {
		log, _ := audit.New(d, audit.Options{})
		svc, err := outreach.New(d, outreach.Options{Audit: log, Org: oneCommune{}, SecretKey: bytes.Repeat([]byte{1}, 32), MaxSegments: 20})
		if err != nil {
			t.Fatal(err)
		}
		ctx := access.WithGuard(context.Background(), access.NewGuard(access.Options{DB: d, Audit: log}))
		leader := &actor.Actor{AccountID: 1, Kind: actor.Official, Name: "Chủ tịch", AgencyID: 1, Roles: []actor.RoleGrant{{Role: string(access.Leader), AgencyID: 1}}}
		body := strings.Repeat("Thông báo lịch tiêm chủng mở rộng cho trẻ em dưới năm tuổi tại trạm y tế xã. ", 14)
		for i := 0; i < 15; i++ {
			b, err := svc.Create(ctx, leader, outreach.DraftRequest{Title: fmt.Sprintf("Bản tin số %d về tiêm chủng", i), Body: body[:min(len(body), 1000)],
				Communes: []string{"02839"}, Translations: []outreach.Translation{{Lang: "hmn", Body: strings.Repeat("Ntawv ceeb toom txog kev txhaj tshuaj. ", 20)}}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Approve(ctx, leader, b.ID); err != nil {
				t.Fatal(err)
			}
			if _, _, err := svc.Send(ctx, leader, b.ID); err != nil {
				t.Fatal(err)
			}
		}
		mux := http.NewServeMux()
		web.NewOutreachPublic(svc, oneCommune{}).Register(mux)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		res, err := http.Get(srv.URL + "/communes/02839/bulletins")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || len(page) > web.MaxPublicPageBytes {
			t.Fatalf("status %d, %d bytes (limit %d)", res.StatusCode, len(page), web.MaxPublicPageBytes)
		}
		for _, bad := range []string{"<script", "<img", "stylesheet", "<style"} {
			if bytes.Contains(page, []byte(bad)) {
				t.Fatalf("page has %s", bad)
			}
		}
		if !bytes.Contains(page, []byte("Xã Bắc Hà")) || !bytes.Contains(page, []byte("Bản tin số 14")) {
			t.Fatalf("page content:\n%s", page[:500])
		}
		res, err = http.Get(srv.URL + "/communes/02839/bulletins.atom")
		if err != nil {
			t.Fatal(err)
		}
		var feed struct {
			XMLName xml.Name
			Entries []struct{ Title string } `xml:"entry"`
		}
		if err := xml.NewDecoder(res.Body).Decode(&feed); err != nil || feed.XMLName.Space != "http://www.w3.org/2005/Atom" || len(feed.Entries) != 10 {
			t.Fatalf("feed: %v %+v", err, feed)
		}
		res.Body.Close()
		res, _ = http.Get(srv.URL + "/communes/99999/bulletins")
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown commune: %d", res.StatusCode)
		}
	})
}
