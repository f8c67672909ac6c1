// Package cli is the `samsa` command line other than `samsa server`: topic,
// produce, consume, group, config, cluster and perf verbs, built with cobra.
//
// It is a Kafka client like any other, built only on franz-go's public
// packages (kgo, kadm, kmsg, sasl), so every verb works against any
// Kafka-compatible cluster, Samsa or not. It must never import samsa's
// internal/ packages; internal/archtest enforces that.
//
// Main types: Main is the entry point cmd/samsa/main.go calls; env carries
// the global flags and the standard streams to every verb; each verb lives in
// its own file (topic.go, produce.go, consume.go, group.go, config.go,
// cluster.go, perf_*.go, suite*.go).
//
// Conventions every verb follows:
//   - Errors are one line, say what went wrong and what to try, and exit 1;
//     usage errors (bad flags, malformed values) exit 2. Main prints them.
//   - Mutations validate everything first (ValidateOnly requests, existence
//     checks, parsing all of the input) so a failure applies nothing.
//   - Tables go to stdout; with --output json, one JSON document (or one JSON
//     object per line for streams such as consume) goes to stdout instead.
//     Progress and notes go to stderr.
package cli
