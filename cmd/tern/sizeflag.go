package main

import (
	"fmt"
	"strconv"
	"strings"
)

// byteSize is a flag value in bytes written with an optional unit: 1048576, 512KiB, 64MiB,
// 1GiB (KB/MB/GB are read as the binary units too, as clients size messages in them).
type byteSize int64

func (b *byteSize) String() string { return strconv.FormatInt(int64(*b), 10) }

func (b *byteSize) Set(v string) error {
	s := strings.ToUpper(strings.TrimSpace(v))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<31-1)/mult {
		return fmt.Errorf("want a size between 1 byte and 2GiB such as 64MiB, got %q", v)
	}
	*b = byteSize(n * mult)
	return nil
}
