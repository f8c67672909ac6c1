//go:build compat

package compat

import (
	"os"
	"path/filepath"
	"testing"
)

// TestKafkaJS: kafkajs via js/kafkajs_client.js (installed by `npm ci` in
// test/compat/js; scripts/deps.sh does it). Admin createTopics/deleteTopics,
// a producer per built-in codec (none, gzip), headers, explicit partitions.
// The script reads the records back with kafkajs's consumer (it has only
// the group consumer: a group of one, from the beginning, no commits), and
// the harness reads them with franz-go as for every client. Time lookups:
// admin.fetchTopicOffsetsByTimestamp.
func TestKafkaJS(t *testing.T) {
	if _, err := os.Stat(filepath.Join("js", "node_modules", "kafkajs", "package.json")); err != nil {
		t.Fatalf("kafkajs is not installed in test/compat/js/node_modules (run scripts/deps.sh, or npm ci there): %v", err)
	}
	s := makeSpec("kafkajs", "compat-kafkajs", []string{"none", "gzip"}, specOptions{})
	var env []string
	if s.Debug {
		env = append(env, "KAFKAJS_LOG_LEVEL=debug")
	}
	run := func(t *testing.T, s *spec, phase string) *result {
		return runScript(t, env, "node", filepath.Join("js", "kafkajs_client.js"), phase, writeSpec(t, s))
	}
	scenario(t, s, phases{
		create: func(t *testing.T, s *spec) { run(t, s, "create") },
		run:    func(t *testing.T, s *spec) *result { return run(t, s, "run") },
		delete: func(t *testing.T, s *spec) { run(t, s, "delete") },
	})
}
