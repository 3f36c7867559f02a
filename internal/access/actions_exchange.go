package access

// Document exchange between nodes: the system administrator reviews this
// node and its peers (health, outages) and trusts or removes a peer. Peers
// are platform-wide objects (Resource.AgencyID 0).
const (
	ExchangePeerView   Action = "exchange.peer.view"   // this node, the peers, their health and outages
	ExchangePeerManage Action = "exchange.peer.manage" // trust (pin) or remove a peer
)

func init() {
	register(
		ActionDef{Name: ExchangePeerView, Summary: "Xem nút trao đổi văn bản và các nút kết nối",
			Roles: map[Role]Scope{SystemAdmin: ScopePlatform}},
		ActionDef{Name: ExchangePeerManage, Summary: "Thêm hoặc gỡ nút kết nối trao đổi văn bản", Write: true,
			Roles: map[Role]Scope{SystemAdmin: ScopePlatform}},
	)
}
