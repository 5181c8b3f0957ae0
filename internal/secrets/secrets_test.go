package secrets

import (
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	b, err := New([]byte("a data directory key of some length"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.Seal("hunter2", "server\x00default\x00pg\x00password")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s, "hunter2") || !IsSealed(s) {
		t.Fatalf("sealed value %q", s)
	}
	s2, _ := b.Seal("hunter2", "server\x00default\x00pg\x00password")
	if s == s2 {
		t.Fatal("two seals of one value are equal (nonce reused)")
	}
	if got, err := b.Open(s, "server\x00default\x00pg\x00password"); err != nil || got != "hunter2" {
		t.Fatalf("open: %q %v", got, err)
	}
	// moved to another server, another key, tampered, not sealed: errors without the value
	if _, err := b.Open(s, "server\x00default\x00other\x00password"); err == nil {
		t.Fatal("a value opened under another binding")
	}
	other, _ := New([]byte("another key"))
	if _, err := other.Open(s, "server\x00default\x00pg\x00password"); err == nil {
		t.Fatal("a value opened under another key")
	}
	bad := s[:len(s)-2] + "AA"
	if _, err := b.Open(bad, "server\x00default\x00pg\x00password"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("tampered: %v", err)
	}
	if _, err := b.Open("hunter2", ""); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("plain: %v", err)
	}
	if _, err := New(nil); err == nil {
		t.Fatal("empty key accepted")
	}
}

func TestIsSecretOption(t *testing.T) {
	for name, want := range map[string]bool{"password": true, "PASSWORD": true, "api_key": true, "token": true,
		"user": false, "host": false, "dbname": false, "secret_access_key": true} {
		if IsSecretOption(name) != want {
			t.Errorf("%s: want %v", name, want)
		}
	}
}
