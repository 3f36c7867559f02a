package web

import (
	"errors"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/outreach"
)

// A refusal naming a field goes beside the form's input (the service's
// names mapped onto the form's); one without a field goes to the page's top.
func TestOutreachErrorsGoBesideTheirField(t *testing.T) {
	for _, c := range []struct {
		err         error
		top, field  string
		besideField string
	}{
		{apperr.FieldError("title", "Thiếu tiêu đề"), "", "title", "Thiếu tiêu đề"},
		{apperr.FieldError("text", "Nội dung trống"), "", "body", "Nội dung trống"},
		{apperr.FieldError("translations", "Ngôn ngữ lạ"), "", "tr_body", "Ngôn ngữ lạ"},
		{apperr.FieldError("consent_purpose", "Thiếu mục đích"), "", "purpose", "Thiếu mục đích"},
		{apperr.New(apperr.Forbidden, "Không có quyền"), "Không có quyền", "", ""},
		{errors.New("boom"), apperr.MessageOf(errors.New("boom")), "", ""},
	} {
		top, fields := outreachErrors(c.err)
		if top != c.top || fields[c.field] != c.besideField || (c.field == "" && fields != nil) {
			t.Errorf("%v: top %q, fields %v", c.err, top, fields)
		}
	}
}

// A bulletin's page offers the actions of its status and the viewer's roles.
func TestOutreachActionsFollowStatusAndRoles(t *testing.T) {
	officer := &actor.Actor{AccountID: 7, Kind: actor.Official, Roles: []actor.RoleGrant{{Role: string(access.OutreachOfficer), AgencyID: 1}}}
	leader := &actor.Actor{AccountID: 8, Kind: actor.Official, Roles: []actor.RoleGrant{{Role: string(access.Leader), AgencyID: 1}}}
	clerk := &actor.Actor{AccountID: 9, Kind: actor.Official, Roles: []actor.RoleGrant{{Role: string(access.Clerk), AgencyID: 1}}}
	draft := &outreach.Bulletin{Status: outreach.Draft, CreatedBy: 7}
	for _, c := range []struct {
		name string
		a    *actor.Actor
		b    *outreach.Bulletin
		want outreachActions
	}{
		{"officer's draft", officer, draft, outreachActions{Submit: true, Cancel: true}},
		{"another officer's draft", &actor.Actor{AccountID: 10, Kind: actor.Official, Roles: officer.Roles}, draft, outreachActions{Submit: true}},
		{"leader, submitted", leader, &outreach.Bulletin{Status: outreach.Submitted}, outreachActions{Approve: true, Cancel: true}},
		{"officer, approved", officer, &outreach.Bulletin{Status: outreach.Approved}, outreachActions{Send: true}},
		{"leader, approved emergency", leader, &outreach.Bulletin{Status: outreach.Approved, Priority: outreach.PriorityEmergency}, outreachActions{Send: true, Emergency: true, Cancel: true}},
		{"officer, sent", officer, &outreach.Bulletin{Status: outreach.Sent}, outreachActions{}},
		{"clerk, draft", clerk, draft, outreachActions{}},
	} {
		if got := outreachActionsOf(c.a, c.b); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}
