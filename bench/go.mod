module github.com/tern-db/tern/bench

go 1.26.0
