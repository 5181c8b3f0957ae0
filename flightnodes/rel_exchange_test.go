package flightnodes_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
	"github.com/tern-db/tern/flightnodes"
	tproto "github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
	"github.com/tern-db/tern/proto/planpb"
)

var peopleNames = []string{"id", "name", "dept", "salary"}

func peopleSchema() []byte {
	b, err := proto.Marshal(namedStruct(peopleNames, tyI32(), tyStr(), tyI32(), tyDec(10, 2)))
	if err != nil {
		panic(err)
	}
	return b
}

func anyOf(m proto.Message) *anypb.Any {
	a, err := anypb.New(m)
	if err != nil {
		panic(err)
	}
	return a
}

func sinkRel(in *substraitpb.Rel, d *planpb.ExchangeSink) *substraitpb.Rel {
	return &substraitpb.Rel{RelType: &substraitpb.Rel_ExtensionSingle{ExtensionSingle: &substraitpb.ExtensionSingleRel{Input: in, Detail: anyOf(d)}}}
}

func sourceRel(d *planpb.RemoteSource) *substraitpb.Rel {
	return &substraitpb.Rel{RelType: &substraitpb.Rel_ExtensionLeaf{ExtensionLeaf: &substraitpb.ExtensionLeafRel{Detail: anyOf(d)}}}
}

const (
	hashKind   = planpb.ExchangeKind_EXCHANGE_KIND_HASH
	rrKind     = planpb.ExchangeKind_EXCHANGE_KIND_ROUND_ROBIN
	gatherKind = planpb.ExchangeKind_EXCHANGE_KIND_GATHER
)

// runFragment runs partition part of a fragment on a node with a checked allocator, at
// every batch size, and returns its rows (the same at every size).
func runFragment(t *testing.T, f *tproto.Fragment) []string {
	t.Helper()
	var first []string
	for i, size := range exectest.BatchSizes {
		mem := exectest.Alloc(t)
		n := flightnodes.NewNode(mem)
		n.BatchSize = size
		op, err := n.Run(context.Background(), f)
		if err != nil {
			t.Fatalf("partition %d: %v", f.Partition, err)
		}
		got := exectest.Rows(t, op)
		if i == 0 {
			first = got
		} else if strings.Join(got, "\n") != strings.Join(first, "\n") {
			t.Fatalf("batch size %d: %q, want %q", size, got, first)
		}
	}
	return first
}

func allRows() []string {
	return []string{"1|ann|10|1000.5", "2|bob|20|2000", "3|cy|NULL|50.25", "4|NULL|10|NULL", "5|dee|20|0.99"}
}

func TestExchangeHashPartitions(t *testing.T) {
	producer := newPlan().root(sinkRel(people(), &planpb.ExchangeSink{Kind: hashKind, HashKeys: []int32{2}, Partitions: 3}), peopleNames...)
	final := newPlan().root(sourceRel(&planpb.RemoteSource{Fragment: 0, Kind: hashKind, SourcePartitions: 1, Schema: peopleSchema()}), peopleNames...)
	var all []string
	depts := map[string]int{}
	for part := 0; part < 3; part++ {
		rows := runFragment(t, &tproto.Fragment{Plan: final, Partition: part, Partitions: 3, Inputs: []tproto.FragmentInput{{ID: 0, Plan: producer}}})
		for _, r := range rows {
			d := strings.Split(r, "|")[2]
			if p, ok := depts[d]; ok && p != part {
				t.Errorf("dept %s in partitions %d and %d", d, p, part)
			}
			depts[d] = part
		}
		all = append(all, rows...)
	}
	sort.Strings(all)
	if strings.Join(all, "\n") != strings.Join(allRows(), "\n") {
		t.Errorf("partitions hold %q", all)
	}
	used := map[int]bool{}
	for _, p := range depts {
		used[p] = true
	}
	if len(used) < 2 {
		t.Errorf("three keys all hashed to one partition: %v", depts)
	}
}

// A round-robin exchange deals rows in turn whatever the batch sizes; a gather over a
// fragment of two partitions reads both (fragments reading fragments, three deep).
func TestExchangeRoundRobinThenGather(t *testing.T) {
	f0 := newPlan().root(sinkRel(people(), &planpb.ExchangeSink{Kind: rrKind, Partitions: 2}), peopleNames...)
	f1 := newPlan().root(sinkRel(sourceRel(&planpb.RemoteSource{Fragment: 0, Kind: rrKind, SourcePartitions: 1, Schema: peopleSchema()}),
		&planpb.ExchangeSink{Kind: gatherKind, Partitions: 1}), peopleNames...)
	f2 := newPlan().root(sourceRel(&planpb.RemoteSource{Fragment: 1, Kind: gatherKind, SourcePartitions: 2, Schema: peopleSchema()}), peopleNames...)
	ins := []tproto.FragmentInput{{ID: 0, Plan: f0}, {ID: 1, Plan: f1}}
	p0 := runFragment(t, &tproto.Fragment{Plan: f1, Partition: 0, Partitions: 2, Inputs: ins[:1]})
	if want := []string{"1|ann|10|1000.5", "3|cy|NULL|50.25", "5|dee|20|0.99"}; strings.Join(p0, "\n") != strings.Join(want, "\n") {
		t.Errorf("round-robin partition 0: %q", p0)
	}
	got := runFragment(t, &tproto.Fragment{Plan: f2, Inputs: ins})
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(allRows(), "\n") {
		t.Errorf("gather: %q", got)
	}
}

// Bad exchange relations are clear errors, never a panic.
func TestExchangeRelationsValidated(t *testing.T) {
	src := func(d *planpb.RemoteSource) []byte { return newPlan().root(sourceRel(d), peopleNames...) }
	sink := func(d *planpb.ExchangeSink) []byte { return newPlan().root(sinkRel(people(), d), peopleNames...) }
	good := &planpb.RemoteSource{Fragment: 0, Kind: gatherKind, SourcePartitions: 1, Schema: peopleSchema()}
	goodProducer := sink(&planpb.ExchangeSink{Kind: gatherKind, Partitions: 1})
	with := func(f func(d *planpb.RemoteSource)) []byte {
		d := proto.Clone(good).(*planpb.RemoteSource)
		f(d)
		return src(d)
	}
	wrongDetail := newPlan().root(&substraitpb.Rel{RelType: &substraitpb.Rel_ExtensionLeaf{ExtensionLeaf: &substraitpb.ExtensionLeafRel{
		Detail: anyOf(wrapperspb.String("x"))}}}, "x")
	noDetail := newPlan().root(&substraitpb.Rel{RelType: &substraitpb.Rel_ExtensionSingle{ExtensionSingle: &substraitpb.ExtensionSingleRel{Input: people()}}}, peopleNames...)
	inputs := []tproto.FragmentInput{{ID: 0, Plan: goodProducer}}
	for _, c := range []struct {
		name string
		f    *tproto.Fragment
		want error
	}{
		{"unknown detail", &tproto.Fragment{Plan: wrongDetail, Inputs: inputs}, errs.ErrNotSupported},
		{"sink without detail", &tproto.Fragment{Plan: noDetail}, errs.ErrNotSupported},
		{"no kind", &tproto.Fragment{Plan: with(func(d *planpb.RemoteSource) { d.Kind = 0 }), Inputs: inputs}, errs.ErrInvalidArgument},
		{"kind out of range", &tproto.Fragment{Plan: with(func(d *planpb.RemoteSource) { d.Kind = 99 }), Inputs: inputs}, errs.ErrInvalidArgument},
		{"no partitions", &tproto.Fragment{Plan: with(func(d *planpb.RemoteSource) { d.SourcePartitions = 0 }), Inputs: inputs}, errs.ErrInvalidArgument},
		{"too many partitions", &tproto.Fragment{Plan: with(func(d *planpb.RemoteSource) { d.SourcePartitions = 1 << 30 }), Inputs: inputs}, errs.ErrInvalidArgument},
		{"negative fragment", &tproto.Fragment{Plan: with(func(d *planpb.RemoteSource) { d.Fragment = -1 }), Inputs: inputs}, errs.ErrInvalidArgument},
		{"unknown fragment", &tproto.Fragment{Plan: with(func(d *planpb.RemoteSource) { d.Fragment = 7 }), Inputs: inputs}, errs.ErrInvalidArgument},
		{"garbage schema", &tproto.Fragment{Plan: with(func(d *planpb.RemoteSource) { d.Schema = []byte{0xff, 0xff} }), Inputs: inputs}, errs.ErrInvalidArgument},
		{"schema mismatch", &tproto.Fragment{Plan: with(func(d *planpb.RemoteSource) {
			d.Schema, _ = proto.Marshal(namedStruct([]string{"x"}, tyI64()))
		}), Inputs: inputs}, errs.ErrInvalidArgument},
		{"no inputs given", &tproto.Fragment{Plan: src(good)}, errs.ErrInvalidArgument},
		{"reads itself", &tproto.Fragment{Plan: src(good), Inputs: []tproto.FragmentInput{{ID: 0, Plan: src(good)}}}, errs.ErrInvalidArgument},
		{"partition out of range", &tproto.Fragment{Plan: src(good), Partition: 3, Partitions: 2, Inputs: inputs}, errs.ErrInvalidArgument},
		{"sink without partitions", &tproto.Fragment{Plan: sink(&planpb.ExchangeSink{Kind: hashKind, HashKeys: []int32{0}})}, errs.ErrInvalidArgument},
		{"hash without keys", &tproto.Fragment{Plan: sink(&planpb.ExchangeSink{Kind: hashKind, Partitions: 2})}, errs.ErrInvalidArgument},
		{"hash key out of range", &tproto.Fragment{Plan: sink(&planpb.ExchangeSink{Kind: hashKind, HashKeys: []int32{9}, Partitions: 2})}, errs.ErrInvalidArgument},
		{"merge of several", &tproto.Fragment{Plan: with(func(d *planpb.RemoteSource) {
			d.Kind, d.SourcePartitions = planpb.ExchangeKind_EXCHANGE_KIND_MERGE, 2
		}), Inputs: inputs}, errs.ErrNotSupported},
	} {
		t.Run(c.name, func(t *testing.T) {
			mem := exectest.Alloc(t)
			op, err := flightnodes.NewNode(mem).Run(context.Background(), c.f)
			if err == nil {
				_, err = exec.Drain(context.Background(), op)
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}
