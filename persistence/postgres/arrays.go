package postgres

import (
	"github.com/jackc/pgx/v5/pgtype"
)

// Array parameters of the append statements that pgx encodes without an
// allocation per element. pgx's own slices ([]string, []int64,
// []pgtype.UUID, [][]byte) hand each element to its encoder boxed in an
// interface, which allocates for every string, UUID, byte slice and
// int64 above 255: about six allocations per appended event. These
// arrays hand out a pointer to the element instead (an interface holding
// a pointer allocates nothing), of a type whose Valuer method the
// element's codec encodes in binary, the format pgx uses for arrays.

// dims is the dimension of a one-dimensional array of n elements, or nil
// (the whole array NULL) for a nil slice, as pgx's own slices.
func dims(isNil bool, n int) []pgtype.ArrayDimension {
	if isNil {
		return nil
	}
	return []pgtype.ArrayDimension{{Length: int32(n), LowerBound: 1}}
}

// textArray is a text[] parameter; with nullEmpty, an empty string is
// NULL.
type textArray struct {
	s         []string
	nullEmpty bool
}

func (a textArray) Dimensions() []pgtype.ArrayDimension { return dims(a.s == nil, len(a.s)) }
func (a textArray) IndexType() any                      { return (*textValue)(nil) }

func (a textArray) Index(i int) any {
	if a.nullEmpty {
		return (*nullTextValue)(&a.s[i])
	}
	return (*textValue)(&a.s[i])
}

type textValue string

func (v *textValue) TextValue() (pgtype.Text, error) {
	return pgtype.Text{String: string(*v), Valid: true}, nil
}

type nullTextValue string

func (v *nullTextValue) TextValue() (pgtype.Text, error) {
	return pgtype.Text{String: string(*v), Valid: *v != ""}, nil
}

// int64Array is a bigint[] parameter.
type int64Array []int64

type int64Value int64

func (a int64Array) Dimensions() []pgtype.ArrayDimension { return dims(a == nil, len(a)) }
func (a int64Array) IndexType() any                      { return (*int64Value)(nil) }
func (a int64Array) Index(i int) any                     { return (*int64Value)(&a[i]) }

func (v *int64Value) Int64Value() (pgtype.Int8, error) {
	return pgtype.Int8{Int64: int64(*v), Valid: true}, nil
}

// uuidArray is a uuid[] parameter.
type uuidArray []pgtype.UUID

type uuidValue pgtype.UUID

func (a uuidArray) Dimensions() []pgtype.ArrayDimension { return dims(a == nil, len(a)) }
func (a uuidArray) IndexType() any                      { return (*uuidValue)(nil) }
func (a uuidArray) Index(i int) any                     { return (*uuidValue)(&a[i]) }

func (v *uuidValue) UUIDValue() (pgtype.UUID, error) { return pgtype.UUID(*v), nil }

// byteaArray is a bytea[] parameter; a nil element is NULL.
type byteaArray [][]byte

type byteaValue []byte

func (a byteaArray) Dimensions() []pgtype.ArrayDimension { return dims(a == nil, len(a)) }
func (a byteaArray) IndexType() any                      { return (*byteaValue)(nil) }
func (a byteaArray) Index(i int) any                     { return (*byteaValue)(&a[i]) }

func (v *byteaValue) BytesValue() ([]byte, error) { return *v, nil }

var (
	_ pgtype.ArrayGetter = textArray{}
	_ pgtype.ArrayGetter = int64Array(nil)
	_ pgtype.ArrayGetter = uuidArray(nil)
	_ pgtype.ArrayGetter = byteaArray(nil)
)
