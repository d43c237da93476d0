package main

// handle serves one request: it parses it, compiles its query, then renders the answer.
//
//go:noinline
func handle(req request) int {
	return parse(req) + compile(req) + render(req)
}

// parse folds the request's key into a checksum.
//
//go:noinline
func parse(req request) int {
	checksum := req.id
	for i := 0; i < 600; i++ {
		checksum = checksum*31 + int(req.key[i%len(req.key)])
	}
	return checksum & 1
}

// render writes the answer: a position-weighted sum of the key's bytes.
//
//go:noinline
func render(req request) int {
	total := 0
	for i := 0; i < 1400; i++ {
		total += int(req.key[i%len(req.key)]) * (i + 1)
	}
	return total & 1
}
