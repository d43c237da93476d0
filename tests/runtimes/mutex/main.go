// Goroutines that contend on one mutex, profiled by runtime/pprof's mutex profile (every
// contention recorded): the lock-type profile a Go service sends Pyroscope, under the IDs
// `mutex:contentions:count:contentions:count` and `mutex:delay:nanoseconds:contentions:count`.
//
// Usage: mutex OUT SECONDS
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"
)

var (
	ledger sync.Mutex
	total  int
)

// book holds the ledger's lock while it adds an entry: the contended section.
//
//go:noinline
func book(n int) {
	ledger.Lock()
	for i := 0; i < 2000; i++ {
		total += n * i
	}
	ledger.Unlock()
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: mutex OUT SECONDS")
		os.Exit(2)
	}
	seconds, err := strconv.ParseFloat(os.Args[2], 64)
	if err != nil {
		panic(err)
	}
	runtime.SetMutexProfileFraction(1)
	deadline := time.Now().Add(time.Duration(seconds * float64(time.Second)))
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for n := 0; time.Now().Before(deadline); n++ {
				book(w + n)
			}
		}(w)
	}
	wg.Wait()
	out, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup("mutex").WriteTo(out, 0); err != nil {
		panic(err)
	}
	if err := out.Close(); err != nil {
		panic(err)
	}
}
