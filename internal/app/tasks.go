package app

import (
	"context"
	"fmt"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/tasks"
)

// buildTasks creates the direction and tasks service and schedules its
// daily reminders.
func (a *App) buildTasks() error {
	var err error
	a.Tasks, err = tasks.New(a.DB, tasks.Options{Audit: a.Audit, Calendar: a.Calendar, Documents: a.Documents,
		Directory: taskDirectory{id: a.Identity, org: a.Org}, Uploads: a.Blob, Mail: a.Notify,
		BaseURL: a.Config.PublicURL(a.Config.Addr), Now: a.Now, Logger: a.Log})
	if err != nil {
		return fmt.Errorf("tasks service: %w", err)
	}
	a.Tasks.Register(a.Jobs)
	return nil
}

// taskDirectory finds the officials and units tasks are given to: accounts
// of officials in identity, current units in org. It reads as the system:
// the task service decides who may give a task.
type taskDirectory struct {
	id  *identity.Service
	org *org.Service
}

var directoryActor = actor.SystemActor("tasks")

func (d taskDirectory) Person(ctx context.Context, id int64) (tasks.Person, error) {
	acc, err := d.id.Account(ctx, directoryActor, id)
	if err != nil {
		return tasks.Person{}, err
	}
	if acc.Kind != actor.Official || acc.Disabled {
		return tasks.Person{}, apperr.New(apperr.NotFound, "Không tìm thấy cán bộ")
	}
	return personOf(acc), nil
}

func personOf(acc identity.Account) tasks.Person {
	p := tasks.Person{ID: acc.ID, Name: acc.Name, Email: acc.Email, AgencyID: acc.AgencyID, UnitID: acc.UnitID}
	for _, g := range acc.Roles {
		p.Leader = p.Leader || (g.Role == string(access.Leader) && g.AgencyID == acc.AgencyID)
	}
	return p
}

func (d taskDirectory) Unit(ctx context.Context, id int64) (tasks.Unit, error) {
	u, err := d.org.Unit(ctx, id)
	if err != nil {
		return tasks.Unit{}, err
	}
	if !u.ValidTo.IsZero() {
		return tasks.Unit{}, apperr.New(apperr.NotFound, "Đơn vị đã giải thể hoặc đổi tên")
	}
	return tasks.Unit{ID: u.ID, Name: u.Name, AgencyID: u.AgencyID}, nil
}

func (d taskDirectory) Members(ctx context.Context, unitID int64) ([]tasks.Person, error) {
	u, err := d.org.Unit(ctx, unitID)
	if err != nil {
		return nil, err
	}
	accs, err := d.id.Officials(ctx, directoryActor, u.AgencyID)
	if err != nil {
		return nil, err
	}
	var out []tasks.Person
	for _, acc := range accs {
		if acc.UnitID == unitID && !acc.Disabled {
			out = append(out, personOf(acc))
		}
	}
	return out, nil
}

// seedDemoTasks gives directions and tasks on the demo documents (after
// they are seeded): in every agency with a known leader, to its units. It
// does nothing without documents.
func (a *App) seedDemoTasks(ctx context.Context) error {
	system := actor.SystemActor("first-start")
	ctx = access.WithGuard(ctx, a.Guard)
	staff := map[int64]tasks.DemoStaff{}
	var docs []*documents.Document
	for page := 1; ; page++ {
		list, err := a.Documents.List(ctx, system, documents.ListQuery{Direction: documents.Incoming, Page: page, PageSize: documents.MaxPageSize})
		if err != nil {
			return err
		}
		for _, it := range list.Items {
			if _, ok := staff[it.AgencyID]; !ok {
				staff[it.AgencyID] = a.demoStaff(ctx, it.AgencyID)
			}
			if len(staff[it.AgencyID].Units) == 0 {
				continue
			}
			d, err := a.Documents.Get(ctx, system, it.ID)
			if err != nil {
				return err
			}
			docs = append(docs, d)
		}
		if page >= list.Pages() {
			break
		}
	}
	for id, st := range staff {
		if len(st.Units) == 0 {
			delete(staff, id)
		}
	}
	n, err := a.Tasks.SeedDemo(ctx, docs, staff)
	if err != nil {
		return err
	}
	a.Log.Info("demo tasks created", "tasks", n, "agencies", len(staff))
	return nil
}

// demoStaff is who gives an agency's demo tasks (its demo leader login,
// else its head as the demo documents name them) and to which units; no
// units when neither is known.
func (a *App) demoStaff(ctx context.Context, agency int64) tasks.DemoStaff {
	var st tasks.DemoStaff
	accs, err := a.Identity.Officials(ctx, directoryActor, agency)
	if err != nil {
		return st
	}
	for _, acc := range accs {
		if p := personOf(acc); p.Leader && st.Leader.ID == 0 {
			st.Leader = p
		}
	}
	if st.Leader.ID == 0 {
		// No demo login leads this agency: its head, as the demo's
		// documents name them, gives its tasks (no account of theirs).
		g, err := a.Org.Agency(ctx, agency, org.Date{})
		if err != nil {
			return st
		}
		name, _, ok := demoSigner(g.Code)
		if !ok {
			return st
		}
		st.Leader = tasks.Person{Name: name, AgencyID: agency}
	}
	st.Units, _ = a.taskUnits(ctx, agency)
	return st
}

// taskUnits lists the units an agency's leaders give tasks to: its own
// current units or, for a committee without units of its own (the
// provincial people's committee), the divisions of its office, which
// advise its chair (Văn phòng UBND tỉnh).
func (a *App) taskUnits(ctx context.Context, agency int64) ([]tasks.Unit, error) {
	units, err := a.Org.Units(ctx, agency, org.Date{})
	if err != nil {
		return nil, err
	}
	if len(units) == 0 {
		offices, err := a.Org.Agencies(ctx, org.AgencyFilter{ParentID: agency, Kind: org.KindProvinceOffice})
		if err != nil {
			return nil, err
		}
		for _, o := range offices {
			more, err := a.Org.Units(ctx, o.ID, org.Date{})
			if err != nil {
				return nil, err
			}
			units = append(units, more...)
		}
	}
	out := make([]tasks.Unit, len(units))
	for i, u := range units {
		out[i] = tasks.Unit{ID: u.ID, Name: u.Name, AgencyID: u.AgencyID}
	}
	return out, nil
}

// taskChoices lists an agency's current units and its officials' accounts
// for the assignee lists of the direction and task forms.
func (a *App) taskChoices(ctx context.Context, agency int64) ([]tasks.Unit, []tasks.Person, error) {
	us, err := a.taskUnits(ctx, agency)
	if err != nil {
		return nil, nil, err
	}
	accs, err := a.Identity.Officials(ctx, directoryActor, agency)
	if err != nil {
		return nil, nil, err
	}
	var people []tasks.Person
	for _, acc := range accs {
		if !acc.Disabled {
			people = append(people, personOf(acc))
		}
	}
	locale.SortFunc(people, func(p tasks.Person) string { return p.Name })
	return us, people, nil
}
