// Package tayninh is the real bloc of shared/testdata/tay-ninh-bloc.yaml (a copy embedded here),
// used as test and demo data by the tests, the benchmarks and the sandbox.
package tayninh

import (
	_ "embed"

	"go.yaml.in/yaml/v3"
)

//go:embed tay-ninh-bloc.yaml
var raw []byte

// Data is the bloc as the YAML file has it.
type Data struct {
	Bloc         string                    `yaml:"bloc"`
	Timezone     string                    `yaml:"timezone"`
	Units        []string                  `yaml:"units"`
	Terms        map[int]map[string]string `yaml:"terms"`
	Achievements []string                  `yaml:"achievements_2023"`
	Pledge       struct {
		Title       string   `yaml:"title"`
		Commitments []string `yaml:"commitments"`
	} `yaml:"pledge_2024"`
}

// Load parses the embedded file.
func Load() Data {
	var d Data
	if err := yaml.Unmarshal(raw, &d); err != nil {
		panic("tayninh: " + err.Error())
	}
	return d
}

// People are one representative for each unit, in the order of Units, and the group's admin.
var People = []string{"Nguyễn Văn Minh", "Trần Thị Hoa", "Lê Quốc Hùng", "Phạm Thu Trang", "Võ Thanh Tâm", "Đặng Ngọc Lan", "Huỳnh Đức Phúc"}

// Admin is the group's Telegram administrator.
const Admin = "Bùi Thị Mai"
