//go:build !unix

package sqlite

import "os"

// tryLock is not implemented outside Unix: Config.Exclusive takes no lock
// there (documented on Config.Exclusive).
func tryLock(*os.File) (held bool, err error) { return false, nil }
