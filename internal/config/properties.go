package config

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// LoadProperties parses a Java .properties file (server.properties) the way
// java.util.Properties.load does, so files written for Kafka load unchanged:
//
//   - lines end with \n, \r or \r\n; leading spaces, tabs and form feeds are
//     ignored; a line whose first other character is # or ! is a comment;
//   - the key ends at the first unescaped '=', ':' or whitespace; whitespace
//     and one '=' or ':' after it separate it from the value; a key alone
//     has the empty value;
//   - a line ending in an odd number of backslashes continues on the next
//     line, whose leading whitespace is dropped;
//   - escapes: \t \n \r \f, \uXXXX (surrogate pairs combine), and a
//     backslash before any other character stands for that character
//     (\\, \=, \:, \#, "\ ");
//   - a later duplicate key replaces the earlier one.
//
// Two deliberate differences: the input is UTF-8 (a leading byte order mark
// is skipped), not ISO-8859-1; and unescaped trailing whitespace of a value
// is removed, which Kafka does anyway when it parses a value (write "\ " to
// keep a trailing space). A malformed \u escape is an error naming the line.
func LoadProperties(r io.Reader) (map[string]string, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("config: reading properties: %w", err)
	}
	s := strings.TrimPrefix(string(b), "\uFEFF")
	lines := splitLines(s)
	props := map[string]string{}
	for i := 0; i < len(lines); i++ {
		lineNo := i + 1
		line := trimLeftBlank(lines[i])
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		// Join continuation lines. A comment marker on a continuation line
		// is ordinary text: only the first line of an entry can be a comment.
		for continues(line) {
			line = line[:len(line)-1]
			if i+1 >= len(lines) {
				break
			}
			i++
			line += trimLeftBlank(lines[i])
		}
		key, value, err := splitEntry(line)
		if err != nil {
			return nil, fmt.Errorf("config: properties line %d: %w", lineNo, err)
		}
		props[key] = value
	}
	return props, nil
}

// splitLines splits on \n, \r and \r\n.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Split(s, "\n")
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\f' }

func trimLeftBlank(s string) string {
	i := 0
	for i < len(s) && isBlank(s[i]) {
		i++
	}
	return s[i:]
}

// continues reports whether a line ends in an odd number of backslashes:
// an even number are escaped backslashes, not a continuation.
func continues(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// splitEntry splits one logical line into its unescaped key and value.
func splitEntry(line string) (string, string, error) {
	end := len(line)
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == '\\' {
			i++ // the escaped character belongs to the key
			continue
		}
		if c == '=' || c == ':' || isBlank(c) {
			end = i
			break
		}
	}
	rest := trimLeftBlank(line[end:])
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = trimLeftBlank(rest[1:])
	}
	key, err := unescape(line[:end])
	if err != nil {
		return "", "", err
	}
	value, err := unescape(rest)
	if err != nil {
		return "", "", err
	}
	return key, value, nil
}

// unescape resolves backslash escapes and drops trailing whitespace that
// was not escaped.
func unescape(s string) (string, error) {
	var b strings.Builder
	keep := 0 // length of b up to its last escaped or non-blank character
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			if !isBlank(c) {
				keep = b.Len()
			}
			continue
		}
		i++
		if i >= len(s) {
			break // a lone trailing backslash (continuation at end of input)
		}
		switch c = s[i]; c {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			r, n, err := unicodeEscape(s[i+1:])
			if err != nil {
				return "", err
			}
			i += n
			b.WriteRune(r)
		default:
			b.WriteByte(c)
		}
		keep = b.Len()
	}
	return b.String()[:keep], nil
}

// unicodeEscape decodes the XXXX after a \u, and a following \uXXXX low
// surrogate when XXXX is a high one. It returns the rune and how many bytes
// of s it consumed. Java keeps lone surrogates; UTF-8 cannot, so they become
// U+FFFD.
func unicodeEscape(s string) (rune, int, error) {
	hex := func(s string) (rune, bool) {
		if len(s) < 4 {
			return 0, false
		}
		n, err := strconv.ParseUint(s[:4], 16, 16)
		return rune(n), err == nil
	}
	r, ok := hex(s)
	if !ok {
		return 0, 0, fmt.Errorf("malformed \\uXXXX escape %q", "\\u"+s[:min(4, len(s))])
	}
	if utf16.IsSurrogate(r) && strings.HasPrefix(s[4:], `\u`) {
		if lo, ok := hex(s[6:]); ok {
			if pair := utf16.DecodeRune(r, lo); pair != utf8.RuneError {
				return pair, 10, nil
			}
		}
	}
	if utf16.IsSurrogate(r) {
		return utf8.RuneError, 4, nil
	}
	return r, 4, nil
}
