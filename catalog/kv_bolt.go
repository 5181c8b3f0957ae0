package catalog

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tern-db/tern/internal/datafs"
	bolt "go.etcd.io/bbolt"
)

// Open opens (creating if needed) the embedded catalog: one bbolt file at path, e.g.
// <data>/catalog.db. Every change is one bbolt transaction, fsynced on commit. A second process
// opening the same file waits up to 5 seconds for the file lock, then fails.
func Open(path string) (Catalog, error) {
	if err := datafs.MkdirAll(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	db, err := bolt.Open(path, datafs.FileMode, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("catalog: open %s: %w", path, err)
	}
	// Owner-only whatever the umask, also for a catalog made by an older version.
	if err := os.Chmod(path, datafs.FileMode); err != nil {
		db.Close()
		return nil, fmt.Errorf("catalog: %w", err)
	}
	kv := &boltKV{db: db}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("catalog: init %s: %w", path, err)
	}
	return newStore(kv), nil
}

type boltKV struct{ db *bolt.DB }

func (s *boltKV) view(fn func(kvTx) error) error {
	return s.db.View(func(tx *bolt.Tx) error { return fn(boltTx{tx}) })
}

func (s *boltKV) update(fn func(kvTx) error) error {
	// A failed commit (full disk) rolls the transaction back: nothing it wrote is visible.
	return datafs.IOError("the catalog", s.db.Update(func(tx *bolt.Tx) error { return fn(boltTx{tx}) }))
}

func (s *boltKV) close() error { return s.db.Close() }

type boltTx struct{ tx *bolt.Tx }

func (t boltTx) bucket(name []byte) *bolt.Bucket {
	b := t.tx.Bucket(name)
	if b == nil {
		panic("catalog: missing bucket " + string(name)) // created by Open
	}
	return b
}

func (t boltTx) get(bucket, key []byte) []byte { return t.bucket(bucket).Get(key) }
func (t boltTx) put(bucket, key, val []byte) error {
	return t.bucket(bucket).Put(key, val)
}
func (t boltTx) del(bucket, key []byte) error { return t.bucket(bucket).Delete(key) }
func (t boltTx) nextSeq(bucket []byte) (uint64, error) {
	return t.bucket(bucket).NextSequence()
}

func (t boltTx) scan(bucket, prefix []byte, fn func(k, v []byte) error) error {
	c := t.bucket(bucket).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}
