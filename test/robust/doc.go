// Package robust holds Samsa's robustness tests for a single node: the real
// `samsa server` binary killed with SIGKILL while producers write, a clean
// restart with many partitions, hostile bytes thrown at a live broker, and
// idempotent retries after a lost response. The package has no non-test
// code; this file exists for the package documentation.
//
// The tests check the promises of shared/ARCHITECTURE.md and
// docs/durability.md from the outside: bad input gets a Kafka error or a
// closed connection, never a crash or a hang; an acknowledged record
// survives a process crash at the offset it was acknowledged with; an
// idempotent producer's retry is written once.
//
// Layers: the heavy tests (kill -9 rounds, 1,000 partitions) carry the
// build tag `robust` and run through `make test-robust`; the light ones
// (bad input, idempotence) are untagged and run with the normal suite.
// TestMain builds the binary once per test process.
package robust
