package pipeline

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestMemoLooksUpEachKeyOnceAndSharesTheResult(t *testing.T) {
	var m memo[string, int]
	var calls atomic.Int32
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := []string{"a", "b"}[i%2]
			v, err := m.get(key, func() (int, error) {
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
