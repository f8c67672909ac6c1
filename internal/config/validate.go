package config

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Validator checks a parsed value beyond its type: a range, a set of names,
// a syntax. Validate receives the value in its Go form (int64 for int, short
// and long; float64; bool; string; []string) and returns, on failure, an
// error that says what is allowed; the caller adds the key and the value.
// String describes the valid values for the reference documentation, in
// Kafka's notation where one exists ("[1,...]", "[delete, compact]").
//
// Validators are pure and safe for concurrent use.
type Validator interface {
	Validate(v any) error
	String() string
}

// intRange accepts integers in [min, max].
type intRange struct{ min, max int64 }

func atLeast(min int64) Validator      { return intRange{min, math.MaxInt64} }
func between(min, max int64) Validator { return intRange{min, max} }

func (r intRange) Validate(v any) error {
	n := v.(int64)
	switch {
	case n < r.min && r.max == math.MaxInt64:
		return fmt.Errorf("must be at least %d", r.min)
	case n < r.min || n > r.max:
		return fmt.Errorf("must be between %d and %d", r.min, r.max)
	}
	return nil
}

func (r intRange) String() string {
	if r.max == math.MaxInt64 {
		return fmt.Sprintf("[%d,...]", r.min)
	}
	return fmt.Sprintf("[%d,...,%d]", r.min, r.max)
}

// floatRange accepts doubles in [min, max].
type floatRange struct{ min, max float64 }

func betweenFloat(min, max float64) Validator { return floatRange{min, max} }

func (r floatRange) Validate(v any) error {
	if f := v.(float64); f < r.min || f > r.max {
		return fmt.Errorf("must be between %s and %s", fmtFloat(r.min), fmtFloat(r.max))
	}
	return nil
}

func (r floatRange) String() string {
	return fmt.Sprintf("[%s,...,%s]", fmtFloat(r.min), fmtFloat(r.max))
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// oneOf accepts one of a fixed set of strings, case-sensitively as Kafka's
// ValidString does.
type oneOf []string

func (o oneOf) Validate(v any) error {
	if !slices.Contains(o, v.(string)) {
		return fmt.Errorf("must be one of %s", o)
	}
	return nil
}

func (o oneOf) String() string { return "[" + strings.Join(o, ", ") + "]" }

// listOf accepts a non-empty list of distinct elements from a fixed set
// (Kafka's ValidList.in).
type listOf []string

func (l listOf) Validate(v any) error {
	list := v.([]string)
	if len(list) == 0 {
		return fmt.Errorf("must list at least one of %s", l)
	}
	for i, e := range list {
		if !slices.Contains(l, e) {
			return fmt.Errorf("%q is not one of %s", e, l)
		}
		if slices.Contains(list[:i], e) {
			return fmt.Errorf("%q is listed twice", e)
		}
	}
	return nil
}

func (l listOf) String() string { return oneOf(l).String() }

// distinct accepts a list without duplicates, non-empty unless emptyOK
// (Kafka's ValidList.anyNonDuplicateValues).
type distinct struct{ emptyOK bool }

func (d distinct) Validate(v any) error {
	list := v.([]string)
	if len(list) == 0 && !d.emptyOK {
		return fmt.Errorf("must not be empty")
	}
	for i, e := range list {
		if slices.Contains(list[:i], e) {
			return fmt.Errorf("%q is listed twice", e)
		}
	}
	return nil
}

func (d distinct) String() string {
	if d.emptyOK {
		return "distinct values"
	}
	return "non-empty list of distinct values"
}

// check is a validator written as a function, for syntaxes (listeners,
// voters, the security protocol map) that the generic ones cannot express.
type check struct {
	desc string
	fn   func(v any) error
}

func (c check) Validate(v any) error { return c.fn(v) }
func (c check) String() string       { return c.desc }
