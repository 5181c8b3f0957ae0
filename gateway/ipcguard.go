package gateway

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/tern-db/tern/proto/errs"
)

// Arrow IPC messages from clients (DoPut: bulk ingest, prepared-statement parameters, updates;
// DoExchange) are checked here before arrow-go decodes them. arrow-go trusts the flatbuffer
// it is given: a few flipped bytes in a schema message make it size a slice from a garbage
// vector length (one such message asked for ~148 GB, a fatal out-of-memory no recover
// catches), and buffer offsets outside the body panic while slicing. The flatbuffers Go
// package has no verifier, so ipcGuard walks the Message, Schema, RecordBatch and
// DictionaryBatch tables itself: every offset, vtable and vector inside the metadata buffer,
// nesting and field counts bounded, every body buffer inside the body, row counts and
// decompressed sizes bounded by the body's size and the decode budget. Only what arrow-go
// reads is walked; a message that passes decodes without reading outside its buffers.

// ipcLimits bound what one client message may make the server allocate or walk.
type ipcLimits struct {
	MaxFields  int   // fields in a schema, nested ones included
	MaxDepth   int   // nesting of fields (struct of list of ...)
	MaxDecoded int64 // bytes one message may decompress to
}

var defaultIPCLimits = ipcLimits{MaxFields: 100_000, MaxDepth: 64, MaxDecoded: 1 << 30}

// Message header kinds (Arrow's MessageHeader union).
const (
	ipcSchema          = 1
	ipcDictionaryBatch = 2
	ipcRecordBatch     = 3
)

// Arrow's Type union, the members the guard must look into.
const (
	fbTypeInt             = 2
	fbTypeFloatingPoint   = 3
	fbTypeDecimal         = 7
	fbTypeTime            = 9
	fbTypeTimestamp       = 10
	fbTypeUnion           = 14
	fbTypeFixedSizeBinary = 15
	fbTypeFixedSizeList   = 16
	fbTypeLastKnown       = 26 // LargeListView
)

// extraRows is how many rows a batch may declare beyond what its body bytes can hold (8 rows
// per byte: one validity bit): null-typed and run-end encoded columns need no bytes per row,
// and a cast of them to a real type allocates per row.
const extraRows = 1 << 20

// ipcGuard checks the messages of one stream in order: optional descriptor-only messages,
// then a Schema, then dictionary and record batches.
type ipcGuard struct {
	lim       ipcLimits
	sawSchema bool
	nodes     int // field nodes a record batch of the stream's schema carries
}

func newIPCGuard(lim ipcLimits) *ipcGuard { return &ipcGuard{lim: lim} }

// check validates one FlightData's IPC header (the flatbuffer Message) and body. Errors wrap
// errs.ErrInvalidArgument and say what was wrong.
func (g *ipcGuard) check(header, body []byte) (err error) {
	if len(header) == 0 {
		if g.sawSchema || len(body) > 0 {
			return errs.Errorf(errs.ErrInvalidArgument, "Arrow IPC: a data message has no IPC header")
		}
		return nil // descriptor or app metadata only
	}
	v := &fbVerifier{buf: header, budget: g.lim.MaxFields*4 + 1024}
	msg, err := v.root()
	if err != nil {
		return ipcErr("message", err)
	}
	if _, err := msg.scalar(0, 2); err != nil { // version
		return ipcErr("message version", err)
	}
	kind, err := msg.u8(1)
	if err != nil {
		return ipcErr("message header type", err)
	}
	hdr, ok, err := msg.table(2)
	if err != nil {
		return ipcErr("message header", err)
	}
	if !ok {
		return errs.Errorf(errs.ErrInvalidArgument, "Arrow IPC: message has no header")
	}
	bodyLen, err := msg.i64(3)
	if err != nil {
		return ipcErr("message body length", err)
	}
	if bodyLen < 0 || bodyLen > int64(len(body)) {
		return errs.Errorf(errs.ErrInvalidArgument, "Arrow IPC: message declares a body of %d bytes but carries %d", bodyLen, len(body))
	}
	if err := v.keyValues(msg, 4); err != nil {
		return ipcErr("message metadata", err)
	}
	switch kind {
	case ipcSchema:
		if g.sawSchema {
			return errs.Errorf(errs.ErrInvalidArgument, "Arrow IPC: a second schema message in the stream")
		}
		n, err := g.schema(v, hdr)
		if err != nil {
			return ipcErr("schema", err)
		}
		g.sawSchema, g.nodes = true, n
		return nil
	case ipcRecordBatch:
		if !g.sawSchema {
			return errs.Errorf(errs.ErrInvalidArgument, "Arrow IPC: a record batch before the schema")
		}
		if err := g.batch(v, hdr, body, g.nodes); err != nil {
			return ipcErr("record batch", err)
		}
		return nil
	case ipcDictionaryBatch:
		if !g.sawSchema {
			return errs.Errorf(errs.ErrInvalidArgument, "Arrow IPC: a dictionary batch before the schema")
		}
		if _, err := hdr.i64(0); err != nil { // id
			return ipcErr("dictionary id", err)
		}
		data, ok, err := hdr.table(1)
		if err != nil || !ok {
			return ipcErr("dictionary batch", orMissing(err))
		}
		if _, err := hdr.scalar(2, 1); err != nil { // isDelta
			return ipcErr("dictionary batch", err)
		}
		// The node count depends on the dictionary's value type; arrow-go checks it.
		if err := g.batch(v, data, body, -1); err != nil {
			return ipcErr("dictionary batch", err)
		}
		return nil
	}
	return errs.Errorf(errs.ErrInvalidArgument, "Arrow IPC: unsupported message type %d", kind)
}

func ipcErr(what string, err error) error {
	return errs.Errorf(errs.ErrInvalidArgument, "Arrow IPC: malformed %s: %v", what, err)
}

func orMissing(err error) error {
	if err == nil {
		return fmt.Errorf("missing")
	}
	return err
}

// schema walks a Schema table and returns the number of field nodes a record batch of it has.
func (g *ipcGuard) schema(v *fbVerifier, sc fbTable) (int, error) {
	if _, err := sc.scalar(0, 2); err != nil { // endianness
		return 0, err
	}
	fields, err := sc.vector(1, 4)
	if err != nil {
		return 0, fmt.Errorf("fields: %w", err)
	}
	if err := v.keyValues(sc, 2); err != nil {
		return 0, fmt.Errorf("metadata: %w", err)
	}
	if _, err := sc.vector(3, 8); err != nil { // features
		return 0, fmt.Errorf("features: %w", err)
	}
	total, nodes := 0, 0
	for i := 0; i < fields.n; i++ {
		f, err := v.vectorTable(fields, i)
		if err != nil {
			return 0, fmt.Errorf("field %d: %w", i, err)
		}
		n, err := g.field(v, f, 1, &total)
		if err != nil {
			return 0, fmt.Errorf("field %d: %w", i, err)
		}
		nodes += n
	}
	return nodes, nil
}

// field walks a Field table and returns its number of field nodes in a record batch.
func (g *ipcGuard) field(v *fbVerifier, f fbTable, depth int, total *int) (int, error) {
	*total++
	if *total > g.lim.MaxFields {
		return 0, fmt.Errorf("more than %d fields", g.lim.MaxFields)
	}
	if depth > g.lim.MaxDepth {
		return 0, fmt.Errorf("fields nested deeper than %d", g.lim.MaxDepth)
	}
	if _, err := f.vector(0, 1); err != nil { // name
		return 0, fmt.Errorf("name: %w", err)
	}
	if _, err := f.scalar(1, 1); err != nil { // nullable
		return 0, err
	}
	typ, err := f.u8(2)
	if err != nil {
		return 0, err
	}
	if typ == 0 || typ > fbTypeLastKnown {
		return 0, fmt.Errorf("unknown type %d", typ)
	}
	tt, ok, err := f.table(3)
	if err != nil {
		return 0, fmt.Errorf("type: %w", err)
	}
	if !ok {
		return 0, fmt.Errorf("type %d without its type table", typ)
	}
	if err := checkTypeParams(typ, tt); err != nil {
		return 0, err
	}
	dict, isDict, err := f.table(4)
	if err != nil {
		return 0, fmt.Errorf("dictionary: %w", err)
	}
	if isDict {
		if _, err := dict.i64(0); err != nil {
			return 0, fmt.Errorf("dictionary id: %w", err)
		}
		it, ok, err := dict.table(1)
		if err != nil || !ok {
			return 0, fmt.Errorf("dictionary index type: %w", orMissing(err))
		}
		if err := checkTypeParams(fbTypeInt, it); err != nil {
			return 0, fmt.Errorf("dictionary index type: %w", err)
		}
		if _, err := dict.scalar(2, 1); err != nil {
			return 0, err
		}
		if _, err := dict.scalar(3, 2); err != nil {
			return 0, err
		}
	}
	children, err := f.vector(5, 4)
	if err != nil {
		return 0, fmt.Errorf("children: %w", err)
	}
	if err := v.keyValues(f, 6); err != nil {
		return 0, fmt.Errorf("metadata: %w", err)
	}
	nodes := 1
	for i := 0; i < children.n; i++ {
		c, err := v.vectorTable(children, i)
		if err != nil {
			return 0, fmt.Errorf("child %d: %w", i, err)
		}
		n, err := g.field(v, c, depth+1, total)
		if err != nil {
			return 0, fmt.Errorf("child %d: %w", i, err)
		}
		if !isDict {
			// A dictionary-encoded field is one node (its indices); its children describe
			// the dictionary's values, which travel in dictionary batches.
			nodes += n
		}
	}
	return nodes, nil
}

// checkTypeParams checks the parameters of the types whose values arrow-go uses as sizes.
func checkTypeParams(typ byte, t fbTable) error {
	switch typ {
	case fbTypeInt:
		w, err := t.i32(0)
		if err != nil {
			return err
		}
		if w != 8 && w != 16 && w != 32 && w != 64 {
			return fmt.Errorf("integer width %d", w)
		}
		_, err = t.scalar(1, 1)
		return err
	case fbTypeFloatingPoint:
		p, err := t.i16(0)
		if err != nil {
			return err
		}
		if p < 0 || p > 2 {
			return fmt.Errorf("floating point precision %d", p)
		}
	case fbTypeDecimal:
		for slot := 0; slot < 3; slot++ {
			if _, err := t.i32(slot); err != nil {
				return err
			}
		}
		w, _ := t.i32(2)
		if w != 0 && w != 32 && w != 64 && w != 128 && w != 256 {
			return fmt.Errorf("decimal width %d", w)
		}
	case fbTypeTime:
		if _, err := t.i16(0); err != nil {
			return err
		}
		w, err := t.i32(1)
		if err != nil {
			return err
		}
		if w != 0 && w != 32 && w != 64 {
			return fmt.Errorf("time width %d", w)
		}
	case fbTypeTimestamp:
		if _, err := t.i16(0); err != nil {
			return err
		}
		if _, err := t.vector(1, 1); err != nil {
			return fmt.Errorf("time zone: %w", err)
		}
	case fbTypeUnion:
		if _, err := t.i16(0); err != nil {
			return err
		}
		if _, err := t.vector(1, 4); err != nil {
			return fmt.Errorf("union type ids: %w", err)
		}
	case fbTypeFixedSizeBinary:
		w, err := t.i32(0)
		if err != nil {
			return err
		}
		if w <= 0 {
			return fmt.Errorf("fixed-size binary width %d", w)
		}
	case fbTypeFixedSizeList:
		n, err := t.i32(0)
		if err != nil {
			return err
		}
		if n < 0 {
			return fmt.Errorf("fixed-size list size %d", n)
		}
	default:
		// Other types have at most one small enum (a unit) or no parameters at all.
		if _, err := t.scalar(0, 2); err != nil {
			return err
		}
	}
	return nil
}

// batch walks a RecordBatch table against its body. nodes is the number of field nodes the
// schema expects, or -1 when unknown.
func (g *ipcGuard) batch(v *fbVerifier, rb fbTable, body []byte, nodes int) error {
	maxRows := int64(len(body))*8 + extraRows
	length, err := rb.i64(0)
	if err != nil {
		return err
	}
	if length < 0 || length > maxRows {
		return fmt.Errorf("%d rows in a body of %d bytes", length, len(body))
	}
	fn, err := rb.vector(1, 16) // FieldNode structs: length, null count
	if err != nil {
		return fmt.Errorf("field nodes: %w", err)
	}
	if nodes >= 0 && fn.n != nodes {
		return fmt.Errorf("%d field nodes for a schema of %d", fn.n, nodes)
	}
	for i := 0; i < fn.n; i++ {
		p := fn.start + 16*i
		n := int64(binary.LittleEndian.Uint64(v.buf[p:]))
		nulls := int64(binary.LittleEndian.Uint64(v.buf[p+8:]))
		if n < 0 || n > maxRows {
			return fmt.Errorf("field node %d: %d values in a body of %d bytes", i, n, len(body))
		}
		if nulls < 0 || nulls > n {
			return fmt.Errorf("field node %d: %d nulls in %d values", i, nulls, n)
		}
	}
	bufs, err := rb.vector(2, 16) // Buffer structs: offset, length
	if err != nil {
		return fmt.Errorf("buffers: %w", err)
	}
	variadic, err := rb.vector(4, 8)
	if err != nil {
		return fmt.Errorf("variadic buffer counts: %w", err)
	}
	var extra int64
	for i := 0; i < variadic.n; i++ {
		c := int64(binary.LittleEndian.Uint64(v.buf[variadic.start+8*i:]))
		if c < 0 || c > int64(bufs.n) {
			return fmt.Errorf("variadic buffer count %d with %d buffers", c, bufs.n)
		}
		extra += c
	}
	// At most three buffers per node (validity, offsets or type ids, values or sizes) plus
	// the variadic data buffers of view types.
	if int64(bufs.n) > 3*int64(fn.n)+extra {
		return fmt.Errorf("%d buffers for %d field nodes", bufs.n, fn.n)
	}
	comp, compressed, err := rb.table(3)
	if err != nil {
		return fmt.Errorf("compression: %w", err)
	}
	if compressed {
		codec, err := comp.u8(0)
		if err != nil {
			return fmt.Errorf("compression: %w", err)
		}
		method, err := comp.u8(1)
		if err != nil {
			return fmt.Errorf("compression: %w", err)
		}
		if codec > 1 || method != 0 {
			return fmt.Errorf("unsupported compression (codec %d, method %d)", codec, method)
		}
	}
	var decoded int64
	for i := 0; i < bufs.n; i++ {
		p := bufs.start + 16*i
		off := int64(binary.LittleEndian.Uint64(v.buf[p:]))
		n := int64(binary.LittleEndian.Uint64(v.buf[p+8:]))
		if off < 0 || n < 0 || off > int64(len(body)) || n > int64(len(body))-off {
			return fmt.Errorf("buffer %d (offset %d, length %d) outside the body of %d bytes", i, off, n, len(body))
		}
		if !compressed || n == 0 {
			continue
		}
		// A compressed buffer starts with its uncompressed length (-1: stored as is), which
		// arrow-go allocates before decompressing.
		if n < 8 {
			return fmt.Errorf("compressed buffer %d of %d bytes has no length prefix", i, n)
		}
		u := int64(binary.LittleEndian.Uint64(body[off:]))
		switch {
		case u == -1:
			u = n - 8
		case u < 0:
			return fmt.Errorf("compressed buffer %d declares %d bytes", i, u)
		}
		if u > g.lim.MaxDecoded-decoded {
			return fmt.Errorf("decompresses to more than %d bytes", g.lim.MaxDecoded)
		}
		decoded += u
	}
	return nil
}

// fbVerifier reads a flatbuffer defensively: every position it hands out is inside buf.
type fbVerifier struct {
	buf    []byte
	budget int // tables it may still visit: bounds the work on shared (DAG) sub-tables
}

type fbTable struct {
	v        *fbVerifier
	pos      int // the table's start
	vt       int // its vtable's start
	vtLen    int
	tableLen int
}

// fbVector is a verified vector: n elements from start.
type fbVector struct{ start, n int }

func (v *fbVerifier) root() (fbTable, error) {
	if len(v.buf) < 8 {
		return fbTable{}, fmt.Errorf("%d bytes is too short", len(v.buf))
	}
	off, err := v.uoffset(0)
	if err != nil {
		return fbTable{}, err
	}
	return v.tableAt(off)
}

// uoffset follows the unsigned offset stored at pos.
func (v *fbVerifier) uoffset(pos int) (int, error) {
	if pos < 0 || pos > len(v.buf)-4 {
		return 0, fmt.Errorf("offset at %d outside %d bytes", pos, len(v.buf))
	}
	to := int64(pos) + int64(binary.LittleEndian.Uint32(v.buf[pos:]))
	if to >= int64(len(v.buf)) {
		return 0, fmt.Errorf("offset %d outside %d bytes", to, len(v.buf))
	}
	return int(to), nil
}

func (v *fbVerifier) tableAt(pos int) (fbTable, error) {
	if v.budget--; v.budget < 0 {
		return fbTable{}, fmt.Errorf("too many tables")
	}
	if pos < 0 || pos > len(v.buf)-4 {
		return fbTable{}, fmt.Errorf("table at %d outside %d bytes", pos, len(v.buf))
	}
	vt := int64(pos) - int64(int32(binary.LittleEndian.Uint32(v.buf[pos:])))
	if vt < 0 || vt > int64(len(v.buf))-4 {
		return fbTable{}, fmt.Errorf("vtable at %d outside %d bytes", vt, len(v.buf))
	}
	vtLen := int(binary.LittleEndian.Uint16(v.buf[vt:]))
	tableLen := int(binary.LittleEndian.Uint16(v.buf[vt+2:]))
	if vtLen < 4 || vtLen%2 != 0 || int64(vtLen) > int64(len(v.buf))-vt {
		return fbTable{}, fmt.Errorf("vtable of %d bytes at %d", vtLen, vt)
	}
	if tableLen < 4 || tableLen > len(v.buf)-pos {
		return fbTable{}, fmt.Errorf("table of %d bytes at %d", tableLen, pos)
	}
	return fbTable{v: v, pos: pos, vt: int(vt), vtLen: vtLen, tableLen: tableLen}, nil
}

// field returns the position of slot's value, or -1 when absent, after checking that size
// bytes there are inside the table.
func (t fbTable) field(slot, size int) (int, error) {
	vo := 4 + 2*slot
	if vo+2 > t.vtLen {
		return -1, nil
	}
	off := int(binary.LittleEndian.Uint16(t.v.buf[t.vt+vo:]))
	if off == 0 {
		return -1, nil
	}
	if off+size > t.tableLen {
		return 0, fmt.Errorf("field %d (%d bytes at %d) outside its table of %d bytes", slot, size, off, t.tableLen)
	}
	return t.pos + off, nil
}

func (t fbTable) scalar(slot, size int) (int, error) { return t.field(slot, size) }

func (t fbTable) u8(slot int) (byte, error) {
	p, err := t.field(slot, 1)
	if err != nil || p < 0 {
		return 0, err
	}
	return t.v.buf[p], nil
}

func (t fbTable) i16(slot int) (int16, error) {
	p, err := t.field(slot, 2)
	if err != nil || p < 0 {
		return 0, err
	}
	return int16(binary.LittleEndian.Uint16(t.v.buf[p:])), nil
}

func (t fbTable) i32(slot int) (int32, error) {
	p, err := t.field(slot, 4)
	if err != nil || p < 0 {
		return 0, err
	}
	return int32(binary.LittleEndian.Uint32(t.v.buf[p:])), nil
}

func (t fbTable) i64(slot int) (int64, error) {
	p, err := t.field(slot, 8)
	if err != nil || p < 0 {
		return 0, err
	}
	return int64(binary.LittleEndian.Uint64(t.v.buf[p:])), nil
}

// table follows slot's offset to a sub-table.
func (t fbTable) table(slot int) (fbTable, bool, error) {
	p, err := t.field(slot, 4)
	if err != nil || p < 0 {
		return fbTable{}, false, err
	}
	to, err := t.v.uoffset(p)
	if err != nil {
		return fbTable{}, false, err
	}
	sub, err := t.v.tableAt(to)
	return sub, err == nil, err
}

// vector follows slot's offset to a vector of elem-byte elements (strings: elem 1) and checks
// that all of it lies inside the buffer. An absent vector has no elements.
func (t fbTable) vector(slot, elem int) (fbVector, error) {
	p, err := t.field(slot, 4)
	if err != nil || p < 0 {
		return fbVector{}, err
	}
	to, err := t.v.uoffset(p)
	if err != nil {
		return fbVector{}, err
	}
	if to > len(t.v.buf)-4 {
		return fbVector{}, fmt.Errorf("vector at %d outside %d bytes", to, len(t.v.buf))
	}
	n := int64(binary.LittleEndian.Uint32(t.v.buf[to:]))
	if n > math.MaxInt32 || n*int64(elem) > int64(len(t.v.buf)-to-4) {
		return fbVector{}, fmt.Errorf("vector of %d elements does not fit in %d bytes", n, len(t.v.buf))
	}
	return fbVector{start: to + 4, n: int(n)}, nil
}

// vectorTable returns the i-th table of a vector of tables.
func (v *fbVerifier) vectorTable(vec fbVector, i int) (fbTable, error) {
	to, err := v.uoffset(vec.start + 4*i)
	if err != nil {
		return fbTable{}, err
	}
	return v.tableAt(to)
}

// keyValues checks a vector of KeyValue tables (custom metadata).
func (v *fbVerifier) keyValues(t fbTable, slot int) error {
	kvs, err := t.vector(slot, 4)
	if err != nil {
		return err
	}
	for i := 0; i < kvs.n; i++ {
		kv, err := v.vectorTable(kvs, i)
		if err != nil {
			return err
		}
		if _, err := kv.vector(0, 1); err != nil {
			return err
		}
		if _, err := kv.vector(1, 1); err != nil {
			return err
		}
	}
	return nil
}
