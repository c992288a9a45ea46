// Package importer reads incident files in bulk — the City of Chicago
// open-data format and Haven's own generic CSV — and hands them, batch by
// batch, to a sink that stores them. It holds no database: its only I/O is
// the io.Reader and io.Writer it is given.
//
// # Formats
//
// A Format turns a file's header row into a Mapper, which turns each record
// into a *haven.Incident or a *RowError that says which line and column is
// at fault and why. Columns are found by header name (trimmed,
// case-insensitive, "_" the same as a space), so their order does not matter
// and unknown columns are ignored; a header that lacks a required column is
// a *HeaderError before any row is read. Chicago() and Generic() document
// their columns and how each becomes a field of the incident.
//
// # The driver
//
// Run streams a file: it detects gzip by its magic bytes (not the file
// name), reads records with encoding/csv, maps them and passes full batches
// (2,000 by default) to Options.Sink. Rows that cannot be used — a wrong
// number of fields, a malformed quote, a value that does not parse — are
// written with their line number, the reason and the raw text to
// Options.Rejects and the import carries on; so is a record the sink
// refuses (see Sink), after which the rest of its batch is sent again.
// Memory stays constant whatever
// the file size: one batch, one record and the csv reader's buffer. A record
// may be at most MaxRecordBytes long; a longer one (typically a quote that is
// never closed) stops the import with an error naming its first line,
// because everything after it would be read as one field.
//
// # Crash safety
//
// The sink is expected to commit each batch whole or not at all, and to skip
// records whose (agency, Source, SourceID) it holds already, counting them as
// duplicates — store.DB.ImportIncidents does both. Run checks its context
// between batches (the sink, given the same context, may abandon the batch
// in flight, which then rolls back); a process killed outright loses at
// most the batch in flight, which its transaction rolls back. Either way the
// remedy is to run the same import again: it re-reads the file from the
// start, the committed rows come back as duplicates and the rest are
// imported, so the end state equals that of an uninterrupted run. Nothing
// needs to remember where an import stopped.
package importer
