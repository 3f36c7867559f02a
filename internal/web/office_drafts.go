package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/exchange/docex"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
)

// Drafts are the pages of the outgoing flow (Decree 30/2020/NĐ-CP Arts.
// 10–16): the worklist (/office/drafts: my drafts, waiting for my review
// or signature, waiting for the clerk), a new draft (/office/drafts/new),
// one draft (/office/drafts/{id}: versions, timeline and the action the
// reader may take now) and the clerk's queue of delivered documents
// (/office/inbox). Plain forms, no script; the documents service asks
// access.Can and audits every step.
type Drafts struct {
	rd     *renderer
	docs   *documents.Service
	blob   *blob.Service
	people func(ctx context.Context, agency int64) ([]documents.Person, error)
	remote *docex.Service
}

// DraftsDeps are what the drafting pages need. People lists an agency's
// officials for the signer and reviewer choices.
type DraftsDeps struct {
	Documents *documents.Service
	Uploads   *blob.Service
	People    func(ctx context.Context, agency int64) ([]documents.Person, error)
	// Exchange, when set, lists the documents received from peer nodes
	// in the same inbox (liên thông) and registers or returns them.
	Exchange *docex.Service
}

// Drafts returns the drafting pages sharing h's templates.
func (h *Handler) Drafts(d DraftsDeps) *Drafts {
	return &Drafts{rd: h.rd, docs: d.Documents, blob: d.Uploads, people: d.People, remote: d.Exchange}
}

// The two routes that take a file: the application gives them the upload
// routes' body limit.
const (
	NewDraftRoute     = "/office/drafts/new"
	DraftVersionRoute = "/office/drafts/version"
)

// Register mounts the pages on mux.
func (p *Drafts) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /office/drafts", p.list)
	mux.HandleFunc("GET "+NewDraftRoute, p.newForm)
	mux.HandleFunc("POST "+NewDraftRoute, p.create)
	mux.HandleFunc("POST "+DraftVersionRoute, p.version)
	mux.HandleFunc("GET /office/drafts/{id}", p.show)
	mux.HandleFunc("GET /office/drafts/{id}/versions/{n}", p.download)
	mux.HandleFunc("POST /office/drafts/{id}/{step}", p.act)
	mux.HandleFunc("GET /office/inbox", p.inbox)
	mux.HandleFunc("POST /office/inbox/{id}/{step}", p.receive)
	mux.HandleFunc("POST /office/inbox/remote/{id}/{step}", p.receiveRemote)
	mux.HandleFunc("POST /office/inbox/remote/{id}/takeback/{answer}", p.answerTakeBack)
}

type draftsSection struct {
	Heading string // catalog key
	Docs    []*documents.Document
}

type draftsData struct {
	Sections  []draftsSection
	Delivered int
	Create    bool // may start a draft
	Clerk     bool
}

func (p *Drafts) list(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	wl, err := p.docs.Worklist(r.Context(), a)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	res := access.Resource{Type: "document", AgencyID: a.AgencyID}
	d := draftsData{Delivered: len(wl.Delivered), Create: access.Permits(r.Context(), a, access.DocumentsDraftCreate, res),
		Clerk: access.Permits(r.Context(), a, access.DocumentsDeliveryReceive, res)}
	d.Sections = []draftsSection{{"drafts.toreview", wl.ToReview}, {"drafts.mine", wl.Mine}}
	if access.Permits(r.Context(), a, access.DocumentsOutgoingIssue, res) {
		d.Sections = append(d.Sections, draftsSection{"drafts.toissue", wl.ToIssue})
	}
	p.rd.render(w, r, http.StatusOK, "office_drafts", "drafts.title", d)
}

type newDraftData struct {
	Type, Summary, Urgency, Classification, Signer, Authority, Position, Recipients, Free string
	Reviewers                                                                             []string
	Legal                                                                                 bool
	Types, Urgencies, Levels, Leaders, Officials, Authorities                             []option
	MaxMB                                                                                 int64
	Error, Field                                                                          string
	// RepliesTo is the incoming document this draft answers (the document
	// page's "reply" link), kept as the draft's replies_to relation.
	RepliesTo string
	Related   []relatedDoc
}

// relatedDoc is a document a draft relates to, as its page shows it.
type relatedDoc struct {
	ID            int64
	Label, Symbol string
}

// related describes the relations the reader may see (a target they may
// not read is left out, as the service would refuse it).
func (p *Drafts) related(ctx context.Context, a *actor.Actor, rels []documents.Relation) []relatedDoc {
	var out []relatedDoc
	for _, rel := range rels {
		if t, err := p.docs.Get(ctx, a, rel.TargetID); err == nil {
			out = append(out, relatedDoc{ID: t.ID, Label: documents.RelationLabel(rel.Kind), Symbol: t.Symbol + " — " + t.Summary})
		}
	}
	return out
}

func (p *Drafts) newPage(w http.ResponseWriter, r *http.Request, a *actor.Actor, status int, d newDraftData) {
	d.Types, d.Urgencies = typeOptions(d.Type), urgencyOptions(documents.Urgency(d.Urgency))
	d.Levels = nil
	for _, l := range []access.Level{access.Public, access.Internal, access.Restricted} {
		d.Levels = append(d.Levels, option{Value: l.String(), Label: l.Label(), Selected: l.String() == d.Classification})
	}
	d.Authorities = []option{{Value: "", Label: "—", Selected: d.Authority == ""}}
	for _, au := range documents.Authorities {
		d.Authorities = append(d.Authorities, option{Value: au, Label: au, Selected: au == d.Authority})
	}
	if p.people != nil {
		people, err := p.people(r.Context(), a.AgencyID)
		if err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
		for _, pe := range people {
			id := strconv.FormatInt(pe.AccountID, 10)
			if pe.AccountID == a.AccountID || pe.Disabled {
				continue
			}
			if pe.HasRole(access.Leader, a.AgencyID) {
				d.Leaders = append(d.Leaders, option{Value: id, Label: pe.Name, Selected: id == d.Signer})
			}
			sel := false
			for _, r := range d.Reviewers {
				sel = sel || r == id
			}
			d.Officials = append(d.Officials, option{Value: id, Label: pe.Name, Selected: sel})
		}
	}
	d.MaxMB = p.blob.MaxSize() >> 20
	if id, err := strconv.ParseInt(d.RepliesTo, 10, 64); err == nil && id > 0 {
		d.Related = p.related(r.Context(), a, []documents.Relation{{Kind: documents.RelRepliesTo, TargetID: id}})
	}
	p.rd.render(w, r, status, "office_draft_new", "drafts.new.title", d)
}

func (p *Drafts) newForm(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	if err := access.Authorize(r.Context(), a, access.DocumentsDraftCreate, access.Resource{Type: "document", ID: "new", AgencyID: a.AgencyID}); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	p.newPage(w, r, a, http.StatusOK, newDraftData{Type: "QĐ", Urgency: string(documents.UrgencyNormal), Classification: access.Internal.String(),
		Free: "Như trên;\nLưu: VT.", RepliesTo: r.URL.Query().Get("replies_to")})
}

// formFailure is an error shown on the form with its field marked.
func formFailure(r *http.Request, err error) (msg, field string, status int) {
	status = httpx.Status(err)
	httpx.LogError(r, status, err)
	var ae *apperr.Error
	if errors.As(err, &ae) {
		field = ae.Field
	}
	return apperr.MessageOf(err), field, status
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (p *Drafts) create(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	var d newDraftData
	fail := func(err error) {
		var status int
		d.Error, d.Field, status = formFailure(r, err)
		p.newPage(w, r, a, status, d)
	}
	if err := r.ParseMultipartForm(maxFormMemory); err != nil {
		fail(uploadError(err, p.blob.MaxSize()))
		return
	}
	defer r.MultipartForm.RemoveAll()
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	d = newDraftData{Type: f("type"), Summary: f("summary"), Urgency: f("urgency"), Classification: f("classification"),
		Signer: f("signer"), Authority: f("authority"), Position: f("position"), Recipients: f("recipients"), Free: r.PostFormValue("free"),
		Reviewers: r.PostForm["reviewers"], Legal: f("legal") == "1", RepliesTo: f("replies_to")}
	signer, err := strconv.ParseInt(d.Signer, 10, 64)
	if err != nil {
		fail(apperr.FieldError("signer.account_id", "Chưa chọn người ký"))
		return
	}
	var reviewers []int64
	for _, s := range d.Reviewers {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			fail(apperr.FieldError("reviewers", "Người duyệt không hợp lệ"))
			return
		}
		if id != signer {
			reviewers = append(reviewers, id)
		}
	}
	var relations []documents.Relation
	if d.RepliesTo != "" {
		id, err := strconv.ParseInt(d.RepliesTo, 10, 64)
		if err != nil || id <= 0 {
			fail(apperr.FieldError("relations", "Văn bản được trả lời không hợp lệ"))
			return
		}
		relations = append(relations, documents.Relation{Kind: documents.RelRepliesTo, TargetID: id})
	}
	level, err := access.ParseLevel(d.Classification)
	if err != nil {
		fail(apperr.FieldError("classification", "%s", apperr.MessageOf(err)))
		return
	}
	fhs := r.MultipartForm.File["file"]
	if len(fhs) != 1 {
		fail(apperr.FieldError("file", "Chọn một tệp dự thảo (PDF hoặc DOCX)"))
		return
	}
	up, err := p.blob.UploadFile(r.Context(), a, fhs[0], blob.Request{Level: level})
	if err != nil {
		fail(apperr.FieldError("file", "Tệp %q: %s", fhs[0].Filename, apperr.MessageOf(err)))
		return
	}
	doc, err := p.docs.CreateDraft(r.Context(), a, documents.DraftRequest{Type: d.Type, Summary: d.Summary, Urgency: d.Urgency,
		Classification: d.Classification, Legal: d.Legal, Recipients: strings.Fields(strings.ReplaceAll(d.Recipients, ",", " ")),
		FreeRecipients: lines(d.Free), Reviewers: reviewers, Relations: relations, File: up.ID,
		Signer: documents.SignerRequest{AccountID: signer, Authority: d.Authority, Position: d.Position}})
	if err != nil {
		fail(err)
		return
	}
	http.Redirect(w, r, "/office/drafts/"+strconv.FormatInt(doc.ID, 10)+"?ok=created", http.StatusSeeOther)
}

type draftData struct {
	Doc    *documents.Document
	Events []documents.Event
	Notice string // catalog key
	Error  string
	// What the reader may do now.
	Drafter, Reviewer, Signer, Clerk, Commenter bool
	Current                                     documents.Reviewer
	LastIsPDF                                   bool
	Related                                     []relatedDoc
	MaxMB                                       int64
}

func pathInt(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

func (p *Drafts) show(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, ok := pathInt(r, "id")
	if !ok {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không tìm thấy văn bản"))
		return
	}
	p.showDraft(w, r, a, id, http.StatusOK, "")
}

func (p *Drafts) showDraft(w http.ResponseWriter, r *http.Request, a *actor.Actor, id int64, status int, errMsg string) {
	doc, err := p.docs.Get(r.Context(), a, id)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	if doc.Outgoing == nil {
		http.Redirect(w, r, "/office/documents/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return
	}
	events, err := p.docs.Timeline(r.Context(), a, id)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	o := doc.Outgoing
	d := draftData{Doc: doc, Events: events, Error: errMsg, MaxMB: p.blob.MaxSize() >> 20, Related: p.related(r.Context(), a, o.Relations)}
	if ok := r.URL.Query().Get("ok"); ok != "" && errMsg == "" {
		d.Notice = "drafts.ok." + map[string]string{"created": "created", "version": "version", "submit": "submit", "approve": "approve",
			"return": "return", "comment": "comment", "sign": "sign", "issue": "issue"}[ok]
		if d.Notice == "drafts.ok." {
			d.Notice = ""
		}
	}
	cur, inReview := o.Current()
	d.Current = cur
	last, _ := o.Last()
	d.LastIsPDF = last.MediaType == blob.TypePDF
	editable := doc.Status == documents.StatusDraft || doc.Status == documents.StatusReturned
	d.Drafter = doc.CreatedBy == a.AccountID && editable
	d.Reviewer = doc.Status == documents.StatusReview && inReview && cur.AccountID == a.AccountID
	d.Signer = o.Signer.AccountID == a.AccountID && (doc.Status == documents.StatusApproved || d.Reviewer && cur.AccountID == o.Signer.AccountID)
	d.Clerk = (doc.Status == documents.StatusSigned || doc.Status == documents.StatusNumbered) &&
		access.Permits(r.Context(), a, access.DocumentsOutgoingIssue, doc.Resource())
	d.Commenter = doc.Status != documents.StatusIssued && (doc.CreatedBy == a.AccountID || func() bool {
		for _, c := range o.Chain {
			if c.AccountID == a.AccountID {
				return true
			}
		}
		return false
	}())
	p.rd.render(w, r, status, "office_draft", "drafts.one.title", d)
}

// version takes a new file of the drafter's draft (its id in a field, so
// the route is one fixed path with the upload body limit).
func (p *Drafts) version(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	perr := r.ParseMultipartForm(maxFormMemory)
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil || id <= 0 {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không tìm thấy văn bản"))
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	fail := func(err error) {
		msg, _, status := formFailure(r, err)
		p.showDraft(w, r, a, id, status, msg)
	}
	if perr != nil {
		fail(uploadError(perr, p.blob.MaxSize()))
		return
	}
	doc, err := p.docs.Get(r.Context(), a, id)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	fhs := r.MultipartForm.File["file"]
	if len(fhs) != 1 {
		fail(apperr.FieldError("file", "Chọn một tệp dự thảo (PDF hoặc DOCX)"))
		return
	}
	level := access.Internal
	if doc.Classification == access.Restricted {
		level = access.Restricted
	}
	up, err := p.blob.UploadFile(r.Context(), a, fhs[0], blob.Request{Level: level})
	if err != nil {
		fail(apperr.FieldError("file", "Tệp %q: %s", fhs[0].Filename, apperr.MessageOf(err)))
		return
	}
	if _, err := p.docs.AddVersion(r.Context(), a, id, up.ID); err != nil {
		fail(err)
		return
	}
	http.Redirect(w, r, "/office/drafts/"+strconv.FormatInt(id, 10)+"?ok=version", http.StatusSeeOther)
}

// act runs one step of the flow posted from the draft's page.
func (p *Drafts) act(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, ok := pathInt(r, "id")
	if !ok {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không tìm thấy văn bản"))
		return
	}
	step := r.PathValue("step")
	comment := r.PostFormValue("comment")
	var err error
	switch step {
	case "submit":
		err = p.docs.Submit(r.Context(), a, id, comment)
	case "approve", "return":
		err = p.docs.Review(r.Context(), a, id, step, comment)
	case "comment":
		v, _ := strconv.Atoi(r.PostFormValue("version"))
		err = p.docs.Comment(r.Context(), a, id, v, comment)
	case "sign":
		_, err = p.docs.Sign(r.Context(), a, id, documents.SignRequest{})
	case "issue":
		_, err = p.docs.Issue(r.Context(), a, id, documents.IssueRequest{})
	default:
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không có thao tác này"))
		return
	}
	if err != nil {
		if c := apperr.CodeOf(err); c == apperr.NotFound || c == apperr.Unauthorized {
			p.rd.errorPage(w, r, err)
			return
		}
		msg, _, status := formFailure(r, err)
		p.showDraft(w, r, a, id, status, msg)
		return
	}
	if step == "issue" {
		http.Redirect(w, r, "/office/documents/"+strconv.FormatInt(id, 10)+"?ok=issued", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/office/drafts/"+strconv.FormatInt(id, 10)+"?ok="+step, http.StatusSeeOther)
}

// download serves version n of a draft to who may read it.
func (p *Drafts) download(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, ok1 := pathInt(r, "id")
	n, ok2 := pathInt(r, "n")
	if !ok1 || !ok2 {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không tìm thấy tệp"))
		return
	}
	doc, err := p.docs.Get(r.Context(), a, id)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	if doc.Outgoing == nil || n > int64(len(doc.Outgoing.Versions)) {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không tìm thấy tệp"))
		return
	}
	v := doc.Outgoing.Versions[n-1]
	rc, up, err := p.blob.Open(r.Context(), v.UploadID)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", up.MediaType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(v.Name))
	w.Header().Set("Content-Length", strconv.FormatInt(up.Size, 10))
	w.Header().Set("Cache-Control", "private, no-store")
	if _, err := io.Copy(w, rc); err != nil {
		httpx.LogError(r, http.StatusInternalServerError, err)
	}
}

type inboxData struct {
	Items []documents.InboxItem
	// Remote are the packages received from peer nodes (liên thông).
	Remote []docex.Received
	Notice string
	Error  string
}

func (p *Drafts) inbox(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	d := inboxData{}
	switch r.URL.Query().Get("ok") {
	case "returned":
		d.Notice = "inbox.ok.returned"
	case "takeback_answered":
		d.Notice = "inbox.ok.takeback_answered"
	}
	p.renderInbox(w, r, a, http.StatusOK, d)
}

func (p *Drafts) renderInbox(w http.ResponseWriter, r *http.Request, a *actor.Actor, status int, d inboxData) {
	items, err := p.docs.Inbox(r.Context(), a)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	d.Items = items
	if p.remote != nil {
		if d.Remote, err = p.remote.Inbox(r.Context(), a); err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
	}
	p.rd.render(w, r, status, "office_inbox", "inbox.title", d)
}

// receive registers or returns a delivered document.
func (p *Drafts) receive(w http.ResponseWriter, r *http.Request) {
	p.inboxStep(w, r, p.docs.ReceiveDelivered, p.docs.ReturnDelivered)
}

// receiveRemote registers or returns a document received from a peer node.
func (p *Drafts) receiveRemote(w http.ResponseWriter, r *http.Request) {
	if p.remote == nil {
		p.inboxStep(w, r, nil, nil)
		return
	}
	p.inboxStep(w, r, p.remote.Register, p.remote.Return)
}

// inboxStep runs the register or return step of an inbox item with the
// given actions (nil when that kind of item is not served here).
func (p *Drafts) inboxStep(w http.ResponseWriter, r *http.Request,
	register func(context.Context, *actor.Actor, int64) (*documents.Document, error),
	giveBack func(context.Context, *actor.Actor, int64, string) error) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, ok := pathInt(r, "id")
	if !ok || register == nil {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không tìm thấy văn bản"))
		return
	}
	fail := func(err error) {
		msg, _, status := formFailure(r, err)
		p.renderInbox(w, r, a, status, inboxData{Error: msg})
	}
	switch r.PathValue("step") {
	case "register":
		doc, err := register(r.Context(), a, id)
		if err != nil {
			fail(err)
			return
		}
		http.Redirect(w, r, "/office/documents/"+strconv.FormatInt(doc.ID, 10)+"?ok=registered", http.StatusSeeOther)
	case "return":
		if err := giveBack(r.Context(), a, id, r.PostFormValue("reason")); err != nil {
			fail(err)
			return
		}
		http.Redirect(w, r, "/office/inbox?ok=returned", http.StatusSeeOther)
	default:
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không có thao tác này"))
	}
}
