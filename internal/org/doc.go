// Package org is the platform's organisation register: the administrative
// units of two-level local government (province and commune, since
// 2025-07-01), the agency tree (ministries; UBND tỉnh, its office,
// departments and service centre; UBND xã and commune service centres), the
// units inside agencies (phòng, ban, văn phòng, vụ), positions and officials.
// Nothing here speaks HTTP. Every change asks access.Can (org.agency.edit,
// org.official.edit, org.unit.import) over the agencies it touches before its
// transaction; access does not import org, it reaches the agency tree through
// the Service as its access.Tree.
//
// # Time and history
//
// Everything that can change is stored as versions with civil validity dates
// (TEXT 'YYYY-MM-DD'): valid_from is the first day, valid_to the LAST day
// (inclusive), NULL while current. A version is valid on day D when
//
//	valid_from <= D AND (valid_to IS NULL OR valid_to >= D)
//
// and every read method takes such a day ("as of"; the zero Date means today
// in Vietnam by the injected clock), so a query as of D returns the tree of
// that day. A change effective on day E closes the open version with
// valid_to = E−1 and opens a new one with valid_from = E; nothing is deleted.
// E must be after the open version's valid_from.
//
// # Administrative units
//
// org_admin_units holds one row per version of a unit: code (2 digits for a
// province, 5 for a commune), level, name, type (Tỉnh, Thành phố, Xã, Phường,
// Đặc khu), province_code (communes). A rename or a change of type or of
// province keeps the code and opens a new version. A unit retired by a merger
// or split has its last version closed and rows in org_admin_unit_successors
// (unit_id → successor_code) pointing to the code(s) that took it over;
// AdminUnitsOn follows these links to map an old code to the units of a later
// day. Each applied official list is recorded in org_admin_unit_lists.
//
// The list valid from 2025-07-01 (34 provinces, 3,321 communes, data/SOURCE.md)
// is embedded and loaded by Seed on first start, not by a migration: it is data
// with provenance and an audit entry, the migration files stay small and the
// same for both engines, and Seed is idempotent and safe for several replicas.
// Newer official lists are loaded with ImportUnits (file format in its doc).
// Lists of units are returned in official code order, which is the order of
// the official lists (north to south), not alphabetical.
//
// # Agencies
//
// org_agencies gives each agency a stable id; org_agency_versions holds its
// versions (name, short name, electronic identifier code, abbreviation for
// document symbols, kind, parent agency, administrative unit served). A rename
// or move keeps the id (accounts, documents and dossiers keep pointing to it;
// as-of reads return the name of the day). A merger, split or replacement ends
// agencies and records org_agency_links (predecessor → successor, kind, first
// day); merged agencies' child agencies move under the successor, their units
// end, and their officials move if asked. Electronic identifier codes are
// opaque text (ValidAgencyCode) and unique among overlapping versions.
//
// Subtree answers "which agencies are below X on day D" with one recursive
// query; InSubtree (and Within, which makes the Service an access.Tree)
// answers "is X inside Y's subtree" by walking up from X, a few index lookups.
// Agencies and officials are listed in Vietnamese collation (officials by
// given name first, as Vietnamese rosters are); units inside an agency by
// name.
//
// # Audit
//
// Every change writes exactly one audit entry (internal/audit) in its own
// transaction: org.units.seed, org.units.import, org.positions.seed,
// org.position.create, org.agency.{create,rename,move,merge,split,retire},
// org.unit.{create,retire}, org.official.{create,reassign,end},
// org.demo.load. A refused change writes nothing here; access records the
// refusal (outcome denied, under the access action's name).
//
// # Errors
//
// Methods return *apperr.Error: EINVALID for bad input (with the field),
// ENOTFOUND for an id, code or day without a version, ECONFLICT for a code in
// use, an ended agency or a concurrent change, EUNAUTHORIZED without an actor,
// and EFORBIDDEN when access.Can refuses.
package org
