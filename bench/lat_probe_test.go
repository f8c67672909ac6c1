//go:build perf

package bench

import (
	"testing"
	"time"
)

func TestLatencyProbe(t *testing.T) {
	for i := range 3 {
		tg := startSamsa(t, true)
		createTopic(t, tg.addr)
		l := latency(t, tg.addr, 10_000, 4*time.Second, 0)
		t.Logf("samsa run %d: p50 %v p99 %v p99.9 %v max %v", i, pct(l, .5), pct(l, .99), pct(l, .999), l[len(l)-1])
		tg.close()
		tk := startKfake(t)
		createTopic(t, tk.addr)
		l = latency(t, tk.addr, 10_000, 4*time.Second, 0)
		t.Logf("kfake run %d: p50 %v p99 %v p99.9 %v max %v", i, pct(l, .5), pct(l, .99), pct(l, .999), l[len(l)-1])
		tk.close()
	}
}
