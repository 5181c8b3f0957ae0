package gateway

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// json and jsonb columns are utf8 in the engine and Arrow's JSON extension type in the
// promise (catalog.Type.ClientArrow): the stamp wraps the executor's column as the
// extension's storage, zero-copy.

// isStorageOf reports whether got is the storage type of promised extension type.
func isStorageOf(promised, got arrow.DataType) bool {
	ext, ok := promised.(arrow.ExtensionType)
	return ok && arrow.TypeEqual(ext.StorageType(), got)
}

// wrapExtensions returns cols with every column promised as an extension type wrapped in
// it; made are the wrappers, which the caller releases once the batch holds them.
func wrapExtensions(promised *arrow.Schema, cols []arrow.Array) (out, made []arrow.Array) {
	for i, f := range promised.Fields() {
		ext, ok := f.Type.(arrow.ExtensionType)
		if !ok || arrow.TypeEqual(ext, cols[i].DataType()) {
			continue
		}
		if out == nil {
			out = append([]arrow.Array(nil), cols...)
		}
		out[i] = array.NewExtensionArrayWithStorage(ext, cols[i])
		made = append(made, out[i])
	}
	if out == nil {
		return cols, nil
	}
	return out, made
}
