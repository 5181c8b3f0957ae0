// Package secrets owns the encryption at rest of the secrets users hand Tern (passwords and
// keys in foreign servers' options and user mappings): AES-256-GCM under a key derived with
// HKDF-SHA256 from the data directory's key (<data>/secret.key or $TERN_SECRET) or a key
// file. A sealed value is text ("tern:aesgcm:v1:" + base64 of nonce||ciphertext), so that it
// can live in the catalog's JSON records; plaintext never reaches disk.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/tern-db/tern/proto/errs"
)

// prefix marks a sealed value; the version lets a later scheme coexist with this one.
const prefix = "tern:aesgcm:v1:"

// hkdfInfo separates this key from the handle-sealing key derived from the same secret.
const hkdfInfo = "tern secrets at rest v1"

// Box seals and opens secrets under one key. It is safe for concurrent use.
type Box struct{ aead cipher.AEAD }

// New derives the sealing key from secret (any length; at least 16 bytes advised).
func New(secret []byte) (*Box, error) {
	if len(secret) == 0 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "the secrets key is empty")
	}
	k, err := hkdf.Key(sha256.New, secret, nil, hkdfInfo, 32)
	if err != nil {
		return nil, errs.Errorf(errs.ErrInternal, "deriving the secrets key: %v", err)
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, errs.Errorf(errs.ErrInternal, "secrets cipher: %v", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, errs.Errorf(errs.ErrInternal, "secrets cipher: %v", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plain; ad binds the value to where it is stored (e.g. tenant, server and
// option name), so that a sealed value copied elsewhere does not open.
func (b *Box) Seal(plain, ad string) (string, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", errs.Errorf(errs.ErrInternal, "secrets nonce: %v", err)
	}
	out := b.aead.Seal(nonce, nonce, []byte(plain), []byte(ad))
	return prefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a value Seal made with the same ad. A value that is not sealed, was sealed
// under another key or was moved is an error that does not repeat the value.
func (b *Box) Open(sealed, ad string) (string, error) {
	if !IsSealed(sealed) {
		return "", errs.Errorf(errs.ErrInternal, "stored secret is not sealed")
	}
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(sealed, prefix))
	if err != nil || len(raw) < b.aead.NonceSize() {
		return "", errs.Errorf(errs.ErrInternal, "stored secret is malformed")
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], []byte(ad))
	if err != nil {
		return "", fmt.Errorf("%w: a stored secret does not open with this server's key (was the data directory's secret.key or TERN_SECRET changed?)", errs.ErrFailedPrecondition)
	}
	return string(plain), nil
}

// IsSealed reports whether s is a value Seal produced.
func IsSealed(s string) bool { return strings.HasPrefix(s, prefix) }

// IsSecretOption reports whether an option of a server or user mapping holds a secret:
// passwords, keys, tokens and the like. Such values are sealed at rest and shown as
// "********" wherever options are shown.
func IsSecretOption(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"password", "passwd", "secret", "token", "key", "credential", "sslkey"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}
