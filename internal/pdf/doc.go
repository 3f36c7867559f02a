// Package pdf reads PDF files and appends incremental updates to them.
//
// The reader (Open) works on the whole file in memory. It understands
// cross-reference tables and streams, object streams, hybrid files
// (/XRefStm), chains of incremental revisions through /Prev, and
// FlateDecode streams with PNG/TIFF predictors. Encrypted files are refused
// (ErrEncrypted); files whose cross-reference data is broken are repaired by
// scanning for objects when possible (Reader.Repaired) so they can be read
// and validated, but never updated. Every error is an *apperr.Error with a
// Vietnamese message, wrapping ErrCorrupt, ErrEncrypted, ErrUnsupported or
// ErrTooComplex.
//
// Reading is bounded so hostile input cannot crash, exhaust or hang it:
// each document has one budget (Limits: nesting depth, values parsed,
// bytes decoded from all its streams together, time), shared by every path
// of the reader and by its AsOf views, and every stream is decoded once.
// A document that exceeds it fails with ErrTooComplex, and so does every
// later read (Reader.Err), since Resolve turns what it could not read into
// null. /Prev chains, reference chains and nested object loads have fixed
// bounds besides. The reader is fuzzed (FuzzOpen, FuzzParseObject) and fed
// crafted files (pdftest.Hostile).
//
// The writer (Update) collects new and replaced objects and Write returns
// the bytes to append: the objects, then a cross-reference section of the
// same kind as the file's newest one (table or stream) with /Prev, so the
// bytes of earlier revisions — and the signatures over them — stay intact.
// Placeholder objects reserve fixed-size byte ranges and report their final
// offsets, which is how signatures patch /ByteRange and /Contents.
//
// Reader.AsOf gives the document as of an earlier revision, for comparing
// what a later incremental update changed.
package pdf
