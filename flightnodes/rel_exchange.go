package flightnodes

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	gproto "google.golang.org/protobuf/proto"

	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
	"github.com/tern-db/tern/proto/planpb"
)

// The two ends of an exchange (proto/planpb/exchange.proto): an ExtensionSingleRel whose
// detail is an ExchangeSink ends a producer fragment and keeps the rows of the partition a
// consumer asked for; an ExtensionLeafRel whose detail is a RemoteSource starts a consumer
// fragment and reads its input fragment's output through Task.Inputs.

// maxPartitions bounds the partition counts a plan may ask for.
const maxPartitions = 1024

// maxFragmentDepth bounds how deeply fragments may read fragments (a plan that reads itself
// would otherwise recurse until the stack ends).
const maxFragmentDepth = 64

// Task is which part of a fragment's work one run does.
type Task struct {
	// Partition is the fragment instance this run is: its RemoteSources read this
	// partition of their inputs' exchanges (the final fragment: the result partition).
	Partition int
	// Bucket is which of the exchange sink's output partitions this run produces.
	Bucket int
	// Inputs resolves RemoteSources; nil refuses a plan that has one.
	Inputs Inputs
	depth  int
}

// Inputs resolves a RemoteSource: the output of one partition (instance) of an input
// fragment, restricted to one bucket of the exchange sink that ends it.
type Inputs interface {
	Open(ctx context.Context, fragment, partition, bucket int, depth int) (exec.Operator, error)
}

// LocalInputs runs a query's input fragments in this process, compiled from their bytes as
// any fragment is: a RemoteSource reading fragment f runs Plans[f] once for each of its
// partitions. (Between nodes, the same RemoteSource will fetch the partitions over Flight.)
type LocalInputs struct {
	Plans map[int][]byte
	Env   exec.Env
}

func (l *LocalInputs) Open(ctx context.Context, fragment, partition, bucket, depth int) (exec.Operator, error) {
	plan, ok := l.Plans[fragment]
	if !ok {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "remote source reads fragment %d, which the query does not have", fragment)
	}
	if depth >= maxFragmentDepth {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "fragments read each other more than %d deep", maxFragmentDepth)
	}
	return CompileTask(ctx, plan, l.Env, Task{Partition: partition, Bucket: bucket, Inputs: l, depth: depth + 1})
}

func exchangeKind(k planpb.ExchangeKind) error {
	switch k {
	case planpb.ExchangeKind_EXCHANGE_KIND_GATHER, planpb.ExchangeKind_EXCHANGE_KIND_BROADCAST,
		planpb.ExchangeKind_EXCHANGE_KIND_HASH, planpb.ExchangeKind_EXCHANGE_KIND_ROUND_ROBIN,
		planpb.ExchangeKind_EXCHANGE_KIND_MERGE:
		return nil
	}
	return errs.Errorf(errs.ErrInvalidArgument, "exchange kind %v", k)
}

func (c *compiler) extensionLeafRel(r *substraitpb.ExtensionLeafRel) (exec.Operator, error) {
	if r.GetDetail().MessageIs(&planpb.WorkTableScan{}) {
		return c.workTableRel(r) // rel_recursive.go
	}
	var d planpb.RemoteSource
	if r.GetDetail() == nil || r.GetDetail().UnmarshalTo(&d) != nil {
		return nil, errs.Errorf(errs.ErrNotSupported, "Substrait relation ExtensionLeaf with detail %q", r.GetDetail().GetTypeUrl())
	}
	if err := exchangeKind(d.Kind); err != nil {
		return nil, err
	}
	if d.Fragment < 0 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "remote source of fragment %d", d.Fragment)
	}
	if d.SourcePartitions < 1 || d.SourcePartitions > maxPartitions {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "remote source of %d partitions (1..%d)", d.SourcePartitions, maxPartitions)
	}
	var ns substraitpb.NamedStruct
	if err := gproto.Unmarshal(d.Schema, &ns); err != nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "remote source schema: %v", err)
	}
	schema, err := schemaOf(&ns)
	if err != nil {
		return nil, fmt.Errorf("remote source schema: %w", err)
	}
	merge := d.Kind == planpb.ExchangeKind_EXCHANGE_KIND_MERGE
	if merge && d.SourcePartitions > 1 {
		return nil, errs.Errorf(errs.ErrNotSupported, "merging %d sorted partitions", d.SourcePartitions)
	}
	for _, k := range d.SortKeys {
		if k.Field < 0 || int(k.Field) >= schema.NumFields() {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "merge key field %d of %d columns", k.Field, schema.NumFields())
		}
	}
	if c.task.Inputs == nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "remote source of fragment %d: no input fragments given to run it", d.Fragment)
	}
	bucket := 0 // gather and merge: every source partition's single output
	switch d.Kind {
	case planpb.ExchangeKind_EXCHANGE_KIND_HASH, planpb.ExchangeKind_EXCHANGE_KIND_ROUND_ROBIN, planpb.ExchangeKind_EXCHANGE_KIND_BROADCAST:
		bucket = c.task.Partition
	}
	ins := make([]exec.Operator, 0, d.SourcePartitions)
	for p := 0; p < int(d.SourcePartitions); p++ {
		var op exec.Operator
		var err error
		if ti, ok := c.task.Inputs.(typedInputs); ok { // inputs fetched over Flight (service_inputs.go)
			op, err = ti.OpenTyped(c.ctx, int(d.Fragment), p, int(d.SourcePartitions), bucket, c.task.depth, schema)
		} else {
			op, err = c.task.Inputs.Open(c.ctx, int(d.Fragment), p, bucket, c.task.depth)
		}
		if err != nil {
			return nil, fmt.Errorf("remote source of fragment %d: %w", d.Fragment, err)
		}
		c.track(op)
		if !sameTypes(op.Schema(), schema) {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "fragment %d delivers %s, its remote source declares %s", d.Fragment, op.Schema(), schema)
		}
		ins = append(ins, op)
	}
	return &concat{schema: schema, ins: ins}, nil
}

func sameTypes(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := range a.Fields() {
		if !arrow.TypeEqual(a.Field(i).Type, b.Field(i).Type) {
			return false
		}
	}
	return true
}

// concat reads its inputs one after the other, opening each when the one before ends.
type concat struct {
	schema *arrow.Schema
	ins    []exec.Operator
	cur    int
	opened bool
}

func (o *concat) Schema() *arrow.Schema { return o.schema }

func (o *concat) Open(ctx context.Context) error {
	if o.opened {
		return nil
	}
	o.opened = true
	if len(o.ins) > 0 {
		return o.ins[0].Open(ctx)
	}
	return nil
}

func (o *concat) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for o.cur < len(o.ins) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b, err := o.ins[o.cur].Next(ctx)
		if err == io.EOF {
			if err := o.ins[o.cur].Close(); err != nil {
				return nil, err
			}
			o.cur++
			if o.cur < len(o.ins) {
				if err := o.ins[o.cur].Open(ctx); err != nil {
					return nil, err
				}
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		defer b.Release()
		// the declared schema (names may differ inside the source fragment)
		return array.NewRecordBatch(o.schema, b.Columns(), b.NumRows()), nil
	}
	return nil, io.EOF
}

func (o *concat) Close() error {
	var first error
	for _, in := range o.ins {
		if err := in.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (c *compiler) extensionSingleRel(r *substraitpb.ExtensionSingleRel) (exec.Operator, error) {
	var ps planpb.ProjectSet
	if r.GetDetail().MessageIs(&ps) {
		return c.projectSetRel(r) // rel_projectset.go
	}
	var d planpb.ExchangeSink
	if r.GetDetail() == nil || r.GetDetail().UnmarshalTo(&d) != nil {
		return nil, errs.Errorf(errs.ErrNotSupported, "Substrait relation ExtensionSingle with detail %q", r.GetDetail().GetTypeUrl())
	}
	if err := exchangeKind(d.Kind); err != nil {
		return nil, err
	}
	if d.Partitions < 1 || d.Partitions > maxPartitions {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "exchange to %d partitions (1..%d)", d.Partitions, maxPartitions)
	}
	if c.task.Bucket < 0 || c.task.Bucket >= int(d.Partitions) {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "partition %d of an exchange to %d", c.task.Bucket, d.Partitions)
	}
	hash := d.Kind == planpb.ExchangeKind_EXCHANGE_KIND_HASH
	if hash && len(d.HashKeys) == 0 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "hash exchange without keys")
	}
	in, err := c.rel(r.GetInput())
	if err != nil {
		return nil, err
	}
	n := in.Schema().NumFields()
	keys := make([]int, len(d.HashKeys))
	for i, k := range d.HashKeys {
		if k < 0 || int(k) >= n {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "hash key field %d of %d columns", k, n)
		}
		if !hashable(in.Schema().Field(int(k)).Type) {
			return nil, errs.Errorf(errs.ErrNotSupported, "hash exchange on %s", in.Schema().Field(int(k)).Type)
		}
		keys[i] = int(k)
	}
	if d.Partitions == 1 || !(hash || d.Kind == planpb.ExchangeKind_EXCHANGE_KIND_ROUND_ROBIN) {
		return in, nil // one partition, gather, merge, broadcast: every row goes
	}
	return c.track(&router{in: in, mem: c.env.Alloc, keys: keys, parts: uint64(d.Partitions), bucket: uint64(c.task.Bucket)}), nil
}

// router keeps the rows of its input that an exchange sends to one partition: by the hash
// of the key columns (keys set) or in turn (round-robin, counting rows from the start).
// In-process, the producer runs once per consumer partition, so round-robin needs a
// producer that delivers its rows in the same order every time (hash does not).
type router struct {
	in     exec.Operator
	mem    memory.Allocator
	keys   []int
	parts  uint64
	bucket uint64
	row    uint64 // round-robin: rows seen
	hashes []uint64
	mask   []bool
}

func (o *router) Schema() *arrow.Schema          { return o.in.Schema() }
func (o *router) Open(ctx context.Context) error { return o.in.Open(ctx) }
func (o *router) Close() error                   { return o.in.Close() }

func (o *router) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		b, err := o.in.Next(ctx)
		if err != nil {
			return nil, err
		}
		n := int(b.NumRows())
		if cap(o.mask) < n {
			o.mask = make([]bool, n)
		}
		mask := o.mask[:n]
		kept := 0
		if len(o.keys) > 0 {
			h := o.rowHashes(b, n)
			for i := range mask {
				mask[i] = h[i]%o.parts == o.bucket
			}
		} else {
			for i := range mask {
				mask[i] = (o.row+uint64(i))%o.parts == o.bucket
			}
			o.row += uint64(n)
		}
		for _, m := range mask {
			if m {
				kept++
			}
		}
		switch kept {
		case n:
			return b, nil
		case 0:
			b.Release()
			continue
		}
		out, err := o.filter(ctx, b, mask)
		b.Release()
		return out, err
	}
}

func (o *router) filter(ctx context.Context, b arrow.RecordBatch, mask []bool) (arrow.RecordBatch, error) {
	mem := o.mem
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	bb := array.NewBooleanBuilder(mem)
	defer bb.Release()
	bb.AppendValues(mask, nil)
	sel := bb.NewArray()
	defer sel.Release()
	return compute.FilterRecordBatch(compute.WithAllocator(ctx, mem), b, sel, compute.DefaultFilterOptions())
}

// rowHashes hashes each row's key values so that values the engine groups and joins as
// equal hash alike (-0 and 0, NaNs, intervals of the same span), the same in every process.
func (o *router) rowHashes(b arrow.RecordBatch, n int) []uint64 {
	if cap(o.hashes) < n {
		o.hashes = make([]uint64, n)
	}
	h := o.hashes[:n]
	for i := range h {
		h[i] = 0x9e3779b97f4a7c15
	}
	for _, k := range o.keys {
		hashColumn(b.Column(k), h)
	}
	for i := range h {
		h[i] = mix(h[i])
	}
	return h
}

func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

const nullHash = 0x5bd1e9955bd1e995

func fold(h, v uint64) uint64 { return mix(h*31 + v) }

func hashable(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY, arrow.BOOL,
		arrow.FLOAT32, arrow.FLOAT64, arrow.INTERVAL_MONTH_DAY_NANO:
		return true
	}
	_, fixed := dt.(arrow.FixedWidthDataType)
	return fixed
}

func bytesHash(p []byte) uint64 { // FNV-1a
	h := uint64(14695981039346656037)
	for _, c := range p {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// hashColumn folds one key column into the row hashes, choosing the value hash once per
// column.
func hashColumn(a arrow.Array, h []uint64) {
	var val func(i int) uint64
	switch x := a.(type) {
	case *array.String:
		val = func(i int) uint64 { return bytesHash([]byte(x.Value(i))) }
	case *array.LargeString:
		val = func(i int) uint64 { return bytesHash([]byte(x.Value(i))) }
	case *array.Binary:
		val = func(i int) uint64 { return bytesHash(x.Value(i)) }
	case *array.LargeBinary:
		val = func(i int) uint64 { return bytesHash(x.Value(i)) }
	case *array.Boolean:
		val = func(i int) uint64 {
			if x.Value(i) {
				return 1
			}
			return 0
		}
	case *array.Float64:
		val = func(i int) uint64 {
			f := x.Value(i)
			switch {
			case f != f:
				return 0x7ff8000000000001
			case f == 0:
				return 0
			}
			return math.Float64bits(f)
		}
	case *array.Float32:
		val = func(i int) uint64 {
			f := x.Value(i)
			switch {
			case f != f:
				return 0x7fc00001
			case f == 0:
				return 0
			}
			return uint64(math.Float32bits(f))
		}
	case *array.MonthDayNanoInterval:
		val = func(i int) uint64 { // PostgreSQL's span: a month is 30 days
			iv := x.Value(i)
			return uint64((int64(iv.Months)*30+int64(iv.Days))*86_400_000_000 + iv.Nanoseconds/1000)
		}
	default:
		w := a.DataType().(arrow.FixedWidthDataType).BitWidth() / 8
		buf, off := a.Data().Buffers()[1].Bytes(), a.Data().Offset()
		val = func(i int) uint64 {
			p := buf[(off+i)*w : (off+i+1)*w]
			if w == 8 {
				return binary.LittleEndian.Uint64(p)
			}
			return bytesHash(p)
		}
	}
	for i := range h {
		if a.IsNull(i) {
			h[i] = fold(h[i], nullHash)
			continue
		}
		h[i] = fold(h[i], val(i))
	}
}

// compileFragment compiles the partition of a fragment that f asks for, its RemoteSources
// resolved to f.Inputs run in this process.
func compileFragment(ctx context.Context, f *proto.Fragment, env exec.Env) (exec.Operator, error) {
	if len(f.Inputs) == 0 && f.Partition == 0 && f.Bucket == 0 {
		return Compile(ctx, f.Plan, env)
	}
	parts := max(f.Partitions, 1)
	if f.Partition < 0 || f.Partition >= parts || parts > maxPartitions {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "partition %d of a fragment of %d partitions", f.Partition, parts)
	}
	in := &LocalInputs{Plans: make(map[int][]byte, len(f.Inputs)), Env: env}
	for _, x := range f.Inputs {
		in.Plans[x.ID] = x.Plan
	}
	return CompileTask(ctx, f.Plan, env, Task{Partition: f.Partition, Bucket: f.Bucket, Inputs: in})
}
