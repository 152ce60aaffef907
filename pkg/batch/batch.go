// Package batch holds the two pieces a run over many Machines is built on: a bounded parallel loop,
// and a memo that makes each lookup once per run however many Machines ask for it.
package batch

import "sync"

// Each runs f(0..n-1) on at most workers goroutines and returns when all have run.
func Each(n, workers int, f func(i int)) {
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(n, max(workers, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				f(i)
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
}

// Memo runs each key's lookup once. Callers asking for the same key share its result, errors
// included; the mutex guards only the map, never a lookup, so lookups of different keys run in
// parallel. The zero value is ready to use.
type Memo[K comparable, V any] struct {
	mu      sync.Mutex
	entries map[K]*entry[V]
}

type entry[V any] struct {
	once  sync.Once
	value V
	err   error
}

func (m *Memo[K, V]) entry(key K) *entry[V] {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.entries == nil {
		m.entries = map[K]*entry[V]{}
	}
	e, ok := m.entries[key]
	if !ok {
		e = &entry[V]{}
		m.entries[key] = e
	}
	return e
}

// Get returns the key's value, looking it up on the first call.
func (m *Memo[K, V]) Get(key K, lookup func() (V, error)) (V, error) {
	e := m.entry(key)
	e.once.Do(func() { e.value, e.err = lookup() })
	return e.value, e.err
}

// Peek returns a key's value when its lookup ran and succeeded, without looking it up; it waits for
// a lookup in flight.
func (m *Memo[K, V]) Peek(key K) (V, bool) {
	m.mu.Lock()
	e, ok := m.entries[key]
	m.mu.Unlock()
	if !ok {
		var zero V
		return zero, false
	}
	e.once.Do(func() {})
	return e.value, e.err == nil
}
