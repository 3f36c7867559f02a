package access

// Webhook endpoints: where signed notifications of platform events are
// posted for integrations (another agency's system, the national portal).
// The system administrator adds, reviews and disables them; endpoints
// are platform-wide objects (Resource.AgencyID 0).
const (
	NotifyWebhookView   Action = "notify.webhook.view"   // list endpoints and their deliveries
	NotifyWebhookManage Action = "notify.webhook.manage" // add or disable an endpoint
)

func init() {
	register(
		ActionDef{Name: NotifyWebhookView, Summary: "Xem các địa chỉ nhận webhook và lần gửi",
			Roles: map[Role]Scope{SystemAdmin: ScopePlatform}},
		ActionDef{Name: NotifyWebhookManage, Summary: "Thêm hoặc tắt địa chỉ nhận webhook", Write: true,
			Roles: map[Role]Scope{SystemAdmin: ScopePlatform}},
	)
}
