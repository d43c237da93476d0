// A small request handler for tests/api/suspects_fixture.rs
// (docs/regressions.md#the-change-that-caused-it): it serves requests for SECONDS under
// runtime/pprof and writes the CPU profile to PROFILE.
//
// Usage: shop PROFILE SECONDS
package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"time"
)

type request struct {
	key []byte
	id  int
}

// sink keeps the compiler from dropping the work.
var sink int

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: shop PROFILE SECONDS")
		os.Exit(2)
	}
	seconds, err := strconv.ParseFloat(os.Args[2], 64)
	if err != nil {
		panic(err)
	}
	out, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		panic(err)
	}
	key := []byte("customer-4711/cart/checkout/v2")
	deadline := time.Now().Add(time.Duration(seconds * float64(time.Second)))
	for n := 0; time.Now().Before(deadline); n++ {
		for i := 0; i < 100; i++ {
			sink += route(request{key: key, id: n*100 + i})
		}
	}
	pprof.StopCPUProfile()
	if err := out.Close(); err != nil {
		panic(err)
	}
}
