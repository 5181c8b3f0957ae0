package catalog

import (
	"encoding/json"
	"strings"
	"testing"
)

// Tables stored before Table.Source existed read as native; native tables do not store it.
func TestTableSourceDefaultsToNative(t *testing.T) {
	var old Table
	if err := json.Unmarshal([]byte(`{"ID":7,"Ref":{"Name":"t"},"CurrentSnapshot":3}`), &old); err != nil {
		t.Fatal(err)
	}
	if old.Source != "" || old.SourceName() != SourceNative {
		t.Fatalf("old table source %q / %q", old.Source, old.SourceName())
	}
	b, err := json.Marshal(Table{ID: 1})
	if err != nil || strings.Contains(string(b), `"Source"`) {
		t.Fatalf("native table JSON %s %v", b, err)
	}
	other := Table{Source: "postgres"}
	if other.SourceName() != "postgres" {
		t.Fatalf("source %q", other.SourceName())
	}
}
