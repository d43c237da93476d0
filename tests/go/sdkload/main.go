// A Go program profiled by Pyroscope's Go SDK (github.com/grafana/pyroscope-go), pushing to
// SERVER_ADDRESS as APP_NAME with the tag version=APP_VERSION for DURATION_SECS: CPU, the heap
// through godeltaprof (allocations as deltas, in-use as a state), mutex and block profiles.
// Each kind of work has a function of its own, so the tests can find it by name:
//
//	cpu      hashWork (request=checkout) and sortWork (request=search), about 3 : 1
//	alloc    allocChurn: short-lived 4 KiB buffers, dropped at once
//	in-use   retainBuffers: 64 buffers of 64 KiB held for the whole run (4 MiB)
//	mutex    lockHolder: four goroutines taking one sync.Mutex, each holding it 2 ms
//	block    channelWait: a goroutine waiting on a channel fed every 5 ms
//
// Run by tests/real_agents.rs (docs/agents.md#the-go-sdk).
package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/grafana/pyroscope-go"
)

var sink []byte

func hashWork(until time.Time) {
	buf := make([]byte, 4096)
	for time.Now().Before(until) {
		for i := 0; i < 64; i++ {
			sum := sha256.Sum256(buf)
			buf[i] = sum[0]
		}
	}
}

func sortWork(until time.Time) {
	values := make([]int, 2048)
	for time.Now().Before(until) {
		for i := range values {
			values[i] = (i * 7919) % 2048
		}
		sort.Ints(values)
	}
}

//go:noinline
func allocChurn(n int) {
	for i := 0; i < n; i++ {
		sink = make([]byte, 4096)
	}
}

var held [][]byte

//go:noinline
func retainBuffers() {
	for i := 0; i < 64; i++ {
		held = append(held, make([]byte, 64<<10))
	}
}

var mu sync.Mutex

//go:noinline
func lockHolder(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		mu.Lock()
		spin := time.Now().Add(2 * time.Millisecond)
		for time.Now().Before(spin) {
		}
		mu.Unlock()
	}
}

//go:noinline
func channelWait(ch <-chan int, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-ch:
		}
	}
}

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func main() {
	seconds, err := strconv.Atoi(env("DURATION_SECS", "20"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "DURATION_SECS:", err)
		os.Exit(2)
	}
	upload, err := time.ParseDuration(env("UPLOAD_RATE", "5s"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "UPLOAD_RATE:", err)
		os.Exit(2)
	}
	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)
	profiler, err := pyroscope.Start(pyroscope.Config{
		ApplicationName: env("APP_NAME", "go-sdk"),
		ServerAddress:   env("SERVER_ADDRESS", "http://127.0.0.1:4040"),
		Tags:            map[string]string{"version": env("APP_VERSION", "1.0.0")},
		UploadRate:      upload,
		ProfileTypes: []pyroscope.ProfileType{
			pyroscope.ProfileCPU,
			pyroscope.ProfileAllocObjects,
			pyroscope.ProfileAllocSpace,
			pyroscope.ProfileInuseObjects,
			pyroscope.ProfileInuseSpace,
			pyroscope.ProfileMutexCount,
			pyroscope.ProfileMutexDuration,
			pyroscope.ProfileBlockCount,
			pyroscope.ProfileBlockDuration,
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "pyroscope.Start:", err)
		os.Exit(1)
	}
	retainBuffers()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); lockHolder(stop) }()
	}
	ch := make(chan int)
	wg.Add(2)
	go func() { defer wg.Done(); channelWait(ch, stop) }()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
				select {
				case ch <- 1:
				case <-stop:
					return
				}
			}
		}
	}()
	end := time.Now().Add(time.Duration(seconds) * time.Second)
	for time.Now().Before(end) {
		pyroscope.TagWrapper(context.Background(), pyroscope.Labels("request", "checkout"), func(context.Context) {
			hashWork(time.Now().Add(30 * time.Millisecond))
		})
		pyroscope.TagWrapper(context.Background(), pyroscope.Labels("request", "search"), func(context.Context) {
			sortWork(time.Now().Add(10 * time.Millisecond))
		})
		allocChurn(256)
	}
	close(stop)
	wg.Wait()
	runtime.KeepAlive(held)
	// Stop uploads what was profiled since the last upload.
	if err := profiler.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "profiler.Stop:", err)
		os.Exit(1)
	}
}
