package files_test

import "github.com/apache/arrow-go/v18/arrow/decimal128"

func arrowDecimal(s string, p, sc int32) (decimal128.Num, error) {
	return decimal128.FromString(s, p, sc)
}
