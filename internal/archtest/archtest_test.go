package archtest

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/samsa-io/samsa"

// layers is shared/ARCHITECTURE.md's dependency table. A package may depend
// only on internal packages of a strictly lower layer, or on the same-layer
// packages listed in sameLayerOK.
var layers = map[string]int{
	"internal/record":           1,
	"internal/wire":             1,
	"internal/metadata":         1,
	"internal/storage/fileutil": 1,
	"internal/storage":          2,
	"internal/auth":             2,
	"internal/quota":            2,
	"internal/config":           2,
	"internal/replica":          3,
	"internal/controller":       3,
	"internal/coordinator":      4,
	"internal/group":            4,
	"internal/txn":              4,
	"internal/api":              5,
	"internal/server":           5,
	"internal/broker":           6,
	"internal/clustertest":      6,
	"internal/archtest":         7,
	"cmd/samsa":                 7,
	// test/: end-to-end and robustness tests drive the whole broker, like
	// cmd/samsa (the top layer), and may use any internal package.
	"test/robust": 7,
}

// sameLayerOK lists the same-layer edges the architecture allows.
var sameLayerOK = map[[2]string]bool{
	{"internal/group", "internal/coordinator"}: true,
	{"internal/txn", "internal/coordinator"}:   true,
}

// forbidden lists edges that the layer numbers alone would allow.
var forbidden = map[[2]string]string{
	{"internal/controller", "internal/replica"}: "the controller learns nothing from replicas; brokers learn metadata through metadata.Image",
	{"internal/controller", "internal/storage"}: "the controller does not touch partition logs",
}

type pkg struct {
	ImportPath  string
	Deps        []string
	TestImports []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps=false", "-json=ImportPath,Deps,TestImports", module+"/...")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		t.Fatal("go list returned no packages")
	}
	return pkgs
}

func rel(path string) (string, bool) {
	if path == module {
		return "", true
	}
	r, ok := strings.CutPrefix(path, module+"/")
	return r, ok
}

// check returns the violation, if any, of importer depending on dep
// (both module-relative paths).
func check(importer, dep string) string {
	if strings.HasPrefix(importer, "bench") || strings.HasPrefix(importer, "test/") {
		return "" // harnesses and end-to-end tests may drive anything
	}
	if strings.HasPrefix(importer, "pkg/") || strings.HasPrefix(importer, "connectors/") {
		if strings.HasPrefix(dep, "internal/") {
			return "public packages may use franz-go, never internal/"
		}
		return ""
	}
	// The CLI verbs are a Kafka client like any other: franz-go only, so
	// they work against any Kafka-compatible cluster.
	if importer == "cmd/samsa/cli" || strings.HasPrefix(importer, "cmd/samsa/cli/") {
		if strings.HasPrefix(dep, "internal/") {
			return "the CLI uses franz-go (kgo/kadm), never internal/"
		}
		return ""
	}
	if reason, bad := forbidden[[2]string{importer, dep}]; bad {
		return reason
	}
	li, ok := layers[importer]
	if !ok {
		return "importer is missing from the archtest layer table"
	}
	ld, ok := layers[dep]
	if !ok {
		if strings.HasPrefix(dep, "internal/") {
			return "dependency is missing from the archtest layer table"
		}
		return ""
	}
	if ld < li || sameLayerOK[[2]string{importer, dep}] {
		return ""
	}
	return "lower layers never import higher ones (shared/ARCHITECTURE.md)"
}

func TestDependencyDirection(t *testing.T) {
	for _, p := range listPackages(t) {
		importer, ok := rel(p.ImportPath)
		if !ok {
			continue
		}
		if _, known := layers[importer]; !known && strings.HasPrefix(importer, "internal/") {
			t.Errorf("%s: not in the layer table; add it to internal/archtest", importer)
			continue
		}
		for _, d := range p.Deps {
			dep, ok := rel(d)
			if !ok || dep == importer {
				continue
			}
			if dep == "internal/clustertest" {
				t.Errorf("%s depends on %s: the cluster harness is for tests only", importer, dep)
				continue
			}
			if why := check(importer, dep); why != "" {
				t.Errorf("%s depends on %s: %s", importer, dep, why)
			}
		}
		for _, d := range p.TestImports {
			dep, ok := rel(d)
			if !ok || dep == importer || dep == "internal/clustertest" {
				continue
			}
			if why := check(importer, dep); why != "" {
				t.Errorf("%s (tests) import %s: %s", importer, dep, why)
			}
		}
	}
}

// TestRulesCatchViolations proves the checker can fail: each of these edges
// breaks a rule and must be reported.
func TestRulesCatchViolations(t *testing.T) {
	bad := [][2]string{
		{"internal/record", "internal/storage"},
		{"internal/storage", "internal/replica"},
		{"internal/storage/fileutil", "internal/storage"},
		{"internal/controller", "internal/replica"},
		{"internal/api", "internal/server"},
		{"pkg/streams", "internal/record"},
		{"internal/newthing", "internal/record"},
		{"cmd/samsa/cli", "internal/config"},
		{"cmd/samsa/cli/sub", "internal/record"},
	}
	for _, e := range bad {
		if check(e[0], e[1]) == "" {
			t.Errorf("%s → %s should be a violation", e[0], e[1])
		}
	}
	good := [][2]string{
		{"internal/storage", "internal/record"},
		{"internal/storage", "internal/storage/fileutil"},
		{"internal/group", "internal/coordinator"},
		{"cmd/samsa", "internal/broker"},
		{"cmd/samsa", "cmd/samsa/cli"},
	}
	for _, e := range good {
		if why := check(e[0], e[1]); why != "" {
			t.Errorf("%s → %s should be allowed, got %q", e[0], e[1], why)
		}
	}
}
