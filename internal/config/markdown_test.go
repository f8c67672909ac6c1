package config

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md from the key table")

const docPath = "../../docs/configuration.md"

// TestConfigurationDocUpToDate keeps docs/configuration.md equal to what
// WriteMarkdown generates. With -update it rewrites the file instead
// (go generate ./internal/config runs it that way).
func TestConfigurationDocUpToDate(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(docPath, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("%v: run `go generate ./internal/config`", err)
	}
	if !bytes.Equal(have, buf.Bytes()) {
		t.Fatal("docs/configuration.md is stale: run `go generate ./internal/config`")
	}
}

func TestWriteMarkdown(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	doc := buf.String()
	for _, want := range []string{
		"## Broker configs", "## Topic configs",
		"| `log.retention.ms` | long | none | any | yes |",
		"| `node.id` | int | required | [0,...] | no |",
		"| `retention.ms` | long | `604800000` | [-1,...] | `log.retention.ms` |",
		"| `cleanup.policy` | list | `delete` | [delete, compact] | `log.cleanup.policy` |",
		"| `controller.quorum.voters` | list | \"\" |",
		"| `samsa.acks.all.durable` | boolean | `true` | true, false | no |",
		"go generate ./internal/config",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("doc lacks %q", want)
		}
	}
	// compression.type is in both tables.
	if strings.Count(doc, "| `compression.type` | string |") != 2 {
		t.Error("keys of both scopes appear in both tables")
	}
}
