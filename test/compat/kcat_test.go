//go:build compat

package compat

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestKcat: kcat (librdkafka) command lines. kcat has no topic admin, so
// kadm creates and deletes the topic. Produce: one `kcat -P -K: -z CODEC
// -p PARTITION -H ...` run per codec and partition (kcat sets headers per
// run; a line without the ':' delimiter is a null key). Consume: `kcat -C
// -o beginning -e -f FORMAT` over all partitions (kcat's simple consumer:
// no group). Time lookups: `kcat -C -o s@TS -c 1` (the first record at or
// after TS) and `kcat -Q -t TOPIC:P:TS`.
func TestKcat(t *testing.T) {
	if _, err := exec.LookPath("kcat"); err != nil {
		t.Fatalf("kcat is not installed (run scripts/deps.sh): %v", err)
	}
	s := makeSpec("kcat", "compat-kcat", allCodecs, specOptions{textOnly: true})
	scenario(t, s, phases{
		storedAs: librdkafkaStoredAs,
		create:   func(t *testing.T, s *spec) { kadmCreate(t, s.Topic) },
		run:      runKcat,
		delete:   func(t *testing.T, s *spec) { kadmDelete(t, s.Topic) },
	})
}

// kcat runs kcat with args and stdin, returning stdout; a non-zero exit
// fails the test with stderr. librdkafka logs errors ("%3|...") without
// changing kcat's exit code and retries a protocol parse failure forever,
// so the first error line fails the test and stops kcat at once.
func kcat(t *testing.T, stdin []byte, args ...string) string {
	t.Helper()
	if os.Getenv("COMPAT_DEBUG") != "" {
		args = append([]string{"-d", "protocol,broker,feature"}, args...)
	}
	ctx, cancel := context.WithCancel(stepCtx(t))
	defer cancel()
	cmd := exec.CommandContext(ctx, "kcat", args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("kcat: %v", err)
	}
	var stderr strings.Builder
	var errLines []string
	sc := bufio.NewScanner(errPipe)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		stderr.WriteString(line + "\n")
		if strings.Contains(line, "%3|") || strings.Contains(line, "%2|") {
			errLines = append(errLines, line)
			cancel()
		}
	}
	err = cmd.Wait()
	cmdline := "kcat " + strings.Join(args, " ")
	if err != nil || os.Getenv("COMPAT_DEBUG") != "" {
		t.Logf("%s stderr:\n%s", cmdline, lastBytes(stderr.String(), logLimit()))
	}
	if len(errLines) > 0 {
		t.Fatalf("%s: librdkafka logged errors (kcat stopped):\n%s", cmdline, strings.Join(errLines, "\n"))
	}
	if err != nil {
		t.Fatalf("%s: %v", cmdline, err)
	}
	return stdout.String()
}

// kcatVersion returns kcat's version line and its librdkafka version.
func kcatVersion(t *testing.T) (string, string) {
	out, err := exec.Command("kcat", "-V").CombinedOutput()
	if err != nil {
		t.Fatalf("kcat -V: %v", err)
	}
	m := regexp.MustCompile(`Version (\S+) .*librdkafka (\S+) builtin.features=(\S+)\)`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("kcat -V: no version in %q", out)
	}
	return fmt.Sprintf("kcat %s, librdkafka %s (builtin.features=%s)", m[1], m[2], m[3]), m[2]
}

func runKcat(t *testing.T, s *spec) *result {
	res := &result{Client: "kcat"}
	res.Version, res.Librdkafka = kcatVersion(t)
	b := s.Bootstrap
	for _, c := range s.Codecs {
		for p := int32(0); p < numPartitions; p++ {
			var in bytes.Buffer
			var hdrs []header
			for _, r := range s.Records {
				if r.Codec != c || r.Partition != p {
					continue
				}
				hdrs = r.Headers // textOnly: the same for the whole run
				if r.Key != nil {
					in.Write(r.Key)
					in.WriteByte(':')
				}
				in.Write(r.Value)
				in.WriteByte('\n')
			}
			// linger 100 ms: the run's four lines go in one batch, whose
			// large compressible record makes librdkafka keep the codec (it
			// sends a batch uncompressed when compression does not shrink
			// it, which a batch of the three short lines alone can be when
			// a loaded machine splits them off at the default 5 ms).
			args := []string{"-b", b, "-P", "-t", s.Topic, "-p", fmt.Sprint(p), "-K:", "-z", c, "-X", "linger.ms=100"}
			for _, h := range hdrs {
				args = append(args, "-H", h.Key+"="+string(h.Value))
			}
			kcat(t, in.Bytes(), args...)
		}
		time.Sleep(codecPause)
	}
	// %K and %S are the key and value lengths (-1 for null); the data has
	// no tabs or newlines (specOptions.textOnly).
	out := kcat(t, nil, "-b", b, "-C", "-t", s.Topic, "-o", "beginning", "-e", "-f", `%p\t%o\t%T\t%K\t%S\t%k\t%s\t%h\n`)
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 8 {
			t.Fatalf("kcat output line %q: %d fields, want 8", line, len(f))
		}
		p, _ := strconv.Atoi(f[0])
		o, _ := strconv.ParseInt(f[1], 10, 64)
		ts, _ := strconv.ParseInt(f[2], 10, 64)
		klen, _ := strconv.Atoi(f[3])
		vlen, _ := strconv.Atoi(f[4])
		c := consumed{Partition: int32(p), Offset: o, Timestamp: ts, Value: []byte(f[6])}
		if klen >= 0 {
			c.Key = []byte(f[5])
		}
		if len(c.Key) != max(klen, 0) || len(c.Value) != vlen {
			t.Fatalf("kcat output line %q: key/value lengths do not match %%K/%%S", line)
		}
		if f[7] != "" {
			for _, kv := range strings.Split(f[7], ",") {
				k, v, _ := strings.Cut(kv, "=")
				c.Headers = append(c.Headers, header{k, []byte(v)})
			}
		}
		res.Records = append(res.Records, c)
	}
	offRE := regexp.MustCompile(`\[(\d+)\]\s+offset\s+(-?\d+)`)
	for _, q := range lookupQueries(res.Records) {
		p, ts := q.Partition, q.Timestamp
		out := kcat(t, nil, "-b", b, "-C", "-t", s.Topic, "-p", fmt.Sprint(p), "-o", fmt.Sprintf("s@%d", ts), "-c", "1", "-e", "-f", `%o\n`)
		o := int64(-1)
		if strings.TrimSpace(out) != "" {
			o, _ = strconv.ParseInt(strings.TrimSpace(out), 10, 64)
		}
		res.TimeLookups = append(res.TimeLookups, timeLookup{Partition: p, Timestamp: ts, Offset: o, Method: "-C -o s@ts"})
		out = kcat(t, nil, "-b", b, "-Q", "-t", fmt.Sprintf("%s:%d:%d", s.Topic, p, ts))
		m := offRE.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("kcat -Q output %q: no offset", out)
		}
		o, _ = strconv.ParseInt(m[2], 10, 64)
		res.TimeLookups = append(res.TimeLookups, timeLookup{Partition: p, Timestamp: ts, Offset: o, Method: "-Q"})
	}
	return res
}
