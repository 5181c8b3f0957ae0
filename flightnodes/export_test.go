package flightnodes

// SetCompileHookForTest makes every compile call f first (e.g. to inject a panic) and
// returns the function that removes it.
func SetCompileHookForTest(f func()) (restore func()) {
	compileHook = f
	return func() { compileHook = nil }
}
