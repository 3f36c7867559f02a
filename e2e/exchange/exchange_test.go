package exchange

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/pdfsign/pdfsigntest"
)

// Each instance serves its own demo province: the agency tree of
// instance 1 is Lào Cai's (with the ministry), that of instance 2 Quảng
// Ninh's (no ministry), so their agency codes differ (DEMO.H15… and
// DEMO.H22…) and a document can be addressed from one to the other.
func TestEachInstanceServesItsOwnProvince(t *testing.T) {
	p := twoInstances(t)
	cases := []struct {
		in         *instance
		want, not  []string
		clerk      string
		commune    string
		provinceCA string
	}{
		{p.laoCai, []string{"Ủy ban nhân dân tỉnh Lào Cai", "Sở Nội vụ tỉnh Lào Cai", "Bộ Dân tộc và Tôn giáo", "xã Bắc Hà"},
			[]string{"Quảng Ninh"}, "demo.clerk", "demo.commune_clerk", "Lào Cai"},
		{p.qNinh, []string{"Ủy ban nhân dân tỉnh Quảng Ninh", "Sở Nội vụ tỉnh Quảng Ninh", "xã Tiên Yên"},
			[]string{"Lào Cai", "Bộ Dân tộc và Tôn giáo"}, "demo.clerk", "demo.commune_clerk", "Quảng Ninh"},
	}
	for _, c := range cases {
		t.Run(c.in.province, func(t *testing.T) {
			page := get(t, c.in.url+"/agencies")
			for _, w := range c.want {
				if !strings.Contains(page, w) {
					t.Errorf("%s's agency tree lacks %q", c.in.name, w)
				}
			}
			for _, w := range c.not {
				if strings.Contains(page, w) {
					t.Errorf("%s's agency tree names %q", c.in.name, w)
				}
			}
			for _, l := range []string{c.clerk, c.commune} {
				if _, ok := c.in.logins[l]; !ok {
					t.Errorf("%s printed no demo login %s", c.in.name, l)
				}
			}
			// Its own certificate authority, named after its province.
			cas, err := c.in.command("ca", "list")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(cas, c.provinceCA) {
				t.Errorf("%s's CAs do not name %s:\n%s", c.in.name, c.provinceCA, cas)
			}
		})
	}
	if _, ok := p.qNinh.logins["demo.ministry_specialist"]; ok {
		t.Error("Quảng Ninh has a ministry specialist login without a ministry")
	}
}

// Joined with `exchange node` and `exchange peer add` the other way round,
// each instance lists the other as a peer with the other's agency codes
// (learnt from its signed directory).
func TestEachListsTheOtherAsPeer(t *testing.T) {
	if !hasCommand("exchange", "peer", "add") {
		t.Skip("the `exchange node` and `exchange peer add|list` commands are not in this build yet")
	}
	p := twoInstances(t)
	if !p.peered {
		t.Fatal("the instances were not joined as peers")
	}
	for _, c := range []struct {
		in          *instance
		other       string
		code, notOf string
	}{
		{p.laoCai, "Quảng Ninh", "DEMO.H22.01", "DEMO.H15.01"},
		{p.qNinh, "Lào Cai", "DEMO.H15.01", "DEMO.H22.01"},
	} {
		out, err := c.in.command("exchange", "peer", "list")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, c.other) || !strings.Contains(out, c.code) {
			t.Errorf("%s's peers do not name %s with %s:\n%s", c.in.name, c.other, c.code, out)
		}
		if strings.Contains(out, c.notOf+" ") || strings.Contains(out, c.notOf+"\n") {
			t.Errorf("%s lists its own agency %s as a peer's:\n%s", c.in.name, c.notOf, out)
		}
	}
}

// The outgoing flow the journey uses, inside instance 2 alone: Quảng
// Ninh's committee issues to Xã Tiên Yên, whose clerk registers it with
// the signatures valid (Quảng Ninh's own CA). It keeps the journey's API
// steps honest while the exchange is not in the build.
func TestQuangNinhIssuesToItsOwnCommune(t *testing.T) {
	p := twoInstances(t)
	summary := "Kế hoạch kiểm tra công tác cải cách hành chính tại xã Tiên Yên"
	sent := issue(t, p.qNinh, "DEMO.H22.06862", summary)
	commune := p.qNinh.api(t, "demo.commune_clerk")
	item := waitInbox(t, p.qNinh, commune, localInbox, summary, 10*time.Second)
	var reg document
	commune.call(t, "POST", fmt.Sprintf("/api/v1/documents/inbox/%d/register", item.DocumentID), nil, &reg)
	if reg.Symbol != sent.Symbol || len(reg.Attachments) == 0 || reg.Attachments[0].SignatureStatus != "valid" {
		t.Fatalf("registered %+v, sent %+v", reg, sent)
	}
	signed := p.qNinh.webFile(t, "demo.commune_clerk", reg.ID)
	root := filepath.Join(t.TempDir(), "root.pem")
	if err := os.WriteFile(root, []byte(get(t, p.qNinh.url+"/pki/ca/root.pem")), 0o644); err != nil {
		t.Fatal(err)
	}
	pdfsigntest.Check(t, signed, root, 2, false)
}
