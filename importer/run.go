package importer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/haven-dv/haven"
)

// DefaultBatchSize is how many incidents go to the sink at once unless
// Options.BatchSize says otherwise. Measured on the 100k Chicago file into
// SQLite (docs/BENCHMARKS.md): each commit rewrites the index pages its
// batch touched, so fewer, larger batches write much less — 3.9 s at
// 20,000 against 4.6 s at 5,000, and no gain beyond. A batch of 20,000
// holds SQLite's write lock for about 0.7 s and needs about 185 MB of
// memory at its peak (5,000: 117 MB).
const DefaultBatchSize = 20000

// MaxRecordBytes is the longest record Run reads. A longer one is almost
// always a quote that is never closed, which would make the rest of the
// file one field; Run stops rather than read it into memory.
const MaxRecordBytes = 1 << 20

// Sink stores one batch, all or nothing, and counts what it stored and what
// it skipped as already there. It must not keep the slice after returning.
// To refuse one record, storing nothing, it returns a haven.EINVALID error
// whose field starts with "batch[I]", I the record's index in the batch
// (store.DB.ImportIncidents does): Run rejects that record, with the error's
// message as the reason, and sends the rest of the batch again.
type Sink func(ctx context.Context, batch []*haven.Incident) (haven.ImportResult, error)

// Options configure Run.
type Options struct {
	Format    Format
	BatchSize int  // incidents per sink call; DefaultBatchSize when 0
	Sink      Sink // required
	// Rejects receives one CSV row per rejected record — line, reason,
	// record (the record's raw text) — after a header row "line,reason,record"
	// written with the first reject. Nil discards them. The raw text is as
	// sensitive as the input file.
	Rejects io.Writer
	// OnReject, when set, is told of each rejected record: its line and
	// the reason (which quotes no address or narrative).
	OnReject func(line int, reason string)
	// Progress, when set, is called after every batch and at the end.
	Progress func(Progress)
	// Size is the input's size in bytes, when known, for Progress.Total.
	Size int64
}

// Summary counts an import.
type Summary struct {
	// Lines counts the records read after the header (a record whose quoted
	// field holds line breaks counts once). When Run returns nil,
	// Lines = Imported + Duplicates + Rejected; when it stops early, the
	// records of the batch it did not store are counted in Lines only.
	Lines      int `json:"lines"`
	Imported   int `json:"imported"`
	Duplicates int `json:"duplicates"`
	Rejected   int `json:"rejected"`
}

// Progress is reported while Run works.
type Progress struct {
	Summary
	Read  int64 // bytes of the input read so far (compressed bytes for gzip)
	Total int64 // Options.Size: the input's size, 0 when unknown
}

// BatchError is the sink's failure to store the batch of records on
// lines First to Last. Nothing of that batch was stored; the batches
// before it were.
type BatchError struct {
	First, Last int
	Err         error
}

func (e *BatchError) Error() string {
	return fmt.Sprintf("importer: storing the batch of lines %d–%d: %v", e.First, e.Last, e.Err)
}

func (e *BatchError) Unwrap() error { return e.Err }

// RejectsHeader is the header row of the rejects CSV.
var RejectsHeader = []string{"line", "reason", "record"}

// Run imports the CSV (or gzip-compressed CSV) file r. It returns the
// counts so far and, when it cannot go on, an error: a *HeaderError before
// anything is imported, the sink's error (wrapped) naming the batch's lines,
// the context's error when ctx is cancelled (checked before each batch), or
// a read error. Rows it cannot use are rejected, not errors.
func Run(ctx context.Context, r io.Reader, opts Options) (Summary, error) {
	var sum Summary
	if opts.Format == nil || opts.Sink == nil {
		return sum, errors.New("importer: Options.Format and Options.Sink are required")
	}
	size := opts.BatchSize
	if size <= 0 {
		size = DefaultBatchSize
	}
	counted := &countingReader{r: r}
	in, err := decompress(counted)
	if err != nil {
		return sum, err
	}
	rec := &recorder{r: in, max: MaxRecordBytes}
	cr := csv.NewReader(rec)
	cr.FieldsPerRecord = -1 // counts are checked per record, so a bad row is rejected, not fatal
	cr.ReuseRecord = true

	header, err := cr.Read()
	switch {
	case err == io.EOF:
		return sum, &HeaderError{Format: opts.Format.Name(), Reason: "the file is empty: it has no header row"}
	case err != nil:
		return sum, fmt.Errorf("importer: line 1: cannot read the header row: %w", readError(err, rec))
	}
	rec.cut(cr.InputOffset())
	width := len(header)
	mapper, err := opts.Format.Header(append([]string(nil), header...))
	if err != nil {
		return sum, err
	}

	var rejects *csv.Writer
	reject := func(line int, reason string, raw []byte) error {
		sum.Rejected++
		if opts.OnReject != nil {
			opts.OnReject(line, reason)
		}
		if opts.Rejects == nil {
			return nil
		}
		if rejects == nil {
			rejects = csv.NewWriter(opts.Rejects)
			if err := rejects.Write(RejectsHeader); err != nil {
				return err
			}
		}
		raw = bytes.TrimRight(bytes.TrimLeft(raw, "\r\n"), "\r\n")
		if err := rejects.Write([]string{strconv.Itoa(line), reason, string(raw)}); err != nil {
			return err
		}
		rejects.Flush()
		return rejects.Error()
	}

	// The batch, with each record's line and raw text for rejecting it
	// should the sink refuse it.
	batch := make([]*haven.Incident, 0, size)
	lines := make([]int, 0, size)
	raws := make([][]byte, 0, size)
	reported := 0 // sum.Lines at the last progress report
	report := func() {
		reported = sum.Lines
		if opts.Progress != nil {
			opts.Progress(Progress{Summary: sum, Read: counted.n, Total: opts.Size})
		}
	}
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("importer: stopped before line %d: %w", lines[0], err)
		}
		for len(batch) > 0 {
			res, err := opts.Sink(ctx, batch)
			if err != nil {
				i, reason, ok := refused(err, len(batch))
				if !ok {
					return &BatchError{First: lines[0], Last: lines[len(lines)-1], Err: err}
				}
				// Nothing was stored: reject that record, send the rest again.
				if werr := reject(lines[i], "refused by the store: "+reason, raws[i]); werr != nil {
					return fmt.Errorf("importer: writing the rejects: %w", werr)
				}
				batch, lines, raws = slices.Delete(batch, i, i+1), slices.Delete(lines, i, i+1), slices.Delete(raws, i, i+1)
				continue
			}
			if res.Imported < 0 || res.Duplicates < 0 || res.Imported+res.Duplicates != len(batch) {
				return fmt.Errorf("importer: the sink counted %d imported and %d duplicates in a batch of %d (lines %d–%d)",
					res.Imported, res.Duplicates, len(batch), lines[0], lines[len(lines)-1])
			}
			sum.Imported += res.Imported
			sum.Duplicates += res.Duplicates
			break
		}
		clear(batch)
		clear(raws)
		batch, lines, raws = batch[:0], lines[:0], raws[:0]
		report()
		return nil
	}

	for {
		fields, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe):
			sum.Lines++
			raw := rec.cut(cr.InputOffset())
			if werr := reject(pe.StartLine, parseReason(pe, raw), raw); werr != nil {
				return sum, fmt.Errorf("importer: writing the rejects: %w", werr)
			}
		case err != nil:
			// The input itself failed (a read error, a broken gzip stream,
			// an endless record): store what is complete, then stop.
			if ferr := flush(); ferr != nil {
				return sum, ferr
			}
			return sum, fmt.Errorf("importer: %w", readError(err, rec))
		default:
			sum.Lines++
			line, _ := cr.FieldPos(0)
			raw := rec.cut(cr.InputOffset())
			inc, merr := mapper.Map(fields, line)
			if merr != nil {
				reason := rejectReason(merr)
				if n := bytes.Count(bytes.Trim(raw, "\r\n"), []byte{'\n'}); n > 0 && len(fields) != width {
					reason += fmt.Sprintf(" (the record spans lines %d–%d: is a quote unbalanced?)", line, line+n)
				}
				if werr := reject(line, reason, raw); werr != nil {
					return sum, fmt.Errorf("importer: writing the rejects: %w", werr)
				}
				break
			}
			batch = append(batch, inc)
			lines = append(lines, line)
			raws = append(raws, append([]byte(nil), raw...))
			if len(batch) == size {
				if err := flush(); err != nil {
					return sum, err
				}
			}
		}
		if sum.Lines-reported >= size {
			// Many rejects and no batch: still report, and still stop
			// when asked to.
			if err := ctx.Err(); err != nil {
				return sum, fmt.Errorf("importer: stopped after %d records: %w", sum.Lines, err)
			}
			report()
		}
	}
	if err := flush(); err != nil {
		return sum, err
	}
	report()
	return sum, nil
}

// refused reports whether err is a sink's refusal of one record of a batch
// of n: a haven.EINVALID error whose field starts with "batch[I]" (as
// store.DB.ImportIncidents names them), and gives I and the reason.
func refused(err error, n int) (int, string, bool) {
	if haven.ErrorCode(err) != haven.EINVALID {
		return 0, "", false
	}
	rest, ok := strings.CutPrefix(haven.ErrorField(err), "batch[")
	if !ok {
		return 0, "", false
	}
	num, _, ok := strings.Cut(rest, "]")
	i, aerr := strconv.Atoi(num)
	if !ok || aerr != nil || i < 0 || i >= n {
		return 0, "", false
	}
	msg := haven.ErrorMessage(err)
	if _, after, found := strings.Cut(msg, "]: "); found && strings.HasPrefix(msg, "batch[") {
		msg = after
	}
	return i, msg, true
}

// rejectReason is a mapping error's text for the rejects file, without the
// line number, which has a column of its own.
func rejectReason(err error) string {
	var re *RowError
	if errors.As(err, &re) {
		if re.Field != "" {
			return "column " + re.Field + ": " + re.Reason
		}
		return re.Reason
	}
	return err.Error()
}

// parseReason explains a CSV syntax error in the record raw.
func parseReason(pe *csv.ParseError, raw []byte) string {
	var what string
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		what = `a quote (") inside a field that does not start with one; write it as "" inside a quoted field`
	case errors.Is(pe.Err, csv.ErrQuote) && bytes.Count(raw, []byte{'"'})%2 == 1:
		what = `a quoted field is never closed: everything up to the end of the file was read as this record`
	case errors.Is(pe.Err, csv.ErrQuote):
		what = `a quoted field is not closed properly: a quote (") must be followed by a comma, the line's end or another quote`
	default:
		what = pe.Err.Error()
	}
	if pe.Line != pe.StartLine {
		return fmt.Sprintf("malformed CSV at line %d, column %d: %s", pe.Line, pe.Column, what)
	}
	return fmt.Sprintf("malformed CSV at column %d: %s", pe.Column, what)
}

// readError says where a fatal read error happened.
func readError(err error, rec *recorder) error {
	if errors.Is(err, errRecordTooLong) {
		return fmt.Errorf("line %d: the record starting here is longer than %d bytes — most likely a quote that is never closed; nothing after it was read",
			rec.lines+1, MaxRecordBytes)
	}
	return fmt.Errorf("reading the input near line %d: %w", rec.lines+1, err)
}

// decompress returns r itself, or a gzip reader when r starts with the
// gzip magic bytes.
func decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("importer: reading the input: %w", err)
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("importer: the input looks gzip-compressed but is not readable as gzip: %w", err)
		}
		return zr, nil
	}
	return br, nil
}

// countingReader counts the bytes read, for progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

var errRecordTooLong = errors.New("record too long")

// recorder keeps the bytes the csv reader has taken and not yet claimed,
// so that a rejected record can be written as it was in the file. It holds
// the current record plus the csv reader's read-ahead, and refuses to grow
// beyond max, which bounds memory when a quote is never closed.
type recorder struct {
	r     io.Reader
	buf   []byte // buf[start:] is unclaimed
	start int
	base  int64 // input offset of buf[start]
	max   int
	lines int // line breaks in the bytes claimed so far
}

func (t *recorder) Read(p []byte) (int, error) {
	if len(t.buf)-t.start > t.max {
		return 0, errRecordTooLong
	}
	if t.start > 0 && t.start >= len(t.buf)/2 {
		// Move the unclaimed tail down; done only when it is at most as
		// long as what is dropped, so each byte moves O(1) times.
		t.buf = t.buf[:copy(t.buf, t.buf[t.start:])]
		t.start = 0
	}
	n, err := t.r.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// cut claims the bytes up to input offset end — the raw text of the record
// the csv reader has just returned — and returns them. The slice is valid
// until the next Read.
func (t *recorder) cut(end int64) []byte {
	k := int(end - t.base)
	if k < 0 || t.start+k > len(t.buf) {
		return nil // cannot happen: csv reports offsets of bytes it has read
	}
	raw := t.buf[t.start : t.start+k]
	t.lines += bytes.Count(raw, []byte{'\n'})
	t.start += k
	t.base = end
	return raw
}
