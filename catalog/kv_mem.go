package catalog

import (
	"bytes"
	"sort"
	"sync"
)

// NewMemory returns an in-memory Catalog with the same semantics as the embedded store, for
// tests of other packages. Nothing survives the process.
func NewMemory() Catalog { return newStore(newMemKV()) }

// memKV is a map-backed kvStore: readers share a read lock, a writer holds the write lock and
// keeps an undo log to roll back when its function fails.
type memKV struct {
	mu      sync.RWMutex
	buckets map[string]map[string][]byte
	seqs    map[string]uint64
}

func newMemKV() *memKV {
	m := &memKV{buckets: map[string]map[string][]byte{}, seqs: map[string]uint64{}}
	for _, b := range allBuckets {
		m.buckets[string(b)] = map[string][]byte{}
	}
	return m
}

func (m *memKV) view(fn func(kvTx) error) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return fn(&memTx{m: m})
}

func (m *memKV) update(fn func(kvTx) error) (err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	tx := &memTx{m: m, writable: true}
	defer func() {
		if r := recover(); r != nil {
			tx.rollback()
			panic(r)
		}
		if err != nil {
			tx.rollback()
		}
	}()
	return fn(tx)
}

func (m *memKV) close() error { return nil }

type undo struct {
	bucket, key string
	val         []byte
	existed     bool
	seq         bool // a sequence bump: val unused, restore prevSeq
	prevSeq     uint64
}

type memTx struct {
	m        *memKV
	writable bool
	log      []undo
}

func (t *memTx) rollback() {
	for i := len(t.log) - 1; i >= 0; i-- {
		u := t.log[i]
		switch {
		case u.seq:
			t.m.seqs[u.bucket] = u.prevSeq
		case u.existed:
			t.m.buckets[u.bucket][u.key] = u.val
		default:
			delete(t.m.buckets[u.bucket], u.key)
		}
	}
	t.log = nil
}

func (t *memTx) b(name []byte) map[string][]byte {
	b, ok := t.m.buckets[string(name)]
	if !ok {
		panic("catalog: missing bucket " + string(name))
	}
	return b
}

func (t *memTx) get(bucket, key []byte) []byte { return t.b(bucket)[string(key)] }

func (t *memTx) remember(bucket, key []byte) {
	old, ok := t.b(bucket)[string(key)]
	t.log = append(t.log, undo{bucket: string(bucket), key: string(key), val: old, existed: ok})
}

func (t *memTx) put(bucket, key, val []byte) error {
	if !t.writable {
		panic("catalog: write in a read transaction")
	}
	t.remember(bucket, key)
	v := bytes.Clone(val)
	if v == nil {
		v = []byte{} // present, as bbolt reports an empty value
	}
	t.b(bucket)[string(key)] = v
	return nil
}

func (t *memTx) del(bucket, key []byte) error {
	if !t.writable {
		panic("catalog: write in a read transaction")
	}
	t.remember(bucket, key)
	delete(t.b(bucket), string(key))
	return nil
}

func (t *memTx) nextSeq(bucket []byte) (uint64, error) {
	if !t.writable {
		panic("catalog: write in a read transaction")
	}
	prev := t.m.seqs[string(bucket)]
	t.log = append(t.log, undo{bucket: string(bucket), seq: true, prevSeq: prev})
	t.m.seqs[string(bucket)] = prev + 1
	return prev + 1, nil
}

func (t *memTx) scan(bucket, prefix []byte, fn func(k, v []byte) error) error {
	b := t.b(bucket)
	var keys []string
	for k := range b {
		if len(k) >= len(prefix) && k[:len(prefix)] == string(prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := fn([]byte(k), b[k]); err != nil {
			return err
		}
	}
	return nil
}
