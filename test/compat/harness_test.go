//go:build compat

package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The scenario every client runs:
//
//  1. create: a topic with numPartitions partitions (the client's admin API,
//     or kadm for clients without one); the harness waits until the broker's
//     metadata shows all partitions with a leader.
//  2. run: the client produces spec.Records, one producer per codec in
//     spec.Codecs order, each record to its stated partition, waiting for
//     every acknowledgement and then codecPause before the next codec (so
//     that the codecs' records carry distinct timestamps and a time lookup
//     has something to find); then it consumes every partition from the
//     beginning without a consumer group (assign/partition readers) until it
//     has seen as many records as it produced there; then it makes the time
//     lookups of lookupQueries. It reports what it read (result).
//  3. The harness checks the report (verify), then reads the topic itself
//     with franz-go (byte-identical records, per-partition order, and the
//     batch codec each record was stored with) and checks the time lookups
//     against the data and against kadm's ListOffsets.
//  4. delete: the client deletes the topic (its admin API, or kadm); the
//     harness waits until the broker's metadata no longer lists it.

const numPartitions = 3

// codecPause separates the codecs' timestamps (scripts: 20 ms too). It only
// spaces the data out; nothing measures time.
const codecPause = 20 * time.Millisecond

// codecIDs maps the codec names the scripts and the spec use to Kafka's
// attribute value (kgo.RecordAttrs.CompressionType).
var codecIDs = map[string]uint8{"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}

var allCodecs = []string{"none", "gzip", "snappy", "lz4", "zstd"}

// header is one record header; Value is base64 in JSON.
type header struct {
	Key   string `json:"key"`
	Value []byte `json:"value"`
}

// recordSpec is one record to produce. A nil Key is a null key.
type recordSpec struct {
	Partition int32    `json:"p"`
	Key       []byte   `json:"k"`
	Value     []byte   `json:"v"`
	Headers   []header `json:"h"`
	Codec     string   `json:"codec"`
}

// spec is what a client is asked to do; scripts read it as JSON.
type spec struct {
	Bootstrap  string       `json:"bootstrap"`
	Topic      string       `json:"topic"`
	Partitions int          `json:"partitions"`
	Codecs     []string     `json:"codecs"`
	Records    []recordSpec `json:"records"`
	Debug      bool         `json:"debug"`
}

// consumed is one record as the client read it.
type consumed struct {
	Partition int32    `json:"p"`
	Offset    int64    `json:"o"`
	Key       []byte   `json:"k"`
	Value     []byte   `json:"v"`
	Headers   []header `json:"h"`
	Timestamp int64    `json:"ts"`
}

// timeLookup is one offsets-by-timestamp answer; Offset -1 means "no record
// at or after Timestamp".
type timeLookup struct {
	Partition int32  `json:"p"`
	Timestamp int64  `json:"ts"`
	Offset    int64  `json:"o"`
	Method    string `json:"method"`
}

// result is what a client reports after the run phase.
type result struct {
	Client        string            `json:"client"`
	Version       string            `json:"version"`
	SkippedCodecs map[string]string `json:"skipped_codecs"`
	Records       []consumed        `json:"records"`
	TimeLookups   []timeLookup      `json:"time_lookups"`
	Notes         []string          `json:"notes"`
	// Librdkafka is the librdkafka version of librdkafka-based clients.
	Librdkafka string `json:"librdkafka"`
}

// specOptions shape the records to what a client can carry.
type specOptions struct {
	// textOnly: values without newlines or ':' and headers constant per
	// (codec, partition) -- kcat reads lines and sets headers per run.
	textOnly bool
}

// makeSpec builds the records: per codec and partition, keyed and unkeyed
// records, one of them large and compressible, with headers.
func makeSpec(client, topic string, codecs []string, o specOptions) *spec {
	s := &spec{Bootstrap: brokerAddr, Topic: topic, Partitions: numPartitions, Codecs: codecs, Debug: os.Getenv("COMPAT_DEBUG") != ""}
	for _, c := range codecs {
		for p := int32(0); p < numPartitions; p++ {
			for i := 0; i < 4; i++ {
				r := recordSpec{Partition: p, Codec: c}
				if i%2 == 0 {
					r.Key = []byte(fmt.Sprintf("key-%s-%d-%d", c, p, i))
				}
				v := fmt.Sprintf("%s|%s|p%d|#%d|grüße ✓", client, c, p, i)
				if i == 3 {
					v += strings.Repeat(" compressible text", 120)
				}
				r.Value = []byte(v)
				r.Headers = []header{{"codec", []byte(c)}, {"p", []byte(fmt.Sprint(p))}}
				if !o.textOnly {
					r.Value = append(r.Value, 0x00, 0x01, 0xfe, 0xff, '\n', ':')
					r.Headers = append(r.Headers, header{"i", []byte(fmt.Sprint(i))}, header{"bin", []byte{0x00, 0xff, '\n'}})
				}
				s.Records = append(s.Records, r)
			}
		}
	}
	return s
}

// expected is the spec's records per partition, in production order,
// without the codecs the client skipped.
func (s *spec) expected(skipped map[string]string) map[int32][]recordSpec {
	out := map[int32][]recordSpec{}
	for _, r := range s.Records {
		if _, skip := skipped[r.Codec]; skip {
			continue
		}
		out[r.Partition] = append(out[r.Partition], r)
	}
	return out
}

// verify checks a client's report: every produced record read back
// byte-identical, per partition in production order at offsets 0, 1, 2...,
// and each time lookup answered with the first offset whose timestamp is at
// or after the one asked for. allowSkip says whether the client may skip
// codecs (kafka-python without a codec library); the skips are logged.
func verify(t *testing.T, s *spec, res *result, allowSkip bool) {
	t.Helper()
	for c, why := range res.SkippedCodecs {
		if !allowSkip {
			t.Errorf("%s skipped codec %s (%s); this client must support it", res.Client, c, why)
		} else {
			t.Logf("SKIPPED codec %s for %s: %s", c, res.Client, why)
		}
	}
	for _, n := range res.Notes {
		t.Logf("%s: %s", res.Client, n)
	}
	want := s.expected(res.SkippedCodecs)
	got := map[int32][]consumed{}
	for _, r := range res.Records {
		got[r.Partition] = append(got[r.Partition], r)
	}
	checkRecords(t, res.Client+" consumer", want, got)
	checkLookups(t, res.Client, res.TimeLookups, got)
	// Per partition: a lookup inside the data whose answer is past offset
	// 0 (the middle record comes from a later codec than the first one;
	// else the lookup proves little), and one past the end.
	inside, past := map[int32]bool{}, map[int32]bool{}
	for _, l := range res.TimeLookups {
		switch want := firstAtOrAfter(got[l.Partition], l.Timestamp); {
		case want > 0:
			inside[l.Partition] = true
		case want == -1:
			past[l.Partition] = true
		}
	}
	for p := int32(0); p < numPartitions; p++ {
		if len(s.Codecs)-len(res.SkippedCodecs) > 1 && !inside[p] {
			t.Errorf("%s: partition %d: no time lookup answered past offset 0 (do the records' timestamps advance between codecs?)", res.Client, p)
		}
		if !past[p] {
			t.Errorf("%s: partition %d: no time lookup after the last record", res.Client, p)
		}
	}
}

// checkRecords compares what was read with what was produced.
func checkRecords(t *testing.T, who string, want map[int32][]recordSpec, got map[int32][]consumed) {
	t.Helper()
	for p := int32(0); p < numPartitions; p++ {
		w, g := want[p], got[p]
		if len(g) != len(w) {
			t.Errorf("%s: partition %d: read %d records, produced %d", who, p, len(g), len(w))
		}
		for i := 0; i < min(len(w), len(g)); i++ {
			if g[i].Offset != int64(i) {
				t.Errorf("%s: partition %d record %d has offset %d, want %d", who, p, i, g[i].Offset, i)
			}
			if err := sameRecord(w[i], g[i]); err != "" {
				t.Errorf("%s: partition %d offset %d: %s", who, p, g[i].Offset, err)
			}
		}
	}
	for p := range got {
		if p < 0 || p >= numPartitions {
			t.Errorf("%s: records from partition %d", who, p)
		}
	}
}

func sameRecord(w recordSpec, g consumed) string {
	switch {
	case (w.Key == nil) != (g.Key == nil):
		return fmt.Sprintf("key %q (null=%v), want %q (null=%v)", g.Key, g.Key == nil, w.Key, w.Key == nil)
	case !bytes.Equal(w.Key, g.Key):
		return fmt.Sprintf("key %q, want %q", g.Key, w.Key)
	case !bytes.Equal(w.Value, g.Value):
		return fmt.Sprintf("value %q, want %q", trunc(g.Value), trunc(w.Value))
	case len(w.Headers) != len(g.Headers):
		return fmt.Sprintf("headers %v, want %v", g.Headers, w.Headers)
	}
	for i := range w.Headers {
		if w.Headers[i].Key != g.Headers[i].Key || !bytes.Equal(w.Headers[i].Value, g.Headers[i].Value) {
			return fmt.Sprintf("header %d = %s=%q, want %s=%q", i, g.Headers[i].Key, g.Headers[i].Value, w.Headers[i].Key, w.Headers[i].Value)
		}
	}
	return ""
}

func trunc(b []byte) []byte {
	if len(b) > 80 {
		return append(b[:80:80], "..."...)
	}
	return b
}

// firstAtOrAfter is Kafka's ListOffsets-by-time answer over recs (sorted by
// offset): the first offset whose timestamp is >= ts, or -1.
func firstAtOrAfter(recs []consumed, ts int64) int64 {
	for _, r := range recs {
		if r.Timestamp >= ts {
			return r.Offset
		}
	}
	return -1
}

func checkLookups(t *testing.T, who string, lookups []timeLookup, got map[int32][]consumed) {
	t.Helper()
	for _, l := range lookups {
		want := firstAtOrAfter(got[l.Partition], l.Timestamp)
		// "Nothing at or after": Kafka's -1; some clients (kadm, kafkajs)
		// answer with the end offset instead.
		if want == -1 && l.Offset == int64(len(got[l.Partition])) {
			continue
		}
		if l.Offset != want {
			t.Errorf("%s: offset for time %d on partition %d (%s) = %d, want %d", who, l.Timestamp, l.Partition, l.Method, l.Offset, want)
		}
	}
}

// futureDelta puts the second lookup an hour after the partition's last
// record: nothing is there (Kafka answers offset -1).
const futureDelta = 3600 * 1000

// lookupQueries are the time lookups every client makes, per partition: the
// timestamp of the record in the middle, and one an hour after the last
// record (scripts compute the same in their own language).
func lookupQueries(recs []consumed) []timeLookup {
	byP := map[int32][]consumed{}
	for _, r := range recs {
		byP[r.Partition] = append(byP[r.Partition], r)
	}
	var out []timeLookup
	for p := int32(0); p < numPartitions; p++ {
		rs := byP[p]
		if len(rs) == 0 {
			continue
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].Offset < rs[j].Offset })
		last := rs[0].Timestamp
		for _, r := range rs {
			last = max(last, r.Timestamp)
		}
		out = append(out, timeLookup{Partition: p, Timestamp: rs[len(rs)/2].Timestamp}, timeLookup{Partition: p, Timestamp: last + futureDelta})
	}
	return out
}

// newFranz is a franz-go client on the broker, closed at cleanup.
func newFranz(t *testing.T, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokerAddr)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// waitTopic waits until metadata shows topic with n partitions, each with a
// leader.
func waitTopic(t *testing.T, topic string, n int) {
	t.Helper()
	adm := kadm.NewClient(newFranz(t))
	deadline := time.Now().Add(stepTimeout)
	var last string
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		td, err := adm.ListTopics(ctx, topic)
		cancel()
		if err == nil && td.Has(topic) && td[topic].Err == nil && len(td[topic].Partitions) == n {
			ok := true
			for _, p := range td[topic].Partitions {
				ok = ok && p.Leader >= 0 && p.Err == nil
			}
			if ok {
				return
			}
		}
		last = fmt.Sprintf("err=%v details=%+v", err, td[topic])
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("topic %s did not appear with %d partitions: %s", topic, n, last)
}

// waitTopicGone waits until metadata no longer lists topic.
func waitTopicGone(t *testing.T, topic string) {
	t.Helper()
	adm := kadm.NewClient(newFranz(t))
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		td, err := adm.ListTopics(ctx)
		cancel()
		if err == nil && !td.Has(topic) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("topic %s still listed after delete", topic)
}

// kadmCreate and kadmDelete are the topic admin for clients without one.
func kadmCreate(t *testing.T, topic string) {
	t.Helper()
	adm := kadm.NewClient(newFranz(t))
	res, err := adm.CreateTopics(stepCtx(t), numPartitions, 1, nil, topic)
	if err == nil {
		err = res[topic].Err
	}
	if err != nil {
		t.Fatalf("kadm create %s: %v", topic, err)
	}
}

func kadmDelete(t *testing.T, topic string) {
	t.Helper()
	adm := kadm.NewClient(newFranz(t))
	res, err := adm.DeleteTopics(stepCtx(t), topic)
	if err == nil {
		err = res[topic].Err
	}
	if err != nil {
		t.Fatalf("kadm delete %s: %v", topic, err)
	}
}

// crossCheck reads the topic with franz-go and checks it against the spec
// (byte-identical, in order, stored with the intended codec), then checks
// the client's time lookups against kadm's ListOffsets for the same times.
func crossCheck(t *testing.T, s *spec, res *result, storedAs map[string]string, storedWhy string) {
	t.Helper()
	want := s.expected(res.SkippedCodecs)
	ctx := stepCtx(t)
	adm := kadm.NewClient(newFranz(t))
	ends, err := adm.ListEndOffsets(ctx, s.Topic)
	if err != nil {
		t.Fatalf("franz-go ListEndOffsets: %v", err)
	}
	offsets := map[int32]kgo.Offset{}
	remaining := 0
	ends.Each(func(o kadm.ListedOffset) {
		offsets[o.Partition] = kgo.NewOffset().At(0)
		remaining += int(o.Offset)
	})
	cl := newFranz(t, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{s.Topic: offsets}), kgo.FetchMaxWait(time.Second))
	got := map[int32][]consumed{}
	codecs := map[int32][]uint8{}
	for remaining > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("franz-go read: timed out with %d records left", remaining)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("franz-go fetch %s/%d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			c := consumed{Partition: r.Partition, Offset: r.Offset, Key: r.Key, Value: r.Value, Timestamp: r.Timestamp.UnixMilli()}
			for _, h := range r.Headers {
				c.Headers = append(c.Headers, header{h.Key, h.Value})
			}
			if c.Headers == nil {
				c.Headers = []header{}
			}
			got[r.Partition] = append(got[r.Partition], c)
			codecs[r.Partition] = append(codecs[r.Partition], r.Attrs.CompressionType())
			remaining--
		})
	}
	cl.Close()
	checkRecords(t, res.Client+" (read back by franz-go)", want, got)
	for c, as := range storedAs {
		t.Logf("KNOWN LIMITATION: %s sends %s batches uncompressed (stored as %s): %s", res.Client, c, as, storedWhy)
	}
	for p, ws := range want {
		for i := 0; i < min(len(ws), len(codecs[p])); i++ {
			codec := ws[i].Codec
			if as, ok := storedAs[codec]; ok {
				codec = as
			}
			if wc := codecIDs[codec]; codecs[p][i] != wc {
				t.Errorf("%s: partition %d offset %d stored with codec %d, want %d (%s, configured %s): the client did not compress as expected",
					res.Client, p, i, codecs[p][i], wc, codec, ws[i].Codec)
			}
		}
	}
	// The client's lookups, against the data franz-go read and against
	// kadm's own ListOffsets for the same timestamps.
	checkLookups(t, res.Client+" (data read by franz-go)", res.TimeLookups, got)
	for _, l := range res.TimeLookups {
		lo, err := adm.ListOffsetsAfterMilli(ctx, l.Timestamp, s.Topic)
		if err != nil {
			t.Fatalf("kadm ListOffsetsAfterMilli: %v", err)
		}
		o, ok := lo.Lookup(s.Topic, l.Partition)
		if !ok || o.Err != nil {
			t.Fatalf("kadm ListOffsetsAfterMilli %s/%d: %v", s.Topic, l.Partition, o.Err)
		}
		// Kafka answers -1 for "after the last record"; kadm turns that into
		// the end offset.
		want := l.Offset
		if want == -1 {
			want = ends[s.Topic][l.Partition].Offset
		}
		if o.Offset != want {
			t.Errorf("kadm ListOffsetsAfterMilli(%d) on partition %d = %d, the client said %d", l.Timestamp, l.Partition, o.Offset, l.Offset)
		}
	}
}

// writeSpec stores s as JSON for a script.
func writeSpec(t *testing.T, s *spec) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "spec.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runScript runs a client script phase and decodes the JSON object on the
// last line of its stdout. A missing interpreter, a non-zero exit or no JSON
// fails the test with the script's stderr.
func runScript(t *testing.T, env []string, name string, args ...string) *result {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is not installed (run scripts/deps.sh): %v", name, err)
	}
	ctx := stepCtx(t)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	if s := stderr.String(); s != "" && (err != nil || os.Getenv("COMPAT_DEBUG") != "") {
		t.Logf("%s %s stderr:\n%s", name, strings.Join(args, " "), lastBytes(s, logLimit()))
	}
	if err != nil {
		t.Fatalf("%s %s: %v (after %v)\nstdout:\n%s", name, strings.Join(args, " "), err, time.Since(start).Round(time.Millisecond), lastBytes(stdout.String(), 4<<10))
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	last := lines[len(lines)-1]
	if len(lines) > 1 && os.Getenv("COMPAT_DEBUG") != "" {
		// kafkajs logs to stdout.
		t.Logf("%s %s stdout:\n%s", name, strings.Join(args, " "), lastBytes(strings.Join(lines[:len(lines)-1], "\n"), logLimit()))
	}
	var res result
	if err := json.Unmarshal([]byte(last), &res); err != nil {
		t.Fatalf("%s %s: last stdout line is not a JSON result (%v):\n%s", name, strings.Join(args, " "), err, lastBytes(stdout.String(), 4<<10))
	}
	return &res
}

func lastBytes(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// phases are one client's implementation of the scenario's steps.
type phases struct {
	create func(t *testing.T, s *spec)
	run    func(t *testing.T, s *spec) *result
	delete func(t *testing.T, s *spec)
	// allowSkip: the client may report codecs it cannot use here.
	allowSkip bool
	// storedAs, if set, maps a codec to the codec the broker is expected to
	// store it with, where a known client limitation makes them differ
	// (librdkafkaStoredAs), and says why.
	storedAs func(t *testing.T, res *result) (map[string]string, string)
}

// scenario runs the four steps for one client and topic. The broker's
// request counters are read around each of the client's own steps (not the
// harness's checks): the test logs which APIs the client used, and fails if
// the broker closed a connection on a bad request, an unserved API or
// version, or a handler failure during the scenario.
func scenario(t *testing.T, s *spec, ph phases) *result {
	t.Helper()
	watchBrokerLog(t)
	start := time.Now()
	first := scrapeMetrics(t)
	used := counters{}
	step := func(f func()) {
		before := scrapeMetrics(t)
		f()
		used.add(scrapeMetrics(t).sub(before))
	}
	step(func() { ph.create(t, s) })
	waitTopic(t, s.Topic, numPartitions)
	var res *result
	step(func() { res = ph.run(t, s) })
	if res.Version != "" {
		recordVersion(res.Client, res.Version)
	}
	verify(t, s, res, ph.allowSkip)
	var storedAs map[string]string
	var storedWhy string
	if ph.storedAs != nil {
		storedAs, storedWhy = ph.storedAs(t, res)
	}
	crossCheck(t, s, res, storedAs, storedWhy)
	step(func() { ph.delete(t, s) })
	waitTopicGone(t, s.Topic)
	t.Logf("%s: requests the client sent (samsa_server_requests_total): %s", res.Client, used.requests())
	if closed := scrapeMetrics(t).sub(first).closedOnError(); closed != "" {
		t.Errorf("the broker closed connections on errors during this test: %s (the broker logs why at debug level: COMPAT_BROKER_LOG_LEVEL=debug)", closed)
	}
	t.Logf("%s: %d records, codecs %v, %d time lookups: checked in %v", res.Client, len(res.Records), s.Codecs, len(res.TimeLookups), time.Since(start).Round(time.Millisecond))
	return res
}

// counters are samples of the broker's samsa_server_* counters, keyed by
// metric name with labels (`samsa_server_requests_total{api="Fetch"}`).
type counters map[string]float64

// scrapeMetrics reads the broker's /metrics.
func scrapeMetrics(t *testing.T) counters {
	t.Helper()
	resp, err := http.Get("http://" + theBroker.admin + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %v %s", err, resp.Status)
	}
	c := counters{}
	for _, line := range strings.Split(string(body), "\n") {
		if !strings.HasPrefix(line, "samsa_server_requests_total{") && !strings.HasPrefix(line, "samsa_server_connections_closed_on_error_total{") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("/metrics line %q: %v", line, err)
		}
		c[line[:i]] = v
	}
	return c
}

func (c counters) sub(o counters) counters {
	d := counters{}
	for k, v := range c {
		if v-o[k] != 0 {
			d[k] = v - o[k]
		}
	}
	return d
}

func (c counters) add(o counters) {
	for k, v := range o {
		c[k] += v
	}
}

// requests is "ApiVersions 3, Fetch 12, ..." from the requests_total samples.
func (c counters) requests() string { return c.format("samsa_server_requests_total{api=") }

// closedOnError is "bad_request 1, ..." or "".
func (c counters) closedOnError() string {
	return c.format("samsa_server_connections_closed_on_error_total{reason=")
}

func (c counters) format(prefix string) string {
	var parts []string
	for k, v := range c {
		if name, ok := strings.CutPrefix(k, prefix); ok {
			parts = append(parts, fmt.Sprintf("%s %d", strings.Trim(name, `"}`), int64(v)))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// librdkafkaStoredAs is the codec substitution a librdkafka client makes on
// this broker: none. librdkafka <= 2.11.0 (Debian 12 ships 2.0.2) enables
// its LZ4 feature only when the broker advertises FindCoordinator v0 (a
// 0.8.2-era feature probe in rdkafka_feature.c) and otherwise sends LZ4
// batches uncompressed without an error. Samsa serves FindCoordinator v0-4
// since consumer groups exist, so lz4 must be stored as lz4 for every
// client, and the suite fails if an lz4 batch arrives uncompressed.
func librdkafkaStoredAs(t *testing.T, _ *result) (map[string]string, string) {
	t.Helper()
	resp, err := kmsg.NewPtrApiVersionsRequest().RequestWith(stepCtx(t), newFranz(t))
	if err != nil {
		t.Fatalf("ApiVersions: %v", err)
	}
	for _, k := range resp.ApiKeys {
		if k.ApiKey == kmsg.FindCoordinator.Int16() && k.MinVersion == 0 {
			return nil, ""
		}
	}
	t.Fatal("the broker does not advertise FindCoordinator v0, so librdkafka <= 2.11.0 would send lz4 uncompressed")
	return nil, ""
}

// logLimit is how much of a client's output a test log shows: all of it
// (up to 8 MiB) with COMPAT_DEBUG, else the last 16 KiB.
func logLimit() int {
	if os.Getenv("COMPAT_DEBUG") != "" {
		return 8 << 20
	}
	return 16 << 10
}
