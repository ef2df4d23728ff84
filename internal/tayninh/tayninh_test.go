package tayninh

import (
	"os"
	"testing"
)

func TestLoad(t *testing.T) {
	d := Load()
	if len(d.Units) != 7 || len(People) != 7 || d.Pledge.Title == "" || len(d.Pledge.Commitments) != 4 || len(d.Achievements) != 2 {
		t.Fatalf("%+v", d)
	}
	if d.Terms[2024]["chair"] != "Cục Thuế tỉnh Tây Ninh" {
		t.Fatalf("terms: %v", d.Terms)
	}
}

// The embedded copy matches shared/testdata when that is beside the repository.
func TestCopyMatchesShared(t *testing.T) {
	shared, err := os.ReadFile("../../../shared/testdata/tay-ninh-bloc.yaml")
	if err != nil {
		t.Logf("shared/ not beside the repository (%v); checked the embedded copy only", err)
		return
	}
	if string(shared) != string(raw) {
		t.Fatal("internal/tayninh/tay-ninh-bloc.yaml differs from shared/testdata/tay-ninh-bloc.yaml: copy it again")
	}
}
