package schemas

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ModesFile is the optional file of a schema directory that sets modes:
//
//	{"default": "warn", "types": {"order-placed": "strict", "debug-note": "off"}}
const ModesFile = "modes.json"

var schemaFileName = regexp.MustCompile(`^v([1-9][0-9]{0,9})\.schema\.json$`)

// LoadDir registers the schemas of a directory laid out as:
//
//	DIR/
//	  modes.json                   optional, see ModesFile
//	  <event type>/                one directory per type, named as the type
//	    v1.schema.json             JSON Schema of version 1, with "examples"
//	    v2.schema.json             version 2, and so on
//
// Versions of a type are registered in ascending order, each checked as
// RegisterJSON does, so register upcasters (in Go) before calling LoadDir.
// Other top-level files and *.md files in type directories are ignored;
// any other file in a type directory is an error. Protobuf schemas are
// registered from Go only. LoadDir is all or nothing: on error the registry
// is unchanged.
func (r *Registry) LoadDir(fsys fs.FS) error {
	return r.update(func(s *snapshot) error {
		entries, err := fs.ReadDir(fsys, ".")
		if err != nil {
			return &RegistrationError{Reason: "read schema directory: " + err.Error()}
		}
		for _, e := range entries {
			if e.IsDir() {
				if err := loadTypeDir(s, fsys, e.Name()); err != nil {
					return err
				}
			}
		}
		return loadModes(s, fsys)
	})
}

// LoadDirPath is LoadDir of a directory on disk.
func (r *Registry) LoadDirPath(dir string) error {
	if _, err := os.Stat(dir); err != nil {
		return &RegistrationError{Reason: "schema directory: " + err.Error()}
	}
	return r.LoadDir(os.DirFS(dir))
}

func loadTypeDir(s *snapshot, fsys fs.FS, typ string) error {
	entries, err := fs.ReadDir(fsys, typ)
	if err != nil {
		return &RegistrationError{Type: typ, Reason: err.Error()}
	}
	files := map[uint32]string{}
	var versions []uint32
	for _, e := range entries {
		m := schemaFileName.FindStringSubmatch(e.Name())
		switch {
		case m != nil && !e.IsDir():
			n, err := strconv.ParseUint(m[1], 10, 32)
			if err != nil {
				return &RegistrationError{Type: typ, Reason: "bad version in " + e.Name()}
			}
			files[uint32(n)] = path.Join(typ, e.Name())
			versions = append(versions, uint32(n))
		case strings.HasSuffix(e.Name(), ".md"):
		default:
			return &RegistrationError{Type: typ, Reason: fmt.Sprintf(
				"unexpected file %q: want v<N>.schema.json", path.Join(typ, e.Name()))}
		}
	}
	sort.Slice(versions, func(i, j int) bool { return versions[i] < versions[j] })
	for _, n := range versions {
		data, err := fs.ReadFile(fsys, files[n])
		if err != nil {
			return &RegistrationError{Type: typ, Version: n, Reason: err.Error()}
		}
		if err := registerJSON(s, typ, n, data, nil); err != nil {
			return err
		}
	}
	return nil
}

type modesDoc struct {
	Default string            `json:"default"`
	Types   map[string]string `json:"types"`
}

func loadModes(s *snapshot, fsys fs.FS) error {
	data, err := fs.ReadFile(fsys, ModesFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return &RegistrationError{Reason: ModesFile + ": " + err.Error()}
	}
	var doc modesDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return &RegistrationError{Reason: ModesFile + ": " + err.Error()}
	}
	if doc.Default != "" {
		m, err := ParseMode(doc.Default)
		if err != nil {
			return &RegistrationError{Reason: ModesFile + ": " + err.Error()}
		}
		s.defaultMode = m
	}
	for typ, text := range doc.Types {
		m, err := ParseMode(text)
		if err != nil {
			return &RegistrationError{Type: typ, Reason: ModesFile + ": " + err.Error()}
		}
		s.modes[typ] = m
	}
	return nil
}
