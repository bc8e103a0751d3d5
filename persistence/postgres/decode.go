package postgres

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/actorstore/actorstore/eventstore"
)

// Reading events decodes the rows' raw values of eventColumns itself
// (ADR 0030): pgx's Scan goes through a scan plan and an interface per
// column, and the strings of a page (stream IDs, types, content types)
// repeat. Each column's type and format is checked once per query; a
// query whose columns come in another format (the simple protocol sends
// text) takes pgx's Scan, as before.

// eventColumnTypes are the type OIDs of eventColumns, in order.
var eventColumnTypes = [...]uint32{pgtype.Int8OID, pgtype.TextOID, pgtype.Int8OID, pgtype.UUIDOID,
	pgtype.TextOID, pgtype.Int8OID, pgtype.TextOID, pgtype.ByteaOID, pgtype.JSONBOID, pgtype.TimestamptzOID}

// maxInterned bounds the distinct strings a page's decoder keeps.
const maxInterned = 1024

// errInfiniteTime is a created_at that is not a finite time.
var errInfiniteTime = errors.New("postgres: created_at is infinite")

// rawDecodable reports whether fds are eventColumns in the formats
// pageDecoder reads: integers, UUID, bytea and timestamptz in binary,
// text and jsonb in either.
func rawDecodable(fds []pgconn.FieldDescription) bool {
	if len(fds) != len(eventColumnTypes) {
		return false
	}
	for i, fd := range fds {
		if fd.DataTypeOID != eventColumnTypes[i] {
			return false
		}
		switch fd.DataTypeOID {
		case pgtype.TextOID, pgtype.JSONBOID:
		default:
			if fd.Format != pgtype.BinaryFormatCode {
				return false
			}
		}
	}
	return true
}

// pageDecoder turns the raw values of one query's rows into events; it
// shares equal strings among the events of the page.
type pageDecoder struct {
	strs map[string]string
	// last holds the previous row's stream ID, type and content type:
	// rows of a page mostly repeat them, and comparing bytes is cheaper
	// than a map lookup.
	last    [3]string
	metaFmt int16
}

func newPageDecoder(fds []pgconn.FieldDescription) *pageDecoder {
	return &pageDecoder{strs: make(map[string]string, 16), metaFmt: fds[8].Format}
}

// str returns b as a string, the same string for equal bytes of a page.
func (d *pageDecoder) str(b []byte) string {
	if s, ok := d.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(d.strs) < maxInterned {
		d.strs[s] = s
	}
	return s
}

// strAt is str for the column of slot (0 stream ID, 1 type, 2 content
// type), checking the previous row's value first.
func (d *pageDecoder) strAt(slot int, b []byte) string {
	if s := d.last[slot]; string(b) == s {
		return s
	}
	s := d.str(b)
	d.last[slot] = s
	return s
}

// decode fills e from one row's raw values (rawDecodable columns).
func (d *pageDecoder) decode(v [][]byte, e *eventstore.RecordedEvent) error {
	if len(v[0]) != 8 || len(v[2]) != 8 || len(v[3]) != 16 || len(v[5]) != 8 || len(v[9]) != 8 || v[7] == nil {
		return errors.New("postgres: malformed event row")
	}
	e.Position = binary.BigEndian.Uint64(v[0])
	e.Stream = d.strAt(0, v[1])
	e.Version = binary.BigEndian.Uint64(v[2])
	e.ID = [16]byte(v[3])
	e.Type = d.strAt(1, v[4])
	e.SchemaVersion = uint32(binary.BigEndian.Uint64(v[5]))
	e.ContentType = d.strAt(2, v[6])
	e.Data = make([]byte, len(v[7]))
	copy(e.Data, v[7])
	e.Metadata = nil
	if meta := v[8]; len(meta) > 0 {
		if d.metaFmt == pgtype.BinaryFormatCode {
			if meta[0] != 1 {
				return errors.New("postgres: unknown jsonb version in metadata")
			}
			meta = meta[1:]
		}
		m, err := d.metadata(meta)
		if err != nil {
			return err
		}
		e.Metadata = m
	}
	created, err := timestamptz(v[9])
	e.Created = created
	return err
}

// timestamptz decodes a binary timestamptz (microseconds since
// 2000-01-01 UTC) as pgx does, in UTC.
func timestamptz(b []byte) (time.Time, error) {
	const y2k = 946_684_800 * 1_000_000
	us := int64(binary.BigEndian.Uint64(b))
	if us == math.MaxInt64 || us == math.MinInt64 {
		return time.Time{}, errInfiniteTime
	}
	us += y2k
	return time.Unix(us/1_000_000, (us%1_000_000)*1_000).UTC(), nil
}

// maxPresized bounds the array collectEvents decodes a page into before
// it knows how many rows come (a page of the bench's 1,000 fits).
const maxPresized = 1024

// shortPages keeps the arrays of pages that came back much shorter than
// their limit, for the next page (of *[]eventstore.RecordedEvent): such a
// page is copied out at its length.
var shortPages sync.Pool

// collectEvents reads every row of rows (eventColumns) into events; at
// most limit rows come. The rows are decoded into an array of
// min(limit, maxPresized) events, so that a page does not grow its slice
// row by row (a page of 1,000 grew through 17 arrays, 445 KB, copying
// each into the next); a page that fills less than half of it is copied
// out at its length and the array reused, so a short read returns no
// more memory than it holds.
func collectEvents(rows pgx.Rows, limit int) ([]eventstore.RecordedEvent, error) {
	defer rows.Close()
	fds := rows.FieldDescriptions()
	if !rawDecodable(fds) {
		return scanEvents(rows)
	}
	d := newPageDecoder(fds)
	size := min(limit, maxPresized)
	var events []eventstore.RecordedEvent
	if p, _ := shortPages.Get().(*[]eventstore.RecordedEvent); p != nil && cap(*p) >= size {
		events = (*p)[:0]
	} else {
		events = make([]eventstore.RecordedEvent, 0, size)
	}
	for rows.Next() {
		events = append(events, eventstore.RecordedEvent{})
		if err := d.decode(rows.RawValues(), &events[len(events)-1]); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if 2*len(events) >= cap(events) {
		return events, nil
	}
	out := make([]eventstore.RecordedEvent, len(events))
	copy(out, events)
	clear(events)
	events = events[:0]
	shortPages.Put(&events)
	return out, nil
}

// scanEvents reads rows (eventColumns) through pgx's Scan, whatever the
// columns' formats.
func scanEvents(rows pgx.Rows) ([]eventstore.RecordedEvent, error) {
	events := []eventstore.RecordedEvent{}
	var (
		e        eventstore.RecordedEvent
		pos, ver int64
		sv       int64
		id       pgtype.UUID
		meta     []byte
		created  time.Time
	)
	_, err := pgx.ForEachRow(rows, []any{&pos, &e.Stream, &ver, &id, &e.Type, &sv, &e.ContentType,
		&e.Data, &meta, &created}, func() error {
		ev := e
		ev.ID, ev.Position, ev.Version, ev.SchemaVersion = id.Bytes, uint64(pos), uint64(ver), uint32(sv)
		ev.Created = created.UTC()
		ev.Metadata = nil
		if ev.Data == nil {
			ev.Data = []byte{}
		}
		if len(meta) > 0 {
			if err := json.Unmarshal(meta, &ev.Metadata); err != nil {
				return err
			}
		}
		events = append(events, ev)
		return nil
	})
	return events, err
}

// metadata parses an event's metadata, a JSON object of strings. The
// object as PostgreSQL prints a jsonb, {"k": "v", ...}, whose strings
// have no escape and are valid UTF-8, is parsed here (its keys shared
// within the page); anything else goes to encoding/json, which gives the
// same map for what both accept.
func (d *pageDecoder) metadata(b []byte) (map[string]string, error) {
	if m, ok := d.simpleObject(b); ok {
		return m, nil
	}
	var m map[string]string
	err := json.Unmarshal(b, &m)
	return m, err
}

// simpleObject parses b when it is an object of plain strings.
func (d *pageDecoder) simpleObject(b []byte) (map[string]string, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	m := map[string]string{}
	if i = skipSpace(b, i+1); i < len(b) && b[i] == '}' {
		return m, skipSpace(b, i+1) == len(b)
	}
	for {
		k, j, ok := plainString(b, i)
		if !ok {
			return nil, false
		}
		if i = skipSpace(b, j); i >= len(b) || b[i] != ':' {
			return nil, false
		}
		v, j, ok := plainString(b, skipSpace(b, i+1))
		if !ok {
			return nil, false
		}
		m[d.str(k)] = string(v)
		if i = skipSpace(b, j); i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return m, skipSpace(b, i+1) == len(b)
		default:
			return nil, false
		}
	}
}

// plainString returns the contents of the JSON string at b[i] and the
// index after it, when it has no escape or control character and is valid
// UTF-8.
func plainString(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			s := b[i+1 : j]
			return s, j + 1, utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
