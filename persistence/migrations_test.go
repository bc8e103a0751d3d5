package persistence

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestReadMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	ms, err := ReadMigrations(fstest.MapFS{
		"m/0010_later.sql": file("B"), "m/0002_second.sql": file("A"), "m/README.md": file("x"),
	}, "m")
	if err != nil || len(ms) != 2 || ms[0].Version != 2 || ms[1].Version != 10 || ms[0].SQL != "A" || ms[1].Name != "0010_later.sql" {
		t.Fatalf("got %+v, %v", ms, err)
	}
	for name, files := range map[string]fstest.MapFS{
		"no number":     {"m/init.sql": file("")},
		"no underscore": {"m/0001.sql": file("")},
		"zero":          {"m/0000_x.sql": file("")},
		"same version":  {"m/0001_a.sql": file(""), "m/1_b.sql": file("")},
	} {
		if _, err := ReadMigrations(files, "m"); err == nil || !strings.Contains(err.Error(), "migration") {
			t.Errorf("%s: want an error naming the migration, got %v", name, err)
		}
	}
}
