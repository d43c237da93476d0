package main

// route serves one request: it scores it, then renders the answer.
//
//go:noinline
func route(req request) int {
	// Fold the request id into a checksum for the access log.
	checksum := req.id
	for i := 0; i < 40; i++ {
		checksum = checksum*31 + i
	}
	return score(req) + render(req) + checksum&1
}
