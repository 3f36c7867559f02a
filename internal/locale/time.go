package locale

import "time"

// VN is Vietnam's civil time zone (UTC+7, no daylight saving since 1975).
// A fixed zone is used on purpose: it needs no tzdata on the host and is what
// the lunar calendar (meridian 105°E) and Decree 30 time stamps assume.
var VN = time.FixedZone("ICT", 7*60*60)

// DateLayout is the Vietnamese date format dd/mm/yyyy.
const DateLayout = "02/01/2006"

// DateTimeLayout is the Vietnamese date-time format.
const DateTimeLayout = "15:04 02/01/2006"

// FormatDate formats t as dd/mm/yyyy in Vietnam time.
func FormatDate(t time.Time) string { return t.In(VN).Format(DateLayout) }

// FormatDateTime formats t as hh:mm dd/mm/yyyy in Vietnam time.
func FormatDateTime(t time.Time) string { return t.In(VN).Format(DateTimeLayout) }
