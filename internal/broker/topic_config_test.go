package broker

import (
	"testing"

	"github.com/samsa-io/samsa/internal/config"
)

// TestRetentionOnlyForDeletePolicy: time and size retention apply only when
// cleanup.policy includes delete (Kafka's rule), so a compacted topic such
// as __consumer_offsets is never aged out by retention.ms.
func TestRetentionOnlyForDeletePolicy(t *testing.T) {
	for _, tc := range []struct {
		policy    string
		retention bool
	}{
		{"delete", true},
		{"compact", false},
		{"compact,delete", true},
	} {
		cfg, err := config.NewBroker(map[string]string{
			"node.id": "1", "process.roles": "broker,controller", "controller.listener.names": "CONTROLLER",
			"listeners": "PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0", "log.dirs": t.TempDir(),
			"log.cleanup.policy": tc.policy, "log.retention.bytes": "1000", "log.retention.ms": "60000",
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		o := newTopicConfigs(cfg).storageOptions("t")
		if got := o.Retention >= 0 && o.RetentionBytes >= 0; got != tc.retention {
			t.Errorf("cleanup.policy=%s: retention %v, bytes %d", tc.policy, o.Retention, o.RetentionBytes)
		}
	}
}
