// Package pdf reads PDF files and appends incremental updates to them.
//
// The reader (Open) works on the whole file in memory. It understands
// cross-reference tables and streams, object streams, hybrid files
// (/XRefStm), chains of incremental revisions through /Prev, and
// FlateDecode streams with PNG/TIFF predictors. Encrypted files are refused
// (ErrEncrypted); files whose cross-reference data is broken are repaired by
// scanning for objects when possible (Reader.Repaired) so they can be read
// and validated, but never updated. Every error is an *apperr.Error with a
// Vietnamese message, wrapping ErrCorrupt, ErrEncrypted or ErrUnsupported.
// Parsing is bounded (nesting depth, /Prev chain length, decoded stream
// size, reference chains) so hostile input cannot crash or hang it; the
// reader is fuzzed (FuzzOpen, FuzzParseObject).
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
