package substrait

import (
	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

func (p *producer) scan(x *logical.Scan) (*pb.Rel, error) {
	base, err := namedStruct(x.Source.Base)
	if err != nil {
		return nil, err
	}
	if len(x.Source.Fields) == len(base.Names) { // native files name some columns otherwise
		base.Names = append([]string(nil), x.Source.Fields...)
	}
	rr := &pb.ReadRel{BaseSchema: base}
	mask := &pb.Expression_MaskExpression{Select: &pb.Expression_MaskExpression_StructSelect{}, MaintainSingularStruct: true}
	for _, c := range x.Columns {
		mask.Select.StructItems = append(mask.Select.StructItems, &pb.Expression_MaskExpression_StructItem{Field: int32(c)})
	}
	rr.Projection = mask
	if len(x.Filters) > 0 {
		f, err := p.expr(logical.And(x.Filters...))
		if err != nil {
			return nil, err
		}
		rr.Filter = f
	}
	lf := &pb.ReadRel_LocalFiles{}
	for i, path := range x.Source.Paths {
		item := &pb.ReadRel_LocalFiles_FileOrFiles{PathType: &pb.ReadRel_LocalFiles_FileOrFiles_UriFile{UriFile: "file://" + path}}
		if i < len(x.Source.Ranges) && x.Source.Ranges[i][1] > 0 { // pruned to some row groups
			item.Start, item.Length = uint64(x.Source.Ranges[i][0]), uint64(x.Source.Ranges[i][1])
		}
		switch x.Source.Kind {
		case logical.SourceCSV:
			opts := &pb.ReadRel_LocalFiles_FileOrFiles_DelimiterSeparatedTextReadOptions{
				FieldDelimiter: x.Source.CSVDelimiter, Quote: `"`, Escape: `"`, MaxLineSize: 1 << 20,
			}
			if x.Source.CSVHeader {
				opts.HeaderLinesToSkip = 1
			}
			empty := ""
			opts.ValueTreatedAsNull = &empty
			item.FileFormat = &pb.ReadRel_LocalFiles_FileOrFiles_Text{Text: opts}
		case logical.SourceJSON: // no Substrait JSON format: Tern's extension (connectors/files)
			item.FileFormat = &pb.ReadRel_LocalFiles_FileOrFiles_Extension{Extension: &anypb.Any{TypeUrl: proto.JSONFileFormatURL}}
		default:
			item.FileFormat = &pb.ReadRel_LocalFiles_FileOrFiles_Parquet{Parquet: &pb.ReadRel_LocalFiles_FileOrFiles_ParquetReadOptions{}}
		}
		lf.Items = append(lf.Items, item)
	}
	rr.ReadType = &pb.ReadRel_LocalFiles_{LocalFiles: lf}
	return &pb.Rel{RelType: &pb.Rel_Read{Read: rr}}, nil
}
