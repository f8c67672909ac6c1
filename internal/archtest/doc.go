// Package archtest enforces the dependency rules of shared/ARCHITECTURE.md
// mechanically: a test reads `go list -deps` for every package in the module
// and fails when a package depends on a layer at or above its own (except the
// few same-layer edges the architecture names), when a public package under
// pkg/ or connectors/, or the CLI (cmd/samsa/cli), reaches into internal/,
// or when production code imports the test-only cluster harness.
//
// Adding a package under internal/ means adding it to the layer table in
// archtest_test.go; an unknown package fails the test on purpose, so the map
// and the code cannot drift apart.
//
// It has no non-test code and imports nothing from samsa.
package archtest
