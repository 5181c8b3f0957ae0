//go:build tools

// Package tern pins dependencies that are imported only by code still being written or by
// tests in other modules, so that go mod tidy keeps them.
package tern

import (
	_ "github.com/apache/arrow-adbc/go/adbc/driver/flightsql"
	_ "github.com/apache/arrow-adbc/go/adbc/sqldriver"
	_ "github.com/apache/arrow-go/v18/arrow/compute"
	_ "github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	_ "github.com/apache/arrow-go/v18/parquet/pqarrow"
	_ "github.com/pganalyze/pg_query_go/v6"
	_ "github.com/substrait-io/substrait-go/v8/plan"
	_ "go.etcd.io/bbolt"
	_ "golang.org/x/crypto/bcrypt"
)
