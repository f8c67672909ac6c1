package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// table writes aligned columns; the first row is the header.
type table struct {
	tw *tabwriter.Writer
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)}
	t.row(toAny(header)...)
	return t
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func (t *table) row(cells ...any) {
	parts := make([]string, len(cells))
	for i, c := range cells {
		parts[i] = fmt.Sprint(c)
	}
	fmt.Fprintln(t.tw, strings.Join(parts, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

// json reports whether --output json was asked for.
func (e *env) json() bool { return e.output == "json" }

// printJSON writes v as one indented JSON document.
func (e *env) printJSON(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// textOrBase64 returns b as a string if it is UTF-8, with ok; otherwise
// JSON output carries it base64-encoded in a *_b64 field.
func textOrBase64(b []byte) (string, bool) {
	if utf8.Valid(b) {
		return string(b), true
	}
	return "", false
}

// printDeleted reports what deleting names (topics or groups) did: a row
// each, "deleted" or the error, as a table or JSON objects keyed by kind and
// "status". It returns the first error, explained, for the exit status.
func (e *env) printDeleted(kind string, names []string, errOf func(name string) error) error {
	rows := make([]map[string]string, 0, len(names))
	var firstErr error
	for _, n := range names {
		status := "deleted"
		if err := errOf(n); err != nil {
			status = "error: " + err.Error()
			if firstErr == nil {
				firstErr = explain("delete "+kind+" "+n, err)
			}
		}
		rows = append(rows, map[string]string{kind: n, "status": status})
	}
	if e.json() {
		if err := e.printJSON(rows); err != nil {
			return err
		}
		return firstErr
	}
	tb := newTable(e.stdout, strings.ToUpper(kind), "STATUS")
	for _, r := range rows {
		tb.row(r[kind], r["status"])
	}
	tb.flush()
	return firstErr
}
