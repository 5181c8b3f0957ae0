package main

import (
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

func main() {
	for _, p := range os.Args[1:] {
		pr, err := file.OpenParquetFile(p, false)
		if err != nil {
			panic(err)
		}
		fr, _ := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
		sc, _ := fr.Schema()
		md := pr.MetaData()
		fmt.Println(p, "rows", md.NumRows, "rowgroups", md.NumRowGroups(), "createdby", md.GetCreatedBy())
		rg := md.RowGroup(0)
		cc, _ := rg.ColumnChunk(0)
		fmt.Println(" compression", cc.Compression(), "encodings", cc.Encodings())
		fmt.Println(sc)
	}
}
