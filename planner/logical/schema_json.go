package logical

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/catalog"
)

// ClientArrow is the schema a client is promised: Arrow(), except that json and jsonb
// columns are Arrow's canonical JSON extension type (catalog.Type.ClientArrow). The engine's
// batches carry them as utf8; the gateway wraps them when it stamps the promise.
func (s Schema) ClientArrow() *arrow.Schema {
	a := s.Arrow()
	changed := false
	fs := a.Fields()
	for i, f := range s {
		if f.Type.Kind == catalog.TypeJSON || f.Type.Kind == catalog.TypeJSONB {
			fs[i].Type = f.Type.ClientArrow()
			changed = true
		}
	}
	if !changed {
		return a
	}
	return arrow.NewSchema(fs, nil)
}
