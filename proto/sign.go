package proto

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tern-db/tern/proto/errs"
)

// Handles (tickets, prepared-statement handles, node fragments, bearer tokens) are
// self-contained: kind, expiry and payload, followed by an HMAC-SHA256 over all of it. Any
// gateway or node holding the key can serve them; nothing is kept in per-connection maps.
//
// Layout: magic "TRN1" | kind length (1 byte) | kind | expiry unix seconds (8 bytes, 0 = never)
// | payload | 32-byte MAC.

const (
	handleMagic = "TRN1"
	macLen      = sha256.Size
)

// Handle kinds.
const (
	KindTicket   = "ticket"
	KindPrepared = "prepared"
	KindFragment = "fragment"
	KindToken    = "token"
)

// Sign seals payload as a handle of kind that expires at exp (zero time: never).
func Sign(key []byte, kind string, exp time.Time, payload []byte) []byte {
	var e int64
	if !exp.IsZero() {
		e = exp.Unix()
	}
	b := make([]byte, 0, len(handleMagic)+1+len(kind)+8+len(payload)+macLen)
	b = append(b, handleMagic...)
	b = append(b, byte(len(kind)))
	b = append(b, kind...)
	b = binary.BigEndian.AppendUint64(b, uint64(e))
	b = append(b, payload...)
	m := hmac.New(sha256.New, key)
	m.Write(b)
	return m.Sum(b)
}

// Verify checks a handle's MAC, kind and expiry and returns its payload. Every failure is
// errs.ErrUnauthenticated for tokens and errs.ErrInvalidArgument otherwise, with no detail
// beyond what was wrong.
func Verify(key []byte, kind string, h []byte, now time.Time) ([]byte, error) {
	bad := errs.ErrInvalidArgument
	if kind == KindToken {
		bad = errs.ErrUnauthenticated
	}
	head := len(handleMagic) + 1 + len(kind) + 8
	if len(h) < head+macLen || string(h[:len(handleMagic)]) != handleMagic {
		return nil, fmt.Errorf("%w: malformed %s", bad, kind)
	}
	body, mac := h[:len(h)-macLen], h[len(h)-macLen:]
	m := hmac.New(sha256.New, key)
	m.Write(body)
	if !hmac.Equal(mac, m.Sum(nil)) {
		return nil, fmt.Errorf("%w: %s signature does not match", bad, kind)
	}
	if int(h[len(handleMagic)]) != len(kind) || string(h[len(handleMagic)+1:len(handleMagic)+1+len(kind)]) != kind {
		return nil, fmt.Errorf("%w: handle is not a %s", bad, kind)
	}
	exp := int64(binary.BigEndian.Uint64(h[head-8 : head]))
	if exp != 0 && now.Unix() >= exp {
		return nil, fmt.Errorf("%w: %s expired", bad, kind)
	}
	return body[head:], nil
}

// SignJSON and VerifyJSON seal a JSON-encoded value.
func SignJSON(key []byte, kind string, exp time.Time, v any) ([]byte, error) {
	p, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%w: encoding %s: %v", errs.ErrInternal, kind, err)
	}
	return Sign(key, kind, exp, p), nil
}

func VerifyJSON(key []byte, kind string, h []byte, now time.Time, v any) error {
	p, err := Verify(key, kind, h, now)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(p, v); err != nil {
		return fmt.Errorf("%w: malformed %s payload", errs.ErrInvalidArgument, kind)
	}
	return nil
}
