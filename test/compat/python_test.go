//go:build compat

package compat

import (
	"os"
	"path/filepath"
	"testing"
)

// pythonBin is the interpreter with the Debian client packages: the
// system's /usr/bin/python3, not whatever python3 comes first in PATH (a
// pyenv or venv python does not see python3-confluent-kafka).
func pythonBin() string {
	if p := os.Getenv("COMPAT_PYTHON"); p != "" {
		return p
	}
	return "/usr/bin/python3"
}

// pythonPhases runs python/SCRIPT for each phase.
func pythonPhases(script string, allowSkip bool) phases {
	path := filepath.Join("python", script)
	run := func(t *testing.T, s *spec, phase string) *result {
		return runScript(t, []string{"PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1"}, pythonBin(), path, phase, writeSpec(t, s))
	}
	return phases{
		create:    func(t *testing.T, s *spec) { run(t, s, "create") },
		run:       func(t *testing.T, s *spec) *result { return run(t, s, "run") },
		delete:    func(t *testing.T, s *spec) { run(t, s, "delete") },
		allowSkip: allowSkip,
	}
}

// TestConfluentKafkaPython: confluent-kafka-python (librdkafka) via
// python/confluent_client.py: AdminClient, an idempotent Producer per codec,
// an assign()ed Consumer without a group, offsets_for_times.
func TestConfluentKafkaPython(t *testing.T) {
	s := makeSpec("confluent-kafka-python", "compat-confluent-kafka-python", allCodecs, specOptions{})
	ph := pythonPhases("confluent_client.py", false)
	ph.storedAs = librdkafkaStoredAs
	scenario(t, s, ph)
}

// TestKafkaPython: kafka-python via python/kafka_python_client.py:
// KafkaAdminClient, a KafkaProducer per codec, an assign()ed KafkaConsumer
// without a group, offsets_for_times. A codec whose Python library is
// missing is skipped and reported (scripts/deps.sh installs them all).
func TestKafkaPython(t *testing.T) {
	s := makeSpec("kafka-python", "compat-kafka-python", allCodecs, specOptions{})
	scenario(t, s, pythonPhases("kafka_python_client.py", true))
}
