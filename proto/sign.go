package proto

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/tern-db/tern/proto/errs"
	"golang.org/x/crypto/chacha20poly1305"
)

// Handles (tickets, prepared-statement handles, transaction ids, session cookies, node
// fragments, bearer tokens) are self-contained: kind, expiry and payload, sealed with an AEAD
// so that they can be neither forged nor read. Any gateway or node holding the key can serve
// them; nothing is kept in per-connection maps. Encrypting (not only signing) every kind
// through this one function keeps server file paths, table names and SQL text inside handles
// away from clients, whichever kind a future payload ends up in.
//
// Layout: magic "TRN2" | 24-byte random nonce | XChaCha20-Poly1305 sealed (kind length
// (1 byte) | kind | expiry unix seconds (8 bytes, 0 = never) | payload), with the magic as
// additional data. The AEAD key is derived from the gateway secret with HKDF-SHA256, so the
// secret itself (which may be a short TERN_SECRET) is never used as a cipher key directly.
// XChaCha20's 192-bit nonces are safe to draw at random for any number of handles.

const (
	handleMagic = "TRN2"
	hkdfInfo    = "tern handle aead v2"
)

// Handle kinds.
const (
	KindTicket   = "ticket"
	KindPrepared = "prepared"
	KindFragment = "fragment"
	KindToken    = "token"
)

// aeads caches the cipher derived from each secret: deriving per handle would cost an HKDF
// and a key schedule on every DoGet.
var aeads sync.Map // string(secret) -> cipher.AEAD

func aeadFor(key []byte) cipher.AEAD {
	if a, ok := aeads.Load(string(key)); ok {
		return a.(cipher.AEAD)
	}
	k, err := hkdf.Key(sha256.New, key, nil, hkdfInfo, chacha20poly1305.KeySize)
	if err != nil {
		panic(fmt.Sprintf("deriving handle key: %v", err)) // only for absurd lengths
	}
	a, err := chacha20poly1305.NewX(k)
	if err != nil {
		panic(fmt.Sprintf("handle cipher: %v", err)) // the key size is fixed above
	}
	aeads.Store(string(key), a)
	return a
}

// Sign seals payload as a handle of kind that expires at exp (zero time: never).
func Sign(key []byte, kind string, exp time.Time, payload []byte) []byte {
	var e int64
	if !exp.IsZero() {
		e = exp.Unix()
	}
	a := aeadFor(key)
	plain := make([]byte, 0, 1+len(kind)+8+len(payload))
	plain = append(plain, byte(len(kind)))
	plain = append(plain, kind...)
	plain = binary.BigEndian.AppendUint64(plain, uint64(e))
	plain = append(plain, payload...)
	out := make([]byte, len(handleMagic)+a.NonceSize(), len(handleMagic)+a.NonceSize()+len(plain)+a.Overhead())
	copy(out, handleMagic)
	nonce := out[len(handleMagic):]
	if _, err := rand.Read(nonce); err != nil {
		panic(fmt.Sprintf("reading random nonce: %v", err)) // crypto/rand does not fail on Linux
	}
	return a.Seal(out, nonce, plain, out[:len(handleMagic)])
}

// Verify opens a handle, checks its kind and expiry and returns its payload. Every failure is
// errs.ErrUnauthenticated for tokens and errs.ErrInvalidArgument otherwise, with no detail
// beyond what was wrong.
func Verify(key []byte, kind string, h []byte, now time.Time) ([]byte, error) {
	bad := errs.ErrInvalidArgument
	if kind == KindToken {
		bad = errs.ErrUnauthenticated
	}
	a := aeadFor(key)
	head := len(handleMagic) + a.NonceSize()
	if len(h) < head+a.Overhead() || string(h[:len(handleMagic)]) != handleMagic {
		return nil, fmt.Errorf("%w: malformed %s", bad, kind)
	}
	plain, err := a.Open(nil, h[len(handleMagic):head], h[head:], h[:len(handleMagic)])
	if err != nil {
		return nil, fmt.Errorf("%w: %s signature does not match", bad, kind)
	}
	if len(plain) < 1+len(kind)+8 || int(plain[0]) != len(kind) || string(plain[1:1+len(kind)]) != kind {
		return nil, fmt.Errorf("%w: handle is not a %s", bad, kind)
	}
	exp := int64(binary.BigEndian.Uint64(plain[1+len(kind) : 1+len(kind)+8]))
	if exp != 0 && now.Unix() >= exp {
		return nil, fmt.Errorf("%w: %s expired", bad, kind)
	}
	return plain[1+len(kind)+8:], nil
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
