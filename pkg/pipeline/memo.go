package pipeline

import "sync"

// memo runs each key's lookup once per run. Callers asking for the same key share its result; the
// mutex guards only the map, never the lookup, so lookups of different keys run in parallel.
type memo[K comparable, V any] struct {
	mu      sync.Mutex
	entries map[K]*memoEntry[V]
}

type memoEntry[V any] struct {
	once  sync.Once
	value V
	err   error
}

func (m *memo[K, V]) get(key K, lookup func() (V, error)) (V, error) {
	m.mu.Lock()
	if m.entries == nil {
		m.entries = map[K]*memoEntry[V]{}
	}
	e, ok := m.entries[key]
	if !ok {
		e = &memoEntry[V]{}
		m.entries[key] = e
	}
	m.mu.Unlock()
	e.once.Do(func() { e.value, e.err = lookup() })
	return e.value, e.err
}
