package dvcqg

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// CatalogueEntry is one procedure of the portal's list (LayDanhSachTTHC).
type CatalogueEntry struct {
	MATTHC  string `json:"MATTHC"`
	TENTTHC string `json:"TENTTHC"`
}

// CatalogueProcedure is one procedure as LayThuTuc returns it (the fields
// this platform reads; the portal sends more).
type CatalogueProcedure struct {
	MATTHC          string `json:"MATTHC"`
	TENTTHC         string `json:"TENTTHC"`
	MALINHVUC       string `json:"MALINHVUC"`
	LINHVUCTHUCHIEN []struct {
		MALINHVUC  string `json:"MALINHVUC"`
		TENLINHVUC string `json:"TENLINHVUC"`
	} `json:"LINHVUCTHUCHIEN"`
	CACHTHUCTHUCHIEN []struct {
		KENH     json.Number `json:"KENH"` // 1 direct, 2 online, 3 postal
		THOIGIAN []struct {
			THOIGIANGIAIQUYET json.Number `json:"THOIGIANGIAIQUYET"`
			DONVITINH         string      `json:"DONVITINH"` // e.g. "Ngày làm việc"
			MOTA              string      `json:"MOTA"`
			PHILEPHI          []struct {
				MAPHILEPHI string      `json:"MAPHILEPHI"`
				SOTIEN     json.Number `json:"SOTIEN"`
				DONVI      string      `json:"DONVI"`
				MOTA       string      `json:"MOTA"`
			} `json:"PHILEPHI"`
		} `json:"THOIGIAN"`
	} `json:"CACHTHUCTHUCHIEN"`
	THANHPHANHOSO []struct {
		TRUONGHOP string `json:"TRUONGHOP"`
		GIAYTO    []struct {
			MAGIAYTO  string `json:"MAGIAYTO"`
			TENGIAYTO string `json:"TENGIAYTO"`
			TENMAUDON string `json:"TENMAUDON"`
			URL       string `json:"URL"`
		} `json:"GIAYTO"`
	} `json:"THANHPHANHOSO"`
	COQUANTHUCHIEN []struct {
		MADONVI  string `json:"MADONVI"`
		TENDONVI string `json:"TENDONVI"`
	} `json:"COQUANTHUCHIEN"`
	KETQUATHUCHIEN []struct {
		MAKETQUA  string `json:"MAKETQUA"`
		TENKETQUA string `json:"TENKETQUA"`
	} `json:"KETQUATHUCHIEN"`
	YEUCAU string `json:"YEUCAU"`
}

// Procedures reads the portal's list of procedures (LayDanhSachTTHC).
func (c *Client) Procedures(ctx context.Context) ([]CatalogueEntry, error) {
	r, err := c.call(ctx, c.cfg.ShareEndpoint, ServiceProcedureList, nil)
	if err != nil {
		return nil, err
	}
	var out []CatalogueEntry
	if err := decodeResult(ServiceProcedureList, r.Result, &out); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].MATTHC = strings.TrimSpace(out[i].MATTHC)
		out[i].TENTTHC = locale.NFC(out[i].TENTTHC)
	}
	return out, nil
}

// Procedure reads one procedure (LayThuTuc); ok is false when the portal
// has none with that code.
func (c *Client) Procedure(ctx context.Context, code string) (p CatalogueProcedure, ok bool, err error) {
	r, err := c.call(ctx, c.cfg.ShareEndpoint, ServiceProcedure, map[string]any{"maTTHC": code})
	if err != nil {
		return p, false, err
	}
	var list []CatalogueProcedure
	if err := decodeResult(ServiceProcedure, r.Result, &list); err != nil {
		return p, false, err
	}
	if len(list) == 0 {
		return p, false, nil
	}
	p = list[0]
	p.TENTTHC = locale.NFC(p.TENTTHC)
	return p, true, nil
}

func decodeResult(service string, raw json.RawMessage, into any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, into); err != nil {
		return &Error{Service: service, Kind: Permanent, Message: "kết quả không đúng định dạng", Err: err}
	}
	return nil
}
