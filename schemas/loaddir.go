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

var versionFileName = regexp.MustCompile(`^v([1-9][0-9]{0,9})\.(schema\.json|binpb|proto\.json)$`)

// LoadDir registers the schemas of a directory laid out as:
//
//	DIR/
//	  modes.json                   optional, see ModesFile
//	  <event type>/                one directory per type, named as the type
//	    v1.schema.json             JSON Schema of version 1, with "examples"
//	    v2.schema.json             version 2, and so on
//	  <protobuf event type>/
//	    v1.binpb                   a FileDescriptorSet holding the message
//	                               (protoc --include_imports --descriptor_set_out)
//	    v1.proto.json              {"message": "shop.OrderPlaced",
//	                                "required": ["order_id"],
//	                                "examples": [{...protojson...}]}
//
// Versions of a type are registered in ascending order, each checked as
// RegisterJSON does, so register upcasters (in Go) before calling LoadDir.
// Other top-level files and *.md files in type directories are ignored;
// any other file in a type directory is an error. LoadDir is all or nothing: on error the registry
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

// versionFiles are the files of one version in a type directory.
type versionFiles struct {
	schema    string // v<N>.schema.json
	binpb     string // v<N>.binpb
	protoSpec string // v<N>.proto.json
}

func loadTypeDir(s *snapshot, fsys fs.FS, typ string) error {
	files, err := listVersionFiles(fsys, typ)
	if err != nil {
		return err
	}
	versions := make([]uint32, 0, len(files))
	for n := range files {
		versions = append(versions, n)
	}
	sort.Slice(versions, func(i, j int) bool { return versions[i] < versions[j] })
	for _, n := range versions {
		if err := loadVersion(s, fsys, typ, n, files[n]); err != nil {
			return err
		}
	}
	return nil
}

func listVersionFiles(fsys fs.FS, typ string) (map[uint32]*versionFiles, error) {
	entries, err := fs.ReadDir(fsys, typ)
	if err != nil {
		return nil, &RegistrationError{Type: typ, Reason: err.Error()}
	}
	files := map[uint32]*versionFiles{}
	for _, e := range entries {
		m := versionFileName.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			if strings.HasSuffix(e.Name(), ".md") {
				continue
			}
			return nil, &RegistrationError{Type: typ, Reason: fmt.Sprintf(
				"unexpected file %q: want v<N>.schema.json, v<N>.binpb or v<N>.proto.json", path.Join(typ, e.Name()))}
		}
		n, err := strconv.ParseUint(m[1], 10, 32)
		if err != nil {
			return nil, &RegistrationError{Type: typ, Reason: "bad version in " + e.Name()}
		}
		vf := files[uint32(n)]
		if vf == nil {
			vf = &versionFiles{}
			files[uint32(n)] = vf
		}
		p := path.Join(typ, e.Name())
		switch m[2] {
		case "schema.json":
			vf.schema = p
		case "binpb":
			vf.binpb = p
		default:
			vf.protoSpec = p
		}
	}
	return files, nil
}

func loadVersion(s *snapshot, fsys fs.FS, typ string, n uint32, vf *versionFiles) error {
	isProto := vf.binpb != "" || vf.protoSpec != ""
	switch {
	case vf.schema != "" && isProto:
		return &RegistrationError{Type: typ, Version: n, Reason: "both a JSON Schema and protobuf files"}
	case vf.schema != "":
		data, err := fs.ReadFile(fsys, vf.schema)
		if err != nil {
			return &RegistrationError{Type: typ, Version: n, Reason: err.Error()}
		}
		return registerJSON(s, typ, n, data, nil)
	case vf.binpb == "" || vf.protoSpec == "":
		return &RegistrationError{Type: typ, Version: n, Reason: fmt.Sprintf("a protobuf version needs v%d.binpb and v%d.proto.json", n, n)}
	}
	spec, err := readProtoSpec(fsys, vf)
	if err != nil {
		return &RegistrationError{Type: typ, Version: n, Reason: err.Error()}
	}
	return registerProto(s, typ, n, spec)
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
