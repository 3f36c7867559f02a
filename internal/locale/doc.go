// Package locale holds what is language- and country-specific: the vi and en
// message catalogs, Vietnamese text normalisation and diacritic folding,
// collation, and date and money formats.
package locale
