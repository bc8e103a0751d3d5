package schemas_test

import (
	"testing"

	"github.com/actorstore/actorstore/schemas"
)

func TestVersionChoice(t *testing.T) {
	r := customerRegistry(t)
	cases := []struct {
		name    string
		version uint32
		meta    map[string]string
		data    string
		want    uint32
		source  schemas.VersionSource
		reject  string // rule of the expected problem, "" when accepted
	}{
		{"given", 2, nil, `{"name":"A"}`, 2, schemas.VersionGiven, ""},
		{"given wins over metadata", 2, map[string]string{"schema-version": "1"}, `{"name":"A"}`, 2, schemas.VersionGiven, ""},
		{"metadata", 0, map[string]string{"schema-version": "1"}, `{"name":"A"}`, 1, schemas.VersionFromMetadata, ""},
		{"bad metadata", 0, map[string]string{"schema-version": "two"}, `{"name":"A"}`, 0, schemas.VersionNone, schemas.RuleVersionMeta},
		{"unknown metadata version", 0, map[string]string{"schema-version": "9"}, `{}`, 9, schemas.VersionFromMetadata, schemas.RuleUnknownVersion},
		{"detected newest accepting", 0, nil, `{"fullName":"A"}`, 4, schemas.VersionDetected, ""},
		{"detected older", 0, nil, `{"name":"A","email":"e"}`, 2, schemas.VersionDetected, ""},
		{"none accepts", 0, nil, `{"nick":1}`, 0, schemas.VersionNone, "required"},
		{"given but invalid", 3, nil, `{"name":"A"}`, 3, schemas.VersionGiven, "required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := event("customer", c.version, c.data)
			ev.Metadata = c.meta
			res, err := r.Validate(ev)
			if res.Version != c.want || res.Source != c.source {
				t.Fatalf("chose v%d (%v), want v%d (%v)", res.Version, res.Source, c.want, c.source)
			}
			if c.reject == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			ve := mustValidationError(t, err)
			if ve.Events[0].Problems[0].Rule != c.reject {
				t.Fatalf("problems %+v, want rule %s", ve.Events[0].Problems, c.reject)
			}
			if ev.SchemaVersion != c.version {
				t.Fatal("Validate modified the event")
			}
		})
	}
}

func TestNoneAcceptsReportsProblemsAgainstLatest(t *testing.T) {
	r := customerRegistry(t)
	_, err := r.Validate(event("customer", 0, `{"nick":1}`))
	ve := mustValidationError(t, err)
	if ve.Events[0].Version != 4 || ve.Events[0].Problems[0].Path != "/fullName" {
		t.Fatalf("got %+v", ve.Events[0])
	}
}

func TestUpcastDetectsMissingVersion(t *testing.T) {
	r := customerRegistry(t)
	out, err := r.Upcast(recorded("customer", 0, `{"name":"A","email":"e"}`), 0)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, out.Data, `{"fullName":"A","email":"e"}`)
	ev := recorded("customer", 0, `{"name":"A"}`)
	ev.Metadata = map[string]string{schemas.MetadataVersionKey: "1"}
	if out, err = r.Upcast(ev, 3); err != nil || out.SchemaVersion != 3 {
		t.Fatalf("metadata version: %+v %v", out, err)
	}
	if _, err := r.Upcast(recorded("customer", 0, `{"nick":1}`), 0); err == nil {
		t.Fatal("undetectable version upcast without error")
	}
}
