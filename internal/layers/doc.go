// Package layers holds no code: its test checks that Tern's top-level folders import each
// other in one direction only (the table in layers_test.go, mirrored in ARCHITECTURE.md).
package layers
