package cli

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParsePosition(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want position
	}{
		{"beginning", position{kind: "start"}},
		{"earliest", position{kind: "start"}},
		{"END", position{kind: "end"}},
		{"latest", position{kind: "end"}},
		{"42", position{kind: "offset", offset: 42}},
		{"@1700000000000", position{kind: "time", millis: 1700000000000}},
		{"-1h30m", position{kind: "time", millis: now.Add(-90 * time.Minute).UnixMilli()}},
		{"2026-11-21T10:00:00Z", position{kind: "time", millis: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC).UnixMilli()}},
		{"2026-11-20", position{kind: "time", millis: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC).UnixMilli()}},
	} {
		got, err := parsePosition("--from", c.in, now)
		if err != nil || got != c.want {
			t.Errorf("parsePosition(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "-5", "@x", "soon", "-1parsec"} {
		_, err := parsePosition("--from", bad, now)
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--from") {
			t.Errorf("parsePosition(%q): want a usage error naming --from, got %v", bad, err)
		}
	}
}

func TestReadRecords(t *testing.T) {
	recs, err := readRecords(strings.NewReader("k1:v:1\r\n\nk2:\n"), "line", ":", -1)
	if err != nil || len(recs) != 2 || string(recs[0].Key) != "k1" || string(recs[0].Value) != "v:1" || string(recs[1].Value) != "" {
		t.Fatalf("line format: %v %+v", err, recs)
	}
	recs, err = readRecords(strings.NewReader(`{"key":"a","value":"b","headers":[{"key":"h","value":"x"}],"partition":2,"offset":7}`+"\n"+`{"value":"c"}`), "json", "", -1)
	if err != nil || len(recs) != 2 || recs[0].Partition != 2 || len(recs[0].Headers) != 1 || recs[1].Key != nil || recs[1].Partition != -1 {
		t.Fatalf("json format: %v %+v", err, recs)
	}
	for _, c := range []struct{ in, format, sep, want string }{
		{"ok:1\nbad\n", "line", ":", "line 2"},
		{"{}\n[1]\n", "json", "", "line 2"},
		{`{"partition":-3}`, "json", "", "negative"},
		{"x", "csv", "", "--format"},
	} {
		_, err := readRecords(strings.NewReader(c.in), c.format, c.sep, -1)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("readRecords(%q, %s): %v, want an error mentioning %q", c.in, c.format, err, c.want)
		}
	}
}

func TestLatencySummary(t *testing.T) {
	l := newLatencies(1000)
	for i := 1; i <= 1000; i++ {
		l.add(time.Duration(i) * time.Millisecond)
	}
	s, ms := l.summary()
	if s.Count != 1000 || s.P50Ms != 500 || s.P95Ms != 950 || s.P99Ms != 990 || s.P999 != 999 || s.MaxMs != 1000 || s.AvgMs != 500.5 || len(ms) != 1000 {
		t.Errorf("summary: %+v", s)
	}
	if s, _ := newLatencies(0).summary(); s.Count != 0 {
		t.Errorf("empty summary: %+v", s)
	}
}

func TestOneLine(t *testing.T) {
	if got := oneLine(errors.New("a\nb\r\n  c ")); got != "a; b; c" {
		t.Errorf("oneLine = %q", got)
	}
}

func TestBar(t *testing.T) {
	if got := bar(5, 10, 10); got != "[=====>    ]  50%" {
		t.Errorf("bar(5,10) = %q", got)
	}
	if got := bar(10, 10, 10); got != "[==========] 100%" {
		t.Errorf("bar(10,10) = %q", got)
	}
}

func TestParseConfigs(t *testing.T) {
	m, err := parseConfigs("config", []string{"a=1", "b=", "c=x=y"})
	if err != nil || *m["a"] != "1" || *m["b"] != "" || *m["c"] != "x=y" {
		t.Errorf("parseConfigs: %v %v", m, err)
	}
	for _, bad := range [][]string{{"novalue"}, {"=1"}, {"a=1", "a=2"}} {
		if _, err := parseConfigs("config", bad); err == nil {
			t.Errorf("parseConfigs(%q): no error", bad)
		}
	}
}
