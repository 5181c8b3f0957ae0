package layers

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/tern-db/tern"

// rank orders the top-level folders: a package may import packages of its own folder and of
// folders with a lower rank, never the other way. Equal ranks may not import each other.
// A new folder must be added here (and to ARCHITECTURE.md's package table).
var rank = map[string]int{
	"proto":       0, // cross-process contracts: fragment envelope, handles, planpb, errs
	"internal":    1, // small shared helpers (datafs)
	"exec":        2, // the vectorized engine: operators, expressions, kernels
	"catalog":     2, // metadata: tenants, tables, snapshots, users, sessions
	"functions":   3, // the one function registry (kernels from exec, types from catalog)
	"connectors":  4, // where batches come from (native, files)
	"planner":     5, // SQL/Substrait -> logical -> physical -> fragments
	"flightnodes": 5, // executor node: compiles fragments, runs them
	"coordinator": 6, // statement execution: DDL/DML, commits, transactions, ingest
	"cluster":     6, // executor nodes: membership (static, Consul), remote executor, failover
	"gateway":     7, // the Flight SQL adapter
	"cmd":         8, // the binary
}

type pkg struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

func folder(path string) string {
	rest := strings.TrimPrefix(path, module+"/")
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

func TestFoldersImportOneWay(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	edges := map[string]map[string][]string{} // from folder -> to folder -> example imports
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		from := folder(p.ImportPath)
		if from == "internal" && strings.HasPrefix(p.ImportPath, module+"/internal/layers") {
			continue
		}
		// test files may reach up (a node test may use a planner to build plans), but not
		// the code that ships
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			to := folder(imp)
			if to == from {
				continue
			}
			if edges[from] == nil {
				edges[from] = map[string][]string{}
			}
			edges[from][to] = append(edges[from][to], p.ImportPath+" -> "+imp)
		}
	}
	var bad []string
	for from, tos := range edges {
		rf, ok := rank[from]
		if !ok {
			bad = append(bad, "folder "+from+" has no rank in layers_test.go")
			continue
		}
		for to, ex := range tos {
			rt, ok := rank[to]
			if !ok {
				bad = append(bad, "folder "+to+" has no rank in layers_test.go")
				continue
			}
			if rt >= rf {
				bad = append(bad, from+" must not import "+to+": "+ex[0])
			}
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
}
