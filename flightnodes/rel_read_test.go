package flightnodes_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/proto/errs"
	"github.com/tern-db/tern/proto/planpb"
	"google.golang.org/protobuf/types/known/anypb"
)

// connectorRead is a ReadRel of (a i64, b string) whose extension_table carries detail.
func connectorRead(detail *anypb.Any, proj ...int32) *substraitpb.Rel {
	var items []*substraitpb.Expression_MaskExpression_StructItem
	for _, p := range proj {
		items = append(items, &substraitpb.Expression_MaskExpression_StructItem{Field: p})
	}
	return &substraitpb.Rel{RelType: &substraitpb.Rel_Read{Read: &substraitpb.ReadRel{
		BaseSchema: namedStruct([]string{"a", "b"}, tyI64(), tyStr()),
		Projection: &substraitpb.Expression_MaskExpression{Select: &substraitpb.Expression_MaskExpression_StructSelect{StructItems: items}},
		ReadType:   &substraitpb.ReadRel_ExtensionTable_{ExtensionTable: &substraitpb.ReadRel_ExtensionTable{Detail: detail}},
	}}}
}

func scanDetail(t *testing.T, cs *planpb.ConnectorScan) *anypb.Any {
	t.Helper()
	a, err := anypb.New(cs)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestCompileConnectorScan(t *testing.T) {
	dir := t.TempDir()
	var splits []*planpb.ScanSplit
	for i, body := range []string{"a;b\n1;x\n2;y\n", "a;b\n3;z\n"} {
		path := filepath.Join(dir, "t"+string(rune('0'+i))+".csv")
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		data, err := files.EncodeSplit(files.Split{Format: files.CSV, Paths: []string{path}, CSVHeader: true, CSVDelimiter: ';'})
		if err != nil {
			t.Fatal(err)
		}
		splits = append(splits, &planpb.ScanSplit{Data: data})
	}
	p := newPlan()
	read := connectorRead(scanDetail(t, &planpb.ConnectorScan{Connector: files.ConnectorName, Splits: splits}), 1, 0)
	f := filterRel(read, p.call("gte", tyBool(), field(1), lit(litI64(2))))
	runPlan(t, p.root(f, "b", "a"), "b,a", "y|2", "z|3")

	// No splits: an empty scan of the projected columns.
	p = newPlan()
	runPlan(t, p.root(connectorRead(scanDetail(t, &planpb.ConnectorScan{Connector: "native"}), 0), "a"), "a")
}

func TestCompileConnectorScanErrors(t *testing.T) {
	check := func(name string, rel *substraitpb.Rel, sentinel error, msg string) {
		t.Run(name, func(t *testing.T) {
			p := newPlan()
			err := planErr(t, p.root(rel, "a"))
			if !errors.Is(err, sentinel) || !strings.Contains(err.Error(), msg) {
				t.Fatalf("want %v containing %q, got %v", sentinel, msg, err)
			}
		})
	}
	check("no-detail", connectorRead(nil, 0), errs.ErrInvalidArgument, "extension table")
	check("wrong-type", connectorRead(&anypb.Any{TypeUrl: "type.googleapis.com/x.Y", Value: []byte{1}}, 0), errs.ErrInvalidArgument, "extension table")
	check("garbage-detail", connectorRead(&anypb.Any{TypeUrl: planpb.ConnectorScanURL, Value: []byte{0xff, 0xff, 0x01}}, 0), errs.ErrInvalidArgument, "malformed connector scan")
	check("no-connector", connectorRead(scanDetail(t, &planpb.ConnectorScan{}), 0), errs.ErrInvalidArgument, "no connector")
	check("unknown-connector", connectorRead(scanDetail(t, &planpb.ConnectorScan{Connector: "nosuch", Splits: []*planpb.ScanSplit{{Data: []byte{1}}}}), 0), errs.ErrNotSupported, "nosuch")
	check("garbage-split", connectorRead(scanDetail(t, &planpb.ConnectorScan{Connector: "native", Splits: []*planpb.ScanSplit{{Data: []byte{0xff, 0xff}}}}), 0), errs.ErrInvalidArgument, "split")
	check("local-files", &substraitpb.Rel{RelType: &substraitpb.Rel_Read{Read: &substraitpb.ReadRel{
		BaseSchema: namedStruct([]string{"a", "b"}, tyI64(), tyStr()),
		ReadType: &substraitpb.ReadRel_LocalFiles_{LocalFiles: &substraitpb.ReadRel_LocalFiles{Items: []*substraitpb.ReadRel_LocalFiles_FileOrFiles{{
			PathType: &substraitpb.ReadRel_LocalFiles_FileOrFiles_UriFile{UriFile: "file:///etc/passwd"}}}}},
	}}}, errs.ErrNotSupported, "LocalFiles")
	check("relative-path", connectorRead(scanDetail(t, &planpb.ConnectorScan{Connector: "files", Splits: []*planpb.ScanSplit{{Data: func() []byte {
		b, _ := files.EncodeSplit(files.Split{Paths: []string{"etc/passwd"}})
		return b
	}()}}}), 0), errs.ErrInvalidArgument, "not absolute")
}
