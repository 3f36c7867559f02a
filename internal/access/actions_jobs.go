package access

// The job queue's actions: the system administrator sees the platform's
// background work on /admin/jobs and puts failed jobs back in the queue.
// Jobs are platform-wide objects (Resource.AgencyID 0).
const (
	JobsView  Action = "jobs.view"  // list queued, running and failed jobs with their errors
	JobsRetry Action = "jobs.retry" // put a failed job back in the queue
)

func init() {
	register(
		ActionDef{Name: JobsView, Summary: "Xem hàng đợi công việc nền",
			Roles: map[Role]Scope{SystemAdmin: ScopePlatform}},
		ActionDef{Name: JobsRetry, Summary: "Chạy lại công việc nền bị lỗi", Write: true,
			Roles: map[Role]Scope{SystemAdmin: ScopePlatform}},
	)
}
