package pgtest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
)

// errNoPostgres means neither binaries nor ACTORSTORE_TEST_DATABASE_URL were found.
var errNoPostgres = errors.New("pgtest: no PostgreSQL found: install PostgreSQL 15 " +
	"(initdb and postgres on PATH or under /usr/lib/postgresql/*/bin) or set " +
	"ACTORSTORE_TEST_DATABASE_URL to a server where the user may CREATE DATABASE")

// findBinDir returns the directory holding both initdb and postgres.
func findBinDir() (string, error) {
	if dir := os.Getenv("ACTORSTORE_POSTGRES_BIN"); dir != "" {
		if hasBinaries(dir) {
			return dir, nil
		}
		return "", errors.New("pgtest: ACTORSTORE_POSTGRES_BIN has no initdb and postgres: " + dir)
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && hasBinaries(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
		if hasBinaries(filepath.Dir(p)) {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return majorOf(dirs[i]) > majorOf(dirs[j]) })
	for _, d := range dirs {
		if hasBinaries(d) {
			return d, nil
		}
	}
	return "", errNoPostgres
}

func hasBinaries(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.IsDir() {
			return false
		}
	}
	return true
}

// majorOf extracts 15 from /usr/lib/postgresql/15/bin.
func majorOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}
