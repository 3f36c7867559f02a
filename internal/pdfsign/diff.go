package pdfsign

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/chinhquyen/chinhquyen/internal/pdf"
)

// laterChanges classifies what the incremental updates after offset end
// changed, compared with the document as signed. Allowed: DSS, document
// time-stamps, new signatures and signature fields, annotations added to
// pages, form (AcroForm) bookkeeping, document metadata. Not allowed:
// anything else, in particular changes to page content or resources.
func (v *verifier) laterChanges(end int64) []Change {
	old, err := v.r.AsOf(end)
	if err != nil {
		return []Change{{Kind: "other", Description: "không đọc được phiên bản tài liệu đã ký"}}
	}
	secs := v.r.Sections()
	roles := objectRoles(old)
	var out []Change
	seen := map[int]bool{}
	for i, sec := range secs {
		if sec.Offset < end {
			continue
		}
		after, err := v.r.AsOf(sec.Offset + 1)
		if err != nil {
			continue
		}
		for _, num := range sec.Objects {
			if len(out) > 200 {
				out = append(out, Change{Revision: i + 1, Kind: "other", Description: "quá nhiều thay đổi"})
				return out
			}
			c, ok := classifyChange(old, after, num, roles)
			if !ok {
				continue
			}
			key := num*1000 + i
			if seen[key] {
				continue
			}
			seen[key] = true
			c.Revision = i + 1
			c.Object = num
			out = append(out, c)
		}
	}
	return out
}

// objectRoles names the special objects of the signed revision.
func objectRoles(r *pdf.Reader) map[int]string {
	roles := map[int]string{}
	if ref, ok := r.Trailer()["Root"].(pdf.Ref); ok {
		roles[ref.Num] = "catalog"
	}
	if ref, ok := r.Trailer()["Info"].(pdf.Ref); ok {
		roles[ref.Num] = "info"
	}
	cat, _, err := r.Catalog()
	if err != nil {
		return roles
	}
	if ref, ok := cat["AcroForm"].(pdf.Ref); ok {
		roles[ref.Num] = "acroform"
	}
	if af, ok := r.Dict(cat["AcroForm"]); ok {
		if ref, ok := af["Fields"].(pdf.Ref); ok {
			roles[ref.Num] = "fields"
		}
	}
	if ref, ok := cat["DSS"].(pdf.Ref); ok {
		roles[ref.Num] = "dss"
	}
	pages, _ := r.Pages()
	for i, p := range pages {
		roles[p.Num] = fmt.Sprintf("page:%d", i+1)
		if d, ok := r.Dict(p); ok {
			if ref, ok := d["Annots"].(pdf.Ref); ok {
				roles[ref.Num] = fmt.Sprintf("annots:%d", i+1)
			}
		}
	}
	return roles
}

func marshal(o pdf.Object) []byte {
	if s, ok := o.(*pdf.Stream); ok {
		b, _ := pdf.Marshal(s.Dict)
		return append(b, s.Data...)
	}
	b, _ := pdf.Marshal(o)
	return b
}

func dictOf(o pdf.Object) pdf.Dict {
	switch d := o.(type) {
	case pdf.Dict:
		return d
	case *pdf.Stream:
		return d.Dict
	}
	return nil
}

// changedKeys lists keys whose values differ between a and b.
func changedKeys(a, b pdf.Dict) []string {
	var keys []string
	for k, av := range a {
		if bv, ok := b[k]; !ok || !bytes.Equal(marshal(av), marshal(bv)) {
			keys = append(keys, string(k))
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, string(k))
		}
	}
	sort.Strings(keys)
	return keys
}

// superset reports whether every element of a is still in b.
func superset(r *pdf.Reader, a, b pdf.Object) bool {
	aa, _ := r.Resolve(a).(pdf.Array)
	ba, ok := b.(pdf.Array)
	if !ok {
		return len(aa) == 0
	}
	have := map[string]bool{}
	for _, e := range ba {
		have[string(marshal(e))] = true
	}
	for _, e := range aa {
		if !have[string(marshal(e))] {
			return false
		}
	}
	return true
}

func onlyKeys(keys []string, allowed ...string) bool {
	for _, k := range keys {
		ok := false
		for _, a := range allowed {
			if k == a {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// classifyChange describes how object num differs between the signed
// revision old and the later revision after. ok=false: nothing to report.
func classifyChange(old, after *pdf.Reader, num int, roles map[int]string) (Change, bool) {
	ref := pdf.Ref{Num: num, Gen: after.Generation(num)}
	nv, err := after.Object(ref)
	if err != nil {
		return Change{}, false
	}
	nd := dictOf(nv)
	typ, _ := nd.Name("Type")
	sub, _ := nd.Name("Subtype")
	if typ == "XRef" || typ == "ObjStm" {
		return Change{}, false
	}
	ov, err := old.Object(pdf.Ref{Num: num, Gen: old.Generation(num)})
	if err != nil || ov == nil {
		// A new object: report only what a reader would notice.
		switch {
		case typ == "Sig":
			return Change{Kind: "signature", Allowed: true, Description: "thêm chữ ký mới"}, true
		case typ == "DocTimeStamp":
			return Change{Kind: "document-timestamp", Allowed: true, Description: "thêm dấu thời gian tài liệu"}, true
		case typ == "Annot" && sub == "Widget":
			if ft, _ := nd.Name("FT"); ft == "Sig" {
				return Change{Kind: "signature", Allowed: true, Description: "thêm trường chữ ký"}, true
			}
			return Change{Kind: "form-field", Allowed: true, Description: "thêm trường biểu mẫu"}, true
		case typ == "Annot" || (sub != "" && nd["Rect"] != nil):
			return Change{Kind: "annotation", Allowed: true, Description: fmt.Sprintf("thêm chú thích /%s (ví dụ số, ngày văn bản)", sub)}, true
		}
		return Change{}, false
	}
	if bytes.Equal(marshal(ov), marshal(nv)) {
		return Change{}, false
	}
	od := dictOf(ov)
	role := roles[num]
	switch {
	case role == "catalog":
		keys := changedKeys(od, nd)
		if onlyKeys(keys, "DSS") {
			return Change{Kind: "dss", Allowed: true, Description: "thêm kho dữ liệu kiểm tra (DSS)"}, true
		}
		if onlyKeys(keys, "AcroForm", "DSS", "Extensions") {
			return Change{Kind: "form-field", Allowed: true, Description: "cập nhật biểu mẫu của tài liệu (AcroForm/DSS)"}, true
		}
		return Change{Kind: "catalog", Description: fmt.Sprintf("thay đổi danh mục tài liệu (%v)", keys)}, true
	case role == "info":
		return Change{Kind: "metadata", Allowed: true, Description: "cập nhật thông tin mô tả tài liệu (Info)"}, true
	case role == "dss":
		return Change{Kind: "dss", Allowed: true, Description: "cập nhật kho dữ liệu kiểm tra (DSS)"}, true
	case role == "acroform":
		keys := changedKeys(od, nd)
		if onlyKeys(keys, "Fields", "SigFlags", "DR", "DA", "NeedAppearances") && superset(old, od["Fields"], after.Resolve(nd["Fields"])) {
			return Change{Kind: "form-field", Allowed: true, Description: "bổ sung trường vào biểu mẫu"}, true
		}
		return Change{Kind: "form-field", Description: fmt.Sprintf("sửa biểu mẫu (%v)", keys)}, true
	case len(role) > 5 && role[:5] == "page:":
		keys := changedKeys(od, nd)
		if onlyKeys(keys, "Annots") && superset(old, od["Annots"], after.Resolve(nd["Annots"])) {
			return Change{Kind: "annotation", Allowed: true, Description: "thêm chú thích/trường chữ ký vào trang " + role[5:]}, true
		}
		return Change{Kind: "page-content", Description: fmt.Sprintf("thay đổi nội dung trang %s (%v)", role[5:], keys)}, true
	case role == "fields" || (len(role) > 7 && role[:7] == "annots:"):
		if superset(old, ov, nv) {
			return Change{Kind: "annotation", Allowed: true, Description: "bổ sung phần tử vào danh sách chú thích/trường"}, true
		}
		return Change{Kind: "annotation", Description: "xóa chú thích hoặc trường đã có khi ký"}, true
	}
	if ft, _ := od.Name("FT"); ft == "Sig" && od["V"] == nil && nd["V"] != nil {
		if onlyKeys(changedKeys(od, nd), "V", "AP") {
			return Change{Kind: "signature", Allowed: true, Description: "ký vào trường chữ ký trống"}, true
		}
	}
	what := "đối tượng"
	if _, ok := ov.(*pdf.Stream); ok {
		what = "luồng dữ liệu (nội dung trang, hình ảnh hoặc phông chữ)"
	}
	return Change{Kind: "other", Description: fmt.Sprintf("sửa %s đã có khi ký", what)}, true
}
