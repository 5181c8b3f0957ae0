#!/bin/sh
# Regenerates the Go code of Tern's Substrait extension detail messages.
# Needs protoc (Debian: protobuf-compiler) and protoc-gen-go at the version in go.mod:
#   go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
set -e
cd "$(dirname "$0")"
protoc --go_out=. --go_opt=paths=source_relative *.proto
