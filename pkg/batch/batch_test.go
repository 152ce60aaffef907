package batch_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/batch"
)

func TestMemoLooksUpEachKeyOnceAndSharesTheResult(t *testing.T) {
	var m batch.Memo[string, int]
	var calls atomic.Int32
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := []string{"a", "b"}[i%2]
			v, err := m.Get(key, func() (int, error) {
				calls.Add(1)
				if key == "b" {
					return 0, errors.New("no b")
				}
				return 7, nil
			})
			if key == "a" && (v != 7 || err != nil) || key == "b" && err == nil {
				t.Errorf("%s: %d %v", key, v, err)
			}
		}()
	}
	wg.Wait()
	if n := calls.Load(); n != 2 {
		t.Errorf("%d lookups, want one per key", n)
	}
}

func TestPeekDoesNotLookUp(t *testing.T) {
	var m batch.Memo[string, int]
	if _, ok := m.Peek("a"); ok {
		t.Error("peek of a key never looked up")
	}
	_, _ = m.Get("a", func() (int, error) { return 1, nil })
	_, _ = m.Get("b", func() (int, error) { return 0, errors.New("no") })
	if v, ok := m.Peek("a"); !ok || v != 1 {
		t.Errorf("peek a: %d %v", v, ok)
	}
	if _, ok := m.Peek("b"); ok {
		t.Error("peek of a failed lookup")
	}
}

func TestEachRunsEveryIndexOnceWithinTheBound(t *testing.T) {
	var mu sync.Mutex
	seen := map[int]int{}
	var now, most atomic.Int32
	batch.Each(100, 4, func(i int) {
		n := now.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		mu.Lock()
		seen[i]++
		mu.Unlock()
		now.Add(-1)
	})
	if len(seen) != 100 || most.Load() > 4 {
		t.Errorf("%d indexes, %d at once", len(seen), most.Load())
	}
	for i, n := range seen {
		if n != 1 {
			t.Errorf("index %d ran %d times", i, n)
		}
	}
	batch.Each(0, 4, func(int) { t.Error("ran for n = 0") })
}
