package proto

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/tern-db/tern/proto/errs"
)

func TestHandlesAreSealed(t *testing.T) {
	key := []byte("short secret")
	payload := []byte(`{"path":"/srv/data/secret_table/0001.parquet","table":"secret_table"}`)
	now := time.Now()
	h := Sign(key, KindTicket, now.Add(time.Minute), payload)
	for _, leak := range [][]byte{[]byte("secret_table"), []byte("/srv/data"), []byte(KindTicket), payload[:8]} {
		if bytes.Contains(h, leak) {
			t.Fatalf("handle reveals %q", leak)
		}
	}
	if h2 := Sign(key, KindTicket, now.Add(time.Minute), payload); bytes.Equal(h, h2) {
		t.Fatal("two handles of the same payload are equal (nonce reused)")
	}
	got, err := Verify(key, KindTicket, h, now)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("round trip: %q, %v", got, err)
	}
	for name, c := range map[string]struct {
		key  []byte
		kind string
		h    []byte
		now  time.Time
	}{
		"flipped":   {key, KindTicket, flip(h, len(h)/2), now},
		"other key": {[]byte("other"), KindTicket, h, now},
		"kind":      {key, KindPrepared, h, now},
		"expired":   {key, KindTicket, h, now.Add(2 * time.Minute)},
		"short":     {key, KindTicket, h[:10], now},
	} {
		if _, err := Verify(c.key, c.kind, c.h, c.now); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := Verify(key, KindToken, flip(Sign(key, KindToken, time.Time{}, payload), 30), now); !errors.Is(err, errs.ErrUnauthenticated) {
		t.Errorf("token: %v", err)
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 1
	return c
}
